import { parseTerminateRequest, TerminateJobsRequest, TerminateJobsResponse, TerminateRequest, TerminateResponse } from '../../lib/model/requests';
import { RuntimeConfig } from '../../lib/model/config';
import { SdkBatchGateway } from '../aws/batch';
import { functionConfig } from '../aws/environment';
import type { BatchGateway } from '../core/ports';
import { stopJobs } from '../core/terminate';
import { makeHandler } from './edge';

export function createHandler(deps: { config?: RuntimeConfig; batch?: BatchGateway; sleep?: (millis: number) => Promise<void> } = {}) {
  const config = deps.config ?? functionConfig();
  const batch = deps.batch ?? new SdkBatchGateway();
  return makeHandler<TerminateRequest | TerminateJobsRequest, TerminateResponse | TerminateJobsResponse>('terminate', parseTerminateRequest, (request, context) =>
    stopJobs(
      { config, batch, ...(deps.sleep && { sleep: deps.sleep }), ...(context && { remainingTimeMillis: () => context.getRemainingTimeInMillis() }) },
      request,
    ),
  );
}

export const handler = createHandler();
