import { parseSubmitRequest, RuntimeConfig, SubmitRequest, SubmitResponse } from '../../lib/model';
import { SdkBatchGateway } from '../aws/batch';
import { SdkS3Gateway } from '../aws/s3';
import type { BatchGateway, S3Gateway } from '../core/ports';
import { submit } from '../core/submit';
import { functionEnvironment } from '../aws/environment';
import { makeHandler } from './edge';

export function createHandler(deps: { config?: RuntimeConfig; batch?: BatchGateway; s3?: S3Gateway; now?: () => Date } = {}) {
  const config = deps.config ?? RuntimeConfig.fromEnv(functionEnvironment());
  const batch = deps.batch ?? new SdkBatchGateway();
  const s3 = deps.s3 ?? new SdkS3Gateway();
  return makeHandler<SubmitRequest, SubmitResponse>('submit', parseSubmitRequest, (request) =>
    submit({ config, batch, s3, ...(deps.now && { now: deps.now }) }, request),
  );
}

export const handler = createHandler();
