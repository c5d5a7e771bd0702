// Issue 12, item 6: the runtime functions and the platform take aws-cdk-lib's own queues and compute environments,
// and job definitions of the user's own, and serve them as they serve pendant's.
import { Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as logs from 'aws-cdk-lib/aws-logs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchPlatform,
  ComputeEnvironment,
  ComputeKind,
  CpuArchitecture,
  JobDefinition,
  JobPlatform,
  JobQueue,
  Parameter,
  RuntimeFunctions,
} from '../../lib';
import { CONFIG_FILE_NAME, ENV, RuntimeConfig } from '../../lib/model/config';
import { parameterSpecs } from '../../lib/private/parameter-specs';
import { functionConfig } from '../../lambda/aws/environment';
import { expectValidationError, functionStatements, IMAGE, logicalId, newStack, newStackWithVpc, resourcesFor, stagedAssetDirectory } from './helpers';

jest.setTimeout(60_000);

const QUEUE_ARN = 'arn:aws:batch:eu-west-1:123456789012:job-queue/shared';
const INPUTS = { input: Parameter.s3Object({ mustExist: true, within: ['s3://legacy-inputs/in/'] }) };

/** A Fargate `EcsJobDefinition` of the user's own: a given name, `Ref::input` in its command. */
function legacyDefinition(stack: Stack, props: Partial<batch.EcsJobDefinitionProps> = {}): batch.EcsJobDefinition {
  return new batch.EcsJobDefinition(stack, 'LegacyDefinition', {
    jobDefinitionName: 'legacy',
    container: new batch.EcsFargateContainerDefinition(stack, 'LegacyContainer', {
      image: IMAGE,
      cpu: 1,
      memory: Size.gibibytes(2),
      command: ['process', 'Ref::input'],
    }),
    ...props,
  });
}

/** The submit function's configuration as its handler reads it: the shipped file, the template's environment, and `deployed` for deploy-time values. */
function submitConfig(stack: Stack, runtime: RuntimeFunctions, deployed: Record<string, string> = {}): RuntimeConfig {
  const template = Template.fromStack(stack);
  const variables = template.toJSON().Resources[logicalId(runtime.submitFunction)].Properties.Environment.Variables as Record<string, unknown>;
  const literal = Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  return functionConfig(stagedAssetDirectory(stack, logicalId(runtime.submitFunction)), { ...literal, ...deployed });
}

function shippedFile(stack: Stack, runtime: RuntimeFunctions): Record<string, string> {
  return JSON.parse(readFileSync(join(stagedAssetDirectory(stack, logicalId(runtime.submitFunction)), CONFIG_FILE_NAME), 'utf8'));
}

