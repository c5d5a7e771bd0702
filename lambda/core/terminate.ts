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
  // CancelJob answers success and does nothing to a job that reached STARTING after DescribeJobs saw it (a window
  // that throttling retries stretch to seconds): look again, and terminate a job that has started meanwhile.
  const [now] = (await deps.batch.describeJobs([request.jobId])).filter((detail) => detail.jobId === request.jobId);
  if (now !== undefined && isStarted(statusOf(now))) {
    await deps.batch.terminateJob(request.jobId, request.reason);
    return { jobId: request.jobId, previousStatus, action: 'terminated' };
  }
  return { jobId: request.jobId, previousStatus, action: 'cancelled' };
}
