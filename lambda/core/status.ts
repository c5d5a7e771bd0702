import { JobSummary, LIMITS, RuntimeConfig, StatusRequest, StatusResponse } from '../../lib/model';
import { chunk, mapWithConcurrency } from './concurrency';
import { describeJob, summarizeJob } from './jobs';
import type { BatchGateway } from './ports';

export interface StatusDeps {
  readonly config: RuntimeConfig;
  readonly batch: BatchGateway;
}

/**
 * Describes the jobs in exactly `ceil(n / 100)` DescribeJobs calls for n distinct ids (Batch's limit per call),
 * a bounded number at once. Jobs come back in the order first asked for; ids Batch does not know are `notFound`.
 */
export async function jobStatuses(deps: StatusDeps, jobIds: readonly string[]): Promise<StatusResponse> {
  const distinct = [...new Set(jobIds)];
  const pages = await mapWithConcurrency(chunk(distinct, LIMITS.DESCRIBE_JOBS_BATCH), deps.config.maxConcurrency, (ids) =>
    deps.batch.describeJobs(ids),
  );
  const found = new Map<string, JobSummary>();
  for (const job of pages.flat()) {
    if (job.jobId !== undefined) found.set(job.jobId, summarizeJob(job));
  }
  return {
    jobs: distinct.filter((id) => found.has(id)).map((id) => found.get(id)!),
    notFound: distinct.filter((id) => !found.has(id)),
  };
}

/** `{ jobIds }` answers many jobs; `{ jobId }` answers one, or throws `BatchJobNotFoundError`. */
export async function status(deps: StatusDeps, request: StatusRequest): Promise<StatusResponse | JobSummary> {
  if ('jobId' in request) return summarizeJob(await describeJob(deps.batch, request.jobId));
  return jobStatuses(deps, request.jobIds);
}
