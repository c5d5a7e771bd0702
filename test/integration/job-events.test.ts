import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import { SdkBatchGateway } from '../../lambda/aws/batch';
import { DynamoJobEventsStore } from '../../lambda/aws/job-events';
import { createHandler as createRecorder } from '../../lambda/handlers/record';
import { createHandler as createStatus } from '../../lambda/handlers/status';
import { InvalidRequestError, JobSummary, StatusResponse } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { JOB_TRANSITIONS_METRIC } from '../../lib/model/job-events';
import { jobStateChangeEvent, JobEnd } from '../support/batch-events';
import { motoClients, recordCalls, resetMoto } from './moto/aws';
import { createBatchEnvironment, createJobEventsTable, submitJobs } from './moto/fixtures';

const QUEUE = 'arn:aws:batch:us-east-1:123456789012:job-queue/pendant-queue';
const RETENTION_SECONDS = 7 * 24 * 60 * 60;

/** The event Batch sends when `end.jobId` reaches `end.status`, at `time`. */
function eventAt(time: string, end: JobEnd): Record<string, unknown> {
  return { ...jobStateChangeEvent({ jobQueueArn: QUEUE, ...end }), time };
}

describe('Integration: JobEvents (recorder and status from the table, DynamoDB and Batch in moto)', () => {
  beforeEach(async () => {
    await resetMoto();
  });

  async function setUp() {
    const clients = motoClients();
    const table = await createJobEventsTable(clients.dynamodb);
    const dynamoCalls = recordCalls(clients.dynamodb);
    const store = new DynamoJobEventsStore(table, clients.dynamodb);
    const lines: string[] = [];
    const config = new RuntimeConfig(encodeConfig({ jobEventsTable: table, jobEventsRetentionSeconds: RETENTION_SECONDS }));
    const record = createRecorder({ config, store, writeLine: (line) => lines.push(line) });
    const items = async (jobId: string) =>
      ((await clients.dynamodb.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'jobId = :id', ExpressionAttributeValues: { ':id': { S: jobId } } }))).Items ?? []).map(
        (item) => unmarshall(item),
      );
    return { clients, table, store, record, items, lines, dynamoCalls };
  }

  describe('Function: record', () => {
    it('writes each transition (status, time, reason, attempt, TTL) and the latest detail of the job', async () => {
      const { record, items, lines } = await setUp();
      const jobId = randomUUID();
      await record(eventAt('2026-12-01T10:00:00Z', { jobId, status: 'RUNNABLE' }));
      await record(eventAt('2026-12-01T10:01:00Z', { jobId, status: 'RUNNING' }));
      await record(eventAt('2026-12-01T10:02:00Z', { jobId, status: 'SUCCEEDED', exitCode: 0, logStreamName: 'demo/default/abc' }));

      const stored = await items(jobId);
      const transitions = stored.filter((item) => item.entry !== 'latest');
      expect(transitions.map(({ status, time, attempt }) => ({ status, time, attempt }))).toEqual([
        { status: 'RUNNABLE', time: '2026-12-01T10:00:00Z', attempt: 1 },
        { status: 'RUNNING', time: '2026-12-01T10:01:00Z', attempt: 1 },
        { status: 'SUCCEEDED', time: '2026-12-01T10:02:00Z', attempt: 1 },
      ]);
      expect(transitions.every((item) => item.jobQueue === QUEUE)).toBe(true);
      expect(transitions[0].expiration).toBe(Date.parse('2026-12-01T10:00:00Z') / 1000 + RETENTION_SECONDS);
      const latest = stored.find((item) => item.entry === 'latest')!;
      expect(latest.time).toBe('2026-12-01T10:02:00Z');
      expect(JSON.parse(latest.detail as string)).toMatchObject({ jobId, status: 'SUCCEEDED', container: { exitCode: 0, logStreamName: 'demo/default/abc' } });
      // One JobTransitions data point per transition, by queue name and status (CloudWatch embedded metric format).
      const points = lines.map((line) => JSON.parse(line));
      expect(points.map((point) => [point.JobQueue, point.Status, point[JOB_TRANSITIONS_METRIC.metricName]])).toEqual([
        ['pendant-queue', 'RUNNABLE', 1],
        ['pendant-queue', 'RUNNING', 1],
        ['pendant-queue', 'SUCCEEDED', 1],
      ]);
      expect(points[0]._aws.CloudWatchMetrics).toEqual([{ Namespace: 'pendant', Dimensions: [['JobQueue', 'Status']], Metrics: [{ Name: 'JobTransitions', Unit: 'Count' }] }]);
    });

    // Amazon EventBridge User Guide, "Event delivery": delivery is at least once, and in no promised order.
    it('keeps the latest transition when an earlier event arrives late, and writes a redelivered event once', async () => {
      const { record, items } = await setUp();
      const jobId = randomUUID();
      const succeeded = eventAt('2026-12-01T10:02:00Z', { jobId, status: 'SUCCEEDED', exitCode: 0 });
      await record(succeeded);
      await record(eventAt('2026-12-01T10:01:00Z', { jobId, status: 'RUNNING' }));
      await record(succeeded);

      const stored = await items(jobId);
      expect(stored.filter((item) => item.entry !== 'latest').map((item) => item.status)).toEqual(['RUNNING', 'SUCCEEDED']);
      expect(JSON.parse(stored.find((item) => item.entry === 'latest')!.detail as string).status).toBe('SUCCEEDED');
    });

    it('orders a retried job by attempt: RUNNING on attempt 1, RUNNABLE again on attempt 2, FAILED after its last attempt', async () => {
      const { record, store } = await setUp();
      const jobId = randomUUID();
      const first = { exitCode: 1, logStreamName: 'demo/default/1', reason: 'exit 1' };
      await record(eventAt('2026-12-01T10:05:00Z', { jobId, status: 'FAILED', statusReason: 'Essential container in task exited', attempts: [first, { ...first, logStreamName: 'demo/default/2' }] }));
      await record(eventAt('2026-12-01T10:03:00Z', { jobId, status: 'RUNNABLE', attempts: [first] }));
      await record(eventAt('2026-12-01T10:01:00Z', { jobId, status: 'RUNNING' }));

      expect(await store.history(jobId)).toEqual([
        { status: 'RUNNING', time: '2026-12-01T10:01:00Z', reason: null, attempt: 1 },
        { status: 'RUNNABLE', time: '2026-12-01T10:03:00Z', reason: null, attempt: 2 },
        { status: 'FAILED', time: '2026-12-01T10:05:00Z', reason: 'Essential container in task exited', attempt: 2 },
      ]);
    });

    it('throws InvalidRequestError naming the field for a malformed event, and writes nothing', async () => {
      const { record, dynamoCalls } = await setUp();
      const event = jobStateChangeEvent({ jobId: randomUUID(), status: 'RUNNING' });
      const broken = { ...event, detail: { ...(event.detail as object), status: 'DONE' } };

      await expect(record(broken)).rejects.toThrow(InvalidRequestError);
      await expect(record(broken)).rejects.toThrow('detail.status: must be one of SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED, got "DONE" [enum]');
      expect(dynamoCalls.calls).toEqual([]);
    });
  });

  describe('Function: status, with the job events table', () => {
    async function withBatch() {
      const context = await setUp();
      const environment = await createBatchEnvironment(context.clients.batch);
      const batchClients = motoClients();
      const batchCalls = recordCalls(batchClients.batch);
      const config = new RuntimeConfig(encodeConfig({ jobDefinitions: { align: { definition: `${environment.jobDefinitionName}:1` } }, jobQueues: [environment.jobQueueArn] }));
      const status = createStatus({ config, batch: new SdkBatchGateway(batchClients.batch), events: context.store });
      const recordSucceeded = (jobId: string) =>
        context.record(jobStateChangeEvent({ jobId, jobQueueArn: environment.jobQueueArn, status: 'SUCCEEDED', exitCode: 0, logStreamName: `align/default/${jobId}` }));
      return { ...context, environment, batchCalls, status, recordSucceeded };
    }

    it('answers the jobs the table knows from it, flagged, and asks DescribeJobs only about the others', async () => {
      const { clients, environment, batchCalls, status, recordSucceeded, dynamoCalls } = await withBatch();
      const jobIds = await submitJobs(clients.batch, environment, 250);
      for (const jobId of jobIds.slice(0, 200)) await recordSucceeded(jobId);
      dynamoCalls.clear();

      const response = (await status({ jobIds })) as StatusResponse;

      expect(response.notFound).toEqual([]);
      expect(response.jobs.map((job) => job.jobId)).toEqual(jobIds);
      expect(response.jobs.slice(0, 200).every((job) => job.source === 'job-events' && job.recordedAt !== undefined && job.status === 'SUCCEEDED')).toBe(true);
      expect(response.jobs.slice(200).every((job) => job.source === undefined && job.recordedAt === undefined)).toBe(true);
      // The first two batches of 100 are all known: only the third reaches Batch.
      expect(batchCalls.count('DescribeJobs')).toBe(1);
      expect(batchCalls.inputsOf('DescribeJobs')[0].jobs).toEqual(jobIds.slice(200));
      expect(dynamoCalls.counts()).toEqual({ BatchGetItemCommand: 3 });
    });

    it("answers one known job from the table with its history, without asking Batch", async () => {
      const { clients, environment, batchCalls, status, record } = await withBatch();
      const [jobId] = await submitJobs(clients.batch, environment, 1);
      await record({ ...jobStateChangeEvent({ jobId, jobQueueArn: environment.jobQueueArn, status: 'RUNNING' }), time: '2026-12-01T10:01:00Z' });
      await record({ ...jobStateChangeEvent({ jobId, jobQueueArn: environment.jobQueueArn, status: 'RUNNABLE' }), time: '2026-12-01T10:00:00Z' });

      const job = (await status({ jobId, history: true })) as JobSummary;

      expect(job).toMatchObject({ jobId, status: 'RUNNING', source: 'job-events', recordedAt: '2026-12-01T10:01:00Z' });
      expect(job.history).toEqual([
        { status: 'RUNNABLE', time: '2026-12-01T10:00:00Z', reason: null, attempt: 1 },
        { status: 'RUNNING', time: '2026-12-01T10:01:00Z', reason: null, attempt: 1 },
      ]);
      expect(batchCalls.count('DescribeJobs')).toBe(0);
    });

    it('answers a job the table does not know from Batch, with an empty history', async () => {
      const { clients, environment, batchCalls, status } = await withBatch();
      const [jobId] = await submitJobs(clients.batch, environment, 1);

      const job = (await status({ jobId, history: true })) as JobSummary;

      expect(job).toMatchObject({ jobId, status: 'SUCCEEDED', history: [] });
      expect(job.source).toBeUndefined();
      expect(batchCalls.count('DescribeJobs')).toBe(1);
    });
  });
});
