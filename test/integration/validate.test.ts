import { SdkS3Gateway } from '../../lambda/aws/s3';
import { createHandler } from '../../lambda/handlers/validate';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { Parameter } from '../../lib/model/parameters';
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
          // A must-exist input needs within: the configuration refuses one without, as synth does.
          input: Parameter.s3Object({ mustExist: true, within: [`s3://${BUCKET}/reads/`, 's3://no-such-bucket/'] }),
          reference: Parameter.s3Object({ mustExist: true, within: [`s3://${BUCKET}/reference/`], default: `s3://${BUCKET}/reference/genome.fa` }),
          threads: Parameter.integer({ default: 1, min: 1, max: 64 }),
        },
      },
      merge: {
        definition: 'pendant-merge:1',
        parameters: {
          parts: Parameter.s3Objects({ mustExist: true, within: [`s3://${BUCKET}/reads/`], maxItems: 3 }),
          ratio: Parameter.number({ min: 0, max: 1, default: 0.5 }),
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
      problems: [{ field: 'parameters.input', rule: 'not-found', message: `S3 object does not exist: ${INPUT}` }],
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
      problems: [{ field: 'parameters.reference', rule: 'not-found', message: `S3 object does not exist: s3://${BUCKET}/reference/genome.fa` }],
    });
  });

  it('reports an object in a bucket that does not exist as not-found', async () => {
    const { handler } = setUp();

    const result = await handler({ jobDefinition: 'align', parameters: { input: 's3://no-such-bucket/x.fastq' } });

    expect(result.valid).toBe(false);
    expect(result.problems).toEqual(
      expect.arrayContaining([{ field: 'parameters.input', rule: 'not-found', message: 'S3 object does not exist: s3://no-such-bucket/x.fastq' }]),
    );
  });

  it('checks every object of an s3Objects list, naming each missing one, then valid once all exist', async () => {
    const { fixtures, calls, handler } = setUp();
    await createBucket(fixtures.s3, BUCKET);
    const parts = [1, 2, 3].map((index) => `s3://${BUCKET}/reads/part-${index}.fastq`);
    await putObject(fixtures.s3, parts[0]);

    await expect(handler({ jobDefinition: 'merge', parameters: { parts, ratio: '0.75' } })).resolves.toEqual({
      valid: false,
      problems: [
        { field: 'parameters.parts', rule: 'not-found', message: `S3 object does not exist: ${parts[1]}` },
        { field: 'parameters.parts', rule: 'not-found', message: `S3 object does not exist: ${parts[2]}` },
      ],
    });
    expect(calls.counts()).toEqual({ HeadObjectCommand: 3 });

    await putObject(fixtures.s3, parts[1]);
    await putObject(fixtures.s3, parts[2]);
    // The same list as the JSON string the job receives is accepted too.
    await expect(handler({ jobDefinition: 'merge', parameters: { parts: JSON.stringify(parts) } })).resolves.toEqual({ valid: true, problems: [] });
  });

  it('refuses a list item outside within, too many items and a number out of range without asking S3', async () => {
    const { calls, handler } = setUp();
    const inside = `s3://${BUCKET}/reads/a.fastq`;

    await expect(handler({ jobDefinition: 'merge', parameters: { parts: [inside, 's3://elsewhere/b.fastq'], ratio: 1.5 } })).resolves.toEqual({
      valid: false,
      problems: [
        { field: 'parameters.parts', rule: 'outside-allowed-location', message: `item 1: must lie under s3://${BUCKET}/reads/, got s3://elsewhere/b.fastq` },
        { field: 'parameters.ratio', rule: 'range', message: 'must be between 0 and 1, got 1.5' },
      ],
    });
    await expect(handler({ jobDefinition: 'merge', parameters: { parts: [inside, inside, inside, inside] } })).resolves.toEqual({
      valid: false,
      problems: [{ field: 'parameters.parts', rule: 'length', message: 'must list 1 to 3 S3 objects, got 4' }],
    });
    expect(calls.counts()).toEqual({});
  });

  it('asks S3 only about objects whose values are valid', async () => {
    const { calls, handler } = setUp();

    const result = await handler({ jobDefinition: 'align', parameters: { input: 'not-a-uri', threads: 0 } });

    expect(result.valid).toBe(false);
    expect(result.problems.map((problem) => [problem.field, problem.rule])).toEqual(
      expect.arrayContaining([
        ['parameters.input', 'invalid-s3-uri'],
        ['parameters.threads', 'range'],
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

    expect(result.problems).toEqual([expect.objectContaining({ field: 'parameters.input', rule: 'invalid-s3-uri' })]);
    expect(calls.inputsOf('HeadObject').map((headInput) => headInput.Key)).toEqual(['reference/genome.fa']);
  });
});
