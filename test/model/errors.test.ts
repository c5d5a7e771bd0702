import {
  BatchJobFailedError,
  BatchJobNotFoundError,
  BatchJobSubmissionError,
  ConfigurationError,
  ERROR_TYPES,
  InvalidRequestError,
  InvalidS3UriError,
  LogStreamNotFoundError,
  PendantError,
  RemoteFunctionError,
  reviveError,
  S3AccessDeniedError,
  S3ObjectNotFoundError,
  SubmissionOutcomeUnknownError,
  UnknownJobDefinitionError,
  UnknownJobQueueError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  ValidationError,
  VALIDATION_ERROR_PREFIX,
} from '../../lib/model/errors';

const JOB_ID = '8f6c1b2a-1234-4abc-9def-0123456789ab';

/** One instance of every concrete class, with the message and context fields it must carry. */
const EXAMPLES: Array<[string, PendantError, string, Record<string, unknown>]> = [
  ['ValidationError', new ValidationError('job queue Queue: priority must be 0 to 1000, got -1'), 'job queue Queue: priority must be 0 to 1000, got -1', {}],
  [
    'ConfigurationError',
    new ConfigurationError('PENDANT_JOB_QUEUES', 'is not set'),
    'invalid configuration in PENDANT_JOB_QUEUES: is not set',
    { variable: 'PENDANT_JOB_QUEUES' },
  ],
  [
    'InvalidRequestError',
    new InvalidRequestError([{ field: 'jobId', rule: 'required', message: 'is required' }]),
    'invalid request: jobId: is required [required]',
    { problems: [{ field: 'jobId', rule: 'required', message: 'is required' }] },
  ],
  [
    'InvalidS3UriError',
    new InvalidS3UriError('s3:/bkt', 'must start with s3://'),
    'invalid S3 URI "s3:/bkt": must start with s3://',
    { text: 's3:/bkt', reason: 'must start with s3://' },
  ],
  [
    'S3ObjectNotFoundError',
    new S3ObjectNotFoundError(['s3://bkt/a.bam']),
    'S3 object not found: s3://bkt/a.bam',
    { uris: ['s3://bkt/a.bam'] },
  ],
  [
    'S3AccessDeniedError',
    new S3AccessDeniedError(['s3://bkt/a.bam']),
    'access denied to S3 object: s3://bkt/a.bam',
    { uris: ['s3://bkt/a.bam'] },
  ],
  ['BatchJobNotFoundError', new BatchJobNotFoundError(JOB_ID), `batch job not found: ${JOB_ID}`, { jobId: JOB_ID }],
  [
    'LogStreamNotFoundError',
    new LogStreamNotFoundError(JOB_ID, '/aws/batch/job', 'demo/default/abc'),
    `log stream not found for job ${JOB_ID}: /aws/batch/job/demo/default/abc`,
    { jobId: JOB_ID, logGroupName: '/aws/batch/job', logStreamName: 'demo/default/abc' },
  ],
  [
    'BatchJobSubmissionError',
    new BatchJobSubmissionError('run-1', 'demo:3', 'queue', 'job queue is DISABLED'),
    'batch refused job run-1 (demo:3 on queue): job queue is DISABLED',
    { jobName: 'run-1', jobDefinition: 'demo:3', jobQueue: 'queue' },
  ],
  [
    'UnknownJobDefinitionError',
    new UnknownJobDefinitionError('nope', ['demo', 'align']),
    'unknown job definition "nope"; known: demo, align',
    { jobDefinition: 'nope', known: ['demo', 'align'] },
  ],
  [
    'UnknownJobQueueError',
    new UnknownJobQueueError('slow', ['fast']),
    'unknown job queue "slow"; known: fast',
    { jobQueue: 'slow', known: ['fast'] },
  ],
  [
    'IdempotencyConflictError',
    new IdempotencyConflictError('order-42'),
    'idempotency key "order-42" was first used for another request; use a new key for a new request',
    { idempotencyKey: 'order-42' },
  ],
  [
    'IdempotencyInProgressError',
    new IdempotencyInProgressError('order-42'),
    'a request with idempotency key "order-42" is still in progress; retry shortly',
    { idempotencyKey: 'order-42' },
  ],
  [
    'SubmissionOutcomeUnknownError',
    new SubmissionOutcomeUnknownError('order-42', '2026-01-01T00:00:31.000Z'),
    'the outcome of an earlier submission with idempotency key "order-42" is not known yet: ListJobs may not list its job until 2026-01-01T00:00:31.000Z; retry then',
    { idempotencyKey: 'order-42', decidableAfter: '2026-01-01T00:00:31.000Z' },
  ],
  [
    'BatchJobFailedError',
    new BatchJobFailedError(JOB_ID, 'Essential container in task exited', 3, 'demo/default/abc', ['reading input', 'cannot read input']),
    `batch job ${JOB_ID} failed: Essential container in task exited (exit code 3)`,
    { jobId: JOB_ID, statusReason: 'Essential container in task exited', exitCode: 3, logStreamName: 'demo/default/abc', lastLogLines: ['reading input', 'cannot read input'] },
  ],
];

