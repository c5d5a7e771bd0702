import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidRequestError, RequestProblem } from '../../lib/model/errors';
import {
  ENV_NAME_PATTERN,
  JOB_ID_PATTERN,
  LIMITS,
  parseLogsRequest,
  parseStatusRequest,
  parseSubmitRequest,
  parseTerminateRequest,
  parseValidateRequest,
} from '../../lib/model/requests';

const JOB_ID = '8f6c1b2a-1234-4abc-9def-0123456789ab';
const OTHER_JOB_ID = '0F6C1B2A-1234-4ABC-9DEF-0123456789AB';

type Parser = (event: unknown) => unknown;

/** The problems of the InvalidRequestError `parse(event)` throws, checking that its message lists them all. */
function problemsOf(parse: Parser, event: unknown): RequestProblem[] {
  let error: unknown;
  try {
    parse(event);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(InvalidRequestError);
  const problems = [...(error as InvalidRequestError).problems];
  expect(problems.length).toBeGreaterThan(0);
  for (const problem of problems) {
    expect((error as Error).message).toContain(`${problem.message} [${problem.rule}]`);
  }
  return problems;
}

/** `[field, rule]` of every problem, to compare in one assertion. */
function rulesOf(parse: Parser, event: unknown): Array<[string, string]> {
  return problemsOf(parse, event).map(({ field, rule }) => [field, rule]);
}

/** An object nested `levels` deep around a string: its innermost value sits at depth `levels`. */
function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < levels; level++) value = { a: value };
  return value;
}

describe('JOB_ID_PATTERN', () => {
  it.each([JOB_ID, OTHER_JOB_ID, `${JOB_ID}:0`, `${JOB_ID}:9999`, `${JOB_ID}#3`])('accepts %s', (id) => {
    expect(JOB_ID_PATTERN.test(id)).toBe(true);
  });

  it.each(['', 'job-1', `${JOB_ID}:`, `${JOB_ID}:123456`, `${JOB_ID}#`, `${JOB_ID}x`, JOB_ID.replace(/-/g, ''), JOB_ID.replace('8', 'g')])(
    'refuses %j',
    (id) => {
      expect(JOB_ID_PATTERN.test(id)).toBe(false);
    },
  );
});

describe('ENV_NAME_PATTERN', () => {
  it('takes a letter or "_" then letters, digits or "_", at most 255', () => {
    expect(ENV_NAME_PATTERN.test('_A1')).toBe(true);
    expect(ENV_NAME_PATTERN.test(`A${'b'.repeat(254)}`)).toBe(true);
    expect(ENV_NAME_PATTERN.test(`A${'b'.repeat(255)}`)).toBe(false);
    expect(ENV_NAME_PATTERN.test('1A')).toBe(false);
    expect(ENV_NAME_PATTERN.test('A-B')).toBe(false);
  });
});

describe('the event envelope', () => {
  describe.each<[string, Parser]>([
    ['parseValidateRequest', parseValidateRequest],
    ['parseSubmitRequest', parseSubmitRequest],
    ['parseStatusRequest', parseStatusRequest],
    ['parseLogsRequest', parseLogsRequest],
    ['parseTerminateRequest', parseTerminateRequest],
  ])('%s', (_name, parse) => {
    it.each<[string, unknown, string]>([
      ['null', null, 'must be an object, got null'],
      ['nothing', undefined, 'must be an object, got nothing'],
      ['an array', [], 'must be an object, got an array'],
      ['a string', 'x', 'must be an object, got a string'],
      ['a number', 1, 'must be an object, got a number'],
    ])('throws when the event is %s', (_what, event, message) => {
      expect(problemsOf(parse, event)).toEqual([{ field: '', rule: 'type', message }]);
    });

    it('throws when the event nests deeper than 16 levels, with that problem only', () => {
      expect(problemsOf(parse, { deep: nested(16) })).toEqual([
        { field: '', rule: 'max-depth', message: 'the event must not nest deeper than 16 levels' },
      ]);
    });

    it('throws when the event is larger than 256 KiB, with that problem only', () => {
      expect(problemsOf(parse, { big: 'x'.repeat(256 * 1024) })).toEqual([
        { field: '', rule: 'max-size', message: `the event must be at most ${256 * 1024} bytes` },
      ]);
    });

    it('throws when the event is larger than 256 KiB in many small parts', () => {
      expect(rulesOf(parse, { many: Array.from({ length: 40_000 }, () => 1) })).toEqual([['', 'max-size']]);
    });

    it('throws when the event is larger than 256 KiB of UTF-8 in fewer characters', () => {
      expect(rulesOf(parse, { big: '€'.repeat(100_000) })).toEqual([['', 'max-size']]);
    });

    it('throws for a hostile depth without exhausting the stack', () => {
      expect(rulesOf(parse, nested(100_000))).toEqual([['', 'max-depth']]);
    });
  });

  it('walks an event of 16 levels to its fields', () => {
    expect(rulesOf(parseValidateRequest, { jobDefinition: 'demo', parameters: nested(15) })).toEqual([['parameters.a', 'type']]);
  });

  it('accepts an event just under 256 KiB', () => {
    const value = 'x'.repeat(200 * 1024);
    expect(parseValidateRequest({ jobDefinition: 'demo', parameters: { value } })).toEqual({ jobDefinition: 'demo', parameters: { value } });
  });

  it.each([
    ['2-byte', 'é'.repeat(140_000)],
    ['4-byte', '\u{1f9ec}'.repeat(70_000)],
  ])('counts %s characters as the bytes they take in UTF-8', (_what, value) => {
    expect(value.length).toBeLessThan(LIMITS.MAX_EVENT_BYTES);
    expect(rulesOf(parseValidateRequest, { jobDefinition: 'demo', parameters: { value } })).toEqual([['', 'max-size']]);
  });

  it('accepts non-ASCII text just under 256 KiB of UTF-8', () => {
    const value = '€'.repeat(80_000);
    expect(parseValidateRequest({ jobDefinition: 'demo', parameters: { value } })).toEqual({ jobDefinition: 'demo', parameters: { value } });
  });

  it('has the limits of AWS Batch', () => {
    expect(LIMITS).toMatchObject({
      ARRAY_SIZE_MIN: 2,
      ARRAY_SIZE_MAX: 10_000,
      MAX_DEPENDENCIES: 20,
      MAX_STATUS_JOB_IDS: 1000,
      DESCRIBE_JOBS_BATCH: 100,
      MAX_REASON_LENGTH: 1024,
      MAX_LOG_EVENTS_LIMIT: 10_000,
      MAX_EVENT_BYTES: 256 * 1024,
      MAX_EVENT_DEPTH: 16,
    });
  });
});

