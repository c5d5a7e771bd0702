import type * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ArnFormat, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { createHash } from 'node:crypto';
import type { IJobDefinitionDeclaration } from './job-definition';
import type { MultiNodeJobDefinition } from './multi-node-job-definition';
import { encodeConfig, ENV, PLATFORM_TAG } from './model/config';
import { ValidationError } from './model/errors';
import { expiringTable } from './private/expiring-table';
import { acknowledgeComplianceRule, acknowledgeOverflowPolicies, acknowledgeWildcard, INLINE_POLICY_REASON } from './private/acknowledge';
import { checkPlacement } from './private/placement';
import { handlerCode, Operation } from './private/handler-code';
import { definitionEntry, mustExistPrefixes, queueEntry } from './private/declarations';
import { checkIdempotencyWindow, checkListJobsLagBound, checkLogsMaxResponseBytes, checkPlatformId, checkReservedConcurrency } from './private/runtime-checks';

/** What another stack needs to call a platform's runtime functions. */
export interface IRuntimeFunctions {
  readonly validateFunction: lambda.IFunction;
  readonly submitFunction: lambda.IFunction;
  readonly statusFunction: lambda.IFunction;
  readonly logsFunction: lambda.IFunction;
  readonly terminateFunction: lambda.IFunction;
  /** Lets `grantee` invoke the validate function. */
  grantValidate(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` invoke the submit function. */
  grantSubmit(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` invoke the status function. */
  grantStatus(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` invoke the logs function. */
  grantLogs(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` invoke the terminate function. */
  grantTerminate(grantee: iam.IGrantable): iam.Grant;
}

/**
 * The ARNs of a platform's runtime functions, e.g. from another stack's outputs or from SSM: only those of the
 * functions the caller uses need be given (submit alone, say).
 */
export interface RuntimeFunctionsAttributes {
  /** @default - none: `validateFunction` and `grantValidate` throw */
  readonly validateFunctionArn?: string;
  /** @default - none: `submitFunction` and `grantSubmit` throw */
  readonly submitFunctionArn?: string;
  /** @default - none: `statusFunction` and `grantStatus` throw */
  readonly statusFunctionArn?: string;
  /** @default - none: `logsFunction` and `grantLogs` throw */
  readonly logsFunctionArn?: string;
  /** @default - none: `terminateFunction` and `grantTerminate` throw */
  readonly terminateFunctionArn?: string;
}

/**
 * A function's reserved concurrency: a number both caps the function and sets that many of the account's concurrent
 * executions aside for it; `'unreserved'` leaves it on the account's shared pool, uncapped. Lambda keeps at least 100
 * of the account's concurrency unreserved, so an account whose quota is low (new accounts' often is) may need it.
 */
export type ReservedConcurrency = number | 'unreserved';

/** Reserved concurrency per runtime function (Lambda Developer Guide, "Configuring reserved concurrency"). */
export interface FunctionConcurrency {
  /** @default 10 */
  readonly validate?: ReservedConcurrency;
  /** @default 10 */
  readonly submit?: ReservedConcurrency;
  /** @default 10 */
  readonly status?: ReservedConcurrency;
  /** @default 5 */
  readonly logs?: ReservedConcurrency;
  /** @default 5 */
  readonly terminate?: ReservedConcurrency;
}

export interface RuntimeFunctionsProps {
  /**
   * The job definitions the functions validate and submit: pendant's `JobDefinition`s, or definitions of yours made
   * with `JobDefinition.fromEcsJobDefinition` or `JobDefinition.fromJobDefinitionArn`.
   */
  readonly jobDefinitions: IJobDefinitionDeclaration[];
  /** Multi-node parallel job definitions the functions validate and submit too. @default - none */
  readonly multiNodeJobDefinitions?: MultiNodeJobDefinition[];
  /**
   * The queues submit may use; the first is the default. pendant's `JobQueue`s, or any aws-cdk-lib `IJobQueue`: a
   * `batch.JobQueue` of yours (its platform read from its compute environments), or an import
   * (`JobQueue.fromJobQueueAttributes` declares its platform; `batch.JobQueue.fromJobQueueArn` leaves it unknown).
   */
  readonly jobQueues: batch.IJobQueue[];
  /** The log group the job definitions write to: the only one the logs function may read. */
  readonly jobLogGroup: logs.ILogGroup;
  /**
   * How long the functions' own logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Names the functions' log groups `<prefix>/<function>` (e.g. `<prefix>/submit`), so that a key policy can name
   * them before they exist.
   * @default - names CloudFormation generates
   */
  readonly logGroupNamePrefix?: string;
  /**
   * Encrypts the functions' log groups.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * The most bytes one logs response holds (Lambda answers at most 6 MB).
   * @default 4 MiB
   */
  readonly logsMaxResponseBytes?: number;
  /**
   * Where submit records idempotency keys: partition key `id` (string), TTL attribute `expiration`.
   * @default - a new on-demand table with TTL, point-in-time recovery and AWS-managed encryption
   */
  readonly idempotencyTable?: dynamodb.ITable;
  /**
   * How long submit remembers an idempotency key (one day to a month).
   * @default Duration.days(1)
   */
  readonly idempotencyWindow?: Duration;
  /**
   * Reserved concurrency per function: what one flood of calls may take of the account's Lambda concurrency and of
   * the Batch, S3 and CloudWatch Logs request rates the functions spend.
   * @default - submit, validate and status 10, logs and terminate 5
   */
  readonly reservedConcurrency?: FunctionConcurrency;
  /**
   * The longest ListJobs is assumed to lag behind SubmitJob: after a SubmitJob whose answer was lost, a keyed
   * submission submits again only once a look-up made this long after it still misses its job (1 s to 10 min).
   * AWS documents no bound; a longer lag is the one case where a key could start a second job.
   * @default Duration.seconds(30)
   */
  readonly listJobsLagBound?: Duration;
  /**
   * The value of the `pendant:platform` tag on every job submit starts: terminate may stop only jobs carrying it
   * (an IAM condition), and status, logs and terminate describe only jobs carrying it.
   * @default - derived from this construct's path in the app
   */
  readonly platformId?: string;
}

abstract class RuntimeFunctionsBase extends Construct implements IRuntimeFunctions {
  public abstract readonly validateFunction: lambda.IFunction;
  public abstract readonly submitFunction: lambda.IFunction;
  public abstract readonly statusFunction: lambda.IFunction;
  public abstract readonly logsFunction: lambda.IFunction;
  public abstract readonly terminateFunction: lambda.IFunction;

  public grantValidate(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(grantee, this.validateFunction);
  }

  public grantSubmit(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(grantee, this.submitFunction);
  }

  public grantStatus(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(grantee, this.statusFunction);
  }

  public grantLogs(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(grantee, this.logsFunction);
  }

  public grantTerminate(grantee: iam.IGrantable): iam.Grant {
    return grantInvoke(grantee, this.terminateFunction);
  }
}

/**
 * `lambda:InvokeFunction` on the function itself, the way `IFunction.grantInvoke` decides where it goes: an identity
 * policy for a principal of the function's account, and a resource policy (a Lambda permission) as well for a
 * principal of another account, whose identity policy alone cannot reach across accounts (IAM User Guide,
 * "Cross-account policy evaluation logic"). Unlike `grantInvoke`, not on `<arn>:*`: pendant publishes no versions
 * or aliases, so the wildcard would grant nothing but a finding.
 */
function grantInvoke(grantee: iam.IGrantable, fn: lambda.IFunction): iam.Grant {
  // Every aws-cdk-lib principal (PrincipalBase) prints its kind and identity; only the IPrincipal interface omits toString.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- see above
  const id = `Invoke${createHash('sha256').update(grantee.grantPrincipal.toString()).digest('hex').slice(0, 16)}`;
  return iam.Grant.addToPrincipalOrResource({
    grantee,
    actions: ['lambda:InvokeFunction'],
    resourceArns: [fn.functionArn],
    resource: {
      env: fn.env,
      addToResourcePolicy: () => {
        if (fn.node.tryFindChild(id) === undefined) fn.addPermission(id, { principal: grantee.grantPrincipal, action: 'lambda:InvokeFunction' });
        const permission = fn.node.tryFindChild(id);
        return { statementAdded: permission !== undefined, ...(permission && { policyDependable: permission }) };
      },
    },
  });
}


function pick(variables: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).filter(([name]) => names.includes(name)));
}

