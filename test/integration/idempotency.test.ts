import { ListJobsCommand } from '@aws-sdk/client-batch';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SdkBatchGateway } from '../../lambda/aws/batch';
import { DynamoDbAttemptLedger, PowertoolsIdempotency } from '../../lambda/aws/idempotency';
import { SdkS3Gateway } from '../../lambda/aws/s3';
import type { BatchGateway } from '../../lambda/core/ports';
import { createHandler } from '../../lambda/handlers/submit';
import { ConfigurationError, IdempotencyConflictError, IdempotencyInProgressError, S3ObjectNotFoundError } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { Parameter } from '../../lib/model/parameters';
import { motoClients, motoEndpoint, recordCalls, REGION, resetMoto } from './moto/aws';
import { BatchEnvironment, createBatchEnvironment, createBucket, createIdempotencyTable, putObject } from './moto/fixtures';

const TABLE = 'pendant-idempotency';
const BUCKET = 'pendant-inputs';
const INPUT = `s3://${BUCKET}/reads/sample-1.fastq`;

function dynamodb(): DynamoDBClient {
  return new DynamoDBClient({ endpoint: motoEndpoint(), region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
}

function configFor(environment: BatchEnvironment, idempotencyTable?: string): RuntimeConfig {
  return new RuntimeConfig(
    encodeConfig({
      jobDefinitions: {
        align: {
          definition: `${environment.jobDefinitionName}:${environment.revision}`,
          parameters: { input: Parameter.s3Object({ mustExist: true, within: [`s3://${BUCKET}/reads/`] }), threads: Parameter.integer({ default: 1, min: 1, max: 64 }) },
        },
      },
      jobQueues: [environment.jobQueueArn],
      ...(idempotencyTable && { idempotencyTable }),
    }),
  );
}

describe('Integration: idempotent submit', () => {
  beforeEach(async () => {
    await resetMoto();
  });

  async function setUp(options: { batch?: (real: BatchGateway) => BatchGateway } = {}) {
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    await createBucket(fixtures.s3, BUCKET);
    await putObject(fixtures.s3, INPUT);
    const table = dynamodb();
    await createIdempotencyTable(table, TABLE);
    const clients = motoClients();
    const batchCalls = recordCalls(clients.batch);
    const realBatch = new SdkBatchGateway(clients.batch);
    const config = configFor(environment, TABLE);
    const handler = createHandler({
      config,
      batch: options.batch ? options.batch(realBatch) : realBatch,
      s3: new SdkS3Gateway(clients.s3),
      idempotency: new PowertoolsIdempotency(config.idempotencyTable, config.idempotencyWindowSeconds, dynamodb()),
      attempts: new DynamoDbAttemptLedger(config.idempotencyTable, config.idempotencyWindowSeconds, dynamodb()),
    });
    const jobsInMoto = async () =>
      (await fixtures.batch.send(new ListJobsCommand({ jobQueue: environment.jobQueueArn, jobStatus: 'SUCCEEDED' }))).jobSummaryList ?? [];
    return { environment, batchCalls, handler, table, jobsInMoto };
  }

  it('answers a repeated request with the first submission instead of submitting again', async () => {
    const { batchCalls, handler, jobsInMoto, table } = await setUp();
    const request = { jobDefinition: 'align', parameters: { input: INPUT, threads: 4 }, idempotencyKey: 'sample-1-run-7' };

    const first = await handler(request);
    const repeat = await handler({ ...request, parameters: { threads: 4, input: INPUT } });

    expect(repeat).toEqual(first);
    expect(batchCalls.count('SubmitJob')).toBe(1);
    expect((await jobsInMoto()).map((job) => job.jobId)).toEqual([first.jobId]);
    const items = (await table.send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
    // Powertools' record of the result, and the record of the one SubmitJob attempt beside it.
    const records = items.filter((item) => !item.id.S!.startsWith('pendant-submit-attempt#'));
    expect(records).toHaveLength(1);
    expect(records[0].status.S).toBe('COMPLETED');
    const attempts = items.filter((item) => item.id.S!.startsWith('pendant-submit-attempt#'));
    expect(attempts.map((item) => item.attempt.N)).toEqual(['1']);
    // The records live at least a day: the idempotency window.
    for (const item of items) expect(Number(item.expiration.N) - Date.now() / 1000).toBeGreaterThan(24 * 60 * 60 - 60);
  });

  it('throws IdempotencyConflictError for another request under the same key, submitting nothing', async () => {
    const { batchCalls, handler, jobsInMoto } = await setUp();
    await handler({ jobDefinition: 'align', parameters: { input: INPUT, threads: 4 }, idempotencyKey: 'sample-1-run-7' });

    const conflict = handler({ jobDefinition: 'align', parameters: { input: INPUT, threads: 8 }, idempotencyKey: 'sample-1-run-7' });

    await expect(conflict).rejects.toThrow(IdempotencyConflictError);
    await expect(conflict).rejects.toMatchObject({ name: 'IdempotencyConflictError', idempotencyKey: 'sample-1-run-7' });
    expect(batchCalls.count('SubmitJob')).toBe(1);
    expect(await jobsInMoto()).toHaveLength(1);
  });

  it('submits every request without a key, and every distinct key once', async () => {
    const { batchCalls, handler, jobsInMoto } = await setUp();
    const request = { jobDefinition: 'align', parameters: { input: INPUT } };

    await handler(request);
    await handler(request);
    await handler({ ...request, idempotencyKey: 'a' });
    await handler({ ...request, idempotencyKey: 'b' });
    await handler({ ...request, idempotencyKey: 'a' });

    expect(batchCalls.count('SubmitJob')).toBe(4);
    expect(await jobsInMoto()).toHaveLength(4);
  });

  it('remembers nothing when the submission fails, so a retry after the fix submits', async () => {
    const { batchCalls, handler, jobsInMoto } = await setUp();
    const missing = `s3://${BUCKET}/reads/sample-2.fastq`;
    const request = { jobDefinition: 'align', parameters: { input: missing }, idempotencyKey: 'sample-2' };

    await expect(handler(request)).rejects.toThrow(S3ObjectNotFoundError);
    await putObject(motoClients().s3, missing);
    const response = await handler(request);

    expect(batchCalls.count('SubmitJob')).toBe(1);
    expect((await jobsInMoto()).map((job) => job.jobId)).toEqual([response.jobId]);
  });

  it('throws IdempotencyInProgressError to a repeat that arrives while the first is still submitting', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { handler, jobsInMoto } = await setUp({
      batch: (real) => ({
        describeJobs: (ids) => real.describeJobs(ids),
        findJobs: (queue, name) => real.findJobs(queue, name),
        latestActiveRevision: (name) => real.latestActiveRevision(name),
        terminateJob: (id, reason) => real.terminateJob(id, reason),
        terminateJobs: (ids, reason) => real.terminateJobs(ids, reason),
        listChildren: (request) => real.listChildren(request),
        isActiveRevision: (name, revision) => real.isActiveRevision(name, revision),
        submitJob: async (input) => {
          await held;
          return real.submitJob(input);
        },
      }),
    });
    const request = { jobDefinition: 'align', parameters: { input: INPUT }, idempotencyKey: 'slow-one' };

    const first = handler(request);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(handler(request)).rejects.toThrow(IdempotencyInProgressError);
    release();
    const answered = await first;

    expect(await handler(request)).toEqual(answered);
    expect(await jobsInMoto()).toHaveLength(1);
  });

  it('throws ConfigurationError for a keyed request when no table is configured, before any AWS call', async () => {
    const fixtures = motoClients();
    const environment = await createBatchEnvironment(fixtures.batch);
    const clients = motoClients();
    const batchCalls = recordCalls(clients.batch);
    const handler = createHandler({ config: configFor(environment), batch: new SdkBatchGateway(clients.batch), s3: new SdkS3Gateway(clients.s3) });

    const attempt = handler({ jobDefinition: 'align', parameters: { input: INPUT }, idempotencyKey: 'k' });

    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(attempt).rejects.toThrow('invalid configuration in PENDANT_IDEMPOTENCY_TABLE: is not set');
    expect(batchCalls.calls).toEqual([]);
  });
});
