import { assetHashSerializer, normalizeAssetHashes } from '../../lib/testing';
import serializerModule = require('../../lib/testing/serializer');

const HASH_A = '6f3ef9b158e1311e01aff7326556b6f5e9e467ee3ce4d14927c5cebec1eebdeb';
const HASH_B = '1d3b55032ecd8c4aee226a5ed2ac37a0282b6a0fbd329a2ab9c49c4c30359c3e';

/** A Lambda function as a template holds it, with its code asset named by hash. */
const FUNCTION = {
  Type: 'AWS::Lambda::Function',
  Properties: {
    Code: { S3Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, S3Key: `${HASH_A}.zip` },
    Handler: 'index.handler',
    MemorySize: 256,
    Architectures: ['arm64'],
  },
  Metadata: { 'aws:asset:path': `asset.${HASH_B}`, 'aws:asset:is-bundled': false },
};

/** Stands in for jest's printer: records what the serializer hands on and prints it as JSON. */
function recordingPrinter() {
  const calls: unknown[][] = [];
  const printer = (...args: unknown[]): string => {
    calls.push(args);
    return JSON.stringify(args[0]);
  };
  return { calls, printer };
}

describe('normalizeAssetHashes', () => {
  it('replaces a 64-hex hash inside a string with [ASSET_HASH]', () => {
    expect(normalizeAssetHashes(`${HASH_A}.zip`)).toBe('[ASSET_HASH].zip');
  });

  it('replaces every hash at every depth of an object and its arrays', () => {
    expect(normalizeAssetHashes({ Resources: { Fn: FUNCTION }, list: [`a/${HASH_A}/${HASH_B}`] })).toEqual({
      Resources: {
        Fn: {
          ...FUNCTION,
          Properties: { ...FUNCTION.Properties, Code: { ...FUNCTION.Properties.Code, S3Key: '[ASSET_HASH].zip' } },
          Metadata: { 'aws:asset:path': 'asset.[ASSET_HASH]', 'aws:asset:is-bundled': false },
        },
      },
      list: ['a/[ASSET_HASH]/[ASSET_HASH]'],
    });
  });

  it('leaves strings without a full 64-hex run untouched', () => {
    const value = {
      short: HASH_A.slice(0, 63),
      upper: HASH_A.toUpperCase(),
      logicalId: 'PlatformRuntimeValidateFunctionC1E25297',
      md5: 'd41d8cd98f00b204e9800998ecf8427e',
      arn: 'arn:aws:batch:us-east-1:123456789012:job-queue/pendant-default',
    };
    expect(normalizeAssetHashes(value)).toEqual(value);
  });

  it('keeps numbers, booleans and null as they are', () => {
    expect(normalizeAssetHashes({ n: 30, b: true, z: null, key: HASH_A })).toEqual({ n: 30, b: true, z: null, key: '[ASSET_HASH]' });
  });

  it('does not change the value it was given', () => {
    const value = { S3Key: `${HASH_A}.zip` };
    normalizeAssetHashes(value);
    expect(value.S3Key).toBe(`${HASH_A}.zip`);
  });
});

describe('assetHashSerializer', () => {
  describe('test', () => {
    it('claims an object whose strings hold an asset hash', () => {
      expect(assetHashSerializer.test({ Resources: { Fn: FUNCTION } })).toBe(true);
    });

    it('claims an array whose strings hold an asset hash', () => {
      expect(assetHashSerializer.test([`${HASH_A}.zip`])).toBe(true);
    });

    it('does not claim an object without a hash', () => {
      expect(assetHashSerializer.test({ S3Key: 'code.zip', Handler: 'index.handler', MemorySize: 256 })).toBe(false);
    });

    it.each([
      ['a string', `${HASH_A}.zip`],
      ['a number', 42],
      ['null', null],
      ['undefined', undefined],
    ])('does not claim %s', (_what, value) => {
      expect(assetHashSerializer.test(value)).toBe(false);
    });

    it('does not claim the value it handed the printer, so printing cannot recurse forever', () => {
      const { calls, printer } = recordingPrinter();
      assetHashSerializer.serialize({ [HASH_A]: { S3Key: `${HASH_A}.zip` } }, {}, '', 0, [], printer);
      const printed = calls[0][0];
      // Keys are normalised too: an asset manifest's `files` is a map by hash.
      expect(printed).toEqual({ '[ASSET_HASH]': { S3Key: '[ASSET_HASH].zip' } });
      expect(assetHashSerializer.test(printed)).toBe(false);
    });

    it('does not claim (nor throw on) a value JSON cannot represent', () => {
      const cyclic: Record<string, unknown> = { S3Key: `${HASH_A}.zip` };
      cyclic.self = cyclic;
      expect(assetHashSerializer.test(cyclic)).toBe(false);
      expect(assetHashSerializer.test({ size: BigInt(1), S3Key: `${HASH_A}.zip` })).toBe(false);
    });
  });

  describe('serialize', () => {
    it('hands the printer the value with its hashes normalised', () => {
      const { calls, printer } = recordingPrinter();
      const output = assetHashSerializer.serialize({ Resources: { Fn: FUNCTION } }, { indent: 2 }, '  ', 3, ['ref'], printer);
      expect(output).not.toMatch(/[0-9a-f]{64}/);
      expect(output).toContain('"S3Key":"[ASSET_HASH].zip"');
      expect(output).toContain('"aws:asset:path":"asset.[ASSET_HASH]"');
      expect(output).toContain('"Handler":"index.handler"');
      expect(calls).toHaveLength(1);
    });

    it("passes jest's config, indentation, depth and refs through unchanged", () => {
      const { calls, printer } = recordingPrinter();
      const config = { indent: 2 };
      const refs = ['ref'];
      assetHashSerializer.serialize({ S3Key: `${HASH_A}.zip` }, config, '  ', 3, refs, printer);
      expect(calls).toHaveLength(1);
      expect(calls[0].slice(1)).toEqual([config, '  ', 3, refs]);
      expect(calls[0][1]).toBe(config);
      expect(calls[0][4]).toBe(refs);
    });
  });

  it('is the module jest loads from lib/testing/serializer', () => {
    expect(serializerModule).toBe(assetHashSerializer);
  });
});
