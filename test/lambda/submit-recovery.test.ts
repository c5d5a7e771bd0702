import { type BatchJob, readBatchJob } from '../../lib/model/batch-job';
import { createHash } from 'node:crypto';
import { AmbiguousSubmission, type BatchGateway, type S3Gateway, type SubmitJobInput, SubmissionRefused } from '../../lambda/core/ports';
import { IDEMPOTENCY_TAG, submit } from '../../lambda/core/submit';
import { BatchJobSubmissionError, IdempotencyInProgressError, SubmissionOutcomeUnknownError, SubmitRequest } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import type { AttemptLedger, SubmitAttempt } from '../../lambda/core/ports';
import { AttemptRaced } from '../../lambda/core/ports';

const QUEUE = 'arn:aws:batch:us-east-1:123456789012:job-queue/default';
const KEY = 'order-42';
const KEY_HASH = createHash('sha256').update(KEY).digest('hex');
const KEYED_NAME = `align-${KEY_HASH.slice(0, 16)}`;
const config = new RuntimeConfig(encodeConfig({ jobDefinitions: { align: { definition: 'align:3' } }, jobQueues: [QUEUE] }));
const s3: S3Gateway = { objectState: async () => 'exists' };

/** The function's clock: the sleeps of the code under test move it on. */
class Clock {
  public constructor(public millis = Date.UTC(2026, 0, 1, 0, 5)) {}
  public readonly now = () => new Date(this.millis);
}

/** A durable ledger in memory, shared by the invocations of a test. */
class MemoryLedger implements AttemptLedger {
  public readonly attempts = new Map<string, SubmitAttempt>();
  public async latest(keyHash: string) {
    return this.attempts.get(keyHash);
  }
  public async begin(keyHash: string, attempt: SubmitAttempt) {
    if ((this.attempts.get(keyHash)?.number ?? 0) !== attempt.number - 1) throw new AttemptRaced();
    this.attempts.set(keyHash, attempt);
  }
  public async settle(keyHash: string, number: number, outcome: { openUntil: number } | { refused: true }) {
    const attempt = this.attempts.get(keyHash);
    if (attempt?.number === number) this.attempts.set(keyHash, { ...attempt, ...outcome });
  }
}

/**
 * A Batch whose SubmitJob answers as scripted, which remembers the jobs it created, and whose ListJobs lists a job
 * only `listingLagMillis` after its creation.
 */
class ScriptedBatch implements BatchGateway {
  public readonly submitted: SubmitJobInput[] = [];
  public readonly lookups: Array<[string, string]> = [];
  public readonly jobs: BatchJob[] = [];
  /** When Batch creates a job (its createdAt, epoch milliseconds); the clock's time when a clock is given. */
  public createdAt = Date.UTC(2026, 0, 1);
  public listingLagMillis = 0;
  public clock?: Clock;

  /** Per SubmitJob call: 'ok', 'lost' (created, answer lost), 'failed' (not created, outcome unknown), or an error. */
  public constructor(private readonly script: Array<'ok' | 'lost' | 'failed' | Error> = []) {}