/**
 * Job queue and definition ARNs per `batch:SubmitJob` statement: about 2 KB, so that CDK can pack the statements of
 * hundreds of definitions into the role's 10 KB inline policy and 6 KB overflow managed policies.
 */
const SUBMIT_TARGETS_PER_STATEMENT = 10;

/**
 * Reserved concurrency by default. submit: SubmitJob is throttled at about 50 requests a second per account and
 * Region, and a submission lasts a few hundred milliseconds (its S3 checks, the idempotency record, SubmitJob), so 10
 * at once stay under that rate with room for the account's other submitters, and a flood of calls is throttled by
 * Lambda before it exhausts the account's concurrency or Batch's rate. validate and status: the same bound for the
 * S3 and DescribeJobs calls they fan out. logs and terminate: GetLogEvents has a low per-account rate, and stopping
 * jobs is rare. 40 in all, well inside the default quota of 1,000 less the 100 Lambda keeps unreserved.
 */
const SETTINGS: Record<Operation, { id: string; description: string; memorySize: number; timeout: Duration; reservedConcurrency: number }> = {
  validate: { id: 'ValidateFunction', description: 'pendant: validate a job request and check its S3 inputs exist', memorySize: 256, timeout: Duration.seconds(30), reservedConcurrency: 10 },
  submit: { id: 'SubmitFunction', description: 'pendant: validate and submit an AWS Batch job', memorySize: 256, timeout: Duration.seconds(30), reservedConcurrency: 10 },
  status: { id: 'StatusFunction', description: 'pendant: report the status of AWS Batch jobs', memorySize: 256, timeout: Duration.seconds(60), reservedConcurrency: 10 },
  logs: { id: 'LogsFunction', description: "pendant: read an AWS Batch job's CloudWatch logs", memorySize: 512, timeout: Duration.seconds(60), reservedConcurrency: 5 },
  terminate: { id: 'TerminateFunction', description: 'pendant: cancel or terminate an AWS Batch job', memorySize: 256, timeout: Duration.seconds(30), reservedConcurrency: 5 },
};

