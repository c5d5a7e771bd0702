import type { BatchClient } from '@aws-sdk/client-batch';
import { S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { SdkBatchGateway } from '../lambda/aws/batch';
import { SdkLogsGateway } from '../lambda/aws/logs';
import { SdkS3Gateway } from '../lambda/aws/s3';
import { logger } from '../lambda/handlers/edge';
import { createHandler as createLogsHandler } from '../lambda/handlers/logs';
import { createHandler as createStatusHandler } from '../lambda/handlers/status';
import { createHandler as createSubmitHandler } from '../lambda/handlers/submit';
import { createHandler as createValidateHandler } from '../lambda/handlers/validate';
import { JobStatusResponse, LogsResponse, ParameterSpecs } from '../lib/model';
import { DEFAULT_JOB_LOG_GROUP, encodeConfig, RuntimeConfig } from '../lib/model/config';
import { Parameter } from '../lib/model/parameters';
import { CREDENTIALS, motoClients, recordCalls, REGION, resetMoto } from '../test/integration/moto/aws';
import { BatchEnvironment, createBatchEnvironment, createBucket, putObject, submitJob, submitJobs, WrittenEvent, writeLogEvents } from '../test/integration/moto/fixtures';
import { median } from './lib/stats';

/**
 * The handlers' AWS calls and throughput against moto_server, in this process: the handlers' own code
 * (`lambda/handlers/*`, compiled) with real SDK v3 clients over HTTP, built by the integration harness
 * (`test/integration/moto/`), and counted by its `recordCalls` middleware — each command once, before retries.
 * Every figure starts from a reset moto.
 */

/** CloudWatch Logs returns at most 1 MB (1,048,576 bytes) or 10,000 events per GetLogEvents page. */
const PAGE_BYTES = 1_048_576;
const PAGE_EVENTS = 10_000;
/** CloudWatch counts each event as its UTF-8 message plus 26 bytes. */
const EVENT_OVERHEAD_BYTES = 26;
/**
 * moto caps a page at 10,000 events but not at 1 MB. With 78-byte messages a full page is 10,000 × 104 =
 * 1,040,000 bytes, just under 1 MB, so moto's pages are exactly the pages CloudWatch would return.
 */
const MESSAGE_BYTES = 78;

export interface StatusFigure {
  readonly jobs: number;
  readonly describeJobsCalls: number;
  readonly floor: number;
  readonly answered: number;
  readonly wallMillis: number;
}

/** An array parent's children read page by page through the status function (`children`), following its tokens. */
export interface ChildrenFigure {
  readonly children: number;
  /** ListJobs `maxResults` asked for (the status request's `children.limit`). */
  readonly pageSize: number;
  readonly pages: number;
  readonly listJobsCalls: number;
  readonly describeJobsCalls: number;
  readonly childrenRead: number;
  readonly wallMillis: number;
}

export interface LogsFigure {
  readonly events: number;
  /** Each event's size as CloudWatch counts it. */
  readonly eventBytes: number;
  readonly streamBytes: number;
  readonly getLogEventsCalls: number;
  readonly floor: number;
  readonly responses: number;
  readonly largestResponseBytes: number;
  readonly eventsRead: number;
  readonly describeJobsCalls: number;
  readonly wallMillis: number;
}

/**
 * How a validate figure is measured. `moto`: HeadObject goes to moto_server, after `injectedLatencyMillis` of
 * sleep in the client's middleware. `simulated`: no server at all — the S3 client's request handler answers every
 * HeadObject 200 after `injectedLatencyMillis`, which takes moto's own service time out of the figure.
 */
export interface ValidateSetting {
  /** `PENDANT_MAX_S3_CONCURRENCY`: HeadObject calls in flight at most. */
  readonly s3Concurrency: number;
  readonly injectedLatencyMillis: number;
  readonly s3: 'moto' | 'simulated';
}

export interface ValidateFigure extends ValidateSetting {
  readonly inputs: number;
  readonly headObjectCalls: number;
  readonly mostInFlight: number;
  readonly wallMillis: number;
  readonly samples: number[];
}

export interface ThroughputFigure {
  readonly operation: string;
  readonly request: string;
  readonly requests: number;
  readonly wallMillis: number;
  readonly requestsPerSecond: number;
  readonly medianLatencyMillis: number;
  readonly callsPerRequest: Record<string, number>;
}

export interface MotoFigures {
  readonly status: StatusFigure[];
  readonly children: ChildrenFigure[];
  readonly logs: LogsFigure[];
  readonly validate: ValidateFigure[];
  readonly throughput: ThroughputFigure[];
}

export interface MotoOptions {
  readonly statusJobs: readonly number[];
  /** The size of the array whose children are listed, and the page sizes they are listed in. */
  readonly arrayChildren: number;
  readonly childrenPageSizes: readonly number[];
  readonly logEvents: readonly number[];
  readonly validateInputs: readonly number[];
  readonly validateRepetitions: number;
  /** Each is measured at every number of inputs; the first is the figure the goal is checked on. */
  readonly validateSettings: readonly ValidateSetting[];
  /** Each throughput figure runs at least this many requests, and for at least `throughputMillis`. */
  readonly throughputRequests: number;
  readonly throughputMillis: number;
}

export async function measureMoto(options: MotoOptions, log: (line: string) => void): Promise<MotoFigures> {
  // The handlers log one JSON line per request; thousands of them would bury the bench's own output.
  logger.setLogLevel('SILENT');
  const status = await statusFigures(options, log);
  const children = await childrenFigures(options, log);
  const logs = await logsFigures(options, log);
  const validate = await validateFigures(options, log);
  const throughput = await throughputFigures(options, log);
  return { status, children, logs, validate, throughput };
}

// ---------------------------------------------------------------------------------------------------------------

async function statusFigures(options: MotoOptions, log: (line: string) => void): Promise<StatusFigure[]> {
  await resetMoto();
  const fixtures = motoClients();
  const environment = await createBatchEnvironment(fixtures.batch);
  const submitted = Date.now();
  const ids = await submitJobs(fixtures.batch, environment, Math.max(...options.statusJobs));
  log(`status: ${ids.length} jobs submitted to moto in ${((Date.now() - submitted) / 1000).toFixed(1)} s`);
  const figures: StatusFigure[] = [];
  for (const jobs of options.statusJobs) {
    const clients = motoClients();
    const calls = recordCalls(clients.batch);
    const handler = createStatusHandler({ config: configFor(environment), batch: new SdkBatchGateway(clients.batch) });
    const started = performance.now();
    const response = await handler({ jobIds: ids.slice(0, jobs) });
    const wallMillis = performance.now() - started;
    if (!('jobs' in response)) throw new Error('status of many jobs answered a single job');
    const answered = response.jobs.length;
    if (answered !== jobs || response.notFound.length !== 0 || response.nextToken !== undefined) {
      throw new Error(`status of ${jobs} jobs answered ${answered}, notFound ${response.notFound.length}, nextToken ${response.nextToken}`);
    }
    const figure = { jobs, describeJobsCalls: calls.count('DescribeJobs'), floor: Math.ceil(jobs / 100), answered, wallMillis };
    figures.push(figure);
    log(`status of ${jobs} jobs: ${figure.describeJobsCalls} DescribeJobs calls (floor ${figure.floor}), ${wallMillis.toFixed(0)} ms`);
  }
  return figures;
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * moto 5.2.1 answers ListJobs with every job in one page, whatever `maxResults`. This middleware, on the bench's own
 * client only, pages moto's answer as Batch does: at most `maxResults` jobs and a `nextToken` (here the offset) for
 * the rest, so the figure counts ListJobs calls against pages that exist. It runs after the call is counted.
 */
function pageListJobsAsBatchDoes(client: BatchClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName !== 'ListJobsCommand') return result;
      const input = args.input as { maxResults?: number; nextToken?: string };
      const output = result.output as { jobSummaryList?: unknown[]; nextToken?: string };
      const all = output.jobSummaryList ?? [];
      const start = input.nextToken === undefined ? 0 : Number(input.nextToken);
      const end = start + (input.maxResults ?? 100);
      output.jobSummaryList = all.slice(start, end);
      output.nextToken = end < all.length ? String(end) : undefined;
      return result;
    },
    { step: 'initialize', name: 'benchPageListJobs', priority: 'high' },
  );
}

