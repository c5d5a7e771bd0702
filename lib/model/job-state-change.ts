import { type BatchJobDetail, readBatchJob, summarizeJob } from './batch-job';
import { isJobStatus, isTerminal, JOB_STATUSES } from './job-status';
import { EventReader, JobSummary } from './requests';

/**
 * The event AWS Batch sends to EventBridge each time a submitted job changes status; its `detail` is read as a Batch
 * job detail (`batch-job.ts`).
 *
 * AWS Batch User Guide, "Job state change events" (batch_job_events): source `aws.batch`, detail-type
 * `Batch Job State Change`; no event is sent for the submission itself; Batch may add fields at any time, so unknown
 * fields are read past, never refused.
 */

/** EventBridge `source` of every AWS Batch event. */
export const BATCH_EVENT_SOURCE = 'aws.batch';
/** EventBridge `detail-type` of a job's status change. */
export const JOB_STATE_CHANGE_DETAIL_TYPE = 'Batch Job State Change';

/**
 * The model's summary of a Batch job detail (DescribeJobs' or an event's). Throws `TypeError` for a detail without a
 * job id or a known status.
 */
export function summarizeJobDetail(detail: BatchJobDetail): JobSummary {
  return summarizeJob(readBatchJob(detail));
}

/** One status change of one job, read from its EventBridge event. */
export interface JobStateChange {
  /** EventBridge's id of the event: a redelivery of the same event carries the same id. */
  readonly eventId: string;
  /** When the change happened (the event's `time`, ISO 8601, second precision). */
  readonly time: string;
  readonly account: string;
  readonly region: string;
  readonly jobArn: string;
  /** The queue's ARN. */
  readonly jobQueue: string;
  /** The job definition's ARN (`…:job-definition/<name>:<revision>`), or null when the event has none. */
  readonly jobDefinition: string | null;
  /** The job as of this change, in the shape the status function answers. */
  readonly job: JobSummary;
  /**
   * The attempt this change belongs to, counted from 1: Batch lists an attempt once it has stopped, so a job that is
   * still on its way is on the attempt after the last one listed. 0 for a job that ended before any attempt started
   * (cancelled, or a dependency failed).
   */
  readonly attempt: number;
  /** `retryStrategy.attempts`: how many attempts the job may make (1 when the job has no retry strategy). */
  readonly maxAttempts: number;
  /** The array child's index, or null for a job that is not an array child. */
  readonly arrayIndex: number | null;
}

/** True when the job will not change again after this change: it SUCCEEDED or FAILED. */
export function isFinalChange(change: JobStateChange): boolean {
  return isTerminal(change.job.status);
}

/**
 * Reads a Batch "Job State Change" event as EventBridge delivers it to a target. Throws `InvalidRequestError` naming
 * every malformed field (e.g. `detail.status`); fields the model does not read are ignored, as AWS asks of readers.
 */
