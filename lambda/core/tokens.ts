import { createHash } from 'node:crypto';

/**
 * The one codec of the tokens status and logs hand out (`nextToken`, `children.nextToken`): a versioned JSON array,
 * base64url without padding. Each operation checks the fields it reads; the codec only says whether a text is one of
 * ours at all.
 */
const TOKEN_VERSION = 1;

/** The token of `fields`, behind the codec's version. */
export function encodeToken(fields: readonly unknown[]): string {
  return Buffer.from(JSON.stringify([TOKEN_VERSION, ...fields])).toString('base64url');
}

/** The fields of a token this codec wrote, or `undefined` for any other text (not base64url JSON, another version). */
export function decodeToken(token: string): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed[0] !== TOKEN_VERSION) return undefined;
  return (parsed as unknown[]).slice(1);
}

/** A short digest of a request's ids, so a token only resumes the request it came from. */
export function fingerprint(ids: readonly string[]): string {
  return createHash('sha256').update(ids.join('\0')).digest('base64url').slice(0, 16);
}
