import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Duration, Fn, Size, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { JobPlatform } from './compute-environment';
import {
  checkParameterSpecs,
  findParameterReferences,
  isValidName,
  ParameterSpecs,
  renderDefaults,
  ValidationError,
} from './model';

export interface JobDefinitionProps {
  /**
   * The job definition's name in AWS Batch, and the name requests to the runtime functions use. Each deploy that
   * changes the definition registers a new revision under this name.
   */
  readonly name: string;
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
  readonly parameters?: ParameterSpecs;
  /**
   * Which compute the definition runs on; it must match its queues' compute environments.
   * @default JobPlatform.FARGATE
   */
  readonly platform?: JobPlatform;
  /** @default 1 */
  readonly vcpus?: number;
  /** @default Size.gibibytes(2) */
  readonly memory?: Size;
  /**
   * EC2 only: GPUs to reserve.
   * @default - none
   */
  readonly gpus?: number;
  /** @default - none */
  readonly environment?: Record<string, string>;
  /** Environment variables read from Secrets Manager or SSM at start; the execution role is granted read. @default - none */
  readonly secrets?: Record<string, batch.Secret>;
  /**
   * Fargate only: ephemeral storage, 21 to 200 GiB.
   * @default - Fargate's 20 GiB
   */
  readonly ephemeralStorage?: Size;
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
   * When to retry. At most five.
   * @default - retry when an EC2 Spot instance is reclaimed (`Host EC2*`), exit on any application exit code
   */
  readonly retryStrategies?: batch.RetryStrategy[];
  /**
   * Mount the container's root filesystem read-only: jobs write to volumes or S3, not to the image.
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;
  /** The role the job's code runs as. @default - none: the job has no AWS permissions */
  readonly jobRole?: iam.IRole;
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
  /**
   * Keep the previous revision ACTIVE when a deploy registers a new one, so submissions that pin it still work.
   * @default true
   */
  readonly keepPreviousRevisions?: boolean;
}

/** Fargate's valid vCPU and memory (MiB) pairs. */
const FARGATE_MEMORY: Record<string, { min: number; max: number; step: number; only?: number[] }> = {
  '0.25': { min: 512, max: 2048, step: 512, only: [512, 1024, 2048] },
  '0.5': { min: 1024, max: 4096, step: 1024 },
  '1': { min: 2048, max: 8192, step: 1024 },
  '2': { min: 4096, max: 16384, step: 1024 },
  '4': { min: 8192, max: 30720, step: 1024 },
  '8': { min: 16384, max: 61440, step: 4096 },
  '16': { min: 32768, max: 122880, step: 8192 },
};

/**
 * An AWS Batch job definition whose parameters are declared once and typed, on aws-cdk-lib's `EcsJobDefinition`.
 *
 * Secure by default: read-only root filesystem, no public IP, logs to a log group with retention. Each deploy that
 * changes it registers a new revision and, by default, keeps the previous one ACTIVE.
 *
 * @example
 * new JobDefinition(this, 'Demo', {
 *   name: 'demo-job',
 *   image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'),
 *   command: ['sh', '-c', 'echo Ref::input_object'],
 *   parameters: { input_object: Parameter.s3Object({ mustExist: true, within: ['s3://my-inputs/'] }) },
 * });
 */
export class JobDefinition extends Construct {
  /** The name requests use, and the job definition's name in Batch. */
  public readonly name: string;
  public readonly platform: JobPlatform;
  public readonly parameters: ParameterSpecs;
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
    this.platform = props.platform ?? JobPlatform.FARGATE;
    this.parameters = props.parameters ?? {};
    checkParameters(where, this.parameters, props.command);
    const vcpus = props.vcpus ?? 1;
    const memory = props.memory ?? Size.gibibytes(2);
    checkResources(where, this.platform, vcpus, memory, props);

