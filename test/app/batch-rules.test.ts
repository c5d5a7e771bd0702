import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BatchPlatform, ComputeKind, JobPlatform } from '../../lib';
import { OPERATION_NAMES } from '../../lib/model/operations';
import { batchRuleViolations } from './batch-rules';
import { exampleApp } from './example-app';

// cdk-nag has no Batch rules: IMDSv2 on instances, read-only root filesystems and where job output goes and for how
// long are asserted here, over the synthesized templates.

/** The properties these rules read, of the resource types they look at. */
interface Properties {
  readonly LaunchTemplateData?: { readonly MetadataOptions?: Record<string, unknown> };
  readonly ComputeResources?: { readonly Type?: string; readonly LaunchTemplate?: { readonly LaunchTemplateId?: unknown } };
  readonly ContainerProperties?: {
    readonly ReadonlyRootFilesystem?: boolean;
    readonly LogConfiguration?: { readonly LogDriver?: string; readonly Options?: Record<string, unknown> };
  };
  readonly RetentionInDays?: number;
  readonly KmsKeyId?: unknown;
  readonly LoggingConfig?: { readonly LogGroup?: { readonly Ref: string } };
}

type Resources = Record<string, { Properties: Properties }>;

/** The example platform, and one that uses every compute kind, so every kind of launch template is looked at. */
function everyKindPlatform(): { stack: Stack; platform: BatchPlatform } {
  const stack = new Stack(new App(), 'EveryKind');
  const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable');
  const platform = new BatchPlatform(stack, 'Platform', {
    jobQueues: [
      { id: 'FargateQueue', compute: [ComputeKind.FARGATE_SPOT, ComputeKind.FARGATE] },
      { id: 'Ec2Queue', compute: [ComputeKind.EC2, ComputeKind.EC2_SPOT] },
    ],
    jobDefinitions: [
      { name: 'on-fargate', image, command: ['true'], platform: JobPlatform.FARGATE },
      { name: 'on-ec2', image, command: ['true'], platform: JobPlatform.EC2 },
    ],
  });
  return { stack, platform };
}

const example = exampleApp();
const VARIANTS: Array<[string, { stack: Stack; platform: BatchPlatform; ec2Environments: number }]> = [
  ['PendantPlatform', { stack: example.platform, platform: example.platform.platform, ec2Environments: 1 }],
  ['a platform on every compute kind', { ...everyKindPlatform(), ec2Environments: 2 }],
];

describe.each(VARIANTS)('Batch rules: %s', (_name, { stack, platform, ec2Environments }) => {
  const template = Template.fromStack(stack);
  const resources = (type: string) => template.findResources(type) as Resources;
  const jobLogGroupId = stack.getLogicalId(platform.jobLogGroup.node.defaultChild as logs.CfnLogGroup);
  const logKeyId = stack.getLogicalId(platform.logKey.node.defaultChild as kms.CfnKey);

  it('keeps every rule of batchRuleViolations (the one the README snippets are checked with)', () => {
    expect(batchRuleViolations(template)).toEqual([]);
  });

  it('requires IMDSv2 (HttpTokens required) in every EC2 launch template', () => {
    const launchTemplates = Object.values(resources('AWS::EC2::LaunchTemplate'));
    expect(launchTemplates).toHaveLength(ec2Environments);
    for (const launchTemplate of launchTemplates) {
      expect(launchTemplate.Properties.LaunchTemplateData?.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
    }
  });

  it('launches every EC2 compute environment from one of those launch templates', () => {
    const launchTemplateIds = Object.keys(resources('AWS::EC2::LaunchTemplate'));
    const ec2 = Object.values(resources('AWS::Batch::ComputeEnvironment')).filter((environment) =>
      ['EC2', 'SPOT'].includes(environment.Properties.ComputeResources?.Type ?? ''),
    );
    expect(ec2).toHaveLength(ec2Environments);
    for (const environment of ec2) {
      const reference = environment.Properties.ComputeResources?.LaunchTemplate?.LaunchTemplateId;
      expect(launchTemplateIds.map((id) => ({ Ref: id }))).toContainEqual(reference);
    }
  });

  it('gives every job definition a read-only root filesystem', () => {
    const definitions = Object.values(resources('AWS::Batch::JobDefinition'));
    expect(definitions).toHaveLength(platform.jobDefinitions.length);
    for (const definition of definitions) {
      expect(definition.Properties.ContainerProperties?.ReadonlyRootFilesystem).toBe(true);
    }
  });

  it("sends every job's output to the platform's job log group, not /aws/batch/job", () => {
    const definitions = Object.values(resources('AWS::Batch::JobDefinition'));
    expect(definitions.length).toBeGreaterThan(0);
    for (const definition of definitions) {
      const logConfiguration = definition.Properties.ContainerProperties?.LogConfiguration;
      expect(logConfiguration?.LogDriver).toBe('awslogs');
      expect(logConfiguration?.Options?.['awslogs-group']).toEqual({ Ref: jobLogGroupId });
      expect(JSON.stringify(definition)).not.toContain('/aws/batch/job');
    }
  });

  it('keeps job output for a set time, encrypted with the platform key', () => {
    expect(resources('AWS::Logs::LogGroup')[jobLogGroupId].Properties).toEqual(
      expect.objectContaining({ RetentionInDays: expect.any(Number), KmsKeyId: { 'Fn::GetAtt': [logKeyId, 'Arn'] } }),
    );
  });

  it("gives every function a log group of the stack's own, with a retention", () => {
    const logGroups = resources('AWS::Logs::LogGroup');
    const functions = Object.values(resources('AWS::Lambda::Function'));
    // The runtime functions, and in the example app the JobEvents recorder and the demo pipeline's resume function.
    expect(functions).toHaveLength(OPERATION_NAMES.length + (stack === example.platform ? 2 : 0));
    for (const fn of functions) {
      const reference = fn.Properties.LoggingConfig?.LogGroup;
      expect(reference).toEqual({ Ref: expect.any(String) });
      expect(logGroups[reference!.Ref]?.Properties.RetentionInDays).toEqual(expect.any(Number));
    }
  });

  it('sets a retention on every log group of the stack', () => {
    const logGroups = Object.entries(resources('AWS::Logs::LogGroup'));
    expect(logGroups.length).toBeGreaterThanOrEqual(6);
    for (const [id, logGroup] of logGroups) {
      expect({ id, RetentionInDays: logGroup.Properties.RetentionInDays }).toEqual({ id, RetentionInDays: expect.any(Number) });
    }
  });
});

describe('Batch rules: PendantCaller', () => {
  it("gives the caller's function a log group with a retention", () => {
    const template = Template.fromStack(example.caller);
    const fn = Object.values(template.findResources('AWS::Lambda::Function') as Resources);
    expect(fn).toHaveLength(1);
    const logGroups = template.findResources('AWS::Logs::LogGroup') as Resources;
    const reference = fn[0].Properties.LoggingConfig?.LogGroup;
    expect(reference).toEqual({ Ref: expect.any(String) });
    expect(logGroups[reference!.Ref]?.Properties.RetentionInDays).toEqual(expect.any(Number));
  });
});
