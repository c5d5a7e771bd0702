import { DescribeJobsCommand, JobStatus, ListJobsCommand, type BatchClient, type JobDetail } from '@aws-sdk/client-batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { createHash } from 'node:crypto';
import type * as SubmitModule from '../../../lambda/handlers/submit';
import { IDEMPOTENCY_TAG } from '../../../lambda/core/submit';
import { type SubmitResponse } from '../../../lib/model';
import { encodeConfig } from '../../../lib/model/config';
import { Parameter } from '../../../lib/model/parameters';
import type { FaultProxy } from '../../faults/proxy';
import { motoClients, motoEndpoint, REGION, resetMoto } from '../moto/aws';
import { createBatchEnvironment, createBucket, createIdempotencyTable, putObject } from '../moto/fixtures';
import { isRetryableFailure, newCaller, pointSdkAt, startProxy, type Caller, mixedFaults, MIXED_FAULTS_TEXT } from './harness';
import { recordFigure } from './report';

const SUBMITS = 500;
/** Concurrent Lambda containers, each with its own module scope (clients, adaptive rate limiters). */
const CONTAINERS = 25;
const FAULT_RATE = 0.3;
const SEED = 20_240_601;
const TABLE = 'pendant-idempotency';
const INPUT = 's3://pendant-inputs/reads/sample.fastq';
/** What the in-progress record of an invocation that died is held for: a short Lambda timeout, to keep the run short. */
const INVOCATION_MILLIS = 5_000;
/**
 * The ListJobs lag bound the function is deployed with here: moto lists a job as soon as it is created and this figure
 * injects no lag, so 1 s holds; with the default 30 s each SubmitJob that created nothing would be waited out for 30 s.
 */
const LAG_BOUND_SECONDS = 1;

/**
 * 30 % of every request — Batch, DynamoDB (the idempotency records) and S3 (the input check) alike — of which 3 in 8
 * are lost answers: the request was served, the answer never came back. On SubmitJob that is a job created whose
 * caller does not know it.
 */
const FAULTS = mixedFaults(FAULT_RATE);

const keyHash = (key: string) => createHash('sha256').update(key).digest('hex');

/** A warm Lambda container: the submit function's module, loaded afresh with the configuration in the environment. */
function loadContainer(): (typeof SubmitModule)['handler'] {
  let submit: typeof SubmitModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.isolateModules loads afresh only what is required inside it
    submit = require('../../../lambda/handlers/submit') as typeof SubmitModule;
  });
  return submit!.handler;
}

function context(): Context {
  const deadline = Date.now() + INVOCATION_MILLIS;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as Context;
}

/**
 * A caller that invokes until it has an answer, as a Step Functions Retry on the errors a submit may end in would:
 * service faults that outlived the SDK's attempts, and IdempotencyInProgressError while an earlier invocation's record
 * is still held (after a lost answer from DynamoDB, until that invocation's deadline passes; a lost answer to the
 * record's own PutItem makes the SDK's retry find it too, so a key can wait out a few deadlines in a row).
 */
async function submitUntilAnswered(caller: Caller, handler: (typeof SubmitModule)['handler'], key: string): Promise<SubmitResponse> {
  for (let attempt = 1; ; attempt++) {
    caller.invocations++;
    try {
      return await handler({ jobDefinition: 'align', parameters: { input: INPUT }, idempotencyKey: key }, context());
    } catch (error) {
      const name = (error as Error).name;
      const retry = isRetryableFailure(error) || name === 'IdempotencyInProgressError' || name === 'SubmissionOutcomeUnknownError';
      if (!retry || attempt >= 40) throw error;
      caller.retries++;
      caller.retriedFailures[name] = (caller.retriedFailures[name] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, name === 'IdempotencyInProgressError' ? 1_000 : 200 * attempt));
    }
  }
}

/** Every job of the queue, whatever its status, straight from moto. */
async function jobsInMoto(batch: BatchClient, jobQueue: string): Promise<JobDetail[]> {
  const ids = new Set<string>();
  for (const jobStatus of Object.values(JobStatus)) {
    for (const job of (await batch.send(new ListJobsCommand({ jobQueue, jobStatus }))).jobSummaryList ?? []) ids.add(job.jobId!);
  }
  return describeAll(batch, [...ids]);
}

async function describeAll(batch: BatchClient, idList: readonly string[]): Promise<JobDetail[]> {
  const ids = [...idList];
  const jobs: JobDetail[] = [];
  for (let start = 0; start < ids.length; start += 100) {
    jobs.push(...((await batch.send(new DescribeJobsCommand({ jobs: ids.slice(start, start + 100) }))).jobs ?? []));
  }
  return jobs;
}

