import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Duration, Size, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CpuArchitecture, JobPlatform } from './compute-environment';
import { checkOverridePolicy, JobOverridePolicy } from './model/overrides';
import { isValidName } from './model/job-name';
import { LIMITS, MAX_NODES } from './model/requests';
import { MultiNodeLayout } from './model/platform';
import { ParameterSpecs, renderDefaults } from './model/parameters';
import { ValidationError } from './model/errors';
import type { IJobDefinitionDeclaration, JobDefinitionDeclaration } from './job-definition';
import { Parameter } from './parameter';
import { acknowledgeComplianceRule, INLINE_POLICY_REASON } from './private/acknowledge';
import { checkParameters, defaultRetryStrategies, revisionOf, stackUniqueName } from './private/job-definition-rules';
import { parameterSpecs } from './private/parameter-specs';

/** One node range of a multi-node parallel job: nodes `startNode` to `endNode` run this container. */
export interface MultiNodeRange {
  /** The first node of the range, from 0. */
  readonly startNode: number;
  /** The last node of the range (inclusive). */
  readonly endNode: number;
  /** The container image. */
  readonly image: ecs.ContainerImage;
  /**
   * The command, with `Ref::<parameter>` placeholders for the definition's declared parameters.
   * @default - the image's own command
   */
  readonly command?: string[];
  /** @default 1 */
  readonly vcpus?: number;
  /** @default - 2 GiB per vCPU */
  readonly memory?: Size;
  /** GPUs each node of the range reserves. @default - none */
  readonly gpus?: number;
  /** @default - none */
  readonly environment?: { [name: string]: string };
}

export interface MultiNodeJobDefinitionProps {
  /** The name requests to the runtime functions use. */
  readonly name: string;
  /**
   * The job definition's name in AWS Batch.
   * @default - `name`, a hyphen and 8 hex characters of a hash of the stack name and `name`
   */
  readonly physicalName?: string;
  /** The node ranges, which together must cover nodes 0 to n-1 once each (AWS Batch: at most 5 node groups). */
  readonly nodeRanges: MultiNodeRange[];
  /**
   * The index of the main node, which decides the job's outcome.
   * @default 0
   */
  readonly mainNode?: number;
  /**
   * Leave the last range open-ended (`n:`), so a submission may set `nodeOverrides.numNodes` (AWS Batch API
   * Reference, NodeOverrides: numNodes needs a node range with an open upper boundary).
   * @default false
   */
  readonly openLastRange?: boolean;
  /**
   * The instance type every node runs on (AWS Batch User Guide, "Node groups": all node groups use one type).
   * @default - Batch's optimal instance type
   */
  readonly instanceType?: ec2.InstanceType;
  /** The typed parameters, declared as for a single-node `JobDefinition`. @default - none */
  readonly parameters?: { [name: string]: Parameter };
  /**
   * What callers of submit may override in a node range's `containerOverrides`, as for a single-node `JobDefinition`.
   * @default - callers may override nothing
   */
  readonly overrides?: JobOverridePolicy;
  /** How long one attempt may run (at least 60 seconds). @default - no limit */
  readonly timeout?: Duration;
  /** Attempts per job, 1 to 10. @default 3 */
  readonly retryAttempts?: number;
  /** @default - retry when an EC2 Spot instance is reclaimed, then exit on any application exit code */
  readonly retryStrategies?: batch.RetryStrategy[];
  /** Copy the job's tags to its ECS tasks. @default false */
  readonly propagateTags?: boolean;
  /** The role the nodes' code runs as. @default - none */
  readonly jobRole?: iam.IRole;
  /** The role ECS pulls the image and writes logs with. @default - a new role for this definition */
  readonly executionRole?: iam.IRole;
  /** Where the nodes' output goes (awslogs); each node writes its own stream. @default - a new log group, kept one month */
  readonly logGroup?: logs.ILogGroup;
  /** Mount the root filesystem read-only, with a scratch volume at `/tmp`. @default true */
  readonly readonlyRootFilesystem?: boolean;
  /** Keep the previous revision ACTIVE when a deploy registers a new one. @default true */
  readonly keepPreviousRevisions?: boolean;
}

const SCRATCH_VOLUME = { name: 'scratch', containerPath: '/tmp' };
/** AWS Batch User Guide, "Node groups": up to five distinct node groups a job. */
const MAX_NODE_RANGES = 5;
const EC2_DEFAULT_MEBIBYTES_PER_VCPU = 2048;

