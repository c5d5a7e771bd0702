import { RuntimeConfig } from '../../lib/model/config';
import { SdkBatchGateway } from '../aws/batch';
import { functionConfig } from '../aws/environment';
import type { BatchGateway } from '../core/ports';
import { stopJobs } from '../core/terminate';
import { operationHandler } from './edge';

export function createHandler(deps: { config?: RuntimeConfig; batch?: BatchGateway; sleep?: (millis: number) => Promise<void> } = {}) {
  const config = deps.config ?? functionConfig();
  const batch = deps.batch ?? new SdkBatchGateway();
  return operationHandler('terminate', (request, context) =>
    stopJobs(
      { config, batch, ...(deps.sleep && { sleep: deps.sleep }), ...(context && { remainingTimeMillis: () => context.getRemainingTimeInMillis() }) },
      request,
    ),
  );
}

export const handler = createHandler();
