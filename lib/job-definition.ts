import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Duration, Size, Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { CpuArchitecture, JobPlatform } from './compute-environment';
import { checkOverridePolicy, FARGATE_MEMORY, FARGATE_VCPUS, fargateMemoryFits, JobOverridePolicy, JobResources } from './model/overrides';
import { isValidName } from './model/job-name';
import { ParameterSpecs, renderDefaults } from './model/parameters';
import { ValidationError } from './model/errors';
import { acknowledgeComplianceRule, acknowledgeOverflowPolicies, acknowledgeWildcard, INLINE_POLICY_REASON } from './private/acknowledge';
import { checkParameters, defaultRetryStrategies, revisionOf, stackUniqueName } from './private/job-definition-rules';
import { Parameter } from './parameter';
import { parameterAccess } from './private/parameter-access';
import { parameterSpecs } from './private/parameter-specs';
import { DeclaredEcsJobDefinition, DeclaredJobDefinitionArn } from './private/declared-job-definitions';

/**
 * A job definition as the runtime functions serve it: the name requests use, the one AWS Batch knows, and what
 * `runtimeDeclaration` tells the functions. pendant's `JobDefinition` and `MultiNodeJobDefinition` are ones;
 * `JobDefinition.fromEcsJobDefinition` makes one of an aws-cdk-lib `EcsJobDefinition` of yours, and
 * `JobDefinition.fromJobDefinitionArn` of one deployed elsewhere.
 */
export interface IJobDefinitionDeclaration extends IConstruct {
  /** The name requests use. */
  readonly name: string;
  /**
   * The job definition's name in AWS Batch: submit's IAM policy names `job-definition/<physicalName>:*`, and a
   * definition without a known revision is submitted as its latest ACTIVE revision.
   */
  readonly physicalName: string;
  /** What the runtime functions check requests against and submit: read once by each `RuntimeFunctions` that serves it. */
  runtimeDeclaration(): JobDefinitionDeclaration;
}

/** What the runtime functions know of a job definition beside its names; what is absent is unknown and not checked. */
export interface JobDefinitionDeclaration {
  /** The job definition's ARN, with the revision when it has one. */
  readonly jobDefinitionArn: string;
  /**
   * The revision submit sends, a number or a deploy-time token.
   * @default - the latest ACTIVE revision of the physical name when a job is submitted
   */
  readonly revision?: string;
  /**
   * The platform the definition runs on: submit refuses a queue of the other one, and synth checks placement.
   * @default - unknown: submit sends it to any queue, and AWS Batch refuses a queue of the wrong platform
   */
  readonly platform?: JobPlatform;
  /**
   * The CPU architecture of its image, checked against the queues' compute environments at synth.
   * @default - unknown: not checked
   */
  readonly architecture?: CpuArchitecture;
  /**
   * The GPUs each job reserves, checked against the queues' instance types at synth.
   * @default - none
   */
  readonly gpus?: number;
  /**
   * The typed parameters: every request is checked against them, and the S3 inputs that must exist are looked up
   * under their `within` prefixes, which the functions' roles may read.
   * @default - none: requests may give no parameter
   */
  readonly parameters?: { [name: string]: Parameter };
  /**
   * What callers of submit may override.
   * @default - nothing
   */
  readonly overrides?: JobOverridePolicy;
  /**
   * The vCPUs, memory and GPUs each job reserves, to which a request overriding only vCPUs or only memory is paired
   * for Fargate.
   * @default - unknown
   */
  readonly resources?: JobResources;
}

/** How the runtime functions serve a job definition of yours. */
export interface JobDefinitionDeclarationOptions {
  /** The name requests use. */
  readonly name: string;
  /**
   * The parameters its command takes as `Ref::<name>`, typed; a default must be the job definition's own default.
   * @default - none: requests may give no parameter
   */
  readonly parameters?: { [name: string]: Parameter };
  /**
   * What callers of submit may override, as `JobDefinitionOptions.overrides`.
   * @default - nothing
   */
  readonly overrides?: JobOverridePolicy;
}

/** How the runtime functions serve a job definition deployed elsewhere, known by its ARN. */
export interface JobDefinitionArnOptions extends JobDefinitionDeclarationOptions {
  /**
   * The platform it runs on.
   * @default - unknown: submit sends it to any queue, and AWS Batch refuses a queue of the wrong platform
   */
  readonly platform?: JobPlatform;
  /**
   * The CPU architecture of its image.
   * @default - unknown: placement is not checked
   */
  readonly architecture?: CpuArchitecture;
}

