import { Agent, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fault-injecting HTTP proxy for tests: it sits on 127.0.0.1 between SDK clients and a local AWS-compatible
 * endpoint (moto) and, for a seeded, reproducible fraction of requests, answers with a throttling error, a 5xx,
 * a reset connection or a delay instead of the real answer. A fault can also hit *after* the request was forwarded:
 * the endpoint did the work and the caller never hears of it (a lost answer), which is how a retried SubmitJob
 * makes a second job.
 *
 * It is bounded (at most `maxFaults` faults, none after `faultWindowMillis`, closed after `hardStopMillis`), talks
 * to loopback only, and counts requests, retries and faults per operation so tests can assert on them.
 *
 * @example
 * const proxy = await FaultProxy.start({
 *   upstream: motoEndpoint(),
 *   seed: 42,
 *   rules: [{ operations: ['DescribeJobs'], rate: 0.3, faults: [{ kind: 'throttle' }] }],
 * });
 * const batch = new BatchClient({ endpoint: proxy.endpoint, retryMode: 'adaptive', maxAttempts: 6 });
 * // … run the code under test …
 * expect(proxy.stats().byOperation.DescribeJobs.faults.throttle).toBeGreaterThan(0);
 * await proxy.close();
 */

/** What a fault does to one request. */
export type FaultKind =
  /** The service's throttling error: Batch (REST-JSON) 429 `TooManyRequestsException`; Logs (JSON 1.1) 400 `ThrottlingException`. */
  | 'throttle'
  /** HTTP 500, the service's internal error. */
  | 'server-error'
  /** HTTP 503 `ServiceUnavailableException`. */
  | 'unavailable'
  /** The connection is destroyed without an answer (the client sees ECONNRESET / socket hang up). */
  | 'reset'
  /** The request is held back for `delayMillis`, then served normally. */
  | 'delay';

/**
 * `before`: the request never reaches the endpoint. `after`: the endpoint handles it and the fault replaces its
 * answer (a lost answer); for `delay`, the answer is held back instead.
 */
export type FaultTiming = 'before' | 'after';

export interface FaultSpec {
  readonly kind: FaultKind;
  /** @default 'before' */
  readonly timing?: FaultTiming;
  /** Relative weight among the rule's faults. @default 1 */
  readonly weight?: number;
  /** For `delay`. @default 200 */
  readonly delayMillis?: number;
}

export interface FaultRule {
  /**
   * Operations the rule applies to, by name (`SubmitJob`, `GetLogEvents`), matched case-insensitively against the
   * `x-amz-target` action (JSON 1.1) or the last path segment (REST, e.g. `/v1/submitjob`).
   * @default - every operation
   */
  readonly operations?: readonly string[];
  /** Fraction of the matching requests that get a fault, 0 to 1. */
  readonly rate: number;
  /** The faults to choose from, by weight. */
  readonly faults: readonly FaultSpec[];
}

export interface FaultProxyOptions {
  /** Where requests go, e.g. `http://127.0.0.1:5000`; must be a loopback address. */
  readonly upstream: string;
  /** Seeds the PRNG that picks faulted requests and their fault, so a run is reproducible. */
  readonly seed: number;
  /** For each request the first rule whose `operations` match decides; no match, no fault. */
  readonly rules: readonly FaultRule[];
  /** No more faults once this many were injected. @default 10_000 */
  readonly maxFaults?: number;
  /** No more faults this long after start: requests only pass through. @default 300_000 */
  readonly faultWindowMillis?: number;
  /** The proxy closes itself this long after start, whatever the test does. @default 600_000 */
  readonly hardStopMillis?: number;
  /** Keep request and response bodies of these operations in `exchanges` (e.g. to see which SubmitJob reached the endpoint). @default [] */
  readonly recordBodiesOf?: readonly string[];
  /**
   * Batch's ListJobs lags behind SubmitJob: its answers leave out every job whose SubmitJob the endpoint answered less
   * than this long ago (answer delivered or lost), as an eventually consistent listing would. @default 0
   */
  readonly listingLagMillis?: number;
}

/** The name a fault is counted under: the kind, prefixed `lost-` when it replaced an answer the endpoint gave. */
export type FaultLabel = FaultKind | `lost-${Exclude<FaultKind, 'delay'>}` | 'delay-after';

/** One request as the proxy saw it. */
export interface Exchange {
  /** 1-based, in order of arrival. */
  readonly sequence: number;
  readonly operation: string;
  /** The SDK's attempt number (`amz-sdk-request: attempt=N`), 1 when absent. */
  readonly attempt: number;
  /** The SDK's `amz-sdk-invocation-id`: one per command, the same on every retry of it. */
  readonly invocationId: string | undefined;
  readonly fault: FaultLabel | undefined;
  /** Whether the endpoint received the request. */
  readonly forwarded: boolean;
  /** The endpoint's status, when it was forwarded and answered. */
  readonly upstreamStatus: number | undefined;
  /** Whether the caller got the endpoint's answer. */
  readonly delivered: boolean;
  /** Only for operations in `recordBodiesOf`: the request body as JSON (or text). */
  readonly requestBody?: unknown;
  /** Only for operations in `recordBodiesOf`: the endpoint's answer as JSON (or text). */
  readonly responseBody?: unknown;
}

export interface OperationStats {
  requests: number;
  /** Requests with an SDK attempt number above 1. */
  retries: number;
  /** Distinct SDK invocations (commands), retries counted once. */
  invocations: number;
  forwarded: number;
  delivered: number;
  faults: Partial<Record<FaultLabel, number>>;
}

export interface ProxyStats {
  readonly requests: number;
  readonly retries: number;
  readonly invocations: number;
  readonly forwarded: number;
  readonly delivered: number;
  readonly faults: number;
  readonly byFault: Partial<Record<FaultLabel, number>>;
  readonly byOperation: Record<string, OperationStats>;
}

const DEFAULT_MAX_FAULTS = 10_000;
const DEFAULT_FAULT_WINDOW_MILLIS = 300_000;
const DEFAULT_HARD_STOP_MILLIS = 600_000;
const DEFAULT_DELAY_MILLIS = 200;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Batch's REST paths (`/v1/<lowercase>`) by the operation names callers use. */
const REST_OPERATIONS = [
  'CancelJob',
  'CreateComputeEnvironment',
  'CreateJobQueue',
  'DescribeComputeEnvironments',
  'DescribeJobDefinitions',
  'DescribeJobQueues',
  'DescribeJobs',
  'ListJobs',
  'RegisterJobDefinition',
  'SubmitJob',
  'TerminateJob',
];
const REST_OPERATION_BY_SEGMENT = new Map(REST_OPERATIONS.map((name) => [name.toLowerCase(), name]));

/** mulberry32: a small, fast, seedable PRNG; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The operation a request calls: the action of `x-amz-target` (JSON 1.1), else the REST path's last segment. */
export function operationOf(method: string, path: string, headers: IncomingHttpHeaders): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target !== '') return target.slice(target.lastIndexOf('.') + 1);
  const segment = path.split('?')[0].split('/').filter((part) => part !== '').pop() ?? '';
  return REST_OPERATION_BY_SEGMENT.get(segment.toLowerCase()) ?? `${method} /${segment}`;
}

