import * as batch from 'aws-cdk-lib/aws-batch';
import { Stack, Token } from 'aws-cdk-lib';
import { aws_batch as batchRefs } from 'aws-cdk-lib/interfaces';
import { IConstruct } from 'constructs';
import { ComputeEnvironment, ComputeKind, CpuArchitecture, fargateArchitectures, JobPlatform } from '../compute-environment';
import { hasGpus, isArm64InstanceType } from './instance-types';

/**
 * Where a queue's jobs run. EKS runs Kubernetes pods, not the ECS containers of the job definitions pendant serves:
 * a queue of EKS compute environments takes EKS job definitions only (AWS Batch User Guide, "Amazon EKS jobs").
 */
export type QueuePlatform = JobPlatform | 'EKS';

/** What synth knows of one compute environment of a queue; absent fields are unknown. */
export interface EnvironmentFacts {
  /** The construct id messages name. */
  readonly id: string;
  /** A ComputeKind, or what else it is (EKS, UNMANAGED, IMPORTED). */
  readonly kind: ComputeKind | 'EKS' | 'UNMANAGED' | 'IMPORTED';
  readonly platform?: QueuePlatform;
  /** The CPU architectures it runs; unknown for an imported or unmanaged environment, or one of unresolved types. */
  readonly architectures?: readonly CpuArchitecture[];
  /** Whether it has GPU instance types; unknown where the instance types are. */
  readonly hasGpus?: boolean;
}

/** What synth knows of a queue: what the runtime functions are told and what the placement check reads. */
export interface QueueFacts {
  readonly id: string;
  /** Unknown for an imported queue that does not declare it, or a queue of unknown or mixed environments. */
  readonly platform?: QueuePlatform;
  /** Unknown for an imported queue that does not declare it. */
  readonly fairShare?: boolean;
  readonly environments: readonly EnvironmentFacts[];
}

/** What `JobQueue.fromJobQueueAttributes` declared of the queues it imported. */
const declared = new WeakMap<batch.IJobQueue, { readonly platform?: JobPlatform; readonly fairShare?: boolean }>();

export function declareImportedQueue(queue: batch.IJobQueue, facts: { readonly platform?: JobPlatform; readonly fairShare?: boolean }): void {
  declared.set(queue, facts);
}

/**
 * What can be read of a queue: its compute environments (pendant's own, or aws-cdk-lib's Fargate, EC2, EKS and
 * unmanaged ones), its scheduling policy, and what an import declared. An aws-cdk-lib import has no compute
 * environments and no policy to read, so it is unknown unless declared.
 */
export function describeQueue(queue: batch.IJobQueue): QueueFacts {
  const environments = queue.computeEnvironments.map(({ computeEnvironment }) => describeEnvironment(computeEnvironment));
  const imported = declared.get(queue);
  const defined = jobQueueResource(queue) !== undefined;
  const fairShare = imported?.fairShare ?? (defined ? queue.schedulingPolicy !== undefined : undefined);
  const platform = imported?.platform ?? platformOf(environments);
  return { id: queue.node.id, ...(platform !== undefined && { platform }), ...(fairShare !== undefined && { fairShare }), environments };
}

/** The queue's `AWS::Batch::JobQueue`, when it is defined in this app (pendant's queue or aws-cdk-lib's). */
export function jobQueueResource(queue: batch.IJobQueue): batch.CfnJobQueue | undefined {
  let child: IConstruct | undefined = queue.node.defaultChild;
  // pendant's JobQueue holds aws-cdk-lib's, which holds the resource.
  for (let depth = 0; depth < 2 && child !== undefined; depth += 1) {
    if (child instanceof batch.CfnJobQueue) return child;
    child = child.node.defaultChild;
  }
  return undefined;
}

function platformOf(environments: readonly EnvironmentFacts[]): QueuePlatform | undefined {
  if (environments.some((environment) => environment.platform === 'EKS')) return 'EKS';
  const platforms = new Set(environments.map((environment) => environment.platform));
  if (platforms.size !== 1) return undefined;
  const [platform] = platforms;
  return platform;
}

export function describeEnvironment(environment: batchRefs.IComputeEnvironmentRef): EnvironmentFacts {
  const owner = environment.node.scope;
  if (owner instanceof ComputeEnvironment && owner.computeEnvironment === environment) {
    return { id: owner.node.id, kind: owner.kind, platform: owner.platform, architectures: owner.architectures, hasGpus: owner.hasGpus };
  }
  const id = environment.node.id;
  if (environment instanceof batch.FargateComputeEnvironment) {
    const spot = environment.spot === true;
    return {
      id,
      kind: spot ? ComputeKind.FARGATE_SPOT : ComputeKind.FARGATE,
      platform: JobPlatform.FARGATE,
      architectures: fargateArchitectures(spot),
      hasGpus: false,
    };
  }
  if (environment instanceof batch.ManagedEc2EcsComputeEnvironment) {
    const types = renderedInstanceTypes(environment);
    return {
      id,
      kind: environment.spot === true ? ComputeKind.EC2_SPOT : ComputeKind.EC2,
      platform: JobPlatform.EC2,
      ...(types !== undefined && { architectures: architecturesOf(types), hasGpus: types.some((type) => hasGpus(type)) }),
    };
  }
  if (environment instanceof batch.ManagedEc2EksComputeEnvironment) return { id, kind: 'EKS', platform: 'EKS' };
  // aws-cdk-lib's unmanaged environment is an ECS one (it has no EKS configuration) on instances of your own, whose
  // types synth cannot see.
  if (environment instanceof batch.UnmanagedComputeEnvironment) return { id, kind: 'UNMANAGED', platform: JobPlatform.EC2 };
  return { id, kind: 'IMPORTED' };
}

/**
 * The instance types as the environment renders them, Batch's instance classes included (`optimal` and
 * `default_x86_64` are x86, `default_arm64` Graviton); undefined when any is a token.
 */
function renderedInstanceTypes(environment: batch.ManagedEc2EcsComputeEnvironment): string[] | undefined {
  const cfn = environment.node.defaultChild as batch.CfnComputeEnvironment | undefined;
  const resources = cfn === undefined ? undefined : (Stack.of(environment).resolve(cfn.computeResources) as batch.CfnComputeEnvironment.ComputeResourcesProperty | undefined);
  const types = resources?.instanceTypes;
  if (!Array.isArray(types) || types.length === 0 || types.some((type) => typeof type !== 'string' || Token.isUnresolved(type))) return undefined;
  return types;
}

function architecturesOf(types: readonly string[]): CpuArchitecture[] {
  const arm = (type: string) => type === 'default_arm64' || isArm64InstanceType(type);
  const found = new Set(types.map((type) => (arm(type) ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64)));
  return [CpuArchitecture.X86_64, CpuArchitecture.ARM64].filter((architecture) => found.has(architecture));
}
