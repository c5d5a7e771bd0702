import { parseTerminateRequest, TerminateRequest, TerminateResponse } from '../../lib/model';
import { SdkBatchGateway } from '../aws/batch';
import type { BatchGateway } from '../core/ports';
import { terminate } from '../core/terminate';
import { makeHandler } from './edge';

export function createHandler(deps: { batch?: BatchGateway; sleep?: (millis: number) => Promise<void> } = {}) {
  const batch = deps.batch ?? new SdkBatchGateway();
  return makeHandler<TerminateRequest, TerminateResponse>('terminate', parseTerminateRequest, (request, context) =>
    terminate(
      { batch, ...(deps.sleep && { sleep: deps.sleep }), ...(context && { remainingTimeMillis: () => context.getRemainingTimeInMillis() }) },
      request,
    ),
  );
}

export const handler = createHandler();
