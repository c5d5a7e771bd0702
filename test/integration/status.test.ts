import { randomUUID } from 'node:crypto';
import { SdkBatchGateway } from '../../lambda/aws/batch';
import { createHandler } from '../../lambda/handlers/status';
import { BatchJobNotFoundError, JobStatusResponse, JobSummary, StatusResponse } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { motoClients, recordCalls, resetMoto } from './moto/aws';
import { createBatchEnvironment, submitFailedJob, submitHeldJob, submitJob, submitJobs } from './moto/fixtures';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('Integration: status', () => {
  beforeEach(async () => {
    await resetMoto();
  });

  async function setUp() {
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    const clients = motoClients();
    const calls = recordCalls(clients.batch);
    const config = new RuntimeConfig(
      encodeConfig({
        jobDefinitions: { align: { definition: `${environment.jobDefinitionName}:1` } },
        jobQueues: [environment.jobQueueArn],
      }),
    );
    const handler = createHandler({ config, batch: new SdkBatchGateway(clients.batch) });
    return { fixtures, environment, calls, handler };
  }

  describe('many jobs', () => {
    it('describes 250 jobs in exactly 3 DescribeJobs calls and finds them all, in the order asked', async () => {
      const { fixtures, environment, calls, handler } = await setUp();
      const jobIds = await submitJobs(fixtures.batch, environment, 250);
      const asked = [...jobIds].reverse();

      const response = (await handler({ jobIds: asked })) as StatusResponse;

      expect(response.notFound).toEqual([]);
      expect(response.jobs.map((job) => job.jobId)).toEqual(asked);
      expect(response.jobs.every((job) => job.status === 'SUCCEEDED')).toBe(true);
      expect(new Set(response.jobs.map((job) => job.jobName))).toEqual(new Set(jobIds.map((_, index) => `job-${index}`)));
      expect(calls.counts()).toEqual({ DescribeJobsCommand: 3 });
      const batches = calls.inputsOf('DescribeJobs').map((input) => input.jobs as string[]);
      expect(batches.map((ids) => ids.length).sort((a, b) => a - b)).toEqual([50, 100, 100]);
      expect(batches.flat().sort()).toEqual([...jobIds].sort());
    });

    it('lists ids Batch does not know in notFound, still in 3 calls', async () => {
      const { fixtures, environment, calls, handler } = await setUp();
      const jobIds = await submitJobs(fixtures.batch, environment, 250);
      const unknown = [randomUUID(), randomUUID()];

      const response = (await handler({ jobIds: [unknown[0], ...jobIds, unknown[1], jobIds[0]] })) as StatusResponse;

      expect(response.notFound).toEqual(unknown);
      expect(response.jobs.map((job) => job.jobId)).toEqual(jobIds);
      expect(calls.count('DescribeJobs')).toBe(3);
    });
  });

  describe('one job', () => {
    it('summarises a finished job', async () => {
      const { fixtures, environment, calls, handler } = await setUp();
      const jobId = await submitJob(fixtures.batch, environment, { jobName: 'align-sample-1' });

      const summary = (await handler({ jobId })) as JobSummary;

      const logStreamName = `${environment.jobDefinitionName}/default/${jobId}`;
      expect(summary).toEqual({
        jobId,
        jobName: 'align-sample-1',
        status: 'SUCCEEDED',
        statusReason: null,
        exitCode: null,
        createdAt: expect.stringMatching(ISO),
        startedAt: expect.stringMatching(ISO),
        stoppedAt: expect.stringMatching(ISO),
        logStreamName,
        attempts: [{ exitCode: null, reason: null, logStreamName, startedAt: expect.stringMatching(ISO), stoppedAt: expect.stringMatching(ISO) }],
        arrayStatusSummary: null,
        jobDefinition: `${environment.jobDefinitionName}:${environment.revision}`,
        dependsOn: [],
        tags: {},
        arrayProperties: null,
      });
      expect(calls.counts()).toEqual({ DescribeJobsCommand: 1 });
    });

    it('summarises a job that has not started and a job that failed', async () => {
      const { fixtures, environment, handler } = await setUp();
      const failed = await submitFailedJob(fixtures.batch, environment);
      const submitted = await submitHeldJob(fixtures.batch, environment, 'SUBMITTED');

      const response = (await handler({ jobIds: [submitted, failed] })) as StatusResponse;

      expect(response.jobs).toEqual([
        expect.objectContaining({ jobId: submitted, status: 'SUBMITTED', startedAt: null, stoppedAt: null, logStreamName: null, attempts: [] }),
        expect.objectContaining({ jobId: failed, status: 'FAILED', stoppedAt: expect.stringMatching(ISO) }),
      ]);
    });

    it('counts the children of an array job by status, and describes a child by its id', async () => {
      const { fixtures, environment, handler } = await setUp();
      const parent = await submitJob(fixtures.batch, environment, { jobName: 'array', arrayProperties: { size: 3 } });

      const summary = (await handler({ jobId: parent })) as JobSummary;
      const child = (await handler({ jobId: `${parent}:2` })) as JobSummary;

      expect(summary.arrayStatusSummary).toEqual({ SUBMITTED: 0, PENDING: 0, RUNNABLE: 0, STARTING: 0, RUNNING: 0, SUCCEEDED: 3, FAILED: 0 });
      expect(child).toMatchObject({ jobId: `${parent}:2`, status: 'SUCCEEDED' });
    });

    it('reports the jobs a job depends on and its tags', async () => {
      const { fixtures, environment, handler } = await setUp();
      const upstream = await submitJob(fixtures.batch, environment, { jobName: 'upstream' });
      const jobId = await submitJob(fixtures.batch, environment, {
        jobName: 'downstream',
        dependsOn: [{ jobId: upstream, type: 'SEQUENTIAL' }],
        tags: { project: 'na12878' },
      });

      const summary = (await handler({ jobId })) as JobSummary;

      expect(summary).toMatchObject({ dependsOn: [{ jobId: upstream, type: 'SEQUENTIAL' }], tags: { project: 'na12878' } });
    });

    it("lists an array's children of one status with one ListJobs, each with its index", async () => {
      const { fixtures, environment, calls, handler } = await setUp();
      const parent = await submitJob(fixtures.batch, environment, { jobName: 'array', arrayProperties: { size: 3 } });

      const succeeded = (await handler({ jobId: parent, children: { status: 'SUCCEEDED' } })) as JobStatusResponse;
      const failed = (await handler({ jobId: parent, children: { status: 'FAILED' } })) as JobStatusResponse;

      expect(succeeded.arrayProperties).toEqual({ size: 3 });
      expect(succeeded.children!.jobs.map((child) => [child.jobId, child.index, child.status]).sort()).toEqual([
        [`${parent}:0`, 0, 'SUCCEEDED'],
        [`${parent}:1`, 1, 'SUCCEEDED'],
        [`${parent}:2`, 2, 'SUCCEEDED'],
      ]);
      // moto 5.2.1 does not page ListJobs: its one page is the last. Paging is proven in the unit tests.
      expect(succeeded.children!.nextToken).toBeNull();
      expect(failed.children).toEqual({ status: 'FAILED', jobs: [], nextToken: null });
      expect(calls.counts()).toEqual({ DescribeJobsCommand: 2, ListJobsCommand: 2 });
      expect(calls.inputsOf('ListJobs')[0]).toEqual({ arrayJobId: parent, jobStatus: 'SUCCEEDED', maxResults: 100 });
    });

    it('throws BatchJobNotFoundError for an id Batch has not listed after five looks over 3.75 s', async () => {
      const { calls, handler } = await setUp();
      const jobId = randomUUID();

      const request = handler({ jobId });

      await expect(request).rejects.toBeInstanceOf(BatchJobNotFoundError);
      await expect(request).rejects.toMatchObject({ name: 'BatchJobNotFoundError', jobId, message: `batch job not found: ${jobId}` });
      expect(calls.counts()).toEqual({ DescribeJobsCommand: 5 });
    });
  });
});
