import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { assetHashSerializer } from '../../lib/testing';
import { OPERATION_NAMES } from '../../lib/model/operations';
import { exampleApp } from './example-app';

// jest.config.js registers lib/testing/serializer.ts, so the 64-hex asset hashes of the handler bundles are
// printed as [ASSET_HASH] and these snapshots change only when a template does.
const { platform, caller } = exampleApp();

describe('Stack: PendantPlatform', () => {
  const template = Template.fromStack(platform);

  it('matches its snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  it("fits every runtime function's environment in Lambda's 4 KB without a warning", () => {
    Annotations.fromStack(platform).hasNoWarning('*', Match.stringLikeRegexp('pendant:environmentSize'));
  });

  it('names its handler bundles by asset hash, which the snapshot serializer normalises', () => {
    const codeKeys = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (resource) => (resource as { Properties: { Code: { S3Key: string } } }).Properties.Code.S3Key,
    );
    // The runtime functions, the JobEvents recorder and the demo pipeline's resume function.
    expect(codeKeys).toHaveLength(OPERATION_NAMES.length + 2);
    for (const key of codeKeys) expect(key).toMatch(/^[0-9a-f]{64}\.zip$/);
    expect(assetHashSerializer.test(template.toJSON())).toBe(true);
  });
});

describe('Stack: PendantCaller', () => {
  it('matches its snapshot', () => {
    expect(Template.fromStack(caller).toJSON()).toMatchSnapshot();
  });
});
