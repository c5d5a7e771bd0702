import { fieldPath, InvalidRequestError, RequestProblem } from './errors';
import { isValidName, MAX_NAME_LENGTH } from './job-name';
import { isJobStatus, JOB_STATUSES, JobStatus } from './job-status';
import type { JobSummarySource, JobTransition } from './job-events';
import { LogEvent } from './log-event';
import { RESOURCE_LIMITS } from './overrides';
import type { ParameterType } from './parameters';
import type { MultiNodeLayout, PlatformName } from './platform';
import type { JobOverridePolicy } from './overrides';
import { isWellFormedText } from './s3-uri';

/**
 * The events the runtime functions accept and the responses they give, with the parsers the handlers run
 * before anything else. A request the client can type is a request the handler accepts.
 */

// ---------------------------------------------------------------------------------------------------------------
// Limits (AWS's, and pendant's own where AWS has none)

export const LIMITS = {
  /** Array jobs: 2 to 10,000 children. */
  ARRAY_SIZE_MIN: 2,
  ARRAY_SIZE_MAX: 10_000,
  /** SubmitJob `dependsOn`. */
  MAX_DEPENDENCIES: 20,
  /** The whole SubmitJob request. */
  MAX_SUBMIT_PAYLOAD_BYTES: 30 * 1024,
  /** SubmitJob `containerOverrides`, as JSON. */
  MAX_CONTAINER_OVERRIDES_CHARS: 8192,
  /** Job ids one status request may name (ten DescribeJobs calls). */
  MAX_STATUS_JOB_IDS: 1000,
  /** DescribeJobs takes at most 100 ids a call. */
  DESCRIBE_JOBS_BATCH: 100,
  /** TerminateJob / CancelJob `reason`. */
  MAX_REASON_LENGTH: 1024,
  /** GetLogEvents returns at most 10,000 events a page. */
  MAX_LOG_EVENTS_LIMIT: 10_000,
  /** No event this large is a real request; it is refused before it is walked. */
  MAX_EVENT_BYTES: 256 * 1024,
  MAX_EVENT_DEPTH: 16,
  /** Strings pendant takes as identifiers or tokens. */
  MAX_TOKEN_LENGTH: 4096,
  /** Job ids one terminate request may name. */
  MAX_TERMINATE_JOB_IDS: 100,
  /** TerminateJobs takes at most 50 ids a call (AWS Batch API Reference, TerminateJobs). */
  TERMINATE_JOBS_BATCH: 50,
  /** ListJobs `maxResults`: 1 to 1,000 a page; 100 when not given (AWS Batch API Reference, ListJobs). */
  LIST_JOBS_MAX_RESULTS: 1000,
  LIST_JOBS_DEFAULT_RESULTS: 100,
  /** A job runs at most 10 attempts (SubmitJob `retryStrategy.attempts`: 1–10). */
  MAX_ATTEMPTS: 10,
  /** Tags on one job, pendant's own included (AWS Batch API Reference, SubmitJob: tags; User Guide, "Tag restrictions"). */
  MAX_TAGS: 50,
  MAX_TAG_KEY_LENGTH: 128,
  MAX_TAG_VALUE_LENGTH: 256,
  /** SubmitJob `retryStrategy.evaluateOnExit`: at most 5 rules (AWS Batch API Reference, RetryStrategy). */
  MAX_EVALUATE_ON_EXIT: 5,
  /** EvaluateOnExit `onExitCode`, `onReason`, `onStatusReason`: at most 512 characters (AWS Batch API Reference, EvaluateOnExit). */
  MAX_EVALUATE_ON_EXIT_PATTERN: 512,
  /** SubmitJob `timeout.attemptDurationSeconds`: at least 60 (AWS Batch API Reference, JobTimeout). */
  MIN_ATTEMPT_DURATION_SECONDS: 60,
  /** A Step Functions task token: 1 to 2,048 characters (AWS Step Functions API Reference, SendTaskSuccess: taskToken). */
  MAX_TASK_TOKEN_LENGTH: 2048,
  /** SendTaskFailure `cause`: at most 32,768 characters (AWS Step Functions API Reference, SendTaskFailure). */
  MAX_TASK_FAILURE_CAUSE_CHARS: 32_768,
  /** How many of a failed job's last log lines its `BatchJobFailedError` carries. */
  FAILED_JOB_LOG_LINES: 20,
  /** The longest wait between two looks at a job a RunJob waits for (Step Functions' HeartbeatSeconds ceiling is a year; a day is plenty). */
  MAX_HEARTBEAT_SECONDS: 24 * 60 * 60,
} as const;

/**
 * A Batch job id: a UUID, with `:index` for an array child or `#node` for a multi-node child. An array has at most
 * 10,000 children, numbered from 0; Batch writes indices without leading zeros, so `:10000` or `:007` names no job.
 */
export const JOB_ID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?::(?:0|[1-9]\d{0,3})|#(?:0|[1-9]\d{0,4}))?$/;
/** Container environment variable names; `AWS_BATCH*` is reserved by Batch and refused separately. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
export const RESERVED_ENV_PREFIX = 'AWS_BATCH';

// ---------------------------------------------------------------------------------------------------------------
// Shapes

export interface ValidateRequest {
  /** The job definition's declared name. */
  readonly jobDefinition: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

export interface ValidateResponse {
  readonly valid: boolean;
  /**
   * Every problem found, in the shape `InvalidRequestError.problems` has: submit refuses the same request with an
   * `InvalidRequestError` listing these (or, when only input objects are missing or forbidden, with
   * `S3ObjectNotFoundError` / `S3AccessDeniedError`).
   */
  readonly problems: RequestProblem[];
}

export interface ContainerOverrides {
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  /** vCPUs; fractions such as 0.25 are valid on Fargate. */
  readonly vcpus?: number;
  readonly memoryMiB?: number;
  readonly gpus?: number;
}

export type DependencyType = 'N_TO_N' | 'SEQUENTIAL';

/**
 * A job this job waits for, in one of the forms AWS Batch documents (AWS Batch User Guide, "Job dependencies"; API
 * Reference, SubmitJob: dependsOn): `{ jobId }` waits for that job; `{ jobId, type: 'N_TO_N' }` makes each child of
 * this array job wait for the child of the same index of that array job; `{ type: 'SEQUENTIAL' }`, without a job id,
 * runs this array job's children one after another from index 0.
 */
export interface JobDependency {
  /** Required except in `{ type: 'SEQUENTIAL' }`. */
  readonly jobId?: string;
  readonly type?: DependencyType;
}

