import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { JobDefinition } from './job-definition';
import { JobQueue } from './job-queue';
import { ConfigurationError, encodeConfig, JobDefinitionEntry, ParameterSpecs, RuntimeConfig, S3Uri, ValidationError } from './model';
import { acknowledgeOverflowPolicies, acknowledgeWildcard } from './private/acknowledge';
import { handlerCode, Operation } from './private/handler-code';

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

export interface RuntimeFunctionsProps {
  /** The job definitions the functions validate and submit. */
  readonly jobDefinitions: readonly JobDefinition[];
  /** The queues submit may use; the first is the default. */
  readonly jobQueues: readonly JobQueue[];
  /** The log group the job definitions write to: the only one the logs function may read. */
  readonly jobLogGroup: logs.ILogGroup;
  /**
   * How long the functions' own logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
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
 * `lambda:InvokeFunction` on the function itself. Unlike `IFunction.grantInvoke`, not on `<arn>:*` as well: pendant
 * publishes no versions or aliases, so the wildcard would grant nothing but a finding.
 */
function grantInvoke(grantee: iam.IGrantable, fn: lambda.IFunction): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [fn.functionArn] });
}

/**
 * Job queue and definition ARNs per `batch:SubmitJob` statement: about 2 KB, so that CDK can pack the statements of
 * hundreds of definitions into the role's 10 KB inline policy and 6 KB overflow managed policies.
 */
const SUBMIT_TARGETS_PER_STATEMENT = 10;

const SETTINGS: Record<Operation, { id: string; description: string; memorySize: number; timeout: Duration }> = {
  validate: { id: 'ValidateFunction', description: 'pendant: validate a job request and check its S3 inputs exist', memorySize: 256, timeout: Duration.seconds(30) },
  submit: { id: 'SubmitFunction', description: 'pendant: validate and submit an AWS Batch job', memorySize: 256, timeout: Duration.seconds(30) },
  status: { id: 'StatusFunction', description: 'pendant: report the status of AWS Batch jobs', memorySize: 256, timeout: Duration.seconds(60) },
  logs: { id: 'LogsFunction', description: "pendant: read an AWS Batch job's CloudWatch logs", memorySize: 512, timeout: Duration.seconds(60) },
  terminate: { id: 'TerminateFunction', description: 'pendant: cancel or terminate an AWS Batch job', memorySize: 256, timeout: Duration.seconds(30) },
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

  public readonly validateFunction: lambda.Function;
  public readonly submitFunction: lambda.Function;
  public readonly statusFunction: lambda.Function;
  public readonly logsFunction: lambda.Function;
  public readonly terminateFunction: lambda.Function;
  /** Where submit records idempotency keys. */
  public readonly idempotencyTable: dynamodb.ITable;

  public constructor(scope: Construct, id: string, props: RuntimeFunctionsProps) {
    super(scope, id);
    checkLogsMaxResponseBytes(this.node.path, props.logsMaxResponseBytes);
    checkIdempotencyWindow(this.node.path, props.idempotencyWindow);
    const stack = Stack.of(this);
    const definitions: Record<string, JobDefinitionEntry> = {};
    for (const definition of props.jobDefinitions) definitions[definition.name] = { definition: definition.name, parameters: definition.parameters };
    const jobDefinitionsConfig = encodeConfig({ jobDefinitions: definitions });
    this.idempotencyTable =
      props.idempotencyTable ??
      new dynamodb.Table(this, 'IdempotencyTable', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: 'expiration',
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        // Records expire within the idempotency window: nothing in the table outlives a day or so.
        removalPolicy: RemovalPolicy.DESTROY,
      });
    const deployConfig = encodeConfig({
      jobDefinitionRevisions: props.jobDefinitions.map((definition) => definition.revision),
      jobQueues: props.jobQueues.map((queue) => queue.jobQueueArn),
      idempotencyTable: this.idempotencyTable.tableName,
      ...(props.idempotencyWindow && { idempotencyWindowSeconds: props.idempotencyWindow.toSeconds() }),
    });

    const make = (operation: Operation, environment: Record<string, string>, shipped: Record<string, string> = {}) => {
      const settings = SETTINGS[operation];
      const logGroup = new logs.LogGroup(this, `${settings.id}LogGroup`, {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        encryptionKey: props.logEncryptionKey,
      });
      const role = new iam.Role(this, `${settings.id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${settings.description} (pendant runtime function role)`,
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      );
      acknowledgeOverflowPolicies(role);
      return new lambda.Function(this, settings.id, {
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
      });
    };

    this.validateFunction = make('validate', {}, jobDefinitionsConfig);
    this.submitFunction = make('submit', deployConfig, jobDefinitionsConfig);
    this.statusFunction = make('status', {});
    this.logsFunction = make(
      'logs',
      props.logsMaxResponseBytes === undefined ? {} : encodeConfig({ logsMaxResponseBytes: props.logsMaxResponseBytes }),
    );
    this.terminateFunction = make('terminate', {});

    // validate and submit: HeadObject (s3:GetObject) under the prefixes the parameters declare, and s3:ListBucket on
    // their buckets so that a missing object answers 404 rather than 403.
    const inputs = mustExistPrefixes(props.jobDefinitions.map((definition) => definition.parameters));
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
      ...props.jobDefinitions.map((definition) =>
        stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${definition.name}:*` }),
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
    for (const definition of props.jobDefinitions) {
      acknowledgeWildcard(
        rolePolicy(this.submitFunction),
        { resource: stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${definition.name}:*` }) },
        'a request may pin any revision of its job definition, and revisions are numbered by AWS Batch at registration',
      );
    }
    acknowledgeWildcard(
      rolePolicy(this.submitFunction),
      { resource: '*' },
      'batch:DescribeJobDefinitions, batch:ListJobs and batch:DescribeJobs have no resource type: IAM accepts only "*"',
    );
    for (const fn of [this.statusFunction, this.logsFunction, this.terminateFunction]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs'], resources: ['*'] }));
      acknowledgeWildcard(rolePolicy(fn), { resource: '*' }, 'batch:DescribeJobs has no resource type: IAM accepts only "*"');
    }
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
      new iam.PolicyStatement({ sid: 'StopJobs', actions: ['batch:TerminateJob', 'batch:CancelJob'], resources: [jobs] }),
    );
    acknowledgeWildcard(rolePolicy(this.terminateFunction), { resource: jobs }, 'job ids are assigned by AWS Batch at submission; job/* is the narrowest resource TerminateJob and CancelJob take');
  }
}

