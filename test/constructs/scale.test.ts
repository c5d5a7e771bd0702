// Hundreds of job definitions in one stack: what a shared execution role buys against CloudFormation's limits.
import { Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BatchPlatform, ComputeKind, Parameter } from '../../lib';
import { CONFIG_FILE_NAME, ENV } from '../../lib/model/config';
import { asArray, functionStatements, IMAGE, logicalId, newStack, resourcesFor, sortedJson, stagedAssetDirectory } from './helpers';

/** CloudFormation's limit on resources per stack. */
const MAX_RESOURCES_PER_STACK = 500;
/** IAM quotas, in characters without whitespace, and the default number of managed policies per role. */
const MAX_MANAGED_POLICY_SIZE = 6144;
const MAX_INLINE_POLICIES_SIZE_PER_ROLE = 10240;
const MAX_MANAGED_POLICIES_PER_ROLE = 10;
const DEFINITIONS = 300;

/** A platform with `count` job definitions, each with one typed parameter. */
function platformWith(count: number): { stack: Stack; platform: BatchPlatform } {
  const stack = newStack();
  const platform = new BatchPlatform(stack, 'Platform', {
    jobQueues: [{ id: 'Queue', compute: [ComputeKind.FARGATE_SPOT, ComputeKind.FARGATE] }],
    jobDefinitions: Array.from({ length: count }, (_, index) => ({
      name: `job-${String(index).padStart(3, '0')}`,
      image: IMAGE,
      command: ['run', '--size', 'Ref::size'],
      parameters: { size: Parameter.integer({ min: 1, max: 100, default: index % 100 + 1 }) },
    })),
  });
  return { stack, platform };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized CloudFormation is untyped JSON; the tests assert its shape
type Json = any;

/**
 * A policy document as CloudFormation would deploy it, with the longest values the pseudo parameters take (partition
 * aws-us-gov, a 15-character region) and generated names of 13 random characters after the logical id.
 */
function deployed(value: Json): Json {
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws-us-gov', 'AWS::Region': 'xx-xxxxxxxxx-1', 'AWS::AccountId': '123456789012' };
  if (Array.isArray(value)) return value.map(deployed);
  if (value === null || typeof value !== 'object') return value;
  if ('Ref' in value) return pseudo[value.Ref] ?? `${value.Ref}-ABCDEFGHIJKLM`;
  if ('Fn::GetAtt' in value) return `arn:aws-us-gov:service:xx-xxxxxxxxx-1:123456789012:type/${value['Fn::GetAtt'][0]}-ABCDEFGHIJKLM`;
  if ('Fn::Join' in value) return (deployed(value['Fn::Join'][1]) as string[]).join(value['Fn::Join'][0]);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, deployed(item)]));
}

function resourceCount(template: Template): number {
  return Object.keys(template.toJSON().Resources).length;
}

