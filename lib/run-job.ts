import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { ArnFormat, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BATCH_EVENT_SOURCE, JOB_STATE_CHANGE_DETAIL_TYPE } from './model/job-state-change';
import { JobSummary, LIMITS, SubmitRequest } from './model/requests';
import { ParameterProblemCode } from './model/parameters';
import { ErrorType, ValidationError } from './model/errors';
import { acknowledgeComplianceRule, acknowledgeWildcard, INLINE_POLICY_REASON } from './private/acknowledge';
import { expiringTable } from './private/expiring-table';
import { configureResume } from './model/configuration';
import { handlerCode } from './private/handler-code';
import { IRuntimeFunctions } from './runtime-functions';

export interface JobWaiterProps {
  /** The platform's runtime functions: the resume function reads a failed job's last lines through its logs function. */
  readonly runtime: IRuntimeFunctions;
  /**
   * The queues whose jobs' state changes reach the resume function.
   * @default - every job queue of the account and Region
   */
  readonly jobQueueArns?: string[];
  /** How long the resume function's own logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Encrypts the resume function's log group. @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * What RunJob states wait through: a DynamoDB table of the task tokens of waiting executions (by job id, with TTL),
 * the resume function, and an EventBridge rule that hands it every Batch "Job State Change" of the queues. A job's
 * terminal change answers the tasks waiting for it; any other change keeps them alive with a heartbeat.
 *
 * One is made per stack and runtime on first use by `RunJob`; make your own to filter queues or share one.
 */
export class JobWaiter extends Construct {
  /** The stack's waiter for `runtime`, made on first use. */
  public static of(scope: Construct, runtime: IRuntimeFunctions): JobWaiter {
    const stack = Stack.of(scope);
    const id = `PendantJobWaiter${Names.nodeUniqueId(runtime.logsFunction.node).slice(-8)}`;
    return (stack.node.tryFindChild(id) as JobWaiter | undefined) ?? new JobWaiter(stack, id, { runtime });
  }

  public readonly taskTokenTable: dynamodb.Table;
  public readonly resumeFunction: lambda.Function;
  /** The resume function's own log group. */
  public readonly logGroup: logs.LogGroup;
  public readonly rule: events.Rule;

  public constructor(scope: Construct, id: string, props: JobWaiterProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Tokens live for a heartbeat and an hour: nothing in the table outlives the waits it serves.
    this.taskTokenTable = expiringTable(this, 'TaskTokenTable', {
      partitionKey: 'jobId',
      sortKey: 'tokenHash',
      timeToLiveAttribute: 'expiration',
      whyNoBackupPlan:
        'the table holds only task tokens of waits in progress, which expire within a heartbeat and an hour and mean nothing once their executions end; point-in-time recovery is on',
    });

    const logGroup = (this.logGroup = new logs.LogGroup(this, 'ResumeFunctionLogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logEncryptionKey,
    }));
    const role = new iam.Role(this, 'ResumeFunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'pendant: answers RunJob waits from Batch job state changes (pendant resume function role)',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    acknowledgeComplianceRule(role, 'IAMNoInlinePolicy', INLINE_POLICY_REASON);
    const configuration = configureResume({ taskTokenTable: this.taskTokenTable.tableName, logsFunction: props.runtime.logsFunction.functionArn });
    this.resumeFunction = new lambda.Function(this, 'ResumeFunction', {
      code: handlerCode('resume', configuration.file),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // A failed job's answer reads its last lines through the logs function, which may take a while.
      timeout: Duration.seconds(60),
      description: 'pendant: answers RunJob waits from Batch job state changes',
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...configuration.environment },
      // Job state changes of a busy platform arrive in bursts; ten at once answer them without taking the account's
      // concurrency, and EventBridge retries what is throttled.
      reservedConcurrentExecutions: 10,
    });
    acknowledgeComplianceRule(
      this.resumeFunction,
      'LambdaDLQ',
      'EventBridge retries each delivery for a day, and a job state change that is lost anyway costs a waiting execution one heartbeat, after which the wait looks at the job itself; a dead-letter queue would hold events nobody needs',
    );
    acknowledgeComplianceRule(
      this.resumeFunction,
      'LambdaInsideVPC',
      'the function calls only AWS service APIs (Batch, DynamoDB, Step Functions, Lambda) over TLS with its role; outside the VPC it holds no network path to the jobs or anything else in it',
    );

