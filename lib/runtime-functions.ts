import type * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Annotations, Duration, Names, Token, Tokenization } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import type { IJobDefinitionDeclaration } from './job-definition';
import type { MultiNodeJobDefinition } from './multi-node-job-definition';
import { ValidationError } from './model/errors';
import { checkEnvironmentSize, configureRuntimeFunctions, FunctionConfiguration, PlatformDeclarations } from './model/configuration';
import { expiringTable } from './private/expiring-table';
import { acknowledgeComplianceRule, acknowledgeOverflowPolicies, INLINE_POLICY_REASON } from './private/acknowledge';
import { checkPlacement } from './private/placement';
import { handlerCode } from './private/handler-code';
import { isOperation, Operation, OPERATION_NAMES, OPERATIONS } from './model/operations';
import { definitionEntry, mustExistPrefixes, queueEntry } from './private/declarations';
import { RUNTIME_POLICIES } from './private/runtime-policies';
import { checkIdempotencyWindow, checkListJobsLagBound, checkLogsMaxResponseBytes, checkPlatformId, checkReservedConcurrency } from './private/runtime-checks';

/**
 * What another stack needs to call a platform's runtime functions. Every function is reached by its operation's name
 * (`functionFor`, `grantInvoke`; lib/model/operations.ts lists them); the five first ones have named members too.
 */
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
  /**
   * The function of an operation (`'validate'`, `'submit'`, `'status'`, `'logs'`, `'terminate'`, …); a
   * `ValidationError` naming the operation when pendant has no such function.
   */
  functionFor(operation: string): lambda.IFunction;
  /** Lets `grantee` invoke the function of an operation; a `ValidationError` naming the operation when pendant has no such function. */
  grantInvoke(operation: string, grantee: iam.IGrantable): iam.Grant;
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
  /**
   * Function ARNs by operation (`{ describe: arn }`): every function, the ones without a named attribute above too.
   * An operation pendant does not have is a `ValidationError`.
   * @default - only the named attributes
   */
  readonly functionArns?: { [operation: string]: string };
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
  /**
   * Reserved concurrency by operation name, for every function, those without a field above too (`{ describe: 2 }`).
   * An operation pendant does not have is a `ValidationError`, and so is one given here and above with two values.
   * @default - the fields above, then each operation's default
   */
  readonly byOperation?: { [operation: string]: ReservedConcurrency };
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
   * @default - submit, validate and status 10, logs, terminate and describe 5 (the registry's defaults)
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
  public get validateFunction(): lambda.IFunction {
    return this.functionFor('validate');
  }

  public get submitFunction(): lambda.IFunction {
    return this.functionFor('submit');
  }

  public get statusFunction(): lambda.IFunction {
    return this.functionFor('status');
  }

  public get logsFunction(): lambda.IFunction {
    return this.functionFor('logs');
  }

  public get terminateFunction(): lambda.IFunction {
    return this.functionFor('terminate');
  }

  public grantValidate(grantee: iam.IGrantable): iam.Grant {
    return this.grantInvoke('validate', grantee);
  }

  public grantSubmit(grantee: iam.IGrantable): iam.Grant {
    return this.grantInvoke('submit', grantee);
  }

  public grantStatus(grantee: iam.IGrantable): iam.Grant {
    return this.grantInvoke('status', grantee);
  }

  public grantLogs(grantee: iam.IGrantable): iam.Grant {
    return this.grantInvoke('logs', grantee);
  }

  public grantTerminate(grantee: iam.IGrantable): iam.Grant {
    return this.grantInvoke('terminate', grantee);
  }

  public grantInvoke(operation: string, grantee: iam.IGrantable): iam.Grant {
    return invokeGrant(grantee, this.functionFor(operation));
  }

  public functionFor(operation: string): lambda.IFunction {
    return this.function(registered(this.node.path, operation));
  }

  protected abstract function(operation: Operation): lambda.IFunction;
}

/** `operation` as the registry names it, or a `ValidationError` naming it and the operations there are. */
function registered(path: string, operation: string): Operation {
  if (isOperation(operation)) return operation;
  throw new ValidationError(`runtime functions ${path}: no ${JSON.stringify(operation)} function; the operations are ${OPERATION_NAMES.join(', ')}`);
}

/**
 * `lambda:InvokeFunction` on the function itself, the way `IFunction.grantInvoke` decides where it goes: an identity
 * policy for a principal of the function's account, and a resource policy (a Lambda permission) as well for a
 * principal of another account, whose identity policy alone cannot reach across accounts (IAM User Guide,
 * "Cross-account policy evaluation logic"). Unlike `grantInvoke`, not on `<arn>:*`: pendant publishes no versions
 * or aliases, so the wildcard would grant nothing but a finding.
 */