/** A job definition's settings other than its execution role and log group: what a platform takes per definition. */
export interface JobDefinitionOptions {
  /** The name requests to the runtime functions use. */
  readonly name: string;
  /**
   * The job definition's name in AWS Batch, under which each deploy that changes the definition registers a new
   * revision. A Batch name is account- and Region-wide, so two stacks registering one name would share one revision
   * sequence and one "latest"; the default keeps each stack's revisions apart.
   * @default - `name`, a hyphen and 8 hex characters of a hash of the stack name and `name`
   */
  readonly physicalName?: string;
  /** The container image. */
  readonly image: ecs.ContainerImage;
  /**
   * The command, with `Ref::<parameter>` placeholders for the declared parameters. Every placeholder must be
   * declared and every declared parameter used.
   * @default - the image's own command (then no parameters may be declared)
   */
  readonly command?: string[];
  /**
   * The parameters, typed: their defaults go into the job definition and the runtime functions check every
   * submission against them.
   * @default - none
   */
  readonly parameters?: { [name: string]: Parameter };
  /**
   * Which compute the definition runs on; it must match its queues' compute environments.
   * @default JobPlatform.FARGATE
   */
  readonly platform?: JobPlatform;
  /**
   * The CPU architecture the image is built for. On Fargate it becomes the definition's `runtimePlatform`; a
   * platform places ARM64 definitions only where ARM64 runs (not Fargate Spot, EC2 only on Graviton instances).
   * @default CpuArchitecture.X86_64
   */
  readonly architecture?: CpuArchitecture;
  /** @default 1 */
  readonly vcpus?: number;
  /**
   * @default - on Fargate, the smallest size Fargate allows for `vcpus` (2 GiB for 1 vCPU, 8 GiB for 4); on EC2,
   * 2 GiB per vCPU
   */
  readonly memory?: Size;
  /**
   * EC2 only: GPUs to reserve.
   * @default - none
   */
  readonly gpus?: number;
  /** @default - none */
  readonly environment?: Record<string, string>;
  /**
   * What callers of submit may override: the command (`command: true`), environment variables by name
   * (`environment: ['SAMPLE']`), and vCPUs, memory and GPUs up to a bound (`maxVcpus`, `maxMemoryMebibytes`, `maxGpus`).
   * Anything else a request asks to override is refused with `InvalidRequestError` naming the field.
   * @default - callers may override nothing: not the command, no environment variable, no resource
   */
  readonly overrides?: JobOverridePolicy;
  /** Environment variables read from Secrets Manager or SSM at start; the execution role is granted read. @default - none */
  readonly secrets?: Record<string, batch.Secret>;
  /**
   * Fargate only: ephemeral storage, 21 to 200 GiB. It backs the scratch volume and any volume without a host path.
   * @default - Fargate's 20 GiB
   */
  readonly ephemeralStorage?: Size;
  /**
   * Mount an empty writable volume at `scratchPath`, for the files a job writes while it runs. On Fargate it is a
   * bind mount on the task's ephemeral storage; on EC2 a Docker-managed directory on the instance's root volume.
   * Either is gone when the job ends.
   * @default - true when the root filesystem is read-only
   */
  readonly scratch?: boolean;
  /** Where the scratch volume is mounted, an absolute path. @default '/tmp' */
  readonly scratchPath?: string;
  /**
   * More volumes: `batch.EcsVolume.efs(…)`, or `batch.EcsVolume.host(…)` (on Fargate without `hostPath`, which
   * Fargate does not take: the volume is then backed by ephemeral storage).
   * @default - none
   */
  readonly volumes?: batch.EcsVolume[];
  /**
   * How long one attempt may run before Batch stops it (at least 60 seconds).
   * @default - no limit (Fargate jobs are not guaranteed past 14 days)
   */
  readonly timeout?: Duration;
  /**
   * Attempts per job, 1 to 10.
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * When to retry, tried in order, the first match winning. At most five.
   * @default - retry when Spot capacity is taken back (Fargate: `Your Spot Task was interrupted*`; EC2:
   * `Host EC2*`), then exit on any application exit code
   */
  readonly retryStrategies?: batch.RetryStrategy[];
  /**
   * Mount the container's root filesystem read-only: jobs write to volumes or S3, not to the image.
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;
  /**
   * The role the job's code runs as.
   * @default - a role of this definition's own when `grantParameterAccess` has something to grant; otherwise none
   */
  readonly jobRole?: iam.IRole;
  /**
   * Let the job role reach what the S3 parameters' `within` declares: read objects under every S3 parameter's
   * prefixes, and list and write under the prefixes of `s3Prefix` parameters (its outputs).
   * @default true
   */
  readonly grantParameterAccess?: boolean;
  /**
   * Keep the previous revision ACTIVE when a deploy registers a new one, so submissions that pin it still work.
   * @default true
   */
  readonly keepPreviousRevisions?: boolean;
}