export interface SubmitRequest {
  /** The job definition's declared name. */
  readonly jobDefinition: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** A configured queue's name or ARN. @default - the first configured queue */
  readonly jobQueue?: string;
  /** A revision number, or `'latest'` for the newest ACTIVE one. @default - the revision deployed with the function */
  readonly revision?: number | 'latest';
  readonly containerOverrides?: ContainerOverrides;
  /** Makes an array job of this many children (2–10,000). */
  readonly arraySize?: number;
  /** Job ids (or `{ jobId, type: 'N_TO_N' }`, `{ type: 'SEQUENTIAL' }` on an array job) this job waits for; at most 20. */
  readonly dependsOn?: ReadonlyArray<string | JobDependency>;
  /** @default - `makeJobName(jobDefinition)` */
  readonly jobName?: string;
  /**
   * Makes the submission safe to retry: within the idempotency window, the same key with the same request answers
   * the first submission's job instead of submitting again, and the same key with another request is an
   * `IdempotencyConflictError`.
   * @default - every request submits a new job
   */
  readonly idempotencyKey?: string;
  /**
   * The fair-share identifier: required on a queue with a fair-share scheduling policy, refused on a FIFO queue (AWS
   * Batch API Reference, SubmitJob). At most 255 letters and digits, optionally followed by `*`.
   * @default - none
   */
  readonly shareIdentifier?: string;
  /**
   * The job's priority within its share identifier, 0–9999 (higher runs first); only on a fair-share queue.
   * @default - the job definition's scheduling priority
   */
  readonly schedulingPriorityOverride?: number;
  /**
   * Tags for the job (at most 50, counting the ones pendant adds itself); keys 1–128 and values 0–256 characters of
   * letters, digits, white space and `+ - = . _ : / @`, none starting `aws:` (AWS's) or `pendant:` (pendant's own).
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
  /** Copy the job's tags to its ECS task. @default - the job definition's setting */
  readonly propagateTags?: boolean;
  /** Replaces the job definition's retry strategy. @default - the job definition's */
  readonly retryStrategy?: RetryStrategyOverride;
  /** Replaces the job definition's attempt timeout. @default - the job definition's */
  readonly timeout?: TimeoutOverride;
  /** Multi-node parallel job definitions only: the node count and each node range's overrides. @default - none */
  readonly nodeOverrides?: NodeOverrides;
}

/** One rule of a retry strategy: the first rule whose conditions all match decides (AWS Batch API Reference, EvaluateOnExit). */
export interface EvaluateOnExitRule {
  /** Case-insensitive in Batch; pendant sends it upper case. */
  readonly action: 'RETRY' | 'EXIT';
  /** Digits, optionally ending in `*`; at most 512 characters. */
  readonly onExitCode?: string;
  /** Letters, digits, `.`, `:` and white space, optionally ending in `*`; at most 512 characters. */
  readonly onReason?: string;
  readonly onStatusReason?: string;
}

/** SubmitJob `retryStrategy`: replaces the job definition's. */
export interface RetryStrategyOverride {
  /** 1–10. */
  readonly attempts?: number;
  /** At most 5 rules. */
  readonly evaluateOnExit?: readonly EvaluateOnExitRule[];
}

/** SubmitJob `timeout`: replaces the job definition's. */
export interface TimeoutOverride {
  /** At least 60. */
  readonly attemptDurationSeconds: number;
}

/** A multi-node node range's container overrides: a single-node job's, plus the instance type. */
export interface NodeContainerOverrides extends ContainerOverrides {
  readonly instanceType?: string;
}

/** SubmitJob `nodeOverrides.nodePropertyOverrides[]`. */
export interface NodePropertyOverride {
  /** `n`, `n:m`, `:m` or `n:` (node indices; an open end is the last node). */
  readonly targetNodes: string;
  readonly containerOverrides?: NodeContainerOverrides;
}

/** SubmitJob `nodeOverrides`, for a multi-node parallel job definition only. */
export interface NodeOverrides {
  /** Nodes for this job (AWS Batch API Reference, NodeOverrides: needs an open-ended node range). */
  readonly numNodes?: number;
  readonly nodePropertyOverrides?: readonly NodePropertyOverride[];
}

export interface SubmitResponse {
  readonly jobId: string;
  readonly jobName: string;
  readonly jobArn: string;
  /** `<name>:<revision>` as submitted. */
  readonly jobDefinition: string;
  readonly jobQueue: string;
}

export type StatusRequest = (
  | {
      readonly jobIds: readonly string[];
      /** From a previous response that ran short of time: the same `jobIds` resume with the batches not yet asked. */
      readonly nextToken?: string;
    }
  | {
      readonly jobId: string;
      /** For an array parent: one page of its children in one status (one ListJobs call). @default - no children */
      readonly children?: ChildrenRequest;
    }
) & {
  /**
   * Add each job's `history` of state transitions from the job events table (needs the `JobEvents` construct).
   * @default false
   */
  readonly history?: boolean;
};

/**
 * One page of an array job's children. Batch lists an array's children one status at a time (ListJobs by
 * `arrayJobId` takes no `filters`, and without a status lists only RUNNING ones), so the status is required.
 */
export interface ChildrenRequest {
  readonly status: JobStatus;
  /** From the previous page's `children.nextToken`, to read the next page of the same parent and status. */
  readonly nextToken?: string;
  /** Children on this page, 1–1,000 (ListJobs `maxResults`). @default 100 */
  readonly limit?: number;
}

export interface JobAttemptSummary {
  readonly exitCode: number | null;
  readonly reason: string | null;
  readonly logStreamName: string | null;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
}

export interface JobSummary {
  readonly jobId: string;
  readonly jobName: string;
  readonly status: JobStatus;
  readonly statusReason: string | null;
  readonly exitCode: number | null;
  /** ISO 8601 times, or null where Batch has none yet. */
  readonly createdAt: string | null;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
  readonly logStreamName: string | null;
  readonly attempts: JobAttemptSummary[];
  /** For array jobs: how many children are in each status. */
  readonly arrayStatusSummary: Partial<Record<JobStatus, number>> | null;
  /** `<name>:<revision>` of the job definition the job runs. */
  readonly jobDefinition: string | null;
  /** The jobs this one waits for. */
  readonly dependsOn: JobDependency[];
  readonly tags: Record<string, string>;
  /** An array parent's `size`, an array child's `index`; null for a job that is neither. */
  readonly arrayProperties: { readonly size?: number; readonly index?: number } | null;
  /**
   * `'job-events'` when the answer came from the job events table (the `JobEvents` construct) and Batch was not
   * asked: it is the job as of `recordedAt`, the time of the latest state change recorded. Absent when Batch answered.
   */
  readonly source?: JobSummarySource;
  /** With `source`: when Batch emitted the state change the answer reflects (ISO 8601). */
  readonly recordedAt?: string;
  /** Only when the request asked for `history`: the job's recorded state transitions, oldest first. */
  readonly history?: JobTransition[];
  /**
   * A multi-node parallel job's `numNodes` and `mainNode` (its nodes are `<jobId>#0`, `<jobId>#1`…, each with a status
   * and a log stream of its own), or a node's `nodeIndex` and `isMainNode`; absent for a single-node job.
   */
  readonly nodes?: { readonly numNodes?: number; readonly mainNode?: number; readonly nodeIndex?: number; readonly isMainNode?: boolean };
}

