/**
 * Jest snapshot helpers for templates that hold CDK asset hashes, which change on every code edit.
 *
 * @example
 * // jest.config.js: snapshotSerializers: ['pendant/testing/serializer']
 * expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
 */

/** What an asset hash prints as. */
export const ASSET_HASH_PLACEHOLDER = '[ASSET_HASH]';

/**
 * The places where a cloud assembly names an asset by its hash: each pattern's first group is the hash. A 64-hex
 * string anywhere else (an image digest, a checksum in an environment variable) is content, and stays.
 */
const ASSET_REFERENCES: readonly RegExp[] = [
  // File assets' S3 object keys (`<hash>.zip`, a nested stack's `<hash>.json`), with or without a key prefix.
  /([0-9a-f]{64})\.(?:zip|json)\b/g,
  // Staged asset paths: `aws:asset:path` metadata, an asset manifest's `source.path`/`directory`.
  /\basset\.([0-9a-f]{64})/g,
  // Image assets' tags, `<repository>:<hash>`. A digest (`@sha256:<hex>`) is never a tag: `isDigest` rules it out.
  /:([0-9a-f]{64})(?![0-9a-f])/g,
  // An asset manifest's `files` and `dockerImages` maps, keyed by hash, and its `imageTag`/`sourceHash` fields.
  /"([0-9a-f]{64})"\s*:/g,
  /"(?:imageTag|sourceHash|assetHash)"\s*:\s*"[^"]*?([0-9a-f]{64})"/g,
  // The legacy synthesizer's asset parameters.
  /AssetParameters([0-9a-f]{64})/g,
];

/**
 * The asset hash in a logical id: a function's `currentVersion` is `<id>CurrentVersion<8 hex><32 hex>`, the last
 * part a hash of the function's configuration and code, so it changes with every code edit.
 */
const VERSION_LOGICAL_ID = /(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}(?![0-9a-f])/g;

/**
 * An asset manifest's destination key, `<account>-<region>-<8 hex>`: the hex is a hash of the destination, whose
 * object key or image tag is the asset hash.
 */
const MANIFEST_DESTINATION = /("destinations"\s*:\s*\{\s*"[^"]*-)[0-9a-f]{8}"/g;

const DIGEST_PREFIX = 'sha256:';

function isDigest(text: string, index: number): boolean {
  return text.slice(Math.max(0, index - DIGEST_PREFIX.length), index) === DIGEST_PREFIX;
}

/** The asset hashes `text` names as assets. */
function assetHashesIn(text: string): Set<string> {
  const hashes = new Set<string>();
  for (const pattern of ASSET_REFERENCES) {
    for (const match of text.matchAll(pattern)) {
      const hash = match[1];
      const at = (match.index ?? 0) + match[0].indexOf(hash);
      if (!isDigest(text, at)) hashes.add(hash);
    }
  }
  return hashes;
}

function holdsAssetHash(text: string): boolean {
  VERSION_LOGICAL_ID.lastIndex = 0;
  return assetHashesIn(text).size > 0 || VERSION_LOGICAL_ID.test(text);
}

/** `text` with every occurrence of the asset hashes it names, and the hash part of version logical ids, masked. */
function maskText(text: string): string {
  let masked = text.replace(VERSION_LOGICAL_ID, `$1${ASSET_HASH_PLACEHOLDER}`).replace(MANIFEST_DESTINATION, `$1${ASSET_HASH_PLACEHOLDER}"`);
  for (const hash of assetHashesIn(text)) {
    masked = masked.replace(new RegExp(hash, 'g'), (found: string, at: number, whole: string) =>
      isDigest(whole, at) ? found : ASSET_HASH_PLACEHOLDER,
    );
  }
  return masked;
}

/**
 * Replaces the asset hashes a template or asset manifest names (S3 keys, staged asset paths, image tags, manifest
 * and destination keys, the hash part of a `currentVersion` logical id) with `[ASSET_HASH]`, wherever else they
 * also occur, in strings and object keys. Everything else stays, 64-hex image digests (`@sha256:…`) included.
 * Takes the template as an object or as its JSON (or YAML) text, and returns the same kind.
 */
export function normalizeAssetHashes<T>(value: T): T {
  if (typeof value === 'string') return maskText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  return JSON.parse(maskText(JSON.stringify(value))) as T;
}

/** A jest snapshot serializer: prints a value that names asset hashes with those hashes masked. */
export const assetHashSerializer = {
  test(value: unknown): boolean {
    // What it hands the printer names no hash, so it never claims its own output and printing cannot recurse.
    if (typeof value === 'string') return holdsAssetHash(value);
    if (value === null || typeof value !== 'object') return false;
    // jest asks every registered serializer about every value it prints: one JSON cannot hold (a cycle, a BigInt)
    // is simply not ours, and must be left to jest rather than fail the snapshot.
    try {
      return holdsAssetHash(JSON.stringify(value) ?? '');
    } catch {
      return false;
    }
  },
  // jest's Config and Refs stay opaque here: pendant passes them through and does not depend on jest's types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: jest's types are not a dependency of the library
  serialize(value: unknown, config: any, indentation: string, depth: number, refs: any, printer: (...args: any[]) => string): string {
    return printer(normalizeAssetHashes(value), config, indentation, depth, refs);
  },
};