export interface JobDefinitionProps extends JobDefinitionOptions {
  /**
   * The role ECS uses to pull the image and write logs. A platform shares one among all its definitions.
   * @default - a new role for this definition
   */
  readonly executionRole?: iam.IRole;
  /**
   * Where the job's output goes (awslogs). A platform passes its own job log group.
   * @default - a new log group for this definition, kept one month
   */
  readonly logGroup?: logs.ILogGroup;
}

/** The default memory on EC2, per vCPU: the ratio of the compute-optimized families Batch's defaults include. */
const EC2_DEFAULT_MEBIBYTES_PER_VCPU = 2048;
const DEFAULT_SCRATCH_PATH = '/tmp';
const SCRATCH_VOLUME_NAME = 'scratch';

/**
 * An AWS Batch job definition whose parameters are declared once and typed, on aws-cdk-lib's `EcsJobDefinition`.
 *
 * Secure by default: read-only root filesystem with a writable scratch volume at `/tmp`, no public IP, logs to a
 * log group with retention, a job role that reaches only the S3 locations its parameters declare. Each deploy that
 * changes it registers a new revision of a name of this stack's own and, by default, keeps the previous one ACTIVE.
 *
 * @exampleMetadata fixture=construct
 * @example
 * new JobDefinition(this, 'Demo', {
 *   name: 'demo-job',
 *   image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'),
 *   command: ['sh', '-c', 'echo Ref::input_object'],
 *   parameters: { input_object: Parameter.s3Object({ mustExist: true, within: ['s3://my-inputs/'] }) },
 * });
 */
export class JobDefinition extends Construct implements IJobDefinitionDeclaration {
  /**
   * An aws-cdk-lib `EcsJobDefinition` of yours, served by the runtime functions under `options.name` with the
   * parameters you declare for its command. Its platform, architecture and resources are read from its container;
   * the parameters are checked against the command (`Ref::<name>`) and the definition's defaults.
   *
   * @exampleMetadata fixture=construct
   * @example
   * import * as batch from 'aws-cdk-lib/aws-batch';
   *
   * declare const legacy: batch.EcsJobDefinition;
   * const served = JobDefinition.fromEcsJobDefinition(this, 'Legacy', legacy, {
   *   name: 'legacy-job',
   *   parameters: { input: Parameter.s3Object({ mustExist: true, within: ['s3://my-inputs/'] }) },
   * });
   */
  public static fromEcsJobDefinition(scope: Construct, id: string, definition: batch.EcsJobDefinition, options: JobDefinitionDeclarationOptions): IJobDefinitionDeclaration {
    return new DeclaredEcsJobDefinition(scope, id, definition, options);
  }

  /**
   * A job definition deployed elsewhere, by ARN: with a revision (`…:job-definition/<name>:<revision>`) submit sends
   * that revision, without one the latest ACTIVE revision. Declare its platform so that submit and synth check it.
   *
   * @exampleMetadata fixture=construct
   * @example
   * const nightly = JobDefinition.fromJobDefinitionArn(this, 'Nightly', 'arn:aws:batch:eu-west-1:123456789012:job-definition/nightly:4', {
   *   name: 'nightly',
   *   platform: pendant.JobPlatform.FARGATE,
   * });
   */
  public static fromJobDefinitionArn(scope: Construct, id: string, jobDefinitionArn: string, options: JobDefinitionArnOptions): IJobDefinitionDeclaration {
    return new DeclaredJobDefinitionArn(scope, id, jobDefinitionArn, options);
  }

