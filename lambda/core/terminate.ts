import { isStarted, isTerminal, RuntimeConfig, TerminateRequest, TerminateResponse } from '../../lib/model';
import { describeJob, platformJobs, statusOf } from './jobs';
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
  const previousStatus = statusOf(job);
  if (isTerminal(previousStatus)) return { jobId: request.jobId, previousStatus, action: 'none' };
  await deps.batch.terminateJob(request.jobId, request.reason);
  return { jobId: request.jobId, previousStatus, action: isStarted(previousStatus) ? 'terminated' : 'cancelled' };
}
