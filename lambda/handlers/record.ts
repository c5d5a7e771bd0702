import { ConfigurationError } from '../../lib/model/errors';
import { ENV, RuntimeConfig } from '../../lib/model/config';
import { JobTransition } from '../../lib/model/job-events';
import { parseJobStateChange } from '../../lib/model/job-state-change';
import { DynamoJobEventsStore } from '../aws/job-events';
import { functionConfig } from '../aws/environment';
import { transitionMetricLine, writeStdout } from '../aws/metrics';
import { JobEventsStore, recordTransition } from '../core/job-events';
import { makeHandler } from './edge';

/**
 * The `JobEvents` recorder: EventBridge delivers each "Batch Job State Change" event of the platform's queues; the
 * transition goes into the job events table, and one `JobTransitions` data point into CloudWatch.
 */
export function createHandler(deps: { config?: RuntimeConfig; store?: JobEventsStore; writeLine?: (line: string) => void } = {}) {
  const config = deps.config ?? functionConfig();
  let store = deps.store;
  const writeLine = deps.writeLine ?? writeStdout;
  return makeHandler<{ change: ReturnType<typeof parseJobStateChange>; detail: unknown }, JobTransition>(
    'record',
    (event) => ({ change: parseJobStateChange(event), detail: (event as { detail: unknown }).detail }),
    async ({ change, detail }) => {
      if (store === undefined) {
        const table = config.jobEventsTable;
        if (table === undefined) throw new ConfigurationError(ENV.JOB_EVENTS_TABLE, 'is not set: the recorder has no table to write to');
        store = new DynamoJobEventsStore(table);
      }
      const { transition, jobQueue } = await recordTransition({ store, retentionSeconds: config.jobEventsRetentionSeconds }, change, detail);
      writeLine(transitionMetricLine(jobQueue, transition.status, Date.parse(change.time)));
      return transition;
    },
  );
}

export const handler = createHandler();