async function childrenFigures(options: MotoOptions, log: (line: string) => void): Promise<ChildrenFigure[]> {
  await resetMoto();
  const fixtures = motoClients();
  const environment = await createBatchEnvironment(fixtures.batch);
  const parent = await submitJob(fixtures.batch, environment, { jobName: 'array', arrayProperties: { size: options.arrayChildren } });
  const figures: ChildrenFigure[] = [];
  for (const pageSize of options.childrenPageSizes) {
    const clients = motoClients();
    const calls = recordCalls(clients.batch);
    pageListJobsAsBatchDoes(clients.batch);
    const handler = createStatusHandler({ config: configFor(environment), batch: new SdkBatchGateway(clients.batch) });
    const started = performance.now();
    let childrenRead = 0;
    let pages = 0;
    let nextToken: string | null = null;
    do {
      const page = (await handler({ jobId: parent, children: { status: 'SUCCEEDED', limit: pageSize, ...(nextToken !== null && { nextToken }) } })) as JobStatusResponse;
      pages += 1;
      childrenRead += page.children!.jobs.length;
      nextToken = page.children!.nextToken;
    } while (nextToken !== null && pages < 10_000);
    const wallMillis = performance.now() - started;
    if (childrenRead !== options.arrayChildren) throw new Error(`children listing read ${childrenRead} of ${options.arrayChildren} children`);
    const figure = {
      children: options.arrayChildren,
      pageSize,
      pages,
      listJobsCalls: calls.count('ListJobs'),
      describeJobsCalls: calls.count('DescribeJobs'),
      childrenRead,
      wallMillis,
    };
    figures.push(figure);
    log(`children of an array of ${figure.children}, ${pageSize} a page: ${figure.pages} pages, ${figure.listJobsCalls} ListJobs calls, ${wallMillis.toFixed(0)} ms`);
  }
  return figures;
}

