import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleApp } from '../app/example-app';
import { OPERATION_NAMES } from '../../lib/model/operations';

const root = join(__dirname, '..', '..');
const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { app: string; notices?: boolean; context: Record<string, unknown> };
/** What `cdk init` writes into a new app's cdk.json: aws-cdk-lib's recommended value of every feature flag. */
const recommended = JSON.parse(readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8')) as Record<string, unknown>;

/**
 * The one flag the example app sets otherwise: weak references synthesize `Fn::GetStackOutput`, which cfn-lint 1.51
 * rejects (E6101), and CI lints every template. The consumer apps check pendant under both.
 */
const OVERRIDDEN = { '@aws-cdk/core:defaultCrossStackReferences': 'strong' };

describe('cdk.json: the quick start', () => {
  it('runs the example app from its TypeScript source (ts-node, transpile-only), so an edit to bin/ or lib/ is what synth sees', () => {
    expect(cdkJson.app).toBe('node -r ts-node/register/transpile-only bin/pendant.ts');
  });

  it('sets every feature flag as cdk init does, so the CLI has no unconfigured flags to warn about', () => {
    expect(cdkJson.context).toEqual(expect.objectContaining({ ...recommended, ...OVERRIDDEN }));
  });

  it('asks no notices of the network', () => {
    expect(cdkJson.notices).toBe(false);
  });

  it("keeps the platform's template free of the flags' custom resources: every function is one of pendant's runtime functions, the JobEvents recorder or the demo pipeline's resume function", () => {
    // `@aws-cdk/aws-ec2:restrictDefaultSecurityGroup` would add a custom-resource Lambda to a VPC that does not say
    // otherwise; the platform's VPC does (nothing in it uses the default security group).
    const { platform } = exampleApp();
    const template = Template.fromStack(platform);
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(OPERATION_NAMES.length + 2);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('JobWaiterResumeFunction'))).toHaveLength(1);
    expect(Object.keys(template.findResources('Custom::VpcRestrictDefaultSG'))).toHaveLength(0);
  });

  it("leaves the VPC's default security group unused: every compute environment names groups of the stack's own (AWS Batch API Reference, ComputeResource: securityGroupIds)", () => {
    const { platform } = exampleApp();
    const template = Template.fromStack(platform);
    const groups = new Set(Object.keys(template.findResources('AWS::EC2::SecurityGroup')));
    const environments = Object.values(template.findResources('AWS::Batch::ComputeEnvironment')) as Array<{
      Properties: { ComputeResources: { SecurityGroupIds: Array<{ 'Fn::GetAtt': [string, string] }> } };
    }>;
    expect(environments.length).toBeGreaterThan(0);
    for (const environment of environments) {
      const ids = environment.Properties.ComputeResources.SecurityGroupIds;
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(groups.has(id['Fn::GetAtt'][0])).toBe(true);
    }
  });
});