describe('parseValidateRequest', () => {
  it('accepts a job definition and parameters of strings, numbers and booleans', () => {
    const event = { jobDefinition: 'align', parameters: { input: 's3://bkt/a.bam', threads: 8, dryRun: false } };
    expect(parseValidateRequest(event)).toEqual(event);
  });

  it('accepts a job definition alone, without adding parameters', () => {
    expect(parseValidateRequest({ jobDefinition: 'align' })).toEqual({ jobDefinition: 'align' });
  });

  it('throws when the job definition is missing', () => {
    expect(problemsOf(parseValidateRequest, {})).toEqual([{ field: 'jobDefinition', rule: 'required', message: 'is required' }]);
  });

  it('throws when the job definition is empty', () => {
    expect(problemsOf(parseValidateRequest, { jobDefinition: '' })).toEqual([{ field: 'jobDefinition', rule: 'empty', message: 'must not be empty' }]);
  });

  it('throws when the job definition is not a string', () => {
    expect(problemsOf(parseValidateRequest, { jobDefinition: 3 })).toEqual([
      { field: 'jobDefinition', rule: 'type', message: 'must be a string, got a number' },
    ]);
  });

  it('throws when the job definition is not a valid name', () => {
    expect(problemsOf(parseValidateRequest, { jobDefinition: 'my def' })).toEqual([
      {
        field: 'jobDefinition',
        rule: 'pattern',
        message: 'must be a valid job definition name: a letter or digit, then letters, digits, "-" or "_", got "my def"',
      },
    ]);
  });

  it('throws when the job definition is longer than 128 characters', () => {
    expect(problemsOf(parseValidateRequest, { jobDefinition: 'x'.repeat(129) })).toEqual([
      { field: 'jobDefinition', rule: 'max-length', message: 'must be at most 128 characters, got 129' },
    ]);
  });

  it('throws when a field is unknown, listing the allowed ones', () => {
    expect(problemsOf(parseValidateRequest, { jobDefinition: 'align', jobQueue: 'fast' })).toEqual([
      { field: 'jobQueue', rule: 'unknown-field', message: 'is not a field of this request; allowed: jobDefinition, parameters' },
    ]);
  });

  it('quotes an unknown field name that is not an identifier', () => {
    expect(rulesOf(parseValidateRequest, { jobDefinition: 'align', 'job definition': 'x' })).toEqual([['"job definition"', 'unknown-field']]);
  });

  it.each<[unknown, string]>([
    [null, 'null'],
    [[], 'an array'],
    ['threads=8', 'a string'],
  ])('throws when the parameters are %j', (parameters, described) => {
    expect(problemsOf(parseValidateRequest, { jobDefinition: 'align', parameters })).toEqual([
      { field: 'parameters', rule: 'type', message: `must be an object of parameter values by name, got ${described}` },
    ]);
  });

  it('throws for every parameter value that is not a string, number, boolean or array of strings', () => {
    expect(problemsOf(parseValidateRequest, { jobDefinition: 'align', parameters: { a: null, b: [1], c: { d: 1 }, 'e.f': null, ok: 1 } })).toEqual([
      { field: 'parameters.a', rule: 'type', message: 'must be a string, number, boolean or array of strings, got null' },
      { field: 'parameters.b', rule: 'type', message: 'must be a string, number, boolean or array of strings, got an array' },
      { field: 'parameters.c', rule: 'type', message: 'must be a string, number, boolean or array of strings, got an object' },
      { field: 'parameters."e.f"', rule: 'type', message: 'must be a string, number, boolean or array of strings, got null' },
    ]);
  });

  it('takes an array of strings as a parameter value: an s3Objects list, judged by its declaration later', () => {
    const parameters = { inputs: ['s3://bkt/a.fq', 's3://bkt/b.fq'], none: [] };
    expect(parseValidateRequest({ jobDefinition: 'align', parameters })).toEqual({ jobDefinition: 'align', parameters });
  });

  it('reports several problems at once', () => {
    expect(rulesOf(parseValidateRequest, { jobDefinition: '-x', parameters: { a: null }, extra: 1 })).toEqual([
      ['extra', 'unknown-field'],
      ['jobDefinition', 'pattern'],
      ['parameters.a', 'type'],
    ]);
  });
});

