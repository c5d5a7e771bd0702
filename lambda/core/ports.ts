import type { ChildJobSummary } from '../../lib/model/requests';
import type { JobStatus } from '../../lib/model/job-status';
import type { LogEvent } from '../../lib/model/log-event';
import type { S3Uri } from '../../lib/model/s3-uri';
import type { BatchJob } from '../../lib/model/batch-job';

/**
 * What the core logic needs from AWS, as interfaces: the adapters in `lambda/aws/` implement them over SDK v3, and
 * a test may implement them by hand. They speak the model's types (`BatchJob`, `ChildJobSummary`) and the typed
 * errors below: the SDK's shapes and its error classification stay in the adapters.
 */
export interface BatchGateway {
  /**
   * Describes up to 100 jobs in one DescribeJobs call; unknown ids are simply absent. Throws `TypeError` for a job
   * in a status the model does not know.
   */
  describeJobs(jobIds: readonly string[]): Promise<BatchJob[]>;
  /**
   * One SubmitJob. Throttling is retried (Batch did not take the request); a failure that leaves open whether Batch
   * created the job (a 5xx, a reset or timed-out connection) is never retried blindly: it throws `AmbiguousSubmission`.
   * A refusal (a 4xx other than throttling) throws `SubmissionRefused`.
   */
  submitJob(input: SubmitJobInput): Promise<{ jobId: string; jobName: string; jobArn: string }>;
  /** Jobs of any status in `jobQueue` named exactly `jobName`, with their tags (ListJobs, then DescribeJobs). */
  findJobs(jobQueue: string, jobName: string): Promise<BatchJob[]>;
  /** The newest ACTIVE revision of a job definition, or undefined when it has none. */
  latestActiveRevision(jobDefinitionName: string): Promise<number | undefined>;
  /** Whether `name:revision` is registered and ACTIVE (DescribeJobDefinitions). */
  isActiveRevision(jobDefinitionName: string, revision: number): Promise<boolean>;
  /**
   * TerminateJob: terminates a STARTING or RUNNING job and cancels one that has not started, array children included
   * (CancelJob would answer success and leave a started job running).
   */
  terminateJob(jobId: string, reason: string): Promise<void>;
  /**
   * Stops up to 50 jobs: one TerminateJobs call (it acts as TerminateJob on each), or TerminateJob for each where
   * the endpoint does not offer TerminateJobs. Answers the jobs Batch reported an error for.
   */
  terminateJobs(jobIds: readonly string[], reason: string): Promise<TerminateJobsError[]>;
  /** One ListJobs page of an array parent's children in one status; children in a status the model does not know are left out. */
  listChildren(request: { arrayJobId: string; status: JobStatus; maxResults: number; nextToken?: string }): Promise<{
    jobs: ChildJobSummary[];
    nextToken?: string;
  }>;
}

/** One job of a TerminateJobs call that Batch did not stop. */
export interface TerminateJobsError {
  readonly jobId: string;
  readonly code: string;
  readonly message: string;
}

/** SubmitJob's input, already rendered into Batch's own shape. */
export interface SubmitJobInput {
  readonly jobName: string;
  readonly jobQueue: string;
  readonly jobDefinition: string;
  readonly parameters?: Record<string, string>;
  readonly containerOverrides?: {
    command?: string[];
    environment?: Array<{ name: string; value: string }>;
    resourceRequirements?: Array<{ type: 'VCPU' | 'MEMORY' | 'GPU'; value: string }>;
  };
  readonly arrayProperties?: { size: number };
  readonly dependsOn?: Array<{ jobId?: string; type?: 'N_TO_N' | 'SEQUENTIAL' }>;
  readonly tags?: Record<string, string>;
  readonly shareIdentifier?: string;
  readonly schedulingPriorityOverride?: number;
  readonly propagateTags?: boolean;
  readonly retryStrategy?: { attempts?: number; evaluateOnExit?: Array<{ action: 'RETRY' | 'EXIT'; onExitCode?: string; onReason?: string; onStatusReason?: string }> };
  readonly timeout?: { attemptDurationSeconds: number };
  readonly nodeOverrides?: {
    numNodes?: number;
    nodePropertyOverrides?: Array<{ targetNodes: string; containerOverrides?: NonNullable<SubmitJobInput['containerOverrides']> & { instanceType?: string } }>;
  };
}

/**
 * SubmitJob failed after Batch may have created the job: a server error, or a connection that broke or timed out
 * before the answer came. `original` is the SDK's error. (Not `cause`: the SDK would follow it and retry.)
 */
