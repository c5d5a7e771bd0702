import { RuntimeConfig } from '../../lib/model/config';
import { SdkBatchGateway } from '../aws/batch';
import { functionConfig } from '../aws/environment';
import { describe } from '../core/describe';
import type { BatchGateway } from '../core/ports';
import { operationHandler } from './edge';

export function createHandler(deps: { config?: RuntimeConfig; batch?: Pick<BatchGateway, 'latestActiveRevision'> } = {}) {
  const config = deps.config ?? functionConfig();
  const batch = deps.batch ?? new SdkBatchGateway();
  return operationHandler('describe', (request) => describe({ config, batch }, request));
}

export const handler = createHandler();
