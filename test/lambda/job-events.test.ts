import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoJobEventsStore } from '../../lambda/aws/job-events';
import { createHandler } from '../../lambda/handlers/status';
import type { BatchGateway } from '../../lambda/core/ports';
import { ConfigurationError, parseStatusRequest } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { LIMITS } from '../../lib/model/requests';
import { transitionOrder } from '../../lib/model/job-events';
import { readBatchJob } from '../../lib/model/batch-job';

const JOB_ID = '4c7599ae-0a82-49aa-ba5a-4727fcce14a8';

describe('Function: status › history', () => {
  it('throws ConfigurationError naming the table variable when history is asked of a function without JobEvents', async () => {
    const describeJobs = jest.fn();
    const batch = { describeJobs } as unknown as BatchGateway;
    const handler = createHandler({ config: new RuntimeConfig(encodeConfig({ jobQueues: ['q'] })), batch });

    await expect(handler({ jobId: JOB_ID, history: true })).rejects.toThrow(ConfigurationError);
    await expect(handler({ jobId: JOB_ID, history: true })).rejects.toThrow('invalid configuration in PENDANT_JOB_EVENTS_TABLE: is not set');
    expect(describeJobs).not.toHaveBeenCalled();
  });

  it('parses history as a boolean beside jobId or jobIds, and refuses anything else', () => {
    expect(parseStatusRequest({ jobId: JOB_ID, history: true })).toEqual({ jobId: JOB_ID, history: true });
    expect(parseStatusRequest({ jobIds: [JOB_ID], history: false })).toEqual({ jobIds: [JOB_ID], history: false });
    expect(() => parseStatusRequest({ jobId: JOB_ID, history: 'yes' })).toThrow('history: must be true or false, got a string [type]');
  });
});

describe('Job events table', () => {
  it('sorts a job\'s transitions in the order they happen, an ended job last, whatever the attempt', () => {
    const order = [
      { status: 'RUNNABLE', attempt: 1 },
      { status: 'RUNNING', attempt: 1 },
      { status: 'RUNNABLE', attempt: 2 },
      { status: 'RUNNING', attempt: 10 },
      // Cancelled while RUNNABLE on its second attempt: Batch lists one ended attempt.
      { status: 'FAILED', attempt: 1 },
    ] as const;
    const keys = order.map(transitionOrder);
    expect([...keys].sort()).toEqual(keys);
  });

  // Amazon DynamoDB API Reference, BatchGetItem: "A single operation can retrieve up to 16 MB of data, which can
  // contain as many as 100 items." moto answers more; the store never asks it to.
  it('asks BatchGetItem for at most 100 keys, which is the batch status asks DescribeJobs for', async () => {
    const dynamodb = mockClient(DynamoDBClient);
    const store = new DynamoJobEventsStore('table', dynamodb as unknown as DynamoDBClient);
    expect(LIMITS.DESCRIBE_JOBS_BATCH).toBe(100);
    await expect(store.latest(Array.from({ length: 101 }, (_, index) => `${JOB_ID.slice(0, -3)}${String(index).padStart(3, '0')}`))).rejects.toThrow(RangeError);
    expect(dynamodb.commandCalls(BatchGetItemCommand)).toHaveLength(0);
  });

  it('asks again, after a wait, for keys DynamoDB left unprocessed', async () => {
    const dynamodb = mockClient(DynamoDBClient);
    const key = { jobId: { S: JOB_ID }, entry: { S: 'latest' } };
    dynamodb
      .on(BatchGetItemCommand)
      .resolvesOnce({ Responses: { table: [] }, UnprocessedKeys: { table: { Keys: [key] } } })
      .resolvesOnce({ Responses: { table: [{ ...key, time: { S: '2026-12-01T10:00:00Z' }, detail: { S: JSON.stringify({ jobId: JOB_ID, status: 'RUNNING' }) } }] } });
    const waits: number[] = [];
    const store = new DynamoJobEventsStore('table', dynamodb as unknown as DynamoDBClient, async (millis) => void waits.push(millis));

    const found = await store.latest([JOB_ID]);

    expect(found.get(JOB_ID)).toEqual({ time: '2026-12-01T10:00:00Z', job: readBatchJob({ jobId: JOB_ID, status: 'RUNNING' }) });
    expect(waits).toEqual([50]);
    expect(dynamodb.commandCalls(BatchGetItemCommand)[1].args[0].input.RequestItems!.table.Keys).toEqual([key]);
  });
});