describe('parseSubmitRequest', () => {
  it('accepts a job definition alone', () => {
    expect(parseSubmitRequest({ jobDefinition: 'align' })).toEqual({ jobDefinition: 'align' });
  });

  it('accepts every field', () => {
    const event = {
      jobDefinition: 'align',
      parameters: { input: 's3://bkt/a.bam', threads: 8 },
      jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/fast',
      revision: 3,
      containerOverrides: {
        command: ['align', '--fast', ' '],
        environment: { SAMPLE: 'S1', _DEBUG: '' },
        vcpus: 0.25,
        memoryMiB: 512,
        gpus: 0,
      },
      arraySize: 10,
      dependsOn: [JOB_ID, { jobId: `${OTHER_JOB_ID}:3`, type: 'N_TO_N' }, { jobId: `${JOB_ID}#1` }],
      jobName: 'run-1',
      shareIdentifier: 'teamA*',
      schedulingPriorityOverride: 9999,
    };
    expect(parseSubmitRequest(event)).toEqual({
      ...event,
      dependsOn: [{ jobId: JOB_ID }, { jobId: `${OTHER_JOB_ID}:3`, type: 'N_TO_N' }, { jobId: `${JOB_ID}#1` }],
    });
  });

  // AWS Batch API Reference, SubmitJob: shareIdentifier "is limited to 255 alphanumeric characters, and can be
  // followed by an asterisk (*)"; schedulingPriorityOverride runs from 0 to 9999.
  describe('shareIdentifier and schedulingPriorityOverride', () => {
    it.each([['a'], ['teamA1'], ['x'.repeat(255)], [`${'x'.repeat(255)}*`], ['genomics*']])('accepts the share identifier %j', (shareIdentifier) => {
      expect(parseSubmitRequest({ jobDefinition: 'align', shareIdentifier })).toEqual({ jobDefinition: 'align', shareIdentifier });
    });

    it.each<[unknown, string]>([
      ['', 'empty'],
      ['x'.repeat(256), 'pattern'],
      [`${'x'.repeat(256)}*`, 'max-length'],
      ['team-a', 'pattern'],
      ['team a', 'pattern'],
      ['*', 'pattern'],
      ['a**', 'pattern'],
      ['a*b', 'pattern'],
      ['équipe', 'pattern'],
      [7, 'type'],
    ])('throws when the share identifier is %j', (shareIdentifier, rule) => {
      expect(rulesOf(parseSubmitRequest, { jobDefinition: 'align', shareIdentifier })).toEqual([['shareIdentifier', rule]]);
    });

    it.each([[0], [9999]])('accepts the scheduling priority %j', (schedulingPriorityOverride) => {
      expect(parseSubmitRequest({ jobDefinition: 'align', schedulingPriorityOverride })).toEqual({ jobDefinition: 'align', schedulingPriorityOverride });
    });

    it.each<[unknown, string]>([
      [-1, 'range'],
      [10000, 'range'],
      [1.5, 'type'],
      ['5', 'type'],
    ])('throws when the scheduling priority is %j', (schedulingPriorityOverride, rule) => {
      expect(rulesOf(parseSubmitRequest, { jobDefinition: 'align', schedulingPriorityOverride })).toEqual([['schedulingPriorityOverride', rule]]);
    });
  });

  describe('idempotencyKey', () => {
    // The README states the rule a caller reads; the parser must apply that rule and no other.
    const WORDING = '1–256 characters of printable ASCII without spaces, `!` to `~`';

    it('is described in the README exactly as the parser checks it', () => {
      expect(readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8').replace(/\s+/g, ' ')).toContain(`\`idempotencyKey\` (${WORDING})`);
    });

    it.each([['!'], ['~'], ['k'.repeat(256)], ['run-7/2024-01-02T03:04:05Z']])('accepts %j', (idempotencyKey) => {
      expect(parseSubmitRequest({ jobDefinition: 'align', idempotencyKey })).toEqual({ jobDefinition: 'align', idempotencyKey });
    });

    it.each<[string, string]>([
      ['', 'empty'],
      ['k'.repeat(257), 'max-length'],
      ['run 7', 'pattern'],
      ['run\t7', 'pattern'],
      ['clé', 'pattern'],
      ['a\u007f', 'pattern'],
    ])('refuses %j', (idempotencyKey, rule) => {
      expect(rulesOf(parseSubmitRequest, { jobDefinition: 'align', idempotencyKey })).toEqual([['idempotencyKey', rule]]);
    });
  });

  it('accepts "latest" as the revision', () => {
    expect(parseSubmitRequest({ jobDefinition: 'align', revision: 'latest' })).toEqual({ jobDefinition: 'align', revision: 'latest' });
  });

  it('throws when a field is unknown, listing the allowed ones', () => {
    expect(problemsOf(parseSubmitRequest, { jobDefinition: 'align', queue: 'fast' })).toEqual([
      {
        field: 'queue',
        rule: 'unknown-field',
        message: 'is not a field of this request; allowed: jobDefinition, parameters, jobQueue, revision, containerOverrides, arraySize, dependsOn, jobName, idempotencyKey, shareIdentifier, schedulingPriorityOverride, tags, propagateTags, retryStrategy, timeout, nodeOverrides',
      },
    ]);
  });

  it('throws when the job definition is missing', () => {
    expect(rulesOf(parseSubmitRequest, { jobName: 'run-1' })).toEqual([['jobDefinition', 'required']]);
  });

  describe('jobQueue', () => {
    it.each<[unknown, [string, string]]>([
      ['', ['jobQueue', 'empty']],
      [7, ['jobQueue', 'type']],
      [null, ['jobQueue', 'type']],
      ['fast queue', ['jobQueue', 'pattern']],
      ['q'.repeat(513), ['jobQueue', 'max-length']],
    ])('throws when it is %j', (jobQueue, problem) => {
      expect(rulesOf(parseSubmitRequest, { jobDefinition: 'align', jobQueue })).toEqual([problem]);
    });
  });

  describe('revision', () => {
    it.each([1, 2_147_483_647])('accepts %d', (revision) => {
      expect(parseSubmitRequest({ jobDefinition: 'align', revision }).revision).toBe(revision);
    });

    it.each<[unknown, string, string]>([
      [0, 'range', 'must be between 1 and 2147483647, got 0'],
      [2_147_483_648, 'range', 'must be between 1 and 2147483647, got 2147483648'],
      [1.5, 'type', 'must be an integer, got a number'],
      ['3', 'type', 'must be a positive integer or "latest", got "3"'],
      ['LATEST', 'type', 'must be a positive integer or "latest", got "LATEST"'],
      [null, 'type', 'must be an integer, got null'],
    ])('throws when it is %j', (revision, rule, message) => {
      expect(problemsOf(parseSubmitRequest, { jobDefinition: 'align', revision })).toEqual([{ field: 'revision', rule, message }]);
    });
  });

  describe('arraySize', () => {
    it.each([2, 10_000])('accepts %d', (arraySize) => {
      expect(parseSubmitRequest({ jobDefinition: 'align', arraySize }).arraySize).toBe(arraySize);
    });

    it.each<[unknown, string, string]>([
      [1, 'range', 'must be between 2 and 10000, got 1'],
      [0, 'range', 'must be between 2 and 10000, got 0'],
      [10_001, 'range', 'must be between 2 and 10000, got 10001'],
      [2.5, 'type', 'must be an integer, got a number'],
      ['10', 'type', 'must be an integer, got a string'],
    ])('throws when it is %j', (arraySize, rule, message) => {
      expect(problemsOf(parseSubmitRequest, { jobDefinition: 'align', arraySize })).toEqual([{ field: 'arraySize', rule, message }]);
    });
  });

  describe('jobName', () => {
    it.each<[unknown, string]>([
      ['', 'empty'],
      ['_run', 'pattern'],
      ['run 1', 'pattern'],
      ['r'.repeat(129), 'max-length'],
      [1, 'type'],
    ])('throws when it is %j', (jobName, rule) => {
      expect(rulesOf(parseSubmitRequest, { jobDefinition: 'align', jobName })).toEqual([['jobName', rule]]);
    });
  });

  describe('dependsOn', () => {
    it('accepts 20 jobs', () => {
      const dependsOn = Array.from({ length: 20 }, () => JOB_ID);
      expect(parseSubmitRequest({ jobDefinition: 'align', dependsOn }).dependsOn).toHaveLength(20);
    });

    it('throws when it names more than 20 jobs', () => {
      expect(problemsOf(parseSubmitRequest, { jobDefinition: 'align', dependsOn: Array.from({ length: 21 }, () => JOB_ID) })).toEqual([
        { field: 'dependsOn', rule: 'max-items', message: 'must name at most 20 jobs, got 21' },
      ]);
    });

    it('throws when it is not an array', () => {
      expect(problemsOf(parseSubmitRequest, { jobDefinition: 'align', dependsOn: JOB_ID })).toEqual([
        { field: 'dependsOn', rule: 'type', message: 'must be an array of job ids, got a string' },
      ]);
    });

    it('names the entry and the rule of every invalid dependency', () => {
      const dependsOn = [JOB_ID, 'job-1', { jobId: 'x' }, { type: 'N_TO_N' }, { jobId: JOB_ID, type: 'ALL' }, { jobId: JOB_ID, after: 1 }, null, ''];
      expect(problemsOf(parseSubmitRequest, { jobDefinition: 'align', dependsOn })).toEqual([
        { field: 'dependsOn[1]', rule: 'pattern', message: 'must be an AWS Batch job id (a UUID), got "job-1"' },
        { field: 'dependsOn[2].jobId', rule: 'pattern', message: 'must be an AWS Batch job id (a UUID), got "x"' },
        { field: 'dependsOn[3].type', rule: 'array-only', message: 'N_TO_N applies to array jobs only: give arraySize, or leave type out to wait for the job' },
        { field: 'dependsOn[3].jobId', rule: 'required', message: 'is required' },
        { field: 'dependsOn[4].type', rule: 'enum', message: 'must be N_TO_N or SEQUENTIAL, got "ALL"' },
        { field: 'dependsOn[5].after', rule: 'unknown-field', message: 'is not a field of this request; allowed: jobId, type' },
        { field: 'dependsOn[6]', rule: 'type', message: 'must be an object, got null' },
        { field: 'dependsOn[7]', rule: 'empty', message: 'must not be empty' },
      ]);
    });

    // AWS Batch User Guide, "Job dependencies" (and API Reference, SubmitJob: dependsOn): "For array jobs, you can
    // specify a SEQUENTIAL type dependency without specifying a job ID [...]. You can also specify an N_TO_N type
    // dependency with a job ID." Those, and a plain job id, are the forms Batch documents.
    describe('the forms AWS Batch documents ("Job dependencies")', () => {
      it('accepts SEQUENTIAL without a job id on an array job, and sends no job id', () => {
        expect(parseSubmitRequest({ jobDefinition: 'align', arraySize: 5, dependsOn: [{ type: 'SEQUENTIAL' }] }).dependsOn).toEqual([{ type: 'SEQUENTIAL' }]);
      });

      it('accepts N_TO_N with a job id on an array job, beside a plain dependency and SEQUENTIAL', () => {
        const dependsOn = [JOB_ID, { jobId: OTHER_JOB_ID, type: 'N_TO_N' }, { type: 'SEQUENTIAL' }];
        expect(parseSubmitRequest({ jobDefinition: 'align', arraySize: 2, dependsOn }).dependsOn).toEqual([
          { jobId: JOB_ID },
          { jobId: OTHER_JOB_ID, type: 'N_TO_N' },
          { type: 'SEQUENTIAL' },
        ]);
      });

      it.each<[string, unknown, Array<[string, string]>]>([
        ['SEQUENTIAL on a job that is not an array job', { dependsOn: [{ type: 'SEQUENTIAL' }] }, [['dependsOn[0].type', 'array-only']]],
        ['N_TO_N on a job that is not an array job', { dependsOn: [{ jobId: JOB_ID, type: 'N_TO_N' }] }, [['dependsOn[0].type', 'array-only']]],
        ['N_TO_N without a job id', { arraySize: 3, dependsOn: [{ type: 'N_TO_N' }] }, [['dependsOn[0].jobId', 'required']]],
        ['SEQUENTIAL with a job id', { arraySize: 3, dependsOn: [{ jobId: JOB_ID, type: 'SEQUENTIAL' }] }, [['dependsOn[0].jobId', 'form']]],
        ['SEQUENTIAL twice', { arraySize: 3, dependsOn: [{ type: 'SEQUENTIAL' }, { type: 'SEQUENTIAL' }] }, [['dependsOn[1]', 'duplicate']]],
        ['a dependency with neither job id nor type', { arraySize: 3, dependsOn: [{}] }, [['dependsOn[0].jobId', 'required']]],
      ])('throws for %s', (_what, fields, problems) => {
        expect(rulesOf(parseSubmitRequest, { jobDefinition: 'align', ...(fields as object) })).toEqual(problems);
      });
    });

    it('throws when a job id is longer than 64 characters', () => {
      expect(rulesOf(parseSubmitRequest, { jobDefinition: 'align', dependsOn: [`${JOB_ID}${'0'.repeat(40)}`] })).toEqual([
        ['dependsOn[0]', 'max-length'],
      ]);
    });
  });

  describe('containerOverrides', () => {
    const submit = (containerOverrides: unknown) => ({ jobDefinition: 'align', containerOverrides });

    it.each([[null], [[]], ['--fast']])('throws when it is %j', (overrides) => {
      expect(rulesOf(parseSubmitRequest, submit(overrides))).toEqual([['containerOverrides', 'type']]);
    });

    it('throws when a field is unknown', () => {
      expect(problemsOf(parseSubmitRequest, submit({ memory: 512 }))).toEqual([
        {
          field: 'containerOverrides.memory',
          rule: 'unknown-field',
          message: 'is not a field of this request; allowed: command, environment, vcpus, memoryMiB, gpus',
        },
      ]);
    });

    it.each<[unknown, Array<[string, string]>]>([
      [[], [['containerOverrides.command', 'type']]],
      ['align --fast', [['containerOverrides.command', 'type']]],
      [['align', 3, null], [['containerOverrides.command[1]', 'type'], ['containerOverrides.command[2]', 'type']]],
      [['x'.repeat(8193)], [['containerOverrides.command[0]', 'max-length']]],
    ])('throws when the command is %j', (command, problems) => {
      expect(rulesOf(parseSubmitRequest, submit({ command }))).toEqual(problems);
    });

    // AWS Batch API Reference, ContainerOverrides: command must not contain an empty string.
    it('throws when the command holds an empty string, which Batch refuses', () => {
      expect(problemsOf(parseSubmitRequest, submit({ command: ['align', '', '--fast'] }))).toEqual([
        { field: 'containerOverrides.command[1]', rule: 'empty', message: 'must not be empty' },
      ]);
    });

    // AWS Batch API Reference, ContainerOverrides: instanceType "only applies to multi-node parallel jobs"; it is not
    // valid for single-node container jobs or for jobs on Fargate, and pendant submits only single-node jobs.
    it.each([['m7g.large'], ['p4d.24xlarge'], [''], [5]])('throws when instanceType is %j, which Batch refuses for single-node jobs', (instanceType) => {
      expect(problemsOf(parseSubmitRequest, submit({ instanceType, vcpus: 1 }))).toEqual([
        {
          field: 'containerOverrides.instanceType',
          rule: 'unsupported',
          message: 'applies only to multi-node parallel jobs on EC2; AWS Batch refuses it for the single-node jobs pendant submits',
        },
      ]);
    });

    it.each(['AWS_BATCH_JOB_ID', 'AWS_BATCH', 'aws_batch_ce_name', 'Aws_Batch_X'])('throws when an environment variable is named %s', (name) => {
      expect(problemsOf(parseSubmitRequest, submit({ environment: { [name]: 'x' } }))).toEqual([
        {
          field: `containerOverrides.environment.${name}`,
          rule: 'reserved-name',
          message: 'environment variable names must not start with AWS_BATCH: Batch reserves them',
        },
      ]);
    });

    it('accepts names that only contain AWS_BATCH later on', () => {
      expect(parseSubmitRequest(submit({ environment: { MY_AWS_BATCH: 'x', AWS_BATC: 'y' } })).containerOverrides).toEqual({
        environment: { MY_AWS_BATCH: 'x', AWS_BATC: 'y' },
      });
    });

    it('throws for environment names and values that break the rules', () => {
      expect(problemsOf(parseSubmitRequest, submit({ environment: { '1ST': 'x', 'A-B': 'x', OK: 3, BIG: 'v'.repeat(8193) } }))).toEqual([
        { field: 'containerOverrides.environment."1ST"', rule: 'pattern', message: 'must be a letter or "_", then letters, digits or "_" (at most 255)' },
        { field: 'containerOverrides.environment.A-B', rule: 'pattern', message: 'must be a letter or "_", then letters, digits or "_" (at most 255)' },
        { field: 'containerOverrides.environment.OK', rule: 'type', message: 'must be a string, got a number' },
        { field: 'containerOverrides.environment.BIG', rule: 'max-length', message: 'must be at most 8192 characters, got 8193' },
      ]);
    });

    it.each([[null], [['A=1']], ['A=1']])('throws when the environment is %j', (environment) => {
      expect(rulesOf(parseSubmitRequest, submit({ environment }))).toEqual([['containerOverrides.environment', 'type']]);
    });

    it.each<[string, unknown, string]>([
      ['vcpus', 0, 'range'],
      ['vcpus', -1, 'range'],
      ['vcpus', 257, 'range'],
      ['vcpus', '1', 'type'],
      ['vcpus', Number.NaN, 'type'],
      ['memoryMiB', 0, 'range'],
      // AWS Batch API Reference, ResourceRequirement: "You must specify at least 4 MiB of memory for a job."
      ['memoryMiB', 3, 'range'],
      // ResourceRequirement: VCPU is a whole number on EC2 and 0.25, 0.5, 1, 2, 4, 8 or 16 on Fargate.
      ['vcpus', 1e-320, 'granularity'],
      ['vcpus', 0.1, 'granularity'],
      ['vcpus', 0.75, 'granularity'],
      ['vcpus', 1.5, 'granularity'],
      ['vcpus', 2 ** -1074, 'granularity'],
      ['gpus', 0.5, 'type'],
      ['memoryMiB', 4_194_305, 'range'],
      ['memoryMiB', 512.5, 'type'],
      ['gpus', -1, 'range'],
      ['gpus', 65, 'range'],
      ['gpus', '1', 'type'],
    ])('throws when %s is %j', (field, value, rule) => {
      expect(rulesOf(parseSubmitRequest, submit({ [field]: value }))).toEqual([[`containerOverrides.${field}`, rule]]);
    });

    it.each<[string, unknown]>([
      ['vcpus', 0.25],
      ['vcpus', 0.5],
      ['vcpus', 3],
      ['vcpus', 256],
      ['memoryMiB', 4],
      ['memoryMiB', 4_194_304],
      ['gpus', 0],
      ['gpus', 64],
    ])('accepts %s of %j', (field, value) => {
      expect(parseSubmitRequest(submit({ [field]: value })).containerOverrides).toEqual({ [field]: value });
    });
  });

  it('reports several problems at once, in the order of the fields', () => {
    const error = (() => {
      try {
        parseSubmitRequest({ jobDefinition: '', arraySize: 1, dependsOn: ['x'], extra: true, containerOverrides: { environment: { AWS_BATCH_X: '1' } } });
      } catch (caught) {
        return caught as InvalidRequestError;
      }
      throw new Error('expected a throw, got none');
    })();
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.problems.map(({ field, rule }) => [field, rule])).toEqual([
      ['extra', 'unknown-field'],
      ['jobDefinition', 'empty'],
      ['arraySize', 'range'],
      ['dependsOn[0]', 'pattern'],
      ['containerOverrides.environment.AWS_BATCH_X', 'reserved-name'],
    ]);
    expect(error.message).toBe(
      'invalid request: extra: is not a field of this request; allowed: jobDefinition, parameters, jobQueue, revision, containerOverrides, arraySize, dependsOn, jobName, idempotencyKey, shareIdentifier, schedulingPriorityOverride, tags, propagateTags, retryStrategy, timeout, nodeOverrides [unknown-field]; ' +
        'jobDefinition: must not be empty [empty]; ' +
        'arraySize: must be between 2 and 10000, got 1 [range]; ' +
        'dependsOn[0]: must be an AWS Batch job id (a UUID), got "x" [pattern]; ' +
        'containerOverrides.environment.AWS_BATCH_X: environment variable names must not start with AWS_BATCH: Batch reserves them [reserved-name]',
    );
  });
});