export class AmbiguousSubmission extends Error {
  public constructor(public readonly original: unknown) {
    super(`submission outcome unknown: ${original instanceof Error ? original.message : String(original)}`);
    this.name = 'AmbiguousSubmission';
  }
}

/**
 * Batch refused SubmitJob (a 4xx other than throttling): it did not act on the request, and the same request would be
 * refused again. `original` is the SDK's error. Throttling and server errors are not refusals: they reach the caller
 * as the SDK's own errors, whose names say they may be retried.
 */
export class SubmissionRefused extends Error {
  public constructor(public readonly original: unknown) {
    super(`submission refused: ${original instanceof Error ? original.message : String(original)}`);
    this.name = 'SubmissionRefused';
  }
}

export type ObjectState = 'exists' | 'not-found' | 'access-denied';

export interface S3Gateway {
  /** HeadObject: whether the object exists, is missing (404), or may not be read (403). */
  objectState(uri: S3Uri): Promise<ObjectState>;
}

export interface LogPage {
  readonly events: LogEvent[];
  readonly nextForwardToken: string;
  /** Where the page before this one ends; read backward from it. */
  readonly nextBackwardToken?: string;
}

export interface LogsGateway {
  /**
   * One GetLogEvents page read forward from the head (or from `token`); with `fromEnd` and no token, the newest
   * events of the stream (still oldest first in the page). Throws `StreamNotFound` when there is no
   * stream, `TokenRefused` when CloudWatch refuses `token`.
   */
  getLogEvents(request: { logGroupName: string; logStreamName: string; token?: string; limit: number; fromEnd?: boolean }): Promise<LogPage>;
}

/** Raised by a `LogsGateway` when the group or stream does not exist. */
export class StreamNotFound extends Error {
  public constructor() {
    super('log stream not found');
    this.name = 'StreamNotFound';
  }
}

/** Raised by a `LogsGateway` when CloudWatch refuses the token it was given (a forged or mangled one). */
export class TokenRefused extends Error {
  public constructor() {
    super('log token refused');
    this.name = 'TokenRefused';
  }
}

/**
 * Runs work at most once per idempotency key within the window: a repeat of the same request answers the first
 * result, a different request under the same key is refused.
 */
export interface IdempotencyGateway {
  /**
   * `work`'s result for the first request with `key`; the stored result for a repeat with an equal `request`.
   * Throws `IdempotencyConflictError` for another request under the key, `IdempotencyInProgressError` while the first
   * is still running. When `work` throws, nothing is remembered and the next attempt runs it again.
   */
  once<T>(key: string, request: unknown, work: () => Promise<T>, remainingTimeMillis?: () => number): Promise<T>;
}

/**
 * One SubmitJob of a keyed submission, as recorded before it is sent. Times are epoch milliseconds of the submitting
 * function's clock.
 */
export interface SubmitAttempt {
  /** 1 for the key's first attempt, then one more for each. */
  readonly number: number;
  /** Identifies the attempt, so an invocation can recognise its own record after a lost answer. */
  readonly token: string;
  readonly sentAt: number;
  /**
   * When the attempt was over at the latest: its invocation's deadline until it ends, then the moment its outcome
   * came back unknown. A job it created was created before then.
   */
  readonly openUntil: number;
  /** Batch refused it (a 4xx): it created no job. */
  readonly refused?: boolean;
}

/**
 * The SubmitJob attempts of keyed submissions, kept where a later invocation finds them (the idempotency table), so
 * that no invocation submits again while an earlier attempt may have created a job ListJobs does not list yet.
 */
export interface AttemptLedger {
  /** The key's latest attempt (a strongly consistent read), or undefined when none was recorded. */
  latest(keyHash: string): Promise<SubmitAttempt | undefined>;
  /**
   * Records `attempt` before it is sent, only if the latest recorded attempt is still the one before it; throws
   * `AttemptRaced` when another invocation recorded one in between.
   */
  begin(keyHash: string, attempt: SubmitAttempt): Promise<void>;
  /** Updates attempt `number`: the moment its outcome came back unknown, or that Batch refused it. */
  settle(keyHash: string, number: number, outcome: { readonly openUntil: number } | { readonly refused: true }): Promise<void>;
}

/** Another invocation recorded an attempt for the same key first. */
export class AttemptRaced extends Error {
  public constructor() {
    super('another invocation recorded a submission attempt for this key first');
    this.name = 'AttemptRaced';
  }
}