  /** The name requests use. */
  public readonly name: string;
  /** The job definition's name in AWS Batch, unique to this stack unless `physicalName` was given. */
  public readonly physicalName: string;
  public readonly platform: JobPlatform;
  public readonly architecture: CpuArchitecture;
  /** The GPUs each job reserves, if any. */
  public readonly gpus?: number;
  /** The role the job's code runs as, if it has one. */
  public readonly jobRole?: iam.IRole;
  /** The parameters as declared. */
  public readonly parameters: { [name: string]: Parameter };
  /**
   * The model's declarations of the parameters: what the job definition renders and the runtime functions check.
   * @internal
   */
  public readonly _parameterSpecs: ParameterSpecs;
  /** What callers of submit may override; `{}` for nothing. */
  public readonly overrides: JobOverridePolicy;
  /** The vCPUs, memory (MiB) and GPUs each job reserves unless a request overrides them. */
  public readonly resources: JobResources;
  /** The aws-cdk-lib L2 job definition. */
  public readonly jobDefinition: batch.EcsJobDefinition;
  /** The ARN of the revision this deploy registered: `arn:…:job-definition/<name>:<revision>`. */
  public readonly jobDefinitionArn: string;
  /** The revision number this deploy registered, as a deploy-time string token. */
  public readonly revision: string;
  public readonly executionRole: iam.IRole;
  public readonly logGroup: logs.ILogGroup;

