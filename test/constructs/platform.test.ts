import * as lambda from 'aws-cdk-lib/aws-lambda';
import { App, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { CallerStack, DEMO_INPUTS, PlatformStack } from '../../bin/stacks';
import { BatchPlatform, BatchPlatformProps, ComputeKind, CpuArchitecture, JobPlatform, Parameter } from '../../lib';
import { ENV } from '../../lib/model/config';
import { expectValidationError, IMAGE, logicalId, newStack, resourcesFor, roleStatements } from './helpers';
import { OPERATION_NAMES } from '../../lib/model/operations';

jest.setTimeout(60_000);

function synth(props: BatchPlatformProps, vpc?: (stack: Stack) => ec2.IVpc): { stack: Stack; platform: BatchPlatform; template: Template } {
  const stack = newStack();
  const platform = new BatchPlatform(stack, 'Platform', { ...props, vpc: vpc?.(stack) ?? props.vpc });
  return { stack, platform, template: Template.fromStack(stack) };
}

/** A Fn::Join of strings and references as one string, references as `<Name>`: how a name or ARN reads. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join !== undefined) return join[1].map(render).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref !== undefined) return `<${ref}>`;
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** The log group ARNs the log key lets CloudWatch Logs use it for, rendered. */
function keyLogGroupArns(template: Template): string[] {
  const [key] = Object.values(template.findResources('AWS::KMS::Key'));
  const statement = key.Properties.KeyPolicy.Statement.find((candidate: { Sid?: string }) => candidate.Sid === 'CloudWatchLogsOfThisPlatform');
  expect(Object.keys(statement.Condition)).toEqual(['ArnEquals']);
  return [statement.Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn']].flat().map(render);
}

/** Every log group of the template by name, rendered. */
function logGroupNames(template: Template): string[] {
  return Object.values(template.findResources('AWS::Logs::LogGroup')).map((group) => render(group.Properties.LogGroupName));
}

const LOG_GROUP_ARN = 'arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:';

const FARGATE_QUEUE = { id: 'FargateQueue', compute: [ComputeKind.FARGATE_SPOT, ComputeKind.FARGATE] };
const EC2_QUEUE = { id: 'Ec2Queue', compute: [ComputeKind.EC2_SPOT, ComputeKind.EC2] };

describe('BatchPlatform', () => {
  describe('with a Fargate queue, an EC2 queue and three definitions', () => {
    const { stack, platform, template } = synth({
      jobQueues: [FARGATE_QUEUE, { ...EC2_QUEUE, priority: 10 }, { id: 'Urgent', compute: [ComputeKind.FARGATE], priority: 100, jobQueueName: 'urgent' }],
      computeEnvironments: { ec2: { instanceTypes: [new ec2.InstanceType('g5.2xlarge')] } },
      jobDefinitions: [
        { name: 'one', image: IMAGE },
        { name: 'two', image: IMAGE, command: ['echo', 'Ref::word'], parameters: { word: Parameter.string({ default: 'hi' }) } },
        { name: 'three', image: IMAGE, platform: JobPlatform.EC2, gpus: 1 },
      ],
    });
    const definitions = Object.values(template.findResources('AWS::Batch::JobDefinition'));

    it('makes a VPC over two zones with one NAT gateway and no public address launched into its public subnets', () => {
      template.resourceCountIs('AWS::EC2::VPC', 1);
      template.resourceCountIs('AWS::EC2::NatGateway', 1);
      template.resourceCountIs('AWS::EC2::Subnet', 4);
      const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
      expect(subnets.map((subnet) => subnet.Properties.MapPublicIpOnLaunch)).toEqual([false, false, false, false]);
    });

    it('logs all the VPC\'s traffic, accepted and rejected, to an encrypted log group kept a year (Amazon VPC User Guide, "Flow logs": TrafficType ALL)', () => {
      template.resourceCountIs('AWS::EC2::FlowLog', 1);
      const flowLogGroup = platform.node.findChild('FlowLogGroup') as logs.LogGroup;
      template.hasResourceProperties('AWS::EC2::FlowLog', {
        TrafficType: 'ALL',
        ResourceId: { Ref: logicalId(platform.vpc) },
        ResourceType: 'VPC',
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: { Ref: logicalId(flowLogGroup) },
      });
      expect(template.toJSON().Resources[logicalId(flowLogGroup)].Properties).toMatchObject({
        RetentionInDays: 365,
        KmsKeyId: { 'Fn::GetAtt': [logicalId(platform.logKey), 'Arn'] },
      });
    });

    it('makes one compute environment per kind, shared by the queues that use it', () => {
      template.resourceCountIs('AWS::Batch::ComputeEnvironment', 4);
      expect(platform.computeEnvironments.map((environment) => environment.kind).sort()).toEqual(Object.values(ComputeKind).sort());
      const fargate = platform.computeEnvironment(ComputeKind.FARGATE);
      expect(platform.jobQueue('FargateQueue').computeEnvironments[1].computeEnvironment).toBe(fargate.computeEnvironment);
      expect(platform.jobQueue('Urgent').computeEnvironments.map(({ computeEnvironment }) => computeEnvironment)).toEqual([fargate.computeEnvironment]);
      expect(fargate.node.id).toBe('Fargate');
      expect(platform.computeEnvironment(ComputeKind.EC2_SPOT).node.id).toBe('Ec2Spot');
    });

    it('makes the queues in order, with their options', () => {
      template.resourceCountIs('AWS::Batch::JobQueue', 3);
      expect(platform.jobQueues.map((queue) => queue.node.id)).toEqual(['FargateQueue', 'Ec2Queue', 'Urgent']);
      expect(platform.jobQueues.map((queue) => queue.platform)).toEqual([JobPlatform.FARGATE, JobPlatform.EC2, JobPlatform.FARGATE]);
      template.hasResourceProperties('AWS::Batch::JobQueue', { Priority: 10, JobQueueName: Match.absent() });
      template.hasResourceProperties('AWS::Batch::JobQueue', { Priority: 100, JobQueueName: 'urgent' });
    });

    it("puts definitions on the first queue's platform unless they name one", () => {
      expect(platform.jobDefinitions.map((definition) => [definition.name, definition.platform])).toEqual([
        ['one', JobPlatform.FARGATE],
        ['two', JobPlatform.FARGATE],
        ['three', JobPlatform.EC2],
      ]);
      template.hasResourceProperties('AWS::Batch::JobDefinition', { JobDefinitionName: platform.jobDefinition('three').physicalName, PlatformCapabilities: ['EC2'] });
      template.hasResourceProperties('AWS::Batch::JobDefinition', { JobDefinitionName: platform.jobDefinition('two').physicalName, Parameters: { word: 'hi' } });
    });

    it('shares one execution role among every definition', () => {
      const executionRoles = template.findResources('AWS::IAM::Role', {
        Properties: { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })] }) },
      });
      expect(Object.keys(executionRoles)).toEqual([logicalId(platform.executionRole)]);
      for (const definition of definitions) {
        expect(definition.Properties.ContainerProperties.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [logicalId(platform.executionRole), 'Arn'] });
      }
    });

    it('sends every job to one encrypted job log group kept three months', () => {
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: { 'Fn::Join': ['', ['/pendant/', { Ref: 'AWS::StackName' }, '/Platform/jobs']] },
        RetentionInDays: 90,
        KmsKeyId: { 'Fn::GetAtt': [logicalId(platform.logKey), 'Arn'] },
      });
      for (const definition of definitions) {
        expect(definition.Properties.ContainerProperties.LogConfiguration.Options['awslogs-group']).toEqual({ Ref: logicalId(platform.jobLogGroup) });
      }
      // The job log group, one per function and the flow logs: none per definition.
      template.resourceCountIs('AWS::Logs::LogGroup', 1 + OPERATION_NAMES.length + 1);
    });

    it('rotates the log key and lets CloudWatch Logs of this region use it for the platform\'s log groups only (CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS": the context is arn:…:log-group:<name>)', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'CloudWatchLogsOfThisPlatform',
              Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            }),
          ]),
        }),
      });
      const arns = keyLogGroupArns(template);
      // Exactly the platform's log groups (jobs, flow logs, one per function), each by its whole name: no wildcard, no other group.
      expect(arns.sort()).toEqual(logGroupNames(template).map((name) => `${LOG_GROUP_ARN}${name}`).sort());
      expect(arns).toHaveLength(OPERATION_NAMES.length + 2);
      for (const arn of arns) expect(arn).not.toContain('*');
      expect(logGroupNames(template).sort()).toEqual(
        ['jobs', 'vpc-flow-logs', ...OPERATION_NAMES].map((name) => `/pendant/<AWS::StackName>/Platform/${name}`).sort(),
      );
      expect(render(stack.resolve(platform.logGroupNamePrefix))).toBe('/pendant/<AWS::StackName>/Platform');
    });

    it('encrypts the functions\' log groups with the log key and keeps them one month', () => {
      for (const fn of OPERATION_NAMES.map((operation) => platform.functionFor(operation))) {
        const logGroup = template.toJSON().Resources[logicalId((fn as lambda.Function).logGroup)];
        expect(logGroup.Properties).toEqual({
          LogGroupName: expect.objectContaining({ 'Fn::Join': expect.anything() }),
          RetentionInDays: 30,
          KmsKeyId: { 'Fn::GetAtt': [logicalId(platform.logKey), 'Arn'] },
        });
      }
    });

    it('configures submit with every queue, the first as default', () => {
      const variables = template.toJSON().Resources[logicalId(platform.submitFunction)].Properties.Environment.Variables;
      const queues = JSON.stringify(variables[ENV.JOB_QUEUES]);
      // A queue with a given name is carried by that name; the others by the name CloudFormation gives, read from the ARN.
      const positions = platform.jobQueues.map((queue) => {
        const given = (queue.jobQueue.node.defaultChild as batch.CfnJobQueue).jobQueueName;
        return given === undefined ? queues.indexOf(`"${logicalId(queue.jobQueue)}"`) : queues.indexOf(`\\"${given}\\"`);
      });
      expect(positions.every((position) => position > 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    });

    it('exposes the runtime functions and their grants', () => {
      expect(platform.submitFunction).toBe(platform.runtime.submitFunction);
      const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      const grants = [
        [platform.grantValidate(role), platform.validateFunction],
        [platform.grantSubmit(role), platform.submitFunction],
        [platform.grantStatus(role), platform.statusFunction],
        [platform.grantLogs(role), platform.logsFunction],
        [platform.grantTerminate(role), platform.terminateFunction],
      ] as const;
      for (const [grant, fn] of grants) {
        expect(grant).toBeInstanceOf(iam.Grant);
        expect(grant.principalStatements.map((statement) => stack.resolve(statement.toStatementJson()))).toEqual([
          { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] } },
        ]);
      }
    });

    it('finds queues by id and definitions by name', () => {
      expect(platform.jobQueue('Ec2Queue')).toBe(platform.jobQueues[1]);
      expect(platform.jobDefinition('two')).toBe(platform.jobDefinitions[1]);
    });

    it('throws when asked for an unknown queue', () => {
      expectValidationError(() => platform.jobQueue('Nope'), 'platform Test/Platform: no job queue "Nope"; queues: FargateQueue, Ec2Queue, Urgent');
    });

    it('throws when asked for an unknown definition', () => {
      expectValidationError(() => platform.jobDefinition('four'), 'platform Test/Platform: no job definition "four"; definitions: one, two, three');
    });
  });

  it('runs in the given VPC and makes none', () => {
    let given: ec2.Vpc | undefined;
    const { platform, template } = synth({ jobQueues: [FARGATE_QUEUE] }, (stack) => (given = new ec2.Vpc(stack, 'Given', { maxAzs: 2 })));
    expect(platform.vpc).toBe(given);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    expect(platform.node.tryFindChild('Vpc')).toBeUndefined();
    // No flow log group either, so the log key names the job and function log groups only.
    expect(keyLogGroupArns(template)).toHaveLength(OPERATION_NAMES.length + 1);
    expect(keyLogGroupArns(template).sort()).toEqual(logGroupNames(template).map((name) => `${LOG_GROUP_ARN}${name}`).sort());
  });

  it('names the log groups of a platform nested in constructs by its path in the stack, in the characters log group names allow', () => {
    const stack = newStack();
    const platform = new BatchPlatform(new Construct(new Construct(stack, 'Team A'), 'Batch'), 'Platform', { jobQueues: [FARGATE_QUEUE] });
    expect(render(stack.resolve(platform.logGroupNamePrefix))).toBe('/pendant/<AWS::StackName>/Team-A/Batch/Platform');
    expect(keyLogGroupArns(Template.fromStack(stack))).toContain(`${LOG_GROUP_ARN}/pendant/<AWS::StackName>/Team-A/Batch/Platform/jobs`);
  });

  it('keeps the flow logs as long as asked', () => {
    const { platform, template } = synth({ jobQueues: [FARGATE_QUEUE], flowLogRetention: logs.RetentionDays.TWO_YEARS });
    expect(template.toJSON().Resources[logicalId(platform.node.findChild('FlowLogGroup') as logs.LogGroup)].Properties.RetentionInDays).toBe(731);
  });

  describe('reserved concurrency (Lambda Developer Guide, "Configuring reserved concurrency")', () => {
    const reserved = (template: Template, platform: BatchPlatform) =>
      Object.fromEntries(
        OPERATION_NAMES.map((operation) => [
          operation,
          template.toJSON().Resources[logicalId(platform.runtime.functionFor(operation))].Properties.ReservedConcurrentExecutions,
        ]),
      );

    it('caps every function by default: submit 10, under SubmitJob\'s rate of about 50 a second per account (AWS Batch quotas)', () => {
      const { platform, template } = synth({ jobQueues: [FARGATE_QUEUE] });
      expect(reserved(template, platform)).toEqual({ validate: 10, submit: 10, status: 10, logs: 5, terminate: 5, describe: 5 });
    });

    it('takes a number, 0 (which stops every call) or "unreserved" per function', () => {
      const { platform, template } = synth({ jobQueues: [FARGATE_QUEUE], functionReservedConcurrency: { submit: 25, status: 'unreserved', terminate: 0 } });
      expect(reserved(template, platform)).toEqual({ validate: 10, submit: 25, status: undefined, logs: 5, terminate: 0, describe: 5 });
    });

    it('takes any operation by name in byOperation, those without a named field too', () => {
      const { platform, template } = synth({ jobQueues: [FARGATE_QUEUE], functionReservedConcurrency: { logs: 3, byOperation: { describe: 1, submit: 20, logs: 3 } } });
      expect(reserved(template, platform)).toEqual({ validate: 10, submit: 20, status: 10, logs: 3, terminate: 5, describe: 1 });
    });

    it('refuses in byOperation an operation pendant does not have, one that differs from its named field, and what Lambda refuses', () => {
      expectValidationError(
        () => synth({ jobQueues: [FARGATE_QUEUE], functionReservedConcurrency: { byOperation: { describes: 1 } } }),
        'runtime functions Test/Platform/Runtime: reservedConcurrency.byOperation names "describes", which is no operation; the operations are validate, submit, status, logs, terminate, describe',
      );
      expectValidationError(
        () => synth({ jobQueues: [FARGATE_QUEUE], functionReservedConcurrency: { submit: 20, byOperation: { submit: 30 } } }),
        'runtime functions Test/Platform/Runtime: reservedConcurrency.submit and reservedConcurrency.byOperation.submit differ (20 and 30); give one',
      );
      expectValidationError(
        () => synth({ jobQueues: [FARGATE_QUEUE], functionReservedConcurrency: { byOperation: { describe: -1 } } }),
        "runtime functions Test/Platform/Runtime: reservedConcurrency.byOperation.describe must be a whole number of 0 or more (0 stops every call) or 'unreserved', got -1",
      );
    });

    it.each([-1, 2.5, Number.NaN])('throws for %p, which Lambda refuses', (value) => {
      expectValidationError(
        () => synth({ jobQueues: [FARGATE_QUEUE], functionReservedConcurrency: { submit: value } }),
        "runtime functions Test/Platform/Runtime: reservedConcurrency.submit must be a whole number of 0 or more (0 stops every call) or 'unreserved', got",
        String(value),
      );
    });
  });

  it('makes only the compute environments its queues use', () => {
    const { platform, template } = synth({ jobQueues: [{ id: 'Queue', compute: [ComputeKind.FARGATE_SPOT] }] });
    template.resourceCountIs('AWS::Batch::ComputeEnvironment', 1);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
    expect(platform.computeEnvironments.map((environment) => environment.kind)).toEqual([ComputeKind.FARGATE_SPOT]);
  });

  it('applies settings per compute kind', () => {
    const { template } = synth({
      jobQueues: [EC2_QUEUE],
      computeEnvironments: { ec2Spot: { maxvCpus: 512, rootVolumeSizeGiB: 100 } },
    });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: Match.objectLike({ Type: 'SPOT', MaxvCpus: 512 }) });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: Match.objectLike({ Type: 'EC2', MaxvCpus: 64 }) });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ VolumeSize: 100 }) })] }),
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ VolumeSize: 30 }) })] }),
    });
  });

  it('keeps job and function logs as long as asked', () => {
    const { platform, template } = synth({
      jobQueues: [FARGATE_QUEUE],
      jobLogRetention: logs.RetentionDays.ONE_YEAR,
      functionLogRetention: logs.RetentionDays.ONE_WEEK,
    });
    expect(template.toJSON().Resources[logicalId(platform.jobLogGroup)].Properties.RetentionInDays).toBe(365);
    expect(Object.keys(template.findResources('AWS::Logs::LogGroup', { Properties: Match.objectLike({ RetentionInDays: 7 }) }))).toHaveLength(OPERATION_NAMES.length);
  });

  it('passes the logs response limit to the logs function', () => {
    const { platform, template } = synth({ jobQueues: [FARGATE_QUEUE], logsMaxResponseBytes: 2048 });
    expect(template.toJSON().Resources[logicalId(platform.logsFunction)].Properties.Environment.Variables).toEqual({
      POWERTOOLS_SERVICE_NAME: 'pendant-logs',
      // The queue's generated name, for telling the platform's jobs from others.
      [ENV.JOB_QUEUES]: expect.anything(),
      [ENV.LOGS_MAX_RESPONSE_BYTES]: '2048',
    });
  });

  it('throws when given no queue', () => {
    expectValidationError(() => synth({ jobQueues: [] }), 'platform Test/Platform: jobQueues must hold at least one queue');
  });

  it('throws when a definition runs on a platform no queue runs', () => {
    expectValidationError(
      () => synth({ jobQueues: [FARGATE_QUEUE], jobDefinitions: [{ name: 'gpu-job', image: IMAGE, platform: JobPlatform.EC2 }] }),
      'platform Test/Platform: job definition "gpu-job" runs on EC2, but no queue of the platform does',
    );
  });

  describe('placement', () => {
    const ARM_FARGATE = { name: 'arm-job', image: IMAGE, architecture: CpuArchitecture.ARM64 };
    const ec2Definition = (props: object = {}) => ({ name: 'ec2-job', image: IMAGE, platform: JobPlatform.EC2, ...props });
    const instanceTypes = (kind: ComputeKind, platform: BatchPlatform) => {
      const resources = Template.fromStack(Stack.of(platform)).toJSON().Resources;
      return resources[logicalId(platform.computeEnvironment(kind).computeEnvironment)].Properties.ComputeResources.InstanceTypes;
    };

    // AWS Fargate Developer Guide, "Fargate capacity providers": Fargate Spot does not support Linux ARM64.
    it('throws when an ARM64 definition may be sent to a queue with Fargate Spot', () => {
      expectValidationError(
        () => synth({ jobQueues: [FARGATE_QUEUE], jobDefinitions: [ARM_FARGATE] }),
        'platform Test/Platform: job definition "arm-job" is ARM64, but queue FargateQueue has compute environment FargateSpot (FARGATE_SPOT) that runs X86_64 only; Fargate Spot runs no ARM64',
      );
    });

    it('places an ARM64 definition on a Fargate queue without Spot', () => {
      const { platform } = synth({ jobQueues: [{ id: 'OnDemand', compute: [ComputeKind.FARGATE] }], jobDefinitions: [ARM_FARGATE] });
      expect(platform.jobDefinition('arm-job').architecture).toBe(CpuArchitecture.ARM64);
    });

    // AWS Batch User Guide, "Instance type compute table": default_x86_64 / default_arm64.
    it('gives EC2 environments x86 default instance classes for x86 definitions', () => {
      const { platform } = synth({ jobQueues: [EC2_QUEUE], jobDefinitions: [ec2Definition()] });
      expect(instanceTypes(ComputeKind.EC2, platform)).toEqual(['default_x86_64']);
      expect(instanceTypes(ComputeKind.EC2_SPOT, platform)).toEqual(['default_x86_64']);
    });

    it('gives EC2 environments Graviton default instance classes when every EC2 definition is ARM64', () => {
      const { platform } = synth({ jobQueues: [EC2_QUEUE], jobDefinitions: [ec2Definition({ architecture: CpuArchitecture.ARM64 })] });
      expect(instanceTypes(ComputeKind.EC2, platform)).toEqual(['default_arm64']);
    });

    it('throws when x86 and ARM64 EC2 definitions share the EC2 environments', () => {
      expectValidationError(
        () => synth({ jobQueues: [EC2_QUEUE], jobDefinitions: [ec2Definition(), ec2Definition({ name: 'arm-ec2', architecture: CpuArchitecture.ARM64 })] }),
        'job definition "arm-ec2" is ARM64, but queue Ec2Queue has compute environment Ec2Spot (EC2_SPOT) that runs X86_64 only',
      );
    });

    it('throws when an x86 EC2 definition meets Graviton instance types', () => {
      expectValidationError(
        () =>
          synth({
            jobQueues: [{ id: 'Ec2Queue', compute: [ComputeKind.EC2] }],
            computeEnvironments: { ec2: { instanceTypes: [new ec2.InstanceType('c7g.4xlarge')] } },
            jobDefinitions: [ec2Definition()],
          }),
        'job definition "ec2-job" is X86_64, but queue Ec2Queue has compute environment Ec2 (EC2) that runs ARM64 only',
      );
    });

    // AWS Batch User Guide, "Use GPU workloads on AWS Batch": GPU jobs need GPU instance types, or wait in RUNNABLE.
    it('throws when a definition reserves GPUs on a queue with no GPU instance types', () => {
      expectValidationError(
        () => synth({ jobQueues: [EC2_QUEUE], jobDefinitions: [ec2Definition({ gpus: 1 })] }),
        'job definition "ec2-job" reserves 1 GPU, but no compute environment of queue Ec2Queue has GPU instance types',
      );
    });

    it('places a GPU definition on a queue with GPU instance types', () => {
      const { platform } = synth({
        jobQueues: [{ id: 'Gpu', compute: [ComputeKind.EC2_SPOT] }],
        computeEnvironments: { ec2Spot: { instanceTypes: [new ec2.InstanceType('g5.2xlarge')] } },
        jobDefinitions: [ec2Definition({ gpus: 1 })],
      });
      expect(platform.computeEnvironment(ComputeKind.EC2_SPOT).hasGpus).toBe(true);
    });
  });

  it('throws when a definition is declared twice', () => {
    expectValidationError(
      () => synth({ jobQueues: [FARGATE_QUEUE], jobDefinitions: [{ name: 'twice', image: IMAGE }, { name: 'twice', image: IMAGE, vcpus: 2 }] }),
      'platform Test/Platform: job definition "twice" is declared twice',
    );
  });

  it('passes cdk-nag\'s AwsSolutions, HIPAA, NIST 800-53 rev. 5 and PCI DSS 3.2.1 checks, with EC2 compute and S3 inputs', () => {
    const { stack } = synth({
      jobQueues: [FARGATE_QUEUE, EC2_QUEUE],
      jobDefinitions: [
        { name: 'reader', image: IMAGE, command: ['cat', 'Ref::input'], parameters: { input: Parameter.s3Object({ mustExist: true, within: ['s3://my-inputs/in/'] }) } },
      ],
    });
    for (const pack of [new AwsSolutionsChecks(), new HIPAASecurityChecks(), new NIST80053R5Checks(), new PCIDSS321Checks()]) {
      const report = pack.validateScope(stack);
      expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
      expect(report.success).toBe(true);
    }
  });

  describe('the example app (bin/stacks.ts)', () => {
    const app = new App();
    const platformStack = new PlatformStack(app, 'PendantPlatform');
    const callerStack = new CallerStack(app, 'PendantCaller', { runtime: platformStack.platform.runtime });
    const platformTemplate = Template.fromStack(platformStack);
    const callerTemplate = Template.fromStack(callerStack);

    it('deploys demo-job on Fargate with its input declared', () => {
      platformTemplate.hasResourceProperties('AWS::Batch::JobDefinition', {
        JobDefinitionName: platformStack.platform.jobDefinition('demo-job').physicalName,
        PlatformCapabilities: ['FARGATE'],
      });
      expect(platformStack.platform.jobDefinition('demo-job').physicalName).toMatch(/^demo-job-[0-9a-f]{8}$/);
      expect(platformStack.platform.jobDefinition('demo-job').parameters.input_object._spec).toMatchObject({ type: 's3-object', mustExist: true, within: [DEMO_INPUTS] });
    });

    it('lets callers replace demo-job\'s command (the end-to-end journey runs its own scripts) and nothing else', () => {
      expect(platformStack.platform.jobDefinition('demo-job').overrides).toEqual({ command: true });
    });

    it('lets the caller invoke the submit function only, through a stack export', () => {
      const statements = roleStatements(callerTemplate, logicalId(callerStack.caller.role!));
      const invoke = resourcesFor(statements, 'lambda:InvokeFunction');
      expect(invoke).toEqual([{ 'Fn::ImportValue': expect.stringContaining('SubmitFunction') }]);
      const exported = Object.values(platformTemplate.toJSON().Outputs as Record<string, { Value: unknown; Export: { Name: string } }>).find(
        (output) => output.Export.Name === invoke[0]['Fn::ImportValue'],
      );
      expect(exported?.Value).toEqual({ 'Fn::GetAtt': [logicalId(platformStack.platform.submitFunction), 'Arn'] });
    });

    it('passes the AwsSolutions checks of cdk-nag', () => {
      for (const stack of [platformStack, callerStack]) expect(new AwsSolutionsChecks().validateScope(stack).success).toBe(true);
    });
  });
});