function invokeGrant(grantee: iam.IGrantable, fn: lambda.IFunction): iam.Grant {
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


/**
 * The attributes `fromFunctionArns` took before `functionArns`, kept for the apps that use them; an operation added
 * since has none, and is given in `functionArns`.
 */
const NAMED_ARNS: Partial<Record<Operation, keyof RuntimeFunctionsAttributes>> = {
  validate: 'validateFunctionArn',
  submit: 'submitFunctionArn',
  status: 'statusFunctionArn',
  logs: 'logsFunctionArn',
  terminate: 'terminateFunctionArn',
};

/** How an app gives the ARN of `operation`'s function, for messages. */
function arnAttribute(operation: Operation): string {
  return NAMED_ARNS[operation] ?? `functionArns.${operation}`;
}

/**
 * The runtime functions, one per operation of the registry (lib/model/operations.ts): the prebuilt handler bundles on Node.js 24
 * and ARM64, each with its own log group, its configuration from the model's contract, and an inline
 * least-privilege role generated from the job definitions and queues it serves.
 */
export class RuntimeFunctions extends RuntimeFunctionsBase {
  /**
   * Functions deployed elsewhere, by ARN, with the same grant methods. Give the ARNs of the functions you use; asking
   * for one whose ARN was not given throws a `ValidationError` naming it.
   */
  public static fromFunctionArns(scope: Construct, id: string, attributes: RuntimeFunctionsAttributes): IRuntimeFunctions {
    const path = `${scope.node.path}/${id}`;
    const arns = new Map<Operation, string>();
    for (const [operation, arn] of Object.entries(attributes.functionArns ?? {})) arns.set(registered(path, operation), arn);
    for (const operation of OPERATION_NAMES) {
      const named = NAMED_ARNS[operation];
      const arn = named === undefined ? undefined : (attributes[named] as string | undefined);
      if (arn === undefined) continue;
      if (arns.has(operation) && arns.get(operation) !== arn) {
        throw new ValidationError(`runtime functions ${path}: fromFunctionArns got two ARNs for the ${operation} function (${named} and functionArns.${operation}); give one`);
      }
      arns.set(operation, arn);
    }
    if (arns.size === 0) {
      throw new ValidationError(
        `runtime functions ${path}: fromFunctionArns needs the ARN of at least one function (${OPERATION_NAMES.map(arnAttribute).join(', ')})`,
      );
    }
    class Imported extends RuntimeFunctionsBase {
      private readonly functions = new Map<Operation, lambda.IFunction>();

      public constructor() {
        super(scope, id);
        // In the registry's order, as the constructs were made before: their order in the tree does not change.
        for (const operation of OPERATION_NAMES) {
          const arn = arns.get(operation);
          if (arn !== undefined) this.functions.set(operation, lambda.Function.fromFunctionArn(this, OPERATIONS[operation].id, arn));
        }
      }

      protected function(operation: Operation): lambda.IFunction {
        const fn = this.functions.get(operation);
        if (fn === undefined) {
          const known = [...this.functions.keys()].map(arnAttribute).join(', ');
          throw new ValidationError(`runtime functions ${this.node.path}: the ${operation} function is used, but fromFunctionArns got no ${arnAttribute(operation)} (given: ${known})`);
        }
        return fn;
      }
    }
    return new Imported();
  }

  private readonly functions: ReadonlyMap<Operation, lambda.Function>;
  /** Where submit records idempotency keys. */
  public readonly idempotencyTable: dynamodb.ITable;
  /** The names of the functions' log groups: as written when `logGroupNamePrefix` is set, references otherwise. */
  public readonly logGroupNames: string[];
  /** The value of the `pendant:platform` tag on the jobs these functions submit and act on. */
  public readonly platformId: string;

  public constructor(scope: Construct, id: string, props: RuntimeFunctionsProps) {
    super(scope, id);
    const definitions = [...props.jobDefinitions, ...(props.multiNodeJobDefinitions ?? [])];
    checkProps(this.node.path, props, definitions);
    this.platformId = props.platformId ?? Names.uniqueResourceName(this, { maxLength: 128 });
    checkPlatformId(this.node.path, this.platformId);
    this.idempotencyTable = props.idempotencyTable ?? idempotencyStore(this);

    const declarations = platformDeclarations(props, definitions, this.platformId, this.idempotencyTable);
    const configuration = configureRuntimeFunctions(declarations, Token.isUnresolved);
    const functions = new Map(OPERATION_NAMES.map((operation) => [operation, runtimeFunction(this, operation, configuration[operation], props)]));
    this.functions = functions;
    this.logGroupNames = OPERATION_NAMES.map((operation) =>
      props.logGroupNamePrefix === undefined ? functions.get(operation)!.logGroup.logGroupName : `${props.logGroupNamePrefix}/${operation}`,
    );

    const context = {
      jobQueueArns: props.jobQueues.map((queue) => queue.jobQueueArn),
      jobDefinitionNames: definitions.map((definition) => definition.physicalName),
      declaredInputs: mustExistPrefixes(definitions),
      jobLogGroupName: props.jobLogGroup.logGroupName,
      idempotencyTableArn: this.idempotencyTable.tableArn,
      platformId: this.platformId,
    };
    for (const [operation, fn] of functions) RUNTIME_POLICIES[operation]({ ...context, fn });
  }

  protected function(operation: Operation): lambda.IFunction {
    return this.functions.get(operation)!;
  }
}

type Definition = IJobDefinitionDeclaration;

/** Refuses at synth time what the functions would refuse at run time, or what could never deploy. */
function checkProps(path: string, props: RuntimeFunctionsProps, definitions: readonly Definition[]): void {
  checkPlacement(`runtime functions ${path}`, definitions, props.jobQueues);
  checkLogsMaxResponseBytes(path, props.logsMaxResponseBytes);
  checkIdempotencyWindow(path, props.idempotencyWindow);
  checkReservedConcurrency(path, props.reservedConcurrency);
  checkListJobsLagBound(path, props.listJobsLagBound);
}

/** The platform as the configuration contract takes it: the constructs mapped to the model's declarations. */
function platformDeclarations(props: RuntimeFunctionsProps, definitions: readonly Definition[], platformId: string, idempotencyTable: dynamodb.ITable): PlatformDeclarations {
  return {
    jobDefinitions: Object.fromEntries(definitions.map((definition) => [definition.name, definitionEntry(definition)])),
    jobQueues: props.jobQueues.map(queueEntry),
    platformId,
    idempotencyTable: idempotencyTable.tableName,
    idempotencyWindowSeconds: props.idempotencyWindow?.toSeconds(),
    listJobsLagBoundSeconds: props.listJobsLagBound?.toSeconds(),
    logsMaxResponseBytes: props.logsMaxResponseBytes,
  };
}

/** Where submit records idempotency keys. Records expire within the idempotency window: nothing outlives a day or so. */
function idempotencyStore(scope: Construct): dynamodb.ITable {
  return expiringTable(scope, 'IdempotencyTable', {
    partitionKey: 'id',
    timeToLiveAttribute: 'expiration',
    whyNoBackupPlan:
      'the table holds only idempotency records that expire within the window (a day by default) and point-in-time recovery is on; a backup plan would keep copies of keys long after they stop meaning anything',
  });
}

/**
 * One runtime function: the prebuilt bundle with the file its configuration ships, its environment, its own log
 * group, and a role that may write that log group and nothing else until its policy is added.
 */
function runtimeFunction(scope: Construct, operation: Operation, configuration: FunctionConfiguration, props: RuntimeFunctionsProps): lambda.Function {
  const settings = OPERATIONS[operation];
  const logGroup = new logs.LogGroup(scope, `${settings.id}LogGroup`, {
    logGroupName: props.logGroupNamePrefix === undefined ? undefined : `${props.logGroupNamePrefix}/${operation}`,
    retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    encryptionKey: props.logEncryptionKey,
  });
  const role = new iam.Role(scope, `${settings.id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `${settings.description} (pendant runtime function role)`,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  const reserved = reservedConcurrencyOf(props.reservedConcurrency, operation) ?? settings.reservedConcurrency;
  const fn = new lambda.Function(scope, settings.id, {
    code: handlerCode(operation, configuration.file),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: settings.memorySize,
    timeout: Duration.seconds(settings.timeoutSeconds),
    description: settings.description,
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    environment: { ...configuration.environment },
    reservedConcurrentExecutions: reserved === 'unreserved' ? undefined : reserved,
  });
  acknowledgeRuntimeFunction(role, fn);
  checkEnvironment(scope, fn, operation, configuration);
  return fn;
}

/**
 * Lambda's 4 KB environment, which nothing else checks before a deployment fails on it (the model's
 * `checkEnvironmentSize`): a `ValidationError` when the environment can never fit, a warning on the function when it
 * likely will not.
 */
function checkEnvironment(scope: Construct, fn: lambda.Function, operation: Operation, configuration: FunctionConfiguration): void {
  const finding = checkEnvironmentSize(operation, configuration.environment, tokensWrittenAs);
  if (finding?.severity === 'error') throw new ValidationError(`runtime functions ${scope.node.path}: ${finding.message}`);
  if (finding?.severity === 'warning') Annotations.of(fn).addWarningV2('pendant:environmentSize', finding.message);
}

/** `value` with each token in it written as `standIn`: what the model measures in place of a value CloudFormation writes. */
function tokensWrittenAs(value: string, standIn: string): string {
  return String(Tokenization.reverseString(value).mapTokens({ mapToken: () => standIn }).join({ join: (left: unknown, right: unknown) => `${String(left)}${String(right)}` }));
}

/** The findings every runtime function's design answers, acknowledged with the reason a reviewer needs. */
function acknowledgeRuntimeFunction(role: iam.Role, fn: lambda.Function): void {
  acknowledgeOverflowPolicies(role);
  acknowledgeComplianceRule(role, 'IAMNoInlinePolicy', INLINE_POLICY_REASON);
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
}

/**
 * What the props reserve for an operation: its named field (FunctionConcurrency names the first five operations; a
 * jsii struct has no index) or its `byOperation` entry, which checkReservedConcurrency has made agree.
 */
function reservedConcurrencyOf(concurrency: FunctionConcurrency | undefined, operation: Operation): ReservedConcurrency | undefined {
  const named = (concurrency as Readonly<Record<string, unknown>> | undefined)?.[operation] as ReservedConcurrency | undefined;
  return named ?? concurrency?.byOperation?.[operation];
}
