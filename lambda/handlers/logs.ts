import { RuntimeConfig } from '../../lib/model/config';
import { SdkBatchGateway } from '../aws/batch';
import { SdkLogsGateway } from '../aws/logs';
import { readLogs } from '../core/logs';
import type { BatchGateway, LogsGateway } from '../core/ports';
import { functionConfig } from '../aws/environment';
import { operationHandler } from './edge';

export function createHandler(
  deps: { config?: RuntimeConfig; batch?: BatchGateway; logs?: LogsGateway; sleep?: (millis: number) => Promise<void> } = {},
) {
  const config = deps.config ?? functionConfig();
  const logs = deps.logs ?? new SdkLogsGateway();
  const batch = deps.batch ?? new SdkBatchGateway();
  return operationHandler('logs', (request, context) =>
    readLogs(
      {
        config,
        batch,
        logs,
        ...(deps.sleep && { sleep: deps.sleep }),
        ...(context && { remainingTimeMillis: () => context.getRemainingTimeInMillis() }),
      },
      request,
    ),
  );
}

export const handler = createHandler();