// ---------------------------------------------------------------------------------------------------------------

function logMessage(index: number): string {
  const head = `${String(index).padStart(7, '0')} aligned read ${index} to chr${(index % 22) + 1}:${index * 7} MAPQ=60 `;
  return head.padEnd(MESSAGE_BYTES, 'ACGT').slice(0, MESSAGE_BYTES);
}

function makeEvents(count: number): WrittenEvent[] {
  const start = Date.now() - 60 * 60 * 1000;
  return Array.from({ length: count }, (_, index) => ({ timestamp: start + index, message: logMessage(index) }));
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

async function logsFigures(options: MotoOptions, log: (line: string) => void): Promise<LogsFigure[]> {
  await resetMoto();
  const fixtures = motoClients();
  const environment = await createBatchEnvironment(fixtures.batch);
  const figures: LogsFigure[] = [];
  for (const count of options.logEvents) {
    const jobId = await submitJob(fixtures.batch, environment);
    const events = makeEvents(count);
    await writeLogEvents(fixtures.logs, DEFAULT_JOB_LOG_GROUP, `${environment.jobDefinitionName}/default/${jobId}`, events);
    const streamBytes = events.reduce((sum, event) => sum + Buffer.byteLength(event.message) + EVENT_OVERHEAD_BYTES, 0);

    const clients = motoClients();
    const logsCalls = recordCalls(clients.logs);
    const batchCalls = recordCalls(clients.batch);
    const handler = createLogsHandler({ config: configFor(environment), batch: new SdkBatchGateway(clients.batch), logs: new SdkLogsGateway(clients.logs) });
    const started = performance.now();
    const responses: LogsResponse[] = [];
    let nextToken: string | null | undefined;
    do {
      const response = await handler({ jobId, ...(nextToken && { nextToken }) });
      responses.push(response);
      nextToken = response.nextToken;
    } while (nextToken !== null && responses.length < 1_000);
    const wallMillis = performance.now() - started;
    const eventsRead = responses.reduce((sum, response) => sum + response.events.length, 0);
    if (eventsRead !== count) throw new Error(`logs of ${count} events read ${eventsRead}`);
    const figure: LogsFigure = {
      events: count,
      eventBytes: MESSAGE_BYTES + EVENT_OVERHEAD_BYTES,
      streamBytes,
      getLogEventsCalls: logsCalls.count('GetLogEvents'),
      floor: Math.ceil(streamBytes / PAGE_BYTES) + 1,
      responses: responses.length,
      largestResponseBytes: Math.max(...responses.map(jsonBytes)),
      eventsRead,
      describeJobsCalls: batchCalls.count('DescribeJobs'),
      wallMillis,
    };
    figures.push(figure);
    log(
      `logs of ${count} events (${streamBytes} bytes): ${figure.getLogEventsCalls} GetLogEvents calls (floor ${figure.floor}) ` +
        `in ${figure.responses} responses, ${wallMillis.toFixed(0)} ms`,
    );
  }
  return figures;
}

// ---------------------------------------------------------------------------------------------------------------

const INPUTS_BUCKET = 'pendant-bench-inputs';

interface InFlight {
  mostInFlight(): number;
  reset(): void;
}

function inFlightCounter(): InFlight & { around<T>(work: () => Promise<T>): Promise<T> } {
  let inFlight = 0;
  let most = 0;
  return {
    mostInFlight: () => most,
    reset: () => (most = 0),
    async around(work) {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        return await work();
      } finally {
        inFlight--;
      }
    },
  };
}

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