/** An array child as ListJobs reports it. */
export interface ChildJobSummary {
  readonly jobId: string;
  readonly index: number | null;
  readonly status: JobStatus;
  readonly statusReason: string | null;
  readonly exitCode: number | null;
  readonly createdAt: string | null;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
}

/** A job, and for a request with `children`, one page of its children. */
export interface JobStatusResponse extends JobSummary {
  readonly children?: {
    readonly status: JobStatus;
    readonly jobs: ChildJobSummary[];
    /** Send it back in `children.nextToken` for the next page; null on the last page. */
    readonly nextToken: string | null;
  };
}

export interface StatusResponse {
  readonly jobs: JobSummary[];
  /**
   * Ids Batch does not know (or does not know yet: a job just submitted can take a moment to appear). Unlike a
   * `{ jobId }` request, a list is answered without waiting for them.
   */
  readonly notFound: string[];
  /**
   * Present only when the invocation ran short of time before every id was asked about: send the same `jobIds` with
   * this token for the rest. `jobs` and `notFound` then cover only the ids already asked about.
   */
  readonly nextToken?: string;
}

export interface LogsRequest {
  readonly jobId: string;
  /** From a previous response, to resume where it stopped. */
  readonly nextToken?: string;
  /** The most events in this response (1–10,000). @default 10000 */
  readonly limit?: number;
  /** Which attempt's stream to read, from 1 (a job runs at most 10). @default - the latest attempt */
  readonly attempt?: number;
  /**
   * Read the last `limit` events of the stream (newest last) instead of reading from the head; the response's
   * `nextToken` then follows the stream forward from its end. Not with `nextToken`.
   * @default false
   */
  readonly fromEnd?: boolean;
}

export interface LogsResponse {
  readonly jobId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly events: LogEvent[];
  /** Pass back to read on; `null` only when the job is terminal and its stream is read to the end. */
  readonly nextToken: string | null;
}

export interface TerminateRequest {
  readonly jobId: string;
  /** Why; shown in the job's status reason (1–1,024 characters). */
  readonly reason: string;
}

/** Up to 100 jobs (array parents included, which stop their children) stopped in one request. */
export interface TerminateJobsRequest {
  readonly jobIds: readonly string[];
  readonly reason: string;
}

/**
 * What TerminateJob does to a job in the status it was seen in: `cancelled` before STARTING, `terminated` from
 * STARTING on; `none` for a job that had already finished, which is left alone.
 */
export type TerminateAction = 'terminated' | 'cancelled' | 'none';

export interface TerminateResponse {
  readonly jobId: string;
  readonly previousStatus: JobStatus;
  readonly action: TerminateAction;
}

export interface TerminateJobsResponse {
  /** Each job Batch knows, in the order asked, with what was done to it. */
  readonly jobs: TerminateResponse[];
  /** Ids Batch does not list (asked once: a list is not waited for). */
  readonly notFound: string[];
  /** Jobs Batch reported an error for (TerminateJobs answers per job): retry them. */
  readonly failed: Array<{ readonly jobId: string; readonly previousStatus: JobStatus; readonly code: string; readonly message: string }>;
}

/**
 * What a RunJob state machine sends the resume function as it starts to wait for a job (`.waitForTaskToken`): the
 * token to answer when the job ends, and how long the state waits without word before it asks again.
 */
export interface WaitForJobRequest {
  readonly taskToken: string;
  readonly jobId: string;
  readonly heartbeatSeconds: number;
}

/** What the resume function answers a wait with (Step Functions ignores it; the logs and tests read it). */
export interface WaitForJobResponse {
  readonly jobId: string;
  /** The job's status when the wait began; a terminal one was answered at once. */
  readonly status: JobStatus;
}

/** A job definition's declaration, by its declared name; without one, the names of every declared definition. */
export interface DescribeRequest {
  /** The job definition's declared name. @default - the list of declared names */
  readonly jobDefinition?: string;
}

/** The declared job definitions' names, for a request that names none. */
export interface JobDefinitionList {
  readonly jobDefinitions: string[];
}

/** One declared parameter, as a request gives it. */
export interface DescribedParameter {
  readonly name: string;
  /** The kind, as a declaration's `type` spells it: `'integer'`, `'s3-object'`… */
  readonly kind: ParameterType;
  /** A parameter without a default is required. */
  readonly required: boolean;
  /** The declared default, as declared (a number for an integer, a list for s3-objects); absent when required. */
  readonly default?: string | number | boolean | readonly string[];
  /** What a value must be, in words: `an integer between 1 and 64`. */
  readonly accepts: string;
  /** The declaration's own description, for people. */
  readonly description?: string;
}

/** A queue the job definition may be sent to (`jobQueue` in submit). */
export interface DescribedJobQueue {
  readonly name: string;
  /** Submit's queue when a request names none. */
  readonly default: boolean;
  /** A fair-share queue needs `shareIdentifier`; null when the configuration does not say. */
  readonly fairShare: boolean | null;
}

/** What a caller needs to build a request for one declared job definition. */
export interface JobDefinitionDescription {
  /** The declared name: what requests give as `jobDefinition`. */
  readonly jobDefinition: string;
  /** The job definition's name in AWS Batch. */
  readonly physicalName: string;
  /** The revision submit sends when a request pins none. */
  readonly revision: number;
  /** `deployed`: the revision deployed with the functions; `latest-active`: only the name is configured, and this is Batch's newest ACTIVE one. */
  readonly revisionSource: 'deployed' | 'latest-active';
  /** Where it runs; null when the configuration does not say. */
  readonly platform: PlatformName | null;
  readonly parameters: DescribedParameter[];
  /** What callers may override (`containerOverrides`); `{}` is nothing. */
  readonly overrides: JobOverridePolicy;
  /** The configured queues of its platform (all of them when a platform is not known), in the configured order. */
  readonly jobQueues: DescribedJobQueue[];
  /** A multi-node parallel definition's node layout; absent for a single-node one. */
  readonly nodes?: MultiNodeLayout;
}

export type DescribeResponse = JobDefinitionDescription | JobDefinitionList;

// ---------------------------------------------------------------------------------------------------------------
// Parsers

/**
 * Collects every problem with an event; `finish` throws `InvalidRequestError` if there is any.
 * @internal shared by the model's parsers
 */
export class EventReader {
  public readonly problems: RequestProblem[] = [];

  public problem(field: string, rule: string, message: string): undefined {
    this.problems.push({ field, rule, message });
    return undefined;
  }

