import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ComputeEnvironment, ComputeEnvironmentProps, ComputeKind } from './compute-environment';
import { JobDefinition, JobDefinitionProps } from './job-definition';
import { JobQueue, JobQueueProps } from './job-queue';
import { ValidationError } from './model';
import { IRuntimeFunctions, RuntimeFunctions } from './runtime-functions';

/** A queue of a platform: its compute, by kind, in the order Batch tries it, and the queue's own options. */
export interface PlatformQueueOptions extends Omit<JobQueueProps, 'computeEnvironments'> {
  /** The queue's construct id, and the name requests may give as `jobQueue` when `jobQueueName` is set. */
  readonly id: string;
  /** Compute kinds in order: all Fargate or all EC2, at most three. */
  readonly compute: ComputeKind[];
}

/** A job definition of a platform; its execution role and log group are the platform's. */
export interface PlatformJobDefinitionOptions extends Omit<JobDefinitionProps, 'executionRole' | 'logGroup'> {}

export interface BatchPlatformProps {
  /**
   * The VPC the compute runs in.
   * @default - a new VPC over two availability zones, one NAT gateway, and flow logs of rejected traffic
   */
  readonly vpc?: ec2.IVpc;
  /** The queues; the first is the one submit uses when a request names none. */
  readonly jobQueues: PlatformQueueOptions[];
  /** The job definitions the runtime functions validate and submit. */
  readonly jobDefinitions?: PlatformJobDefinitionOptions[];
  /**
   * Settings per compute kind, shared by every queue that uses the kind.
   * @default - each kind's defaults (64 vCPUs at most, private subnets)
   */
  readonly computeEnvironments?: Partial<Record<ComputeKind, Omit<ComputeEnvironmentProps, 'kind' | 'vpc'>>>;
  /**
   * How long job output is kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly jobLogRetention?: logs.RetentionDays;
  /**
   * How long the runtime functions' own logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly functionLogRetention?: logs.RetentionDays;
  /** The most bytes one logs response holds. @default 4 MiB */
  readonly logsMaxResponseBytes?: number;
  /** How long submit remembers an idempotency key (one day to a month). @default Duration.days(1) */
  readonly idempotencyWindow?: Duration;
}

/**
 * An AWS Batch platform in a few lines: compute environments, queues and typed job definitions on aws-cdk-lib's
 * `aws_batch` constructs, one encrypted job log group, one execution role shared by every job definition (so a stack
 * holds hundreds of them), and the five runtime functions configured with exactly what was deployed.
 *
 * @example
 * const platform = new BatchPlatform(this, 'Platform', {
 *   jobQueues: [{ id: 'Default', compute: [ComputeKind.FARGATE_SPOT, ComputeKind.FARGATE] }],
 *   jobDefinitions: [{ name: 'demo-job', image, command: ['run', 'Ref::input'], parameters }],
 * });
 * platform.grantSubmit(caller);
 */
export class BatchPlatform extends Construct implements IRuntimeFunctions {
  public readonly vpc: ec2.IVpc;
  /** Encrypts the job log group and the functions' log groups. */
  public readonly logKey: kms.Key;
  /** Where every job of the platform writes its output. */
  public readonly jobLogGroup: logs.LogGroup;
  /** The role ECS uses to pull images and write logs, shared by every job definition. */
  public readonly executionRole: iam.Role;
  public readonly computeEnvironments: ReadonlyMap<ComputeKind, ComputeEnvironment>;
  public readonly jobQueues: readonly JobQueue[];
  public readonly jobDefinitions: readonly JobDefinition[];
  public readonly runtime: RuntimeFunctions;

