import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAttemptLedger } from '../../lambda/aws/idempotency';
import { AttemptRaced } from '../../lambda/core/ports';
import { CREDENTIALS, motoEndpoint, REGION, resetMoto } from './moto/aws';
import { createIdempotencyTable } from './moto/fixtures';

const TABLE = 'pendant-idempotency';
const HASH = 'a'.repeat(64);
const WINDOW_SECONDS = 86_400;

/** The SubmitJob attempts of keyed submissions, in the idempotency table, as a later invocation reads them. */
describe('Integration: DynamoDbAttemptLedger', () => {
  let ledger: DynamoDbAttemptLedger;

  beforeEach(async () => {
    await resetMoto();
    const client = new DynamoDBClient({ endpoint: motoEndpoint(), region: REGION, credentials: CREDENTIALS });
    await createIdempotencyTable(client, TABLE);
    ledger = new DynamoDbAttemptLedger(TABLE, WINDOW_SECONDS, client);
  });

  it('reads back the latest attempt recorded, and its outcome once settled', async () => {
    expect(await ledger.latest(HASH)).toBeUndefined();
    await ledger.begin(HASH, { number: 1, token: 't1', sentAt: 1_000, openUntil: 31_000 });
    expect(await ledger.latest(HASH)).toEqual({ number: 1, token: 't1', sentAt: 1_000, openUntil: 31_000 });

    await ledger.settle(HASH, 1, { openUntil: 2_000 });
    expect(await ledger.latest(HASH)).toEqual({ number: 1, token: 't1', sentAt: 1_000, openUntil: 2_000 });
    await ledger.begin(HASH, { number: 2, token: 't2', sentAt: 40_000, openUntil: 70_000 });
    await ledger.settle(HASH, 2, { refused: true });
    expect(await ledger.latest(HASH)).toEqual({ number: 2, token: 't2', sentAt: 40_000, openUntil: 70_000, refused: true });
  });

  it('refuses an attempt another invocation recorded first, and takes back its own after a lost answer', async () => {
    await ledger.begin(HASH, { number: 1, token: 'first', sentAt: 1_000, openUntil: 31_000 });

    await expect(ledger.begin(HASH, { number: 1, token: 'second', sentAt: 1_001, openUntil: 31_001 })).rejects.toThrow(AttemptRaced);
    // The SDK's retry of a write whose answer was lost finds the record it wrote: that is no race.
    await expect(ledger.begin(HASH, { number: 1, token: 'first', sentAt: 1_000, openUntil: 31_000 })).resolves.toBeUndefined();
    await expect(ledger.begin(HASH, { number: 3, token: 'skip', sentAt: 2_000, openUntil: 32_000 })).rejects.toThrow(AttemptRaced);
  });

  it('leaves a settled attempt alone once a later one is recorded', async () => {
    await ledger.begin(HASH, { number: 1, token: 't1', sentAt: 1_000, openUntil: 31_000 });
    await ledger.begin(HASH, { number: 2, token: 't2', sentAt: 40_000, openUntil: 70_000 });

    await expect(ledger.settle(HASH, 1, { openUntil: 2_000 })).rejects.toThrow();
    expect(await ledger.latest(HASH)).toMatchObject({ number: 2, openUntil: 70_000 });
  });
});