/** A moto S3 client whose HeadObject requests wait `latencyMillis` before they go out (middleware, `finalizeRequest`). */
function withLatency(latencyMillis: number): { client: S3Client; latency: InFlight } {
  const client = motoClients().s3;
  const counter = inFlightCounter();
  type Next = (args: unknown) => Promise<unknown>;
  const stack = client.middlewareStack as unknown as {
    add(middleware: (next: Next, context: { commandName?: string }) => Next, options: { step: 'finalizeRequest'; name: string }): void;
  };
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'HeadObjectCommand') return next(args);
      return counter.around(async () => {
        await sleep(latencyMillis);
        return next(args);
      });
    },
    { step: 'finalizeRequest', name: 'pendantBenchLatency' },
  );
  return { client, latency: counter };
}

/** An S3 client with no server behind it: its request handler answers every request 200, empty, after `latencyMillis`. */
function simulatedS3(latencyMillis: number): { client: S3Client; latency: InFlight } {
  const counter = inFlightCounter();
  const client = new S3Client({
    region: REGION,
    credentials: CREDENTIALS,
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    requestHandler: {
      handle: () =>
        counter.around(async () => {
          await sleep(latencyMillis);
          return { response: { statusCode: 200, headers: { 'content-length': '0', etag: '"bench"' }, body: Readable.from([]) } };
        }),
    },
  });
  return { client, latency: counter };
}

async function validateFigures(options: MotoOptions, log: (line: string) => void): Promise<ValidateFigure[]> {
  await resetMoto();
  const fixtures = motoClients();
  await createBucket(fixtures.s3, INPUTS_BUCKET);
  const most = Math.max(...options.validateInputs);
  for (let index = 1; index <= most; index++) await putObject(fixtures.s3, inputUri(index));

  const figures: ValidateFigure[] = [];
  for (const setting of options.validateSettings) {
    const { s3Concurrency, injectedLatencyMillis } = setting;
    for (const inputs of options.validateInputs) {
      const parameters: Record<string, ParameterSpecs[string]> = {};
      const values: Record<string, string> = {};
      for (let index = 1; index <= inputs; index++) {
        parameters[inputName(index)] = Parameter.s3Object({ mustExist: true, within: [`s3://${INPUTS_BUCKET}/reads/`] });
        values[inputName(index)] = inputUri(index);
      }
      const config = new RuntimeConfig(
        encodeConfig({ jobDefinitions: { bench: { definition: 'bench:1', parameters } }, jobQueues: ['bench-queue'], maxS3Concurrency: s3Concurrency }),
      );
      const { client, latency } = setting.s3 === 'moto' ? withLatency(injectedLatencyMillis) : simulatedS3(injectedLatencyMillis);
      const calls = recordCalls(client);
      const handler = createValidateHandler({ config, s3: new SdkS3Gateway(client) });
      const request = { jobDefinition: 'bench', parameters: values };
      // The first request opens the connections; the figure is a warm container's.
      await handler(request);
      calls.clear();
      latency.reset();
      const samples: number[] = [];
      for (let repetition = 0; repetition < options.validateRepetitions; repetition++) {
        const started = performance.now();
        const response = await handler(request);
        samples.push(performance.now() - started);
        if (!response.valid) throw new Error(`validate of ${inputs} existing inputs answered ${JSON.stringify(response.problems)}`);
      }
      const figure: ValidateFigure = {
        inputs,
        ...setting,
        headObjectCalls: calls.count('HeadObject') / options.validateRepetitions,
        mostInFlight: latency.mostInFlight(),
        wallMillis: median(samples),
        samples,
      };
      figures.push(figure);
      log(
        `validate of ${inputs} must-exist inputs, at most ${s3Concurrency} at once, ${setting.s3} S3 +${injectedLatencyMillis} ms per HeadObject: ` +
          `${figure.wallMillis.toFixed(0)} ms (median of ${samples.length}), ${figure.headObjectCalls} HeadObject, ${figure.mostInFlight} in flight at most`,
      );
    }
  }
  return figures;
}

const inputName = (index: number) => `input_${String(index).padStart(2, '0')}`;
const inputUri = (index: number) => `s3://${INPUTS_BUCKET}/reads/sample-${index}.fastq`;

