import { SdkS3Gateway } from '../../lambda/aws/s3';
import { createHandler } from '../../lambda/handlers/validate';
import { encodeConfig, Parameter, RuntimeConfig } from '../../lib/model';
import { motoClients, recordCalls, resetMoto } from './moto/aws';
import { createBucket, putObject } from './moto/fixtures';

const BUCKET = 'pendant-inputs';
const INPUT = `s3://${BUCKET}/reads/sample-1.fastq`;

const config = new RuntimeConfig(
  encodeConfig({
    jobDefinitions: {
      align: {
        definition: 'pendant-align:1',
        parameters: {
          input: Parameter.s3Object({ mustExist: true }),
          reference: Parameter.s3Object({ mustExist: true, default: `s3://${BUCKET}/reference/genome.fa` }),
          threads: Parameter.integer({ default: 1, min: 1, max: 64 }),
        },
      },
    },
    jobQueues: ['pendant-queue'],
  }),
);

describe('Integration: validate', () => {
  beforeEach(async () => {
    await resetMoto();
  });

  function setUp() {
    const fixtures = motoClients();
    const clients = motoClients();
    const calls = recordCalls(clients.s3);
    const handler = createHandler({ config, s3: new SdkS3Gateway(clients.s3) });
    return { fixtures, calls, handler };
  }

  it('reports a missing "must exist" object as not-found, naming its URI, then valid once it exists', async () => {
    const { fixtures, calls, handler } = setUp();
    await createBucket(fixtures.s3, BUCKET);
    await putObject(fixtures.s3, `s3://${BUCKET}/reference/genome.fa`, '>chr1\nACGT\n');

    await expect(handler({ jobDefinition: 'align', parameters: { input: INPUT, threads: 8 } })).resolves.toEqual({
      valid: false,
      problems: [{ parameter: 'input', code: 'not-found', message: `S3 object does not exist: ${INPUT}` }],
    });

    await putObject(fixtures.s3, INPUT);
    await expect(handler({ jobDefinition: 'align', parameters: { input: INPUT, threads: 8 } })).resolves.toEqual({ valid: true, problems: [] });
    // One HeadObject per object that must exist (the given input and the default reference), per request.
    expect(calls.counts()).toEqual({ HeadObjectCommand: 4 });
    expect(calls.inputsOf('HeadObject').map((input) => input.Key).sort()).toEqual(['reads/sample-1.fastq', 'reads/sample-1.fastq', 'reference/genome.fa', 'reference/genome.fa']);
  });

  it('reports a missing default object as not-found too', async () => {
    const { fixtures, handler } = setUp();
    await createBucket(fixtures.s3, BUCKET);
    await putObject(fixtures.s3, INPUT);

    await expect(handler({ jobDefinition: 'align', parameters: { input: INPUT } })).resolves.toEqual({
      valid: false,
      problems: [{ parameter: 'reference', code: 'not-found', message: `S3 object does not exist: s3://${BUCKET}/reference/genome.fa` }],
    });
  });

  it('reports an object in a bucket that does not exist as not-found', async () => {
    const { handler } = setUp();

    const result = await handler({ jobDefinition: 'align', parameters: { input: 's3://no-such-bucket/x.fastq' } });

    expect(result.valid).toBe(false);
    expect(result.problems).toEqual(
      expect.arrayContaining([{ parameter: 'input', code: 'not-found', message: 'S3 object does not exist: s3://no-such-bucket/x.fastq' }]),
    );
  });

  it('asks S3 only about objects whose values are valid', async () => {
    const { calls, handler } = setUp();

    const result = await handler({ jobDefinition: 'align', parameters: { input: 'not-a-uri', threads: 0 } });

    expect(result.valid).toBe(false);
    expect(result.problems.map((problem) => [problem.parameter, problem.code])).toEqual(
      expect.arrayContaining([
        ['input', 'invalid-s3-uri'],
        ['threads', 'range'],
      ]),
    );
    // The default reference must still exist; the malformed input is not looked up.
    expect(calls.inputsOf('HeadObject').map((input) => input.Key)).toEqual(['reference/genome.fa']);
  });

  // Through the real SDK a lone surrogate in a key would throw URIError while the request is built; the other keys are
  // refused by pendant's documented rule. Each is a problem of the parameter, never a crash, and never reaches S3.
  it.each<[string, string]>([
    ['a lone high surrogate', `${INPUT}\ud800`],
    ['a lone low surrogate', `s3://${BUCKET}/reads/\udc00.fastq`],
    ['a ".." segment', `s3://${BUCKET}/reads/../reference/genome.fa`],
    ['a control character', `s3://${BUCKET}/reads/a\u0000.fastq`],
    ['a key not in NFC', `s3://${BUCKET}/reads/e\u0301.fastq`],
  ])('answers an input key with %s as invalid-s3-uri without asking S3 about it', async (_what, input) => {
    const { fixtures, calls, handler } = setUp();
    await createBucket(fixtures.s3, BUCKET);
    await putObject(fixtures.s3, `s3://${BUCKET}/reference/genome.fa`);

    const result = await handler({ jobDefinition: 'align', parameters: { input } });

    expect(result.problems).toEqual([expect.objectContaining({ parameter: 'input', code: 'invalid-s3-uri' })]);
    expect(calls.inputsOf('HeadObject').map((headInput) => headInput.Key)).toEqual(['reference/genome.fa']);
  });
});
