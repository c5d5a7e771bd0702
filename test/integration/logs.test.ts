import { randomUUID } from 'node:crypto';
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { SdkBatchGateway } from '../../lambda/aws/batch';
import { SdkLogsGateway } from '../../lambda/aws/logs';
import { createHandler } from '../../lambda/handlers/logs';
import { BatchJobNotFoundError, InvalidRequestError, LogsResponse, LogStreamNotFoundError } from '../../lib/model';
import { DEFAULT_JOB_LOG_GROUP, encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { motoClients, recordCalls, resetMoto } from './moto/aws';
import { createBatchEnvironment, submitHeldJob, submitJob, WrittenEvent, writeLogEvents } from './moto/fixtures';

const BUDGET_BYTES = 200_000;
const EVENT_COUNT = 25_000;

/**
 * The job definition's log configuration names `/pendant/jobs`, but moto's DescribeJobs leaves `logConfiguration`
 * out of the job's container, so the handler reads Batch's default group, as it would for a job definition
 * without one. Real Batch echoes it; the unit tests cover that path.
 */
const LOG_GROUP = DEFAULT_JOB_LOG_GROUP;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('Integration: logs', () => {
  beforeEach(async () => {
    await resetMoto();
  });

  async function setUp() {
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    const clients = motoClients();
    const batchCalls = recordCalls(clients.batch);
    const logsCalls = recordCalls(clients.logs);
    const config = new RuntimeConfig(
      encodeConfig({
        jobDefinitions: { align: { definition: `${environment.jobDefinitionName}:1` } },
        jobQueues: [environment.jobQueueArn],
        logsMaxResponseBytes: BUDGET_BYTES,
      }),
    );
    const handler = createHandler({ config, batch: new SdkBatchGateway(clients.batch), logs: new SdkLogsGateway(clients.logs) });
    /** A finished job (moto's simple backend) and the stream Batch named for it, which nobody has created. */
    const finishedJob = async () => {
      const jobId = await submitJob(fixtures.batch, environment);
      return { jobId, logStreamName: `${environment.jobDefinitionName}/default/${jobId}` };
    };
    return { fixtures, environment, batchCalls, logsCalls, handler, finishedJob };
  }

  function makeEvents(count: number): WrittenEvent[] {
    const start = Date.now() - 60 * 60 * 1000;
    return Array.from({ length: count }, (_, index) => ({
      timestamp: start + index,
      message: `${String(index).padStart(5, '0')} aligned read ${index} to chr${(index % 22) + 1}:${index * 7} MAPQ=60 ${'ACGT'.repeat(6)}`,
    }));
  }

  it('reads 25,000 events back complete, in order and without duplicates, across responses that each stay under the byte budget', async () => {
    const { fixtures, logsCalls, handler, finishedJob } = await setUp();
    const { jobId, logStreamName } = await finishedJob();
    const written = makeEvents(EVENT_COUNT);
    const puts = await writeLogEvents(fixtures.logs, LOG_GROUP, logStreamName, written);
    expect(puts).toBeGreaterThan(1);

    const responses: LogsResponse[] = [];
    let nextToken: string | null | undefined;
    do {
      const response = await handler({ jobId, ...(nextToken && { nextToken }) });
      responses.push(response);
      nextToken = response.nextToken;
    } while (nextToken !== null && responses.length < 1_000);

    const read = responses.flatMap((response) => response.events);
    expect(read.length).toBe(EVENT_COUNT);
    expect(read.map(({ timestamp, message }) => ({ timestamp, message }))).toEqual(written);
    expect(read.every((event) => typeof event.ingestionTime === 'number' && event.ingestionTime > 0)).toBe(true);

    const sizes = responses.map(jsonBytes);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BUDGET_BYTES);
    // Several responses, each filled close to the budget rather than cut short.
    expect(responses.length).toBeGreaterThanOrEqual(Math.ceil(jsonBytes(read) / BUDGET_BYTES));
    expect(responses.length).toBeLessThanOrEqual(Math.ceil(jsonBytes(read) / BUDGET_BYTES) + 1);
    expect(responses.slice(0, -1).every((response) => response.events.length > 0 && typeof response.nextToken === 'string')).toBe(true);
    // The job has finished and its stream is read to the end: no token.
    expect(responses[responses.length - 1].nextToken).toBeNull();
    expect(responses.every((response) => response.jobId === jobId && response.logGroupName === LOG_GROUP && response.logStreamName === logStreamName)).toBe(true);
    // Forward from the head, every time.
    expect(logsCalls.inputsOf('GetLogEvents').every((input) => input.startFromHead === true && input.logStreamName === logStreamName)).toBe(true);
  });

  it('stops at the limit asked for and resumes exactly where it stopped', async () => {
    const { fixtures, handler, finishedJob } = await setUp();
    const { jobId, logStreamName } = await finishedJob();
    const written = makeEvents(2_500);
    await writeLogEvents(fixtures.logs, LOG_GROUP, logStreamName, written);

    const first = await handler({ jobId, limit: 1_000 });
    const second = await handler({ jobId, limit: 1_000, nextToken: first.nextToken! });
    const rest = await handler({ jobId, nextToken: second.nextToken! });

    expect(first.events.map((event) => event.message)).toEqual(written.slice(0, 1_000).map((event) => event.message));
    expect(second.events.map((event) => event.message)).toEqual(written.slice(1_000, 2_000).map((event) => event.message));
    expect(rest.events.map((event) => event.message)).toEqual(written.slice(2_000).map((event) => event.message));
    expect(rest.nextToken).toBeNull();
  });

  it('reads the last 50 events of a stream of 25,000 in one GetLogEvents from the end, newest last', async () => {
    const { fixtures, logsCalls, handler, finishedJob } = await setUp();
    const { jobId, logStreamName } = await finishedJob();
    const written = makeEvents(EVENT_COUNT);
    await writeLogEvents(fixtures.logs, LOG_GROUP, logStreamName, written);
    logsCalls.clear();

    const tail = await handler({ jobId, fromEnd: true, limit: 50 });

    expect(tail.events.map((event) => event.message)).toEqual(written.slice(-50).map((event) => event.message));
    // The job has finished: nothing newer can come.
    expect(tail.nextToken).toBeNull();
    expect(logsCalls.inputsOf('GetLogEvents')).toEqual([{ logGroupName: LOG_GROUP, logStreamName, startFromHead: false, limit: 50 }]);
  });

  it('reads a tail longer than a response holds as its newest events, under the byte budget', async () => {
    const { fixtures, handler, finishedJob } = await setUp();
    const { jobId, logStreamName } = await finishedJob();
    const written = makeEvents(EVENT_COUNT);
    await writeLogEvents(fixtures.logs, LOG_GROUP, logStreamName, written);

    const tail = await handler({ jobId, fromEnd: true, limit: 10_000 });

    expect(jsonBytes(tail)).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(tail.events.length).toBeGreaterThan(100);
    expect(tail.events.map((event) => event.message)).toEqual(written.slice(-tail.events.length).map((event) => event.message));
  });

  it('reads an attempt by its number, and answers LogStreamNotFoundError for one not made', async () => {
    const { fixtures, handler, finishedJob } = await setUp();
    const { jobId, logStreamName } = await finishedJob();
    await writeLogEvents(fixtures.logs, LOG_GROUP, logStreamName, makeEvents(3));

    const first = await handler({ jobId, attempt: 1 });

    expect(first).toMatchObject({ logStreamName, nextToken: null });
    expect(first.events).toHaveLength(3);
    await expect(handler({ jobId, attempt: 2 })).rejects.toBeInstanceOf(LogStreamNotFoundError);
  });

  it("reads an array child's own stream by its id", async () => {
    const { fixtures, environment, handler } = await setUp();
    const parent = await submitJob(fixtures.batch, environment, { jobName: 'array', arrayProperties: { size: 2 } });
    const child = `${parent}:1`;
    const logStreamName = `${environment.jobDefinitionName}/default/${child}`;
    await writeLogEvents(fixtures.logs, LOG_GROUP, logStreamName, makeEvents(2));

    const response = await handler({ jobId: child, fromEnd: true, limit: 1 });

    expect(response).toMatchObject({ jobId: child, logStreamName });
    expect(response.events).toHaveLength(1);
  });

  it('answers an empty stream with no events and no token', async () => {
    const { fixtures, handler, finishedJob } = await setUp();
    const { jobId, logStreamName } = await finishedJob();
    await writeLogEvents(fixtures.logs, LOG_GROUP, logStreamName, []);

    await expect(handler({ jobId })).resolves.toEqual({ jobId, logGroupName: LOG_GROUP, logStreamName, events: [], nextToken: null });
  });

  it('throws InvalidRequestError for a token from another job', async () => {
    const { fixtures, handler, finishedJob } = await setUp();
    const one = await finishedJob();
    const other = await finishedJob();
    await writeLogEvents(fixtures.logs, LOG_GROUP, one.logStreamName, makeEvents(10));

    const { nextToken } = await handler({ jobId: one.jobId, limit: 5 });
    const request = handler({ jobId: other.jobId, nextToken: nextToken! });

    await expect(request).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(request).rejects.toThrow(`nextToken: belongs to another job than ${other.jobId}`);
  });

  describe('errors', () => {
    it('throws LogStreamNotFoundError when the job names a stream that does not exist', async () => {
      const { fixtures, handler, finishedJob } = await setUp();
      const { jobId, logStreamName } = await finishedJob();
      await fixtures.logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));

      const request = handler({ jobId });

      await expect(request).rejects.toBeInstanceOf(LogStreamNotFoundError);
      await expect(request).rejects.toMatchObject({
        jobId,
        logGroupName: LOG_GROUP,
        logStreamName,
        message: `log stream not found for job ${jobId}: ${LOG_GROUP}/${logStreamName}`,
      });
    });

    it('throws LogStreamNotFoundError when even the log group does not exist', async () => {
      const { handler, finishedJob } = await setUp();
      const { jobId, logStreamName } = await finishedJob();

      await expect(handler({ jobId })).rejects.toMatchObject({ name: 'LogStreamNotFoundError', jobId, logStreamName });
    });

    it('throws LogStreamNotFoundError without asking CloudWatch when the job has no stream yet', async () => {
      const { fixtures, environment, logsCalls, handler } = await setUp();
      const jobId = await submitHeldJob(fixtures.batch, environment, 'SUBMITTED');

      const request = handler({ jobId });

      await expect(request).rejects.toBeInstanceOf(LogStreamNotFoundError);
      await expect(request).rejects.toMatchObject({ jobId, logStreamName: null, message: `job ${jobId} has no log stream yet` });
      expect(logsCalls.calls).toEqual([]);
    });

    it('throws BatchJobNotFoundError for an id Batch has not listed after five looks over 3.75 s', async () => {
      const { batchCalls, logsCalls, handler } = await setUp();
      const jobId = randomUUID();

      const request = handler({ jobId });

      await expect(request).rejects.toBeInstanceOf(BatchJobNotFoundError);
      await expect(request).rejects.toMatchObject({ jobId });
      expect(batchCalls.counts()).toEqual({ DescribeJobsCommand: 5 });
      expect(logsCalls.calls).toEqual([]);
    });
  });
});
