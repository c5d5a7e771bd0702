/**
 * Jest snapshot helpers for templates that hold CDK asset hashes, which change on every code edit.
 *
 * @example
 * // jest.config.js: snapshotSerializers: ['pendant/testing/serializer']
 * expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
 */

const ASSET_HASH = /[0-9a-f]{64}/g;
const MARK = Symbol.for('pendant.testing.normalized');

/** Replaces every 64-hex asset hash in strings (S3 keys, asset paths, parameters) with a stable placeholder. */
export function normalizeAssetHashes<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_key, item: unknown) =>
    typeof item === 'string' ? item.replace(ASSET_HASH, '[ASSET_HASH]') : item,
  ) as T;
}

/** A jest snapshot serializer: prints any value whose strings hold asset hashes with the hashes normalised. */
export const assetHashSerializer = {
  test(value: unknown): boolean {
    if (value === null || typeof value !== 'object' || (value as Record<symbol, unknown>)[MARK]) return false;
    return /[0-9a-f]{64}/.test(JSON.stringify(value) ?? '');
  },
  // jest's Config and Refs stay opaque here: pendant passes them through and does not depend on jest's types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  serialize(value: unknown, config: any, indentation: string, depth: number, refs: any, printer: (...args: any[]) => string): string {
    const normalized = normalizeAssetHashes(value) as Record<symbol, unknown>;
    Object.defineProperty(normalized, MARK, { value: true, enumerable: false });
    return printer(normalized, config, indentation, depth, refs);
  },
};
