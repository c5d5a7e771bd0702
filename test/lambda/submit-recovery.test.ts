import type { JobDetail } from '@aws-sdk/client-batch';
import { createHash } from 'node:crypto';
import { AmbiguousSubmission, type BatchGateway, type S3Gateway, type SubmitJobInput } from '../../lambda/core/ports';
import { IDEMPOTENCY_TAG, submit } from '../../lambda/core/submit';
import { BatchJobSubmissionError, encodeConfig, RuntimeConfig, SubmitRequest } from '../../lib/model';

const QUEUE = 'arn:aws:batch:us-east-1:123456789012:job-queue/default';
const KEY = 'order-42';
const KEY_HASH = createHash('sha256').update(KEY).digest('hex');
const KEYED_NAME = `align-${KEY_HASH.slice(0, 16)}`;
const config = new RuntimeConfig(encodeConfig({ jobDefinitions: { align: { definition: 'align:3' } }, jobQueues: [QUEUE] }));
const s3: S3Gateway = { objectState: async () => 'exists' };

/** A Batch whose SubmitJob answers as scripted, and which remembers the jobs it created. */
class ScriptedBatch implements BatchGateway {
  public readonly submitted: SubmitJobInput[] = [];
  public readonly lookups: Array<[string, string]> = [];
  public readonly jobs: JobDetail[] = [];
  /** When Batch creates a job (its createdAt, epoch milliseconds). */
  public createdAt = Date.UTC(2026, 0, 1);

  /** Per SubmitJob call: 'ok', 'lost' (created, answer lost), 'failed' (not created, outcome unknown), or an error. */
  public constructor(private readonly script: Array<'ok' | 'lost' | 'failed' | Error> = []) {}

  public async submitJob(input: SubmitJobInput) {
    this.submitted.push(input);
    const step = this.script[this.submitted.length - 1] ?? 'ok';
    if (step instanceof Error) throw step;
    if (step === 'failed') throw new AmbiguousSubmission(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const jobId = `0000000${this.submitted.length}-0000-4000-8000-000000000000`;
    const job = { jobId, jobName: input.jobName, jobArn: `arn:aws:batch:us-east-1:123456789012:job/${jobId}` };
    this.jobs.push({ ...job, jobQueue: input.jobQueue, jobDefinition: `arn:aws:batch:us-east-1:123456789012:job-definition/${input.jobDefinition}`, status: 'SUBMITTED', startedAt: undefined, createdAt: this.createdAt, tags: input.tags });
    if (step === 'lost') throw new AmbiguousSubmission(Object.assign(new Error('Service Unavailable'), { $metadata: { httpStatusCode: 503 } }));
    return job;
  }

  public async findJobs(jobQueue: string, jobName: string) {
    this.lookups.push([jobQueue, jobName]);
    return this.jobs.filter((job) => job.jobQueue === jobQueue && job.jobName === jobName);
  }

  public async describeJobs(): Promise<JobDetail[]> {
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
  return submit({ config, batch, s3, now: () => now, sleep: async (millis) => void sleeps.push(millis) }, request);
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

  it('submits again, with backoff, when the job was not created', async () => {
    const batch = new ScriptedBatch(['failed', 'failed', 'ok']);
    const sleeps: number[] = [];

    const response = await run(batch, keyed, sleeps);

    expect(batch.submitted).toHaveLength(3);
    expect(batch.jobs).toHaveLength(1);
    expect(response.jobId).toBe(batch.jobs[0].jobId);
    expect(sleeps).toEqual([1000, 2000]);
    expect(batch.lookups).toHaveLength(3);
  });

  it("gives up after four unknown outcomes with the SDK's own error", async () => {
    const batch = new ScriptedBatch(['failed', 'failed', 'failed', 'failed']);

    await expect(run(batch, keyed)).rejects.toMatchObject({ message: 'socket hang up', code: 'ECONNRESET' });
    expect(batch.submitted).toHaveLength(4);
  });

  it('reports an unknown outcome of a request without a key, and never submits it twice', async () => {
    const batch = new ScriptedBatch(['lost']);

    await expect(run(batch, { jobDefinition: 'align' })).rejects.toMatchObject({ message: 'Service Unavailable', $metadata: { httpStatusCode: 503 } });
    expect(batch.submitted).toHaveLength(1);
    expect(batch.lookups).toEqual([]);
  });

  it('still turns a refusal into BatchJobSubmissionError without looking for the job', async () => {
    const refusal = Object.assign(new Error('job queue is DISABLED'), { name: 'ClientException', $metadata: { httpStatusCode: 400 } });
    const batch = new ScriptedBatch([refusal]);

    await expect(run(batch, keyed)).rejects.toThrow(BatchJobSubmissionError);
    expect(batch.lookups).toHaveLength(1);
  });
});
