import { ConfigurationError } from '../../lib/model/errors';
import { ENV, jobQueueName } from '../../lib/model/config';
import { JobStateChange } from '../../lib/model/job-state-change';
import { JobSummary, StatusRequest, StatusResponse } from '../../lib/model/requests';
import { JobTransition, transitionOf } from '../../lib/model/job-events';
import type { BatchJob } from '../../lib/model/batch-job';
import { mapWithConcurrency } from './concurrency';
import type { BatchGateway } from './ports';
import { status, StatusDeps } from './status';

/** A job as the job events table last recorded it. */
export interface RecordedJob {
  /** The job as the `detail` of the latest state change event gives it (the shape DescribeJobs answers). */
  readonly job: BatchJob;
  /** When Batch emitted that event (ISO 8601). */
  readonly time: string;
}

/** One transition to record: the item of the transition, and the job's detail for its `latest` item. */
export interface TransitionRecord {
  readonly jobId: string;
  readonly jobQueue: string;
  readonly transition: JobTransition;
  /** The event's `detail`, kept as Batch sent it. */
  readonly detail: unknown;
  /** Epoch seconds after which DynamoDB may delete the items (TTL). */
  readonly expiresAt: number;
}

/** The job events table (layout: `lib/model/job-events.ts`). */
export interface JobEventsStore {
  /**
   * Writes the transition's item (a redelivered event rewrites the same item) and the job's `latest` item unless a
   * later transition is already recorded there (EventBridge may deliver a job's events out of order).
   */
  record(record: TransitionRecord): Promise<void>;
  /** The latest recorded detail of each of up to 100 jobs; ids the table does not know are absent. */
  latest(jobIds: readonly string[]): Promise<Map<string, RecordedJob>>;
  /** A job's recorded transitions, oldest first. */
  history(jobId: string): Promise<JobTransition[]>;
}

export interface RecordDeps {
  readonly store: JobEventsStore;
  /** How long the items are kept, in seconds. */
  readonly retentionSeconds: number;
}

/** Records one state change; answers the transition and the queue's name (what the recorder's metric counts). */
export async function recordTransition(deps: RecordDeps, change: JobStateChange, detail: unknown): Promise<{ transition: JobTransition; jobQueue: string }> {
  const transition = transitionOf(change);
  // Kept from the change itself, so a late redelivery expires with the rest of the job's items.
  const expiresAt = Math.floor(Date.parse(change.time) / 1000) + deps.retentionSeconds;
  await deps.store.record({ jobId: change.job.jobId, jobQueue: change.jobQueue, transition, detail, expiresAt });
  return { transition, jobQueue: jobQueueName(change.jobQueue) };
}

export interface EventsStatusDeps extends StatusDeps {
  /** @default - none: every job is described by Batch, and `history` is refused */
  readonly events?: JobEventsStore;
}

/**
 * The status function's answer with the job events table consulted first: a job the table knows is answered from
 * its latest recorded detail (no DescribeJobs call; the answer says `source: 'job-events'` and `recordedAt`), the
 * others from Batch exactly as without the table. With `history`, each job carries its recorded transitions.
 */
export async function statusWithEvents(deps: EventsStatusDeps, request: StatusRequest): Promise<StatusResponse | JobSummary> {
  const events = deps.events;
  if (events === undefined) {
    if (request.history === true) {
      throw new ConfigurationError(ENV.JOB_EVENTS_TABLE, 'is not set: a status request with history needs the job events table of the JobEvents construct');
    }
    return status(deps, request);
  }
  const recorded = new Map<string, string>();
  const response = await status({ ...deps, batch: eventsFirst(deps.batch, events, recorded) }, request);
  const annotate = async (job: JobSummary): Promise<JobSummary> => {
    const recordedAt = recorded.get(job.jobId);
    return {
      ...job,
      ...(recordedAt !== undefined && { source: 'job-events' as const, recordedAt }),
      ...(request.history === true && { history: await events.history(job.jobId) }),
    };
  };
  if ('jobs' in response) return { ...response, jobs: await mapWithConcurrency(response.jobs, deps.config.maxConcurrency, annotate) };
  return annotate(response);
}

/**
 * `batch` with DescribeJobs answered from the table for the jobs it knows: only the others reach Batch, and none at
 * all when the table knows every id of a batch. Every other call passes through untouched (a Proxy, so that a
 * method added to `BatchGateway` later needs nothing here). `recorded` collects the ids answered from the table.
 */
function eventsFirst(batch: BatchGateway, events: JobEventsStore, recorded: Map<string, string>): BatchGateway {
  const describeJobs = async (jobIds: readonly string[]): Promise<BatchJob[]> => {
    const known = await events.latest(jobIds);
    const rest = jobIds.filter((id) => !known.has(id));
    const described = rest.length > 0 ? await batch.describeJobs(rest) : [];
    for (const [jobId, job] of known) recorded.set(jobId, job.time);
    return [...[...known.values()].map((recorded) => recorded.job), ...described];
  };
  return new Proxy(batch, {
    get: (target, key, receiver) => (key === 'describeJobs' ? describeJobs : (Reflect.get(target, key, receiver) as unknown)),
  });
}
