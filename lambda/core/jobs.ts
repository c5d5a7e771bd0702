import type { JobDetail } from '@aws-sdk/client-batch';
import { BatchJobNotFoundError, isJobStatus, JobStatus, JobSummary, latestLogStream, summarizeJobDetail } from '../../lib/model';
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

/** The stream of the job's latest attempt (one reading of a job detail, in the model). */
export function logStreamOf(job: JobDetail): string | null {
  return latestLogStream(job);
}

/** Every stream the job has written to, one per attempt that reached RUNNING. */
export function logStreamsOf(job: JobDetail): string[] {
  const names = [job.container?.logStreamName, ...(job.attempts ?? []).map((attempt) => attempt.container?.logStreamName)];
  return names.filter((name): name is string => typeof name === 'string' && name !== '');
}

export function summarizeJob(job: JobDetail): JobSummary {
  return summarizeJobDetail(job);
}
