import { platformJobs } from '../../lambda/core/jobs';
import type { BatchGateway, SubmitJobInput } from '../../lambda/core/ports';
import { status } from '../../lambda/core/status';
import { IDEMPOTENCY_TAG, submit } from '../../lambda/core/submit';
import { terminate, terminateJobs } from '../../lambda/core/terminate';
import { BatchJobNotFoundError } from '../../lib/model';
import { encodeConfig, PLATFORM_TAG, RuntimeConfig } from '../../lib/model/config';
import { type BatchJob, readBatchJob } from '../../lib/model/batch-job';

const QUEUE_ARN = 'arn:aws:batch:us-east-1:123456789012:job-queue/pendant-fargate';
const OTHER_QUEUE_ARN = 'arn:aws:batch:us-east-1:123456789012:job-queue/someone-else';
const config = new RuntimeConfig(encodeConfig({ jobQueues: ['pendant-fargate'], platformId: 'Platform1' }));

const job = (jobId: string, jobQueue: string, tags?: Record<string, string>): BatchJob =>
  readBatchJob({ jobId, jobName: jobId, jobQueue, status: 'RUNNABLE', jobDefinition: 'd:1', createdAt: 1, ...(tags && { tags }) });

const ours = job('ours', QUEUE_ARN, { [PLATFORM_TAG]: 'Platform1' });
const elsewhere = job('elsewhere', OTHER_QUEUE_ARN, { [PLATFORM_TAG]: 'Platform1' });
const untagged = job('untagged', QUEUE_ARN);
const otherPlatform = job('other', QUEUE_ARN, { [PLATFORM_TAG]: 'Platform2' });

function batchOf(jobs: BatchJob[]): BatchGateway & { terminated: string[]; listed: string[] } {
  const terminated: string[] = [];
  const listed: string[] = [];
  return {
    terminated,
    listed,
    describeJobs: async (ids) => jobs.filter((detail) => ids.includes(detail.jobId)),
    submitJob: async () => ({ jobId: '', jobName: '', jobArn: '' }),
    findJobs: async () => [],
    latestActiveRevision: async () => 1,
    isActiveRevision: async () => true,
    terminateJob: async (jobId) => void terminated.push(jobId),
    terminateJobs: async (jobIds) => (terminated.push(...jobIds), []),
    listChildren: async ({ arrayJobId }) => (listed.push(arrayJobId), { jobs: [] }),
  };
}

describe("Function: status, logs and terminate › the platform's jobs", () => {
  it('are the jobs carrying the platform tag on a platform queue, named by ARN or by name', () => {
    const owns = platformJobs(config)!;
    expect([ours, elsewhere, untagged, otherPlatform].map(owns)).toEqual([true, false, false, false]);
    expect(platformJobs(new RuntimeConfig(encodeConfig({ jobQueues: [QUEUE_ARN], platformId: 'Platform1' })))!(ours)).toBe(true);
  });

  it("are an array child or a node without tags on a platform queue (Batch creates them, and need not copy the parent's tags), but not one tagged for another platform or on another queue", () => {
    const owns = platformJobs(config)!;
    expect([job('p:0', QUEUE_ARN), job('p#1', QUEUE_ARN), job('p:0', OTHER_QUEUE_ARN), job('p:1', QUEUE_ARN, { [PLATFORM_TAG]: 'Platform2' }), job('p', QUEUE_ARN)].map(owns)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('are every job when the configuration names no platform', () => {
    expect(platformJobs(new RuntimeConfig(encodeConfig({ jobQueues: [QUEUE_ARN] })))).toBeUndefined();
  });

  it.each([elsewhere, untagged, otherPlatform])('answer BatchJobNotFoundError for $jobId and send no TerminateJob', async (foreign) => {
    const batch = batchOf([ours, foreign]);
    const sleep = async () => undefined;

    await expect(status({ config, batch, sleep }, { jobId: foreign.jobId })).rejects.toThrow(new BatchJobNotFoundError(foreign.jobId));
    await expect(terminate({ config, batch, sleep }, { jobId: foreign.jobId, reason: 'r' })).rejects.toThrow(BatchJobNotFoundError);
    await expect(status({ config, batch, sleep }, { jobIds: [ours.jobId, foreign.jobId] })).resolves.toMatchObject({
      jobs: [{ jobId: 'ours' }],
      notFound: [foreign.jobId],
    });
    await expect(terminateJobs({ config, batch, sleep }, { jobIds: [foreign.jobId, 'ours'], reason: 'r' })).resolves.toMatchObject({
      jobs: [{ jobId: 'ours', action: 'cancelled' }],
      notFound: [foreign.jobId],
    });
    expect(batch.terminated).toEqual(['ours']);
    await expect(status({ config, batch, sleep }, { jobId: foreign.jobId, children: { status: 'FAILED' } })).rejects.toThrow(new BatchJobNotFoundError(foreign.jobId));
    expect(batch.listed).toEqual([]);
    await terminate({ config, batch, sleep }, { jobId: 'ours', reason: 'r' });
    expect(batch.terminated).toEqual(['ours', 'ours']);
  });
});

describe('Function: submit › the platform tag', () => {
  it.each([undefined, 'order-42'])('tags the job with the platform id (idempotency key %p)', async (idempotencyKey) => {
    const sent: SubmitJobInput[] = [];
    const batch = { ...batchOf([]), submitJob: async (input: SubmitJobInput) => (sent.push(input), { jobId: 'j', jobName: input.jobName, jobArn: 'arn' }) };
    const submitConfig = new RuntimeConfig(encodeConfig({ jobDefinitions: { align: { definition: 'align:3' } }, jobQueues: [QUEUE_ARN], platformId: 'Platform1' }));

    await submit({ config: submitConfig, batch, s3: { objectState: async () => 'exists' } }, { jobDefinition: 'align', ...(idempotencyKey && { idempotencyKey }) });

    expect(sent[0].tags).toEqual({ [PLATFORM_TAG]: 'Platform1', ...(idempotencyKey && { [IDEMPOTENCY_TAG]: expect.stringMatching(/^[0-9a-f]{64}$/) }) });
  });
});
