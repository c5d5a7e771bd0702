import { HeadObjectCommand, HeadObjectCommandInput, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHandler as submitHandler } from '../../lambda/handlers/submit';
import { createHandler } from '../../lambda/handlers/validate';
import { ConfigurationError, InvalidRequestError, ParameterSpecs, UnknownJobDefinitionError } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { Parameter } from '../../lib/model/parameters';
import { reviveError } from '../../lib/model/errors';
import { expectRejection } from '../support/errors';

const s3 = mockClient(S3Client);

const ALIGN_PARAMETERS: ParameterSpecs = {
  input: Parameter.s3Object({ mustExist: true, within: ['s3://genomes/runs/'] }),
  reference: Parameter.s3Object({ mustExist: true, within: ['s3://genomes/ref/', 's3://genomes/runs/'], default: 's3://genomes/ref/hg38.fa' }),
  output: Parameter.s3Prefix({ within: ['s3://results/'], default: 's3://results/default/' }),
  threads: Parameter.integer({ min: 1, max: 64, default: 8 }),
  mode: Parameter.enum(['fast', 'sensitive'], { default: 'fast' }),
  dryRun: Parameter.boolean({ default: false }),
  sample: Parameter.string({ pattern: '[A-Za-z0-9_-]+', maxLength: 32 }),
};
const KNOWN = 'input, reference, output, threads, mode, dryRun, sample';
const VALID = { input: 's3://genomes/runs/a.bam', sample: 'NA12878' };

function config(overrides: { maxS3Concurrency?: number; parameters?: ParameterSpecs } = {}): RuntimeConfig {
  return new RuntimeConfig(
    encodeConfig({
      jobDefinitions: {
        align: { definition: 'arn:aws:batch:us-east-1:123456789012:job-definition/pendant-align:3', parameters: overrides.parameters ?? ALIGN_PARAMETERS },
        report: { definition: 'pendant-report' },
      },
      jobQueues: ['pendant-default'],
      ...(overrides.maxS3Concurrency !== undefined && { maxS3Concurrency: overrides.maxS3Concurrency }),
    }),
  );
}