describe('RuntimeFunctions over an imported queue and a job definition of your own', () => {
  const stack = newStack();
  const jobLogGroup = new logs.LogGroup(stack, 'JobLogs');
  const legacy = legacyDefinition(stack);
  const served = JobDefinition.fromEcsJobDefinition(stack, 'Legacy', legacy, { name: 'legacy-job', parameters: INPUTS, overrides: { maxVcpus: 4 } });
  const imported = batch.JobQueue.fromJobQueueArn(stack, 'Imported', QUEUE_ARN);
  const declared = JobQueue.fromJobQueueAttributes(stack, 'Declared', { jobQueueArn: 'arn:aws:batch:eu-west-1:123456789012:job-queue/teams', platform: JobPlatform.FARGATE, fairShare: true });
  const runtime = new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: [served], jobQueues: [declared, imported], jobLogGroup });
  const template = Template.fromStack(stack);

  it("tells submit the queues by name, with the platform and scheduling only where they are known", () => {
    const config = submitConfig(stack, runtime, { [ENV.JOB_DEFINITION_REVISIONS]: 'legacy-job=3' });
    expect(config.jobQueues).toEqual([
      { queue: 'teams', name: 'teams', platform: 'FARGATE', fairShare: true },
      // batch.JobQueue.fromJobQueueArn says nothing of its compute or policy: submit checks neither.
      { queue: 'shared', name: 'shared' },
    ]);
  });

  it("tells submit the definition's name in AWS Batch, its deployed revision, platform, resources and declared parameters", () => {
    // The revision is a deploy-time token, so it travels in the environment, found again through the declaration.
    expect(JSON.parse(shippedFile(stack, runtime)[ENV.JOB_DEFINITIONS])).toEqual({
      'legacy-job': {
        definition: 'legacy',
        parameters: parameterSpecs(INPUTS),
        platform: 'FARGATE',
        overrides: { maxVcpus: 4 },
        resources: { vcpus: 1, memoryMiB: 2048 },
      },
    });
    expect(submitConfig(stack, runtime, { [ENV.JOB_DEFINITION_REVISIONS]: 'legacy-job=3' }).jobDefinitions.get('legacy-job')).toEqual({
      declaredName: 'legacy-job',
      physicalName: 'legacy',
      revision: 3,
      platform: 'FARGATE',
      parameters: parameterSpecs(INPUTS),
      overrides: { maxVcpus: 4 },
      resources: { vcpus: 1, memoryMiB: 2048 },
    });
  });

  it('lets submit submit to the queues and every revision of the definition, and nothing else', () => {
    const targets = resourcesFor(functionStatements(template, logicalId(runtime.submitFunction)), 'batch:SubmitJob');
    expect(targets).toHaveLength(3);
    expect(targets.slice(0, 2)).toEqual(['arn:aws:batch:eu-west-1:123456789012:job-queue/teams', QUEUE_ARN]);
    expect(JSON.stringify(targets[2])).toContain(':job-definition/legacy:*');
  });

  it.each([
    ['validate', () => runtime.validateFunction],
    ['submit', () => runtime.submitFunction],
  ])('lets %s read the inputs the declared parameters name, and only those', (_name, fn) => {
    const statements = functionStatements(template, logicalId(fn()));
    expect(JSON.stringify(resourcesFor(statements, 's3:GetObject'))).toContain('s3:::legacy-inputs/in/*');
    expect(resourcesFor(statements, 's3:GetObject')).toHaveLength(1);
  });

  it('refuses a declared parameter its command does not use, or a command placeholder not declared', () => {
    const other = newStack();
    const definition = legacyDefinition(other);
    expectValidationError(
      () => JobDefinition.fromEcsJobDefinition(other, 'Undeclared', definition, { name: 'legacy-job' }),
      'job definition "legacy-job" (Test/Undeclared, of Test/LegacyDefinition): the command references Ref::input, but input is not a declared parameter',
    );
    expectValidationError(
      () => JobDefinition.fromEcsJobDefinition(other, 'Unused', definition, { name: 'legacy-job', parameters: { ...INPUTS, threads: Parameter.integer() } }),
      'parameter threads is declared but no command uses Ref::threads',
    );
  });

  it("refuses a declared default that is not the definition's own: AWS Batch fills in the definition's", () => {
    const other = newStack();
    const definition = legacyDefinition(other, { parameters: { input: 's3://legacy-inputs/in/a' } });
    const parameters = { input: Parameter.string({ default: 's3://legacy-inputs/in/b' }) };
    expectValidationError(
      () => JobDefinition.fromEcsJobDefinition(other, 'Legacy', definition, { name: 'legacy-job', parameters }),
      'parameter input declares the default "s3://legacy-inputs/in/b", but the job definition\'s own default is "s3://legacy-inputs/in/a"',
    );
    const agreeing = JobDefinition.fromEcsJobDefinition(other, 'Agreeing', definition, { name: 'legacy-job', parameters: { input: Parameter.string({ default: 's3://legacy-inputs/in/a' }) } });
    expect(agreeing.runtimeDeclaration().parameters).toEqual({ input: expect.any(Parameter) });
  });
});