    this.resumeFunction.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'TaskTokens', actions: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'], resources: [this.taskTokenTable.tableArn] }),
    );
    props.runtime.grantLogs(this.resumeFunction);
    this.resumeFunction.addToRolePolicy(new iam.PolicyStatement({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs'], resources: ['*'] }));
    const stateMachines = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.resumeFunction.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AnswerWaitingTasks',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: [stateMachines],
      }),
    );
    const policy = this.resumeFunction.role!.node.findChild('DefaultPolicy');
    acknowledgeWildcard(policy, { resource: '*' }, 'batch:DescribeJobs has no resource type: IAM accepts only "*"');
    acknowledgeWildcard(
      policy,
      { resource: stateMachines },
      'any state machine of the account and Region may chain a RunJob fragment, and is answered only for a task token it handed the function itself',
    );

    this.rule = new events.Rule(this, 'JobStateChanges', {
      description: 'pendant: Batch job state changes, to answer RunJob waits',
      eventPattern: {
        source: [BATCH_EVENT_SOURCE],
        detailType: [JOB_STATE_CHANGE_DETAIL_TYPE],
        ...(props.jobQueueArns !== undefined && { detail: { jobQueue: [...props.jobQueueArns] } }),
      },
      targets: [new targets.LambdaFunction(this.resumeFunction, { retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });
  }
}

/**
 * A submit request as RunJob takes it (the submit function's fields but `idempotencyKey`, which RunJob sets): any
 * value may be a JsonPath into the state's input. A plain struct so that jsii languages can pass it; the submit
 * function parses it as it parses any request.
 */
export interface RunJobRequest {
  /** The job definition's declared name. */
  readonly jobDefinition: string;
  /** Parameter values by name. @default - the definition's defaults */
  readonly parameters?: { [name: string]: unknown };
  /** A configured queue's name or ARN. @default - the first configured queue */
  readonly jobQueue?: string;
  /** A revision number, or `'latest'`. @default - the revision deployed with the function */
  readonly revision?: unknown;
  /** `{ command?, environment?, vcpus?, memoryMiB?, gpus? }`, within the definition's override policy. @default - none */
  readonly containerOverrides?: { [field: string]: unknown };
  /** Makes an array job of this many children (2–10,000). @default - a single job */
  readonly arraySize?: number;
  /** Job ids (or `{ jobId, type }` objects) this job waits for. @default - none */
  readonly dependsOn?: unknown[];
  /** @default - a name made from the job definition's */
  readonly jobName?: string;
  /** For a fair-share queue. @default - none */
  readonly shareIdentifier?: string;
  /** For a fair-share queue, 0–9999. @default - none */
  readonly schedulingPriorityOverride?: number;
}

// The compiler keeps RunJobRequest to the submit function's own fields.
const RUN_JOB_REQUEST_FIELDS_ARE_SUBMIT_FIELDS: [Exclude<keyof RunJobRequest, keyof SubmitRequest>] extends [never] ? true : never = true;
void RUN_JOB_REQUEST_FIELDS_ARE_SUBMIT_FIELDS;

export interface RunJobProps {
  /** The platform's runtime functions (validate, submit and, for a failed job's last lines, logs). */
  readonly runtime: IRuntimeFunctions;
  /**
   * The job, as a submit request whose values may be JsonPaths into the state's input, e.g.
   * `{ jobDefinition: 'demo-job', parameters: { input_object: sfn.JsonPath.stringAt('$.input') } }`.
   */
  readonly request: RunJobRequest;
  /**
   * The submission's idempotency key, as a JsonPath expression: a redriven or retried state answers the job it
   * submitted before instead of submitting another.
   * @default - the execution's id (its ARN, the execution's name at its end) and the state's id
   */
  readonly idempotencyKey?: string;
  /**
   * How long the wait goes without word of the job (a state change) before it looks at the job itself. This is the
   * bound on what a lost event costs; it is not a limit on the job's run time.
   * @default Duration.hours(1)
   */
  readonly heartbeat?: Duration;
  /**
   * Where the job's summary goes in the state's output.
   * @default '$' - the summary is the output
   */
  readonly resultPath?: string;
  /** @default - the stack's waiter for `runtime` (`JobWaiter.of`) */
  readonly waiter?: JobWaiter;
}

/**
 * Every field a job summary always has, so the Parallel's result selector hands on the whole summary (checked by the
 * compiler). The fields only an answer from the job events table carries, and `nodes` (multi-node jobs only), are left
 * out: a result selector path that is missing fails the state.
 */
const SUMMARY_FIELDS: { readonly [K in keyof Omit<Required<JobSummary>, 'source' | 'recordedAt' | 'history' | 'nodes'>]: K } = {
  jobId: 'jobId',
  jobName: 'jobName',
  status: 'status',
  statusReason: 'statusReason',
  exitCode: 'exitCode',
  createdAt: 'createdAt',
  startedAt: 'startedAt',
  stoppedAt: 'stoppedAt',
  logStreamName: 'logStreamName',
  attempts: 'attempts',
  arrayStatusSummary: 'arrayStatusSummary',
  jobDefinition: 'jobDefinition',
  dependsOn: 'dependsOn',
  tags: 'tags',
  arrayProperties: 'arrayProperties',
};

/** The validate problem rules submit would refuse with an error of their own rather than `InvalidRequestError`. */
const NOT_FOUND: ParameterProblemCode = 'not-found';
const ACCESS_DENIED: ParameterProblemCode = 'access-denied';

const DEFAULT_HEARTBEAT = Duration.hours(1);

/**
 * Runs one pendant job to its end from a state machine: validate → submit (idempotent per execution) → wait, without
 * polling, for the job's state change event. Its output is the job's summary; a failed job fails the state with
 * `BatchJobFailedError` (its cause carries the status reason, exit code and last log lines), and a request the
 * validate or submit function refuses fails it with that function's error (`InvalidRequestError`,
 * `S3ObjectNotFoundError`, `UnknownJobDefinitionError`…), all of which `addCatch` matches by name.
 *
 * It is one Parallel state with a single branch, so that every error leaves it as a catchable error of one state.
 *
 * @exampleMetadata fixture=construct
 * @example
 * const run = new RunJob(this, 'Align', {
 *   runtime: platform.runtime,
 *   request: { jobDefinition: 'demo-job', parameters: { input_object: sfn.JsonPath.stringAt('$.input') } },
 * });
 * run.addCatch(new sfn.Fail(this, 'Failed'), { errors: ['BatchJobFailedError'] });
 */
export class RunJob extends sfn.StateMachineFragment {
  public readonly startState: sfn.State;
  public readonly endStates: sfn.INextable[];
  /** The waiter the wait goes through. */
  public readonly waiter: JobWaiter;
  private readonly parallel: sfn.Parallel;

  public constructor(scope: Construct, id: string, props: RunJobProps) {
    super(scope, id);
    const heartbeat = props.heartbeat ?? DEFAULT_HEARTBEAT;
    checkHeartbeat(this.node.path, heartbeat);
    this.waiter = props.waiter ?? JobWaiter.of(this, props.runtime);
    const { request } = props;

    const validate = new tasks.LambdaInvoke(this, 'Validate', {
      stateName: `${id}: validate`,
      lambdaFunction: props.runtime.validateFunction,
      payload: sfn.TaskInput.fromObject({ jobDefinition: request.jobDefinition, ...(request.parameters !== undefined && { parameters: request.parameters }) }),
      resultSelector: { 'valid.$': '$.Payload.valid', 'problems.$': '$.Payload.problems' },
      resultPath: '$.pendantValidation',
    });
    // The error submit itself would answer for the same problems: it refuses missing or forbidden inputs with an
    // error of their own once every other check passed, and validate lists those problems last.
    const refuse = (error: ErrorType) =>
      new sfn.Fail(this, error, {
        stateName: `${id}: ${error}`,
        error,
        causePath: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.pendantValidation.problems')),
      });

    const submit = new tasks.LambdaInvoke(this, 'Submit', {
      stateName: `${id}: submit`,
      lambdaFunction: props.runtime.submitFunction,
      payload: sfn.TaskInput.fromObject({
        ...request,
        idempotencyKey: props.idempotencyKey ?? sfn.JsonPath.format('{}#{}', sfn.JsonPath.executionId, id.slice(0, 32)),
      }),
      resultSelector: { 'jobId.$': '$.Payload.jobId', 'jobName.$': '$.Payload.jobName', 'jobQueue.$': '$.Payload.jobQueue', 'jobDefinition.$': '$.Payload.jobDefinition' },
      resultPath: '$.pendantJob',
    });
    // The first submission with the key is still under way (a retried state caught it mid-flight): it will answer.
    submit.addRetry({ errors: ['IdempotencyInProgressError' satisfies ErrorType], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 5 });

    const wait = new tasks.LambdaInvoke(this, 'AwaitJob', {
      stateName: `${id}: await job`,
      lambdaFunction: this.waiter.resumeFunction,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        taskToken: sfn.JsonPath.taskToken,
        jobId: sfn.JsonPath.stringAt('$.pendantJob.jobId'),
        heartbeatSeconds: heartbeat.toSeconds(),
      }),
      heartbeatTimeout: sfn.Timeout.duration(heartbeat),
      resultPath: '$',
    });
    // No word of the job for a heartbeat: wait again, which looks at the job first and answers at once if it ended.
    wait.addCatch(wait, { errors: [sfn.Errors.HEARTBEAT_TIMEOUT], resultPath: sfn.JsonPath.DISCARD });

    const valid = new sfn.Choice(this, 'Valid', { stateName: `${id}: valid?` })
      .when(sfn.Condition.booleanEquals('$.pendantValidation.valid', true), submit.next(wait))
      .when(sfn.Condition.stringEquals('$.pendantValidation.problems[0].rule', NOT_FOUND), refuse('S3ObjectNotFoundError'))
      .when(sfn.Condition.stringEquals('$.pendantValidation.problems[0].rule', ACCESS_DENIED), refuse('S3AccessDeniedError'))
      .otherwise(refuse('InvalidRequestError'));

    this.parallel = new sfn.Parallel(this, 'Resource', {
      stateName: id,
      comment: `pendant RunJob: ${request.jobDefinition}`.slice(0, 256),
      resultSelector: Object.fromEntries(Object.keys(SUMMARY_FIELDS).map((field) => [`${field}.$`, `$[0].${field}`])),
      resultPath: props.resultPath ?? '$',
    });
    this.parallel.branch(validate.next(valid));
    this.startState = this.parallel;
    this.endStates = [this.parallel];
  }

