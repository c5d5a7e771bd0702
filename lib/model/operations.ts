import type { ConfigurationPart } from './configuration';
import {
  DescribeRequest,
  DescribeResponse,
  LogsRequest,
  LogsResponse,
  parseDescribeRequest,
  parseLogsRequest,
  parseStatusRequest,
  parseSubmitRequest,
  parseTerminateRequest,
  parseValidateRequest,
  JobStatusResponse,
  StatusRequest,
  StatusResponse,
  SubmitRequest,
  SubmitResponse,
  TerminateJobsRequest,
  TerminateJobsResponse,
  TerminateRequest,
  TerminateResponse,
  ValidateRequest,
  ValidateResponse,
} from './requests';

/**
 * The runtime functions, listed once. Everything else that names them is derived from this table: the handler
 * bundles the build makes (scripts/bundle.mjs), the functions `RuntimeFunctions` deploys with their settings and
 * configuration, its `functionFor` / `grantInvoke` and `fromFunctionArns`, the handlers' edge, and the client's
 * function map and typed `call`. The IAM each function needs is the one table that cannot live here (it is CDK):
 * `lib/private/runtime-policies.ts`, a `Record<Operation, …>`, so the compiler names it when an operation is added.
 *
 * Plain data and the model's parsers only: no CDK, no SDK, so that the build, the handlers and the client read it.
 */

/** One runtime function. */
export interface OperationSpec<Request, Response> {
  /** The function's construct id in `RuntimeFunctions` (its role and log group take it as a prefix); changing it replaces the function. */
  readonly id: string;
  /** The function's description in Lambda, and its role's. */
  readonly description: string;
  /** MiB. */
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  /** Reserved concurrency unless the construct's `reservedConcurrency` says otherwise. */
  readonly reservedConcurrency: number;
  /** What it reads of the runtime configuration. */
  readonly configuration: readonly ConfigurationPart[];
  /** Its request parser: the handler runs it first, the client before sending. */
  readonly parse: (event: unknown) => Request;
  /** Never set: it carries the response type to the handler's edge and the client's typed `call`. */
  readonly response?: Response;
}

function operation<Request, Response>(spec: Omit<OperationSpec<Request, Response>, 'response'>): OperationSpec<Request, Response> {
  return spec;
}

/**
 * Reserved concurrency by default. submit: SubmitJob is throttled at about 50 requests a second per account and
 * Region, and a submission lasts a few hundred milliseconds (its S3 checks, the idempotency record, SubmitJob), so 10
 * at once stay under that rate with room for the account's other submitters, and a flood of calls is throttled by
 * Lambda before it exhausts the account's concurrency or Batch's rate. validate and status: the same bound for the
 * S3 and DescribeJobs calls they fan out. logs and terminate: GetLogEvents has a low per-account rate, and stopping
 * jobs is rare. Well inside the default quota of 1,000 less the 100 Lambda keeps unreserved.
 */
export const OPERATIONS = {
  validate: operation<ValidateRequest, ValidateResponse>({
    id: 'ValidateFunction',
    description: 'pendant: validate a job request and check its S3 inputs exist',
    memorySize: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 10,
    configuration: ['jobDefinitions'],
    parse: parseValidateRequest,
  }),
  submit: operation<SubmitRequest, SubmitResponse>({
    id: 'SubmitFunction',
    description: 'pendant: validate and submit an AWS Batch job',
    memorySize: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 10,
    configuration: ['jobDefinitions', 'platformId', 'jobQueues', 'queueSettings', 'revisions', 'idempotency', 'listJobsLagBound'],
    parse: parseSubmitRequest,
  }),
  // status, logs and terminate see only the platform's jobs: its tag, on its queues.
  status: operation<StatusRequest, StatusResponse | JobStatusResponse>({
    id: 'StatusFunction',
    description: 'pendant: report the status of AWS Batch jobs',
    memorySize: 256,
    timeoutSeconds: 60,
    reservedConcurrency: 10,
    configuration: ['platformId', 'jobQueues'],
    parse: parseStatusRequest,
  }),
  logs: operation<LogsRequest, LogsResponse>({
    id: 'LogsFunction',
    description: "pendant: read an AWS Batch job's CloudWatch logs",
    memorySize: 512,
    timeoutSeconds: 60,
    reservedConcurrency: 5,
    configuration: ['platformId', 'jobQueues', 'logsMaxResponseBytes'],
    parse: parseLogsRequest,
  }),
  terminate: operation<TerminateRequest | TerminateJobsRequest, TerminateResponse | TerminateJobsResponse>({
    id: 'TerminateFunction',
    description: 'pendant: cancel or terminate an AWS Batch job',
    memorySize: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 5,
    configuration: ['platformId', 'jobQueues'],
    parse: parseTerminateRequest,
  }),
  // Read-only and rare: callers read a declaration once to build their requests.
  describe: operation<DescribeRequest, DescribeResponse>({
    id: 'DescribeFunction',
    description: "pendant: describe a job definition's declared parameters, deployed revision and queues",
    memorySize: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 5,
    configuration: ['jobDefinitions', 'revisions', 'jobQueues', 'queueSettings'],
    parse: parseDescribeRequest,
  }),
};

/** A runtime function's name: `'validate'`, `'submit'`, … */
export type Operation = keyof typeof OPERATIONS;
/** The request an operation takes, as its parser returns it. */
export type RequestOf<O extends Operation> = ReturnType<(typeof OPERATIONS)[O]['parse']>;
/** The response an operation answers with. */
export type ResponseOf<O extends Operation> = NonNullable<(typeof OPERATIONS)[O]['response']>;

/** The runtime functions in the registry's order: the order they are made, and listed in messages. */
export const OPERATION_NAMES = Object.keys(OPERATIONS) as Operation[];

export function isOperation(name: string): name is Operation {
  return Object.prototype.hasOwnProperty.call(OPERATIONS, name);
}

/** Handlers that are not runtime functions of `RuntimeFunctions`: `JobEvents`' recorder and the resume function `RunJob` waits through. */
export const OTHER_HANDLERS = ['record', 'resume'] as const;
/** Every handler bundle the build makes, by its directory under `dist/lambda` and its file under `lambda/handlers`. */
export type HandlerName = Operation | (typeof OTHER_HANDLERS)[number];
export const HANDLER_NAMES: readonly HandlerName[] = [...OPERATION_NAMES, ...OTHER_HANDLERS];