const sameOperation = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function labelOf(spec: FaultSpec): FaultLabel {
  if ((spec.timing ?? 'before') === 'before') return spec.kind;
  return spec.kind === 'delay' ? 'delay-after' : `lost-${spec.kind}`;
}

function parseBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function checkOptions(options: FaultProxyOptions): URL {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:' || !LOOPBACK_HOSTS.has(upstream.hostname)) {
    throw new RangeError(`fault proxy upstream must be http on a loopback address, got ${options.upstream}`);
  }
  for (const [index, rule] of options.rules.entries()) {
    if (!(rule.rate >= 0 && rule.rate <= 1)) throw new RangeError(`fault proxy rules[${index}].rate must be between 0 and 1, got ${rule.rate}`);
    if (rule.rate > 0 && rule.faults.length === 0) throw new RangeError(`fault proxy rules[${index}].faults must name at least one fault`);
    if (rule.faults.some((fault) => (fault.weight ?? 1) <= 0)) throw new RangeError(`fault proxy rules[${index}]: every weight must be positive`);
  }
  return upstream;
}

export class FaultProxy {
  /**
   * Starts a proxy on a free port of 127.0.0.1.
   *
   * @example
   * const proxy = await FaultProxy.start({ upstream: 'http://127.0.0.1:5000', seed: 1, rules: [{ rate: 0.3, faults: [{ kind: 'reset' }] }] });
   */
  public static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options, checkOptions(options));
    await proxy.listen();
    return proxy;
  }

  /** `http://127.0.0.1:<port>`, for the SDK clients' `endpoint`. */
  public endpoint = '';

  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly sockets = new Set<Socket>();
  private readonly random: () => number;
  private readonly startedAt = Date.now();
  private readonly log: Exchange[] = [];
  private readonly seenInvocations = new Set<string>();
  private readonly operations: Record<string, OperationStats> = {};
  private readonly seenInvocationsByOperation = new Map<string, Set<string>>();
  private injected = 0;
  /** When the endpoint created each job this proxy saw created (jobId → epoch milliseconds). */
  private readonly jobCreatedAt = new Map<string, number>();
  private hardStop: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: FaultProxyOptions,
    private readonly upstream: URL,
  ) {
    this.random = seededRandom(options.seed);
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`fault proxy: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
    this.server.on('connection', (socket) => {
      // Loopback only, both ways: anything else is refused outright.
      if (!LOOPBACK_HOSTS.has(socket.remoteAddress ?? '') && !(socket.remoteAddress ?? '').startsWith('::ffff:127.')) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Counts so far: requests, retries, distinct invocations and faults, in total and per operation. */
  public stats(): ProxyStats {
    const byFault: Partial<Record<FaultLabel, number>> = {};
    for (const exchange of this.log) {
      if (exchange.fault !== undefined) byFault[exchange.fault] = (byFault[exchange.fault] ?? 0) + 1;
    }
    return {
      requests: this.log.length,
      retries: this.log.filter((exchange) => exchange.attempt > 1).length,
      invocations: this.seenInvocations.size,
      forwarded: this.log.filter((exchange) => exchange.forwarded).length,
      delivered: this.log.filter((exchange) => exchange.delivered).length,
      faults: this.injected,
      byFault,
      byOperation: structuredClone(this.operations),
    };
  }

  /** Every request seen, in order of arrival; only those of `operation` when given. */
  public exchanges(operation?: string): Exchange[] {
    return this.log.filter((exchange) => operation === undefined || sameOperation(exchange.operation, operation));
  }

  /**
   * Requests of `operation` that reached the endpoint and got a 2xx from it, though the caller may never have
   * seen that answer (`delivered: false`): the requests that took effect.
   */
  public accepted(operation: string): Exchange[] {
    return this.exchanges(operation).filter((exchange) => exchange.upstreamStatus !== undefined && exchange.upstreamStatus < 300);
  }

  /**
   * Requests of `operation` the endpoint answered but whose answer the caller never got (a `lost-*` fault): for
   * SubmitJob, the jobs a caller does not know it created.
   */
  public lostAnswers(operation: string): Exchange[] {
    return this.exchanges(operation).filter((exchange) => exchange.forwarded && !exchange.delivered);
  }

  /** Stops listening, drops open connections and waits until the server is closed. Safe to call twice. */
  public close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      clearTimeout(this.hardStop);
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.agent.destroy();
    });
    return this.closing;
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.hardStop = setTimeout(() => void this.close(), this.options.hardStopMillis ?? DEFAULT_HARD_STOP_MILLIS);
    this.hardStop.unref();
  }

  /** The fault for the next request, if any. Two draws per request whatever happens, so the sequence depends only on arrival order. */
  private chooseFault(operation: string): FaultSpec | undefined {
    const decide = this.random();
    const pick = this.random();
    const rule = this.options.rules.find((candidate) => candidate.operations === undefined || candidate.operations.some((name) => sameOperation(name, operation)));
    if (rule === undefined || decide >= rule.rate) return undefined;
    if (this.injected >= (this.options.maxFaults ?? DEFAULT_MAX_FAULTS)) return undefined;
    if (Date.now() - this.startedAt > (this.options.faultWindowMillis ?? DEFAULT_FAULT_WINDOW_MILLIS)) return undefined;
    const total = rule.faults.reduce((sum, fault) => sum + (fault.weight ?? 1), 0);
    let threshold = pick * total;
    for (const fault of rule.faults) {
      threshold -= fault.weight ?? 1;
      if (threshold < 0) return fault;
    }
    return rule.faults[rule.faults.length - 1];
  }

  private statsOf(operation: string): OperationStats {
    this.operations[operation] ??= { requests: 0, retries: 0, invocations: 0, forwarded: 0, delivered: 0, faults: {} };
    return this.operations[operation];
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readAll(request);
    const path = request.url ?? '/';
    const operation = operationOf(request.method ?? 'GET', path, request.headers);
    const attempt = Number(/attempt=(\d+)/.exec(String(request.headers['amz-sdk-request'] ?? ''))?.[1] ?? 1);
    const invocationHeader = request.headers['amz-sdk-invocation-id'];
    const invocationId = typeof invocationHeader === 'string' ? invocationHeader : undefined;
    const fault = this.chooseFault(operation);
    if (fault !== undefined) this.injected++;
    const timing = fault?.timing ?? 'before';
    const keepBodies = (this.options.recordBodiesOf ?? []).some((name) => sameOperation(name, operation));

    const stats = this.statsOf(operation);
    stats.requests++;
    if (attempt > 1) stats.retries++;
    if (invocationId !== undefined) {
      this.seenInvocations.add(invocationId);
      const seen = this.seenInvocationsByOperation.get(operation) ?? new Set<string>();
      seen.add(invocationId);
      this.seenInvocationsByOperation.set(operation, seen);
      stats.invocations = seen.size;
    }
    const exchange: { -readonly [K in keyof Exchange]: Exchange[K] } = {
      sequence: this.log.length + 1,
      operation,
      attempt,
      invocationId,
      fault: fault && labelOf(fault),
      forwarded: false,
      upstreamStatus: undefined,
      delivered: false,
      ...(keepBodies && { requestBody: parseBody(body) }),
    };
    this.log.push(exchange);
    if (exchange.fault !== undefined) stats.faults[exchange.fault] = (stats.faults[exchange.fault] ?? 0) + 1;

    const delay = (fault?.kind === 'delay' && (fault.delayMillis ?? DEFAULT_DELAY_MILLIS)) || 0;
    if (fault !== undefined && timing === 'before') {
      if (fault.kind !== 'delay') {
        this.fail(fault.kind, request, response);
        return;
      }
      await sleep(delay);
    }

    const answer = await this.forward(request, path, body);
    if (sameOperation(operation, 'SubmitJob') && answer.status < 300) {
      const jobId = (parseBody(answer.body) as { jobId?: unknown } | undefined)?.jobId;
      if (typeof jobId === 'string') this.jobCreatedAt.set(jobId, Date.now());
    }
    if (sameOperation(operation, 'ListJobs') && answer.status < 300 && (this.options.listingLagMillis ?? 0) > 0) {
      answer.body = this.hideYoungJobs(answer.body);
      answer.headers['content-length'] = String(answer.body.length);
    }
    exchange.forwarded = true;
    exchange.upstreamStatus = answer.status;
    stats.forwarded++;
    if (keepBodies) exchange.responseBody = parseBody(answer.body);

    if (fault !== undefined && timing === 'after') {
      if (fault.kind !== 'delay') {
        this.fail(fault.kind, request, response);
        return;
      }
      await sleep(delay);
    }
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
    exchange.delivered = true;
    stats.delivered++;
  }

  /** A ListJobs answer without the jobs created less than `listingLagMillis` ago. */
  private hideYoungJobs(body: Buffer): Buffer {
    const listed = parseBody(body) as { jobSummaryList?: Array<{ jobId?: string }> } | string;
    if (typeof listed !== 'object' || listed === null || !Array.isArray(listed.jobSummaryList)) return body;
    const listedBefore = Date.now() - (this.options.listingLagMillis ?? 0);
    const jobSummaryList = listed.jobSummaryList.filter((job) => (this.jobCreatedAt.get(job.jobId ?? '') ?? 0) <= listedBefore);
    return Buffer.from(JSON.stringify({ ...listed, jobSummaryList }));
  }

  private forward(request: IncomingMessage, path: string, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          agent: this.agent,
          hostname: this.upstream.hostname,
          port: this.upstream.port,
          method: request.method,
          path,
          headers: { ...request.headers, 'content-length': String(body.length) },
        },
        (incoming) => {
          readAll(incoming).then(
            (answer) => {
              // Hop-by-hop headers stay with this hop; node sets its own framing for the client.
              const headers = { ...incoming.headers };
              delete headers.connection;
              delete headers['keep-alive'];
              delete headers['transfer-encoding'];
              headers['content-length'] = String(answer.length);
              resolve({ status: incoming.statusCode ?? 502, headers, body: answer });
            },
            reject,
          );
        },
      );
      outgoing.once('error', reject);
      outgoing.end(body);
    });
  }

  /** Answers with the fault, in the protocol of the service the request is for. */
  private fail(kind: Exclude<FaultKind, 'delay'>, request: IncomingMessage, response: ServerResponse): void {
    if (kind === 'reset') {
      request.socket.destroy();
      return;
    }
    // JSON 1.0 and 1.1 (Logs, DynamoDB) name the operation in x-amz-target; REST-JSON (Batch) in the path.
    const awsJson = typeof request.headers['x-amz-target'] === 'string';
    const requestType = String(request.headers['content-type'] ?? '');
    const [status, type, message] =
      kind === 'throttle'
        ? awsJson
          ? [400, 'ThrottlingException', 'Rate exceeded']
          : [429, 'TooManyRequestsException', 'Too Many Requests']
        : kind === 'server-error'
          ? [500, awsJson ? 'InternalFailure' : 'ServerException', 'injected internal error']
          : [503, 'ServiceUnavailableException', 'injected service unavailable'];
    const body = JSON.stringify(awsJson ? { __type: type, message } : { message });
    response.writeHead(status, {
      'content-type': awsJson ? (requestType.startsWith('application/x-amz-json') ? requestType : 'application/x-amz-json-1.1') : 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      // REST-JSON names the error in a header; JSON 1.1 in the body's `__type`.
      ...(!awsJson && { 'x-amzn-errortype': type }),
      'x-amzn-requestid': `fault-${this.log.length}`,
    });
    response.end(body);
  }
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}