describe('PendantError', () => {
  describe.each(EXAMPLES)('%s', (className, error, message, context) => {
    it('is an Error and a PendantError', () => {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(PendantError);
    });

    it('has name equal to its class name', () => {
      expect(error.name).toBe(className);
      expect(error.constructor.name).toBe(className);
    });

    it('is listed in ERROR_TYPES', () => {
      expect(ERROR_TYPES).toContain(error.name);
    });

    it('has a message naming what is at fault', () => {
      expect(error.message).toBe(message);
    });

    it('carries its context fields', () => {
      expect(error).toMatchObject(context);
    });

    it('serializes name, message and context fields with toJSON', () => {
      expect(error.toJSON()).toEqual({ ...context, name: className, message });
      expect(JSON.parse(JSON.stringify(error))).toEqual({ ...context, name: className, message });
    });

    it('starts its stack with its name and message', () => {
      expect(error.stack?.split('\n')[0]).toBe(`${className}: ${message}`);
    });
  });

  it('lists exactly the classes in ERROR_TYPES', () => {
    expect([...ERROR_TYPES].sort()).toEqual(EXAMPLES.map(([name]) => name).sort());
  });

  // ERROR_TYPES and the client's revival read one registry: each listed name revives as the class of that name, with
  // the context fields the class itself reads back from its message.
  it.each(EXAMPLES)('revives %s from its registry entry', (className, error) => {
    const revived = reviveError(className, error.message);
    expect(revived).toBeInstanceOf(error.constructor);
    expect(revived.constructor.name).toBe(className);
  });

  it.each(['constructor', 'toString', '__proto__', 'RemoteFunctionError'])('revives %s, not a registered type, as RemoteFunctionError', (errorType) => {
    const revived = reviveError(errorType, 'boom');
    expect(revived).toBeInstanceOf(RemoteFunctionError);
    expect(revived).toMatchObject({ errorType, message: `${errorType}: boom` });
  });
});

describe('ConfigurationError', () => {
  it('names the variable in its message and field', () => {
    const error = new ConfigurationError('PENDANT_MAX_CONCURRENCY', 'must be an integer from 1 to 64, got "0"');
    expect(error.variable).toBe('PENDANT_MAX_CONCURRENCY');
    expect(error.message).toBe('invalid configuration in PENDANT_MAX_CONCURRENCY: must be an integer from 1 to 64, got "0"');
  });
});

describe('InvalidRequestError', () => {
  it('lists every problem in its message, in order', () => {
    const problems = [
      { field: '', rule: 'max-depth', message: 'the event must not nest deeper than 16 levels' },
      { field: 'jobId', rule: 'pattern', message: 'must be an AWS Batch job id (a UUID), got "x"' },
      { field: 'dependsOn[3].jobId', rule: 'required', message: 'is required' },
    ];
    const error = new InvalidRequestError(problems);
    expect(error.message).toBe(
      'invalid request: the event must not nest deeper than 16 levels [max-depth]; ' +
        'jobId: must be an AWS Batch job id (a UUID), got "x" [pattern]; ' +
        'dependsOn[3].jobId: is required [required]',
    );
    expect(error.problems).toEqual(problems);
  });

  it('keeps the problems in toJSON', () => {
    const problems = [
      { field: 'a', rule: 'type', message: 'must be a string, got a number' },
      { field: 'b', rule: 'empty', message: 'must not be empty' },
    ];
    expect(new InvalidRequestError(problems).toJSON()).toEqual({
      problems,
      name: 'InvalidRequestError',
      message: 'invalid request: a: must be a string, got a number [type]; b: must not be empty [empty]',
    });
  });
});