describe('parseStatusRequest', () => {
  it('accepts one job id', () => {
    expect(parseStatusRequest({ jobId: JOB_ID })).toEqual({ jobId: JOB_ID });
  });

  it('accepts a list of job ids, including array and multi-node children', () => {
    const jobIds = [JOB_ID, `${JOB_ID}:3`, `${OTHER_JOB_ID}#0`];
    expect(parseStatusRequest({ jobIds })).toEqual({ jobIds });
  });

  it('accepts 1,000 job ids', () => {
    const jobIds = Array.from({ length: 1000 }, (_, index) => `${JOB_ID}:${index}`);
    expect(parseStatusRequest({ jobIds })).toEqual({ jobIds });
  });

  it('throws when neither jobId nor jobIds is given', () => {
    expect(problemsOf(parseStatusRequest, {})).toEqual([{ field: 'jobIds', rule: 'required', message: 'is required (or jobId for a single job)' }]);
  });

  it('throws when both jobId and jobIds are given', () => {
    expect(problemsOf(parseStatusRequest, { jobId: JOB_ID, jobIds: [JOB_ID] })).toEqual([
      { field: '', rule: 'exclusive', message: 'give either jobId or jobIds, not both' },
    ]);
  });

  it('throws when jobIds is empty', () => {
    expect(problemsOf(parseStatusRequest, { jobIds: [] })).toEqual([{ field: 'jobIds', rule: 'min-items', message: 'must name at least one job' }]);
  });

  it('throws when jobIds names more than 1,000 jobs', () => {
    expect(problemsOf(parseStatusRequest, { jobIds: Array.from({ length: 1001 }, () => JOB_ID) })).toEqual([
      { field: 'jobIds', rule: 'max-items', message: 'must name at most 1000 jobs, got 1001' },
    ]);
  });

  it('throws when jobIds is not an array', () => {
    expect(problemsOf(parseStatusRequest, { jobIds: JOB_ID })).toEqual([
      { field: 'jobIds', rule: 'type', message: 'must be an array of job ids, got a string' },
    ]);
  });

  it('names every invalid job id by its index', () => {
    expect(problemsOf(parseStatusRequest, { jobIds: [JOB_ID, 'job-1', 7, ''] })).toEqual([
      { field: 'jobIds[1]', rule: 'pattern', message: 'must be an AWS Batch job id (a UUID), got "job-1"' },
      { field: 'jobIds[2]', rule: 'type', message: 'must be a string, got a number' },
      { field: 'jobIds[3]', rule: 'empty', message: 'must not be empty' },
    ]);
  });

  it.each<[unknown, string]>([
    ['job-1', 'pattern'],
    ['', 'empty'],
    [null, 'type'],
    [[JOB_ID], 'type'],
  ])('throws when jobId is %j', (jobId, rule) => {
    expect(rulesOf(parseStatusRequest, { jobId })).toEqual([['jobId', rule]]);
  });

  it('throws when a field is unknown', () => {
    expect(rulesOf(parseStatusRequest, { jobId: JOB_ID, verbose: true })).toEqual([['verbose', 'unknown-field']]);
  });
});