  /** Catches errors of the whole run (by name: `BatchJobFailedError`, `InvalidRequestError`…). */
  public addCatch(handler: sfn.IChainable, props?: sfn.CatchProps): this {
    this.parallel.addCatch(handler, props);
    return this;
  }

  /** Retries the whole run; a retry answers the job already submitted (same idempotency key), it never submits another. */
  public addRetry(props?: sfn.RetryProps): this {
    this.parallel.addRetry(props);
    return this;
  }
}

function checkHeartbeat(path: string, heartbeat: Duration): void {
  if (Token.isUnresolved(heartbeat.toSeconds())) return;
  const seconds = heartbeat.toSeconds();
  if (!Number.isInteger(seconds) || seconds < 60 || seconds > LIMITS.MAX_HEARTBEAT_SECONDS) {
    throw new ValidationError(`run job ${path}: heartbeat must be whole seconds from 1 minute to ${LIMITS.MAX_HEARTBEAT_SECONDS / 3600} hours, got ${heartbeat.toHumanString()}`);
  }
}

export interface RunJobStateMachineProps extends RunJobProps {
  /** @default - a name CloudFormation generates */
  readonly stateMachineName?: string;
  /**
   * The most an execution may take, job included.
   * @default - no limit but Step Functions' own (a year)
   */
  readonly timeout?: Duration;
  /** How long the execution history log is kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Encrypts the execution log group. @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * A ready Standard state machine that runs one job: `RunJob` alone, with execution logging of every event and X-Ray
 * tracing. Start an execution with the state's input; its output is the job's summary.
 */
export class RunJobStateMachine extends Construct {
  public readonly runJob: RunJob;
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;

