import type { BatchClient } from '@aws-sdk/client-batch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { batchClient, logsClient } from '../../../lambda/aws/clients';
import { FaultProxy, type FaultProxyOptions, type FaultRule } from '../../faults/proxy';
import { motoEndpoint } from '../moto/aws';

/**
 * What the fault figures share: a fault proxy in front of moto, the handlers' own SDK clients pointed at it, and a
 * caller that retries a failed invocation the way a Step Functions `Retry` on throttling and service errors would.
 */

/** The clients of `lambda/aws/clients.ts` (adaptive retries, 6 attempts, its timeouts), sending to `proxy`. */
export interface ProxiedClients {
  readonly batch: BatchClient;
  readonly logs: CloudWatchLogsClient;
  /** Points the SDK back where it pointed before. */
  readonly restore: () => void;
}

/**
 * The handlers' production clients, unchanged but for their endpoint: `AWS_ENDPOINT_URL`, which the SDK reads on
 * each client's first request. The clients are created once per module registry, i.e. once per test file, so a
 * file starts one proxy and keeps it.
 */
export function proxiedClients(proxy: FaultProxy): ProxiedClients {
  const restore = pointSdkAt(proxy);
  return { batch: batchClient(), logs: logsClient(), restore };
}

/**
 * Sends every SDK client that has not made its first request yet (any module registry) to `proxy`, through
 * `AWS_ENDPOINT_URL`; the function returned points them back where they pointed before.
 */
export function pointSdkAt(proxy: FaultProxy): () => void {
  const previous = process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ENDPOINT_URL = proxy.endpoint;
  return () => {
    if (previous === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = previous;
  };
}

export function startProxy(options: Omit<FaultProxyOptions, 'upstream'>): Promise<FaultProxy> {
  return FaultProxy.start({ upstream: motoEndpoint(), ...options });
}

/** The retry settings a client resolved: the strategy's `mode` is what the SDK actually retries with. */
export async function retrySettings(client: BatchClient | CloudWatchLogsClient): Promise<{ strategy: string; maxAttempts: number }> {
  const config = client.config as unknown as { maxAttempts: () => Promise<number>; retryStrategy: () => Promise<{ mode?: string }> };
  return { strategy: (await config.retryStrategy()).mode ?? 'unknown', maxAttempts: await config.maxAttempts() };
}

const THROTTLING_NAMES = new Set(['ThrottlingException', 'TooManyRequestsException', 'Throttling', 'RequestLimitExceeded']);
const NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED']);

/**
 * Whether a caller should invoke again: throttling, a 5xx, a dropped connection or a timeout that outlived the
 * SDK's own attempts. Anything else (a `PendantError`, a `TypeError`) is the handler's real answer or a crash.
 */
export function isRetryableFailure(error: unknown): boolean {
  const fault = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  // Under jest, an error Node's own sockets raise comes from outside the test's realm (it is not `instanceof Error`
  // there), so the SDK wraps it as "AWS SDK error wrapper for TimeoutError: socket hang up", losing its name and
  // code, and does not retry it itself. On Lambda there is one realm and the SDK retries these.
  if (String(fault?.message ?? '').startsWith('AWS SDK error wrapper for ')) return true;
  const status = fault?.$metadata?.httpStatusCode;
  return (
    THROTTLING_NAMES.has(String(fault?.name)) ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    NETWORK_CODES.has(String(fault?.code)) ||
    fault?.name === 'TimeoutError'
  );
}

export interface Caller {
  /** Invocations made, first tries and retries. */
  invocations: number;
  /** Invocations repeated after a retryable failure. */
  retries: number;
  /** The error names of the failures retried, counted. */
  retriedFailures: Record<string, number>;
}

export function newCaller(): Caller {
  return { invocations: 0, retries: 0, retriedFailures: {} };
}

/** Invokes `fn` until it answers, repeating it (at most `attempts` times in all) only after a retryable failure. */
export async function invokeRetrying<T>(caller: Caller, fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    caller.invocations++;
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isRetryableFailure(error)) throw error;
      caller.retries++;
      const name = (error as { name?: string }).name ?? 'Error';
      caller.retriedFailures[name] = (caller.retriedFailures[name] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** Maps `items` through `fn` with `limit` in flight, like a Step Functions Map state; results in item order. */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Every kind of fault on `rate` of the requests: by weight 2 throttle, 1 HTTP 500, 1 HTTP 503, 1 reset before
 * forwarding, and lost answers — 2 resets and 1 HTTP 503 after the endpoint served the request (3 in 8 faults).
 */
export function mixedFaults(rate: number): FaultRule {
  return {
    rate,
    faults: [
      { kind: 'throttle', weight: 2 },
      { kind: 'server-error' },
      { kind: 'unavailable' },
      { kind: 'reset' },
      { kind: 'reset', timing: 'after', weight: 2 },
      { kind: 'unavailable', timing: 'after' },
    ],
  };
}

/** `mixedFaults` in words, for a figure's description. */
export const MIXED_FAULTS_TEXT =
  'by weight 2 throttle, 1 HTTP 500, 1 HTTP 503, 1 reset before forwarding, 2 reset after forwarding (lost answer), 1 HTTP 503 after forwarding (lost answer)';

/**
 * Starts a proxy that throttles `rate` of every request before the file's tests, and points the handlers' production
 * clients at it; stops it after them. Returns a getter for both.
 */
export function throttlingProxyForFile(seed: number, rate: number): () => { proxy: FaultProxy; clients: ProxiedClients } {
  let proxy: FaultProxy | undefined;
  let clients: ProxiedClients | undefined;
  beforeAll(async () => {
    proxy = await startProxy({ seed, rules: [{ rate, faults: [{ kind: 'throttle' }] }] });
    clients = proxiedClients(proxy);
  });
  afterAll(async () => {
    clients?.restore();
    await proxy?.close();
  });
  return () => ({ proxy: proxy!, clients: clients! });
}