describe('parseStatusRequest: children of an array parent', () => {
  it('accepts a page of one status, with a token and a limit', () => {
    expect(parseStatusRequest({ jobId: JOB_ID, children: { status: 'FAILED', nextToken: 'WzFd', limit: 1000 } })).toEqual({
      jobId: JOB_ID,
      children: { status: 'FAILED', nextToken: 'WzFd', limit: 1000 },
    });
  });

  it('accepts a multi-node node and an array child as the job', () => {
    expect(parseStatusRequest({ jobId: `${JOB_ID}#3` })).toEqual({ jobId: `${JOB_ID}#3` });
    expect(parseStatusRequest({ jobId: `${JOB_ID}:9999` })).toEqual({ jobId: `${JOB_ID}:9999` });
  });

  // AWS Batch API Reference, ListJobs: without jobStatus only RUNNING jobs are listed, and `filters` (which would list
  // every status) does not apply to an array's children: a page of children needs its status.
  it('throws when the status is missing, saying why', () => {
    expect(problemsOf(parseStatusRequest, { jobId: JOB_ID, children: {} })).toEqual([
      {
        field: 'children.status',
        rule: 'required',
        message: "is required: Batch lists an array's children one status at a time; one of SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED",
      },
    ]);
  });

  it.each<[unknown, string, string]>([
    [{ status: 'failed' }, 'children.status', 'enum'],
    [{ status: 'FAILED', limit: 0 }, 'children.limit', 'range'],
    // ListJobs maxResults: 1 to 1,000.
    [{ status: 'FAILED', limit: 1001 }, 'children.limit', 'range'],
    [{ status: 'FAILED', nextToken: 'a b' }, 'children.nextToken', 'pattern'],
    [{ status: 'FAILED', all: true }, 'children.all', 'unknown-field'],
    ['FAILED', 'children', 'type'],
  ])('throws when children is %j', (children, field, rule) => {
    expect(rulesOf(parseStatusRequest, { jobId: JOB_ID, children })).toEqual([[field, rule]]);
  });

  it('throws when children comes with jobIds', () => {
    expect(rulesOf(parseStatusRequest, { jobIds: [JOB_ID], children: { status: 'FAILED' } })).toEqual([['children', 'exclusive']]);
  });
});