describe('JobDefinition.fromJobDefinitionArn', () => {
  it('serves the revision the ARN names, and the latest revision when it names none', () => {
    const stack = newStack();
    const pinned = JobDefinition.fromJobDefinitionArn(stack, 'Pinned', 'arn:aws:batch:eu-west-1:123456789012:job-definition/nightly:4', {
      name: 'nightly',
      platform: JobPlatform.FARGATE,
      parameters: { day: Parameter.string() },
    });
    const latest = JobDefinition.fromJobDefinitionArn(stack, 'Latest', 'arn:aws:batch:eu-west-1:123456789012:job-definition/weekly', { name: 'weekly' });
    const queue = JobQueue.fromJobQueueArn(stack, 'Queue', QUEUE_ARN);
    const runtime = new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: [pinned, latest], jobQueues: [queue], jobLogGroup: new logs.LogGroup(stack, 'JobLogs') });
    const config = submitConfig(stack, runtime);
    expect(config.jobDefinitions.get('nightly')).toEqual({
      declaredName: 'nightly',
      physicalName: 'nightly',
      revision: 4,
      platform: 'FARGATE',
      parameters: parameterSpecs({ day: Parameter.string() }),
      overrides: {},
    });
    expect(config.jobDefinitions.get('weekly')).toEqual({ declaredName: 'weekly', physicalName: 'weekly', parameters: {}, overrides: {} });
    const targets = resourcesFor(functionStatements(Template.fromStack(stack), logicalId(runtime.submitFunction)), 'batch:SubmitJob');
    expect(JSON.stringify(targets)).toContain(':job-definition/nightly:*');
    expect(JSON.stringify(targets)).toContain(':job-definition/weekly:*');
  });

  it('refuses what is not a job definition ARN', () => {
    expectValidationError(
      () => JobDefinition.fromJobDefinitionArn(newStack(), 'Wrong', QUEUE_ARN, { name: 'wrong' }),
      `job definition "wrong" (Test/Wrong): "${QUEUE_ARN}" is not a job definition ARN`,
    );
  });
});

