import { RuntimeConfig } from '../../lib/model/config';
import { SdkS3Gateway } from '../aws/s3';
import type { S3Gateway } from '../core/ports';
import { validate } from '../core/validate';
import { functionConfig } from '../aws/environment';
import { operationHandler } from './edge';

export function createHandler(deps: { config?: RuntimeConfig; s3?: S3Gateway } = {}) {
  const config = deps.config ?? functionConfig();
  const s3 = deps.s3 ?? new SdkS3Gateway();
  return operationHandler('validate', (request) =>
    validate({ config, s3 }, request),
  );
}

export const handler = createHandler();