describe('Faults: idempotent submit of 500 jobs through 30 % faults, lost answers included', () => {
  let proxy: FaultProxy;
  let restore: () => void;
  const saved = { ...process.env };

  afterAll(async () => {
    restore?.();
    await proxy?.close();
    process.env = saved;
  });

  it('starts exactly one job per key, and answers every key with it', async () => {
    await resetMoto();
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    await createBucket(fixtures.s3, 'pendant-inputs');
    await putObject(fixtures.s3, INPUT);
    const dynamodb = new DynamoDBClient({ endpoint: motoEndpoint(), region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await createIdempotencyTable(dynamodb, TABLE);

    // The function's configuration, as the construct deploys it, read by each container at load.
    Object.assign(
      process.env,
      encodeConfig({
        jobDefinitions: {
          align: { definition: `${environment.jobDefinitionName}:${environment.revision}`, parameters: { input: Parameter.s3Object({ mustExist: true, within: ['s3://pendant-inputs/reads/'] }) } },
        },
        jobQueues: [environment.jobQueueArn],
        idempotencyTable: TABLE,
        listJobsLagBoundSeconds: LAG_BOUND_SECONDS,
      }),
    );
    proxy = await startProxy({ seed: SEED, rules: [FAULTS], recordBodiesOf: ['SubmitJob'] });
    restore = pointSdkAt(proxy);
    const containers = Array.from({ length: CONTAINERS }, loadContainer);

    const keys = Array.from({ length: SUBMITS }, (_, index) => `run-2026-11-25/sample-${String(index).padStart(3, '0')}`);
    const caller = newCaller();
    let next = 0;
    const answers = new Array<SubmitResponse>(keys.length);
    const started = Date.now();
    await Promise.all(
      containers.map(async (handler) => {
        while (next < keys.length) {
          const index = next++;
          answers[index] = await submitUntilAnswered(caller, handler, keys[index]);
        }
      }),
    );
    const wallMillis = Date.now() - started;
    restore();

    // Every key answered, each with its own job.
    expect(answers.filter(Boolean)).toHaveLength(SUBMITS);
    expect(new Set(answers.map((answer) => answer.jobId)).size).toBe(SUBMITS);

    // Exactly 500 jobs exist in moto, one per key, and it is the one the key was answered with.
    const jobs = await jobsInMoto(fixtures.batch, environment.jobQueueArn);
    expect(jobs).toHaveLength(SUBMITS);
    const jobByHash = new Map(jobs.map((job) => [job.tags?.[IDEMPOTENCY_TAG], job.jobId]));
    expect(jobByHash.size).toBe(SUBMITS);
    keys.forEach((key, index) => expect(jobByHash.get(keyHash(key))).toBe(answers[index].jobId));

    // The dangerous case happened: SubmitJob answers were lost after moto had created the job.
    const lostSubmits = proxy.lostAnswers('SubmitJob');
    expect(lostSubmits.length).toBeGreaterThan(0);
    const acceptedSubmits = proxy.accepted('SubmitJob').length;
    expect(acceptedSubmits).toBe(SUBMITS);

    const stats = proxy.stats();
    const count = (operation: string) => stats.byOperation[operation] ?? { requests: 0, invocations: 0 };
    recordFigure({
      figure: 1,
      title: 'Idempotent submit of 500 jobs through 30 % faults incl. lost answers',
      guarantee: 'exactly 500 jobs exist in moto, each key mapped to one job, every key answered with its job',
      faults: `${FAULT_RATE * 100} % of all requests (Batch, DynamoDB, S3), ${MIXED_FAULTS_TEXT} (seed ${SEED}); ListJobs lag bound ${LAG_BOUND_SECONDS} s (no lag injected)`,
      proxy: stats,
      callerRetries: caller.retries,
      wallMillis,
      details: [
        ['Keys submitted, concurrent containers', `${SUBMITS}, ${CONTAINERS}`],
        ['Submit invocations (first tries and caller retries)', caller.invocations],
        ['Caller retries by error', JSON.stringify(caller.retriedFailures)],
        ['SubmitJob requests / accepted by moto (jobs created) / answers lost after the job was created', `${count('SubmitJob').requests} / ${acceptedSubmits} / ${lostSubmits.length}`],
        ['ListJobs lookups (before each keyed submit, and after each unknown outcome)', count('ListJobs').invocations],
        ['Jobs in moto / distinct keys answered', `${jobs.length} / ${new Set(answers.map((answer) => answer.jobId)).size}`],
      ],
    });
  }, 240_000);
});
