import { createServer, type IncomingHttpHeaders, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FaultProxyOptions, FaultProxy, operationOf, seededRandom } from './proxy';

/** A tiny upstream that echoes what it received and remembers every request body. */
async function startEcho(): Promise<{ endpoint: string; received: string[]; close: () => Promise<void> }> {
  const received: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push(body);
      const answer = JSON.stringify({ path: request.url, target: request.headers['x-amz-target'] ?? null, body });
      response.writeHead(200, { 'content-type': 'application/json', 'x-echo': 'yes' });
      response.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request on a fresh connection; rejects with the socket error (ECONNRESET) when the proxy resets. */
function send(endpoint: string, options: { path?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const url = new URL(options.path ?? '/v1/describejobs', endpoint);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: 'POST', agent: false, headers: options.headers ?? {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(options.body ?? '{}');
  });
}

const LOGS = { 'x-amz-target': 'Logs_20140328.GetLogEvents', 'content-type': 'application/x-amz-json-1.1' };

describe('FaultProxy', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  const proxies: FaultProxy[] = [];

  beforeEach(async () => {
    echo = await startEcho();
  });

  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    await echo.close();
  });

  async function start(options: Omit<FaultProxyOptions, 'upstream' | 'seed'> & { seed?: number }): Promise<FaultProxy> {
    const proxy = await FaultProxy.start({ upstream: echo.endpoint, seed: 7, ...options });
    proxies.push(proxy);
    return proxy;
  }

  it('listens on a free port of 127.0.0.1 and passes requests through unchanged when no rule matches', async () => {
    const proxy = await start({ rules: [{ operations: ['SubmitJob'], rate: 1, faults: [{ kind: 'throttle' }] }] });

    const answer = await send(proxy.endpoint, { path: '/v1/describejobs', body: '{"jobs":["a"]}' });

    expect(proxy.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(answer.status).toBe(200);
    expect(answer.headers['x-echo']).toBe('yes');
    expect(JSON.parse(answer.body)).toEqual({ path: '/v1/describejobs', target: null, body: '{"jobs":["a"]}' });
    expect(proxy.stats()).toMatchObject({ requests: 1, forwarded: 1, delivered: 1, faults: 0, byOperation: { DescribeJobs: { requests: 1, faults: {} } } });
  });

  describe('faults', () => {
    it('answers a REST-JSON (Batch) request with 429 TooManyRequestsException', async () => {
      const proxy = await start({ rules: [{ rate: 1, faults: [{ kind: 'throttle' }] }] });

      const answer = await send(proxy.endpoint, { path: '/v1/submitjob' });

      expect(answer.status).toBe(429);
      expect(answer.headers['x-amzn-errortype']).toBe('TooManyRequestsException');
      expect(JSON.parse(answer.body)).toEqual({ message: expect.any(String) });
      expect(echo.received).toEqual([]);
      expect(proxy.stats().byOperation.SubmitJob.faults).toEqual({ throttle: 1 });
    });

    it('answers a JSON 1.1 (CloudWatch Logs) request with 400 ThrottlingException', async () => {
      const proxy = await start({ rules: [{ rate: 1, faults: [{ kind: 'throttle' }] }] });

      const answer = await send(proxy.endpoint, { path: '/', headers: LOGS });

      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(JSON.parse(answer.body)).toEqual({ __type: 'ThrottlingException', message: expect.any(String) });
      expect(proxy.stats().byOperation.GetLogEvents.faults).toEqual({ throttle: 1 });
    });

    it.each([
      ['server-error', 500],
      ['unavailable', 503],
    ] as const)('answers %s with HTTP %d without forwarding', async (kind, status) => {
      const proxy = await start({ rules: [{ rate: 1, faults: [{ kind }] }] });

      const answer = await send(proxy.endpoint);

      expect(answer.status).toBe(status);
      expect(echo.received).toEqual([]);
      expect(proxy.stats().byFault).toEqual({ [kind]: 1 });
    });

    it('resets the connection before forwarding: the upstream never sees the request', async () => {
      const proxy = await start({ rules: [{ rate: 1, faults: [{ kind: 'reset' }] }] });

      await expect(send(proxy.endpoint)).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(echo.received).toEqual([]);
      expect(proxy.exchanges()).toEqual([expect.objectContaining({ operation: 'DescribeJobs', fault: 'reset', forwarded: false, delivered: false })]);
    });

    it('loses the answer after forwarding: the upstream did the work, the caller hears a reset or a 5xx', async () => {
      const proxy = await start({
        rules: [{ operations: ['SubmitJob'], rate: 1, faults: [{ kind: 'reset', timing: 'after' }, { kind: 'unavailable', timing: 'after' }] }],
        recordBodiesOf: ['SubmitJob'],
      });

      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, index) => send(proxy.endpoint, { path: '/v1/submitjob', body: `{"jobName":"j${index}"}` })));

      expect(echo.received.sort()).toEqual(Array.from({ length: 6 }, (_, index) => `{"jobName":"j${index}"}`).sort());
      expect(outcomes.every((outcome) => outcome.status === 'rejected' || outcome.value.status === 503)).toBe(true);
      const stats = proxy.stats();
      expect((stats.byFault['lost-reset'] ?? 0) + (stats.byFault['lost-unavailable'] ?? 0)).toBe(6);
      expect(stats.delivered).toBe(0);
      const accepted = proxy.accepted('SubmitJob');
      expect(accepted).toHaveLength(6);
      expect(accepted.every((exchange) => exchange.forwarded && !exchange.delivered && exchange.upstreamStatus === 200)).toBe(true);
      expect(accepted.map((exchange) => (exchange.requestBody as { jobName: string }).jobName).sort()).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5']);
      expect(accepted[0].responseBody).toEqual(expect.objectContaining({ path: '/v1/submitjob' }));
      expect(proxy.lostAnswers('SubmitJob')).toEqual(accepted);
    });

    it('delays a request, then serves it', async () => {
      const proxy = await start({ rules: [{ rate: 1, faults: [{ kind: 'delay', delayMillis: 150 }] }] });
      const started = Date.now();

      const answer = await send(proxy.endpoint);

      expect(answer.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(proxy.exchanges()[0]).toMatchObject({ fault: 'delay', forwarded: true, delivered: true });
    });

    it('faults only the operations a rule names, matched case-insensitively on the REST path and the x-amz-target action', async () => {
      const proxy = await start({ rules: [{ operations: ['submitjob', 'GETLOGEVENTS'], rate: 1, faults: [{ kind: 'server-error' }] }] });

      const statuses = [
        (await send(proxy.endpoint, { path: '/v1/submitjob' })).status,
        (await send(proxy.endpoint, { path: '/v1/describejobs' })).status,
        (await send(proxy.endpoint, { path: '/', headers: LOGS })).status,
        (await send(proxy.endpoint, { path: '/', headers: { 'x-amz-target': 'Logs_20140328.PutLogEvents' } })).status,
      ];

      expect(statuses).toEqual([500, 200, 500, 200]);
      expect(Object.keys(proxy.stats().byOperation).sort()).toEqual(['DescribeJobs', 'GetLogEvents', 'PutLogEvents', 'SubmitJob']);
    });
  });

  describe('reproducibility and bounds', () => {
    async function faultSequence(seed: number): Promise<Array<string | undefined>> {
      const proxy = await start({ seed, rules: [{ rate: 0.3, faults: [{ kind: 'server-error' }, { kind: 'unavailable', weight: 2 }] }] });
      for (let index = 0; index < 200; index++) await send(proxy.endpoint);
      return proxy.exchanges().map((exchange) => exchange.fault);
    }

    it('injects the same faults in the same order for the same seed, at about the rate asked', async () => {
      const first = await faultSequence(42);
      const again = await faultSequence(42);
      const other = await faultSequence(43);

      expect(again).toEqual(first);
      expect(other).not.toEqual(first);
      const faulted = first.filter((fault) => fault !== undefined).length;
      expect(faulted).toBeGreaterThan(200 * 0.2);
      expect(faulted).toBeLessThan(200 * 0.4);
      // Weights: about twice as many 503s as 500s.
      expect(first.filter((fault) => fault === 'unavailable').length).toBeGreaterThan(first.filter((fault) => fault === 'server-error').length);
    });

    it('stops injecting after maxFaults', async () => {
      const proxy = await start({ maxFaults: 3, rules: [{ rate: 1, faults: [{ kind: 'server-error' }] }] });

      const statuses = [];
      for (let index = 0; index < 6; index++) statuses.push((await send(proxy.endpoint)).status);

      expect(statuses).toEqual([500, 500, 500, 200, 200, 200]);
      expect(proxy.stats().faults).toBe(3);
    });

    it('stops injecting once the fault window is over', async () => {
      const proxy = await start({ faultWindowMillis: 100, rules: [{ rate: 1, faults: [{ kind: 'server-error' }] }] });

      const before = (await send(proxy.endpoint)).status;
      await new Promise((resolve) => setTimeout(resolve, 150));
      const after = (await send(proxy.endpoint)).status;

      expect([before, after]).toEqual([500, 200]);
    });

    it('closes itself at the hard stop', async () => {
      const proxy = await start({ hardStopMillis: 100, rules: [] });
      await new Promise((resolve) => setTimeout(resolve, 150));

      await expect(send(proxy.endpoint)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('throws when the upstream is not on loopback', async () => {
      await expect(FaultProxy.start({ upstream: 'http://example.com:80', seed: 1, rules: [] })).rejects.toThrow(
        'fault proxy upstream must be http on a loopback address, got http://example.com:80',
      );
    });

    it('throws when a rate is outside 0 to 1', async () => {
      await expect(FaultProxy.start({ upstream: echo.endpoint, seed: 1, rules: [{ rate: 1.5, faults: [{ kind: 'reset' }] }] })).rejects.toThrow(
        'fault proxy rules[0].rate must be between 0 and 1, got 1.5',
      );
    });
  });

  it('counts retries and invocations from the SDK headers', async () => {
    const proxy = await start({ rules: [] });
    const headers = (id: string, attempt: number) => ({ 'amz-sdk-invocation-id': id, 'amz-sdk-request': `attempt=${attempt}; max=6` });

    await send(proxy.endpoint, { headers: headers('a', 1) });
    await send(proxy.endpoint, { headers: headers('a', 2) });
    await send(proxy.endpoint, { headers: headers('b', 1) });

    expect(proxy.stats()).toMatchObject({ requests: 3, retries: 1, invocations: 2, byOperation: { DescribeJobs: { requests: 3, retries: 1, invocations: 2 } } });
  });
});

describe('operationOf', () => {
  it('reads the action of x-amz-target, else the REST path', () => {
    expect(operationOf('POST', '/', { 'x-amz-target': 'Logs_20140328.GetLogEvents' })).toBe('GetLogEvents');
    expect(operationOf('POST', '/v1/terminatejob', {})).toBe('TerminateJob');
    expect(operationOf('GET', '/moto-api/data.json?x=1', {})).toBe('GET /data.json');
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const values = Array.from({ length: 1_000 }, () => a());
    expect(Array.from({ length: 1_000 }, () => b())).toEqual(values);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});

describe('FaultProxy › listingLagMillis', () => {
  it('leaves out of ListJobs the jobs created less than the lag ago, and lists them once it has passed', async () => {
    // A Batch-like upstream: SubmitJob creates a job, ListJobs lists every job created.
    const jobs: string[] = [];
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        if (request.url === '/v1/submitjob') jobs.push(`job-${jobs.length + 1}`);
        const body = request.url === '/v1/submitjob' ? { jobId: jobs[jobs.length - 1], jobName: 'n' } : { jobSummaryList: jobs.map((jobId) => ({ jobId })) };
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const proxy = await FaultProxy.start({ upstream: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seed: 1, rules: [], listingLagMillis: 400 });
    try {
      const listed = async () => (JSON.parse((await send(proxy.endpoint, { path: '/v1/listjobs' })).body) as { jobSummaryList: Array<{ jobId: string }> }).jobSummaryList.map((job) => job.jobId);
      await send(proxy.endpoint, { path: '/v1/submitjob' });

      expect(await listed()).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 450));
      expect(await listed()).toEqual(['job-1']);
    } finally {
      await proxy.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