  public constructor(scope: Construct, id: string, props: BatchPlatformProps) {
    super(scope, id);
    if (props.jobQueues.length === 0) throw new ValidationError(`platform ${this.node.path}: jobQueues must hold at least one queue`);
    // Caught here rather than by the construct tree, whose error names neither the prop nor the queue.
    const queueIds = props.jobQueues.map((queue) => queue.id);
    const duplicateQueue = queueIds.find((queueId, index) => queueIds.indexOf(queueId) !== index);
    if (duplicateQueue !== undefined) {
      throw new ValidationError(`platform ${this.node.path}: jobQueues holds two queues with id ${JSON.stringify(duplicateQueue)}; each queue needs an id of its own`);
    }

    this.vpc = props.vpc ?? this.makeVpc();
    this.logKey = new kms.Key(this, 'LogKey', { enableKeyRotation: true, description: `pendant ${this.node.path}: log encryption` });
    const stack = Stack.of(this);
    this.logKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          // Log group ARNs are colon-separated (log-group:<name>); the default slash form would never match.
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.jobLogGroup = new logs.LogGroup(this, 'JobLogGroup', {
      retention: props.jobLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: this.logKey,
    });
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'pendant: pulls job images and writes job logs',
    });

    const environments = new Map<ComputeKind, ComputeEnvironment>();
    for (const kind of props.jobQueues.flatMap((queue) => queue.compute)) {
      if (environments.has(kind)) continue;
      const environment = new ComputeEnvironment(this, computeId(kind), { ...props.computeEnvironments?.[kind], kind, vpc: this.vpc });
      if (environment.instanceRole) this.jobLogGroup.grantWrite(environment.instanceRole);
      environments.set(kind, environment);
    }
    this.computeEnvironments = environments;

    this.jobQueues = props.jobQueues.map(({ id: queueId, compute, ...options }) => {
      return new JobQueue(this, queueId, { ...options, computeEnvironments: compute.map((kind) => environments.get(kind)!) });
    });

    // Checked before any definition is made: a repeated name would otherwise fail first as a construct id clash.
    const names = (props.jobDefinitions ?? []).map((options) => options.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate !== undefined) throw new ValidationError(`platform ${this.node.path}: job definition ${JSON.stringify(duplicate)} is declared twice`);

    const platforms = new Set(this.jobQueues.map((queue) => queue.platform));
    this.jobDefinitions = (props.jobDefinitions ?? []).map((options) => {
      const platform = options.platform ?? this.jobQueues[0].platform;
      if (!platforms.has(platform)) {
        throw new ValidationError(
          `platform ${this.node.path}: job definition ${JSON.stringify(options.name)} runs on ${platform}, but no queue of the platform does`,
        );
      }
      return new JobDefinition(this, `JobDefinition-${options.name}`, {
        ...options,
        platform,
        executionRole: this.executionRole,
        logGroup: this.jobLogGroup,
      });
    });
    this.runtime = new RuntimeFunctions(this, 'Runtime', {
      jobDefinitions: this.jobDefinitions,
      jobQueues: this.jobQueues,
      jobLogGroup: this.jobLogGroup,
      logRetention: props.functionLogRetention,
      logEncryptionKey: this.logKey,
      logsMaxResponseBytes: props.logsMaxResponseBytes,
      idempotencyWindow: props.idempotencyWindow,
    });
  }

  public get validateFunction(): lambda.Function {
    return this.runtime.validateFunction;
  }

  public get submitFunction(): lambda.Function {
    return this.runtime.submitFunction;
  }

  public get statusFunction(): lambda.Function {
    return this.runtime.statusFunction;
  }

  public get logsFunction(): lambda.Function {
    return this.runtime.logsFunction;
  }

  public get terminateFunction(): lambda.Function {
    return this.runtime.terminateFunction;
  }

  public grantValidate(grantee: iam.IGrantable): iam.Grant {
    return this.runtime.grantValidate(grantee);
  }

  public grantSubmit(grantee: iam.IGrantable): iam.Grant {
    return this.runtime.grantSubmit(grantee);
  }

  public grantStatus(grantee: iam.IGrantable): iam.Grant {
    return this.runtime.grantStatus(grantee);
  }

  public grantLogs(grantee: iam.IGrantable): iam.Grant {
    return this.runtime.grantLogs(grantee);
  }

  public grantTerminate(grantee: iam.IGrantable): iam.Grant {
    return this.runtime.grantTerminate(grantee);
  }

  /** The queue with this construct id. */
  public jobQueue(id: string): JobQueue {
    const queue = this.jobQueues.find((candidate) => candidate.node.id === id);
    if (queue === undefined) {
      throw new ValidationError(`platform ${this.node.path}: no job queue ${JSON.stringify(id)}; queues: ${this.jobQueues.map((q) => q.node.id).join(', ')}`);
    }
    return queue;
  }

  /** The job definition with this name. */
  public jobDefinition(name: string): JobDefinition {
    const definition = this.jobDefinitions.find((candidate) => candidate.name === name);
    if (definition === undefined) {
      throw new ValidationError(
        `platform ${this.node.path}: no job definition ${JSON.stringify(name)}; definitions: ${this.jobDefinitions.map((d) => d.name).join(', ') || '(none)'}`,
      );
    }
    return definition;
  }

  private makeVpc(): ec2.Vpc {
    // Every compute environment gets a security group of its own and the functions run outside the VPC, so nothing
    // uses the default group. Restricting it (what cdk init's `@aws-cdk/aws-ec2:restrictDefaultSecurityGroup` flag
    // asks) takes a custom-resource Lambda with no log retention in every stack: stated here, the template is the
    // same whatever the app's flags. Pass your own `vpc` to restrict it.
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1, restrictDefaultSecurityGroup: false });
    vpc.addFlowLog('FlowLog', { trafficType: ec2.FlowLogTrafficType.REJECT });
    return vpc;
  }
}

function computeId(kind: ComputeKind): string {
  const ids: Record<ComputeKind, string> = {
    [ComputeKind.FARGATE]: 'Fargate',
    [ComputeKind.FARGATE_SPOT]: 'FargateSpot',
    [ComputeKind.EC2]: 'Ec2',
    [ComputeKind.EC2_SPOT]: 'Ec2Spot',
  };
  return ids[kind];
}

