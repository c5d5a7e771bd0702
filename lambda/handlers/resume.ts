import { JobStateChange, parseJobStateChange } from '../../lib/model/job-state-change';
import { parseWaitForJobRequest, WaitForJobRequest, WaitForJobResponse } from '../../lib/model/requests';
import { RuntimeConfig } from '../../lib/model/config';
import { SdkBatchGateway } from '../aws/batch';
import { functionConfig } from '../aws/environment';
import { DynamoTaskTokenStore, LogsFunctionTail, SdkTaskGateway } from '../aws/resume';
import type { BatchGateway } from '../core/ports';
import { type LogTail, resumeOnChange, type ResumeResult, type TaskGateway, type TaskTokenStore, waitForJob } from '../core/resume';
import { makeHandler } from './edge';

export interface ResumeHandlerDeps {
  readonly config?: RuntimeConfig;
  readonly batch?: BatchGateway;
  readonly tokens?: TaskTokenStore;
  readonly tasks?: TaskGateway;
  readonly logs?: LogTail;
  readonly now?: () => Date;
  readonly sleep?: (millis: number) => Promise<void>;
}

type ResumeEvent = { readonly wait: WaitForJobRequest } | { readonly change: JobStateChange };

/**
 * The resume function has two callers: a RunJob state that starts to wait (`{ taskToken, jobId, heartbeatSeconds }`),
 * and EventBridge with a Batch job state change (an event with `source` and `detail-type`). Each is parsed in full.
 */
export function parseResumeEvent(event: unknown): ResumeEvent {
  const isEvent = typeof event === 'object' && event !== null && ('detail-type' in event || 'source' in event);
  return isEvent ? { change: parseJobStateChange(event) } : { wait: parseWaitForJobRequest(event) };
}

export function createHandler(deps: ResumeHandlerDeps = {}) {
  const config = deps.config ?? functionConfig();
  const batch = deps.batch ?? new SdkBatchGateway();
  const tasks = deps.tasks ?? new SdkTaskGateway();
  // Made on first use, so a missing variable is a ConfigurationError of a request, not of the container's start.
  let tokens = deps.tokens;
  let logs = deps.logs;
  const resumeDeps = () => ({
    batch,
    tasks,
    tokens: (tokens ??= new DynamoTaskTokenStore(config.taskTokenTable)),
    logs: (logs ??= new LogsFunctionTail(config.logsFunction)),
    ...(deps.now && { now: deps.now }),
    ...(deps.sleep && { sleep: deps.sleep }),
  });
  return makeHandler<ResumeEvent, WaitForJobResponse | ResumeResult>('resume', parseResumeEvent, (event, context) => {
    const remaining = context && { remainingTimeMillis: () => context.getRemainingTimeInMillis() };
    return 'wait' in event ? waitForJob({ ...resumeDeps(), ...remaining }, event.wait) : resumeOnChange(resumeDeps(), event.change);
  });
}

export const handler = createHandler();