  public async submitJob(input: SubmitJobInput) {
    this.submitted.push(input);
    const step = this.script[this.submitted.length - 1] ?? 'ok';
    if (step instanceof Error) throw step;
    if (step === 'failed') throw new AmbiguousSubmission(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const jobId = `0000000${this.submitted.length}-0000-4000-8000-000000000000`;
    const job = { jobId, jobName: input.jobName, jobArn: `arn:aws:batch:us-east-1:123456789012:job/${jobId}` };
    const createdAt = this.clock?.millis ?? this.createdAt;
    this.jobs.push(
      readBatchJob({ ...job, jobQueue: input.jobQueue, jobDefinition: `arn:aws:batch:us-east-1:123456789012:job-definition/${input.jobDefinition}`, status: 'SUBMITTED', createdAt, tags: input.tags }),
    );
    if (step === 'lost') throw new AmbiguousSubmission(Object.assign(new Error('Service Unavailable'), { $metadata: { httpStatusCode: 503 } }));
    return job;
  }

  public async findJobs(jobQueue: string, jobName: string) {
    this.lookups.push([jobQueue, jobName]);
    const listedBefore = (this.clock?.millis ?? Number.POSITIVE_INFINITY) - this.listingLagMillis;
    return this.jobs.filter((job) => job.jobQueue === jobQueue && job.jobName === jobName && job.createdAt! <= listedBefore);
  }

  public async describeJobs(): Promise<BatchJob[]> {
    return [];
  }

  public async latestActiveRevision() {
    return 3;
  }

  public async isActiveRevision() {
    return true;
  }

  public async terminateJob() {}

  public async terminateJobs() {
    return [];
  }

  public async listChildren() {
    return { jobs: [] };
  }
}

function run(batch: BatchGateway, request: SubmitRequest, sleeps: number[] = [], now = new Date(Date.UTC(2026, 0, 1, 0, 5))) {
  const clock = new Clock(now.getTime());
  return submit({ config, batch, s3, now: clock.now, sleep: async (millis) => void ((clock.millis += millis), sleeps.push(millis)) }, request);
}

/** One invocation on `clock`, with `remainingMillis` to its deadline and the attempts recorded in `ledger`. */
function invoke(batch: ScriptedBatch, clock: Clock, ledger: AttemptLedger, remainingMillis?: number, sleeps: number[] = []) {
  batch.clock = clock;
  const deadline = clock.millis + (remainingMillis ?? 0);
  return submit(
    {
      config,
      batch,
      s3,
      now: clock.now,
      attempts: () => ledger,
      sleep: async (millis) => void ((clock.millis += millis), sleeps.push(millis)),
      ...(remainingMillis !== undefined && { remainingTimeMillis: () => deadline - clock.millis }),
    },
    keyed,
  );
}

const keyed: SubmitRequest = { jobDefinition: 'align', idempotencyKey: KEY };

describe('Function: submit › a submission whose outcome is unknown', () => {
  it('names a keyed job after its key and tags it with the key hash', async () => {
    const batch = new ScriptedBatch();

    const response = await run(batch, keyed);

    expect(batch.submitted).toEqual([expect.objectContaining({ jobName: KEYED_NAME, tags: { [IDEMPOTENCY_TAG]: KEY_HASH } })]);
    expect(response).toMatchObject({ jobName: KEYED_NAME, jobDefinition: 'align:3', jobQueue: 'default' });
  });

  it('answers the job an earlier attempt started instead of submitting again', async () => {
    const batch = new ScriptedBatch();
    const first = await run(batch, keyed);

    const again = await run(batch, keyed);

    expect(again).toEqual(first);
    expect(batch.submitted).toHaveLength(1);
  });

  // README: "the same key with the same request answers the first submission's job" within the idempotency window
  // (a day by default) only. ListJobs keeps listing a job for days after the window (AWS Batch API Reference,
  // ListJobs), so the look-up itself must leave out the jobs created before the window opened.
  it('submits a new job for a key reused after its window, though ListJobs still lists the old one', async () => {
    const batch = new ScriptedBatch();
    const first = await run(batch, keyed);
    const dayAndASecondLater = new Date(batch.createdAt + 24 * 60 * 60 * 1000 + 1000);

    const again = await run(batch, keyed, [], dayAndASecondLater);

    expect(batch.submitted).toHaveLength(2);
    expect(again.jobId).not.toBe(first.jobId);
    expect(again.jobId).toBe(batch.jobs[1].jobId);
  });

  it('still answers the earlier job for a key reused just inside its window', async () => {
    const batch = new ScriptedBatch();
    const first = await run(batch, keyed);
    const justInside = new Date(batch.createdAt + 24 * 60 * 60 * 1000 - 1000);

    const again = await run(batch, keyed, [], justInside);

    expect(again).toEqual(first);
    expect(batch.submitted).toHaveLength(1);
  });

  it('ignores a job of the same name that carries another key', async () => {
    const batch = new ScriptedBatch();
    await run(batch, { jobDefinition: 'align', idempotencyKey: 'other', jobName: 'nightly' });

    const response = await run(batch, { jobDefinition: 'align', idempotencyKey: KEY, jobName: 'nightly' });

    expect(batch.submitted).toHaveLength(2);
    expect(response.jobId).toBe(batch.jobs[1].jobId);
  });

  it('finds the job when its answer was lost, and does not submit it twice', async () => {
    const batch = new ScriptedBatch(['lost']);
    const sleeps: number[] = [];

    const response = await run(batch, keyed, sleeps);

    expect(batch.submitted).toHaveLength(1);
    expect(response.jobId).toBe(batch.jobs[0].jobId);
    expect(sleeps).toEqual([1000]);
  });

  it('submits again only once the ListJobs lag bound has passed since the attempt whose job was not created', async () => {
    const batch = new ScriptedBatch(['failed', 'failed', 'ok']);
    const sleeps: number[] = [];

    const response = await run(batch, keyed, sleeps);

    expect(batch.submitted).toHaveLength(3);
    expect(batch.jobs).toHaveLength(1);
    expect(response.jobId).toBe(batch.jobs[0].jobId);
    // Each unknown outcome is waited out for the 30 s bound, looking at 1, 3, 7, 15 and 30 s.
    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 15000, 1000, 2000, 4000, 8000, 15000]);
    expect(batch.lookups).toHaveLength(11);
  });

  it('answers SubmissionOutcomeUnknownError after four unknown outcomes in one invocation', async () => {
    const batch = new ScriptedBatch(['failed', 'failed', 'failed', 'failed']);

    await expect(run(batch, keyed)).rejects.toThrow(SubmissionOutcomeUnknownError);
    expect(batch.submitted).toHaveLength(4);
  });

