import { ChildrenRequest, JobStatusResponse, JobSummary, LIMITS, StatusRequest, StatusResponse } from '../../lib/model/requests';
import { InvalidRequestError } from '../../lib/model/errors';
import { JobStatus } from '../../lib/model/job-status';
import { RuntimeConfig } from '../../lib/model/config';
import { type BatchJob, summarizeJob } from '../../lib/model/batch-job';
import { chunk, mapWithConcurrency } from './concurrency';
import { describeJob, platformJobs } from './jobs';
import type { BatchGateway } from './ports';
import { decodeToken, encodeToken, fingerprint } from './tokens';

export interface StatusDeps {
  readonly config: RuntimeConfig;
  readonly batch: BatchGateway;
  /** Milliseconds the invocation has left; no new DescribeJobs call starts once it runs low. */
  readonly remainingTimeMillis?: () => number;
  /** How a single-job request waits for a job Batch does not list yet. @default - setTimeout */
  readonly sleep?: (millis: number) => Promise<void>;
}

/** Time kept back for calls already in flight (the SDK retries them) and for answering. */
const SAFETY_MARGIN_MILLIS = 5_000;

/**
 * Describes the jobs in exactly `ceil(n / 100)` DescribeJobs calls for n distinct ids (Batch's limit per call),
 * a bounded number at once. Jobs come back in the order first asked for; ids Batch does not know are `notFound`.
 * When the invocation runs short of time, the batches not yet asked about are left to a `nextToken`.
 */
export async function jobStatuses(deps: StatusDeps, jobIds: readonly string[], nextToken?: string): Promise<StatusResponse> {
  const distinct = [...new Set(jobIds)];
  const batches = chunk(distinct, LIMITS.DESCRIBE_JOBS_BATCH);
  const queue = nextToken === undefined ? batches.map((_, index) => index) : decodeStatusToken(nextToken, distinct, batches.length);
  const asked = new Set<number>();
  const details: BatchJob[] = [];
  const outOfTime = () => deps.remainingTimeMillis !== undefined && deps.remainingTimeMillis() < SAFETY_MARGIN_MILLIS;

  // Once time runs short the batches not yet started are skipped (left to the token); the pool stops at a failure.
  await mapWithConcurrency(queue, deps.config.maxConcurrency, async (batch) => {
    if (outOfTime()) return;
    details.push(...(await deps.batch.describeJobs(batches[batch])));
    asked.add(batch);
  });

  const found = new Map<string, JobSummary>();
  const owns = platformJobs(deps.config);
  for (const job of details) {
    if (owns?.(job) ?? true) found.set(job.jobId, summarizeJob(job));
  }
  const answered = new Set([...asked].flatMap((batch) => batches[batch]));
  const ids = distinct.filter((id) => answered.has(id));
  const left = queue.filter((batch) => !asked.has(batch));
  return {
    jobs: ids.filter((id) => found.has(id)).map((id) => found.get(id)!),
    notFound: ids.filter((id) => !found.has(id)),
    ...(left.length > 0 && { nextToken: encodeStatusToken(distinct, left) }),
  };
}

/**
 * `{ jobIds }` answers many jobs (ids Batch does not list are `notFound`, at once); `{ jobId }` answers one, or throws
 * `BatchJobNotFoundError` once Batch has not listed it for a few seconds.
 */
export async function status(deps: StatusDeps, request: StatusRequest): Promise<StatusResponse | JobSummary> {
  if ('jobId' in request && request.children !== undefined) return jobWithChildren(withOwner(deps), request.jobId, request.children);
  if ('jobId' in request) return summarizeJob(await describeJob(deps.batch, request.jobId, withOwner(deps)));
  return jobStatuses(deps, request.jobIds, request.nextToken);
}

/**
 * An array parent and one page of its children in one status: one DescribeJobs and exactly one ListJobs (by
 * `arrayJobId`), whose token comes back wrapped so that it only resumes the same parent and status.
 */
export async function jobWithChildren(deps: StatusDeps, jobId: string, children: ChildrenRequest): Promise<JobStatusResponse> {
  // A token that is not one of ours is refused before any AWS call.
  const resume = children.nextToken === undefined ? undefined : decodeChildrenToken(children.nextToken, jobId, children.status);
  const job = summarizeJob(await describeJob(deps.batch, jobId, deps));
  // A job that is not an array parent has no children: the answer is an empty last page, without asking ListJobs.
  if (job.arrayProperties?.size === undefined) return { ...job, children: { status: children.status, jobs: [], nextToken: null } };
  const page = await deps.batch.listChildren({
    arrayJobId: jobId,
    status: children.status,
    maxResults: children.limit ?? LIMITS.LIST_JOBS_DEFAULT_RESULTS,
    ...(resume !== undefined && { nextToken: resume }),
  });
  return {
    ...job,
    children: {
      status: children.status,
      jobs: page.jobs,
      nextToken: page.nextToken === undefined ? null : encodeChildrenToken(jobId, children.status, page.nextToken),
    },
  };
}

function encodeChildrenToken(jobId: string, status: JobStatus, batchToken: string): string {
  return encodeToken([jobId, status, batchToken]);
}

function decodeChildrenToken(token: string, jobId: string, status: JobStatus): string {
  const refuse = (message: string) => new InvalidRequestError([{ field: 'children.nextToken', rule: 'token', message }]);
  const [parent, tokenStatus, batchToken] = decodeToken(token) ?? [];
  if (typeof parent !== 'string' || typeof tokenStatus !== 'string' || typeof batchToken !== 'string' || batchToken === '') {
    throw refuse('is not a token from a previous status response');
  }
  if (parent !== jobId || tokenStatus !== status) {
    throw refuse(`belongs to the ${tokenStatus} children of ${parent}; send it with that jobId and children.status`);
  }
  return batchToken;
}

/** A token names the batches left and a fingerprint of the ids, so it only resumes the request it came from. */
function encodeStatusToken(ids: readonly string[], batches: readonly number[]): string {
  return encodeToken([fingerprint(ids), batches]);
}

function decodeStatusToken(token: string, ids: readonly string[], batchCount: number): number[] {
  const fields = decodeToken(token);
  const [print, batches] = fields ?? [];
  const valid =
    fields !== undefined &&
    Array.isArray(batches) &&
    batches.length > 0 &&
    batches.every((batch) => Number.isSafeInteger(batch) && batch >= 0 && batch < batchCount) &&
    new Set(batches).size === batches.length;
  if (!valid) throw new InvalidRequestError([{ field: 'nextToken', rule: 'token', message: 'is not a token from a previous status response' }]);
  if (print !== fingerprint(ids)) {
    throw new InvalidRequestError([{ field: 'nextToken', rule: 'token', message: 'belongs to a request with other jobIds; send the same jobIds with it' }]);
  }
  return batches as number[];
}

function withOwner<T extends { readonly config: RuntimeConfig }>(deps: T): T & { owns?: (job: BatchJob) => boolean } {
  const owns = platformJobs(deps.config);
  return owns === undefined ? deps : { ...deps, owns };
}
