import { SdkBatchGateway } from '../../../lambda/aws/batch';
import { createHandler } from '../../../lambda/handlers/status';
import { StatusResponse } from '../../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../../lib/model/config';
import { motoClients, resetMoto } from '../moto/aws';
import { createBatchEnvironment, submitJobs } from '../moto/fixtures';
import { invokeRetrying, mapConcurrently, newCaller, retrySettings, throttlingProxyForFile } from './harness';
import { recordFigure } from './report';

const JOBS = 1_000;
/**
 * Status calls over the same 1,000 jobs, one after another through the same client, so the figure rests on 30
 * DescribeJobs calls rather than 10. Each throttle also slows the adaptive client down (its token bucket can fall to
 * 0.5 requests a second), so rounds cost seconds each.
 */
const ROUNDS = 3;
const THROTTLE_RATE = 0.3;
const SEED = 20_240_602;

describe('Faults: status of 1,000 jobs through 30 % throttling', () => {
  const throttled = throttlingProxyForFile(SEED, THROTTLE_RATE);

  it('answers every job exactly once, none missing or duplicated, in the order asked', async () => {
    const { proxy, clients } = throttled();
    await resetMoto();
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    const jobIds = await submitJobs(fixtures.batch, environment, JOBS);
    const config = new RuntimeConfig(encodeConfig({ jobDefinitions: { align: { definition: `${environment.jobDefinitionName}:1` } }, jobQueues: [environment.jobQueueArn] }));
    const handler = createHandler({ config, batch: new SdkBatchGateway(clients.batch) });
    const caller = newCaller();
    // Each round asks in another order, so a response that merely echoed a previous one would not pass.
    const orders = Array.from({ length: ROUNDS }, (_, round) => rotate(jobIds, round * 97));

    const started = Date.now();
    const responses = await mapConcurrently(orders, 1, (asked) => invokeRetrying(caller, () => handler({ jobIds: asked }) as Promise<StatusResponse>));
    const wallMillis = Date.now() - started;

    for (const [round, response] of responses.entries()) {
      expect(response.notFound).toEqual([]);
      expect(response.jobs.map((job) => job.jobId)).toEqual(orders[round]);
      expect(new Set(response.jobs.map((job) => job.jobId)).size).toBe(JOBS);
      expect(response.jobs.every((job) => job.status === 'SUCCEEDED')).toBe(true);
    }
    // The same call with no proxy and no faults, for scale.
    const direct = createHandler({ config, batch: new SdkBatchGateway(fixtures.batch) });
    const directStarted = Date.now();
    const baseline = (await direct({ jobIds })) as StatusResponse;
    const directMillis = Date.now() - directStarted;
    expect(baseline.jobs).toHaveLength(JOBS);

    const stats = proxy.stats();
    const describeJobs = stats.byOperation.DescribeJobs;
    // ceil(1,000 / 100) calls a round, however many attempts each took (a round the caller repeated may have made
    // fewer before it failed).
    expect(describeJobs.invocations).toBeGreaterThanOrEqual((JOBS / 100) * ROUNDS);
    expect(describeJobs.invocations).toBeLessThanOrEqual((JOBS / 100) * caller.invocations);
    expect(describeJobs.faults.throttle ?? 0).toBeGreaterThan(0);
    expect(describeJobs.requests).toBe(describeJobs.invocations + describeJobs.retries);

    recordFigure({
      figure: 2,
      title: 'Status of 1,000 jobs through 30 % throttling',
      guarantee: `every job answered once, none missing or duplicated, ${ROUNDS} rounds`,
      faults: `${THROTTLE_RATE * 100} % of all requests answered 429 TooManyRequestsException before reaching moto (seed ${SEED})`,
      proxy: stats,
      callerRetries: caller.retries,
      wallMillis,
      details: [
        ['Jobs (created directly in moto, SUCCEEDED)', JOBS],
        ['Status invocations (rounds, each asking all 1,000 ids in another order)', caller.invocations],
        ['DescribeJobs calls (SDK invocations)', describeJobs.invocations],
        ['DescribeJobs requests (attempts)', describeJobs.requests],
        ['Throttled requests', describeJobs.faults.throttle ?? 0],
        ['Job answers checked', JOBS * ROUNDS],
        ['Mean wall time per status call of 1,000 jobs', `${Math.round(wallMillis / caller.invocations)} ms (${directMillis} ms straight to moto, no faults)`],
        ['Client retry settings', JSON.stringify(await retrySettings(clients.batch))],
      ],
    });
  }, 90_000);
});

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