/**
 * The five runtime functions (validate, submit, status, logs, terminate): the prebuilt handler bundles on Node.js 24
 * and ARM64, each with its own log group, its configuration from the model's contract, and an inline
 * least-privilege role generated from the job definitions and queues it serves.
 */
export class RuntimeFunctions extends RuntimeFunctionsBase {
  /**
   * Functions deployed elsewhere, by ARN, with the same grant methods. Give the ARNs of the functions you use; asking
   * for one whose ARN was not given throws a `ValidationError` naming it.
   */
  public static fromFunctionArns(scope: Construct, id: string, attributes: RuntimeFunctionsAttributes): IRuntimeFunctions {
    const given = Object.entries(attributes).filter(([, arn]) => arn !== undefined);
    if (given.length === 0) {
      throw new ValidationError(
        `runtime functions ${scope.node.path}/${id}: fromFunctionArns needs the ARN of at least one function (validateFunctionArn, submitFunctionArn, statusFunctionArn, logsFunctionArn, terminateFunctionArn)`,
      );
    }
    class Imported extends RuntimeFunctionsBase {
      private readonly functions = new Map<Operation, lambda.IFunction>();

      public constructor() {
        super(scope, id);
        for (const operation of Object.keys(SETTINGS) as Operation[]) {
          const arn = attributes[`${operation}FunctionArn`];
          if (arn !== undefined) this.functions.set(operation, lambda.Function.fromFunctionArn(this, SETTINGS[operation].id, arn));
        }
      }

      public get validateFunction() {
        return this.imported('validate');
      }
      public get submitFunction() {
        return this.imported('submit');
      }
      public get statusFunction() {
        return this.imported('status');
      }
      public get logsFunction() {
        return this.imported('logs');
      }
      public get terminateFunction() {
        return this.imported('terminate');
      }

      private imported(operation: Operation): lambda.IFunction {
        const fn = this.functions.get(operation);
        if (fn === undefined) {
          const known = [...this.functions.keys()].map((name) => `${name}FunctionArn`).join(', ');
          throw new ValidationError(`runtime functions ${this.node.path}: the ${operation} function is used, but fromFunctionArns got no ${operation}FunctionArn (given: ${known})`);
        }
        return fn;
      }
    }
    return new Imported();
  }

