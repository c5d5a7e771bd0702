import { DeregisterJobDefinitionCommand, ListJobsCommand, RegisterJobDefinitionCommand } from '@aws-sdk/client-batch';
import { SdkBatchGateway } from '../../lambda/aws/batch';
import { SdkS3Gateway } from '../../lambda/aws/s3';
import { createHandler } from '../../lambda/handlers/submit';
import { createHandler as createStatusHandler } from '../../lambda/handlers/status';
import { createHandler as createTerminateHandler } from '../../lambda/handlers/terminate';
import { InvalidRequestError, S3ObjectNotFoundError, StatusResponse, UnknownJobDefinitionError } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { Parameter } from '../../lib/model/parameters';
import { ACCOUNT, motoClients, recordCalls, REGION, resetMoto } from './moto/aws';
import { BatchEnvironment, containerProperties, createBatchEnvironment, createBucket, describeJob, holdJob, putObject, registerJobDefinition } from './moto/fixtures';

const BUCKET = 'pendant-inputs';
const INPUT = `s3://${BUCKET}/reads/sample-1.fastq`;
const MOMENT = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

const definitionArn = (nameAndRevision: string) => `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${nameAndRevision}`;

function configFor(environment: BatchEnvironment): RuntimeConfig {
  const parameters = {
    input: Parameter.s3Object({ mustExist: true, within: [`s3://${BUCKET}/reads/`] }),
    threads: Parameter.integer({ default: 1, min: 1, max: 64 }),
    mode: Parameter.enum(['fast', 'sensitive'], { default: 'fast' }),
  };
  return new RuntimeConfig(
    encodeConfig({
      jobDefinitions: {
        // Pinned, as the constructs deploy it: the revision that went out with the function.
        // Callers may replace its command, set two variables and ask for up to 4 vCPUs and 8 GiB.
        align: {
          definition: `${environment.jobDefinitionName}:${environment.revision}`,
          parameters,
          overrides: { command: true, environment: ['SAMPLE', 'LOG_LEVEL'], maxVcpus: 4, maxMemoryMebibytes: 8192 },
        },
        // By name only: Batch's latest ACTIVE revision. It declares no override policy: nothing may be overridden.
        'align-latest': { definition: environment.jobDefinitionName, parameters },
        // The list and number kinds, on the same Batch definition.
        merge: {
          definition: `${environment.jobDefinitionName}:${environment.revision}`,
          parameters: {
            parts: Parameter.s3Objects({ mustExist: true, within: [`s3://${BUCKET}/reads/`] }),
            ratio: Parameter.number({ min: 0, max: 1 }),
          },
        },
      },
      jobQueues: [environment.jobQueueArn],
    }),
  );
}

