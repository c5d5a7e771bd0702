import type * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ArnFormat, Aws, Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ComputeEnvironment, ComputeEnvironmentOptions, ComputeKind, CpuArchitecture, JobPlatform, platformOf } from './compute-environment';
import { IJobDefinitionDeclaration, JobDefinition, JobDefinitionOptions } from './job-definition';
import { JobQueue, JobQueueOptions } from './job-queue';
import { MultiNodeJobDefinition, MultiNodeJobDefinitionProps } from './multi-node-job-definition';
import { multiNodeDefinitions } from './private/platform-multi-node';
import { ValidationError } from './model/errors';
import { acknowledgeComplianceRule, INLINE_POLICY_REASON } from './private/acknowledge';
import { checkPlacement } from './private/placement';
import { describeQueue } from './private/queue-facts';
import { FunctionConcurrency, IRuntimeFunctions, RuntimeFunctions } from './runtime-functions';

/** A queue of a platform: its compute, by kind, in the order Batch tries it, and the queue's own options. */
export interface PlatformQueueOptions extends JobQueueOptions {
  /** The queue's construct id, and the name requests may give as `jobQueue` when `jobQueueName` is set. */
  readonly id: string;
  /** Compute kinds in order: all Fargate or all EC2, at most three. */
  readonly compute: ComputeKind[];
}

/** A job definition of a platform; its execution role and log group are the platform's. */
export interface PlatformJobDefinitionOptions extends JobDefinitionOptions {}

/**
 * Settings per compute kind, shared by every queue of the platform that uses the kind. One property per kind (rather
 * than a map keyed by `ComputeKind`) so that every jsii language can spell it.
 */
export interface PlatformComputeEnvironments {
  /** @default - the kind's defaults */
  readonly fargate?: ComputeEnvironmentOptions;
  /** @default - the kind's defaults */
  readonly fargateSpot?: ComputeEnvironmentOptions;
  /** @default - the kind's defaults */
  readonly ec2?: ComputeEnvironmentOptions;
  /** @default - the kind's defaults */
  readonly ec2Spot?: ComputeEnvironmentOptions;
}

export interface BatchPlatformProps {
  /**
   * The VPC the compute runs in.
   * @default - a new VPC over two availability zones, one NAT gateway, and flow logs of all its traffic
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The queues the platform makes; the first is the one submit uses when a request names none. May be empty when
   * `additionalJobQueues` holds a queue.
   */
  readonly jobQueues: PlatformQueueOptions[];
  /**
   * Queues of yours the runtime functions submit to as well, after the platform's own (the first is the default
   * when the platform makes none): an aws-cdk-lib `batch.JobQueue` over compute environments of yours, or an import
   * (`JobQueue.fromJobQueueAttributes` declares its platform). Queues of EKS compute environments are refused: the
   * runtime functions submit ECS job definitions.
   * @default - none
   */
  readonly additionalJobQueues?: batch.IJobQueue[];
  /** The job definitions the platform makes, which the runtime functions validate and submit. */
  readonly jobDefinitions?: PlatformJobDefinitionOptions[];
  /**
   * Job definitions of yours the runtime functions validate and submit as well: `JobDefinition.fromEcsJobDefinition`
   * over an aws-cdk-lib `EcsJobDefinition` with its declared parameters, or `JobDefinition.fromJobDefinitionArn`.
   * The logs function reads the platform's job log group only, so send their logs to `jobLogGroup` to read them.
   * @default - none
   */
  readonly additionalJobDefinitions?: IJobDefinitionDeclaration[];
  /**
   * Multi-node parallel job definitions (EC2 only); their execution role and log group are the platform's.
   * @default - none
   */
  readonly multiNodeJobDefinitions?: MultiNodeJobDefinitionProps[];
  /**
   * Settings per compute kind, shared by every queue that uses the kind.
   * @default - each kind's defaults (64 vCPUs at most, private subnets)
   */
  readonly computeEnvironments?: PlatformComputeEnvironments;
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
  /**
   * How long the flow logs of the VPC the platform makes are kept (none are made for a VPC you pass).
   * @default logs.RetentionDays.ONE_YEAR - the audit trail history PCI DSS (requirement 10.7) asks for
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * Reserved concurrency of each runtime function: a cap on what callers may take of the account's Lambda
   * concurrency and of the AWS request rates the functions spend, and a guarantee that they get it.
   * @default - submit, validate and status 10, logs, terminate and describe 5 (the registry's defaults)
   */
  readonly functionReservedConcurrency?: FunctionConcurrency;
  /** The most bytes one logs response holds. @default 4 MiB */
  readonly logsMaxResponseBytes?: number;
  /** How long submit remembers an idempotency key (one day to a month). @default Duration.days(1) */
  readonly idempotencyWindow?: Duration;
  /**
   * The longest ListJobs is assumed to lag behind SubmitJob, which a keyed submission waits out before it submits
   * again after a lost answer. @default Duration.seconds(30)
   */
  readonly listJobsLagBound?: Duration;
}

