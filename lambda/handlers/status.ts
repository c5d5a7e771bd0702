import { JobSummary, parseStatusRequest, RuntimeConfig, StatusRequest, StatusResponse } from '../../lib/model';
import { SdkBatchGateway } from '../aws/batch';
import type { BatchGateway } from '../core/ports';
import { status } from '../core/status';
import { functionEnvironment } from '../aws/environment';
import { makeHandler } from './edge';

export function createHandler(deps: { config?: RuntimeConfig; batch?: BatchGateway; sleep?: (millis: number) => Promise<void> } = {}) {
  const config = deps.config ?? RuntimeConfig.fromEnv(functionEnvironment());
  const batch = deps.batch ?? new SdkBatchGateway();
  return makeHandler<StatusRequest, StatusResponse | JobSummary>('status', parseStatusRequest, (request, context) =>
    status(
      {
        config,
        batch,
        ...(deps.sleep && { sleep: deps.sleep }),
        ...(context && { remainingTimeMillis: () => context.getRemainingTimeInMillis() }),
      },
      request,
    ),
  );
}

export const handler = createHandler();
