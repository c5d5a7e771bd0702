import { parseTerminateRequest, TerminateJobsRequest, TerminateJobsResponse, TerminateRequest, TerminateResponse } from '../../lib/model';
import { SdkBatchGateway } from '../aws/batch';
import type { BatchGateway } from '../core/ports';
import { stopJobs } from '../core/terminate';
import { makeHandler } from './edge';

export function createHandler(deps: { batch?: BatchGateway; sleep?: (millis: number) => Promise<void> } = {}) {
  const batch = deps.batch ?? new SdkBatchGateway();
  return makeHandler<TerminateRequest | TerminateJobsRequest, TerminateResponse | TerminateJobsResponse>('terminate', parseTerminateRequest, (request, context) =>
    stopJobs(
      { batch, ...(deps.sleep && { sleep: deps.sleep }), ...(context && { remainingTimeMillis: () => context.getRemainingTimeInMillis() }) },
      request,
    ),
  );
}

export const handler = createHandler();