describe('parseLogsRequest', () => {
  it('accepts a job id alone', () => {
    expect(parseLogsRequest({ jobId: JOB_ID })).toEqual({ jobId: JOB_ID });
  });

  it('accepts a token and a limit', () => {
    expect(parseLogsRequest({ jobId: JOB_ID, nextToken: 'WzEsInMiLG51bGwsMF0', limit: 100 })).toEqual({
      jobId: JOB_ID,
      nextToken: 'WzEsInMiLG51bGwsMF0',
      limit: 100,
    });
  });

  it('takes a null token as none', () => {
    expect(parseLogsRequest({ jobId: JOB_ID, nextToken: null })).toEqual({ jobId: JOB_ID });
  });

  it.each([1, 10_000])('accepts a limit of %d', (limit) => {
    expect(parseLogsRequest({ jobId: JOB_ID, limit }).limit).toBe(limit);
  });

  it.each<[unknown, string, string]>([
    [0, 'range', 'must be between 1 and 10000, got 0'],
    [10_001, 'range', 'must be between 1 and 10000, got 10001'],
    [-5, 'range', 'must be between 1 and 10000, got -5'],
    [2.5, 'type', 'must be an integer, got a number'],
    ['100', 'type', 'must be an integer, got a string'],
  ])('throws when the limit is %j', (limit, rule, message) => {
    expect(problemsOf(parseLogsRequest, { jobId: JOB_ID, limit })).toEqual([{ field: 'limit', rule, message }]);
  });

  it('throws when the job id is missing', () => {
    expect(problemsOf(parseLogsRequest, {})).toEqual([{ field: 'jobId', rule: 'required', message: 'is required' }]);
  });

  it('throws when the job id is not a job id', () => {
    expect(problemsOf(parseLogsRequest, { jobId: 'my-job' })).toEqual([
      { field: 'jobId', rule: 'pattern', message: 'must be an AWS Batch job id (a UUID), got "my-job"' },
    ]);
  });

  it.each<[unknown, string]>([
    ['', 'empty'],
    ['f/123', 'pattern'],
    ['a b', 'pattern'],
    [3, 'type'],
    ['t'.repeat(4097), 'max-length'],
  ])('throws when the token is %j', (nextToken, rule) => {
    expect(rulesOf(parseLogsRequest, { jobId: JOB_ID, nextToken })).toEqual([['nextToken', rule]]);
  });

  it('reports several problems at once', () => {
    expect(rulesOf(parseLogsRequest, { jobId: 'x', nextToken: '', limit: 0, from: 'head' })).toEqual([
      ['from', 'unknown-field'],
      ['jobId', 'pattern'],
      ['nextToken', 'empty'],
      ['limit', 'range'],
    ]);
  });
});