describe('RuntimeFunctions over aws-cdk-lib compute environments of your own', () => {
  function setUp() {
    const { stack, vpc } = newStackWithVpc();
    return { stack, vpc, jobLogGroup: new logs.LogGroup(stack, 'JobLogs') };
  }

  it('reads the platform of a batch.JobQueue from its ManagedEc2EcsComputeEnvironment, and checks placement against its instance types', () => {
    const { stack, vpc, jobLogGroup } = setUp();
    const graviton = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Graviton', { vpc, instanceTypes: [new ec2.InstanceType('m7g.large')], useOptimalInstanceClasses: false });
    const queue = new batch.JobQueue(stack, 'Queue', { jobQueueName: 'graviton', computeEnvironments: [{ computeEnvironment: graviton, order: 1 }] });
    const arm = new JobDefinition(stack, 'Arm', { name: 'arm', image: IMAGE, platform: JobPlatform.EC2, architecture: CpuArchitecture.ARM64, logGroup: jobLogGroup });
    const runtime = new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: [arm], jobQueues: [queue], jobLogGroup });
    expect(submitConfig(stack, runtime, { [ENV.JOB_DEFINITION_REVISIONS]: 'arm=1' }).jobQueues).toEqual([{ queue: 'graviton', name: 'graviton', platform: 'EC2', fairShare: false }]);

    const x86 = new JobDefinition(stack, 'X86', { name: 'x86', image: IMAGE, platform: JobPlatform.EC2, logGroup: jobLogGroup });
    expectValidationError(
      () => new RuntimeFunctions(stack, 'Mismatched', { jobDefinitions: [x86], jobQueues: [queue], jobLogGroup }),
      'runtime functions Test/Mismatched: job definition "x86" is X86_64, but queue Queue has compute environment Graviton (EC2) that runs ARM64 only',
    );
  });

  it('takes an aws-cdk-lib compute environment added to a pendant JobQueue, refusing one of the other platform', () => {
    const { stack, vpc, jobLogGroup } = setUp();
    const queue = new JobQueue(stack, 'Queue', { computeEnvironments: [new ComputeEnvironment(stack, 'Spot', { kind: ComputeKind.FARGATE_SPOT, vpc })] });
    expectValidationError(
      () => queue.addComputeEnvironment(new batch.ManagedEc2EcsComputeEnvironment(stack, 'Ec2', { vpc }), 2),
      'job queue Test/Queue: compute environment Ec2 (EC2) runs EC2, but the queue runs FARGATE',
    );
    queue.addComputeEnvironment(new batch.FargateComputeEnvironment(stack, 'OnDemand', { vpc }), 2);
    expect(queue.computeEnvironments.map(({ order }) => order)).toEqual([1, 2]);
    // The added environment runs ARM64 (Fargate on-demand) but Fargate Spot still does not: the check reads both.
    const arm = new JobDefinition(stack, 'Arm', { name: 'arm', image: IMAGE, architecture: CpuArchitecture.ARM64, logGroup: jobLogGroup });
    expectValidationError(
      () => new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: [arm], jobQueues: [queue], jobLogGroup }),
      'job definition "arm" is ARM64, but queue Queue has compute environment Spot (FARGATE_SPOT) that runs X86_64 only',
    );
  });

  it('submits to a queue of unmanaged compute as an EC2 one, without checking the instances synth cannot see', () => {
    const { stack, jobLogGroup } = setUp();
    const unmanaged = new batch.UnmanagedComputeEnvironment(stack, 'Unmanaged', { unmanagedvCpus: 64 });
    const queue = new batch.JobQueue(stack, 'Queue', { jobQueueName: 'own-instances', computeEnvironments: [{ computeEnvironment: unmanaged, order: 1 }] });
    // An ARM64 definition with GPUs: on managed instance types of the wrong kind it would be refused.
    const gpu = new JobDefinition(stack, 'Gpu', { name: 'gpu', image: IMAGE, platform: JobPlatform.EC2, architecture: CpuArchitecture.ARM64, gpus: 1, logGroup: jobLogGroup });
    const runtime = new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: [gpu], jobQueues: [queue], jobLogGroup });
    expect(submitConfig(stack, runtime, { [ENV.JOB_DEFINITION_REVISIONS]: 'gpu=1' }).jobQueues).toEqual([{ queue: 'own-instances', name: 'own-instances', platform: 'EC2', fairShare: false }]);
  });

  it('refuses a queue of EKS compute: the runtime functions submit ECS job definitions, which it cannot run', () => {
    // AWS Batch User Guide, "Amazon EKS jobs": a job on an EKS queue is defined by the job definition's eksProperties;
    // the runtime functions' definitions carry containerProperties (ECS), which an EKS compute environment does not run.
    const { stack, vpc, jobLogGroup } = setUp();
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'jobs', vpc });
    const onEks = new batch.ManagedEc2EksComputeEnvironment(stack, 'Eks', { vpc, eksCluster: cluster, kubernetesNamespace: 'batch' });
    const queue = new batch.JobQueue(stack, 'EksQueue', { computeEnvironments: [{ computeEnvironment: onEks, order: 1 }] });
    const definition = new JobDefinition(stack, 'Alpha', { name: 'alpha', image: IMAGE, logGroup: jobLogGroup });
    expectValidationError(
      () => new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: [definition], jobQueues: [queue], jobLogGroup }),
      'runtime functions Test/Runtime: queue EksQueue runs on EKS compute environment Eks, where AWS Batch runs EKS job definitions only, but the runtime functions submit the ECS job definitions "alpha" to any of their queues',
    );
  });
});