/**
 * An AWS Batch platform in a few lines: compute environments, queues and typed job definitions on aws-cdk-lib's
 * `aws_batch` constructs, one encrypted job log group, one execution role shared by every job definition (so a stack
 * holds hundreds of them), and the runtime functions configured with exactly what was deployed.
 *
 * @exampleMetadata fixture=construct
 * @example
 * const platform = new BatchPlatform(this, 'Platform', {
 *   jobQueues: [{ id: 'Default', compute: [ComputeKind.FARGATE_SPOT, ComputeKind.FARGATE] }],
 *   jobDefinitions: [{ name: 'demo-job', image, command: ['run', 'Ref::input'], parameters }],
 * });
 * platform.grantSubmit(caller);
 */
export class BatchPlatform extends Construct implements IRuntimeFunctions {
  public readonly vpc: ec2.IVpc;
  /**
   * Encrypts the job log group, the functions' log groups and the flow logs; CloudWatch Logs may use it for those log
   * groups only.
   */
  public readonly logKey: kms.Key;
  /**
   * The start of the names of every log group the platform makes (`<prefix>/jobs`, `<prefix>/submit`…):
   * `/pendant/<stack name>/<the platform's path in the stack>`.
   */
  public readonly logGroupNamePrefix: string;
  /** Where every job of the platform writes its output. */
  public readonly jobLogGroup: logs.LogGroup;
  /** The role ECS uses to pull images and write logs, shared by every job definition. */
  public readonly executionRole: iam.Role;
  /** One per compute kind the queues use, in the order the queues first name them. */
  public readonly computeEnvironments: ComputeEnvironment[];
  public readonly jobQueues: JobQueue[];
  public readonly jobDefinitions: JobDefinition[];
  public readonly multiNodeJobDefinitions: MultiNodeJobDefinition[];
  public readonly runtime: RuntimeFunctions;