export function parseJobStateChange(event: unknown): JobStateChange {
  const reader = new EventReader();
  const envelope = lenientObject(reader, event, '');
  if (envelope === undefined) return reader.finish(undefined as never);
  if (envelope.source !== BATCH_EVENT_SOURCE) {
    reader.problem('source', 'enum', `must be ${JSON.stringify(BATCH_EVENT_SOURCE)}, got ${show(envelope.source)}`);
  }
  if (envelope['detail-type'] !== JOB_STATE_CHANGE_DETAIL_TYPE) {
    reader.problem('detail-type', 'enum', `must be ${JSON.stringify(JOB_STATE_CHANGE_DETAIL_TYPE)}, got ${show(envelope['detail-type'])}`);
  }
  const eventId = reader.string(envelope.id, 'id', { max: 256 });
  const time = reader.string(envelope.time, 'time', { max: 64, pattern: ISO_TIME, patternText: 'an ISO 8601 time' });
  const account = reader.string(envelope.account, 'account', { max: 12, pattern: /^\d{12}$/, patternText: 'a 12-digit account id' });
  const region = reader.string(envelope.region, 'region', { max: 64, pattern: /^[a-z0-9-]+$/, patternText: 'a region name' });

  const detail = lenientObject(reader, envelope.detail, 'detail');
  if (detail === undefined) return reader.finish(undefined as never);
  reader.jobId(detail.jobId, 'detail.jobId');
  const jobArn = reader.string(detail.jobArn, 'detail.jobArn', { max: 2048, pattern: /^arn:[^:]+:batch:/, patternText: 'an AWS Batch job ARN' });
  reader.string(detail.jobName, 'detail.jobName', { max: 128 });
  const jobQueue = reader.string(detail.jobQueue, 'detail.jobQueue', { max: 2048, pattern: /^arn:[^:]+:batch:[^:]*:[^:]*:job-queue\//, patternText: 'a job queue ARN' });
  if (!isJobStatus(detail.status)) {
    reader.problem('detail.status', 'enum', `must be one of ${JOB_STATUSES.join(', ')}, got ${show(detail.status)}`);
  }
  optionalString(reader, detail.statusReason, 'detail.statusReason');
  const jobDefinition = optionalString(reader, detail.jobDefinition, 'detail.jobDefinition');
  for (const field of ['createdAt', 'startedAt', 'stoppedAt'] as const) optionalEpoch(reader, detail[field], `detail.${field}`);
  readContainer(reader, detail.container, 'detail.container');
  if (detail.attempts !== undefined && detail.attempts !== null) {
    if (!Array.isArray(detail.attempts)) reader.problem('detail.attempts', 'type', 'must be an array');
    else {
      detail.attempts.forEach((attempt: unknown, index: number) => {
        const field = `detail.attempts[${index}]`;
        const fields = lenientObject(reader, attempt, field);
        if (fields === undefined) return;
        readContainer(reader, fields.container, `${field}.container`);
        optionalString(reader, fields.statusReason, `${field}.statusReason`);
        optionalEpoch(reader, fields.startedAt, `${field}.startedAt`);
        optionalEpoch(reader, fields.stoppedAt, `${field}.stoppedAt`);
      });
    }
  }
  let maxAttempts = 1;
  const retryStrategy = detail.retryStrategy === undefined || detail.retryStrategy === null ? undefined : lenientObject(reader, detail.retryStrategy, 'detail.retryStrategy');
  if (retryStrategy?.attempts !== undefined && retryStrategy.attempts !== null) {
    // A job may make 1 to 10 attempts (AWS Batch API Reference, RetryStrategy: attempts).
    maxAttempts = reader.integer(retryStrategy.attempts, 'detail.retryStrategy.attempts', 1, 10) ?? 1;
  }
  let arrayIndex: number | null = null;
  const arrayProperties = detail.arrayProperties === undefined || detail.arrayProperties === null ? undefined : lenientObject(reader, detail.arrayProperties, 'detail.arrayProperties');
  if (arrayProperties !== undefined) {
    if (arrayProperties.index !== undefined && arrayProperties.index !== null) {
      arrayIndex = reader.integer(arrayProperties.index, 'detail.arrayProperties.index', 0, 9_999) ?? null;
    }
    if (arrayProperties.statusSummary !== undefined && arrayProperties.statusSummary !== null) {
      const summary = lenientObject(reader, arrayProperties.statusSummary, 'detail.arrayProperties.statusSummary');
      for (const [status, count] of Object.entries(summary ?? {})) {
        reader.integer(count, `detail.arrayProperties.statusSummary.${status}`, 0, 10_000);
      }
    }
  }
  reader.finish(undefined);

  const job = summarizeJobDetail(detail);
  const attempt = isTerminal(job.status) ? job.attempts.length : job.attempts.length + 1;
  return {
    eventId: eventId!,
    time: time!,
    account: account!,
    region: region!,
    jobArn: jobArn!,
    jobQueue: jobQueue!,
    jobDefinition: jobDefinition ?? null,
    job,
    attempt,
    maxAttempts,
    arrayIndex,
  };
}

/** EventBridge writes `time` as `2022-01-11T23:36:40Z`; fractions and offsets are read too. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An object whose unknown fields are kept: Batch adds fields without notice. */
function lenientObject(reader: EventReader, value: unknown, field: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reader.problem(field, value === undefined ? 'required' : 'type', value === undefined ? 'is required' : `must be an object, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}

function optionalString(reader: EventReader, value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return reader.problem(field, 'type', `must be a string, got ${show(value)}`);
  return value;
}

function optionalEpoch(reader: EventReader, value: unknown, field: string): void {
  if (value === undefined || value === null) return;
  reader.integer(value, field, 0, 8_640_000_000_000_000);
}

function readContainer(reader: EventReader, value: unknown, field: string): void {
  if (value === undefined || value === null) return;
  const container = lenientObject(reader, value, field);
  if (container === undefined) return;
  if (container.exitCode !== undefined && container.exitCode !== null) {
    reader.integer(container.exitCode, `${field}.exitCode`, -2_147_483_648, 2_147_483_647);
  }
  optionalString(reader, container.logStreamName, `${field}.logStreamName`);
  optionalString(reader, container.reason, `${field}.reason`);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

