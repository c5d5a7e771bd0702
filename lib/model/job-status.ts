/** The seven states of an AWS Batch job, in the order a job passes through them. */
export const JobStatus = {
  SUBMITTED: 'SUBMITTED',
  PENDING: 'PENDING',
  RUNNABLE: 'RUNNABLE',
  STARTING: 'STARTING',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
} as const;

export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

export const JOB_STATUSES: readonly JobStatus[] = Object.values(JobStatus);

/** True for a status AWS Batch knows. */
export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);
}

/** SUCCEEDED and FAILED: the job will not change again. */
export function isTerminal(status: JobStatus): boolean {
  return status === JobStatus.SUCCEEDED || status === JobStatus.FAILED;
}

/** Every status before a terminal one. */
export function isActive(status: JobStatus): boolean {
  return !isTerminal(status);
}

/** STARTING and RUNNING: a container exists, so stopping the job means TerminateJob rather than CancelJob. */
export function isStarted(status: JobStatus): boolean {
  return status === JobStatus.STARTING || status === JobStatus.RUNNING;
}

/** The code a job's container returned to its parent process. */
export class ExitCode {
  public constructor(public readonly value: number) {
    if (!Number.isInteger(value)) throw new RangeError(`exit code must be an integer, got ${value}`);
  }

  /** Zero. */
  public isOk(): boolean {
    return this.value === 0;
  }

  public valueOf(): number {
    return this.value;
  }

  public toJSON(): number {
    return this.value;
  }
}
