import { App, CfnOutput, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'pretty-format';
import { assetHashSerializer, normalizeAssetHashes } from '../../lib/testing';
import serializerModule = require('../../lib/testing/serializer');

const HASH_A = '6f3ef9b158e1311e01aff7326556b6f5e9e467ee3ce4d14927c5cebec1eebdeb';
const HASH_B = '1d3b55032ecd8c4aee226a5ed2ac37a0282b6a0fbd329a2ab9c49c4c30359c3e';
const DIGEST_A = 'sha256:0e5f0bdb4ea4ea9a6a4cbdc0a0a28b5d1c5c3e1b1f2f1c7d1a64e0b0d6a3b2c1';
const DIGEST_B = 'sha256:9a1d2b0c7e4f6a8b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b';

/** A Lambda function as a template holds it, with its code asset named by hash. */
const FUNCTION = {
  Type: 'AWS::Lambda::Function',
  Properties: {
    Code: { S3Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, S3Key: `${HASH_A}.zip` },
    Handler: 'index.handler',
    MemorySize: 256,
  },
  Metadata: { 'aws:asset:path': `asset.${HASH_B}`, 'aws:asset:is-bundled': false },
};

/** Prints a value as jest's snapshots do, with the serializer registered. */
const print = (value: unknown) => format(value, { plugins: [assetHashSerializer], indent: 2 });

describe('normalizeAssetHashes: what CDK names as an asset', () => {
  it("masks a file asset's S3 object key and its staged path, and each hash wherever else it occurs", () => {
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

  it("masks an image asset's tag in the repository URI", () => {
    const image = { 'Fn::Sub': `\${AWS::AccountId}.dkr.ecr.\${AWS::Region}.\${AWS::URLSuffix}/cdk-hnb659fds-container-assets-\${AWS::AccountId}-\${AWS::Region}:${HASH_A}` };
    expect(normalizeAssetHashes(image)['Fn::Sub']).toMatch(/container-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}:\[ASSET_HASH\]$/);
  });

  it("masks an asset manifest's keys, object keys and image tags", () => {
    const manifest = {
      files: { [HASH_A]: { source: { path: `asset.${HASH_A}`, packaging: 'zip' }, destinations: { d: { objectKey: `${HASH_A}.zip` } } } },
      dockerImages: { [HASH_B]: { source: { directory: `asset.${HASH_B}` }, destinations: { d: { imageTag: HASH_B } } } },
    };
    expect(normalizeAssetHashes(manifest)).toEqual({
      files: { '[ASSET_HASH]': { source: { path: 'asset.[ASSET_HASH]', packaging: 'zip' }, destinations: { d: { objectKey: '[ASSET_HASH].zip' } } } },
      dockerImages: { '[ASSET_HASH]': { source: { directory: 'asset.[ASSET_HASH]' }, destinations: { d: { imageTag: '[ASSET_HASH]' } } } },
    });
  });

  it("masks the hash part of a function's currentVersion logical id, in the key and in every reference to it", () => {
    const id = 'FnCurrentVersion2A4C6E8F0123456789abcdef0123456789abcdef';
    const template = { Resources: { [id]: { Type: 'AWS::Lambda::Version' } }, Outputs: { V: { Value: { 'Fn::GetAtt': [id, 'Version'] } } } };
    expect(normalizeAssetHashes(template)).toEqual({
      Resources: { 'FnCurrentVersion2A4C6E8F[ASSET_HASH]': { Type: 'AWS::Lambda::Version' } },
      Outputs: { V: { Value: { 'Fn::GetAtt': ['FnCurrentVersion2A4C6E8F[ASSET_HASH]', 'Version'] } } },
    });
  });

  it('never masks an image digest (AWS Batch API Reference, ContainerProperties: image may be pinned as repository@sha256:digest)', () => {
    const value = { Image: `public.ecr.aws/biocontainers/bwa@${DIGEST_A}`, Pinned: DIGEST_A, S3Key: `${HASH_A}.zip` };
    expect(normalizeAssetHashes(value)).toEqual({ Image: `public.ecr.aws/biocontainers/bwa@${DIGEST_A}`, Pinned: DIGEST_A, S3Key: '[ASSET_HASH].zip' });
  });

  it('leaves a 64-hex string that names no asset as it is', () => {
    const value = { Environment: { CHECKSUM: HASH_A }, Tag: HASH_B, short: `${HASH_A.slice(0, 63)}.zip`, upper: `${HASH_A.toUpperCase()}.zip` };
    expect(normalizeAssetHashes(value)).toEqual(value);
  });

  it('takes a template as JSON text and returns text', () => {
    const text = JSON.stringify({ Resources: { Fn: FUNCTION } }, undefined, 1);
    const masked = normalizeAssetHashes(text);
    expect(masked).toBe(text.split(HASH_A).join('[ASSET_HASH]').split(HASH_B).join('[ASSET_HASH]'));
  });

  it('returns numbers, booleans, null and undefined as they are', () => {
    for (const value of [42, true, null, undefined]) expect(normalizeAssetHashes(value)).toBe(value);
  });

  it('does not change the value it was given', () => {
    const value = { S3Key: `${HASH_A}.zip` };
    normalizeAssetHashes(value);
    expect(value.S3Key).toBe(`${HASH_A}.zip`);
  });
});

describe('assetHashSerializer', () => {
  it.each([
    ['an object naming an asset', { Resources: { Fn: FUNCTION } }],
    ['an array naming an asset', [`${HASH_A}.zip`]],
    ['a string naming an asset', `{"S3Key": "${HASH_A}.zip"}`],
  ])('claims %s', (_what, value) => {
    expect(assetHashSerializer.test(value)).toBe(true);
  });

  it.each([
    ['an object without an asset', { S3Key: 'code.zip', Handler: 'index.handler', MemorySize: 256 }],
    ['an image digest alone', { Image: `bwa@${DIGEST_A}` }],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
  ])('does not claim %s', (_what, value) => {
    expect(assetHashSerializer.test(value)).toBe(false);
  });

  it('does not claim what it printed, so printing cannot recurse forever', () => {
    expect(assetHashSerializer.test(normalizeAssetHashes({ [HASH_A]: { S3Key: `${HASH_A}.zip` } }))).toBe(false);
    expect(print({ [HASH_A]: { S3Key: `${HASH_A}.zip` } })).not.toContain(HASH_A);
  });

  it('does not claim (nor throw on) a value JSON cannot represent', () => {
    const cyclic: Record<string, unknown> = { S3Key: `${HASH_A}.zip` };
    cyclic.self = cyclic;
    expect(assetHashSerializer.test(cyclic)).toBe(false);
    expect(assetHashSerializer.test({ size: BigInt(1), S3Key: `${HASH_A}.zip` })).toBe(false);
  });

  it("passes jest's config, indentation, depth and refs through unchanged", () => {
    const calls: unknown[][] = [];
    const config = { indent: 2 };
    const refs = ['ref'];
    assetHashSerializer.serialize({ S3Key: `${HASH_A}.zip` }, config, '  ', 3, refs, (...args: unknown[]) => {
      calls.push(args);
      return '';
    });
    expect(calls).toEqual([[{ S3Key: '[ASSET_HASH].zip' }, config, '  ', 3, refs]]);
    expect(calls[0][1]).toBe(config);
    expect(calls[0][4]).toBe(refs);
  });

  it('is the module jest loads from lib/testing/serializer', () => {
    expect(serializerModule).toBe(assetHashSerializer);
  });
});

/**
 * Real templates: a function from a code asset (with its currentVersion), a job definition pinned by digest and one
 * built from an image asset, synthesized twice with one thing changed; the printed snapshot must change exactly when
 * something other than an asset's content did.
 */
describe('assetHashSerializer on synthesized templates', () => {
  interface Variant {
    readonly code: string;
    readonly dockerfile: string;
    readonly digest: string;
    readonly memorySize: number;
  }
  const BASE: Variant = { code: 'exports.handler = async () => 1;', dockerfile: 'FROM public.ecr.aws/docker/library/busybox:stable', digest: DIGEST_A, memorySize: 256 };
  const directories: string[] = [];
  afterAll(() => directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

  function synth(variant: Variant): { template: object; text: string; manifest: object } {
    const work = mkdtempSync(join(tmpdir(), 'pendant-serializer-'));
    directories.push(work);
    writeFileSync(join(work, 'index.js'), variant.code);
    const imageDirectory = mkdtempSync(join(tmpdir(), 'pendant-serializer-image-'));
    directories.push(imageDirectory);
    writeFileSync(join(imageDirectory, 'Dockerfile'), variant.dockerfile);

    const app = new App({ outdir: join(work, 'cdk.out') });
    const stack = new Stack(app, 'Subject');
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(work, { exclude: ['cdk.out'] }),
      memorySize: variant.memorySize,
    });
    new CfnOutput(stack, 'Version', { value: fn.currentVersion.version });
    const container = (id: string, image: ecs.ContainerImage) =>
      new batch.EcsJobDefinition(stack, id, {
        container: new batch.EcsFargateContainerDefinition(stack, `${id}Container`, { image, cpu: 1, memory: Size.gibibytes(2) }),
      });
    container('Pinned', ecs.ContainerImage.fromRegistry(`public.ecr.aws/biocontainers/bwa@${variant.digest}`));
    container('Built', ecs.ContainerImage.fromAsset(imageDirectory));
    const assembly = app.synth();
    const artifact = assembly.getStackByName('Subject');
    const manifestFile = readdirSync(assembly.directory).find((name) => name.endsWith('.assets.json'));
    return {
      template: artifact.template as object,
      text: readFileSync(artifact.templateFullPath, 'utf8'),
      manifest: JSON.parse(readFileSync(join(assembly.directory, manifestFile ?? ''), 'utf8')) as object,
    };
  }

  const base = synth(BASE);

  it('the fixture really names its assets by hash (otherwise the cases below prove nothing)', () => {
    expect(print(base.template)).not.toBe(format(base.template, { indent: 2 }));
    expect(print(base.template)).toContain('CurrentVersion');
    expect(print(base.template)).toContain(`bwa@${DIGEST_A}`);
  });

  it('code edit: the snapshot stays green', () => {
    const edited = synth({ ...BASE, code: 'exports.handler = async () => 2;' });
    expect(JSON.stringify(edited.template)).not.toBe(JSON.stringify(base.template));
    expect(print(edited.template)).toBe(print(base.template));
  });

  it("code edit: the function's currentVersion logical id changes, and the snapshot stays green", () => {
    const versionIds = (template: object) => Object.keys((template as { Resources: object }).Resources).filter((id) => id.includes('CurrentVersion'));
    const edited = synth({ ...BASE, code: 'exports.handler = async () => 3;' });
    expect(versionIds(edited.template)).toHaveLength(1);
    expect(versionIds(edited.template)).not.toEqual(versionIds(base.template));
    expect(print(edited.template)).toBe(print(base.template));
  });

  it('image asset edit (Dockerfile): the snapshot stays green, for the template and for the asset manifest', () => {
    const edited = synth({ ...BASE, dockerfile: `${BASE.dockerfile}\nRUN true` });
    expect(print(edited.template)).toBe(print(base.template));
    expect(print(edited.manifest)).toBe(print(base.manifest));
  });

  it('image digest change: the snapshot goes red', () => {
    const repinned = synth({ ...BASE, digest: DIGEST_B });
    expect(print(repinned.template)).not.toBe(print(base.template));
    expect(print(repinned.template)).toContain(`bwa@${DIGEST_B}`);
  });

  it('memory change: the snapshot goes red', () => {
    const bigger = synth({ ...BASE, memorySize: 512 });
    expect(print(bigger.template)).not.toBe(print(base.template));
  });

  it('takes the template as the text of its file too: green on a code edit, red on a digest change', () => {
    const edited = synth({ ...BASE, code: 'exports.handler = async () => 4;' });
    const repinned = synth({ ...BASE, digest: DIGEST_B });
    expect(assetHashSerializer.test(base.text)).toBe(true);
    expect(print(edited.text)).toBe(print(base.text));
    expect(print(repinned.text)).not.toBe(print(base.text));
  });
});