// A lone surrogate has no UTF-8 form: JSON carries it as "\ud800", and an SDK would fail while encoding it or send text
// AWS cannot read. Every string a request passes on to AWS is refused with rule utf8.
describe('text with a lone UTF-16 surrogate', () => {
  const LONE = 'x\ud800y';
  it.each<[string, (event: unknown) => unknown, unknown, string]>([
    ['a command part', parseSubmitRequest, { jobDefinition: 'align', containerOverrides: { command: ['echo', LONE] } }, 'containerOverrides.command[1]'],
    ['an environment value', parseSubmitRequest, { jobDefinition: 'align', containerOverrides: { environment: { SAMPLE: LONE } } }, 'containerOverrides.environment.SAMPLE'],
    ['a job name', parseSubmitRequest, { jobDefinition: 'align', jobName: LONE }, 'jobName'],
    ['a job definition name', parseValidateRequest, { jobDefinition: LONE }, 'jobDefinition'],
    ['a terminate reason', parseTerminateRequest, { jobId: JOB_ID, reason: LONE }, 'reason'],
    ['a logs token', parseLogsRequest, { jobId: JOB_ID, nextToken: '\udc00' }, 'nextToken'],
  ])('refuses it in %s', (_what, parse, event, field) => {
    expect(problemsOf(parse, event)).toEqual([{ field, rule: 'utf8', message: 'must be valid Unicode text: it holds a lone UTF-16 surrogate, which has no UTF-8 form' }]);
  });
});