  public constructor(scope: Construct, id: string, props: JobDefinitionProps) {
    super(scope, id);
    const where = `job definition ${JSON.stringify(props.name)} (${this.node.path})`;
    if (!isValidName(props.name)) {
      throw new ValidationError(`${where}: name must be 1 to 128 letters, digits, "-" or "_", starting with a letter or digit`);
    }
    this.name = props.name;
    this.physicalName = props.physicalName ?? stackUniqueName(this, props.name);
    if (!isValidName(this.physicalName)) {
      throw new ValidationError(`${where}: physicalName must be 1 to 128 letters, digits, "-" or "_", starting with a letter or digit, got ${JSON.stringify(this.physicalName)}`);
    }
    this.platform = props.platform ?? JobPlatform.FARGATE;
    this.architecture = props.architecture ?? CpuArchitecture.X86_64;
    this.gpus = props.gpus;
    this.parameters = { ...props.parameters };
    this._parameterSpecs = parameterSpecs(this.parameters);
    checkParameters(where, this._parameterSpecs, props.command);
    const vcpus = props.vcpus ?? 1;
    checkResources(where, this.platform, vcpus, props);
    const memory = props.memory ?? defaultMemory(this.platform, vcpus);
    checkMemory(where, this.platform, vcpus, memory);
    this.overrides = props.overrides ?? {};
    const overrideProblems = checkOverridePolicy(this.overrides, this.platform === JobPlatform.FARGATE ? 'FARGATE' : 'EC2');
    if (overrideProblems.length > 0) throw new ValidationError(`${where}: ${overrideProblems.join('; ')}`);
    this.resources = { vcpus, memoryMiB: memory.toMebibytes(), ...(props.gpus !== undefined && { gpus: props.gpus }) };
    const readonlyRootFilesystem = props.readonlyRootFilesystem ?? true;
    const volumes = this.volumes(where, readonlyRootFilesystem, props);

    this.logGroup = props.logGroup ?? new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_MONTH });
    if (props.executionRole === undefined) {
      const executionRole = new iam.Role(this, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      acknowledgeComplianceRule(executionRole, 'IAMNoInlinePolicy', INLINE_POLICY_REASON);
      this.executionRole = executionRole;
    } else {
      this.executionRole = props.executionRole;
    }
    this.jobRole = this.grantParameters(props);

    const containerProps = {
      image: props.image,
      command: props.command,
      cpu: vcpus,
      memory,
      environment: props.environment,
      secrets: props.secrets,
      executionRole: this.executionRole,
      jobRole: this.jobRole,
      readonlyRootFilesystem,
      volumes,
      logging: ecs.LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix: props.name }),
    };
    const container =
      this.platform === JobPlatform.FARGATE
        ? new batch.EcsFargateContainerDefinition(this, 'Container', {
            ...containerProps,
            assignPublicIp: false,
            ephemeralStorageSize: props.ephemeralStorage,
            fargateCpuArchitecture: this.architecture === CpuArchitecture.ARM64 ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
            fargateOperatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
          })
        : new batch.EcsEc2ContainerDefinition(this, 'Container', { ...containerProps, gpu: props.gpus });

    this.jobDefinition = new batch.EcsJobDefinition(this, 'Resource', {
      jobDefinitionName: this.physicalName,
      container,
      parameters: renderDefaults(this._parameterSpecs),
      timeout: props.timeout,
      retryAttempts: props.retryAttempts ?? 3,
      retryStrategies: props.retryStrategies ?? defaultRetryStrategies(this.platform),
      skipDeregisterOnUpdate: props.keepPreviousRevisions ?? true,
    });
    checkRetryOrder(where, this.jobDefinition);
    if (this.platform === JobPlatform.FARGATE) {
      // AWS Batch API Reference, Volume: host "isn't applicable to jobs that are running on Fargate resources and
      // shouldn't be provided"; a volume with a name only is a bind mount on the task's ephemeral storage.
      const cfn = this.jobDefinition.node.defaultChild as batch.CfnJobDefinition;
      volumes.forEach((volume, index) => {
        if (volume instanceof batch.HostVolume) cfn.addPropertyDeletionOverride(`ContainerProperties.Volumes.${index}.Host`);
      });
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
      resources: this.resources,
    };
  }

  /** The scratch volume (first, when there is one) and the volumes given. */
  private volumes(where: string, readonlyRootFilesystem: boolean, props: JobDefinitionProps): batch.EcsVolume[] {
    const given = props.volumes ?? [];
    const scratch = props.scratch ?? readonlyRootFilesystem;
    if (!scratch && props.scratchPath !== undefined) throw new ValidationError(`${where}: scratchPath is given but scratch is false; drop one`);
    const scratchPath = props.scratchPath ?? DEFAULT_SCRATCH_PATH;
    if (scratch && !scratchPath.startsWith('/')) throw new ValidationError(`${where}: scratchPath must be an absolute path, got ${JSON.stringify(scratchPath)}`);
    for (const volume of given) {
      if (scratch && volume.name === SCRATCH_VOLUME_NAME) {
        throw new ValidationError(`${where}: volume name ${JSON.stringify(SCRATCH_VOLUME_NAME)} is the scratch volume's; rename the volume or set scratch: false`);
      }
      if (scratch && volume.containerPath === scratchPath) {
        throw new ValidationError(`${where}: volume ${JSON.stringify(volume.name)} is mounted at the scratch path ${scratchPath}; set scratchPath or scratch: false`);
      }
      if (this.platform === JobPlatform.FARGATE && volume instanceof batch.HostVolume && volume.hostPath !== undefined) {
        throw new ValidationError(
          `${where}: volume ${JSON.stringify(volume.name)} has hostPath ${JSON.stringify(volume.hostPath)}, which Fargate does not take; leave hostPath out for a volume on the task's ephemeral storage`,
        );
      }
    }
    if (props.ephemeralStorage !== undefined && readonlyRootFilesystem && !scratch && given.length === 0) {
      throw new ValidationError(`${where}: ephemeralStorage is given, but the root filesystem is read-only and no volume is mounted, so nothing can use it; keep scratch on or add a volume`);
    }
    return scratch ? [batch.EcsVolume.host({ name: SCRATCH_VOLUME_NAME, containerPath: scratchPath }), ...given] : [...given];
  }

  /** The job role, granted what the S3 parameters declare (a role of its own when one is needed and none given). */
  private grantParameters(props: JobDefinitionProps): iam.IRole | undefined {
    const access = (props.grantParameterAccess ?? true) ? parameterAccess(this._parameterSpecs) : { read: [], write: [] };
    if (access.read.length === 0 && access.write.length === 0) return props.jobRole;
    const role =
      props.jobRole ??
      new iam.Role(this, 'JobRole', {
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
        description: `pendant job ${props.name}: reads and writes what its parameters declare`,
      });
    if (props.jobRole === undefined) acknowledgeComplianceRule(role, 'IAMNoInlinePolicy', INLINE_POLICY_REASON);
    const partition = Stack.of(this).partition;
    const objects = (uris: typeof access.read) => uris.map((uri) => `arn:${partition}:s3:::${uri.bucket}/${uri.key}*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects(access.read) }));
    if (access.write.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: objects(access.write) }));
      const buckets = [...new Set(access.write.map((uri) => uri.bucket))];
      for (const bucket of buckets) {
        const keys = access.write.filter((uri) => uri.bucket === bucket).map((uri) => `${uri.key}*`);
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [`arn:${partition}:s3:::${bucket}`], conditions: { StringLike: { 's3:prefix': keys } } }),
        );
      }
    }
    const policy = role instanceof iam.Role ? role.node.tryFindChild('DefaultPolicy') : undefined;
    if (policy !== undefined && role instanceof iam.Role) {
      for (const object of new Set([...objects(access.read), ...objects(access.write)])) {
        acknowledgeWildcard(policy, { resource: object }, "a job's inputs and outputs are named at run time; the prefix is what its parameter declares with \"within\"");
      }
      acknowledgeOverflowPolicies(role);
    }
    return role;
  }
}

/**
 * First match wins (AWS Batch User Guide, "Automated job retries"): nothing after a catch-all EXIT is ever tried. Read
 * from the rendered CloudFormation, the only public form of aws-cdk-lib's retry strategies.
 */
function checkRetryOrder(where: string, definition: batch.EcsJobDefinition): void {
  const cfn = definition.node.defaultChild as batch.CfnJobDefinition;
  const rendered = Stack.of(definition).resolve(cfn.retryStrategy) as batch.CfnJobDefinition.RetryStrategyProperty | undefined;
  const rules = (rendered?.evaluateOnExit ?? []) as batch.CfnJobDefinition.EvaluateOnExitProperty[];
  const catchAll = rules.findIndex(
    (rule) => rule.action === (batch.Action.EXIT as string) && rule.onExitCode === '*' && rule.onStatusReason === undefined && rule.onReason === undefined,
  );
  if (catchAll !== -1 && catchAll < rules.length - 1) {
    throw new ValidationError(
      `${where}: retryStrategies[${catchAll}] exits on any exit code, so the ${rules.length - catchAll - 1} after it can never match; put the catch-all last`,
    );
  }
}

function defaultMemory(platform: JobPlatform, vcpus: number): Size {
  if (platform === JobPlatform.FARGATE) return Size.mebibytes(FARGATE_MEMORY[String(vcpus)].min);
  return Size.mebibytes(Math.ceil(vcpus * EC2_DEFAULT_MEBIBYTES_PER_VCPU));
}

function checkResources(where: string, platform: JobPlatform, vcpus: number, props: JobDefinitionProps): void {
  const attempts = props.retryAttempts;
  if (attempts !== undefined && !Token.isUnresolved(attempts) && (!Number.isInteger(attempts) || attempts < 1 || attempts > 10)) {
    throw new ValidationError(`${where}: retryAttempts must be an integer from 1 to 10, got ${attempts}`);
  }
  if (props.retryStrategies !== undefined && props.retryStrategies.length > 5) {
    throw new ValidationError(`${where}: at most 5 retryStrategies, got ${props.retryStrategies.length}`);
  }
  if (props.timeout !== undefined && !Token.isUnresolved(props.timeout.toSeconds()) && props.timeout.toSeconds() < 60) {
    throw new ValidationError(`${where}: timeout must be at least 60 seconds, got ${props.timeout.toHumanString()}`);
  }
  if (platform === JobPlatform.FARGATE) {
    if (props.gpus !== undefined) throw new ValidationError(`${where}: gpus need the EC2 platform; Fargate has no GPUs`);
    if (!FARGATE_VCPUS.includes(vcpus)) {
      throw new ValidationError(`${where}: Fargate vcpus must be one of ${FARGATE_VCPUS.join(', ')}, got ${vcpus}`);
    }
  } else if (props.ephemeralStorage !== undefined) {
    throw new ValidationError(`${where}: ephemeralStorage applies to Fargate only; size EC2 storage with the compute environment's root volume`);
  }
}

function checkMemory(where: string, platform: JobPlatform, vcpus: number, memory: Size): void {
  if (platform === JobPlatform.FARGATE) {
    const mebibytes = memory.toMebibytes();
    const allowed = FARGATE_MEMORY[String(vcpus)];
    if (!fargateMemoryFits(vcpus, mebibytes)) {
      const choices = allowed.only ? allowed.only.join(', ') : `${allowed.min} to ${allowed.max} in steps of ${allowed.step}`;
      throw new ValidationError(`${where}: Fargate with ${vcpus} vCPU takes ${choices} MiB of memory, got ${mebibytes}`);
    }
  }
}