  public constructor(scope: Construct, id: string, props: BatchPlatformProps) {
    super(scope, id);
    const additionalQueues = props.additionalJobQueues ?? [];
    const additionalDefinitions = props.additionalJobDefinitions ?? [];
    if (props.jobQueues.length === 0 && additionalQueues.length === 0) {
      throw new ValidationError(`platform ${this.node.path}: jobQueues must hold at least one queue, or additionalJobQueues one of yours`);
    }
    // Caught here rather than by the construct tree, whose error names neither the prop nor the queue.
    const queueIds = props.jobQueues.map((queue) => queue.id);
    const duplicateQueue = queueIds.find((queueId, index) => queueIds.indexOf(queueId) !== index);
    if (duplicateQueue !== undefined) {
      throw new ValidationError(`platform ${this.node.path}: jobQueues holds two queues with id ${JSON.stringify(duplicateQueue)}; each queue needs an id of its own`);
    }

    const stack = Stack.of(this);
    // Names the key policy can hold before the log groups exist: the groups refer to the key, so the policy cannot
    // refer to them. The stack's name keeps two deployments of one app in an account apart.
    this.logGroupNamePrefix = `/pendant/${Aws.STACK_NAME}/${pathInStack(this)}`;
    this.logKey = new kms.Key(this, 'LogKey', { enableKeyRotation: true, description: `pendant ${this.node.path}: log encryption` });
    const logGroupNames: string[] = [];
    if (props.vpc === undefined) {
      const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
        logGroupName: `${this.logGroupNamePrefix}/vpc-flow-logs`,
        retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
        encryptionKey: this.logKey,
      });
      logGroupNames.push(`${this.logGroupNamePrefix}/vpc-flow-logs`);
      this.vpc = this.makeVpc(flowLogGroup);
    } else {
      this.vpc = props.vpc;
    }
    this.jobLogGroup = new logs.LogGroup(this, 'JobLogGroup', {
      logGroupName: `${this.logGroupNamePrefix}/jobs`,
      retention: props.jobLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: this.logKey,
    });
    logGroupNames.push(`${this.logGroupNamePrefix}/jobs`);
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'pendant: pulls job images and writes job logs',
    });
    acknowledgeComplianceRule(this.executionRole, 'IAMNoInlinePolicy', INLINE_POLICY_REASON);

    const environments = new Map<ComputeKind, ComputeEnvironment>();
    const ec2Architecture = defaultEc2Architecture(props);
    for (const kind of props.jobQueues.flatMap((queue) => queue.compute)) {
      if (environments.has(kind)) continue;
      const settings = props.computeEnvironments?.[SETTINGS_KEY[kind]];
      const architecture =
        platformOf(kind) === JobPlatform.EC2 && settings?.instanceTypes === undefined ? (settings?.architecture ?? ec2Architecture) : settings?.architecture;
      const environment = new ComputeEnvironment(this, computeId(kind), { ...settings, architecture, kind, vpc: this.vpc });
      if (environment.instanceRole) this.jobLogGroup.grantWrite(environment.instanceRole);
      environments.set(kind, environment);
    }
    this.computeEnvironments = [...environments.values()];

    this.jobQueues = props.jobQueues.map(({ id: queueId, compute, ...options }) => {
      return new JobQueue(this, queueId, { ...options, computeEnvironments: compute.map((kind) => environments.get(kind)!) });
    });

    // Checked before any definition is made: a repeated name would otherwise fail first as a construct id clash.
    const names = [...(props.jobDefinitions ?? []).map((options) => options.name), ...additionalDefinitions.map((definition) => definition.name)];
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate !== undefined) throw new ValidationError(`platform ${this.node.path}: job definition ${JSON.stringify(duplicate)} is declared twice`);

    // Where the definitions may run: the platform's queues, and the queues of yours whose platform is known. A queue
    // of yours of unknown platform may run either, so then nothing is refused.
    const additionalPlatforms = additionalQueues.map((queue) => describeQueue(queue).platform);
    const platforms = new Set<string | undefined>([...this.jobQueues.map((queue) => queue.platform), ...additionalPlatforms]);
    const firstPlatform = this.jobQueues[0]?.platform ?? (additionalPlatforms[0] === JobPlatform.EC2 ? JobPlatform.EC2 : JobPlatform.FARGATE);
    this.jobDefinitions = (props.jobDefinitions ?? []).map((options) => {
      const platform = options.platform ?? firstPlatform;
      if (!platforms.has(platform) && !platforms.has(undefined)) {
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
    const queues = [...this.jobQueues, ...additionalQueues];
    checkPlacement(`platform ${this.node.path}`, [...this.jobDefinitions, ...additionalDefinitions], queues);
    this.multiNodeJobDefinitions = multiNodeDefinitions(this, props.multiNodeJobDefinitions ?? [], names, queues);
    this.runtime = new RuntimeFunctions(this, 'Runtime', {
      jobDefinitions: [...this.jobDefinitions, ...additionalDefinitions],
      multiNodeJobDefinitions: this.multiNodeJobDefinitions,
      jobQueues: queues,
      jobLogGroup: this.jobLogGroup,
      logRetention: props.functionLogRetention,
      logGroupNamePrefix: this.logGroupNamePrefix,
      logEncryptionKey: this.logKey,
      reservedConcurrency: props.functionReservedConcurrency,
      logsMaxResponseBytes: props.logsMaxResponseBytes,
      idempotencyWindow: props.idempotencyWindow,
      listJobsLagBound: props.listJobsLagBound,
    });
    this.logKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfThisPlatform',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          // CloudWatch Logs names the log group in the encryption context as arn:…:log-group:<name>, colon-separated
          // and without the :* of IAM's log-group ARNs (CloudWatch Logs User Guide, "Encrypt log data in CloudWatch
          // Logs using AWS Key Management Service"). Listing the platform's groups keeps every other log group of
          // the account from being encrypted, or read back, with this key.
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': [...logGroupNames, ...this.runtime.logGroupNames].map((name) =>
              stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
            ),
          },
        },
      }),
    );
  }

  public get validateFunction(): lambda.IFunction {
    return this.runtime.validateFunction;
  }

  public get submitFunction(): lambda.IFunction {
    return this.runtime.submitFunction;
  }

  public get statusFunction(): lambda.IFunction {
    return this.runtime.statusFunction;
  }

  public get logsFunction(): lambda.IFunction {
    return this.runtime.logsFunction;
  }

  public get terminateFunction(): lambda.IFunction {
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

  public functionFor(operation: string): lambda.IFunction {
    return this.runtime.functionFor(operation);
  }

  public grantInvoke(operation: string, grantee: iam.IGrantable): iam.Grant {
    return this.runtime.grantInvoke(operation, grantee);
  }

  /** The compute environment of this kind. */
  public computeEnvironment(kind: ComputeKind): ComputeEnvironment {
    const environment = this.computeEnvironments.find((candidate) => candidate.kind === kind);
    if (environment === undefined) {
      throw new ValidationError(
        `platform ${this.node.path}: no ${kind} compute environment; no queue uses it (compute environments: ${this.computeEnvironments.map((e) => e.kind).join(', ')})`,
      );
    }
    return environment;
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

  private makeVpc(flowLogGroup: logs.ILogGroup): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      // Every compute environment has a security group of its own and the functions run outside the VPC, so nothing
      // uses the default group. Restricting it (cdk init's `@aws-cdk/aws-ec2:restrictDefaultSecurityGroup` flag) takes
      // a custom-resource Lambda in every stack: stated here, the template is the same whatever the app's flags.
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        // The public subnets hold only the NAT gateway, whose address is an Elastic IP: nothing launched there needs
        // a public address of its own.
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ],
    });
    // All traffic, accepted as well: what a job reached is the record an investigation needs, not only what it was
    // refused.
    const flowLog = vpc.addFlowLog('FlowLog', {
      trafficType: ec2.FlowLogTrafficType.ALL,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
    });
    acknowledgeComplianceRule(
      flowLog,
      'IAMNoInlinePolicy',
      'aws-cdk-lib makes the flow log role and its inline policy, which lets VPC Flow Logs write to this one log group only and goes with the flow log',
    );
    acknowledgeComplianceRule(
      vpc,
      'VPCDefaultSecurityGroupClosed',
      "no pendant resource uses the VPC's default security group (each compute environment has its own); closing it takes a custom resource with a Lambda function of its own, so pass a vpc of yours to have it closed",
    );
    for (const subnet of vpc.publicSubnets) {
      acknowledgeComplianceRule(
        subnet,
        'VPCNoUnrestrictedRouteToIGW',
        "the public subnet's route to the internet gateway is what lets the NAT gateway in it give the private subnets, where the jobs run, their way out to image registries and AWS APIs",
      );
    }
    return vpc;
  }
}

