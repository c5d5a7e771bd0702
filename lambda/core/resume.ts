import { BatchJobFailedError, LogStreamNotFoundError } from '../../lib/model/errors';
import { isTerminal } from '../../lib/model/job-status';
import { JobStateChange } from '../../lib/model/job-state-change';
import { JobSummary, LIMITS, WaitForJobRequest, WaitForJobResponse } from '../../lib/model/requests';
import { summarizeJob } from '../../lib/model/batch-job';
import { describeJob, type LookupWait } from './jobs';
import type { BatchGateway } from './ports';

/**
 * Where the task tokens of waiting executions are kept, by job id. Batch tags cannot carry them: a tag value holds
 * at most 256 characters (AWS Batch API Reference, TagResource) and a task token up to 2,048.
 */
export interface TaskTokenStore {
  /** Records (or refreshes) that `taskToken` waits for `jobId`, until `expiresAt` (seconds since the epoch). */
  put(jobId: string, taskToken: string, expiresAt: number): Promise<void>;
  /** Every token recorded for the job. */
  tokensFor(jobId: string): Promise<string[]>;
  /** Forgets one token of the job. */
  remove(jobId: string, taskToken: string): Promise<void>;
}

/**
 * Step Functions' task answers. Each resolves false when the token is no longer live (its task ended, timed out, or
 * was already answered): there is nobody left to tell, which is not an error.
 */
export interface TaskGateway {
  succeed(taskToken: string, output: unknown): Promise<boolean>;
  fail(taskToken: string, error: string, cause: string): Promise<boolean>;
  heartbeat(taskToken: string): Promise<boolean>;
}

/** A job's last log lines, read through the platform's logs function. */
export interface LogTail {
  /** The last `count` lines of the job's latest attempt; throws `LogStreamNotFoundError` when it has no stream. */
  lastLines(jobId: string, count: number): Promise<string[]>;
}

export interface ResumeDeps extends LookupWait {
  readonly batch: BatchGateway;
  readonly tokens: TaskTokenStore;
  readonly tasks: TaskGateway;
  readonly logs: LogTail;
  /** @default - the clock */
  readonly now?: () => Date;
}

/** How long a token is kept past the heartbeat it was registered with: a wait that is still live refreshes it. */
const TOKEN_MARGIN_SECONDS = 60 * 60;

const expiry = (deps: ResumeDeps, heartbeatSeconds: number) => Math.floor((deps.now?.() ?? new Date()).getTime() / 1000) + heartbeatSeconds + TOKEN_MARGIN_SECONDS;

/**
 * A RunJob state begins to wait: its token is recorded first and the job looked at once after, so a job that ended
 * before the token was recorded (its event found no token) is answered here, and one that ends later by its event.
 * Each heartbeat timeout of the state comes back here, which is what makes a lost event cost a heartbeat, not the
 * execution.
 */
export async function waitForJob(deps: ResumeDeps, request: WaitForJobRequest): Promise<WaitForJobResponse> {
  await deps.tokens.put(request.jobId, request.taskToken, expiry(deps, request.heartbeatSeconds));
  const job = summarizeJob(await describeJob(deps.batch, request.jobId, deps));
  if (isTerminal(job.status)) await answer(deps, [request.taskToken], job);
  return { jobId: job.jobId, status: job.status };
}

/** What one job state change did: how many waiting tasks it answered or kept alive. */
export interface ResumeResult {
  readonly jobId: string;
  readonly status: string;
  readonly answered: number;
  readonly heartbeats: number;
}

/**
 * A job changed status: a terminal change answers every task waiting for the job (and forgets their tokens);
 * any other keeps them alive with a heartbeat, so a job that moves along is not taken for a lost one.
 */
export async function resumeOnChange(deps: ResumeDeps, change: JobStateChange): Promise<ResumeResult> {
  const { job } = change;
  const tokens = await deps.tokens.tokensFor(job.jobId);
  if (tokens.length === 0 || !isTerminal(job.status)) {
    let heartbeats = 0;
    for (const token of tokens) {
      if (await deps.tasks.heartbeat(token)) heartbeats += 1;
      else await deps.tokens.remove(job.jobId, token);
    }
    return { jobId: job.jobId, status: job.status, answered: 0, heartbeats };
  }
  const answered = await answer(deps, tokens, job);
  return { jobId: job.jobId, status: job.status, answered, heartbeats: 0 };
}

/** Answers the tasks: a SUCCEEDED job with its summary, a FAILED one with a `BatchJobFailedError`. */
async function answer(deps: ResumeDeps, tokens: readonly string[], job: JobSummary): Promise<number> {
  let answered = 0;
  if (job.status === 'SUCCEEDED') {
    for (const token of tokens) if (await deps.tasks.succeed(token, job)) answered += 1;
  } else {
    const error = failure(job, await lastLines(deps, job.jobId));
    const cause = causeOf(error);
    for (const token of tokens) if (await deps.tasks.fail(token, error.name, cause)) answered += 1;
  }
  for (const token of tokens) await deps.tokens.remove(job.jobId, token);
  return answered;
}

async function lastLines(deps: ResumeDeps, jobId: string): Promise<string[]> {
  try {
    return await deps.logs.lastLines(jobId, LIMITS.FAILED_JOB_LOG_LINES);
  } catch (error) {
    // A job that failed before it ran (cancelled, a dependency failed, no image) wrote nothing.
    if (error instanceof LogStreamNotFoundError) return [];
    throw error;
  }
}

export function failure(job: JobSummary, lines: readonly string[]): BatchJobFailedError {
  return new BatchJobFailedError(job.jobId, job.statusReason, job.exitCode, job.logStreamName, lines);
}

/**
 * The error as the JSON `Cause` of the task's failure, within SendTaskFailure's 32,768 characters: the oldest lines
 * go first, then the remaining lines are cut, so the reason and exit code always arrive.
 */
export function causeOf(error: BatchJobFailedError): string {
  const render = (lines: readonly string[]) => JSON.stringify({ ...error.toJSON(), lastLogLines: lines });
  let lines = [...error.lastLogLines];
  while (lines.length > 0 && render(lines).length > LIMITS.MAX_TASK_FAILURE_CAUSE_CHARS) lines = lines.slice(1);
  let cause = render(lines);
  if (cause.length > LIMITS.MAX_TASK_FAILURE_CAUSE_CHARS) cause = render([]);
  return cause.length > LIMITS.MAX_TASK_FAILURE_CAUSE_CHARS ? JSON.stringify({ name: error.name, jobId: error.jobId, exitCode: error.exitCode }) : cause;
}