  public readonly validateFunction: lambda.IFunction;
  public readonly submitFunction: lambda.IFunction;
  public readonly statusFunction: lambda.IFunction;
  public readonly logsFunction: lambda.IFunction;
  public readonly terminateFunction: lambda.IFunction;
  /** Where submit records idempotency keys. */
  public readonly idempotencyTable: dynamodb.ITable;
  /** The names of the functions' log groups: as written when `logGroupNamePrefix` is set, references otherwise. */
  public readonly logGroupNames: string[];
  /** The value of the `pendant:platform` tag on the jobs these functions submit and act on. */
  public readonly platformId: string;

  public constructor(scope: Construct, id: string, props: RuntimeFunctionsProps) {
    super(scope, id);
    const definitions = [...props.jobDefinitions, ...(props.multiNodeJobDefinitions ?? [])];
    checkPlacement(`runtime functions ${this.node.path}`, definitions, props.jobQueues);
    checkLogsMaxResponseBytes(this.node.path, props.logsMaxResponseBytes);
    checkIdempotencyWindow(this.node.path, props.idempotencyWindow);
    checkReservedConcurrency(this.node.path, props.reservedConcurrency);
    checkListJobsLagBound(this.node.path, props.listJobsLagBound);
    const stack = Stack.of(this);
    this.platformId = props.platformId ?? Names.uniqueResourceName(this, { maxLength: 128 });
    checkPlatformId(this.node.path, this.platformId);
    const platformConfig = encodeConfig({ platformId: this.platformId });
    // One encoding for every function: the declarations (known at synth) ship in the config file beside the bundle,
    // and only the deploy-time values, in their compact form, take room in Lambda's 4 KB environment.
    const encoded = encodeConfig({
      jobDefinitions: Object.fromEntries(definitions.map((definition) => [definition.name, definitionEntry(definition)])),
      jobQueues: props.jobQueues.map(queueEntry),
    });
    const jobDefinitionsConfig = pick(encoded, [ENV.JOB_DEFINITIONS]);
    // Records expire within the idempotency window: nothing in the table outlives a day or so.
    this.idempotencyTable =
      props.idempotencyTable ??
      expiringTable(this, 'IdempotencyTable', {
        partitionKey: 'id',
        timeToLiveAttribute: 'expiration',
        whyNoBackupPlan:
          'the table holds only idempotency records that expire within the window (a day by default) and point-in-time recovery is on; a backup plan would keep copies of keys long after they stop meaning anything',
      });
    // The queue names ship in the file too when every queue was given its name; generated names are known only at
    // deploy time and take the environment's room (about 60 bytes a queue).
    const queuesKnown = !Token.isUnresolved(encoded[ENV.JOB_QUEUES]);
    const deployConfig = {
      ...pick(encoded, queuesKnown ? [ENV.JOB_DEFINITION_REVISIONS] : [ENV.JOB_DEFINITION_REVISIONS, ENV.JOB_QUEUES]),
      ...encodeConfig({
        idempotencyTable: this.idempotencyTable.tableName,
        ...(props.idempotencyWindow && { idempotencyWindowSeconds: props.idempotencyWindow.toSeconds() }),
        ...(props.listJobsLagBound && { listJobsLagBoundSeconds: props.listJobsLagBound.toSeconds() }),
      }),
    };
    const submitShipped = { ...jobDefinitionsConfig, ...platformConfig, ...pick(encoded, queuesKnown ? [ENV.JOB_QUEUE_SETTINGS, ENV.JOB_QUEUES] : [ENV.JOB_QUEUE_SETTINGS]) };

    const logGroupNames: string[] = [];
    const make = (operation: Operation, environment: Record<string, string>, shipped: Record<string, string> = {}) => {
      const settings = SETTINGS[operation];
      const logGroup = new logs.LogGroup(this, `${settings.id}LogGroup`, {
        logGroupName: props.logGroupNamePrefix === undefined ? undefined : `${props.logGroupNamePrefix}/${operation}`,
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        encryptionKey: props.logEncryptionKey,
      });
      logGroupNames.push(props.logGroupNamePrefix === undefined ? logGroup.logGroupName : `${props.logGroupNamePrefix}/${operation}`);
      const role = new iam.Role(this, `${settings.id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${settings.description} (pendant runtime function role)`,
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      );
      acknowledgeOverflowPolicies(role);
      acknowledgeComplianceRule(role, 'IAMNoInlinePolicy', INLINE_POLICY_REASON);
      const reserved = props.reservedConcurrency?.[operation] ?? settings.reservedConcurrency;
      const fn = new lambda.Function(this, settings.id, {
        code: handlerCode(operation, shipped),
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: settings.memorySize,
        timeout: settings.timeout,
        description: settings.description,
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        environment: { POWERTOOLS_SERVICE_NAME: `pendant-${operation}`, ...environment },
        reservedConcurrentExecutions: reserved === 'unreserved' ? undefined : reserved,
      });
      acknowledgeComplianceRule(
        fn,
        'LambdaDLQ',
        'callers invoke the function synchronously and get its typed error in the answer; a dead-letter queue receives only failed asynchronous invocations, which pendant does not make',
      );
      acknowledgeComplianceRule(
        fn,
        'LambdaInsideVPC',
        'the function calls only AWS service APIs (Batch, S3, CloudWatch Logs, DynamoDB) over TLS with its role; outside the VPC it holds no network path to the jobs or anything else in it',
      );
      return fn;
    };

    this.validateFunction = make('validate', {}, jobDefinitionsConfig);
    this.submitFunction = make('submit', deployConfig, submitShipped);
    // status, logs and terminate see only the platform's jobs: its tag, on its queues.
    const queuesOnly = pick(encoded, [ENV.JOB_QUEUES]);
    const ownedEnvironment = queuesKnown ? {} : queuesOnly;
    const ownedShipped = { ...platformConfig, ...(queuesKnown ? queuesOnly : {}) };
    this.statusFunction = make('status', ownedEnvironment, ownedShipped);
    this.logsFunction = make(
      'logs',
      { ...ownedEnvironment, ...(props.logsMaxResponseBytes === undefined ? {} : encodeConfig({ logsMaxResponseBytes: props.logsMaxResponseBytes })) },
      ownedShipped,
    );
    this.terminateFunction = make('terminate', ownedEnvironment, ownedShipped);
    this.logGroupNames = logGroupNames;

    // validate and submit: HeadObject (s3:GetObject) under the prefixes the parameters declare, and s3:ListBucket on
    // their buckets so that a missing object answers 404 rather than 403.
    const inputs = mustExistPrefixes(definitions);
    if (inputs.length > 0) {
      const objects = inputs.map((uri) => `arn:${stack.partition}:s3:::${uri.bucket}/${uri.key}*`);
      for (const fn of [this.validateFunction, this.submitFunction]) {
        fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadDeclaredInputs', actions: ['s3:GetObject'], resources: objects }));
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'TellMissingFromForbidden',
            actions: ['s3:ListBucket'],
            resources: [...new Set(inputs.map((uri) => `arn:${stack.partition}:s3:::${uri.bucket}`))],
          }),
        );
        for (const object of objects) {
          acknowledgeWildcard(rolePolicy(fn), { resource: object }, 'the objects a job reads are named at run time; the prefix is what its parameter declares with "within"');
        }
      }
    }

    // IAM caps a managed policy at 6,144 characters and CDK moves whole statements, never parts of one, into the
    // overflow policies of a large role: hundreds of definitions in a single statement could never deploy.
    const submitTargets = [
      ...props.jobQueues.map((queue) => queue.jobQueueArn),
      ...definitions.map((definition) =>
        stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${definition.physicalName}:*` }),
      ),
    ];
    for (let start = 0; start < submitTargets.length; start += SUBMIT_TARGETS_PER_STATEMENT) {
      const part = start / SUBMIT_TARGETS_PER_STATEMENT + 1;
      this.submitFunction.addToRolePolicy(
        new iam.PolicyStatement({
          sid: part === 1 ? 'SubmitToOwnQueuesAndDefinitions' : `SubmitToOwnQueuesAndDefinitions${part}`,
          actions: ['batch:SubmitJob'],
          resources: submitTargets.slice(start, start + SUBMIT_TARGETS_PER_STATEMENT),
        }),
      );
    }
    this.submitFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'IdempotencyRecords',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.idempotencyTable.tableArn],
      }),
    );
    // A keyed submission looks for the job an earlier attempt may have started (by name, then by tag), and tags its
    // job on creation; ListJobs and DescribeJobs, like DescribeJobDefinitions, take no resource.
    this.submitFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FindLatestRevisionAndEarlierAttempts',
        actions: ['batch:DescribeJobDefinitions', 'batch:ListJobs', 'batch:DescribeJobs'],
        resources: ['*'],
      }),
    );
    const submittedJobs = stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
    this.submitFunction.addToRolePolicy(new iam.PolicyStatement({ sid: 'TagOnSubmit', actions: ['batch:TagResource'], resources: [submittedJobs] }));
    acknowledgeWildcard(
      rolePolicy(this.submitFunction),
      { resource: submittedJobs },
      'a keyed submission tags its job at creation, and job ids are assigned by AWS Batch then; job/* is the narrowest resource',
    );
    for (const definition of definitions) {
      acknowledgeWildcard(
        rolePolicy(this.submitFunction),
        { resource: stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${definition.physicalName}:*` }) },
        'a request may pin any revision of its job definition, and revisions are numbered by AWS Batch at registration',
      );
    }
    acknowledgeWildcard(
      rolePolicy(this.submitFunction),
      { resource: '*' },
      'batch:DescribeJobDefinitions, batch:ListJobs and batch:DescribeJobs have no resource type: IAM accepts only "*"',
    );
    for (const fn of [this.logsFunction, this.terminateFunction]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs'], resources: ['*'] }));
      acknowledgeWildcard(rolePolicy(fn), { resource: '*' }, 'batch:DescribeJobs has no resource type: IAM accepts only "*"');
    }
    // Status lists an array parent's children page by page (ListJobs by arrayJobId) besides describing jobs.
    this.statusFunction.addToRolePolicy(new iam.PolicyStatement({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs', 'batch:ListJobs'], resources: ['*'] }));
    acknowledgeWildcard(rolePolicy(this.statusFunction), { resource: '*' }, 'batch:DescribeJobs and batch:ListJobs have no resource type: IAM accepts only "*"');
    const jobStreams = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${props.jobLogGroup.logGroupName}:log-stream:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.logsFunction.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadJobLogs', actions: ['logs:GetLogEvents'], resources: [jobStreams] }));
    acknowledgeWildcard(rolePolicy(this.logsFunction), { resource: jobStreams }, 'AWS Batch names each job\'s log stream when it starts; the job log group is the narrowest resource known at deploy time');

    const jobs = stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
    this.terminateFunction.addToRolePolicy(
      // TerminateJob alone: it cancels the jobs that have not started too, so the function never calls CancelJob. It
      // also covers TerminateJobs, which has no IAM action of its own (AWS Batch API Reference, TerminateJobs). Only
      // the platform's jobs: TerminateJob takes the job resource with the aws:ResourceTag condition key.
      new iam.PolicyStatement({
        sid: 'StopJobs',
        actions: ['batch:TerminateJob'],
        resources: [jobs],
        conditions: { StringEquals: { [`aws:ResourceTag/${PLATFORM_TAG}`]: this.platformId } },
      }),
    );
    acknowledgeWildcard(rolePolicy(this.terminateFunction), { resource: jobs }, 'job ids are assigned by AWS Batch at submission; job/* is the narrowest resource TerminateJob takes');
  }
}

/** The policy `addToRolePolicy` wrote to, where the function's findings are acknowledged. */
function rolePolicy(fn: lambda.IFunction): IConstruct {
  return fn.role!.node.findChild('DefaultPolicy');
}