describe('Integration: submit', () => {
  beforeEach(async () => {
    await resetMoto();
  });

  async function setUp(options: { withInput?: boolean } = {}) {
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    await createBucket(fixtures.s3, BUCKET);
    if (options.withInput ?? true) await putObject(fixtures.s3, INPUT);
    const clients = motoClients();
    const batchCalls = recordCalls(clients.batch);
    const s3Calls = recordCalls(clients.s3);
    const handler = createHandler({
      config: configFor(environment),
      batch: new SdkBatchGateway(clients.batch),
      s3: new SdkS3Gateway(clients.s3),
      now: () => MOMENT,
    });
    return { fixtures, environment, batchCalls, s3Calls, handler };
  }

  it('submits parameters and container overrides that Batch then shows on the job', async () => {
    const { fixtures, environment, batchCalls, s3Calls, handler } = await setUp();

    const response = await handler({
      jobDefinition: 'align',
      jobName: 'align-sample-1',
      parameters: { input: INPUT, threads: 8, mode: 'sensitive' },
      containerOverrides: {
        command: ['align', 'Ref::input', '--threads', 'Ref::threads', '--mode', 'Ref::mode'],
        environment: { SAMPLE: 'sample-1', LOG_LEVEL: 'debug' },
        vcpus: 2,
        memoryMiB: 4096,
      },
    });

    expect(response).toEqual({
      jobId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      jobName: 'align-sample-1',
      jobArn: `arn:aws:batch:${REGION}:${ACCOUNT}:job/${response.jobId}`,
      jobDefinition: `${environment.jobDefinitionName}:1`,
      jobQueue: environment.jobQueueName,
    });
    const job = await describeJob(fixtures.batch, response.jobId);
    expect(job).toMatchObject({
      jobName: 'align-sample-1',
      jobQueue: environment.jobQueueArn,
      jobDefinition: definitionArn(`${environment.jobDefinitionName}:1`),
      parameters: { input: INPUT, threads: '8', mode: 'sensitive' },
      container: { command: ['align', 'Ref::input', '--threads', 'Ref::threads', '--mode', 'Ref::mode'] },
    });
    expect(job.container?.environment).toEqual(
      expect.arrayContaining([
        { name: 'SAMPLE', value: 'sample-1' },
        { name: 'LOG_LEVEL', value: 'debug' },
      ]),
    );
    // moto does not reflect resource overrides in DescribeJobs: check what went over the wire instead.
    expect(batchCalls.inputsOf('SubmitJob')).toEqual([
      expect.objectContaining({
        jobQueue: environment.jobQueueArn,
        containerOverrides: expect.objectContaining({
          resourceRequirements: [
            { type: 'VCPU', value: '2' },
            { type: 'MEMORY', value: '4096' },
          ],
        }),
      }),
    ]);
    expect(batchCalls.counts()).toEqual({ SubmitJobCommand: 1 });
    expect(s3Calls.counts()).toEqual({ HeadObjectCommand: 1 });
  });

  it('leaves unset parameters to the job definition defaults and names the job after the definition and the time', async () => {
    const { fixtures, environment, handler } = await setUp();

    const response = await handler({ jobDefinition: 'align', parameters: { input: INPUT } });

    expect(response.jobName).toBe('2026-01-02T03-04-05_align');
    const job = await describeJob(fixtures.batch, response.jobId);
    // threads comes from the job definition's own default (1); mode has none there, so Batch does not know it.
    expect(job.parameters).toEqual({ input: INPUT, threads: '1' });
    expect(job.jobDefinition).toBe(definitionArn(`${environment.jobDefinitionName}:1`));
  });

  it('submits an array job that waits for another job', async () => {
    const { fixtures, handler } = await setUp();
    const first = await handler({ jobDefinition: 'align', parameters: { input: INPUT } });

    const array = await handler({
      jobDefinition: 'align',
      parameters: { input: INPUT },
      arraySize: 3,
      dependsOn: [first.jobId, { jobId: first.jobId, type: 'N_TO_N' }],
    });

    const job = await describeJob(fixtures.batch, array.jobId);
    expect(job.dependsOn).toEqual([{ jobId: first.jobId }, { jobId: first.jobId, type: 'N_TO_N' }]);
    expect(job.arrayProperties?.size).toBe(3);
  });

  // AWS Batch User Guide, "Job dependencies": "For array jobs, you can specify a SEQUENTIAL type dependency without
  // specifying a job ID so that each child array job completes sequentially, starting at index 0."
  it('submits an array job whose children run one after another: SEQUENTIAL without a job id', async () => {
    const { fixtures, batchCalls, handler } = await setUp();

    const array = await handler({ jobDefinition: 'align', parameters: { input: INPUT }, arraySize: 3, dependsOn: [{ type: 'SEQUENTIAL' }] });

    expect(batchCalls.inputsOf('SubmitJob')).toEqual([expect.objectContaining({ arrayProperties: { size: 3 }, dependsOn: [{ type: 'SEQUENTIAL' }] })]);
    expect((await describeJob(fixtures.batch, array.jobId)).arrayProperties?.size).toBe(3);
  });

  describe('refusals before any AWS call', () => {
    async function refusal(event: unknown): Promise<InvalidRequestError> {
      const { batchCalls, s3Calls, handler } = await setUp();
      const error = await handler(event).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(batchCalls.counts()).toEqual({});
      expect(s3Calls.counts()).toEqual({});
      return error as InvalidRequestError;
    }

    it.each<[string, object, string, string]>([
      ['the command of a definition that allows none', { jobDefinition: 'align-latest', containerOverrides: { command: ['sh', '-c', 'id'] } }, 'containerOverrides.command', 'not-allowed'],
      ['LD_PRELOAD', { jobDefinition: 'align', containerOverrides: { environment: { SAMPLE: 's', LD_PRELOAD: '/tmp/x.so' } } }, 'containerOverrides.environment.LD_PRELOAD', 'not-allowed'],
      ['vcpus above the declared bound', { jobDefinition: 'align', containerOverrides: { vcpus: 8 } }, 'containerOverrides.vcpus', 'above-limit'],
      ['vcpus of 1e-320', { jobDefinition: 'align', containerOverrides: { vcpus: 1e-320 } }, 'containerOverrides.vcpus', 'granularity'],
      ['an input key with a lone surrogate', { jobDefinition: 'align', parameters: { input: `${INPUT}\ud800` } }, 'parameters.input', 'invalid-s3-uri'],
      ['an input key with a ".." segment', { jobDefinition: 'align', parameters: { input: `s3://${BUCKET}/reads/../secret` } }, 'parameters.input', 'invalid-s3-uri'],
      ['N_TO_N on a job that is not an array job', { jobDefinition: 'align', dependsOn: [{ jobId: '8c5b2c46-5a3b-4f8e-9d43-1f2a3b4c5d6e', type: 'N_TO_N' }] }, 'dependsOn[0].type', 'array-only'],
    ])('refuses %s, naming the field', async (_what, event, field, rule) => {
      const error = await refusal({ parameters: { input: INPUT }, ...event });
      expect(error.problems).toContainEqual(expect.objectContaining({ field, rule }));
    });
  });

  describe('revisions', () => {
    async function withTwoRevisions() {
      const context = await setUp();
      const second = await registerJobDefinition(context.fixtures.batch, context.environment.jobDefinitionName, {
        parameters: { threads: '2' },
        command: ['align2', 'Ref::input'],
      });
      expect(second).toBe(2);
      return context;
    }

    it('submits at the revision deployed with the function, not the newest', async () => {
      const { fixtures, environment, batchCalls, handler } = await withTwoRevisions();

      const response = await handler({ jobDefinition: 'align', parameters: { input: INPUT } });

      expect(response.jobDefinition).toBe(`${environment.jobDefinitionName}:1`);
      expect((await describeJob(fixtures.batch, response.jobId)).jobDefinition).toBe(definitionArn(`${environment.jobDefinitionName}:1`));
      expect(batchCalls.count('DescribeJobDefinitions')).toBe(0);
    });

    it('submits at the revision the request pins', async () => {
      const { fixtures, environment, batchCalls, handler } = await withTwoRevisions();

      const response = await handler({ jobDefinition: 'align', revision: 2, parameters: { input: INPUT } });

      expect(response.jobDefinition).toBe(`${environment.jobDefinitionName}:2`);
      const job = await describeJob(fixtures.batch, response.jobId);
      expect(job.jobDefinition).toBe(definitionArn(`${environment.jobDefinitionName}:2`));
      expect(job.parameters).toEqual({ input: INPUT, threads: '2' });
      // One look that the pinned revision is ACTIVE: it is not the one deployed with the function.
      expect(batchCalls.inputsOf('DescribeJobDefinitions')).toEqual([expect.objectContaining({ jobDefinitionName: environment.jobDefinitionName, status: 'ACTIVE' })]);
    });

    it('submits at the newest ACTIVE revision for "latest", skipping a deregistered one', async () => {
      const { fixtures, environment, batchCalls, handler } = await withTwoRevisions();

      const newest = await handler({ jobDefinition: 'align', revision: 'latest', parameters: { input: INPUT } });
      await fixtures.batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: `${environment.jobDefinitionName}:2` }));
      const active = await handler({ jobDefinition: 'align', revision: 'latest', parameters: { input: INPUT } });

      expect(newest.jobDefinition).toBe(`${environment.jobDefinitionName}:2`);
      expect((await describeJob(fixtures.batch, newest.jobId)).jobDefinition).toBe(definitionArn(`${environment.jobDefinitionName}:2`));
      expect(active.jobDefinition).toBe(`${environment.jobDefinitionName}:1`);
      expect((await describeJob(fixtures.batch, active.jobId)).jobDefinition).toBe(definitionArn(`${environment.jobDefinitionName}:1`));
      expect(batchCalls.inputsOf('DescribeJobDefinitions')).toEqual([
        expect.objectContaining({ jobDefinitionName: environment.jobDefinitionName, status: 'ACTIVE' }),
        expect.objectContaining({ jobDefinitionName: environment.jobDefinitionName, status: 'ACTIVE' }),
      ]);
    });

    it('submits at the newest ACTIVE revision when the configuration names no revision', async () => {
      const { environment, handler } = await withTwoRevisions();

      const response = await handler({ jobDefinition: 'align-latest', parameters: { input: INPUT } });

      expect(response.jobDefinition).toBe(`${environment.jobDefinitionName}:2`);
    });

    it('throws UnknownJobDefinitionError for "latest" when no revision is ACTIVE, and submits nothing', async () => {
      const { fixtures, environment, batchCalls, handler } = await withTwoRevisions();
      for (const revision of [1, 2]) {
        await fixtures.batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: `${environment.jobDefinitionName}:${revision}` }));
      }

      const submission = handler({ jobDefinition: 'align', revision: 'latest', parameters: { input: INPUT } });

      await expect(submission).rejects.toBeInstanceOf(UnknownJobDefinitionError);
      await expect(submission).rejects.toThrow(`job definition ${environment.jobDefinitionName} has no ACTIVE revision`);
      expect(batchCalls.count('SubmitJob')).toBe(0);
    });

    // The error class documents a revision that does not exist as UnknownJobDefinitionError; Batch's own refusal
    // of SubmitJob would only be a BatchJobSubmissionError.
    it('throws UnknownJobDefinitionError when Batch has no such revision, and submits nothing', async () => {
      const { environment, batchCalls, handler } = await withTwoRevisions();

      const submission = handler({ jobDefinition: 'align', revision: 7, parameters: { input: INPUT } });

      await expect(submission).rejects.toBeInstanceOf(UnknownJobDefinitionError);
      await expect(submission).rejects.toMatchObject({
        name: 'UnknownJobDefinitionError',
        jobDefinition: 'align:7',
        message: `job definition align has no ACTIVE revision 7 (${environment.jobDefinitionName}:7)`,
      });
      expect(batchCalls.count('SubmitJob')).toBe(0);
    });

    it('throws UnknownJobDefinitionError for a pinned revision that was deregistered', async () => {
      const { fixtures, environment, batchCalls, handler } = await withTwoRevisions();
      await fixtures.batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: `${environment.jobDefinitionName}:2` }));

      const submission = handler({ jobDefinition: 'align', revision: 2, parameters: { input: INPUT } });

      await expect(submission).rejects.toBeInstanceOf(UnknownJobDefinitionError);
      expect(batchCalls.count('SubmitJob')).toBe(0);
    });
  });

  it('submits an s3Objects list as one JSON array string and a number as its decimal string, checking every object first', async () => {
    const { fixtures, batchCalls, s3Calls, handler } = await setUp();
    const second = `s3://${BUCKET}/reads/sample-2.fastq`;
    await putObject(fixtures.s3, second);

    const response = await handler({ jobDefinition: 'merge', parameters: { parts: [INPUT, second], ratio: '2.5e-1' } });

    const job = await describeJob(fixtures.batch, response.jobId);
    // threads is the shared Batch definition's own default.
    expect(job.parameters).toEqual({ parts: JSON.stringify([INPUT, second]), ratio: '0.25', threads: '1' });
    expect(JSON.parse(job.parameters!.parts)).toEqual([INPUT, second]);
    expect(s3Calls.counts()).toEqual({ HeadObjectCommand: 2 });
    expect(batchCalls.counts()).toEqual({ SubmitJobCommand: 1 });
  });

  it('throws S3ObjectNotFoundError naming the missing items of an s3Objects list, and creates no job', async () => {
    const { batchCalls, handler } = await setUp();
    const missing = [`s3://${BUCKET}/reads/sample-8.fastq`, `s3://${BUCKET}/reads/sample-9.fastq`];

    const submission = handler({ jobDefinition: 'merge', parameters: { parts: [INPUT, ...missing], ratio: 0 } });

    await expect(submission).rejects.toBeInstanceOf(S3ObjectNotFoundError);
    await expect(submission).rejects.toMatchObject({ uris: missing });
    expect(batchCalls.calls).toEqual([]);
  });

  it('throws S3ObjectNotFoundError naming the missing input, and creates no job', async () => {
    const { fixtures, environment, batchCalls, handler } = await setUp({ withInput: false });

    const submission = handler({ jobDefinition: 'align', parameters: { input: INPUT } });

    await expect(submission).rejects.toBeInstanceOf(S3ObjectNotFoundError);
    await expect(submission).rejects.toMatchObject({ uris: [INPUT], message: `S3 object not found: ${INPUT}` });
    expect(batchCalls.calls).toEqual([]);
    for (const jobStatus of ['SUBMITTED', 'SUCCEEDED', 'FAILED'] as const) {
      const listed = await fixtures.batch.send(new ListJobsCommand({ jobQueue: environment.jobQueueName, jobStatus }));
      expect(listed.jobSummaryList).toEqual([]);
    }
  });
});