  describe.each([0, 1_500, 2_000, 3_000, 7_000, 10_000, 29_000])('with ListJobs %i ms behind', (lag) => {
    it('never submits a second job after a lost answer, and answers the job once it is listed', async () => {
      const batch = new ScriptedBatch(['lost']);
      batch.listingLagMillis = lag;
      const clock = new Clock();

      const response = await invoke(batch, clock, new MemoryLedger());

      expect(batch.submitted).toHaveLength(1);
      expect(response.jobId).toBe(batch.jobs[0].jobId);
    });

    it('answers SubmissionOutcomeUnknownError when the deadline comes first, and the next invocation answers the job', async () => {
      const batch = new ScriptedBatch(['lost']);
      batch.listingLagMillis = lag;
      const clock = new Clock();
      const ledger = new MemoryLedger();

      const first = await invoke(batch, clock, ledger, 3_000).catch((error: unknown) => error);
      // The first look, 1 s after the lost answer, sees the job only if ListJobs is at most 1 s behind.
      if (lag > 1_000) expect(first).toBeInstanceOf(SubmissionOutcomeUnknownError);
      let answer = first instanceof Error ? undefined : (first as Awaited<ReturnType<typeof invoke>>);
      for (let invocation = 0; answer === undefined && invocation < 30; invocation++) {
        clock.millis += 500;
        answer = await invoke(batch, clock, ledger, 3_000).catch((error: unknown) => {
          if (!(error instanceof SubmissionOutcomeUnknownError)) throw error;
          return undefined;
        });
      }

      expect(answer?.jobId).toBe(batch.jobs[0].jobId);
      expect(batch.submitted).toHaveLength(1);
    });
  });

  it('lets a later invocation submit again once the bound has passed since an attempt that created nothing', async () => {
    const batch = new ScriptedBatch(['failed', 'ok']);
    const clock = new Clock();
    const ledger = new MemoryLedger();

    const first = invoke(batch, clock, ledger, 5_000);
    await expect(first).rejects.toThrow(SubmissionOutcomeUnknownError);
    const openUntil = ledger.attempts.get(KEY_HASH)!.openUntil;
    clock.millis = openUntil + 29_000;
    await expect(invoke(batch, clock, ledger, 500)).rejects.toThrow(
      `ListJobs may not list its job until ${new Date(openUntil + 30_000).toISOString()}; retry then`,
    );
    expect(batch.submitted).toHaveLength(1);

    clock.millis = openUntil + 30_000;
    const answer = await invoke(batch, clock, ledger, 5_000);

    expect(batch.submitted).toHaveLength(2);
    expect(answer.jobId).toBe(batch.jobs[0].jobId);
    expect(ledger.attempts.get(KEY_HASH)).toMatchObject({ number: 2 });
  });

  it('holds the key until its deadline and the bound when the invocation that sent it died before the answer', async () => {
    const batch = new ScriptedBatch();
    const clock = new Clock();
    const ledger = new MemoryLedger();
    const sentAt = clock.millis;
    await ledger.begin(KEY_HASH, { number: 1, token: 'dead', sentAt, openUntil: sentAt + 30_000 });

    clock.millis = sentAt + 59_000;
    await expect(invoke(batch, clock, ledger, 500)).rejects.toThrow(SubmissionOutcomeUnknownError);
    clock.millis = sentAt + 60_000;
    await invoke(batch, clock, ledger, 5_000);

    expect(batch.submitted).toHaveLength(1);
  });

  it('does not hold the key after an attempt Batch refused', async () => {
    const refusal = new SubmissionRefused(Object.assign(new Error('job queue is DISABLED'), { name: 'ClientException', $metadata: { httpStatusCode: 400 } }));
    const batch = new ScriptedBatch([refusal, 'ok']);
    const clock = new Clock();
    const ledger = new MemoryLedger();

    await expect(invoke(batch, clock, ledger, 5_000)).rejects.toThrow(BatchJobSubmissionError);
    const answer = await invoke(batch, clock, ledger, 5_000);

    expect(batch.submitted).toHaveLength(2);
    expect(answer.jobId).toBe(batch.jobs[0].jobId);
  });

  it('answers IdempotencyInProgressError and sends nothing when another invocation recorded an attempt first', async () => {
    const batch = new ScriptedBatch();
    const clock = new Clock();
    const ledger = new MemoryLedger();
    const racing: AttemptLedger = {
      latest: async () => undefined,
      begin: (hash, attempt) => ledger.begin(hash, { ...attempt, number: 2 }),
      settle: async () => undefined,
    };

    await expect(invoke(batch, clock, racing, 5_000)).rejects.toThrow(IdempotencyInProgressError);
    expect(batch.submitted).toHaveLength(0);
  });

  it('reports an unknown outcome of a request without a key, and never submits it twice', async () => {
    const batch = new ScriptedBatch(['lost']);

    await expect(run(batch, { jobDefinition: 'align' })).rejects.toMatchObject({ message: 'Service Unavailable', $metadata: { httpStatusCode: 503 } });
    expect(batch.submitted).toHaveLength(1);
    expect(batch.lookups).toEqual([]);
  });

  it('still turns a refusal into BatchJobSubmissionError without looking for the job', async () => {
    const refusal = new SubmissionRefused(Object.assign(new Error('job queue is DISABLED'), { name: 'ClientException', $metadata: { httpStatusCode: 400 } }));
    const batch = new ScriptedBatch([refusal]);

    await expect(run(batch, keyed)).rejects.toThrow(BatchJobSubmissionError);
    expect(batch.lookups).toHaveLength(1);
  });
});
