import type { JobDetail, JobSummary as BatchJobSummary } from '@aws-sdk/client-batch';
import { BatchJobNotFoundError, ChildJobSummary, isJobStatus, JobAttemptSummary, JobDependency, JobStatus, JobSummary } from '../../lib/model';
import type { BatchGateway } from './ports';

/** How a single-job look-up waits for a job Batch does not list yet. */
export interface LookupWait {
  /** Milliseconds the invocation has left: no wait runs into the time kept back for answering. */
  readonly remainingTimeMillis?: () => number;
  /** @default - setTimeout */
  readonly sleep?: (millis: number) => Promise<void>;
}

/**
 * The waits between DescribeJobs calls for an id Batch does not list: DescribeJobs can leave out a job for a short
 * time after SubmitJob returned its id (AWS Batch API Reference, DescribeJobs; eventual consistency), so "not found"
 * is only believed after 3.75 seconds and five calls.
 */
export const NOT_FOUND_RETRY_DELAYS_MILLIS: readonly number[] = [250, 500, 1_000, 2_000];
/** Time kept back for answering once the look-up gives up. */
const LOOKUP_MARGIN_MILLIS = 3_000;

/**
 * One job's detail, or `BatchJobNotFoundError` once Batch has not listed the id for a few seconds (within the
 * invocation's remaining time): a job submitted a moment ago is not "not found".
 */
export async function describeJob(batch: BatchGateway, jobId: string, wait: LookupWait = {}): Promise<JobDetail> {
  const sleep = wait.sleep ?? ((millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis)));
  for (let attempt = 0; ; attempt++) {
    const [job] = (await batch.describeJobs([jobId])).filter((detail) => detail.jobId === jobId);
    if (job !== undefined) return job;
    const delay = NOT_FOUND_RETRY_DELAYS_MILLIS[attempt];
    const timeLeft = wait.remainingTimeMillis?.() ?? Number.POSITIVE_INFINITY;
    if (delay === undefined || timeLeft - delay < LOOKUP_MARGIN_MILLIS) throw new BatchJobNotFoundError(jobId);
    await sleep(delay);
  }
}

/** The job's status as the model types it. */
export function statusOf(job: JobDetail): JobStatus {
  if (!isJobStatus(job.status)) throw new TypeError(`batch answered an unknown status ${String(job.status)} for job ${job.jobId}`);
  return job.status;
}

/**
 * The stream of the job's latest attempt: Batch names it once an attempt reaches RUNNING. Never built by hand,
 * since its format is Batch's to change.
 */
export function logStreamOf(job: JobDetail): string | null {
  const attempts = job.attempts ?? [];
  return job.container?.logStreamName ?? attempts[attempts.length - 1]?.container?.logStreamName ?? null;
}

/**
 * Each attempt's stream in order, null for an attempt that never reached RUNNING: the finished attempts Batch lists,
 * then the current one (the job's own stream) when no listed attempt wrote to it.
 */
export function attemptStreamsOf(job: JobDetail): Array<string | null> {
  const streams = (job.attempts ?? []).map((attempt) => attempt.container?.logStreamName || null);
  const current = job.container?.logStreamName;
  if (typeof current === 'string' && current !== '' && !streams.includes(current)) streams.push(current);
  return streams;
}

/** Every stream the job has written to, one per attempt that reached RUNNING. */
export function logStreamsOf(job: JobDetail): string[] {
  const names = [job.container?.logStreamName, ...(job.attempts ?? []).map((attempt) => attempt.container?.logStreamName)];
  return names.filter((name): name is string => typeof name === 'string' && name !== '');
}

function isoTime(epochMillis: number | undefined): string | null {
  return epochMillis === undefined || epochMillis === null ? null : new Date(epochMillis).toISOString();
}

export function summarizeJob(job: JobDetail): JobSummary {
  const attempts: JobAttemptSummary[] = (job.attempts ?? []).map((attempt) => ({
    exitCode: attempt.container?.exitCode ?? null,
    reason: attempt.container?.reason ?? attempt.statusReason ?? null,
    logStreamName: attempt.container?.logStreamName ?? null,
    startedAt: isoTime(attempt.startedAt),
    stoppedAt: isoTime(attempt.stoppedAt),
  }));
  const summary = job.arrayProperties?.statusSummary;
  return {
    jobId: job.jobId!,
    jobName: job.jobName ?? '',
    status: statusOf(job),
    statusReason: job.statusReason ?? null,
    exitCode: job.container?.exitCode ?? attempts[attempts.length - 1]?.exitCode ?? null,
    createdAt: isoTime(job.createdAt),
    startedAt: isoTime(job.startedAt),
    stoppedAt: isoTime(job.stoppedAt),
    logStreamName: logStreamOf(job),
    attempts,
    arrayStatusSummary: summary === undefined ? null : Object.fromEntries(Object.entries(summary).filter(([status]) => isJobStatus(status))),
    jobDefinition: definitionRevisionOf(job.jobDefinition),
    dependsOn: (job.dependsOn ?? []).filter((dependency) => dependency.jobId !== undefined).map(dependencyOf),
    tags: { ...(job.tags ?? {}) },
    arrayProperties: arrayPropertiesOf(job),
  };
}

function dependencyOf(dependency: { jobId?: string; type?: string }): JobDependency {
  const type = dependency.type === 'N_TO_N' || dependency.type === 'SEQUENTIAL' ? dependency.type : undefined;
  return type === undefined ? { jobId: dependency.jobId! } : { jobId: dependency.jobId!, type };
}

function arrayPropertiesOf(job: JobDetail): JobSummary['arrayProperties'] {
  const size = job.arrayProperties?.size;
  const index = job.arrayProperties?.index;
  if (size === undefined && index === undefined) return null;
  return { ...(size !== undefined && size !== null && { size }), ...(index !== undefined && index !== null && { index }) };
}

/**
 * `name:revision` from the job definition ARN DescribeJobs answers (`arn:…:job-definition/name:revision`); a value
 * that is not an ARN is kept as it is.
 */
export function definitionRevisionOf(jobDefinition: string | undefined): string | null {
  if (jobDefinition === undefined || jobDefinition === '') return null;
  const slash = jobDefinition.lastIndexOf('job-definition/');
  return slash === -1 ? jobDefinition : jobDefinition.slice(slash + 'job-definition/'.length);
}

function indexOfChildId(jobId: string | undefined): number | null {
  const match = /:(\d+)$/.exec(jobId ?? '');
  return match === null ? null : Number(match[1]);
}

/** An array child as ListJobs lists it. */
export function summarizeChild(job: BatchJobSummary): ChildJobSummary {
  return {
    jobId: job.jobId!,
    // ListJobs reports the index in arrayProperties; a child's id also ends in it (`<parent>:<index>`, AWS Batch User
    // Guide, "Array jobs"), which is read where an endpoint leaves arrayProperties out (moto 5.2.1 does).
    index: job.arrayProperties?.index ?? indexOfChildId(job.jobId),
    status: statusOf(job as JobDetail),
    statusReason: job.statusReason ?? null,
    exitCode: job.container?.exitCode ?? null,
    createdAt: isoTime(job.createdAt),
    startedAt: isoTime(job.startedAt),
    stoppedAt: isoTime(job.stoppedAt),
  };
}