/**
 * A multi-node parallel job definition (EC2 only) on aws-cdk-lib's `MultiNodeJobDefinition`, with typed parameters
 * like `JobDefinition`: one main node and node ranges, each a container. The runtime functions submit it with
 * `nodeOverrides`, report each node as `<jobId>#<node>` and read each node's log stream.
 *
 * @exampleMetadata fixture=construct
 * @example
 * new MultiNodeJobDefinition(this, 'Mpi', {
 *   name: 'mpi-job',
 *   nodeRanges: [{ startNode: 0, endNode: 3, image, command: ['mpirun', 'Ref::input'] }],
 *   parameters: { input: Parameter.string() },
 * });
 */
export class MultiNodeJobDefinition extends Construct implements IJobDefinitionDeclaration {
  /** The name requests use. */
  public readonly name: string;
  /** The job definition's name in AWS Batch. */
  public readonly physicalName: string;
  /** Always EC2: AWS Fargate runs no multi-node parallel jobs (AWS Batch User Guide, "Create a multi-node parallel job definition"). */
  public readonly platform: JobPlatform = JobPlatform.EC2;
  public readonly architecture: CpuArchitecture = CpuArchitecture.X86_64;
  /** The most GPUs a node reserves, if any. */
  public readonly gpus?: number;
  /** The parameters as declared. */
  public readonly parameters: { [name: string]: Parameter };
  /**
   * The model's declarations of the parameters: what the job definition renders and the runtime functions check.
   * @internal
   */
  public readonly _parameterSpecs: ParameterSpecs;
  /** What callers of submit may override in a node range; `{}` for nothing. */
  public readonly overrides: JobOverridePolicy;
  /** The node index of the main node. */
  public readonly mainNode: number;
  /** The nodes a job runs unless a submission overrides `numNodes`. */
  public readonly numNodes: number;
  /** The start of the open-ended last range, when `openLastRange` is set. */
  public readonly openRangeStart?: number;
  /** The aws-cdk-lib L2 job definition. */
  public readonly jobDefinition: batch.MultiNodeJobDefinition;
  public readonly jobDefinitionArn: string;
  /** The revision number this deploy registered, as a deploy-time string token. */
  public readonly revision: string;
  public readonly executionRole: iam.IRole;
  public readonly logGroup: logs.ILogGroup;

  public constructor(scope: Construct, id: string, props: MultiNodeJobDefinitionProps) {
    super(scope, id);
    const where = `multi-node job definition ${JSON.stringify(props.name)} (${this.node.path})`;
    if (!isValidName(props.name)) {
      throw new ValidationError(`${where}: name must be 1 to 128 letters, digits, "-" or "_", starting with a letter or digit`);
    }
    this.name = props.name;
    this.physicalName = props.physicalName ?? stackUniqueName(this, props.name);
    this.parameters = { ...props.parameters };
    this._parameterSpecs = parameterSpecs(this.parameters);
    const ranges = [...props.nodeRanges].sort((a, b) => a.startNode - b.startNode);
    this.numNodes = checkRanges(where, ranges);
    this.mainNode = props.mainNode ?? 0;
    if (!Number.isInteger(this.mainNode) || this.mainNode < 0 || this.mainNode >= this.numNodes) {
      throw new ValidationError(`${where}: mainNode must be a node of the ranges, 0 to ${this.numNodes - 1}, got ${this.mainNode}`);
    }
    checkParameters(where, this._parameterSpecs, ranges.flatMap((range) => range.command ?? []));
    checkRetries(where, props);
    this.overrides = props.overrides ?? {};
    const overrideProblems = checkOverridePolicy(this.overrides, 'EC2');
    if (overrideProblems.length > 0) throw new ValidationError(`${where}: ${overrideProblems.join('; ')}`);
    const gpus = ranges.map((range) => range.gpus ?? 0);
    if (Math.max(...gpus) > 0) this.gpus = Math.max(...gpus);

    this.logGroup = props.logGroup ?? new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_MONTH });
    if (props.executionRole === undefined) {
      const executionRole = new iam.Role(this, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      acknowledgeComplianceRule(executionRole, 'IAMNoInlinePolicy', INLINE_POLICY_REASON);
      this.executionRole = executionRole;
    } else {
      this.executionRole = props.executionRole;
    }
    const readonlyRootFilesystem = props.readonlyRootFilesystem ?? true;

    this.jobDefinition = new batch.MultiNodeJobDefinition(this, 'Resource', {
      jobDefinitionName: this.physicalName,
      mainNode: this.mainNode,
      instanceType: props.instanceType,
      propagateTags: props.propagateTags,
      parameters: renderDefaults(this._parameterSpecs),
      timeout: props.timeout,
      retryAttempts: props.retryAttempts ?? 3,
      retryStrategies: props.retryStrategies ?? defaultRetryStrategies(JobPlatform.EC2),
      skipDeregisterOnUpdate: props.keepPreviousRevisions ?? true,
      containers: ranges.map((range, index) => ({
        startNode: range.startNode,
        endNode: range.endNode,
        container: new batch.EcsEc2ContainerDefinition(this, `Nodes${index}`, {
          image: range.image,
          command: range.command,
          cpu: range.vcpus ?? 1,
          memory: range.memory ?? Size.mebibytes(Math.ceil((range.vcpus ?? 1) * EC2_DEFAULT_MEBIBYTES_PER_VCPU)),
          gpu: range.gpus,
          environment: range.environment,
          executionRole: this.executionRole,
          jobRole: props.jobRole,
          readonlyRootFilesystem,
          volumes: readonlyRootFilesystem ? [batch.EcsVolume.host(SCRATCH_VOLUME)] : [],
          logging: ecs.LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix: props.name }),
        }),
      })),
    });
    if (props.openLastRange === true) {
      // aws-cdk-lib writes every range closed ("n:m"); Batch takes "n:" for a range that reaches the last node.
      const last = ranges[ranges.length - 1];
      this.openRangeStart = last.startNode;
      const cfn = this.jobDefinition.node.defaultChild as batch.CfnJobDefinition;
      cfn.addPropertyOverride(`NodeProperties.NodeRangeProperties.${ranges.length - 1}.TargetNodes`, `${last.startNode}:`);
    }
    this.jobDefinitionArn = this.jobDefinition.jobDefinitionArn;
    this.revision = revisionOf(this.jobDefinitionArn);
  }

  public runtimeDeclaration(): JobDefinitionDeclaration {
    return {
      jobDefinitionArn: this.jobDefinitionArn,
      revision: this.revision,
      platform: this.platform,
      architecture: this.architecture,
      gpus: this.gpus,
      parameters: this.parameters,
      overrides: this.overrides,
    };
  }

  /**
   * What the runtime functions are told of the nodes, to check `nodeOverrides` before calling AWS.
   * @internal
   */
  public get _layout(): MultiNodeLayout {
    return { mainNode: this.mainNode, numNodes: this.numNodes, ...(this.openRangeStart !== undefined && { openRangeStart: this.openRangeStart }) };
  }
}

