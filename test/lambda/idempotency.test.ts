import { BatchClient, DescribeJobDefinitionsCommand, ListJobsCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { IdempotencyGateway } from '../../lambda/core/ports';
import { createHandler } from '../../lambda/handlers/submit';
import { InvalidRequestError, UnknownJobDefinitionError } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { Parameter } from '../../lib/model/parameters';

const batch = mockClient(BatchClient);
const s3 = mockClient(S3Client);
const JOB_ID = '0f6ad6c4-3c1b-4d3a-9a57-5b8b0f7f3c21';

const config = new RuntimeConfig(
  encodeConfig({
    jobDefinitions: { align: { definition: 'pendant-align:3', parameters: { threads: Parameter.integer({ min: 1, max: 64 }) } } },
    jobQueues: ['arn:aws:batch:us-east-1:123456789012:job-queue/default'],
  }),
);

/** An idempotency store that records what it is asked and runs the work every time. */
function recordingStore() {
  const asked: Array<{ key: string; request: unknown }> = [];
  const store: IdempotencyGateway = {
    once: async (key, request, work) => {
      asked.push({ key, request });
      return work();
    },
  };
  return { asked, store };
}

describe('Function: submit › idempotency', () => {
  beforeEach(() => {
    batch.reset();
    s3.reset();
    batch.on(SubmitJobCommand).resolves({ jobId: JOB_ID, jobName: 'n', jobArn: `arn:aws:batch:us-east-1:123456789012:job/${JOB_ID}` });
    batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
  });

  it('hands the store the key and the request without the key, and submits through it', async () => {
    const { asked, store } = recordingStore();
    const begun: number[] = [];
    const attempts = { latest: async () => undefined, begin: async (_hash: string, attempt: { number: number }) => void begun.push(attempt.number), settle: async () => undefined };
    const handler = createHandler({ config, idempotency: store, attempts });

    const response = await handler({ jobDefinition: 'align', parameters: { threads: 4 }, jobName: 'run-1', idempotencyKey: 'order-42' });

    expect(response.jobId).toBe(JOB_ID);
    expect(asked).toEqual([{ key: 'order-42', request: { jobDefinition: 'align', parameters: { threads: 4 }, jobName: 'run-1' } }]);
    expect(batch).toHaveReceivedCommandTimes(SubmitJobCommand, 1);
    // The SubmitJob was recorded as attempt 1 of the key before it was sent.
    expect(begun).toEqual([1]);
  });

  it('does not ask the store for a request without a key', async () => {
    const { asked, store } = recordingStore();

    await createHandler({ config, idempotency: store })({ jobDefinition: 'align', parameters: { threads: 4 } });

    expect(asked).toEqual([]);
    expect(batch).toHaveReceivedCommandTimes(SubmitJobCommand, 1);
  });

  it.each([
    ['parameters that break their declaration', { jobDefinition: 'align', parameters: { threads: 99 } }, InvalidRequestError],
    ['an unknown job definition', { jobDefinition: 'nope', parameters: {} }, UnknownJobDefinitionError],
  ])('throws for %s before the store or AWS is asked', async (_what, request, type) => {
    const { asked, store } = recordingStore();

    await expect(createHandler({ config, idempotency: store })({ ...request, idempotencyKey: 'order-42' })).rejects.toThrow(type);

    expect(asked).toEqual([]);
    expect(batch).not.toHaveReceivedAnyCommand();
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['empty', ''],
    ['with a space', 'order 42'],
    ['longer than 256 characters', 'k'.repeat(257)],
    ['not a string', 42],
  ])('throws InvalidRequestError for an idempotency key %s', async (_what, idempotencyKey) => {
    const { asked, store } = recordingStore();

    const error = await createHandler({ config, idempotency: store })({ jobDefinition: 'align', parameters: { threads: 4 }, idempotencyKey }).catch(
      (reason: unknown) => reason,
    );

    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).problems.map((problem) => problem.field)).toEqual(['idempotencyKey']);
    expect(asked).toEqual([]);
    expect(batch).not.toHaveReceivedCommand(DescribeJobDefinitionsCommand);
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
  });
});