// ---------------------------------------------------------------------------------------------------------------

function configFor(environment: BatchEnvironment, parameters: ParameterSpecs = {}): RuntimeConfig {
  return new RuntimeConfig(
    encodeConfig({
      jobDefinitions: { bench: { definition: `${environment.jobDefinitionName}:${environment.revision}`, parameters } },
      jobQueues: [environment.jobQueueArn],
    }),
  );
}

/** Invokes `invoke` one request at a time (as one Lambda container does) for at least `requests` and `millis`. */
async function sequentially(options: MotoOptions, invoke: () => Promise<unknown>): Promise<{ requests: number; wallMillis: number; latencies: number[] }> {
  await invoke(); // opens the connections
  const latencies: number[] = [];
  const started = performance.now();
  while (latencies.length < options.throughputRequests || performance.now() - started < options.throughputMillis) {
    const before = performance.now();
    await invoke();
    latencies.push(performance.now() - before);
  }
  return { requests: latencies.length, wallMillis: performance.now() - started, latencies };
}

async function throughputFigures(options: MotoOptions, log: (line: string) => void): Promise<ThroughputFigure[]> {
  await resetMoto();
  const fixtures = motoClients();
  const environment = await createBatchEnvironment(fixtures.batch);
  await createBucket(fixtures.s3, INPUTS_BUCKET);
  await putObject(fixtures.s3, inputUri(1));
  const figures: ThroughputFigure[] = [];
  const record = (operation: string, request: string, result: { requests: number; wallMillis: number; latencies: number[] }, counts: Record<string, number>) => {
    const callsPerRequest = Object.fromEntries(Object.entries(counts).map(([name, count]) => [name.replace(/Command$/, ''), Math.round((count / (result.requests + 1)) * 100) / 100]));
    const figure: ThroughputFigure = {
      operation,
      request,
      requests: result.requests,
      wallMillis: result.wallMillis,
      requestsPerSecond: (result.requests * 1000) / result.wallMillis,
      medianLatencyMillis: median(result.latencies),
      callsPerRequest,
    };
    figures.push(figure);
    log(`throughput ${operation} (${request}): ${figure.requestsPerSecond.toFixed(1)} requests/s over ${result.requests} requests, median ${figure.medianLatencyMillis.toFixed(1)} ms`);
  };

  {
    const clients = motoClients();
    const batchCalls = recordCalls(clients.batch);
    const s3Calls = recordCalls(clients.s3);
    const config = configFor(environment, { input: Parameter.s3Object({ mustExist: true, within: [`s3://${INPUTS_BUCKET}/reads/`] }) });
    const handler = createSubmitHandler({ config, batch: new SdkBatchGateway(clients.batch), s3: new SdkS3Gateway(clients.s3) });
    const result = await sequentially(options, () => handler({ jobDefinition: 'bench', parameters: { input: inputUri(1) } }));
    record('submit', 'one must-exist input, pinned revision, no idempotency key', result, { ...batchCalls.counts(), ...s3Calls.counts() });
  }
  {
    const ids = await submitJobs(fixtures.batch, environment, 100);
    const clients = motoClients();
    const calls = recordCalls(clients.batch);
    const handler = createStatusHandler({ config: configFor(environment), batch: new SdkBatchGateway(clients.batch) });
    const result = await sequentially(options, () => handler({ jobIds: ids }));
    record('status', '100 job ids', result, calls.counts());
  }
  {
    const jobId = await submitJob(fixtures.batch, environment);
    await writeLogEvents(fixtures.logs, DEFAULT_JOB_LOG_GROUP, `${environment.jobDefinitionName}/default/${jobId}`, makeEvents(PAGE_EVENTS));
    const clients = motoClients();
    const logsCalls = recordCalls(clients.logs);
    const batchCalls = recordCalls(clients.batch);
    const handler = createLogsHandler({ config: configFor(environment), batch: new SdkBatchGateway(clients.batch), logs: new SdkLogsGateway(clients.logs) });
    const result = await sequentially(options, async () => {
      const response = await handler({ jobId });
      if (response.events.length !== PAGE_EVENTS) throw new Error(`logs of one page answered ${response.events.length} events`);
    });
    record('logs', `one full page: ${PAGE_EVENTS.toLocaleString('en-US')} events, ${(PAGE_EVENTS * (MESSAGE_BYTES + EVENT_OVERHEAD_BYTES)).toLocaleString('en-US')} bytes`, result, {
      ...batchCalls.counts(),
      ...logsCalls.counts(),
    });
  }
  return figures;
}