/** The ranges cover nodes 0 to n-1, each once, in at most five groups; n. */
function checkRanges(where: string, ranges: MultiNodeRange[]): number {
  if (ranges.length === 0) throw new ValidationError(`${where}: nodeRanges must hold at least one range`);
  if (ranges.length > MAX_NODE_RANGES) {
    throw new ValidationError(`${where}: at most ${MAX_NODE_RANGES} nodeRanges (AWS Batch User Guide, "Node groups"), got ${ranges.length}`);
  }
  let next = 0;
  for (const range of ranges) {
    if (!Number.isInteger(range.startNode) || !Number.isInteger(range.endNode) || range.endNode < range.startNode) {
      throw new ValidationError(`${where}: node range ${range.startNode}:${range.endNode} must be whole node indices, its end not before its start`);
    }
    if (range.startNode !== next) {
      throw new ValidationError(
        `${where}: node ranges must cover every node once from 0; the range starting at ${range.startNode} should start at node ${next}`,
      );
    }
    next = range.endNode + 1;
  }
  if (next > MAX_NODES) throw new ValidationError(`${where}: at most ${MAX_NODES} nodes (AWS Batch User Guide, "Node groups"), got ${next}`);
  return next;
}

function checkRetries(where: string, props: MultiNodeJobDefinitionProps): void {
  const attempts = props.retryAttempts;
  if (attempts !== undefined && !Token.isUnresolved(attempts) && (!Number.isInteger(attempts) || attempts < 1 || attempts > LIMITS.MAX_ATTEMPTS)) {
    throw new ValidationError(`${where}: retryAttempts must be an integer from 1 to ${LIMITS.MAX_ATTEMPTS}, got ${attempts}`);
  }
  if (props.retryStrategies !== undefined && props.retryStrategies.length > LIMITS.MAX_EVALUATE_ON_EXIT) {
    throw new ValidationError(`${where}: at most ${LIMITS.MAX_EVALUATE_ON_EXIT} retryStrategies, got ${props.retryStrategies.length}`);
  }
  if (props.timeout !== undefined && !Token.isUnresolved(props.timeout.toSeconds()) && props.timeout.toSeconds() < LIMITS.MIN_ATTEMPT_DURATION_SECONDS) {
    throw new ValidationError(`${where}: timeout must be at least 60 seconds, got ${props.timeout.toHumanString()}`);
  }
}
