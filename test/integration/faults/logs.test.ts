import { SdkBatchGateway } from '../../../lambda/aws/batch';
import { SdkLogsGateway } from '../../../lambda/aws/logs';
import { createHandler } from '../../../lambda/handlers/logs';
import { LogsResponse } from '../../../lib/model';
import { DEFAULT_JOB_LOG_GROUP, encodeConfig, RuntimeConfig } from '../../../lib/model/config';
import { motoClients, resetMoto } from '../moto/aws';
import { createBatchEnvironment, submitJob, WrittenEvent, writeLogEvents } from '../moto/fixtures';
import { invokeRetrying, newCaller, retrySettings, throttlingProxyForFile } from './harness';
import { recordFigure } from './report';

const EVENTS = 100_000;
/** Small against the ~13 MB of JSON the stream makes, so the stream takes a dozen responses or so. */
const BUDGET_BYTES = 1_048_576;
const THROTTLE_RATE = 0.3;
const SEED = 20_240_603;
/** A bound on the loop, far above the responses the budget needs. */
const MAX_RESPONSES = 200;

/**
 * moto's DescribeJobs leaves `container.logConfiguration` out, so the handler reads Batch's default group: the events
 * are written there, straight to moto.
 */
const LOG_GROUP = DEFAULT_JOB_LOG_GROUP;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

function makeEvents(count: number): WrittenEvent[] {
  const start = Date.now() - 2 * 60 * 60 * 1000;
  return Array.from({ length: count }, (_, index) => ({
    // Several events share each millisecond, so order is checked by sequence number, not by timestamp alone.
    timestamp: start + Math.floor(index / 4),
    message: `${String(index).padStart(6, '0')} aligned read ${index} to chr${(index % 22) + 1}:${index * 7} MAPQ=60 ${'ACGT'.repeat(6)}`,
  }));
}

describe('Faults: logs of a 100,000-event stream through 30 % throttling', () => {
  const throttled = throttlingProxyForFile(SEED, THROTTLE_RATE);

  it('returns every event exactly once, in order, every response under the byte budget', async () => {
    const { proxy, clients } = throttled();
    await resetMoto();
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    // A finished job (moto's simple backend): Batch named its stream, nobody created it.
    const jobId = await submitJob(fixtures.batch, environment);
    const logStreamName = `${environment.jobDefinitionName}/default/${jobId}`;
    const written = makeEvents(EVENTS);
    const puts = await writeLogEvents(fixtures.logs, LOG_GROUP, logStreamName, written);
    const config = new RuntimeConfig(
      encodeConfig({
        jobDefinitions: { align: { definition: `${environment.jobDefinitionName}:1` } },
        jobQueues: [environment.jobQueueArn],
        logsMaxResponseBytes: BUDGET_BYTES,
      }),
    );
    const handler = createHandler({ config, batch: new SdkBatchGateway(clients.batch), logs: new SdkLogsGateway(clients.logs) });
    const caller = newCaller();

    const started = Date.now();
    const responses: LogsResponse[] = [];
    let nextToken: string | null | undefined;
    do {
      const token = nextToken;
      // A retried invocation asks again from the same token: a failed one handed out nothing.
      const response = await invokeRetrying(caller, () => handler({ jobId, ...(token && { nextToken: token }) }));
      responses.push(response);
      nextToken = response.nextToken;
    } while (nextToken !== null && responses.length < MAX_RESPONSES);
    const wallMillis = Date.now() - started;

    const read = responses.flatMap((response) => response.events);
    expect(nextToken).toBeNull();
    expect(read.length).toBe(EVENTS);
    // Exactly once and in order: the n-th event read is the n-th written.
    const mismatch = read.findIndex((event, index) => event.message !== written[index].message || event.timestamp !== written[index].timestamp);
    expect(mismatch).toBe(-1);
    expect(new Set(read.map((event) => event.message)).size).toBe(EVENTS);
    const sizes = responses.map(jsonBytes);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(responses.length).toBeGreaterThanOrEqual(Math.ceil(jsonBytes(read) / BUDGET_BYTES));
    expect(responses.slice(0, -1).every((response) => response.events.length > 0)).toBe(true);

    // The same read with no proxy and no faults, for scale.
    const direct = createHandler({ config, batch: new SdkBatchGateway(fixtures.batch), logs: new SdkLogsGateway(fixtures.logs) });
    const directStarted = Date.now();
    let directEvents = 0;
    let directToken: string | null | undefined;
    do {
      const token = directToken;
      const response = await direct({ jobId, ...(token && { nextToken: token }) });
      directEvents += response.events.length;
      directToken = response.nextToken;
    } while (directToken !== null);
    const directMillis = Date.now() - directStarted;
    expect(directEvents).toBe(EVENTS);

    const stats = proxy.stats();
    const getLogEvents = stats.byOperation.GetLogEvents;
    const describeJobs = stats.byOperation.DescribeJobs;
    expect(getLogEvents.faults.throttle ?? 0).toBeGreaterThan(0);
    expect(getLogEvents.requests).toBe(getLogEvents.invocations + getLogEvents.retries);

    recordFigure({
      figure: 3,
      title: 'Logs of a 100,000-event stream through 30 % throttling',
      guarantee: 'every event exactly once, in order; every response under the byte budget; stream read to its end',
      faults: `${THROTTLE_RATE * 100} % of all requests (GetLogEvents 400 ThrottlingException, DescribeJobs 429 TooManyRequestsException) before reaching moto (seed ${SEED})`,
      proxy: stats,
      callerRetries: caller.retries,
      wallMillis,
      details: [
        ['Events written (directly to moto)', EVENTS],
        ['PutLogEvents calls to write them', puts],
        ['Stream size as the handler returns it (JSON)', `${(jsonBytes(read) / 1024 ** 2).toFixed(1)} MiB`],
        ['Byte budget (PENDANT_LOGS_MAX_RESPONSE_BYTES)', BUDGET_BYTES],
        ['Responses (logs invocations that answered)', responses.length],
        ['The same read straight to moto, no faults', `${(directMillis / 1000).toFixed(1)} s`],
        ['Largest response', `${count(Math.max(...sizes))} bytes`],
        ['Smallest response but the last', `${count(Math.min(...sizes.slice(0, -1)))} bytes`],
        ['GetLogEvents calls / requests / throttled', `${getLogEvents.invocations} / ${getLogEvents.requests} / ${getLogEvents.faults.throttle ?? 0}`],
        ['DescribeJobs calls / requests / throttled', `${describeJobs.invocations} / ${describeJobs.requests} / ${describeJobs.faults.throttle ?? 0}`],
        ['Caller retries by error', JSON.stringify(caller.retriedFailures)],
        ['Client retry settings (Batch, Logs)', `${JSON.stringify(await retrySettings(clients.batch))}, ${JSON.stringify(await retrySettings(clients.logs))}`],
      ],
    });
  }, 110_000);
});

function count(value: number): string {
  return value.toLocaleString('en-US');
}