describe('Integration: submit › tags, retry strategy, timeout and multi-node jobs', () => {
  beforeEach(async () => {
    await resetMoto();
  });

  it('submits tags and a timeout that Batch then shows on the job, and sends retryStrategy and propagateTags over the wire', async () => {
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    const clients = motoClients();
    const calls = recordCalls(clients.batch);
    const handler = createHandler({
      config: new RuntimeConfig(encodeConfig({ jobDefinitions: { report: { definition: `${environment.jobDefinitionName}:1` } }, jobQueues: [environment.jobQueueArn] })),
      batch: new SdkBatchGateway(clients.batch),
      s3: new SdkS3Gateway(clients.s3),
      now: () => MOMENT,
    });

    const response = await handler({
      jobDefinition: 'report',
      tags: { team: 'genomics', 'cost-centre': 'lab/42' },
      propagateTags: true,
      retryStrategy: { attempts: 2, evaluateOnExit: [{ action: 'retry', onStatusReason: 'Host EC2*' }, { action: 'EXIT', onExitCode: '*' }] },
      timeout: { attemptDurationSeconds: 600 },
    });

    const job = await describeJob(fixtures.batch, response.jobId);
    expect(job).toMatchObject({ tags: { team: 'genomics', 'cost-centre': 'lab/42' }, timeout: { attemptDurationSeconds: 600 } });
    // moto 5.2.1 keeps neither retryStrategy nor propagateTags of a submission in DescribeJobs: check the request.
    expect(calls.inputsOf('SubmitJob')).toEqual([
      expect.objectContaining({
        propagateTags: true,
        retryStrategy: { attempts: 2, evaluateOnExit: [{ action: 'RETRY', onStatusReason: 'Host EC2*' }, { action: 'EXIT', onExitCode: '*' }] },
      }),
    ]);
  });

  it('refuses a caller tag in the aws: namespace before any AWS call', async () => {
    const clients = motoClients();
    const calls = recordCalls(clients.batch);
    const handler = createHandler({
      config: new RuntimeConfig(encodeConfig({ jobDefinitions: { report: { definition: 'pendant-align:1' } }, jobQueues: ['pendant-queue'] })),
      batch: new SdkBatchGateway(clients.batch),
      s3: new SdkS3Gateway(clients.s3),
    });

    await expect(handler({ jobDefinition: 'report', tags: { 'aws:owner': 'me' } })).rejects.toThrow(
      'invalid request: tags."aws:owner": a tag key must not start with aws:: AWS reserves it [reserved-prefix]',
    );
    expect(calls.calls).toEqual([]);
  });

  // What moto 5.2.1 does with a multi-node parallel job (checked against the server): it registers a `multinode`
  // definition (DescribeJobDefinitions leaves nodeProperties out), takes nodeOverrides without applying them, and runs
  // the job as one container with one log stream: DescribeJobs knows no `<jobId>#<node>` and ListJobs by
  // multiNodeJobId lists nothing. The node-level behaviour is covered by the unit tests against AWS's documented shapes.
  it('submits a multi-node job with nodeOverrides, whose status reports its nodes, and stops it', async () => {
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    await fixtures.batch.send(
      new RegisterJobDefinitionCommand({
        jobDefinitionName: 'pendant-mpi',
        type: 'multinode',
        nodeProperties: { numNodes: 3, mainNode: 0, nodeRangeProperties: [{ targetNodes: '0:', container: containerProperties(['mpirun']) }] },
      }),
    );
    const clients = motoClients();
    const calls = recordCalls(clients.batch);
    const config = new RuntimeConfig(
      encodeConfig({
        jobDefinitions: { mpi: { definition: 'pendant-mpi:1', platform: 'EC2', nodes: { mainNode: 0, numNodes: 3, openRangeStart: 0 }, overrides: { command: true } } },
        jobQueues: [{ queue: environment.jobQueueArn, platform: 'EC2' }],
      }),
    );
    const gateway = new SdkBatchGateway(clients.batch);
    const submit = createHandler({ config, batch: gateway, s3: new SdkS3Gateway(clients.s3), now: () => MOMENT });
    // Held in SUBMITTED, so that it is still there to stop (moto's simple backend finishes a job inside SubmitJob).
    const jobId = await holdJob(fixtures.batch, 'SUBMITTED', async () =>
      (
        await submit({
          jobDefinition: 'mpi',
          nodeOverrides: { numNodes: 4, nodePropertyOverrides: [{ targetNodes: '0', containerOverrides: { command: ['main'], instanceType: 'c5.large' } }] },
        })
      ).jobId,
    );
    const submitted = { jobId };

    expect(calls.inputsOf('SubmitJob')).toEqual([
      expect.objectContaining({
        nodeOverrides: { numNodes: 4, nodePropertyOverrides: [{ targetNodes: '0', containerOverrides: { command: ['main'], instanceType: 'c5.large' } }] },
      }),
    ]);
    const status = (await createStatusHandler({ config, batch: gateway })({ jobIds: [submitted.jobId, `${submitted.jobId}#0`] })) as StatusResponse;
    expect(status.jobs.map((job) => [job.jobId, job.nodes])).toEqual([[submitted.jobId, { numNodes: 3, mainNode: 0 }]]);
    expect(status.notFound).toEqual([`${submitted.jobId}#0`]);
    expect(await createTerminateHandler({ batch: gateway })({ jobId, reason: 'stopped by the test' })).toEqual({ jobId, previousStatus: 'SUBMITTED', action: 'cancelled' });
    expect(calls.inputsOf('TerminateJob')).toEqual([{ jobId, reason: 'stopped by the test' }]);
  });
});
