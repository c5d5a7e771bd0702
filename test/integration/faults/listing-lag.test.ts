import { BatchClient, DescribeJobsCommand, JobStatus, ListJobsCommand, type JobDetail } from '@aws-sdk/client-batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { SdkBatchGateway } from '../../../lambda/aws/batch';
import { DynamoDbAttemptLedger, PowertoolsIdempotency } from '../../../lambda/aws/idempotency';
import { IDEMPOTENCY_TAG } from '../../../lambda/core/submit';
import { createHandler } from '../../../lambda/handlers/submit';
import { type SubmitResponse } from '../../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../../lib/model/config';
import type { FaultProxy, FaultRule } from '../../faults/proxy';
import { CREDENTIALS, motoClients, motoEndpoint, REGION, resetMoto } from '../moto/aws';
import { createBatchEnvironment, createIdempotencyTable } from '../moto/fixtures';
import { isRetryableFailure, newCaller, startProxy, type Caller } from './harness';
import { recordFigure } from './report';

/** ListJobs lags behind SubmitJob by these, each with its own proxy, all at once. */
const LAGS_MILLIS = [0, 1_500, 2_000, 3_000, 7_000, 10_000];
const KEYS_PER_LAG = 60;
/** The bound the functions are deployed with for this figure: above the longest lag injected, shorter than 30 s. */
const LAG_BOUND_SECONDS = 12;
/** A short Lambda timeout, so that the longer lags outlast an invocation and the next one decides. */
const INVOCATION_MILLIS = 8_000;
const SEED = 20_261_201;
const TABLE = 'pendant-idempotency-lag';

/**
 * 60 % of the SubmitJob requests fail: 5 in 6 of them after moto created the job (the answer is lost: a reset or a
 * 503), 1 in 6 before (a reset: no job). Nothing else is faulted, so every duplicate would be the lag's doing.
 */
const SUBMIT_FAULTS: FaultRule = {
  operations: ['SubmitJob'],
  rate: 0.6,
  faults: [
    { kind: 'reset', timing: 'after', weight: 2 },
    { kind: 'unavailable', timing: 'after', weight: 3 },
    { kind: 'reset', weight: 1 },
  ],
};

const keyHash = (key: string) => createHash('sha256').update(key).digest('hex');

function context(): Context {
  const deadline = Date.now() + INVOCATION_MILLIS;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as Context;
}

