import { RuntimeConfig } from '../../lib/model/config';
import { SdkBatchGateway } from '../aws/batch';
import { functionConfig } from '../aws/environment';
import { DynamoDbAttemptLedger, PowertoolsIdempotency } from '../aws/idempotency';
import { SdkS3Gateway } from '../aws/s3';
import type { AttemptLedger, BatchGateway, IdempotencyGateway, S3Gateway } from '../core/ports';
import { submit } from '../core/submit';
import { operationHandler } from './edge';

export interface SubmitHandlerDeps {
  readonly config?: RuntimeConfig;
  readonly batch?: BatchGateway;
  readonly s3?: S3Gateway;
  readonly now?: () => Date;
  /** @default - Powertools idempotency on the table the configuration names, made on the first keyed request */
  readonly idempotency?: IdempotencyGateway;
  /** @default - the SubmitJob attempts of keyed requests recorded in the same table */
  readonly attempts?: AttemptLedger;
}

export function createHandler(deps: SubmitHandlerDeps = {}) {
  const config = deps.config ?? functionConfig();
  const batch = deps.batch ?? new SdkBatchGateway();
  const s3 = deps.s3 ?? new SdkS3Gateway();
  let idempotency = deps.idempotency;
  // Made on first use: a function that never sees an idempotency key needs no table configured.
  const idempotencyStore = () => (idempotency ??= new PowertoolsIdempotency(config.idempotencyTable, config.idempotencyWindowSeconds));
  let attempts = deps.attempts;
  const attemptLedger = () => (attempts ??= new DynamoDbAttemptLedger(config.idempotencyTable, config.idempotencyWindowSeconds));
  return operationHandler('submit', (request, context) =>
    submit(
      {
        config,
        batch,
        s3,
        idempotency: idempotencyStore,
        attempts: attemptLedger,
        ...(deps.now && { now: deps.now }),
        ...(context && { remainingTimeMillis: () => context.getRemainingTimeInMillis() }),
      },
      request,
    ),
  );
}

export const handler = createHandler();
