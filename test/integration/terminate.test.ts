import { randomUUID } from 'node:crypto';
import { SdkBatchGateway } from '../../lambda/aws/batch';
import { createHandler } from '../../lambda/handlers/terminate';
import { BatchJobNotFoundError, TerminateJobsResponse } from '../../lib/model';
import { motoClients, recordCalls, resetMoto } from './moto/aws';
import { createBatchEnvironment, describeJob, HeldStatus, submitFailedJob, submitHeldJob, submitJob } from './moto/fixtures';

/**
 * What moto 5.2.1 lets these tests reach without Docker (see `submitHeldJob`): SUCCEEDED and FAILED jobs, and jobs
 * held in SUBMITTED, PENDING, RUNNABLE or STARTING. RUNNING cannot be held, so the TerminateJob path is exercised
 * from STARTING, the other status that has a container. moto records the reason of TerminateJob in `statusReason`
 * but leaves a held job where it is held, so the tests assert the call and its reason, not the job's next status.
 * The handler stops every unfinished job with TerminateJob, which cancels the ones that have not started (AWS Batch
 * API Reference, TerminateJob): CancelJob is never sent.
 */
describe('Integration: terminate', () => {
  const reason = 'sample withdrawn by the lab';

  beforeEach(async () => {
    await resetMoto();
  });

  async function setUp() {
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    const clients = motoClients();
    const calls = recordCalls(clients.batch);
    const handler = createHandler({ batch: new SdkBatchGateway(clients.batch) });
    return { fixtures, environment, calls, handler };
  }

  describe.each<HeldStatus>(['SUBMITTED', 'PENDING', 'RUNNABLE'])('a job in %s', (status) => {
    it('is cancelled by TerminateJob with the reason given', async () => {
      const { fixtures, environment, calls, handler } = await setUp();
      const jobId = await submitHeldJob(fixtures.batch, environment, status);

      await expect(handler({ jobId, reason })).resolves.toEqual({ jobId, previousStatus: status, action: 'cancelled' });

      // One look and one TerminateJob: it stops the job whether or not it starts in between, so nothing to re-check.
      expect(calls.counts()).toEqual({ DescribeJobsCommand: 1, TerminateJobCommand: 1 });
      expect(calls.inputsOf('TerminateJob')).toEqual([{ jobId, reason }]);
      expect((await describeJob(fixtures.batch, jobId)).statusReason).toBe(reason);
    });
  });

  describe('a job in STARTING', () => {
    it('is terminated with the reason given', async () => {
      const { fixtures, environment, calls, handler } = await setUp();
      const jobId = await submitHeldJob(fixtures.batch, environment, 'STARTING');

      await expect(handler({ jobId, reason })).resolves.toEqual({ jobId, previousStatus: 'STARTING', action: 'terminated' });

      expect(calls.counts()).toEqual({ DescribeJobsCommand: 1, TerminateJobCommand: 1 });
      expect(calls.inputsOf('TerminateJob')).toEqual([{ jobId, reason }]);
      expect((await describeJob(fixtures.batch, jobId)).statusReason).toBe(reason);
    });
  });

  describe('a finished job', () => {
    it('is left alone when it SUCCEEDED', async () => {
      const { fixtures, environment, calls, handler } = await setUp();
      const jobId = await submitJob(fixtures.batch, environment);

      await expect(handler({ jobId, reason })).resolves.toEqual({ jobId, previousStatus: 'SUCCEEDED', action: 'none' });

      expect(calls.counts()).toEqual({ DescribeJobsCommand: 1 });
      const job = await describeJob(fixtures.batch, jobId);
      expect(job.status).toBe('SUCCEEDED');
      expect(job.statusReason).toBeUndefined();
    });

    it('is left alone when it FAILED', async () => {
      const { fixtures, environment, calls, handler } = await setUp();
      const jobId = await submitFailedJob(fixtures.batch, environment);

      await expect(handler({ jobId, reason })).resolves.toEqual({ jobId, previousStatus: 'FAILED', action: 'none' });

      expect(calls.counts()).toEqual({ DescribeJobsCommand: 1 });
      expect((await describeJob(fixtures.batch, jobId)).statusReason).not.toBe(reason);
    });
  });

  /**
   * Many jobs in one request. moto 5.2.1 has no TerminateJobs (no `/v1/terminatejobs` route: it answers 404), so this
   * suite proves the fallback the gateway takes on such an endpoint: one TerminateJobs, answered 404, then TerminateJob
   * for each job, and TerminateJob straight away on the next request. The bulk path itself (TerminateJobs of up to
   * 50, its per-job errors) is proven by the unit tests over the SDK's own serialisation (test/lambda/call-counts).
   */
  describe('many jobs', () => {
    it('stops the unfinished ones, leaves the finished ones, reports unknown ids, and falls back to TerminateJob on moto', async () => {
      const { fixtures, environment, calls, handler } = await setUp();
      const runnable = await submitHeldJob(fixtures.batch, environment, 'RUNNABLE');
      const finished = await submitJob(fixtures.batch, environment);
      const array = await submitJob(fixtures.batch, environment, { jobName: 'array', arrayProperties: { size: 3 } });
      const unknown = randomUUID();

      const response = (await handler({ jobIds: [runnable, finished, unknown, array], reason })) as TerminateJobsResponse;

      expect(response).toEqual<TerminateJobsResponse>({
        jobs: [
          { jobId: runnable, previousStatus: 'RUNNABLE', action: 'cancelled' },
          { jobId: finished, previousStatus: 'SUCCEEDED', action: 'none' },
          { jobId: array, previousStatus: 'SUCCEEDED', action: 'none' },
        ],
        notFound: [unknown],
        failed: [],
      });
      // One TerminateJob: a single job left to stop costs no more than TerminateJobs would.
      expect(calls.counts()).toEqual({ DescribeJobsCommand: 1, TerminateJobCommand: 1 });
      expect((await describeJob(fixtures.batch, runnable)).statusReason).toBe(reason);
    });

    it('tries TerminateJobs for several unfinished jobs, and on moto, which lacks it, stops each with TerminateJob', async () => {
      const { fixtures, environment, calls, handler } = await setUp();
      // In this order: holding a job in STARTING moves moto's jobs on a timer for a moment, which would release a job
      // already held; a SUBMITTED job is held by the same freeze that keeps the first one where it is.
      const held = [
        await submitHeldJob(fixtures.batch, environment, 'STARTING'),
        await submitHeldJob(fixtures.batch, environment, 'SUBMITTED'),
      ];

      const response = (await handler({ jobIds: held, reason })) as TerminateJobsResponse;
      for (const jobId of held) expect((await describeJob(fixtures.batch, jobId)).statusReason).toBe(reason);
      // moto leaves a held job where it is held, so a second request finds them unfinished and stops them again.
      const again = (await handler({ jobIds: held, reason: 'second thoughts' })) as TerminateJobsResponse;

      expect(response.jobs.map((job) => job.action)).toEqual(['terminated', 'cancelled']);
      expect(again.failed).toEqual([]);
      expect(calls.calls.map((call) => call.command)).toEqual([
        'DescribeJobsCommand',
        'TerminateJobsCommand',
        'TerminateJobCommand',
        'TerminateJobCommand',
        'DescribeJobsCommand',
        'TerminateJobCommand',
        'TerminateJobCommand',
      ]);
      expect(calls.inputsOf('TerminateJobs')).toEqual([{ jobs: held, reason }]);
      expect(calls.inputsOf('TerminateJob').slice(2)).toEqual(held.map((jobId) => ({ jobId, reason: 'second thoughts' })));
    });
  });

  it('throws BatchJobNotFoundError for an id Batch has not listed for 3.75 s, and stops nothing', async () => {
    const { calls, handler } = await setUp();
    const jobId = randomUUID();
    const started = Date.now();

    const request = handler({ jobId, reason });

    await expect(request).rejects.toBeInstanceOf(BatchJobNotFoundError);
    await expect(request).rejects.toMatchObject({ name: 'BatchJobNotFoundError', jobId });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_750);
    expect(calls.counts()).toEqual({ DescribeJobsCommand: 5 });
  });
});