  /** The event as an object with only `allowed` fields, or undefined (with a problem) when it is not one. */
  public object(value: unknown, field: string, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.problem(field, 'type', `must be an object, got ${typeName(value)}`);
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.problem(fieldPath(field, key), 'unknown-field', `is not a field of this request; allowed: ${allowed.join(', ')}`);
      }
    }
    return value as Record<string, unknown>;
  }

  public string(value: unknown, field: string, rules: { min?: number; max: number; pattern?: RegExp; patternText?: string }): string | undefined {
    if (value === undefined) return this.problem(field, 'required', 'is required');
    if (typeof value !== 'string') return this.problem(field, 'type', `must be a string, got ${typeName(value)}`);
    if (!isWellFormedText(value)) return this.problem(field, 'utf8', 'must be valid Unicode text: it holds a lone UTF-16 surrogate, which has no UTF-8 form');
    const min = rules.min ?? 1;
    if (value.length < min) return this.problem(field, min === 1 ? 'empty' : 'min-length', min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
    if (value.length > rules.max) return this.problem(field, 'max-length', `must be at most ${rules.max} characters, got ${value.length}`);
    if (rules.pattern && !rules.pattern.test(value)) return this.problem(field, 'pattern', `must be ${rules.patternText}, got ${preview(value)}`);
    return value;
  }

  public integer(value: unknown, field: string, min: number, max: number): number | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.problem(field, 'type', `must be an integer, got ${typeName(value)}`);
    if (value < min || value > max) return this.problem(field, 'range', `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  public number(value: unknown, field: string, exclusiveMin: number, max: number): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.problem(field, 'type', `must be a number, got ${typeName(value)}`);
    if (value <= exclusiveMin || value > max) return this.problem(field, 'range', `must be greater than ${exclusiveMin} and at most ${max}, got ${value}`);
    return value;
  }

  public jobId(value: unknown, field: string): string | undefined {
    return this.string(value, field, { max: 64, pattern: JOB_ID_PATTERN, patternText: 'an AWS Batch job id (a UUID)' });
  }

  public name(value: unknown, field: string, what: string): string | undefined {
    const text = this.string(value, field, { max: MAX_NAME_LENGTH });
    if (text !== undefined && !isValidName(text)) {
      return this.problem(field, 'pattern', `must be a valid ${what}: a letter or digit, then letters, digits, "-" or "_", got ${preview(text)}`);
    }
    return text;
  }

  public finish<T>(value: T): T {
    if (this.problems.length > 0) throw new InvalidRequestError(this.problems);
    return value;
  }
}

/**
 * Refuses events that are too large or too deep before walking them: a request pendant accepts is small, and a
 * hostile one must not cost the function its memory or its stack.
 */
function checkEnvelope(reader: EventReader, event: unknown): boolean {
  let bytes = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value: event, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (depth > LIMITS.MAX_EVENT_DEPTH) {
      reader.problem('', 'max-depth', `the event must not nest deeper than ${LIMITS.MAX_EVENT_DEPTH} levels`);
      return false;
    }
    if (typeof value === 'string') bytes += utf8Length(value) + 2;
    else if (typeof value === 'object' && value !== null) {
      const entries = Array.isArray(value) ? value : Object.entries(value);
      for (const entry of entries) {
        if (Array.isArray(value)) stack.push({ value: entry, depth: depth + 1 });
        else {
          const [key, child] = entry as [string, unknown];
          bytes += utf8Length(key) + 4;
          stack.push({ value: child, depth: depth + 1 });
        }
      }
      bytes += 2;
    } else bytes += 8;
    if (bytes > LIMITS.MAX_EVENT_BYTES) {
      reader.problem('', 'max-size', `the event must be at most ${LIMITS.MAX_EVENT_BYTES} bytes`);
      return false;
    }
  }
  return true;
}

/** The UTF-8 size of `text`, as the event arrived, without encoding it: non-ASCII text is up to 3 times its length. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    // U+0080–U+07FF take 2 bytes, the rest of the BMP 3; each half of a surrogate pair adds 1 (4 bytes a pair).
    if (code >= 0x80) bytes += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

function begin(event: unknown, allowed: readonly string[]): { reader: EventReader; fields: Record<string, unknown> } {
  const reader = new EventReader();
  if (!checkEnvelope(reader, event)) reader.finish(undefined);
  const fields = reader.object(event, '', allowed);
  if (fields === undefined) reader.finish(undefined);
  return { reader, fields: fields! };
}

function parseParameters(reader: EventReader, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reader.problem('parameters', 'type', `must be an object of parameter values by name, got ${typeName(value)}`);
  }
  for (const [name, item] of Object.entries(value)) {
    // An array of strings is an s3Objects value; what each kind accepts is its own rule (PARAMETER_KINDS).
    if (!['string', 'number', 'boolean'].includes(typeof item) && !(Array.isArray(item) && item.every((entry) => typeof entry === 'string'))) {
      reader.problem(fieldPath('parameters', name), 'type', `must be a string, number, boolean or array of strings, got ${typeName(item)}`);
    }
  }
  return value as Record<string, unknown>;
}

export function parseValidateRequest(event: unknown): ValidateRequest {
  const { reader, fields } = begin(event, ['jobDefinition', 'parameters']);
  const jobDefinition = reader.name(fields.jobDefinition, 'jobDefinition', 'job definition name');
  const parameters = parseParameters(reader, fields.parameters);
  return reader.finish({ jobDefinition: jobDefinition!, ...(parameters && { parameters }) });
}

export function parseDescribeRequest(event: unknown): DescribeRequest {
  const { reader, fields } = begin(event, ['jobDefinition']);
  if (fields.jobDefinition === undefined) return reader.finish({});
  const jobDefinition = reader.name(fields.jobDefinition, 'jobDefinition', 'job definition name');
  return reader.finish({ jobDefinition: jobDefinition! });
}

/** The submit fields parsed by `parseJobOptions`. */
const JOB_OPTION_FIELDS = ['tags', 'propagateTags', 'retryStrategy', 'timeout', 'nodeOverrides'] as const;
const SUBMIT_FIELDS = [
  'jobDefinition',
  'parameters',
  'jobQueue',
  'revision',
  'containerOverrides',
  'arraySize',
  'dependsOn',
  'jobName',
  'idempotencyKey',
  'shareIdentifier',
  'schedulingPriorityOverride',
  ...JOB_OPTION_FIELDS,
] as const;
/** Idempotency keys: printable ASCII without spaces, as request ids and UUIDs are. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,256}$/;
/** SubmitJob `shareIdentifier`: at most 255 letters and digits, which may be followed by an asterisk. */
export const SHARE_IDENTIFIER_PATTERN = /^[A-Za-z0-9]{1,255}\*?$/;
/** SubmitJob `schedulingPriorityOverride`. */
export const SCHEDULING_PRIORITY_MIN = 0;
export const SCHEDULING_PRIORITY_MAX = 9999;
const OVERRIDE_FIELDS = ['command', 'environment', 'vcpus', 'memoryMiB', 'gpus'] as const;

export function parseSubmitRequest(event: unknown): SubmitRequest {
  const { reader, fields } = begin(event, SUBMIT_FIELDS);
  const jobDefinition = reader.name(fields.jobDefinition, 'jobDefinition', 'job definition name');
  const parameters = parseParameters(reader, fields.parameters);
  const request: { -readonly [K in keyof SubmitRequest]: SubmitRequest[K] } = { jobDefinition: jobDefinition! };
  if (parameters) request.parameters = parameters;

  if (fields.jobQueue !== undefined) {
    request.jobQueue = reader.string(fields.jobQueue, 'jobQueue', { max: 512, pattern: /^[A-Za-z0-9_:/.-]+$/, patternText: 'a job queue name or ARN' });
  }
  if (fields.revision !== undefined) {
    if (fields.revision === 'latest') request.revision = 'latest';
    else if (typeof fields.revision === 'string') reader.problem('revision', 'type', `must be a positive integer or "latest", got ${preview(fields.revision)}`);
    else request.revision = reader.integer(fields.revision, 'revision', 1, 2_147_483_647);
  }
  if (fields.arraySize !== undefined) {
    request.arraySize = reader.integer(fields.arraySize, 'arraySize', LIMITS.ARRAY_SIZE_MIN, LIMITS.ARRAY_SIZE_MAX);
  }
  if (fields.jobName !== undefined) request.jobName = reader.name(fields.jobName, 'jobName', 'job name');
  if (fields.idempotencyKey !== undefined) {
    request.idempotencyKey = reader.string(fields.idempotencyKey, 'idempotencyKey', {
      max: 256,
      pattern: IDEMPOTENCY_KEY_PATTERN,
      patternText: 'printable ASCII without spaces',
    });
  }
  if (fields.shareIdentifier !== undefined) {
    request.shareIdentifier = reader.string(fields.shareIdentifier, 'shareIdentifier', {
      max: 256,
      pattern: SHARE_IDENTIFIER_PATTERN,
      patternText: 'at most 255 letters and digits, optionally followed by "*"',
    });
  }
  if (fields.schedulingPriorityOverride !== undefined) {
    request.schedulingPriorityOverride = reader.integer(fields.schedulingPriorityOverride, 'schedulingPriorityOverride', SCHEDULING_PRIORITY_MIN, SCHEDULING_PRIORITY_MAX);
  }
  if (fields.dependsOn !== undefined) request.dependsOn = parseDependsOn(reader, fields.dependsOn, fields.arraySize !== undefined);
  if (fields.containerOverrides !== undefined) request.containerOverrides = parseOverrides(reader, fields.containerOverrides);
  Object.assign(request, parseJobOptions(reader, fields));
  return reader.finish(request);
}

// ---------------------------------------------------------------------------------------------------------------
// Submit: tags, retry strategy, timeout and node overrides (issue 15)

/**
 * Tag keys and values: Unicode letters, digits and white space, and `+ - = . _ : / @` (AWS Batch User Guide, "Tag
 * restrictions"). A key has 1–128 of them, a value 0–256.
 */
export const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** AWS reserves `aws:` (any case) for keys and values alike (AWS Batch User Guide, "Tag restrictions"). */
export const AWS_TAG_PREFIX = 'aws:';
/** pendant's own tags (`pendant:idempotency-key`…) start so; a caller's may not. */
export const PENDANT_TAG_PREFIX = 'pendant:';
/** EvaluateOnExit `onExitCode`: digits, optionally ending in `*` (AWS Batch API Reference, EvaluateOnExit). */
export const ON_EXIT_CODE_PATTERN = /^(?:[0-9]+\*?|\*)$/;
/** EvaluateOnExit `onReason` / `onStatusReason`: letters, digits, `.`, `:` and white space, optionally ending in `*`. */
export const ON_REASON_PATTERN = /^(?:[A-Za-z0-9.:\s]+\*?|\*)$/;
/** NodePropertyOverride `targetNodes`: `n`, `n:m`, `:m`, `n:` or `:` (AWS Batch API Reference, NodePropertyOverride). */
export const TARGET_NODES_PATTERN = /^(?:\d{1,5}|\d{0,5}:\d{0,5})$/;
/** Nodes in one multi-node parallel job: up to 1,000, the default ECS cluster limit (AWS Batch User Guide, "Node groups"). */
export const MAX_NODES = 1000;
const RETRY_STRATEGY_FIELDS = ['attempts', 'evaluateOnExit'] as const;
const EVALUATE_ON_EXIT_FIELDS = ['action', 'onExitCode', 'onReason', 'onStatusReason'] as const;

type JobOptions = Pick<SubmitRequest, (typeof JOB_OPTION_FIELDS)[number]>;

/** The submit fields that shape the job beyond its container: tags, retries, timeout and node overrides. */
function parseJobOptions(reader: EventReader, fields: Record<string, unknown>): JobOptions {
  const options: { -readonly [K in keyof JobOptions]: JobOptions[K] } = {};
  if (fields.tags !== undefined) options.tags = parseTags(reader, fields.tags);
  if (fields.propagateTags !== undefined) {
    if (typeof fields.propagateTags !== 'boolean') reader.problem('propagateTags', 'type', `must be a boolean, got ${typeName(fields.propagateTags)}`);
    else options.propagateTags = fields.propagateTags;
  }
  if (fields.retryStrategy !== undefined) options.retryStrategy = parseRetryStrategy(reader, fields.retryStrategy);
  if (fields.timeout !== undefined) {
    const timeout = reader.object(fields.timeout, 'timeout', ['attemptDurationSeconds']);
    if (timeout !== undefined) {
      if (timeout.attemptDurationSeconds === undefined) reader.problem('timeout.attemptDurationSeconds', 'required', 'is required');
      else {
        const seconds = reader.integer(timeout.attemptDurationSeconds, 'timeout.attemptDurationSeconds', LIMITS.MIN_ATTEMPT_DURATION_SECONDS, 2_147_483_647);
        if (seconds !== undefined) options.timeout = { attemptDurationSeconds: seconds };
      }
    }
  }
  if (fields.nodeOverrides !== undefined) options.nodeOverrides = parseNodeOverrides(reader, fields.nodeOverrides);
  return options;
}

/** The number of Unicode characters (code points) AWS counts in a tag. */
function characters(text: string): number {
  return [...text].length;
}

function parseTags(reader: EventReader, value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reader.problem('tags', 'type', `must be an object of tag values by key, got ${typeName(value)}`);
  }
  const entries = Object.entries(value);
  if (entries.length > LIMITS.MAX_TAGS) return reader.problem('tags', 'max-items', `must hold at most ${LIMITS.MAX_TAGS} tags, got ${entries.length}`);
  for (const [key, item] of entries) {
    const field = fieldPath('tags', key);
    const length = characters(key);
    if (length === 0) reader.problem(field, 'empty', 'a tag key must not be empty');
    else if (length > LIMITS.MAX_TAG_KEY_LENGTH) reader.problem(field, 'max-length', `a tag key must be at most ${LIMITS.MAX_TAG_KEY_LENGTH} characters, got ${length}`);
    else if (!TAG_PATTERN.test(key)) reader.problem(field, 'pattern', 'a tag key may hold only letters, digits, white space and + - = . _ : / @');
    else if (key.toLowerCase().startsWith(AWS_TAG_PREFIX)) reader.problem(field, 'reserved-prefix', `a tag key must not start with ${AWS_TAG_PREFIX}: AWS reserves it`);
    else if (key.toLowerCase().startsWith(PENDANT_TAG_PREFIX)) reader.problem(field, 'reserved-prefix', `a tag key must not start with ${PENDANT_TAG_PREFIX}: pendant sets those tags itself`);
    if (typeof item !== 'string') reader.problem(field, 'type', `must be a string, got ${typeName(item)}`);
    else if (characters(item) > LIMITS.MAX_TAG_VALUE_LENGTH) {
      reader.problem(field, 'max-length', `a tag value must be at most ${LIMITS.MAX_TAG_VALUE_LENGTH} characters, got ${characters(item)}`);
    } else if (!TAG_PATTERN.test(item)) reader.problem(field, 'pattern', 'a tag value may hold only letters, digits, white space and + - = . _ : / @');
    else if (item.toLowerCase().startsWith(AWS_TAG_PREFIX)) reader.problem(field, 'reserved-prefix', `a tag value must not start with ${AWS_TAG_PREFIX}: AWS reserves it`);
  }
  return value as Record<string, string>;
}

function parseRetryStrategy(reader: EventReader, value: unknown): RetryStrategyOverride | undefined {
  const fields = reader.object(value, 'retryStrategy', RETRY_STRATEGY_FIELDS);
  if (fields === undefined) return undefined;
  if (fields.attempts === undefined && fields.evaluateOnExit === undefined) {
    return reader.problem('retryStrategy', 'empty', 'must give attempts (1-10), evaluateOnExit (at most 5 rules) or both');
  }
  const strategy: { attempts?: number; evaluateOnExit?: EvaluateOnExitRule[] } = {};
  if (fields.attempts !== undefined) strategy.attempts = reader.integer(fields.attempts, 'retryStrategy.attempts', 1, LIMITS.MAX_ATTEMPTS);
  const rules = fields.evaluateOnExit;
  if (rules === undefined) return strategy;
  if (!Array.isArray(rules)) return reader.problem('retryStrategy.evaluateOnExit', 'type', `must be an array of rules, got ${typeName(rules)}`);
  if (rules.length > LIMITS.MAX_EVALUATE_ON_EXIT) {
    return reader.problem('retryStrategy.evaluateOnExit', 'max-items', `must hold at most ${LIMITS.MAX_EVALUATE_ON_EXIT} rules, got ${rules.length}`);
  }
  strategy.evaluateOnExit = rules.map((rule, index) => parseEvaluateOnExit(reader, rule, `retryStrategy.evaluateOnExit[${index}]`)!);
  return strategy;
}

function parseEvaluateOnExit(reader: EventReader, value: unknown, field: string): EvaluateOnExitRule | undefined {
  const fields = reader.object(value, field, EVALUATE_ON_EXIT_FIELDS);
  if (fields === undefined) return undefined;
  let action: 'RETRY' | 'EXIT' | undefined;
  if (fields.action === undefined) reader.problem(`${field}.action`, 'required', 'is required: RETRY or EXIT');
  else if (typeof fields.action !== 'string' || !['RETRY', 'EXIT'].includes(fields.action.toUpperCase())) {
    reader.problem(`${field}.action`, 'enum', `must be RETRY or EXIT, got ${preview(fields.action)}`);
  } else action = fields.action.toUpperCase() as 'RETRY' | 'EXIT';
  const rule: { -readonly [K in keyof EvaluateOnExitRule]: EvaluateOnExitRule[K] } = { action: action! };
  const limit = LIMITS.MAX_EVALUATE_ON_EXIT_PATTERN;
  if (fields.onExitCode !== undefined) {
    rule.onExitCode = reader.string(fields.onExitCode, `${field}.onExitCode`, {
      max: limit,
      pattern: ON_EXIT_CODE_PATTERN,
      patternText: 'digits, optionally ending in "*"',
    });
  }
  for (const name of ['onReason', 'onStatusReason'] as const) {
    if (fields[name] === undefined) continue;
    rule[name] = reader.string(fields[name], `${field}.${name}`, {
      max: limit,
      pattern: ON_REASON_PATTERN,
      patternText: 'letters, digits, ".", ":" and white space, optionally ending in "*"',
    });
  }
  return rule;
}

function parseNodeOverrides(reader: EventReader, value: unknown): NodeOverrides | undefined {
  const fields = reader.object(value, 'nodeOverrides', ['numNodes', 'nodePropertyOverrides']);
  if (fields === undefined) return undefined;
  const overrides: { numNodes?: number; nodePropertyOverrides?: NodePropertyOverride[] } = {};
  if (fields.numNodes !== undefined) overrides.numNodes = reader.integer(fields.numNodes, 'nodeOverrides.numNodes', 1, MAX_NODES);
  const ranges = fields.nodePropertyOverrides;
  if (ranges === undefined) return overrides;
  if (!Array.isArray(ranges)) return reader.problem('nodeOverrides.nodePropertyOverrides', 'type', `must be an array, got ${typeName(ranges)}`);
  overrides.nodePropertyOverrides = ranges.map((range, index) => parseNodePropertyOverride(reader, range, `nodeOverrides.nodePropertyOverrides[${index}]`)!);
  return overrides;
}

function parseNodePropertyOverride(reader: EventReader, value: unknown, field: string): NodePropertyOverride | undefined {
  const fields = reader.object(value, field, ['targetNodes', 'containerOverrides']);
  if (fields === undefined) return undefined;
  const targetNodes = reader.string(fields.targetNodes, `${field}.targetNodes`, {
    max: 11,
    pattern: TARGET_NODES_PATTERN,
    patternText: 'a node index or range: "n", "n:m", ":m" or "n:"',
  });
  if (targetNodes !== undefined && targetNodes.includes(':')) {
    const [from, to] = targetNodes.split(':');
    if (from !== '' && to !== '' && Number(from) > Number(to)) reader.problem(`${field}.targetNodes`, 'range', `must not start after it ends, got ${preview(targetNodes)}`);
  }
  const override: { targetNodes: string; containerOverrides?: NodeContainerOverrides } = { targetNodes: targetNodes! };
  if (fields.containerOverrides === undefined) return override;
  // A node range's overrides are a single-node job's plus instanceType (AWS Batch API Reference, ContainerOverrides:
  // instanceType applies to multi-node parallel jobs): the same parser, its problems placed under this range.
  const given = fields.containerOverrides;
  const isObject = typeof given === 'object' && given !== null && !Array.isArray(given);
  const { instanceType, ...rest } = isObject ? (given as Record<string, unknown>) : { instanceType: undefined };
  const inner = new EventReader();
  const container: { -readonly [K in keyof NodeContainerOverrides]: NodeContainerOverrides[K] } = { ...parseOverrides(inner, isObject ? rest : given) };
  for (const problem of inner.problems) reader.problems.push({ ...problem, field: `${field}.${problem.field}` });
  if (instanceType !== undefined) {
    container.instanceType = reader.string(instanceType, `${field}.containerOverrides.instanceType`, {
      max: 64,
      pattern: /^[a-z0-9-]+(?:\.[a-z0-9-]+)?$/,
      patternText: 'an EC2 instance type such as "c5.large"',
    });
  }
  override.containerOverrides = container;
  return override;
}

function parseDependsOn(reader: EventReader, value: unknown, arrayJob: boolean): JobDependency[] | undefined {
  if (!Array.isArray(value)) return reader.problem('dependsOn', 'type', `must be an array of job ids, got ${typeName(value)}`);
  if (value.length > LIMITS.MAX_DEPENDENCIES) {
    return reader.problem('dependsOn', 'max-items', `must name at most ${LIMITS.MAX_DEPENDENCIES} jobs, got ${value.length}`);
  }
  // The forms of AWS Batch User Guide, "Job dependencies": a job id; N_TO_N with a job id, for array jobs; SEQUENTIAL
  // without a job id, for array jobs. Batch documents no other, so pendant sends no other.
  let sequential = false;
  return value.map((item, index) => {
    const field = `dependsOn[${index}]`;
    if (typeof item === 'string') return { jobId: reader.jobId(item, field)! };
    const dependency = reader.object(item, field, ['jobId', 'type']);
    if (dependency === undefined) return { jobId: '' };
    const type = dependency.type;
    if (type !== undefined && type !== 'N_TO_N' && type !== 'SEQUENTIAL') {
      reader.problem(`${field}.type`, 'enum', `must be N_TO_N or SEQUENTIAL, got ${preview(type)}`);
      return { jobId: '' };
    }
    if (type !== undefined && !arrayJob) {
      reader.problem(`${field}.type`, 'array-only', `${type} applies to array jobs only: give arraySize, or leave type out to wait for the job`);
    }
    if (type === 'SEQUENTIAL') {
      if (dependency.jobId !== undefined) {
        reader.problem(`${field}.jobId`, 'form', 'must not be given with SEQUENTIAL, which orders this array job\'s own children; leave type out to wait for another job');
      }
      if (sequential) reader.problem(field, 'duplicate', 'SEQUENTIAL is given more than once');
      sequential = true;
      return { type };
    }
    const jobId = reader.jobId(dependency.jobId, `${field}.jobId`)!;
    return type === undefined ? { jobId } : { jobId, type };
  });
}

function parseOverrides(reader: EventReader, value: unknown): ContainerOverrides | undefined {
  let checked = value;
  if (typeof value === 'object' && value !== null && 'instanceType' in value) {
    // instanceType overrides only multi-node parallel jobs on EC2 (AWS Batch API Reference, ContainerOverrides:
    // instanceType): Batch refuses it for a single-node job and on Fargate, and pendant submits only single-node jobs.
    reader.problem(
      'containerOverrides.instanceType',
      'unsupported',
      'applies only to multi-node parallel jobs on EC2; AWS Batch refuses it for the single-node jobs pendant submits',
    );
    const { instanceType: _, ...rest } = value as Record<string, unknown>;
    checked = rest;
  }
  const fields = reader.object(checked, 'containerOverrides', OVERRIDE_FIELDS);
  if (fields === undefined) return undefined;
  const overrides: { -readonly [K in keyof ContainerOverrides]: ContainerOverrides[K] } = {};
  if (fields.command !== undefined) {
    if (!Array.isArray(fields.command) || fields.command.length === 0) {
      reader.problem('containerOverrides.command', 'type', `must be a non-empty array of strings, got ${typeName(fields.command)}`);
    } else {
      // An empty argument is refused by Batch (AWS Batch API Reference, ContainerOverrides: command).
      overrides.command = fields.command.map((part, index) =>
        reader.string(part, `containerOverrides.command[${index}]`, { max: LIMITS.MAX_CONTAINER_OVERRIDES_CHARS })!,
      );
    }
  }
  if (fields.environment !== undefined) {
    const environment = fields.environment;
    if (typeof environment !== 'object' || environment === null || Array.isArray(environment)) {
      reader.problem('containerOverrides.environment', 'type', `must be an object of strings by variable name, got ${typeName(environment)}`);
    } else {
      for (const [name, item] of Object.entries(environment)) {
        const field = fieldPath('containerOverrides.environment', name);
        if (name.toUpperCase().startsWith(RESERVED_ENV_PREFIX)) {
          reader.problem(field, 'reserved-name', `environment variable names must not start with ${RESERVED_ENV_PREFIX}: Batch reserves them`);
        } else if (!ENV_NAME_PATTERN.test(name)) {
          reader.problem(field, 'pattern', 'must be a letter or "_", then letters, digits or "_" (at most 255)');
        }
        reader.string(item, field, { min: 0, max: LIMITS.MAX_CONTAINER_OVERRIDES_CHARS });
      }
      overrides.environment = environment as Record<string, string>;
    }
  }
  // AWS Batch API Reference, ResourceRequirement: VCPU is whole on EC2 and 0.25, 0.5, 1, 2, 4, 8 or 16 on Fargate;
  // MEMORY whole MiB, at least 4; GPU whole. What the job definition's platform narrows is checked by submit.
  if (fields.vcpus !== undefined) {
    const vcpus = reader.number(fields.vcpus, 'containerOverrides.vcpus', 0, RESOURCE_LIMITS.MAX_VCPUS);
    if (vcpus !== undefined && !Number.isInteger(vcpus) && !RESOURCE_LIMITS.FRACTIONAL_VCPUS.includes(vcpus)) {
      reader.problem('containerOverrides.vcpus', 'granularity', `must be a whole number, or 0.25 or 0.5 on Fargate, got ${vcpus}`);
    } else overrides.vcpus = vcpus;
  }
  if (fields.memoryMiB !== undefined) {
    overrides.memoryMiB = reader.integer(fields.memoryMiB, 'containerOverrides.memoryMiB', RESOURCE_LIMITS.MIN_MEMORY_MIB, RESOURCE_LIMITS.MAX_MEMORY_MIB);
  }
  if (fields.gpus !== undefined) overrides.gpus = reader.integer(fields.gpus, 'containerOverrides.gpus', 0, RESOURCE_LIMITS.MAX_GPUS);
  return overrides;
}

export function parseStatusRequest(event: unknown): StatusRequest {
  const { reader, fields } = begin(event, ['jobIds', 'jobId', 'nextToken', 'children', 'history']);
  let history: { history?: boolean } = {};
  if (fields.history !== undefined) {
    if (typeof fields.history === 'boolean') history = { history: fields.history };
    else reader.problem('history', 'type', `must be true or false, got ${typeName(fields.history)}`);
  }
  if (fields.jobId !== undefined) {
    if (fields.jobIds !== undefined) reader.problem('', 'exclusive', 'give either jobId or jobIds, not both');
    if (fields.nextToken !== undefined) reader.problem('nextToken', 'exclusive', 'goes with jobIds, not with jobId; a page of children takes children.nextToken');
    const jobId = reader.jobId(fields.jobId, 'jobId')!;
    const children = fields.children === undefined ? undefined : parseChildren(reader, fields.children);
    return reader.finish(children === undefined ? { jobId, ...history } : { jobId, children, ...history });
  }
  if (fields.children !== undefined) reader.problem('children', 'exclusive', 'goes with jobId (an array parent), not with jobIds');
  const nextToken =
    fields.nextToken === undefined || fields.nextToken === null
      ? undefined
      : reader.string(fields.nextToken, 'nextToken', { max: LIMITS.MAX_TOKEN_LENGTH, pattern: /^[A-Za-z0-9_-]+$/, patternText: 'a token from a previous response' });
  const ids = fields.jobIds;
  if (ids === undefined) reader.problem('jobIds', 'required', 'is required (or jobId for a single job)');
  else if (!Array.isArray(ids)) reader.problem('jobIds', 'type', `must be an array of job ids, got ${typeName(ids)}`);
  else if (ids.length === 0) reader.problem('jobIds', 'min-items', 'must name at least one job');
  else if (ids.length > LIMITS.MAX_STATUS_JOB_IDS) {
    reader.problem('jobIds', 'max-items', `must name at most ${LIMITS.MAX_STATUS_JOB_IDS} jobs, got ${ids.length}`);
  } else {
    const jobIds = ids.map((id, index) => reader.jobId(id, `jobIds[${index}]`)!);
    return reader.finish(nextToken === undefined ? { jobIds, ...history } : { jobIds, nextToken, ...history });
  }
  return reader.finish({ jobIds: [] });
}

/** A job's statuses in the order a job passes through them, for messages. */
const STATUS_LIST = JOB_STATUSES.join(', ');

function parseChildren(reader: EventReader, value: unknown): ChildrenRequest | undefined {
  const fields = reader.object(value, 'children', ['status', 'nextToken', 'limit']);
  if (fields === undefined) return undefined;
  let status: JobStatus | undefined;
  if (fields.status === undefined) {
    reader.problem('children.status', 'required', `is required: Batch lists an array's children one status at a time; one of ${STATUS_LIST}`);
  } else if (!isJobStatus(fields.status)) {
    reader.problem('children.status', 'enum', `must be one of ${STATUS_LIST}, got ${preview(fields.status)}`);
  } else status = fields.status;
  const children: { -readonly [K in keyof ChildrenRequest]: ChildrenRequest[K] } = { status: status! };
  if (fields.nextToken !== undefined && fields.nextToken !== null) {
    children.nextToken = reader.string(fields.nextToken, 'children.nextToken', { max: LIMITS.MAX_TOKEN_LENGTH, pattern: TOKEN_PATTERN, patternText: 'a token from a previous response' });
  }
  if (fields.limit !== undefined) children.limit = reader.integer(fields.limit, 'children.limit', 1, LIMITS.LIST_JOBS_MAX_RESULTS);
  return children;
}