/** A caller that retries what submit answers as retryable: service faults, a held key, an outcome not known yet. */
async function submitUntilAnswered(caller: Caller, handler: ReturnType<typeof createHandler>, key: string): Promise<SubmitResponse> {
  for (let attempt = 1; ; attempt++) {
    caller.invocations++;
    try {
      return await handler({ jobDefinition: 'align', idempotencyKey: key }, context());
    } catch (error) {
      const name = (error as Error).name;
      const retry = isRetryableFailure(error) || name === 'IdempotencyInProgressError' || name === 'SubmissionOutcomeUnknownError';
      if (!retry || attempt >= 40) throw error;
      caller.retries++;
      caller.retriedFailures[name] = (caller.retriedFailures[name] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

async function jobsInMoto(batch: BatchClient, jobQueue: string): Promise<JobDetail[]> {
  const ids = new Set<string>();
  for (const jobStatus of Object.values(JobStatus)) {
    for (const job of (await batch.send(new ListJobsCommand({ jobQueue, jobStatus }))).jobSummaryList ?? []) ids.add(job.jobId!);
  }
  const all = [...ids];
  const jobs: JobDetail[] = [];
  for (let start = 0; start < all.length; start += 100) jobs.push(...((await batch.send(new DescribeJobsCommand({ jobs: all.slice(start, start + 100) }))).jobs ?? []));
  return jobs;
}

interface LagRun {
  readonly lag: number;
  readonly keys: string[];
  readonly answers: SubmitResponse[];
  readonly caller: Caller;
  readonly proxy: FaultProxy;
  readonly wallMillis: number;
}

describe('Faults: keyed submit while ListJobs lags 0 to 10 s behind SubmitJob and SubmitJob answers are lost', () => {
  const proxies: FaultProxy[] = [];

  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it('starts exactly one job per key at every lag, and answers every key with it', async () => {
    await resetMoto();
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    const dynamodb = new DynamoDBClient({ endpoint: motoEndpoint(), region: REGION, credentials: CREDENTIALS });
    await createIdempotencyTable(dynamodb, TABLE);
    const config = new RuntimeConfig(
      encodeConfig({
        jobDefinitions: { align: { definition: `${environment.jobDefinitionName}:${environment.revision}` } },
        jobQueues: [environment.jobQueueArn],
        idempotencyTable: TABLE,
        listJobsLagBoundSeconds: LAG_BOUND_SECONDS,
      }),
    );

    const started = Date.now();
    const runs = await Promise.all(
      LAGS_MILLIS.map(async (lag, index): Promise<LagRun> => {
        const proxy = await startProxy({ seed: SEED + index, rules: [SUBMIT_FAULTS], listingLagMillis: lag });
        proxies.push(proxy);
        // The production adapters and retry settings (lambda/aws/clients.ts), the Batch client sent through this lag's proxy.
        const batch = new BatchClient({ endpoint: proxy.endpoint, region: REGION, credentials: CREDENTIALS, retryMode: 'adaptive', maxAttempts: 6 });
        const handler = createHandler({
          config,
          batch: new SdkBatchGateway(batch),
          idempotency: new PowertoolsIdempotency(TABLE, config.idempotencyWindowSeconds, dynamodb),
          attempts: new DynamoDbAttemptLedger(TABLE, config.idempotencyWindowSeconds, dynamodb),
        });
        const keys = Array.from({ length: KEYS_PER_LAG }, (_, key) => `lag-${lag}/sample-${String(key).padStart(2, '0')}`);
        const caller = newCaller();
        const answers = await Promise.all(keys.map((key) => submitUntilAnswered(caller, handler, key)));
        return { lag, keys, answers, caller, proxy, wallMillis: Date.now() - started };
      }),
    );
    const wallMillis = Date.now() - started;

    const jobs = await jobsInMoto(fixtures.batch, environment.jobQueueArn);
    const jobsByHash = new Map<string, string[]>();
    for (const job of jobs) {
      const hash = job.tags?.[IDEMPOTENCY_TAG] ?? '';
      jobsByHash.set(hash, [...(jobsByHash.get(hash) ?? []), job.jobId!]);
    }
    const details: Array<[string, string]> = [];
    let lost = 0;
    for (const run of runs) {
      // One job per key, the one the key was answered with: no duplicate at this lag.
      run.keys.forEach((key, index) => expect(jobsByHash.get(keyHash(key))).toEqual([run.answers[index].jobId]));
      const lostAnswers = run.proxy.lostAnswers('SubmitJob').length;
      const notCreated = run.proxy.exchanges('SubmitJob').filter((exchange) => !exchange.forwarded).length;
      expect(run.proxy.accepted('SubmitJob')).toHaveLength(KEYS_PER_LAG);
      lost += lostAnswers;
      details.push([
        `ListJobs ${(run.lag / 1000).toFixed(1)} s behind`,
        `${KEYS_PER_LAG} keys → ${KEYS_PER_LAG} jobs, 0 duplicates; SubmitJob answers lost after the job was created ${lostAnswers}, SubmitJob reset before reaching moto ${notCreated}; caller retries ${JSON.stringify(run.caller.retriedFailures)}; done after ${(run.wallMillis / 1000).toFixed(1)} s`,
      ]);
    }
    // The dangerous case happened at every lag.
    for (const run of runs) expect(run.proxy.lostAnswers('SubmitJob').length).toBeGreaterThan(0);
    expect(jobs).toHaveLength(LAGS_MILLIS.length * KEYS_PER_LAG);

    const stats = runs.map((run) => run.proxy.stats());
    const sum = (pick: (s: (typeof stats)[number]) => number) => stats.reduce((total, s) => total + pick(s), 0);
    const byFault: Record<string, number> = {};
    for (const s of stats) for (const [label, n] of Object.entries(s.byFault)) byFault[label] = (byFault[label] ?? 0) + (n ?? 0);
    recordFigure({
      figure: 5,
      title: `Keyed submit while ListJobs lags 0–10 s and SubmitJob answers are lost`,
      guarantee: `0 duplicates: ${LAGS_MILLIS.length * KEYS_PER_LAG} keys, exactly one job each in moto, every key answered with its job, at every lag`,
      faults:
        `ListJobs leaves out jobs created less than ${LAGS_MILLIS.map((lag) => lag / 1000).join(', ')} s ago (the proxy's listingLagMillis, one proxy per lag, all at once); ` +
        `60 % of SubmitJob requests faulted, by weight 2 reset and 3 HTTP 503 after moto created the job (lost answer), 1 reset before (no job) (seeds ${SEED}–${SEED + LAGS_MILLIS.length - 1}); ` +
        `the functions deployed with a ListJobs lag bound of ${LAG_BOUND_SECONDS} s (the default is 30 s; shorter here to keep the run short, still above every lag injected) and ${INVOCATION_MILLIS / 1000} s invocations`,
      proxy: {
        requests: sum((s) => s.requests),
        retries: sum((s) => s.retries),
        invocations: sum((s) => s.invocations),
        faults: sum((s) => s.faults),
        byFault,
      },
      callerRetries: runs.reduce((total, run) => total + run.caller.retries, 0),
      wallMillis,
      details: [['SubmitJob answers lost after the job was created, all lags', lost], ...details],
    });
  }, 300_000);
});