describe('parseLogsRequest: attempts and the tail', () => {
  it('accepts an attempt from 1 to 10 and the tail', () => {
    expect(parseLogsRequest({ jobId: `${JOB_ID}#0`, attempt: 10, fromEnd: true, limit: 50 })).toEqual({ jobId: `${JOB_ID}#0`, attempt: 10, fromEnd: true, limit: 50 });
    expect(parseLogsRequest({ jobId: `${JOB_ID}:17`, attempt: 1, fromEnd: false })).toEqual({ jobId: `${JOB_ID}:17`, attempt: 1 });
  });

  // SubmitJob retryStrategy.attempts: 1 to 10, so no job has an eleventh attempt.
  it.each<[unknown, string]>([
    [0, 'range'],
    [11, 'range'],
    [1.5, 'type'],
    ['2', 'type'],
  ])('throws when the attempt is %j', (attempt, rule) => {
    expect(rulesOf(parseLogsRequest, { jobId: JOB_ID, attempt })).toEqual([['attempt', rule]]);
  });

  it('throws when fromEnd is not a boolean, or comes with a nextToken', () => {
    expect(rulesOf(parseLogsRequest, { jobId: JOB_ID, fromEnd: 'yes' })).toEqual([['fromEnd', 'type']]);
    expect(rulesOf(parseLogsRequest, { jobId: JOB_ID, fromEnd: true, nextToken: 'WzFd' })).toEqual([['fromEnd', 'exclusive']]);
  });
});

describe('parseTerminateRequest: many jobs', () => {
  it('accepts up to 100 job ids, array parents and children included', () => {
    const jobIds = Array.from({ length: 100 }, (_, index) => `${JOB_ID}:${index}`);
    expect(parseTerminateRequest({ jobIds, reason: 'withdrawn' })).toEqual({ jobIds, reason: 'withdrawn' });
  });

  it.each<[unknown, string, string]>([
    [[], 'jobIds', 'min-items'],
    [Array.from({ length: 101 }, () => JOB_ID), 'jobIds', 'max-items'],
    [JOB_ID, 'jobIds', 'type'],
    [[JOB_ID, 'x'], 'jobIds[1]', 'pattern'],
  ])('throws when jobIds is %j', (jobIds, field, rule) => {
    expect(rulesOf(parseTerminateRequest, { jobIds, reason: 'withdrawn' })).toEqual([[field, rule]]);
  });

  it('throws when both jobId and jobIds are given, and reports a missing reason too', () => {
    expect(rulesOf(parseTerminateRequest, { jobId: JOB_ID, jobIds: [JOB_ID] })).toEqual([
      ['', 'exclusive'],
      ['reason', 'required'],
    ]);
  });
});

describe('parseTerminateRequest', () => {
  it('accepts a job id and a reason', () => {
    expect(parseTerminateRequest({ jobId: JOB_ID, reason: 'wrong input' })).toEqual({ jobId: JOB_ID, reason: 'wrong input' });
  });

  it('accepts a reason of 1,024 characters', () => {
    expect(parseTerminateRequest({ jobId: JOB_ID, reason: 'r'.repeat(1024) }).reason).toHaveLength(1024);
  });

  it('throws when the reason is longer than 1,024 characters', () => {
    expect(problemsOf(parseTerminateRequest, { jobId: JOB_ID, reason: 'r'.repeat(1025) })).toEqual([
      { field: 'reason', rule: 'max-length', message: 'must be at most 1024 characters, got 1025' },
    ]);
  });

  it('throws when the reason is missing, saying why it is needed', () => {
    expect(problemsOf(parseTerminateRequest, { jobId: JOB_ID })).toEqual([
      { field: 'reason', rule: 'required', message: 'is required: say why the job is stopped' },
    ]);
  });

  it.each<[unknown, string]>([
    ['', 'empty'],
    [null, 'type'],
    [42, 'type'],
  ])('throws when the reason is %j', (reason, rule) => {
    expect(rulesOf(parseTerminateRequest, { jobId: JOB_ID, reason })).toEqual([['reason', rule]]);
  });

  it('throws when the job id is invalid', () => {
    expect(rulesOf(parseTerminateRequest, { jobId: `${JOB_ID}:`, reason: 'x' })).toEqual([['jobId', 'pattern']]);
  });

  it('reports several problems at once', () => {
    expect(rulesOf(parseTerminateRequest, { force: true })).toEqual([
      ['force', 'unknown-field'],
      ['jobId', 'required'],
      ['reason', 'required'],
    ]);
  });
});