  public constructor(scope: Construct, id: string, props: RunJobStateMachineProps) {
    super(scope, id);
    const { stateMachineName, timeout, logRetention, logEncryptionKey, ...runJobProps } = props;
    this.runJob = new RunJob(this, 'RunJob', runJobProps);
    this.logGroup = new logs.LogGroup(this, 'ExecutionLogGroup', { retention: logRetention ?? logs.RetentionDays.ONE_MONTH, encryptionKey: logEncryptionKey });
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(this.runJob),
      timeout,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    acknowledgeComplianceRule(this.stateMachine.role, 'IAMNoInlinePolicy', INLINE_POLICY_REASON);
    const policy = this.stateMachine.role.node.findChild('DefaultPolicy');
    const invoked = [props.runtime.validateFunction, props.runtime.submitFunction, this.runJob.waiter.resumeFunction];
    for (const fn of invoked) {
      acknowledgeWildcard(
        policy,
        { resource: `${fn.functionArn}:*` },
        "aws-cdk-lib's LambdaInvoke task grants the function's versions and aliases with the function; the states invoke only the unqualified function",
      );
    }
    acknowledgeWildcard(
      policy,
      { resource: '*' },
      'X-Ray tracing (xray:PutTraceSegments, xray:GetSamplingRules…) and CloudWatch Logs log delivery (logs:CreateLogDelivery…) have no resource type: IAM accepts only "*"',
    );
  }

  /** Lets `grantee` start executions. */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }
}