function s3Error(status: number, name: string): S3ServiceException {
  return new S3ServiceException({ name, $fault: status < 500 ? 'client' : 'server', $metadata: { httpStatusCode: status }, message: '' });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


beforeEach(() => {
  s3.reset();
  s3.on(HeadObjectCommand).resolves({});
});

describe('Function: validate', () => {
  it('answers valid, with no problems, when every value is right and every object exists', async () => {
    const response = await createHandler({ config: config() })({ jobDefinition: 'align', parameters: VALID });

    expect(response).toEqual({ valid: true, problems: [] });
    expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 2);
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'genomes', Key: 'runs/a.bam' });
    // A must-exist default is checked too: the job would read it.
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'genomes', Key: 'ref/hg38.fa' });
  });

  it('accepts integers and booleans written as strings', async () => {
    const response = await createHandler({ config: config() })({
      jobDefinition: 'align',
      parameters: { ...VALID, threads: '16', dryRun: 'true', mode: 'sensitive', output: 's3://results/run-1/' },
    });

    expect(response).toEqual({ valid: true, problems: [] });
  });

  it('sends no HeadObject for a job definition without must-exist parameters', async () => {
    const response = await createHandler({ config: config() })({ jobDefinition: 'report' });

    expect(response).toEqual({ valid: true, problems: [] });
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('reports every problem at once: unknown names, ranges, enums, types, patterns and locations', async () => {
    const response = await createHandler({ config: config() })({
      jobDefinition: 'align',
      parameters: { input: 's3://other/x.bam', threads: 100, mode: 'slow', dryRun: 'maybe', sample: 'bad name!', extra: 1 },
    });

    expect(response).toEqual({
      valid: false,
      problems: [
        { field: 'parameters.extra', rule: 'unknown-parameter', message: `is not a parameter of this job definition; known: ${KNOWN}` },
        { field: 'parameters.input', rule: 'outside-allowed-location', message: 'must lie under s3://genomes/runs/, got s3://other/x.bam' },
        { field: 'parameters.threads', rule: 'range', message: 'must be between 1 and 64, got 100' },
        { field: 'parameters.mode', rule: 'enum', message: 'must be one of fast, sensitive, got "slow"' },
        { field: 'parameters.dryRun', rule: 'type', message: 'must be true or false, got "maybe"' },
        { field: 'parameters.sample', rule: 'pattern', message: 'must match /[A-Za-z0-9_-]+/' },
      ],
    });
    // The bad input location is never looked up; the default reference still is.
    expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'genomes', Key: 'ref/hg38.fa' });
  });

  it('reports every required parameter that is missing', async () => {
    const response = await createHandler({ config: config() })({ jobDefinition: 'align', parameters: {} });

    expect(response).toEqual({
      valid: false,
      problems: [
        { field: 'parameters.input', rule: 'required', message: 'is required (an S3 object URI)' },
        { field: 'parameters.sample', rule: 'required', message: 'is required (a string)' },
      ],
    });
  });

  it.each([
    ['threads', 'many', 'type', 'must be an integer, got "many"'],
    ['threads', 0, 'range', 'must be between 1 and 64, got 0'],
    ['threads', 2.5, 'type', 'must be an integer, got a number'],
    ['input', 5, 'type', 'must be an S3 URI string, got a number'],
    ['input', 'http://genomes/runs/a.bam', 'invalid-s3-uri', 'invalid S3 URI "http://genomes/runs/a.bam": must start with s3://'],
    ['input', 's3://genomes/runs/', 'not-an-object', 'must name an object, not a prefix: s3://genomes/runs/'],
    ['output', 's3://elsewhere/out/', 'outside-allowed-location', 'must lie under s3://results/, got s3://elsewhere/out/'],
    ['sample', 'x'.repeat(33), 'length', 'must be at most 32 characters, got 33'],
    ['sample', 7, 'type', 'must be a string, got a number'],
    ['mode', true, 'enum', 'must be one of fast, sensitive, got a boolean'],
  ])('reports %s = %j as %s', async (parameter, value, rule, message) => {
    const response = await createHandler({ config: config() })({ jobDefinition: 'align', parameters: { ...VALID, [parameter]: value } });

    expect(response).toEqual({ valid: false, problems: [{ field: `parameters.${parameter}`, rule, message }] });
  });

  // A lone surrogate has no UTF-8 form: the SDK's URI encoding would throw URIError on it. The other keys are refused by
  // rule (README, "The runtime functions"): control characters, "." and ".." segments, text not in NFC.
  it.each<[string, string, string]>([
    ['input', 's3://genomes/runs/a\ud800.bam', 'key must be valid UTF-8 (it holds a lone UTF-16 surrogate)'],
    ['input', 's3://genomes/runs/\udc00', 'key must be valid UTF-8 (it holds a lone UTF-16 surrogate)'],
    ['output', 's3://results/\ud83d/', 'key must be valid UTF-8 (it holds a lone UTF-16 surrogate)'],
    ['output', 's3://results/run/../../other/', 'key must not have "." or ".." segments'],
    ['input', 's3://genomes/runs/../secret.bam', 'key must not have "." or ".." segments'],
    ['input', 's3://genomes/runs/a\u0000.bam', 'key must not hold control characters (U+0000 to U+001F, U+007F to U+009F)'],
    ['input', 's3://genomes/runs/re\u0301sume\u0301.bam', 'key must be in Unicode normalization form C (NFC)'],
  ])('reports %s = %j as invalid-s3-uri without asking S3 about it', async (parameter, value, reason) => {
    const response = await createHandler({ config: config() })({ jobDefinition: 'align', parameters: { ...VALID, [parameter]: value } });

    expect(response).toEqual({ valid: false, problems: [{ field: `parameters.${parameter}`, rule: 'invalid-s3-uri', message: `invalid S3 URI ${JSON.stringify(value)}: ${reason}` }] });
    const keys = s3.commandCalls(HeadObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys).not.toContain(value.slice(value.indexOf('/', 5) + 1));
  });

  it('reports a missing object (404) as a not-found problem, not an exception', async () => {
    s3.on(HeadObjectCommand, { Bucket: 'genomes', Key: 'runs/a.bam' }).rejects(s3Error(404, 'NotFound'));

    const response = await createHandler({ config: config() })({ jobDefinition: 'align', parameters: VALID });

    expect(response).toEqual({
      valid: false,
      problems: [{ field: 'parameters.input', rule: 'not-found', message: 'S3 object does not exist: s3://genomes/runs/a.bam' }],
    });
  });

  it('reports a 403 as access denied, not as missing', async () => {
    s3.on(HeadObjectCommand, { Bucket: 'genomes', Key: 'ref/hg38.fa' }).rejects(s3Error(403, 'Forbidden'));

    const response = await createHandler({ config: config() })({ jobDefinition: 'align', parameters: VALID });

    expect(response).toEqual({
      valid: false,
      problems: [{ field: 'parameters.reference', rule: 'access-denied', message: 'access denied to S3 object: s3://genomes/ref/hg38.fa' }],
    });
  });

  it('asks once for an object two parameters name, and reports it for both', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error(404, 'NotFound'));

    const response = await createHandler({ config: config() })({
      jobDefinition: 'align',
      parameters: { ...VALID, input: 's3://genomes/runs/hg38.fa', reference: 's3://genomes/runs/hg38.fa' },
    });

    expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 1);
    expect(response.problems).toEqual([
      { field: 'parameters.input', rule: 'not-found', message: 'S3 object does not exist: s3://genomes/runs/hg38.fa' },
      { field: 'parameters.reference', rule: 'not-found', message: 'S3 object does not exist: s3://genomes/runs/hg38.fa' },
    ]);
  });

  it('answers exactly the problems submit refuses the same request with, as the client revives them', async () => {
    const parameters = { ...VALID, input: 's3://other/x.bam', threads: 100, 'my key: odd': 'v' };
    const request = { jobDefinition: 'align', parameters };

    const { problems } = await createHandler({ config: config() })(request);
    const refusal = await submitHandler({ config: config() })(request).catch((reason: unknown) => reason);

    expect(problems).toEqual([
      { field: 'parameters."my key: odd"', rule: 'unknown-parameter', message: `is not a parameter of this job definition; known: ${KNOWN}` },
      { field: 'parameters.input', rule: 'outside-allowed-location', message: 'must lie under s3://genomes/runs/, got s3://other/x.bam' },
      { field: 'parameters.threads', rule: 'range', message: 'must be between 1 and 64, got 100' },
    ]);
    expect(refusal).toBeInstanceOf(InvalidRequestError);
    expect((refusal as InvalidRequestError).problems).toEqual(problems);
    expect((reviveError('InvalidRequestError', (refusal as Error).message) as InvalidRequestError).problems).toEqual(problems);
  });

  it('throws when S3 answers something other than 404 or 403', async () => {
    const outage = s3Error(503, 'SlowDown');
    s3.on(HeadObjectCommand).rejects(outage);

    const error = await createHandler({ config: config() })({ jobDefinition: 'align', parameters: VALID }).catch((reason: unknown) => reason);

    expect(error).toBe(outage);
  });

  it('checks every must-exist object in parallel, never more at once than PENDANT_MAX_S3_CONCURRENCY', async () => {
    const parameters: Record<string, ReturnType<typeof Parameter.s3Object>> = {};
    const values: Record<string, string> = {};
    for (let index = 0; index < 20; index++) {
      parameters[`file${index}`] = Parameter.s3Object({ mustExist: true, within: ['s3://genomes/inputs/'] });
      values[`file${index}`] = `s3://genomes/inputs/${index}.bam`;
    }
    let inFlight = 0;
    let maxInFlight = 0;
    s3.on(HeadObjectCommand).callsFake(async (input: HeadObjectCommandInput) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await delay(5);
      inFlight--;
      if (input.Key === 'inputs/7.bam') throw s3Error(404, 'NotFound');
      return {};
    });

    const response = await createHandler({ config: config({ parameters, maxS3Concurrency: 3 }) })({ jobDefinition: 'align', parameters: values });

    expect(maxInFlight).toBe(3);
    expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 20);
    for (let index = 0; index < 20; index++) {
      expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'genomes', Key: `inputs/${index}.bam` });
    }
    expect(response).toEqual({
      valid: false,
      problems: [{ field: 'parameters.file7', rule: 'not-found', message: 'S3 object does not exist: s3://genomes/inputs/7.bam' }],
    });
  });

  it('throws when the job definition is not one the function was configured with', async () => {
    await expectRejection(
      createHandler({ config: config() })({ jobDefinition: 'nope' }),
      UnknownJobDefinitionError,
      'unknown job definition "nope"; known: align, report',
    );
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('throws when PENDANT_JOB_DEFINITIONS is not set', async () => {
    await expectRejection(
      createHandler({ config: new RuntimeConfig({}) })({ jobDefinition: 'align', parameters: VALID }),
      ConfigurationError,
      'invalid configuration in PENDANT_JOB_DEFINITIONS: is not set',
    );
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it.each<[string, unknown, string]>([
    ['the event is null', null, 'invalid request: must be an object, got null [type]'],
    ['the event is an array', [], 'invalid request: must be an object, got an array [type]'],
    ['jobDefinition is missing', {}, 'invalid request: jobDefinition: is required [required]'],
    ['jobDefinition is empty', { jobDefinition: '' }, 'invalid request: jobDefinition: must not be empty [empty]'],
    [
      'jobDefinition is not a name',
      { jobDefinition: 'align:3' },
      'invalid request: jobDefinition: must be a valid job definition name: a letter or digit, then letters, digits, "-" or "_", got "align:3" [pattern]',
    ],
    [
      'a field is unknown',
      { jobDefinition: 'align', params: {} },
      'invalid request: params: is not a field of this request; allowed: jobDefinition, parameters [unknown-field]',
    ],
    ['parameters is an array', { jobDefinition: 'align', parameters: [] }, 'invalid request: parameters: must be an object of parameter values by name, got an array [type]'],
    [
      'a parameter value is an object',
      { jobDefinition: 'align', parameters: { input: { bucket: 'genomes' } } },
      'invalid request: parameters.input: must be a string, number, boolean or array of strings, got an object [type]',
    ],
  ])('throws when %s, without calling AWS', async (_case, event, message) => {
    await expectRejection(createHandler({ config: config() })(event), InvalidRequestError, message);
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});
