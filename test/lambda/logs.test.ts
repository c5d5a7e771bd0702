import { BatchClient, DescribeJobsCommand, JobDetail, JobStatus } from '@aws-sdk/client-batch';
import {
  CloudWatchLogsClient,
  CloudWatchLogsServiceException,
  GetLogEventsCommand,
  GetLogEventsCommandInput,
  InvalidParameterException,
  OutputLogEvent,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { decodeCursor, encodeCursor } from '../../lambda/core/logs';
import { createHandler } from '../../lambda/handlers/logs';
import { BatchJobNotFoundError, ConfigurationError, InvalidRequestError, LogEvent, LogsResponse, LogStreamNotFoundError } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { expectRejection } from '../support/errors';

const batch = mockClient(BatchClient);
const logs = mockClient(CloudWatchLogsClient);

const JOB_ID = '0f6ad6c4-3c1b-4d3a-9a57-5b8b0f7f3c21';
const GROUP = '/pendant/jobs';
const STREAM = 'pendant-align/default/4c1e0f9d7a2b4e7f8f0a6b3c2d1e0f9a';
const FIRST_ATTEMPT_STREAM = 'pendant-align/default/11111111111111111111111111111111';
const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

function config(logsMaxResponseBytes?: number): RuntimeConfig {
  return new RuntimeConfig(encodeConfig({ ...(logsMaxResponseBytes !== undefined && { logsMaxResponseBytes }) }));
}

const logsFunction = (logsMaxResponseBytes?: number) => createHandler({ config: config(logsMaxResponseBytes) });

function job(status: JobStatus, fields: Partial<JobDetail> = {}): JobDetail {
  return {
    jobId: JOB_ID,
    jobName: 'align',
    jobQueue: 'q',
    jobDefinition: 'd',
    status,
    startedAt: undefined,
    container: { logStreamName: STREAM, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': GROUP } } },
    ...fields,
  };
}

function jobIn(status: JobStatus, fields: Partial<JobDetail> = {}): void {
  batch.on(DescribeJobsCommand).resolves({ jobs: [job(status, fields)] });
}

function makeEvents(count: number, messageLength = 40, from = 0): LogEvent[] {
  return Array.from({ length: count }, (_, offset) => {
    const index = from + offset;
    return { timestamp: T0 + index * 1000, message: `line ${index} ${'x'.repeat(messageLength)}`, ingestionTime: T0 + index * 1000 + 250 };
  });
}

const forwardToken = (position: number) => `f/${String(position).padStart(56, '0')}`;

/**
 * CloudWatch as GetLogEvents reads one stream forward: at most `pageSize` events a page, tokens `f/<position>`, and
 * at the end of the stream the very token it was given. `events` may grow between calls, as a live stream does.
 */
function serveStream(events: OutputLogEvent[], pageSize = 10_000): void {
  logs.on(GetLogEventsCommand).callsFake((input: GetLogEventsCommandInput) => {
    let start = 0;
    if (input.nextToken !== undefined) {
      const match = /^f\/(\d{56})$/.exec(input.nextToken);
      if (match === null) throw new InvalidParameterException({ $metadata: { httpStatusCode: 400 }, message: 'The specified nextToken is invalid.' });
      start = Number(match[1]);
    }
    const count = Math.max(0, Math.min(input.limit ?? 10_000, pageSize, events.length - start));
    return { events: events.slice(start, start + count), nextForwardToken: forwardToken(start + count), nextBackwardToken: `b/${start}` };
  });
}

const sentTokens = () => logs.commandCalls(GetLogEventsCommand).map((call) => call.args[0].input.nextToken);

function lambdaContext(remainingTimeInMillis: () => number): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'pendant-logs',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:pendant-logs',
    memoryLimitInMB: '256',
    awsRequestId: '3f1c3a52-1d7e-4d1b-9d0e-0c1f1c7b9a11',
    logGroupName: '/aws/lambda/pendant-logs',
    logStreamName: '2024/01/02/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: remainingTimeInMillis,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Calls the function with each response's token until it answers null. */
async function readToEnd(handler: ReturnType<typeof createHandler>, first: { limit?: number; nextToken?: string } = {}): Promise<LogsResponse[]> {
  const responses: LogsResponse[] = [];
  let nextToken = first.nextToken;
  for (let round = 0; round < 100; round++) {
    const response = await handler({ jobId: JOB_ID, ...(first.limit !== undefined && { limit: first.limit }), ...(nextToken !== undefined && { nextToken }) });
    responses.push(response);
    if (response.nextToken === null) return responses;
    nextToken = response.nextToken;
  }
  throw new Error('the stream never ended');
}

const tokenFor = (fields: unknown) => Buffer.from(JSON.stringify(fields)).toString('base64url');


beforeEach(() => {
  batch.reset();
  logs.reset();
});

describe('Function: logs', () => {
  describe('reading', () => {
    it('reads forward from the head, following tokens until the same token comes back, then answers null for a finished job', async () => {
      jobIn('SUCCEEDED');
      const events = makeEvents(7);
      serveStream(events, 3);

      const response = await logsFunction()({ jobId: JOB_ID });

      expect(response).toEqual({ jobId: JOB_ID, logGroupName: GROUP, logStreamName: STREAM, events, nextToken: null });
      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
      expect(batch).toHaveReceivedCommandWith(DescribeJobsCommand, { jobs: [JOB_ID] });
      expect(sentTokens()).toEqual([undefined, forwardToken(3), forwardToken(6), forwardToken(7)]);
      for (const call of logs.commandCalls(GetLogEventsCommand)) {
        expect(call.args[0].input).toMatchObject({ logGroupName: GROUP, logStreamName: STREAM, startFromHead: true });
      }
      // Each page asks for no more events than the response still has room for.
      expect(logs.commandCalls(GetLogEventsCommand).map((call) => call.args[0].input.limit)).toEqual([10_000, 9_997, 9_994, 9_993]);
    });

    it('answers an empty page and null for a finished job whose stream is empty', async () => {
      jobIn('FAILED');
      serveStream([]);

      const response = await logsFunction()({ jobId: JOB_ID });

      expect(response).toEqual({ jobId: JOB_ID, logGroupName: GROUP, logStreamName: STREAM, events: [], nextToken: null });
      expect(sentTokens()).toEqual([undefined, forwardToken(0)]);
    });

    it('reads the default log group /aws/batch/job when the job definition sets no awslogs-group', async () => {
      jobIn('SUCCEEDED', { container: { logStreamName: STREAM } });
      serveStream(makeEvents(1));

      const response = await logsFunction()({ jobId: JOB_ID });

      expect(response.logGroupName).toBe('/aws/batch/job');
      expect(logs).toHaveReceivedCommandWith(GetLogEventsCommand, { logGroupName: '/aws/batch/job', logStreamName: STREAM });
    });

    it("reads the latest attempt's stream when the job's container names none", async () => {
      jobIn('RUNNING', {
        container: { logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': GROUP } } },
        attempts: [{ container: { logStreamName: FIRST_ATTEMPT_STREAM } }, { container: { logStreamName: STREAM } }],
      });
      serveStream(makeEvents(1));

      const response = await logsFunction()({ jobId: JOB_ID });

      expect(response.logStreamName).toBe(STREAM);
      expect(logs).toHaveReceivedCommandWith(GetLogEventsCommand, { logGroupName: GROUP, logStreamName: STREAM });
    });

    it('answers a token, not null, while the job runs, and resumes from it where the stream ended', async () => {
      jobIn('RUNNING');
      const events = makeEvents(2);
      serveStream(events);

      const first = await logsFunction()({ jobId: JOB_ID });

      expect(first.events).toEqual(events);
      expect(first.nextToken).not.toBeNull();

      events.push(...makeEvents(3, 40, 2));
      logs.resetHistory();
      const second = await logsFunction()({ jobId: JOB_ID, nextToken: first.nextToken! });

      expect(second.events).toEqual(makeEvents(3, 40, 2));
      expect(sentTokens()[0]).toBe(forwardToken(2));
      expect(second.nextToken).not.toBeNull();

      batch.reset();
      jobIn('SUCCEEDED');
      const last = await logsFunction()({ jobId: JOB_ID, nextToken: second.nextToken! });

      expect(last).toEqual({ jobId: JOB_ID, logGroupName: GROUP, logStreamName: STREAM, events: [], nextToken: null });
    });

    it('stops after `limit` events, asking CloudWatch for no more, and resumes after them', async () => {
      jobIn('SUCCEEDED');
      const events = makeEvents(5);
      serveStream(events);

      const first = await logsFunction()({ jobId: JOB_ID, limit: 2 });

      expect(first.events).toEqual(events.slice(0, 2));
      expect(first.nextToken).not.toBeNull();
      expect(logs).toHaveReceivedCommandTimes(GetLogEventsCommand, 1);
      expect(logs).toHaveReceivedCommandWith(GetLogEventsCommand, { limit: 2, startFromHead: true });

      const rest = await readToEnd(logsFunction(), { nextToken: first.nextToken! });

      expect(rest.flatMap((response) => response.events)).toEqual(events.slice(2));
    });

    it('stops at the byte budget and resumes mid-page without losing or repeating an event', async () => {
      jobIn('SUCCEEDED');
      const events = makeEvents(40, 120);
      serveStream(events, 7);
      const budget = 2048;

      const responses = await readToEnd(logsFunction(budget));

      expect(responses.flatMap((response) => response.events)).toEqual(events);
      expect(responses.length).toBeGreaterThan(3);
      for (const response of responses) {
        expect(response.events.length).toBeGreaterThan(0);
        expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(budget);
      }
      // Some responses ended inside a CloudWatch page: their tokens skip the events already answered.
      const skips = responses.filter((response) => response.nextToken !== null).map((response) => decodeCursor(response.nextToken!).skip);
      expect(skips.some((skip) => skip > 0)).toBe(true);
    });

    it('counts the budget in UTF-8 bytes, not characters', async () => {
      jobIn('SUCCEEDED');
      const events = makeEvents(12, 0).map((event) => ({ ...event, message: 'é€😀'.repeat(20) }));
      serveStream(events, 5);
      const budget = 2048;

      const responses = await readToEnd(logsFunction(budget));

      expect(responses.flatMap((response) => response.events)).toEqual(events);
      for (const response of responses) expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(budget);
    });

    it('sends an event larger than the whole budget alone, so the stream can be read past it', async () => {
      jobIn('SUCCEEDED');
      const events = [...makeEvents(1), { timestamp: T0 + 1000, message: 'y'.repeat(3000), ingestionTime: T0 + 1250 }, ...makeEvents(1, 40, 2)];
      serveStream(events);

      const responses = await readToEnd(logsFunction(1024));

      expect(responses.map((response) => response.events)).toEqual([[events[0]], [events[1]], [events[2]]]);
    });

    it('stops before reading when the invocation has too little time left, and resumes from the head', async () => {
      jobIn('SUCCEEDED');
      const events = makeEvents(4);
      serveStream(events);

      const first = await logsFunction()({ jobId: JOB_ID }, lambdaContext(() => 2_999));

      expect(first.events).toEqual([]);
      expect(first.nextToken).not.toBeNull();
      expect(logs).not.toHaveReceivedAnyCommand();

      const rest = await logsFunction()({ jobId: JOB_ID, nextToken: first.nextToken! }, lambdaContext(() => 60_000));

      expect(rest.events).toEqual(events);
      expect(rest.nextToken).toBeNull();
      expect(sentTokens()[0]).toBeUndefined();
    });

    it('stops between pages when time runs low, with a token for the next page', async () => {
      jobIn('SUCCEEDED');
      const events = makeEvents(6);
      serveStream(events, 3);
      const remaining = jest.fn<number, []>().mockReturnValueOnce(60_000).mockReturnValue(1_000);

      const first = await logsFunction()({ jobId: JOB_ID }, lambdaContext(remaining));

      expect(first.events).toEqual(events.slice(0, 3));
      expect(first.nextToken).not.toBeNull();
      expect(logs).toHaveReceivedCommandTimes(GetLogEventsCommand, 1);

      logs.resetHistory();
      const rest = await readToEnd(logsFunction(), { nextToken: first.nextToken! });

      expect(sentTokens()[0]).toBe(forwardToken(3));
      expect(rest.flatMap((response) => response.events)).toEqual(events.slice(3));
    });

    it("resumes with a token for an earlier attempt's stream", async () => {
      jobIn('SUCCEEDED', {
        container: { logStreamName: STREAM, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': GROUP } } },
        attempts: [{ container: { logStreamName: FIRST_ATTEMPT_STREAM } }, { container: { logStreamName: STREAM } }],
      });
      serveStream(makeEvents(3));

      const response = await logsFunction()({ jobId: JOB_ID, nextToken: encodeCursor({ logStreamName: FIRST_ATTEMPT_STREAM, token: forwardToken(1), skip: 0 }) });

      expect(response.logStreamName).toBe(FIRST_ATTEMPT_STREAM);
      expect(response.events).toEqual(makeEvents(2, 40, 1));
      expect(logs).toHaveReceivedCommandWith(GetLogEventsCommand, { logStreamName: FIRST_ATTEMPT_STREAM, nextToken: forwardToken(1) });
    });

    it('reads from the head when nextToken is null', async () => {
      jobIn('SUCCEEDED');
      serveStream(makeEvents(2));

      const response = await logsFunction()({ jobId: JOB_ID, nextToken: null });

      expect(response.events).toEqual(makeEvents(2));
      expect(sentTokens()[0]).toBeUndefined();
    });
  });

  describe('errors', () => {
    it('throws BatchJobNotFoundError when Batch has not listed the job after a few seconds', async () => {
      batch.on(DescribeJobsCommand).resolves({ jobs: [] });
      const sleeps: number[] = [];

      await expectRejection(
        createHandler({ config: config(), sleep: async (millis) => void sleeps.push(millis) })({ jobId: JOB_ID }),
        BatchJobNotFoundError,
        `batch job not found: ${JOB_ID}`,
      );
      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 5);
      expect(sleeps).toEqual([250, 500, 1000, 2000]);
      expect(logs).not.toHaveReceivedAnyCommand();
    });

    // AWS Batch API Reference, DescribeJobs: a job just submitted can be missing from the answer for a moment.
    it('reads the job once DescribeJobs lists it, rather than answer "not found" for a job just submitted', async () => {
      batch.on(DescribeJobsCommand).resolvesOnce({ jobs: [] }).resolves({ jobs: [job('SUBMITTED', { container: {} })] });
      const sleeps: number[] = [];

      await expectRejection(
        createHandler({ config: config(), sleep: async (millis) => void sleeps.push(millis) })({ jobId: JOB_ID }),
        LogStreamNotFoundError,
        `job ${JOB_ID} has no log stream yet`,
      );
      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 2);
      expect(sleeps).toEqual([250]);
    });

    it('throws LogStreamNotFoundError when the job has no log stream yet', async () => {
      jobIn('RUNNABLE', { container: { logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': GROUP } } } });

      const error = await expectRejection(logsFunction()({ jobId: JOB_ID }), LogStreamNotFoundError, `job ${JOB_ID} has no log stream yet`);
      expect(error).toMatchObject({ jobId: JOB_ID, logGroupName: GROUP, logStreamName: null });
      expect(logs).not.toHaveReceivedAnyCommand();
    });

    it('throws LogStreamNotFoundError when CloudWatch answers ResourceNotFoundException', async () => {
      jobIn('RUNNING');
      logs.on(GetLogEventsCommand).rejects(new ResourceNotFoundException({ $metadata: { httpStatusCode: 400 }, message: 'The specified log stream does not exist.' }));

      const error = await expectRejection(logsFunction()({ jobId: JOB_ID }), LogStreamNotFoundError, `log stream not found for job ${JOB_ID}: ${GROUP}/${STREAM}`);
      expect(error).toMatchObject({ jobId: JOB_ID, logGroupName: GROUP, logStreamName: STREAM });
    });

    it('throws InvalidRequestError when the token names a stream of another job', async () => {
      jobIn('RUNNING');
      serveStream(makeEvents(2));

      await expectRejection(
        logsFunction()({ jobId: JOB_ID, nextToken: encodeCursor({ logStreamName: 'other-job/default/abc', token: null, skip: 0 }) }),
        InvalidRequestError,
        `invalid request: nextToken: belongs to another job than ${JOB_ID} [token]`,
      );
      expect(logs).not.toHaveReceivedAnyCommand();
    });

    it('throws InvalidRequestError when CloudWatch refuses the token a forged nextToken carries', async () => {
      jobIn('RUNNING');
      serveStream(makeEvents(2));

      await expectRejection(
        logsFunction()({ jobId: JOB_ID, nextToken: encodeCursor({ logStreamName: STREAM, token: 'f/forged', skip: 0 }) }),
        InvalidRequestError,
        'invalid request: nextToken: is not a token from a previous logs response [token]',
      );
      expect(logs).toHaveReceivedCommandWith(GetLogEventsCommand, { nextToken: 'f/forged' });
    });

    it.each<[string, string]>([
      ['is not base64 JSON', 'garbage'],
      ['is JSON but not a cursor', tokenFor({ logStreamName: STREAM })],
      ['has another version', tokenFor([2, STREAM, null, 0])],
      ['names no stream', tokenFor([1, 7, null, 0])],
      ['carries a token that is not a string', tokenFor([1, STREAM, 5, 0])],
      ['skips a negative count', tokenFor([1, STREAM, null, -1])],
      ['skips a fraction', tokenFor([1, STREAM, null, 1.5])],
      ['skips a whole page or more', tokenFor([1, STREAM, null, 10_000])],
    ])('throws InvalidRequestError when nextToken %s, without calling AWS', async (_case, nextToken) => {
      await expectRejection(
        logsFunction()({ jobId: JOB_ID, nextToken }),
        InvalidRequestError,
        'invalid request: nextToken: is not a token from a previous logs response [token]',
      );
      expect(batch).not.toHaveReceivedAnyCommand();
      expect(logs).not.toHaveReceivedAnyCommand();
    });

    it('throws the SDK error when CloudWatch throttles', async () => {
      jobIn('RUNNING');
      const throttled = new CloudWatchLogsServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      });
      logs.on(GetLogEventsCommand).rejects(throttled);

      const error = await logsFunction()({ jobId: JOB_ID }).catch((reason: unknown) => reason);

      expect(error).toBe(throttled);
    });

    it('throws the SDK error when CloudWatch refuses a request that carried no token', async () => {
      jobIn('RUNNING');
      const refusal = new InvalidParameterException({ $metadata: { httpStatusCode: 400 }, message: '1 validation error detected' });
      logs.on(GetLogEventsCommand).rejects(refusal);

      const error = await logsFunction()({ jobId: JOB_ID }).catch((reason: unknown) => reason);

      expect(error).toBe(refusal);
    });

    it('throws when PENDANT_LOGS_MAX_RESPONSE_BYTES is below its minimum', async () => {
      jobIn('RUNNING');
      serveStream(makeEvents(1));

      await expectRejection(
        createHandler({ config: new RuntimeConfig({ PENDANT_LOGS_MAX_RESPONSE_BYTES: '10' }) })({ jobId: JOB_ID }),
        ConfigurationError,
        'invalid configuration in PENDANT_LOGS_MAX_RESPONSE_BYTES: must be an integer from 1024 to 6291456, got "10"',
      );
      expect(logs).not.toHaveReceivedAnyCommand();
    });

    it.each<[string, unknown, string]>([
      ['the event is null', null, 'invalid request: must be an object, got null [type]'],
      ['jobId is missing', {}, 'invalid request: jobId: is required [required]'],
      ['jobId is not a job id', { jobId: 'job-1' }, 'invalid request: jobId: must be an AWS Batch job id (a UUID), got "job-1" [pattern]'],
      ['limit is 0', { jobId: JOB_ID, limit: 0 }, 'invalid request: limit: must be between 1 and 10000, got 0 [range]'],
      ['limit is 10,001', { jobId: JOB_ID, limit: 10_001 }, 'invalid request: limit: must be between 1 and 10000, got 10001 [range]'],
      ['limit is a string', { jobId: JOB_ID, limit: '5' }, 'invalid request: limit: must be an integer, got a string [type]'],
      ['nextToken is a number', { jobId: JOB_ID, nextToken: 5 }, 'invalid request: nextToken: must be a string, got a number [type]'],
      ['nextToken is empty', { jobId: JOB_ID, nextToken: '' }, 'invalid request: nextToken: must not be empty [empty]'],
      [
        'nextToken is not base64url',
        { jobId: JOB_ID, nextToken: 'a+b/c=' },
        'invalid request: nextToken: must be a token from a previous response, got "a+b/c=" [pattern]',
      ],
      [
        'a field is unknown',
        { jobId: JOB_ID, startTime: 0 },
        'invalid request: startTime: is not a field of this request; allowed: jobId, nextToken, limit, attempt, fromEnd [unknown-field]',
      ],
    ])('throws when %s, without calling AWS', async (_case, event, message) => {
      await expectRejection(logsFunction()(event), InvalidRequestError, message);
      expect(batch).not.toHaveReceivedAnyCommand();
      expect(logs).not.toHaveReceivedAnyCommand();
    });
  });
});

describe('Function: logs, attempts and the tail', () => {
  /**
   * CloudWatch reading streams both ways, as GetLogEvents documents it: with startFromHead false and no token the
   * newest `limit` events (oldest first within the page), `nextBackwardToken` for the events before them and
   * `nextForwardToken` for those after; at most `pageSize` events a page (standing in for the 1 MB cap).
   */
  function serveStreams(streams: Record<string, OutputLogEvent[]>, pageSize = 10_000): void {
    logs.on(GetLogEventsCommand).callsFake((input: GetLogEventsCommandInput) => {
      const events = streams[input.logStreamName!];
      if (events === undefined) throw new ResourceNotFoundException({ $metadata: { httpStatusCode: 400 }, message: 'The specified log stream does not exist.' });
      const limit = Math.min(input.limit ?? 10_000, pageSize);
      const [direction, position] = input.nextToken === undefined ? [input.startFromHead ? 'f' : 'end', 0] : [input.nextToken[0], Number(input.nextToken.slice(2))];
      let start: number;
      let end: number;
      if (direction === 'end') [start, end] = [Math.max(0, events.length - limit), events.length];
      else if (direction === 'b') [start, end] = [Math.max(0, position - limit), position];
      else [start, end] = [position, Math.min(events.length, position + limit)];
      return { events: events.slice(start, end), nextForwardToken: `f/${end}`, nextBackwardToken: `b/${start}` };
    });
  }

  const messages = (response: LogsResponse) => response.events.map((event) => event.message);
  const lines = (count: number, prefix: string) => makeEvents(count, 0).map((event, index) => ({ ...event, message: `${prefix} ${index}` }));

  it('reads the stream of the attempt asked for; the latest by default', async () => {
    jobIn('FAILED', {
      container: { logStreamName: STREAM, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': GROUP } } },
      attempts: [{ container: { logStreamName: FIRST_ATTEMPT_STREAM } }, { container: { logStreamName: STREAM } }],
    });
    serveStreams({ [FIRST_ATTEMPT_STREAM]: lines(2, 'first'), [STREAM]: lines(1, 'second') });

    expect(messages(await logsFunction()({ jobId: JOB_ID, attempt: 1 }))).toEqual(['first 0', 'first 1']);
    expect(messages(await logsFunction()({ jobId: JOB_ID, attempt: 2 }))).toEqual(['second 0']);
    expect(messages(await logsFunction()({ jobId: JOB_ID }))).toEqual(['second 0']);
  });

  it('reads the attempt still running after the finished ones Batch lists', async () => {
    jobIn('RUNNING', { attempts: [{ container: { logStreamName: FIRST_ATTEMPT_STREAM } }] });
    serveStreams({ [FIRST_ATTEMPT_STREAM]: lines(1, 'first'), [STREAM]: lines(1, 'second') });
    expect(messages(await logsFunction()({ jobId: JOB_ID, attempt: 2 }))).toEqual(['second 0']);
  });

  it('throws LogStreamNotFoundError for an attempt the job has not made', async () => {
    jobIn('RUNNING');
    await expectRejection(logsFunction()({ jobId: JOB_ID, attempt: 3 }), LogStreamNotFoundError, `job ${JOB_ID} has no log stream yet`);
    expect(logs.calls()).toHaveLength(0);
  });

  it('throws LogStreamNotFoundError for an attempt that never reached RUNNING', async () => {
    jobIn('FAILED', { container: {}, attempts: [{ container: {} }] });
    await expectRejection(logsFunction()({ jobId: JOB_ID, attempt: 1 }), LogStreamNotFoundError, `job ${JOB_ID} has no log stream yet`);
  });

  it('throws when a token of one attempt is sent for another', async () => {
    jobIn('FAILED', { attempts: [{ container: { logStreamName: FIRST_ATTEMPT_STREAM } }, { container: { logStreamName: STREAM } }] });
    const token = encodeCursor({ logStreamName: FIRST_ATTEMPT_STREAM, token: null, skip: 0 });
    await expectRejection(
      logsFunction()({ jobId: JOB_ID, attempt: 2, nextToken: token }),
      InvalidRequestError,
      `invalid request: nextToken: belongs to another attempt of ${JOB_ID} than attempt 2 [token]`,
    );
  });

  it('reads the last n events, newest last, across pages, and follows a finished job to no token', async () => {
    jobIn('FAILED');
    serveStreams({ [STREAM]: lines(500, 'line') }, 30);

    const response = await logsFunction()({ jobId: JOB_ID, fromEnd: true, limit: 50 });

    expect(messages(response)).toEqual(Array.from({ length: 50 }, (_, index) => `line ${450 + index}`));
    expect(response.nextToken).toBeNull();
    const calls = logs.commandCalls(GetLogEventsCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([
      { logGroupName: GROUP, logStreamName: STREAM, startFromHead: false, limit: 50 },
      { logGroupName: GROUP, logStreamName: STREAM, startFromHead: false, limit: 20, nextToken: 'b/470' },
    ]);
  });

  it('reads a whole stream shorter than the tail asked for, and stops at its head', async () => {
    jobIn('SUCCEEDED');
    serveStreams({ [STREAM]: lines(3, 'line') });
    expect(messages(await logsFunction()({ jobId: JOB_ID, fromEnd: true, limit: 50 }))).toEqual(['line 0', 'line 1', 'line 2']);
  });

  it('keeps the newest events when the tail would pass the byte budget', async () => {
    jobIn('FAILED');
    const big = makeEvents(100, 1_000);
    serveStreams({ [STREAM]: big });
    const response = await logsFunction(20_000)({ jobId: JOB_ID, fromEnd: true, limit: 100 });
    expect(response.events.length).toBeGreaterThan(5);
    expect(response.events.length).toBeLessThan(20);
    expect(response.events[response.events.length - 1].message).toBe(big[99].message);
    expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(20_000);
  });

  it('answers a running job\'s tail with a token that reads on from its end', async () => {
    jobIn('RUNNING');
    const events = lines(10, 'line');
    serveStreams({ [STREAM]: events });
    const tail = await logsFunction()({ jobId: JOB_ID, fromEnd: true, limit: 2 });
    expect(messages(tail)).toEqual(['line 8', 'line 9']);

    events.push(...lines(12, 'line').slice(10));
    const after = await logsFunction()({ jobId: JOB_ID, nextToken: tail.nextToken! });
    expect(messages(after)).toEqual(['line 10', 'line 11']);
  });

  it('reads a multi-node node\'s and an array child\'s own stream', async () => {
    for (const id of [`${JOB_ID}#2`, `${JOB_ID}:5`]) {
      batch.on(DescribeJobsCommand).resolves({ jobs: [job('RUNNING', { jobId: id, container: { logStreamName: `stream-of-${id}` } })] });
      serveStreams({ [`stream-of-${id}`]: lines(1, id) });
      const response = await logsFunction()({ jobId: id, fromEnd: true, limit: 1 });
      expect(response).toMatchObject({ jobId: id, logStreamName: `stream-of-${id}`, events: [{ message: `${id} 0` }] });
      expect(batch).toHaveReceivedCommandWith(DescribeJobsCommand, { jobs: [id] });
    }
  });
});
