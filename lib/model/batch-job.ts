import { isJobStatus, JobStatus } from './job-status';
import type { JobAttemptSummary, JobDependency, JobSummary } from './requests';

/**
 * A Batch job as the runtime functions' core reads it, and the one reading of Batch's own job detail into it.
 *
 * Batch reports a job in one wire shape (`JobDetail`): DescribeJobs answers it, and the `detail` of a job state change
 * event resembles it. The adapters (`lambda/aws/`) and the event parser read that shape here, once, so the core logic
 * works on `BatchJob` and never on the SDK's types.
 */

/** One attempt as Batch reports it (`AttemptDetail`), the fields pendant reads. */
export interface BatchAttemptDetail {
  readonly container?: { readonly exitCode?: number; readonly logStreamName?: string; readonly reason?: string };
  readonly statusReason?: string;
  readonly startedAt?: number;
  readonly stoppedAt?: number;
}

/**
 * A job as Batch reports it, the fields pendant reads: the SDK's `JobDetail` fits it, and so does the `detail` of a
 * job state change event. Times are milliseconds since the epoch.
 */
export interface BatchJobDetail {
  readonly jobId?: string;
  readonly jobName?: string;
  readonly jobArn?: string;
  readonly jobQueue?: string;
  readonly status?: string;
  readonly statusReason?: string;
  readonly createdAt?: number;
  readonly startedAt?: number;
  readonly stoppedAt?: number;
  readonly container?: {
    readonly exitCode?: number;
    readonly logStreamName?: string;
    readonly reason?: string;
    readonly logConfiguration?: { readonly options?: Readonly<Record<string, string>> };
  };
  readonly attempts?: readonly BatchAttemptDetail[];
  readonly arrayProperties?: { readonly statusSummary?: Readonly<Record<string, number>>; readonly size?: number; readonly index?: number };
  readonly jobDefinition?: string;
  readonly dependsOn?: readonly { readonly jobId?: string; readonly type?: string }[];
  readonly tags?: Readonly<Record<string, string>>;
  /** A multi-node parallel parent's nodes. */
  readonly nodeProperties?: { readonly numNodes?: number; readonly mainNode?: number };
  /** A node of a multi-node parallel job. */
  readonly nodeDetails?: { readonly nodeIndex?: number; readonly isMainNode?: boolean };
}

/** One finished attempt of a job. Times are milliseconds since the epoch. */
export interface BatchJobAttempt {
  readonly exitCode: number | null;
  /** The container's reason, else the attempt's status reason. */
  readonly reason: string | null;
  /** The attempt's stream, once it reached RUNNING. */
  readonly logStreamName: string | null;
  readonly startedAt: number | null;
  readonly stoppedAt: number | null;
}