/** Every token pendant hands out is base64url. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;

export function parseLogsRequest(event: unknown): LogsRequest {
  const { reader, fields } = begin(event, ['jobId', 'nextToken', 'limit', 'attempt', 'fromEnd']);
  const request: { -readonly [K in keyof LogsRequest]: LogsRequest[K] } = { jobId: reader.jobId(fields.jobId, 'jobId')! };
  if (fields.nextToken !== undefined && fields.nextToken !== null) {
    request.nextToken = reader.string(fields.nextToken, 'nextToken', { max: LIMITS.MAX_TOKEN_LENGTH, pattern: TOKEN_PATTERN, patternText: 'a token from a previous response' });
  }
  if (fields.limit !== undefined) request.limit = reader.integer(fields.limit, 'limit', 1, LIMITS.MAX_LOG_EVENTS_LIMIT);
  if (fields.attempt !== undefined) request.attempt = reader.integer(fields.attempt, 'attempt', 1, LIMITS.MAX_ATTEMPTS);
  if (fields.fromEnd !== undefined) {
    if (typeof fields.fromEnd !== 'boolean') reader.problem('fromEnd', 'type', `must be a boolean, got ${typeName(fields.fromEnd)}`);
    else if (fields.fromEnd && request.nextToken !== undefined) {
      reader.problem('fromEnd', 'exclusive', 'starts a read at the end of the stream; a nextToken resumes one, so send one or the other');
    } else if (fields.fromEnd) request.fromEnd = true;
  }
  return reader.finish(request);
}

export function parseTerminateRequest(event: unknown): TerminateRequest | TerminateJobsRequest {
  const { reader, fields } = begin(event, ['jobId', 'jobIds', 'reason']);
  const parseReason = () =>
    fields.reason === undefined
      ? reader.problem('reason', 'required', 'is required: say why the job is stopped')
      : reader.string(fields.reason, 'reason', { max: LIMITS.MAX_REASON_LENGTH });
  if (fields.jobIds === undefined) {
    const jobId = reader.jobId(fields.jobId, 'jobId');
    return reader.finish({ jobId: jobId!, reason: parseReason()! });
  }
  if (fields.jobId !== undefined) reader.problem('', 'exclusive', 'give either jobId or jobIds, not both');
  const ids = fields.jobIds;
  let jobIds: string[] = [];
  if (!Array.isArray(ids)) reader.problem('jobIds', 'type', `must be an array of job ids, got ${typeName(ids)}`);
  else if (ids.length === 0) reader.problem('jobIds', 'min-items', 'must name at least one job');
  else if (ids.length > LIMITS.MAX_TERMINATE_JOB_IDS) {
    reader.problem('jobIds', 'max-items', `must name at most ${LIMITS.MAX_TERMINATE_JOB_IDS} jobs, got ${ids.length}`);
  } else jobIds = ids.map((id, index) => reader.jobId(id, `jobIds[${index}]`)!);
  return reader.finish({ jobIds, reason: parseReason()! });
}

/** True for a terminate request naming many jobs. */
export function isTerminateJobsRequest(request: TerminateRequest | TerminateJobsRequest): request is TerminateJobsRequest {
  return 'jobIds' in request;
}

export function parseWaitForJobRequest(event: unknown): WaitForJobRequest {
  const { reader, fields } = begin(event, ['taskToken', 'jobId', 'heartbeatSeconds']);
  const taskToken = reader.string(fields.taskToken, 'taskToken', { max: LIMITS.MAX_TASK_TOKEN_LENGTH });
  const jobId = reader.jobId(fields.jobId, 'jobId');
  const heartbeatSeconds = reader.integer(fields.heartbeatSeconds, 'heartbeatSeconds', 1, LIMITS.MAX_HEARTBEAT_SECONDS);
  return reader.finish({ taskToken: taskToken!, jobId: jobId!, heartbeatSeconds: heartbeatSeconds! });
}


function typeName(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}