    this.logGroup = props.logGroup ?? new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_MONTH });
    this.executionRole = props.executionRole ?? new iam.Role(this, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

    const containerProps = {
      image: props.image,
      command: props.command,
      cpu: vcpus,
      memory,
      environment: props.environment,
      secrets: props.secrets,
      executionRole: this.executionRole,
      jobRole: props.jobRole,
      readonlyRootFilesystem: props.readonlyRootFilesystem ?? true,
      logging: ecs.LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix: props.name }),
    };
    const container =
      this.platform === JobPlatform.FARGATE
        ? new batch.EcsFargateContainerDefinition(this, 'Container', {
            ...containerProps,
            assignPublicIp: false,
            ephemeralStorageSize: props.ephemeralStorage,
          })
        : new batch.EcsEc2ContainerDefinition(this, 'Container', { ...containerProps, gpu: props.gpus });

    this.jobDefinition = new batch.EcsJobDefinition(this, 'Resource', {
      jobDefinitionName: props.name,
      container,
      parameters: renderDefaults(this.parameters),
      timeout: props.timeout,
      retryAttempts: props.retryAttempts ?? 3,
      retryStrategies: props.retryStrategies ?? [
        batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
        batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.NON_ZERO_EXIT_CODE),
      ],
      skipDeregisterOnUpdate: props.keepPreviousRevisions ?? true,
    });
    this.jobDefinitionArn = this.jobDefinition.jobDefinitionArn;
    // arn:<partition>:batch:<region>:<account>:job-definition/<name>:<revision> — the seventh field is the revision.
    this.revision = Fn.select(6, Fn.split(':', this.jobDefinitionArn));
  }
}

function checkParameters(where: string, parameters: ParameterSpecs, command: readonly string[] | undefined): void {
  const problems = checkParameterSpecs(parameters);
  const referenced = findParameterReferences(command ?? []);
  for (const name of referenced) {
    if (!(name in parameters)) problems.push(`the command references Ref::${name}, but ${name} is not a declared parameter`);
  }
  for (const name of Object.keys(parameters)) {
    if (!referenced.includes(name)) problems.push(`parameter ${name} is declared but no command uses Ref::${name}`);
  }
  for (const [name, spec] of Object.entries(parameters)) {
    if (spec.type === 's3-object' && spec.mustExist && (spec.within === undefined || spec.within.length === 0)) {
      problems.push(`parameter ${name} must exist, so it needs "within": the S3 prefixes the runtime functions may read`);
    }
  }
  if (problems.length > 0) throw new ValidationError(`${where}: ${problems.join('; ')}`);
}

function checkResources(where: string, platform: JobPlatform, vcpus: number, memory: Size, props: JobDefinitionProps): void {
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
    const mebibytes = memory.toMebibytes();
    const allowed = FARGATE_MEMORY[String(vcpus)];
    if (allowed === undefined) {
      // Numeric order: Object.keys lists integer-like keys ('1', '2', …) before '0.25' and '0.5'.
      const choices = Object.keys(FARGATE_MEMORY).map(Number).sort((a, b) => a - b);
      throw new ValidationError(`${where}: Fargate vcpus must be one of ${choices.join(', ')}, got ${vcpus}`);
    }
    const fits = allowed.only
      ? allowed.only.includes(mebibytes)
      : mebibytes >= allowed.min && mebibytes <= allowed.max && (mebibytes - allowed.min) % allowed.step === 0;
    if (!fits) {
      const choices = allowed.only ? allowed.only.join(', ') : `${allowed.min} to ${allowed.max} in steps of ${allowed.step}`;
      throw new ValidationError(`${where}: Fargate with ${vcpus} vCPU takes ${choices} MiB of memory, got ${mebibytes}`);
    }
  } else if (props.ephemeralStorage !== undefined) {
    throw new ValidationError(`${where}: ephemeralStorage applies to Fargate only; size EC2 storage with the compute environment's root volume`);
  }
}