/** A Batch job, the fields the runtime functions read. Times are milliseconds since the epoch. */
export interface BatchJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly jobArn: string | null;
  /** The queue's ARN (or name) as Batch answered it. */
  readonly jobQueue: string | null;
  /** The job definition as Batch answered it: its ARN, `…:job-definition/<name>:<revision>`. */
  readonly jobDefinition: string | null;
  readonly status: JobStatus;
  readonly statusReason: string | null;
  readonly createdAt: number | null;
  readonly startedAt: number | null;
  readonly stoppedAt: number | null;
  /** The current attempt's exit code. */
  readonly exitCode: number | null;
  /** The current attempt's stream (Batch names it once the attempt reaches RUNNING). */
  readonly logStreamName: string | null;
  /** The `awslogs-group` the job's container logs to, when its log configuration names one. */
  readonly logGroupName: string | null;
  /** The attempts Batch lists: those that have stopped, oldest first. */
  readonly attempts: readonly BatchJobAttempt[];
  /** An array parent's size and its children's count per status (as Batch answered), an array child's index. */
  readonly arrayProperties: { readonly size?: number; readonly index?: number; readonly statusSummary?: Readonly<Record<string, number>> } | null;
  /** A multi-node parallel parent's node count and main node. */
  readonly nodeProperties: { readonly numNodes?: number; readonly mainNode?: number } | null;
  /** A node of a multi-node parallel job: its index, and whether it is the main node. */
  readonly nodeDetails: { readonly nodeIndex?: number; readonly isMainNode?: boolean } | null;
  readonly dependsOn: readonly JobDependency[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Batch's job detail as a `BatchJob`. Throws `TypeError` for a detail without a job id or a known status: Batch
 * documents both, and a status the model does not know cannot be answered as one. Event details may carry `null`
 * where DescribeJobs leaves a field out: both read as absent.
 */
export function readBatchJob(detail: BatchJobDetail): BatchJob {
  if (detail.jobId === undefined || detail.jobId === null) throw new TypeError('batch answered a job without a job id');
  if (!isJobStatus(detail.status)) throw new TypeError(`batch answered an unknown status ${String(detail.status)} for job ${detail.jobId}`);
  const array = detail.arrayProperties;
  return {
    jobId: detail.jobId,
    jobName: detail.jobName ?? '',
    jobArn: detail.jobArn ?? null,
    jobQueue: detail.jobQueue ?? null,
    jobDefinition: detail.jobDefinition ?? null,
    status: detail.status,
    statusReason: detail.statusReason ?? null,
    createdAt: detail.createdAt ?? null,
    startedAt: detail.startedAt ?? null,
    stoppedAt: detail.stoppedAt ?? null,
    exitCode: detail.container?.exitCode ?? null,
    logStreamName: detail.container?.logStreamName ?? null,
    logGroupName: detail.container?.logConfiguration?.options?.['awslogs-group'] ?? null,
    attempts: (detail.attempts ?? []).map((attempt) => ({
      exitCode: attempt.container?.exitCode ?? null,
      reason: attempt.container?.reason ?? attempt.statusReason ?? null,
      logStreamName: attempt.container?.logStreamName ?? null,
      startedAt: attempt.startedAt ?? null,
      stoppedAt: attempt.stoppedAt ?? null,
    })),
    arrayProperties:
      array === undefined || array === null
        ? null
        : {
            ...(present(array.size) && { size: array.size }),
            ...(present(array.index) && { index: array.index }),
            ...(present(array.statusSummary) && { statusSummary: array.statusSummary }),
          },
    nodeProperties: detail.nodeProperties ?? null,
    nodeDetails: detail.nodeDetails ?? null,
    dependsOn: (detail.dependsOn ?? []).filter((dependency) => dependency.jobId !== undefined).map(dependencyOf),
    tags: { ...(detail.tags ?? {}) },
  };
}

function present<T>(value: T | undefined | null): value is T {
  return value !== undefined && value !== null;
}

function dependencyOf(dependency: { readonly jobId?: string; readonly type?: string }): JobDependency {
  const type = dependency.type === 'N_TO_N' || dependency.type === 'SEQUENTIAL' ? dependency.type : undefined;
  return type === undefined ? { jobId: dependency.jobId! } : { jobId: dependency.jobId!, type };
}

/** An ISO 8601 time from Batch's milliseconds since the epoch; null when Batch gave none. */
export function isoTime(epochMillis: number | undefined | null): string | null {
  return epochMillis === undefined || epochMillis === null ? null : new Date(epochMillis).toISOString();
}

/**
 * The stream of the job's latest attempt: Batch names it once an attempt reaches RUNNING. Never built by hand,
 * since its format is Batch's to change.
 */
export function latestLogStream(job: BatchJob): string | null {
  const attempts = job.attempts;
  return job.logStreamName ?? attempts[attempts.length - 1]?.logStreamName ?? null;
}

/**
 * Each attempt's stream in order, null for an attempt that never reached RUNNING: the finished attempts Batch lists,
 * then the current one (the job's own stream) when no listed attempt wrote to it.
 */
export function attemptStreams(job: BatchJob): Array<string | null> {
  const streams = job.attempts.map((attempt) => attempt.logStreamName || null);
  const current = job.logStreamName;
  if (typeof current === 'string' && current !== '' && !streams.includes(current)) streams.push(current);
  return streams;
}

/** Every stream the job has written to, one per attempt that reached RUNNING. */
export function logStreams(job: BatchJob): string[] {
  const names = [job.logStreamName, ...job.attempts.map((attempt) => attempt.logStreamName)];
  return names.filter((name): name is string => typeof name === 'string' && name !== '');
}

/** The model's summary of a Batch job: what the status function answers. */
export function summarizeJob(job: BatchJob): JobSummary {
  const attempts: JobAttemptSummary[] = job.attempts.map((attempt) => ({
    exitCode: attempt.exitCode,
    reason: attempt.reason,
    logStreamName: attempt.logStreamName,
    startedAt: isoTime(attempt.startedAt),
    stoppedAt: isoTime(attempt.stoppedAt),
  }));
  const summary = job.arrayProperties?.statusSummary;
  const nodes = nodesOf(job);
  return {
    jobId: job.jobId,
    jobName: job.jobName,
    status: job.status,
    statusReason: job.statusReason,
    exitCode: job.exitCode ?? attempts[attempts.length - 1]?.exitCode ?? null,
    createdAt: isoTime(job.createdAt),
    startedAt: isoTime(job.startedAt),
    stoppedAt: isoTime(job.stoppedAt),
    logStreamName: latestLogStream(job),
    attempts,
    arrayStatusSummary: summary === undefined ? null : Object.fromEntries(Object.entries(summary).filter(([status]) => isJobStatus(status))),
    jobDefinition: definitionRevisionOf(job.jobDefinition ?? undefined),
    dependsOn: [...job.dependsOn],
    tags: { ...job.tags },
    arrayProperties: arrayPropertiesOf(job),
    ...(nodes !== null && { nodes }),
  };
}

/** A multi-node parallel parent's node count and main node, or a node's index (AWS Batch API Reference, JobDetail). */
function nodesOf(job: BatchJob): NonNullable<JobSummary['nodes']> | null {
  const parent = job.nodeProperties;
  const node = job.nodeDetails;
  if (parent === null && node === null) return null;
  return {
    ...(present(parent?.numNodes) && { numNodes: parent.numNodes }),
    ...(present(parent?.mainNode) && { mainNode: parent.mainNode }),
    ...(present(node?.nodeIndex) && { nodeIndex: node.nodeIndex }),
    ...(present(node?.isMainNode) && { isMainNode: node.isMainNode }),
  };
}

function arrayPropertiesOf(job: BatchJob): JobSummary['arrayProperties'] {
  const size = job.arrayProperties?.size;
  const index = job.arrayProperties?.index;
  if (size === undefined && index === undefined) return null;
  return { ...(size !== undefined && { size }), ...(index !== undefined && { index }) };
}

/**
 * `name:revision` from the job definition ARN Batch answers (`arn:…:job-definition/name:revision`); a value that is
 * not an ARN is kept as it is.
 */
export function definitionRevisionOf(jobDefinition: string | undefined): string | null {
  if (jobDefinition === undefined || jobDefinition === null || jobDefinition === '') return null;
  const slash = jobDefinition.lastIndexOf('job-definition/');
  return slash === -1 ? jobDefinition : jobDefinition.slice(slash + 'job-definition/'.length);
}
