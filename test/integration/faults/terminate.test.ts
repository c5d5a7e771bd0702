import { DescribeJobsCommand, type BatchClient, type JobDetail } from '@aws-sdk/client-batch';
import type * as ClientsModule from '../../../lambda/aws/clients';
import type * as TerminateModule from '../../../lambda/handlers/terminate';
import type { TerminateResponse } from '../../../lib/model';
import type { Exchange, FaultProxy } from '../../faults/proxy';
import { motoClients, motoEndpoint, resetMoto, setJobTransition, useDockerBackend } from '../moto/aws';
import { type BatchEnvironment, createBatchEnvironment, describeJob, submitJob } from '../moto/fixtures';
import { motoApi } from '../moto/server';
import { invokeRetrying, mapConcurrently, newCaller, pointSdkAt, retrySettings, startProxy, mixedFaults, MIXED_FAULTS_TEXT } from './harness';
import { recordFigure } from './report';

const JOBS = 200;
/** Jobs walked on (one state a second) and frozen as near STARTING as they get, so TerminateJob is exercised too. */
const EARLY_JOBS = 20;
/** Concurrent Lambda containers, each with its own module scope (clients, adaptive rate limiter): a Map state's MaxConcurrency. */
const CONTAINERS = 10;
const FAULT_RATE = 0.3;
const SEED = 20_240_604;
const REASON = 'run superseded: terminate under faults';

/** 30 % of every request; lost answers are 3 in 8 of the faults, i.e. about 11 % of all requests. */
const FAULTS = mixedFaults(FAULT_RATE);

/** A manual transition that needs more `advance()` calls than moto's job thread ever makes: jobs stay where they are. */
const FROZEN = { progression: 'manual', times: 1_000_000 } as const;
const BEFORE_STARTING = new Set(['SUBMITTED', 'PENDING', 'RUNNABLE']);
const STARTED = new Set(['STARTING', 'RUNNING']);
const FINISHED = new Set(['SUCCEEDED', 'FAILED']);