describe('S3ObjectNotFoundError', () => {
  it('says "objects" and lists every URI when there are several', () => {
    const error = new S3ObjectNotFoundError(['s3://bkt/a', 's3://bkt/b']);
    expect(error.message).toBe('S3 objects not found: s3://bkt/a, s3://bkt/b');
    expect(error.uris).toEqual(['s3://bkt/a', 's3://bkt/b']);
  });
});

describe('S3AccessDeniedError', () => {
  it('says "objects" and lists every URI when there are several', () => {
    expect(new S3AccessDeniedError(['s3://bkt/a', 's3://bkt/b']).message).toBe('access denied to S3 objects: s3://bkt/a, s3://bkt/b');
  });
});

describe('LogStreamNotFoundError', () => {
  it('says the job has no log stream yet when the stream name is null', () => {
    const error = new LogStreamNotFoundError(JOB_ID, '/aws/batch/job', null);
    expect(error.message).toBe(`job ${JOB_ID} has no log stream yet`);
    expect(error.toJSON()).toEqual({
      jobId: JOB_ID,
      logGroupName: '/aws/batch/job',
      logStreamName: null,
      name: 'LogStreamNotFoundError',
      message: `job ${JOB_ID} has no log stream yet`,
    });
  });
});

describe('BatchJobSubmissionError', () => {
  it('carries its cause but leaves it out of toJSON', () => {
    const cause = new Error('ClientException: job queue is DISABLED');
    const error = new BatchJobSubmissionError('run-1', 'demo:3', 'queue', 'job queue is DISABLED', { cause });
    expect(error.cause).toBe(cause);
    expect(error.toJSON()).not.toHaveProperty('cause');
    expect(Object.keys(error.toJSON()).sort()).toEqual(['jobDefinition', 'jobName', 'jobQueue', 'message', 'name']);
  });
});

describe('UnknownJobDefinitionError', () => {
  it('says "(none)" when no job definition is known', () => {
    expect(new UnknownJobDefinitionError('demo', []).message).toBe('unknown job definition "demo"; known: (none)');
  });

  it('uses the reason given instead of the default message', () => {
    const error = new UnknownJobDefinitionError('demo', ['demo'], 'job definition demo has no revision 9');
    expect(error.message).toBe('job definition demo has no revision 9');
    expect(error.jobDefinition).toBe('demo');
    expect(error.known).toEqual(['demo']);
  });
});

describe('UnknownJobQueueError', () => {
  it('says "(none)" when no job queue is known', () => {
    expect(new UnknownJobQueueError('slow', []).message).toBe('unknown job queue "slow"; known: (none)');
  });
});

describe('ValidationError in Python', () => {
  // jsii's kernel (@jsii/runtime 1.x, Kernel#_ensureSync) wraps what a construct throws as `new RuntimeError(error)`,
  // an Error subclass whose message is therefore String(error); jsii's Python runtime raises that message as
  // Python's RuntimeError. So the string form is what a Python app sees, and its prefix is how it recognises pendant.
  it('reads as pendant.ValidationError: <message>, its message unchanged', () => {
    const error = new ValidationError('job queue Queue: priority must be 0 to 1000, got -1');
    expect(String(error)).toBe('pendant.ValidationError: job queue Queue: priority must be 0 to 1000, got -1');
    expect(new Error(error as unknown as string).message).toBe(`${VALIDATION_ERROR_PREFIX}${error.message}`);
    expect(error.message).toBe('job queue Queue: priority must be 0 to 1000, got -1');
    expect(String(new ConfigurationError('X', 'bad'))).not.toContain(VALIDATION_ERROR_PREFIX);
  });
});
