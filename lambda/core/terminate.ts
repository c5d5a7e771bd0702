import { isStarted, isTerminal, JobStatus } from '../../lib/model/job-status';
import {
  isTerminateJobsRequest,
  LIMITS,
  TerminateJobsRequest,
  TerminateJobsResponse,
  TerminateRequest,
  TerminateResponse,
} from '../../lib/model/requests';
import { RuntimeConfig } from '../../lib/model/config';
import { chunk } from './concurrency';
import { describeJob, platformJobs } from './jobs';
import type { BatchGateway } from './ports';

export interface TerminateDeps {
  readonly batch: BatchGateway;
  /** Names the platform whose jobs terminate may stop. @default - every job */
  readonly config?: RuntimeConfig;
  /** Milliseconds the invocation has left, which bounds the wait for a job Batch does not list yet. */
  readonly remainingTimeMillis?: () => number;
  /** @default - setTimeout */
  readonly sleep?: (millis: number) => Promise<void>;
}

/**
 * Stops a job whatever its state: TerminateJob for every job that has not finished, since it terminates a STARTING
 * or RUNNING job and cancels one that has not started, array parents and their children included (AWS Batch API
 * Reference, TerminateJob). CancelJob is never used: it answers success and leaves a job that has started, or the
 * started children of an array, running. A finished job is left alone; an unknown id throws `BatchJobNotFoundError`
 * (Batch itself answers 200), and so does a job that is not the platform's.
 */
export async function terminate(deps: TerminateDeps, request: TerminateRequest): Promise<TerminateResponse> {
  const owns = deps.config && platformJobs(deps.config);
  const job = await describeJob(deps.batch, request.jobId, owns === undefined ? deps : { ...deps, owns });
  const previousStatus = job.status;
  if (isTerminal(previousStatus)) return { jobId: request.jobId, previousStatus, action: 'none' };
  await deps.batch.terminateJob(request.jobId, request.reason);
  return { jobId: request.jobId, previousStatus, action: isStarted(previousStatus) ? 'terminated' : 'cancelled' };
}

/**
 * Stops up to 100 jobs in one request: `ceil(n / 100)` DescribeJobs calls to learn each job's status, then the
 * unfinished ones in TerminateJobs calls of up to 50 (AWS Batch API Reference, TerminateJobs: the bulk TerminateJob,
 * under the same `batch:TerminateJob` permission), or one TerminateJob when a single job is left to stop. An array
 * parent stops its children as with TerminateJob. Ids Batch does not list, and jobs not the platform's, are `notFound` at once (a list is not
 * waited for); jobs TerminateJobs reports an error for are `failed`, the rest are in `jobs` in the order asked.
 */
export async function terminateJobs(deps: TerminateDeps, request: TerminateJobsRequest): Promise<TerminateJobsResponse> {
  const distinct = [...new Set(request.jobIds)];
  const found = new Map<string, JobStatus>();
  // A job that is not the platform's is answered exactly as one Batch does not list: notFound, never stopped.
  const owns = deps.config && platformJobs(deps.config);
  for (const batch of chunk(distinct, LIMITS.DESCRIBE_JOBS_BATCH)) {
    for (const job of await deps.batch.describeJobs(batch)) {
      if (batch.includes(job.jobId) && (owns?.(job) ?? true)) found.set(job.jobId, job.status);
    }
  }
  const toStop = distinct.filter((id) => found.has(id) && !isTerminal(found.get(id)!));
  const errors = new Map<string, { code: string; message: string }>();
  if (toStop.length === 1) await deps.batch.terminateJob(toStop[0], request.reason);
  else {
    for (const batch of chunk(toStop, LIMITS.TERMINATE_JOBS_BATCH)) {
      for (const error of await deps.batch.terminateJobs(batch, request.reason)) errors.set(error.jobId, { code: error.code, message: error.message });
    }
  }
  const jobs: TerminateResponse[] = [];
  const failed: Array<TerminateJobsResponse['failed'][number]> = [];
  for (const jobId of distinct) {
    const previousStatus = found.get(jobId);
    if (previousStatus === undefined) continue;
    const error = errors.get(jobId);
    if (error !== undefined) failed.push({ jobId, previousStatus, ...error });
    else jobs.push({ jobId, previousStatus, action: isTerminal(previousStatus) ? 'none' : isStarted(previousStatus) ? 'terminated' : 'cancelled' });
  }
  return { jobs, notFound: distinct.filter((id) => !found.has(id)), failed };
}

/** One job (`{ jobId }`, waited for a moment if Batch does not list it yet) or many (`{ jobIds }`). */
export async function stopJobs(
  deps: TerminateDeps,
  request: TerminateRequest | TerminateJobsRequest,
): Promise<TerminateResponse | TerminateJobsResponse> {
  return isTerminateJobsRequest(request) ? terminateJobs(deps, request) : terminate(deps, request);
}
