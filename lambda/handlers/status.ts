import { RuntimeConfig } from '../../lib/model/config';
import { SdkBatchGateway } from '../aws/batch';
import { DynamoJobEventsStore } from '../aws/job-events';
import type { JobEventsStore } from '../core/job-events';
import { statusWithEvents } from '../core/job-events';
import type { BatchGateway } from '../core/ports';
import { functionConfig } from '../aws/environment';
import { operationHandler } from './edge';

export function createHandler(
  deps: { config?: RuntimeConfig; batch?: BatchGateway; events?: JobEventsStore; sleep?: (millis: number) => Promise<void> } = {},
) {
  const config = deps.config ?? functionConfig();
  const batch = deps.batch ?? new SdkBatchGateway();
  // The job events table, when the JobEvents construct set one: jobs it knows are answered without DescribeJobs.
  const eventsTable = config.jobEventsTable;
  const events = deps.events ?? (eventsTable === undefined ? undefined : new DynamoJobEventsStore(eventsTable));
  return operationHandler('status', (request, context) =>
    statusWithEvents(
      {
        config,
        batch,
        ...(events && { events }),
        ...(deps.sleep && { sleep: deps.sleep }),
        ...(context && { remainingTimeMillis: () => context.getRemainingTimeInMillis() }),
      },
      request,
    ),
  );
}

export const handler = createHandler();