describe('BatchPlatform at scale', () => {
  describe(`with ${DEFINITIONS} job definitions in one stack`, () => {
    let stack: Stack;
    let platform: BatchPlatform;
    let template: Template;
    /** The resources of the same platform with one definition. */
    let baseline: number;

    beforeAll(() => {
      ({ stack, platform } = platformWith(DEFINITIONS));
      template = Template.fromStack(stack);
      baseline = resourceCount(Template.fromStack(platformWith(1).stack));
    }, 120_000);

    it('synthesizes every definition', () => {
      template.resourceCountIs('AWS::Batch::JobDefinition', DEFINITIONS);
    });

    it(`stays under CloudFormation's ${MAX_RESOURCES_PER_STACK} resources: one per definition, and the submit role's overflow policies`, () => {
      const count = resourceCount(template);
      expect(count).toBeLessThan(MAX_RESOURCES_PER_STACK);
      const overflow = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'));
      expect(overflow.every((id) => id.startsWith(logicalId(platform.submitFunction.role!).replace(/[0-9A-F]{8}$/, '')))).toBe(true);
      expect(count).toBe(baseline + DEFINITIONS - 1 + overflow.length);
    });

    it('has exactly one execution role, shared by every definition', () => {
      const executionRoles = template.findResources('AWS::IAM::Role', {
        Properties: { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })] }) },
      });
      expect(Object.keys(executionRoles)).toEqual([logicalId(platform.executionRole)]);
      const used = new Set(
        Object.values(template.findResources('AWS::Batch::JobDefinition')).map((definition) => JSON.stringify(definition.Properties.ContainerProperties.ExecutionRoleArn)),
      );
      expect([...used]).toEqual([JSON.stringify({ 'Fn::GetAtt': [logicalId(platform.executionRole), 'Arn'] })]);
    });

    it('keeps the submit environment small: the revisions are one Fn::Join of a select per definition, each after its name', () => {
      const variables = template.toJSON().Resources[logicalId(platform.submitFunction)].Properties.Environment.Variables;
      expect(Object.keys(variables).sort()).toEqual([ENV.JOB_DEFINITION_REVISIONS, ENV.JOB_QUEUES, ENV.IDEMPOTENCY_TABLE, 'POWERTOOLS_SERVICE_NAME'].sort());
      const [separator, parts] = variables[ENV.JOB_DEFINITION_REVISIONS]['Fn::Join'];
      expect(separator).toBe('');
      const selects = parts.filter((part: unknown) => typeof part === 'object');
      expect(selects).toHaveLength(DEFINITIONS);
      expect(parts.filter((part: unknown) => typeof part === 'string')).toEqual(
        platform.jobDefinitions.map((definition, index) => `${index === 0 ? '' : ','}${definition.name}=`),
      );
      expect(selects[0]).toEqual({ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: logicalId(platform.jobDefinitions[0].jobDefinition) }] }] });
      expect(selects[DEFINITIONS - 1]).toEqual({
        'Fn::Select': [6, { 'Fn::Split': [':', { Ref: logicalId(platform.jobDefinitions[DEFINITIONS - 1].jobDefinition) }] }],
      });
    });

    // AWS Lambda Developer Guide, "Lambda quotas": "Environment variables: 4 KB, for all environment variables
    // associated with the function, in aggregate". 300 revisions after names of 7 characters take 3 KB at a digit each
    // (a first deployment) and over 4 KB at five, the size configuration.ts counts for a long-lived platform.
    it("warns that submit's and describe's revisions fit Lambda's 4 KB environment only while they are short", () => {
      const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('pendant:environmentSize'));
      expect(warnings.map((warning) => warning.id)).toEqual([`/${platform.submitFunction.node.path}`, `/${platform.runtime.functionFor('describe').node.path}`]);
      expect(warnings[0].entry.data).toMatch(/^the submit function's environment is about 4\d{3} bytes \(PENDANT_JOB_DEFINITION_REVISIONS 4\d{3}\) with 5-digit revisions/);
    });

    it('still lets submit submit exactly to its queue and its definitions', () => {
      const statements = functionStatements(template, logicalId(platform.submitFunction));
      const expected = [
        { 'Fn::GetAtt': [logicalId(platform.jobQueues[0].jobQueue), 'JobQueueArn'] },
        ...platform.jobDefinitions.map((definition) => ({
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':batch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:job-definition/${definition.physicalName}:*`]],
        })),
      ];
      expect(sortedJson(resourcesFor(statements, 'batch:SubmitJob'))).toEqual(sortedJson(expected));
    });

    it("fits every role's policies within IAM's quotas once deployed", () => {
      const resources = template.toJSON().Resources as Record<string, Json>;
      const size = (policy: Json) => JSON.stringify(deployed(policy.Properties.PolicyDocument)).length;
      for (const [roleId, role] of Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::IAM::Role')) {
        const attached = (type: string) =>
          Object.values(resources).filter((resource) => resource.Type === type && asArray(resource.Properties.Roles).some((ref: Json) => ref.Ref === roleId));
        const inline = attached('AWS::IAM::Policy');
        const managed = attached('AWS::IAM::ManagedPolicy');
        expect(inline.reduce((total, policy) => total + size(policy), 0)).toBeLessThanOrEqual(MAX_INLINE_POLICIES_SIZE_PER_ROLE);
        expect(managed.length + asArray(role.Properties.ManagedPolicyArns).length).toBeLessThanOrEqual(MAX_MANAGED_POLICIES_PER_ROLE);
        for (const policy of managed) expect(size(policy)).toBeLessThanOrEqual(MAX_MANAGED_POLICY_SIZE);
        for (const policy of [...inline, ...managed]) {
          const sids = (policy.Properties.PolicyDocument.Statement as Array<{ Sid?: string }>).flatMap((statement) => asArray(statement.Sid));
          expect(new Set(sids).size).toBe(sids.length);
        }
      }
    });

    it("passes cdk-nag's AwsSolutions checks: pendant's acknowledgements reach the policies CDK splits off", () => {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
    });

    it('ships the declarations in the config file beside the bundle, not in the environment', () => {
      const shipped = JSON.parse(readFileSync(join(stagedAssetDirectory(stack, logicalId(platform.submitFunction)), CONFIG_FILE_NAME), 'utf8'));
      const declarations = JSON.parse(shipped[ENV.JOB_DEFINITIONS]);
      expect(Object.keys(declarations)).toHaveLength(DEFINITIONS);
      expect(declarations['job-299']).toEqual({
        definition: platform.jobDefinition('job-299').physicalName,
        parameters: { size: { type: 'integer', min: 1, max: 100, default: 100 } },
        platform: 'FARGATE',
      });
    });
  });

  it('costs a role and a policy per definition the plain aws-cdk-lib way, which is why pendant shares one', () => {
    const count = 10;
    const stack = newStack();
    for (let index = 0; index < count; index++) {
      new batch.EcsJobDefinition(stack, `Job${index}`, {
        container: new batch.EcsFargateContainerDefinition(stack, `Container${index}`, { image: IMAGE, cpu: 1, memory: Size.gibibytes(2) }),
      });
    }
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Batch::JobDefinition', count);
    template.resourceCountIs('AWS::IAM::Role', count);
    template.resourceCountIs('AWS::IAM::Policy', count);
    expect(resourceCount(template)).toBe(3 * count);
  });
});