describe('BatchPlatform with a queue and a job definition of your own', () => {
  const { stack, vpc } = newStackWithVpc();
  const compute = new batch.ManagedEc2EcsComputeEnvironment(stack, 'OwnCompute', { vpc, instanceTypes: [new ec2.InstanceType('c7i.large')], useOptimalInstanceClasses: false });
  const ownQueue = new batch.JobQueue(stack, 'OwnQueue', { jobQueueName: 'own', computeEnvironments: [{ computeEnvironment: compute, order: 1 }] });
  const legacy = legacyDefinition(stack);
  const platform = new BatchPlatform(stack, 'Platform', {
    vpc,
    jobQueues: [{ id: 'Default', compute: [ComputeKind.FARGATE], jobQueueName: 'default' }],
    additionalJobQueues: [ownQueue],
    jobDefinitions: [{ name: 'render', image: IMAGE, platform: JobPlatform.EC2 }],
    additionalJobDefinitions: [JobDefinition.fromEcsJobDefinition(stack, 'Legacy', legacy, { name: 'legacy-job', parameters: INPUTS })],
  });
  const template = Template.fromStack(stack);

  it("serves the platform's queues first, then yours, and its definitions with yours", () => {
    const config = submitConfig(stack, platform.runtime, { [ENV.JOB_DEFINITION_REVISIONS]: 'render=1,legacy-job=2' });
    expect(config.jobQueues).toEqual([
      { queue: 'default', name: 'default', platform: 'FARGATE', fairShare: false },
      { queue: 'own', name: 'own', platform: 'EC2', fairShare: false },
    ]);
    expect([...config.jobDefinitions.keys()]).toEqual(['render', 'legacy-job']);
    expect(config.jobDefinitions.get('legacy-job')).toMatchObject({ physicalName: 'legacy', revision: 2, platform: 'FARGATE' });
  });

  it('lets submit submit to your queue and definition', () => {
    const targets = JSON.stringify(resourcesFor(functionStatements(template, logicalId(platform.submitFunction)), 'batch:SubmitJob'));
    expect(targets).toContain(logicalId(ownQueue));
    expect(targets).toContain(':job-definition/legacy:*');
  });

  it('takes an EC2 definition of its own when the only EC2 queue is yours, and refuses a queue list with neither', () => {
    expect(platform.jobDefinition('render').platform).toBe(JobPlatform.EC2);
    expectValidationError(
      () => new BatchPlatform(newStack(), 'Platform', { jobQueues: [], additionalJobQueues: [] }),
      'platform Test/Platform: jobQueues must hold at least one queue, or additionalJobQueues one of yours',
    );
  });
});

describe('BatchPlatform checks its own definitions against your queues where their platform is known', () => {
  const imported = (stack: Stack, platform?: JobPlatform) =>
    JobQueue.fromJobQueueAttributes(stack, 'Team', { jobQueueArn: 'arn:aws:batch:eu-west-1:123456789012:job-queue/team', ...(platform && { platform }) });
  const fargateQueue = { id: 'Default', compute: [ComputeKind.FARGATE] };

  it('refuses an EC2 definition when neither its queues nor yours run EC2', () => {
    const stack = newStack();
    expectValidationError(
      () =>
        new BatchPlatform(stack, 'Platform', {
          jobQueues: [fargateQueue],
          additionalJobQueues: [imported(stack, JobPlatform.FARGATE)],
          jobDefinitions: [{ name: 'gpu-job', image: IMAGE, platform: JobPlatform.EC2 }],
        }),
      'platform Test/Platform: job definition "gpu-job" runs on EC2, but no queue of the platform does',
    );
  });

  it('takes multi-node definitions beside a queue of yours of unknown platform, which may run EC2', () => {
    const stack = newStack();
    const platform = new BatchPlatform(stack, 'Platform', {
      jobQueues: [fargateQueue],
      additionalJobQueues: [imported(stack)],
      multiNodeJobDefinitions: [{ name: 'mpi', nodeRanges: [{ startNode: 0, endNode: 1, image: IMAGE }] }],
    });
    expect(platform.multiNodeJobDefinitions.map((definition) => definition.name)).toEqual(['mpi']);
  });

  it("tells submit that a batch.JobQueue of yours with a fair-share policy needs a share identifier", () => {
    const { stack, vpc } = newStackWithVpc();
    const fargate = new batch.FargateComputeEnvironment(stack, 'Fargate', { vpc });
    const policy = new batch.FairshareSchedulingPolicy(stack, 'Policy', { shares: [{ shareIdentifier: 'teamA', weightFactor: 1 }] });
    const queue = new batch.JobQueue(stack, 'Shared', { jobQueueName: 'shared', schedulingPolicy: policy, computeEnvironments: [{ computeEnvironment: fargate, order: 1 }] });
    const platform = new BatchPlatform(stack, 'Platform', { vpc, jobQueues: [], additionalJobQueues: [queue], jobDefinitions: [{ name: 'alpha', image: IMAGE }] });
    expect(submitConfig(stack, platform.runtime, { [ENV.JOB_DEFINITION_REVISIONS]: 'alpha=1' }).jobQueues).toEqual([
      { queue: 'shared', name: 'shared', platform: 'FARGATE', fairShare: true },
    ]);
    expect(platform.computeEnvironments).toEqual([]);
  });
});
