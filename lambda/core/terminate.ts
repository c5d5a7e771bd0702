import { isStarted, isTerminal, TerminateRequest, TerminateResponse } from '../../lib/model';
import { describeJob, statusOf } from './jobs';
import type { BatchGateway } from './ports';

export interface TerminateDeps {
  readonly batch: BatchGateway;
}

/**
 * Stops a job the way its status calls for: TerminateJob once a container exists (STARTING, RUNNING), CancelJob
 * before that, nothing once it has finished. Unknown ids throw `BatchJobNotFoundError` (Batch itself answers 200).
 */
export async function terminate(deps: TerminateDeps, request: TerminateRequest): Promise<TerminateResponse> {
  const job = await describeJob(deps.batch, request.jobId);
  const previousStatus = statusOf(job);
  if (isTerminal(previousStatus)) return { jobId: request.jobId, previousStatus, action: 'none' };
  if (isStarted(previousStatus)) {
    await deps.batch.terminateJob(request.jobId, request.reason);
    return { jobId: request.jobId, previousStatus, action: 'terminated' };
  }
  await deps.batch.cancelJob(request.jobId, request.reason);
  return { jobId: request.jobId, previousStatus, action: 'cancelled' };
}