/**
 * Refuses at synth time a limit the logs handler would refuse on every call, by reading it back with the handler's
 * own decoder so that the bounds live only in the model.
 */
function checkLogsMaxResponseBytes(path: string, value: number | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  try {
    void new RuntimeConfig(encodeConfig({ logsMaxResponseBytes: value })).logsMaxResponseBytes;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ValidationError(`runtime functions ${path}: logsMaxResponseBytes is refused by the logs function (${error.message})`);
  }
}

/** Refuses at synth time a window the submit function would refuse, read back with the model's own decoder. */
function checkIdempotencyWindow(path: string, window: Duration | undefined): void {
  if (window === undefined || Token.isUnresolved(window.toSeconds())) return;
  try {
    void new RuntimeConfig(encodeConfig({ idempotencyWindowSeconds: window.toSeconds() })).idempotencyWindowSeconds;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ValidationError(`runtime functions ${path}: idempotencyWindow is refused by the submit function (${error.message})`);
  }
}

/** The policy `addToRolePolicy` wrote to, where the function's findings are acknowledged. */
function rolePolicy(fn: lambda.Function): IConstruct {
  return fn.role!.node.findChild('DefaultPolicy');
}

/** The distinct `within` prefixes of every must-exist S3 parameter. */
function mustExistPrefixes(parameterSets: readonly ParameterSpecs[]): S3Uri[] {
  const prefixes = new Map<string, S3Uri>();
  for (const parameters of parameterSets) {
    for (const spec of Object.values(parameters)) {
      if (spec.type !== 's3-object' || !spec.mustExist) continue;
      for (const within of spec.within ?? []) {
        const uri = S3Uri.parse(within);
        prefixes.set(uri.toString(), uri);
      }
    }
  }
  return [...prefixes.values()];
}
