import type { JobDetail } from '@aws-sdk/client-batch';
import type { LogEvent, S3Uri } from '../../lib/model';

/**
 * What the core logic needs from AWS, as interfaces: the adapters in `lambda/aws/` implement them over SDK v3, and
 * a test may implement them by hand. Batch's job detail is passed through as the SDK types it.
 */
export interface BatchGateway {
  /** Describes up to 100 jobs in one DescribeJobs call; unknown ids are simply absent. */
  describeJobs(jobIds: readonly string[]): Promise<JobDetail[]>;
  /**
   * One SubmitJob. Throttling is retried (Batch did not take the request); a failure that leaves open whether Batch
   * created the job (a 5xx, a reset or timed-out connection) is never retried blindly: it throws `AmbiguousSubmission`.
   */
  submitJob(input: SubmitJobInput): Promise<{ jobId: string; jobName: string; jobArn: string }>;
  /** Jobs of any status in `jobQueue` named exactly `jobName`, with their tags (ListJobs, then DescribeJobs). */
  findJobs(jobQueue: string, jobName: string): Promise<JobDetail[]>;
  /** The newest ACTIVE revision of a job definition, or undefined when it has none. */
  latestActiveRevision(jobDefinitionName: string): Promise<number | undefined>;
  /** Whether `name:revision` is registered and ACTIVE (DescribeJobDefinitions). */
  isActiveRevision(jobDefinitionName: string, revision: number): Promise<boolean>;
  /**
   * TerminateJob: terminates a STARTING or RUNNING job and cancels one that has not started, array children included
   * (CancelJob would answer success and leave a started job running).
   */
  terminateJob(jobId: string, reason: string): Promise<void>;
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
  readonly dependsOn?: Array<{ jobId: string; type?: 'N_TO_N' | 'SEQUENTIAL' }>;
  readonly tags?: Record<string, string>;
  readonly shareIdentifier?: string;
  readonly schedulingPriorityOverride?: number;
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

export type ObjectState = 'exists' | 'not-found' | 'access-denied';

export interface S3Gateway {
  /** HeadObject: whether the object exists, is missing (404), or may not be read (403). */
  objectState(uri: S3Uri): Promise<ObjectState>;
}

export interface LogPage {
  readonly events: LogEvent[];
  readonly nextForwardToken: string;
}

export interface LogsGateway {
  /**
   * One GetLogEvents page read forward from the head (or from `token`), or with `fromTail` the stream's newest `limit`
   * events (still oldest first). Throws `StreamNotFound` when there is no stream, `TokenRefused` when CloudWatch
   * refuses `token`.
   */
  getLogEvents(request: { logGroupName: string; logStreamName: string; token?: string; limit: number; fromTail?: boolean }): Promise<LogPage>;
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