/**
 * The architecture of EC2 environments left to Batch's default instance classes: Graviton only when every EC2
 * definition is ARM64, x86 otherwise (a mix then fails the placement check, naming the definitions).
 */
function defaultEc2Architecture(props: BatchPlatformProps): CpuArchitecture {
  const firstPlatform = platformOf(props.jobQueues[0]?.compute[0] ?? ComputeKind.FARGATE);
  const ec2 = (props.jobDefinitions ?? []).filter((definition) => (definition.platform ?? firstPlatform) === JobPlatform.EC2);
  const allArm = ec2.length > 0 && ec2.every((definition) => definition.architecture === CpuArchitecture.ARM64);
  return allArm ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64;
}

/** The platform's path below its stack, in the characters a log group name allows. */
function pathInStack(scope: Construct): string {
  const stack = Stack.of(scope);
  const scopes = scope.node.scopes;
  return scopes
    .slice(scopes.indexOf(stack) + 1)
    .map((construct) => construct.node.id.replace(/[^A-Za-z0-9_.#-]/g, '-'))
    .join('/');
}

/** Where `BatchPlatformProps.computeEnvironments` holds the settings of each kind. */
const SETTINGS_KEY: Record<ComputeKind, keyof PlatformComputeEnvironments> = {
  [ComputeKind.FARGATE]: 'fargate',
  [ComputeKind.FARGATE_SPOT]: 'fargateSpot',
  [ComputeKind.EC2]: 'ec2',
  [ComputeKind.EC2_SPOT]: 'ec2Spot',
};

function computeId(kind: ComputeKind): string {
  const ids: Record<ComputeKind, string> = {
    [ComputeKind.FARGATE]: 'Fargate',
    [ComputeKind.FARGATE_SPOT]: 'FargateSpot',
    [ComputeKind.EC2]: 'Ec2',
    [ComputeKind.EC2_SPOT]: 'Ec2Spot',
  };
  return ids[kind];
}

