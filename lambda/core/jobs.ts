import { BatchJobNotFoundError } from '../../lib/model/errors';
import { jobQueueName, PLATFORM_TAG, RuntimeConfig } from '../../lib/model/config';
import type { BatchJob } from '../../lib/model/batch-job';
import type { BatchGateway } from './ports';

/** How a single-job look-up waits for a job Batch does not list yet. */
export interface LookupWait {
  /** Milliseconds the invocation has left: no wait runs into the time kept back for answering. */
  readonly remainingTimeMillis?: () => number;
  /** @default - setTimeout */
  readonly sleep?: (millis: number) => Promise<void>;
  /** Which jobs the function may see; others are treated exactly like jobs that do not exist. @default - every job */
  readonly owns?: (job: BatchJob) => boolean;
}

/**
 * The platform's jobs: those carrying its `pendant:platform` tag and, when the configuration names the platform's
 * queues, on one of them. An array child (`<parent>:<index>`) or a node (`<parent>#<node>`) that carries no
 * platform tag at all is judged by its queue alone: Batch creates children and nodes itself, and does not promise
 * to copy the parent's tags to them (moto 5.2.1 does not). A configuration without a platform id (functions deployed
 * before it) sees every job.
 */
export function platformJobs(config: RuntimeConfig): ((job: BatchJob) => boolean) | undefined {
  const platformId = config.platformId;
  if (platformId === undefined) return undefined;
  const queues = config.jobQueuesIfConfigured;
  const names = queues === undefined ? undefined : new Set(queues.map((queue) => queue.name));
  return (job) => {
    const tag = job.tags[PLATFORM_TAG];
    const tagged = tag === platformId || (tag === undefined && CHILD_OR_NODE_ID.test(job.jobId));
    return tagged && (names === undefined || (job.jobQueue !== null && names.has(jobQueueName(job.jobQueue))));
  };
}

/** The id of an array child or a multi-node node: its parent's id with `:<index>` or `#<node>` (AWS Batch User Guide). */
const CHILD_OR_NODE_ID = /[:#]\d+$/;

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
export async function describeJob(batch: BatchGateway, jobId: string, wait: LookupWait = {}): Promise<BatchJob> {
  const sleep = wait.sleep ?? ((millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis)));
  for (let attempt = 0; ; attempt++) {
    // Another's job is answered exactly as a missing one, after the same calls and waits: nothing tells them apart.
    const [job] = (await batch.describeJobs([jobId])).filter((detail) => detail.jobId === jobId && (wait.owns?.(detail) ?? true));
    if (job !== undefined) return job;
    const delay = NOT_FOUND_RETRY_DELAYS_MILLIS[attempt];
    const timeLeft = wait.remainingTimeMillis?.() ?? Number.POSITIVE_INFINITY;
    if (delay === undefined || timeLeft - delay < LOOKUP_MARGIN_MILLIS) throw new BatchJobNotFoundError(jobId);
    await sleep(delay);
  }
}
