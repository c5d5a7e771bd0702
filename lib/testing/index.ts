/**
 * Jest snapshot helpers for templates that hold CDK asset hashes, which change on every code edit.
 *
 * @example
 * // jest.config.js: snapshotSerializers: ['pendant/testing/serializer']
 * expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
 */

const ASSET_HASH = /[0-9a-f]{64}/g;

/**
 * Replaces every 64-hex asset hash with a stable placeholder, in strings (S3 keys, asset paths, parameters) and in
 * object keys (asset manifests are maps by hash).
 */
export function normalizeAssetHashes<T>(value: T): T {
  const normalize = (item: unknown): unknown => {
    if (typeof item === 'string') return item.replace(ASSET_HASH, '[ASSET_HASH]');
    if (Array.isArray(item)) return item.map(normalize);
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(Object.entries(item).map(([key, child]) => [key.replace(ASSET_HASH, '[ASSET_HASH]'), normalize(child)]));
    }
    return item;
  };
  return normalize(JSON.parse(JSON.stringify(value))) as T;
}

/** A jest snapshot serializer: prints any value whose strings hold asset hashes with the hashes normalised. */
export const assetHashSerializer = {
  test(value: unknown): boolean {
    // What it hands the printer holds no hash, so it never claims its own output and printing cannot recurse.
    if (value === null || typeof value !== 'object') return false;
    // jest asks every registered serializer about every value it prints: one JSON cannot hold (a cycle, a BigInt)
    // is simply not ours, and must be left to jest rather than fail the snapshot.
    try {
      return /[0-9a-f]{64}/.test(JSON.stringify(value) ?? '');
    } catch {
      return false;
    }
  },
  // jest's Config and Refs stay opaque here: pendant passes them through and does not depend on jest's types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  serialize(value: unknown, config: any, indentation: string, depth: number, refs: any, printer: (...args: any[]) => string): string {
    return printer(normalizeAssetHashes(value), config, indentation, depth, refs);
  },
};