async function describeAll(batch: BatchClient, jobIds: readonly string[]): Promise<Map<string, JobDetail>> {
  const found = new Map<string, JobDetail>();
  for (let start = 0; start < jobIds.length; start += 100) {
    const { jobs = [] } = await batch.send(new DescribeJobsCommand({ jobs: jobIds.slice(start, start + 100) }));
    for (const job of jobs) found.set(job.jobId!, job);
  }
  return found;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/**
 * 200 active jobs in moto without Docker (see fixtures.ts, `submitHeldJob`, for how moto's job threads move):
 * - `EARLY_JOBS` go through moto's Docker backend under a "time" transition of a state a second, and are frozen the
 *   moment none is left before STARTING or one has gone past it: most sit in STARTING, a few in RUNNABLE, any that
 *   reached RUNNING have FAILED (no Docker). Holding them one by one, as `submitHeldJob` does, takes 2–4 s a job.
 * - the rest, and one control job nobody terminates, are submitted under the frozen transition: they stay SUBMITTED.
 */
async function holdJobs(batch: BatchClient, environment: BatchEnvironment): Promise<{ targets: string[]; control: string; heldIn: Record<string, number> }> {
  await useDockerBackend(true);
  try {
    await setJobTransition({ progression: 'time', seconds: 1 });
    const early = await mapConcurrently(Array.from({ length: EARLY_JOBS }, (_, index) => index), 8, (index) =>
      submitJob(batch, environment, { jobName: `early-${index}` }),
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      const statuses = [...(await describeAll(batch, early)).values()].map((job) => job.status!);
      const waiting = statuses.some((status) => BEFORE_STARTING.has(status));
      const gone = statuses.some((status) => status === 'RUNNING' || FINISHED.has(status));
      if (!waiting || gone || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await setJobTransition(FROZEN);
    const held = await mapConcurrently(Array.from({ length: JOBS - EARLY_JOBS + 1 }, (_, index) => index), 8, (index) =>
      submitJob(batch, environment, { jobName: `held-${index}` }),
    );
    const control = held.pop()!;
    const targets = [...early, ...held];
    const heldIn = countBy([...(await describeAll(batch, targets)).values()], (job) => job.status!);
    return { targets, control, heldIn };
  } finally {
    await useDockerBackend(false);
  }
}

/** A warm Lambda container: the terminate function's module, loaded afresh, with its own production clients. */
function loadContainer(): { handler: (typeof TerminateModule)['handler']; batch: BatchClient } {
  let terminate: typeof TerminateModule | undefined;
  let clients: typeof ClientsModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.isolateModules loads afresh only what is required inside it
    terminate = require('../../../lambda/handlers/terminate') as typeof TerminateModule;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.isolateModules loads afresh only what is required inside it
    clients = require('../../../lambda/aws/clients') as typeof ClientsModule;
  });
  return { handler: terminate!.handler, batch: clients!.batchClient() };
}

const jobIdOf = (exchange: Exchange) => (exchange.requestBody as { jobId?: string }).jobId ?? '';
const reasonOf = (exchange: Exchange) => (exchange.requestBody as { reason?: string }).reason;

describe('Faults: terminate of 200 jobs through throttling, 5xx, resets and lost answers', () => {
  let proxy: FaultProxy;
  let restore: () => void;

  beforeAll(async () => {
    proxy = await startProxy({ seed: SEED, rules: [FAULTS], recordBodiesOf: ['CancelJob', 'TerminateJob'] });
    restore = pointSdkAt(proxy);
  });

  afterAll(async () => {
    restore();
    await proxy.close();
    // Lets every job thread moto still holds walk on and end, rather than poll until the next reset.
    await motoApi(motoEndpoint(), '/moto-api/state-manager/unset-transition', { model_name: 'batch::job' });
  });

  it('stops every job with TerminateJob (which cancels it before STARTING, terminates it from STARTING) and leaves none running', async () => {
    await resetMoto();
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    const holdStarted = Date.now();
    const { targets, control, heldIn } = await holdJobs(fixtures.batch, environment);
    const holdMillis = Date.now() - holdStarted;
    expect(targets).toHaveLength(JOBS);
    // The TerminateJob path is exercised only if some job was frozen in STARTING.
    expect(heldIn.STARTING ?? 0).toBeGreaterThan(0);

    const containers = Array.from({ length: CONTAINERS }, loadContainer);
    const caller = newCaller();
    let next = 0;
    const answers = new Array<TerminateResponse>(targets.length);
    const started = Date.now();
    await Promise.all(
      containers.map(async ({ handler }) => {
        while (next < targets.length) {
          const index = next++;
          answers[index] = (await invokeRetrying(caller, () => handler({ jobId: targets[index], reason: REASON }), 5)) as TerminateResponse;
        }
      }),
    );
    const wallMillis = Date.now() - started;

    // Every job answered, the action naming what TerminateJob does to a job in its previous status.
    expect(answers.map((answer) => answer.jobId)).toEqual(targets);
    for (const answer of answers) {
      const expected = STARTED.has(answer.previousStatus) ? 'terminated' : BEFORE_STARTING.has(answer.previousStatus) ? 'cancelled' : 'none';
      expect(answer.action).toBe(expected);
    }
    // Every job stopped got at least one TerminateJob that moto accepted (its answer delivered or lost), with the
    // reason given; no CancelJob was ever sent, and no finished job got a stop request.
    const accepted = [...proxy.accepted('CancelJob'), ...proxy.accepted('TerminateJob')];
    const acceptedByJob = new Map<string, Exchange[]>();
    for (const exchange of accepted) acceptedByJob.set(jobIdOf(exchange), [...(acceptedByJob.get(jobIdOf(exchange)) ?? []), exchange]);
    for (const answer of answers) {
      const stops = acceptedByJob.get(answer.jobId) ?? [];
      if (answer.action === 'none') {
        expect(stops).toEqual([]);
        continue;
      }
      expect(stops.length).toBeGreaterThanOrEqual(1);
      expect(stops.every((exchange) => exchange.operation === 'TerminateJob' && reasonOf(exchange) === REASON)).toBe(true);
    }
    expect(proxy.exchanges('CancelJob')).toEqual([]);
    expect(acceptedByJob.has(control)).toBe(false);

    // moto's view: the reason is recorded on every job stopped, and not on the control job.
    const after = await describeAll(fixtures.batch, [...targets, control]);
    const stopped = answers.filter((answer) => answer.action !== 'none').map((answer) => answer.jobId);
    expect(stopped.filter((jobId) => after.get(jobId)?.statusReason !== REASON)).toEqual([]);
    expect(after.get(control)?.statusReason).toBeUndefined();

    // Released, moto's job threads walk on; none may be left active.
    const releaseStarted = Date.now();
    await motoApi(motoEndpoint(), '/moto-api/state-manager/unset-transition', { model_name: 'batch::job' });
    let final = after;
    while ([...final.values()].some((job) => !FINISHED.has(job.status!)) && Date.now() - releaseStarted < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      final = await describeAll(fixtures.batch, [...targets, control]);
    }
    const releaseMillis = Date.now() - releaseStarted;
    const finalStatuses = countBy(targets, (jobId) => final.get(jobId)?.status ?? 'MISSING');
    expect(finalStatuses).toEqual({ FAILED: JOBS });
    expect(stopped.filter((jobId) => final.get(jobId)?.statusReason !== REASON)).toEqual([]);
    expect(final.get(control)).toMatchObject({ status: 'FAILED' });
    expect(final.get(control)?.statusReason).toBeUndefined();

    const stats = proxy.stats();
    const stopRequests = [...proxy.exchanges('CancelJob'), ...proxy.exchanges('TerminateJob')];
    const lost = stopRequests.filter((exchange) => exchange.forwarded && !exchange.delivered).length;
    const repeated = [...acceptedByJob.values()].filter((stops) => stops.length > 1).length;
    const describeJobs = stats.byOperation.DescribeJobs;
    recordFigure({
      figure: 4,
      title: 'Terminate of 200 jobs through throttling, 5xx, resets and lost answers',
      guarantee: 'every job answered; every active job got an accepted TerminateJob with the reason (it cancels jobs before STARTING, terminates them from STARTING); no CancelJob; none left active',
      faults: `${FAULT_RATE * 100} % of all requests, ${MIXED_FAULTS_TEXT} (seed ${SEED})`,
      proxy: stats,
      callerRetries: caller.retries,
      wallMillis,
      details: [
        ['Jobs held active in moto before the run', JSON.stringify(heldIn)],
        ['Time to hold them (Docker backend, state manager)', `${(holdMillis / 1000).toFixed(1)} s`],
        ['Concurrent containers (own clients each), terminate invocations', `${CONTAINERS}, ${caller.invocations}`],
        ['Answers by action', JSON.stringify(countBy(answers, (answer) => answer.action))],
        ['DescribeJobs calls / requests (one before each stop)', `${describeJobs.invocations} / ${describeJobs.requests}`],
        ['TerminateJob requests / accepted by moto / answers lost (CancelJob requests: none)', `${stopRequests.length} / ${accepted.length} / ${lost}`],
        ['Jobs that got more than one accepted stop request (a retry after a lost answer; harmless, the first reason stays)', repeated],
        ['Caller retries by error', JSON.stringify(caller.retriedFailures)],
        ['Released by moto, all jobs finished within', `${(releaseMillis / 1000).toFixed(1)} s, ${JSON.stringify(finalStatuses)}`],
        ['Client retry settings', JSON.stringify(await retrySettings(containers[0].batch))],
      ],
    });
  }, 110_000);

  it('stops a job that started while its TerminateJob was held up, with no second look', async () => {
    await resetMoto();
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    // TerminateJob reaches moto 3 s late, as after a few throttled attempts; nothing else is faulted.
    const slow = await startProxy({ seed: SEED, rules: [{ operations: ['TerminateJob'], rate: 1, faults: [{ kind: 'delay', delayMillis: 3_000 }] }], recordBodiesOf: ['CancelJob', 'TerminateJob'] });
    const pointBack = pointSdkAt(slow);
    try {
      // A state every 2 s: seen RUNNABLE, the job has started (STARTING or later) when the late TerminateJob lands.
      await useDockerBackend(true);
      let jobId: string;
      try {
        await setJobTransition({ progression: 'time', seconds: 2 });
        jobId = await submitJob(fixtures.batch, environment, { jobName: 'starts-meanwhile' });
      } finally {
        await useDockerBackend(false);
      }
      while ((await describeJob(fixtures.batch, jobId)).status !== 'RUNNABLE') await new Promise((resolve) => setTimeout(resolve, 20));
      const { handler } = loadContainer();

      const answer = await handler({ jobId, reason: REASON });

      // The answer names what TerminateJob does to the job as it was seen; the job itself is stopped either way.
      expect(answer).toEqual({ jobId, previousStatus: 'RUNNABLE', action: 'cancelled' });
      expect(slow.accepted('TerminateJob').map(jobIdOf)).toEqual([jobId]);
      expect(slow.exchanges('CancelJob')).toEqual([]);
      expect(slow.stats().byOperation.DescribeJobs?.invocations).toBe(1);
      expect((await describeJob(fixtures.batch, jobId)).statusReason).toBe(REASON);
    } finally {
      pointBack();
      await slow.close();
    }
  }, 30_000);
});
