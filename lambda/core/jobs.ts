import type { JobDetail } from '@aws-sdk/client-batch';
import { BatchJobNotFoundError, isJobStatus, JobAttemptSummary, JobStatus, JobSummary } from '../../lib/model';
import type { BatchGateway } from './ports';

/** One job's detail, or `BatchJobNotFoundError`. */
export async function describeJob(batch: BatchGateway, jobId: string): Promise<JobDetail> {
  const [job] = (await batch.describeJobs([jobId])).filter((detail) => detail.jobId === jobId);
  if (job === undefined) throw new BatchJobNotFoundError(jobId);
  return job;
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
  };
}
