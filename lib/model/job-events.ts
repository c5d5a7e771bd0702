import { isTerminal, JOB_STATUSES, JobStatus } from './job-status';
import type { JobStateChange } from './job-state-change';

/**
 * The job events table the `JobEvents` construct makes and its recorder writes: per job (partition key `jobId`), one
 * item per transition (sort key `entry` = `t#<order>`) and one `latest` item holding the job's detail as of its latest
 * transition. Every item expires through the TTL attribute `expiration` (epoch seconds).
 */
export const JOB_EVENTS_TABLE_KEYS = {
  partitionKey: 'jobId',
  sortKey: 'entry',
  timeToLive: 'expiration',
} as const;

/** The sort key of the item that holds a job's latest known detail. */
export const LATEST_ENTRY = 'latest';
/** The sort-key prefix of transition items: `begins_with(entry, "t#")` reads a job's history in order. */
export const TRANSITION_ENTRY_PREFIX = 't#';

/** One change of a job's status, as Batch announced it in a "Batch Job State Change" event. */
export interface JobTransition {
  readonly status: JobStatus;
  /** When Batch emitted the event (its `time`, ISO 8601). */
  readonly time: string;
  /** The job's `statusReason` at that moment, if any. */
  readonly reason: string | null;
  /** The attempt the transition belongs to, counted from 1 (0: the job ended before any attempt started). */
  readonly attempt: number;
}

/** The transition a job state change event announces. */
export function transitionOf(change: JobStateChange): JobTransition {
  return { status: change.job.status, time: change.time, reason: change.job.statusReason, attempt: change.attempt };
}

/**
 * A key that sorts a job's transitions in the order they happened, whatever order EventBridge delivered them in
 * (it does not promise one): an ended job sorts after everything, then by attempt, then by the status's place in
 * Batch's life cycle (a retried job goes back from RUNNING to RUNNABLE on its next attempt).
 */
export function transitionOrder(transition: Pick<JobTransition, 'status' | 'attempt'>): string {
  const ended = isTerminal(transition.status) ? 1 : 0;
  const rank = JOB_STATUSES.indexOf(transition.status);
  return `${ended}.${String(transition.attempt).padStart(3, '0')}.${rank}`;
}

/** The sort key of a transition's item. The same transition delivered twice writes the same item. */
export function transitionEntry(transition: Pick<JobTransition, 'status' | 'attempt'>): string {
  return `${TRANSITION_ENTRY_PREFIX}${transitionOrder(transition)}`;
}

/** Where a status answer came from: `'job-events'` when the job events table answered it and Batch was not asked. */
export type JobSummarySource = 'job-events';

/**
 * The CloudWatch metric the recorder publishes for each transition it records (embedded metric format): the count
 * of jobs entering each status, per queue. The dashboard and alarms of `PlatformMonitoring` read it.
 */
export const JOB_TRANSITIONS_METRIC = {
  namespace: 'pendant',
  metricName: 'JobTransitions',
  /** The queue's name, and the status the job entered. */
  dimensions: { jobQueue: 'JobQueue', status: 'Status' },
} as const;
