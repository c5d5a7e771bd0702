import { CreateJobQueueCommand } from '@aws-sdk/client-batch';
import { randomUUID } from 'node:crypto';
import { SdkBatchGateway } from '../../lambda/aws/batch';
import { createHandler as createLogsHandler } from '../../lambda/handlers/logs';
import { createHandler as createStatusHandler } from '../../lambda/handlers/status';
import { createHandler as createSubmitHandler } from '../../lambda/handlers/submit';
import { createHandler as createTerminateHandler } from '../../lambda/handlers/terminate';
import { BatchJobNotFoundError } from '../../lib/model';
import { encodeConfig, PLATFORM_TAG, RuntimeConfig } from '../../lib/model/config';
import { motoClients, recordCalls, resetMoto } from './moto/aws';
import { createBatchEnvironment, describeJob, submitHeldJob, submitJob } from './moto/fixtures';

const PLATFORM_ID = 'TestPlatformRuntime1a2b3c4d';

/**
 * status, logs and terminate act on the platform's jobs only: those carrying its `pendant:platform` tag on one of its
 * queues. Any other job is answered exactly like an id Batch does not know: `BatchJobNotFoundError`, after the same
 * calls, and terminate sends nothing for it.
 */
describe('Integration: the functions act on the platform’s jobs only', () => {
  beforeEach(async () => {
    await resetMoto();
  });

  async function setUp() {
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    // A queue of the same account that is not the platform's, on the same compute environment.
    const other = await fixtures.batch.send(
      new CreateJobQueueCommand({
        jobQueueName: 'someone-elses-queue',
        state: 'ENABLED',
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: environment.computeEnvironmentArn }],
      }),
    );
    const config = new RuntimeConfig(
      encodeConfig({
        jobDefinitions: { align: { definition: `${environment.jobDefinitionName}:${environment.revision}` } },
        jobQueues: [environment.jobQueueArn],
        platformId: PLATFORM_ID,
      }),
    );
    const clients = motoClients();
    const calls = recordCalls(clients.batch);
    const batch = new SdkBatchGateway(clients.batch);
    const sleep = async () => undefined;
    return {
      fixtures,
      environment,
      otherQueue: other.jobQueueArn!,
      calls,
      submit: createSubmitHandler({ config, batch }),
      status: createStatusHandler({ config, batch, sleep }),
      logs: createLogsHandler({ config, batch, sleep }),
      terminate: createTerminateHandler({ config, batch, sleep }),
    };
  }

  it("tags every job submit starts with the platform's id, and describes it", async () => {
    const { fixtures, submit, status } = await setUp();

    const { jobId } = await submit({ jobDefinition: 'align' });

    expect((await describeJob(fixtures.batch, jobId)).tags).toEqual({ [PLATFORM_TAG]: PLATFORM_ID });
    await expect(status({ jobId })).resolves.toMatchObject({ jobId });
  });

  describe.each([
    ['submitted directly to a queue that is not the platform’s, even with its tag', 'other', { [PLATFORM_TAG]: PLATFORM_ID }],
    ['submitted directly to a platform queue without the tag', 'platform', undefined],
    ['carrying another platform’s tag', 'platform', { [PLATFORM_TAG]: 'SomeOtherPlatform' }],
  ] as const)('a job %s', (_what, queue, tags) => {
    it('is answered BatchJobNotFoundError by status, logs and terminate, with the calls an unknown id gets', async () => {
      const context = await setUp();
      const jobQueue = queue === 'other' ? context.otherQueue : context.environment.jobQueueArn;
      const foreign = await submitJob(context.fixtures.batch, context.environment, { jobQueue, ...(tags && { tags }) });
      const missing = randomUUID();

      const callsFor: Array<Record<string, number>> = [];
      for (const jobId of [foreign, missing]) {
        const before = context.calls.counts();
        await expect(context.status({ jobId })).rejects.toThrow(new BatchJobNotFoundError(jobId));
        await expect(context.logs({ jobId })).rejects.toThrow(new BatchJobNotFoundError(jobId));
        await expect(context.terminate({ jobId, reason: 'not yours' })).rejects.toThrow(new BatchJobNotFoundError(jobId));
        const after = context.calls.counts();
        callsFor.push(Object.fromEntries(Object.entries(after).map(([name, count]) => [name, count - (before[name] ?? 0)])));
      }
      // Five DescribeJobs each (the not-found retries), and nothing else: the same for a foreign and a missing id.
      expect(callsFor).toEqual([{ DescribeJobsCommand: 15 }, { DescribeJobsCommand: 15 }]);
      await expect(context.status({ jobIds: [foreign, missing] })).resolves.toEqual({ jobs: [], notFound: [foreign, missing] });
    });
  });

  it('never stops a job that is not the platform’s, though it is still active', async () => {
    const { fixtures, environment, otherQueue, calls, terminate } = await setUp();
    const foreign = await submitHeldJob(fixtures.batch, environment, 'RUNNABLE', { jobQueue: otherQueue, tags: { [PLATFORM_TAG]: PLATFORM_ID } });

    await expect(terminate({ jobId: foreign, reason: 'not yours' })).rejects.toThrow(BatchJobNotFoundError);

    expect(calls.inputsOf('TerminateJob')).toEqual([]);
    expect((await describeJob(fixtures.batch, foreign)).statusReason ?? null).not.toBe('not yours');
  });
});
