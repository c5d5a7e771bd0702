import { InvokeCommand, InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { PendantClient, PendantFunctions } from '../../lib/client';
import {
  BatchJobFailedError,
  BatchJobNotFoundError,
  BatchJobSubmissionError,
  ConfigurationError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  InvalidRequestError,
  InvalidS3UriError,
  JobStatusResponse,
  JobSummary,
  JobWaitTimeoutError,
  LogEvent,
  LogsResponse,
  LogStreamNotFoundError,
  parseSubmitRequest,
  PendantError,
  RemoteFunctionError,
  RequestProblem,
  S3AccessDeniedError,
  S3ObjectNotFoundError,
  StatusResponse,
  SubmissionOutcomeUnknownError,
  type SubmitRequest,
  SubmitResponse,
  TerminateJobsResponse,
  TerminateResponse,
  UnknownJobDefinitionError,
  UnknownJobQueueError,
  ValidateResponse,
  ValidationError,
} from '../../lib/model';
import { ERROR_TYPES } from '../../lib/model/errors';

const lambda = mockClient(LambdaClient);

const JOB_ID = '0f6ad6c4-3c1b-4d3a-9a57-5b8b0f7f3c21';
const OTHER_JOB_ID = '8f6c1b2a-1234-4abc-9def-0123456789ab';
const QUEUE_ARN = 'arn:aws:batch:us-east-1:123456789012:job-queue/pendant-fargate';
/** A submit request with every field: the client sends it to the function exactly as given. */
const SUBMIT_REQUEST: SubmitRequest = {
  jobDefinition: 'demo-job',
  parameters: { input_object: 's3://pendant-demo-inputs/inputs/a.txt', threads: 8, verbose: true },
  jobQueue: QUEUE_ARN,
  revision: 'latest',
  containerOverrides: { vcpus: 0.5, environment: { MODE: 'fast' } },
  arraySize: 4,
  dependsOn: [{ jobId: OTHER_JOB_ID, type: 'N_TO_N' }, { type: 'SEQUENTIAL' }],
  jobName: 'nightly-run',
};
const FUNCTIONS: Required<PendantFunctions> = {
  validate: 'pendant-validate',
  submit: 'arn:aws:lambda:us-east-1:123456789012:function:PendantPlatform-SubmitFunction',
  status: 'pendant-status',
  logs: 'pendant-logs',
  terminate: 'pendant-terminate',
  describe: 'pendant-describe',
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What Lambda answers when the function returned `value`. */
function answer(value: unknown): InvokeCommandOutput {
  return { $metadata: {}, StatusCode: 200, ExecutedVersion: '$LATEST', Payload: bytes(JSON.stringify(value)) };
}

/** What Lambda answers when the function threw: the Node.js runtime reports `error.name` as `errorType`. */
function functionError(errorType: string, errorMessage: string): InvokeCommandOutput {
  return {
    $metadata: {},
    StatusCode: 200,
    FunctionError: 'Unhandled',
    Payload: bytes(JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`, '    at handler (/var/task/index.js:1:1)'] })),
  };
}

/** A thrown model error as its function reports it. */
function thrown(error: PendantError): InvokeCommandOutput {
  return functionError(error.name, error.message);
}

function bytes(text: string): InvokeCommandOutput['Payload'] {
  return encoder.encode(text) as InvokeCommandOutput['Payload'];
}

/** The function name and the decoded JSON payload of every InvokeCommand sent. */
function sent(): Array<{ functionName: string | undefined; request: unknown }> {
  return lambda.commandCalls(InvokeCommand).map((call) => {
    const payload = call.args[0].input.Payload;
    if (!(payload instanceof Uint8Array)) throw new TypeError(`expected the payload as bytes, got ${typeof payload}`);
    return { functionName: call.args[0].input.FunctionName, request: JSON.parse(decoder.decode(payload)) as unknown };
  });
}

function client(functions: PendantFunctions = FUNCTIONS): PendantClient {
  return new PendantClient({ functions, lambda: new LambdaClient({ region: 'us-east-1' }) });
}

/** The error a promise rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new TypeError(`rejected with a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error('expected the promise to reject, but it resolved');
}

function summary(jobId: string): JobSummary {
  return {
    jobId,
    jobName: '2024-01-02T03-04-05_demo-job',
    status: 'RUNNING',
    statusReason: null,
    exitCode: null,
    createdAt: '2024-01-02T03:04:05.000Z',
    startedAt: '2024-01-02T03:05:00.000Z',
    stoppedAt: null,
    logStreamName: `demo-job/default/${jobId.replace(/-/g, '')}`,
    attempts: [],
    arrayStatusSummary: null,
    jobDefinition: 'demo-job:3',
    dependsOn: [],
    tags: {},
    arrayProperties: null,
  };
}

function event(index: number): LogEvent {
  return { timestamp: 1_704_164_645_000 + index, message: `line ${index}`, ingestionTime: 1_704_164_646_000 + index };
}

function logsPage(events: LogEvent[], nextToken: string | null): LogsResponse {
  return { jobId: JOB_ID, logGroupName: '/pendant/jobs', logStreamName: 'demo-job/default/abc', events, nextToken };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

beforeEach(() => {
  lambda.reset();
});

describe('PendantClient', () => {
  interface Case {
    readonly operation: keyof PendantFunctions;
    readonly call: (pendant: PendantClient) => Promise<unknown>;
    readonly request: unknown;
    readonly response: unknown;
  }

  const CASES: Array<[string, Case]> = [
    [
      'validate',
      {
        operation: 'validate',
        call: (pendant) => pendant.validate({ jobDefinition: 'demo-job', parameters: { input_object: 's3://pendant-demo-inputs/inputs/a.txt' } }),
        request: { jobDefinition: 'demo-job', parameters: { input_object: 's3://pendant-demo-inputs/inputs/a.txt' } },
        response: { valid: true, problems: [] } satisfies ValidateResponse,
      },
    ],
    [
      'submit',
      {
        operation: 'submit',
        call: (pendant) =>
          pendant.submit(SUBMIT_REQUEST),
        request: SUBMIT_REQUEST,
        response: {
          jobId: JOB_ID,
          jobName: 'nightly-run',
          jobArn: `arn:aws:batch:us-east-1:123456789012:job/${JOB_ID}`,
          jobDefinition: 'demo-job:3',
          jobQueue: QUEUE_ARN,
        } satisfies SubmitResponse,
      },
    ],
    [
      'status',
      {
        operation: 'status',
        call: (pendant) => pendant.status([JOB_ID, OTHER_JOB_ID]),
        request: { jobIds: [JOB_ID, OTHER_JOB_ID] },
        response: { jobs: [summary(JOB_ID)], notFound: [OTHER_JOB_ID] } satisfies StatusResponse,
      },
    ],
    [
      'jobStatus',
      {
        operation: 'status',
        call: (pendant) => pendant.jobStatus(JOB_ID),
        request: { jobId: JOB_ID },
        response: summary(JOB_ID),
      },
    ],
    [
      'jobStatus with history',
      {
        operation: 'status',
        call: (pendant) => pendant.jobStatus(JOB_ID, { history: true }),
        request: { jobId: JOB_ID, history: true },
        response: { ...summary(JOB_ID), source: 'job-events', recordedAt: '2026-12-01T10:00:00Z', history: [{ status: 'RUNNING', time: '2026-12-01T10:00:00Z', reason: null, attempt: 1 }] },
      },
    ],
    [
      'logs',
      {
        operation: 'logs',
        call: (pendant) => pendant.logs({ jobId: JOB_ID, nextToken: 'WzEsInMiLG51bGwsMF0', limit: 100 }),
        request: { jobId: JOB_ID, nextToken: 'WzEsInMiLG51bGwsMF0', limit: 100 },
        response: logsPage([event(1), event(2)], 'WzEsInMiLCJ0IiwwXQ'),
      },
    ],
    [
      'terminate',
      {
        operation: 'terminate',
        call: (pendant) => pendant.terminate({ jobId: JOB_ID, reason: 'superseded by a newer run' }),
        request: { jobId: JOB_ID, reason: 'superseded by a newer run' },
        response: { jobId: JOB_ID, previousStatus: 'RUNNING', action: 'terminated' } satisfies TerminateResponse,
      },
    ],
    [
      'terminateJobs',
      {
        operation: 'terminate',
        call: (pendant) => pendant.terminateJobs({ jobIds: [JOB_ID, OTHER_JOB_ID], reason: 'superseded by a newer run' }),
        request: { jobIds: [JOB_ID, OTHER_JOB_ID], reason: 'superseded by a newer run' },
        response: {
          jobs: [{ jobId: JOB_ID, previousStatus: 'RUNNING', action: 'terminated' }],
          notFound: [OTHER_JOB_ID],
          failed: [],
        } satisfies TerminateJobsResponse,
      },
    ],
    [
      'children',
      {
        operation: 'status',
        call: (pendant) => pendant.children(JOB_ID, { status: 'FAILED', limit: 500 }),
        request: { jobId: JOB_ID, children: { status: 'FAILED', limit: 500 } },
        response: { ...summary(JOB_ID), children: { status: 'FAILED', jobs: [], nextToken: null } } satisfies JobStatusResponse,
      },
    ],
  ];

  describe.each(CASES)('%s', (_method, { operation, call, request, response }) => {
    it(`sends one InvokeCommand to the ${operation} function with the request as JSON`, async () => {
      lambda.on(InvokeCommand).resolves(answer(response));
      await call(client());
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
      expect(sent()).toEqual([{ functionName: FUNCTIONS[operation], request }]);
    });

    it("returns the function's answer, parsed", async () => {
      lambda.on(InvokeCommand).resolves(answer(response));
      await expect(call(client())).resolves.toEqual(response);
    });

    it(`throws when no ${operation} function was given, without calling Lambda`, async () => {
      const { [operation]: _omitted, ...others } = FUNCTIONS;
      const error = await rejection(call(client(others)));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe(`PendantClient was given no ${operation} function: set functions.${operation} to its name or ARN`);
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    });

    it('throws the revived error when the function answers with an error', async () => {
      lambda.on(InvokeCommand).resolves(thrown(new BatchJobNotFoundError(JOB_ID)));
      const error = await rejection(call(client()));
      expect(error).toBeInstanceOf(BatchJobNotFoundError);
      expect(error.message).toBe(`batch job not found: ${JOB_ID}`);
    });
  });

  it('sends the request in the form the parsers give it (job ids in dependsOn become objects)', async () => {
    lambda.on(InvokeCommand).resolves(answer({}));
    await client().submit({ jobDefinition: 'demo-job', dependsOn: [OTHER_JOB_ID] });
    expect(sent()[0].request).toEqual({ jobDefinition: 'demo-job', dependsOn: [{ jobId: OTHER_JOB_ID }] });
  });

  describe('call: any operation of the registry, typed by it', () => {
    it("sends the request as the operation's parser gives it to that operation's function, and answers its response", async () => {
      const submitted: SubmitResponse = { jobId: JOB_ID, jobName: 'nightly-run', jobArn: `arn:aws:batch:us-east-1:123456789012:job/${JOB_ID}`, jobDefinition: 'demo-job:3', jobQueue: QUEUE_ARN };
      lambda.on(InvokeCommand).resolves(answer(submitted));
      const response: SubmitResponse = await client().call('submit', { jobDefinition: 'demo-job', dependsOn: [OTHER_JOB_ID] });
      expect(response).toEqual(submitted);
      expect(sent()).toEqual([{ functionName: FUNCTIONS.submit, request: { jobDefinition: 'demo-job', dependsOn: [{ jobId: OTHER_JOB_ID }] } }]);
    });

    it("throws the parser's InvalidRequestError for a malformed request, without calling Lambda", async () => {
      const error = await rejection(client().call('terminate', { jobId: 'not-a-job-id', reason: 'withdrawn' }));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).problems).toEqual([expect.objectContaining({ field: 'jobId', rule: 'pattern' })]);
      expect(sent()).toEqual([]);
    });
  });

  it('uses a LambdaClient of its own when given none', async () => {
    lambda.on(InvokeCommand).resolves(answer({ valid: true, problems: [] }));
    const pendant = new PendantClient({ functions: { validate: 'pendant-validate' } });
    await expect(pendant.validate({ jobDefinition: 'demo-job' })).resolves.toEqual({ valid: true, problems: [] });
    expect(sent()).toEqual([{ functionName: 'pendant-validate', request: { jobDefinition: 'demo-job' } }]);
  });

  describe('requests it refuses before any call', () => {
    const MALFORMED: Array<[string, (pendant: PendantClient) => Promise<unknown>, Array<Partial<RequestProblem>>]> = [
      ['validate names no job definition', (pendant) => pendant.validate({ jobDefinition: '' }), [{ field: 'jobDefinition', rule: 'empty' }]],
      [
        'submit has a bad job name and too small an array',
        (pendant) => pendant.submit({ jobDefinition: 'demo-job', jobName: 'nightly run!', arraySize: 1 }),
        [
          { field: 'arraySize', rule: 'range' },
          { field: 'jobName', rule: 'pattern' },
        ],
      ],
      [
        'submit overrides a reserved environment variable',
        (pendant) => pendant.submit({ jobDefinition: 'demo-job', containerOverrides: { environment: { AWS_BATCH_JOB_ID: 'x' } } }),
        [{ field: 'containerOverrides.environment.AWS_BATCH_JOB_ID', rule: 'reserved-name' }],
      ],
      ['status names no job', (pendant) => pendant.status([]), [{ field: 'jobIds', rule: 'min-items' }]],
      ['jobStatus is given something other than a job id', (pendant) => pendant.jobStatus('job-42'), [{ field: 'jobId', rule: 'pattern' }]],
      ['logs asks for no events', (pendant) => pendant.logs({ jobId: JOB_ID, limit: 0 }), [{ field: 'limit', rule: 'range' }]],
      ['terminate gives no reason', (pendant) => pendant.terminate({ jobId: JOB_ID, reason: '' }), [{ field: 'reason', rule: 'empty' }]],
    ];

    it.each(MALFORMED)('throws when %s', async (_case, call, problems) => {
      lambda.on(InvokeCommand).resolves(answer({}));
      const error = await rejection(call(client()));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).problems).toEqual(problems.map((problem) => expect.objectContaining(problem)));
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    });

    it('throws through the returned promise, not before it, so a .catch() on the call sees the error', async () => {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = client().terminate({ jobId: JOB_ID, reason: '' });
      }).not.toThrow();
      await expect(promise).rejects.toBeInstanceOf(InvalidRequestError);
    });

    it('throws when a request is not an object at all (an untyped caller), naming the event', async () => {
      const error = await rejection(client().submit(null as never));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).problems).toEqual([{ field: '', rule: 'type', message: 'must be an object, got null' }]);
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    });
  });

  describe('function errors', () => {
    async function revived(answered: InvokeCommandOutput): Promise<Error> {
      lambda.on(InvokeCommand).resolves(answered);
      return rejection(client().submit({ jobDefinition: 'demo-job' }));
    }

    it('throws BatchJobNotFoundError carrying the job id', async () => {
      const error = await revived(thrown(new BatchJobNotFoundError(JOB_ID)));
      expect(error).toBeInstanceOf(BatchJobNotFoundError);
      expect(error).toBeInstanceOf(PendantError);
      expect(error.name).toBe('BatchJobNotFoundError');
      expect((error as BatchJobNotFoundError).jobId).toBe(JOB_ID);
    });

    it.each([
      ['one object', ['s3://pendant-demo-inputs/inputs/a.txt']],
      ['several objects', ['s3://pendant-demo-inputs/inputs/a.txt', 's3://pendant-demo-inputs/inputs/deep/b c.txt']],
    ])('throws S3ObjectNotFoundError carrying the URIs of %s', async (_count, uris) => {
      const original = new S3ObjectNotFoundError(uris);
      const error = await revived(thrown(original));
      expect(error).toBeInstanceOf(S3ObjectNotFoundError);
      expect(error.message).toBe(original.message);
      expect((error as S3ObjectNotFoundError).uris).toEqual(uris);
    });

    it('throws S3AccessDeniedError carrying the URIs', async () => {
      const uris = ['s3://locked/a', 's3://locked/b'];
      const error = await revived(thrown(new S3AccessDeniedError(uris)));
      expect(error).toBeInstanceOf(S3AccessDeniedError);
      expect((error as S3AccessDeniedError).uris).toEqual(uris);
    });

    it('throws InvalidRequestError with its problems parsed back into field, rule and message', async () => {
      const problems: RequestProblem[] = [
        {
          field: 'parameters.input_object',
          rule: 'outside-allowed-location',
          message: 'must lie under s3://pendant-demo-inputs/inputs/, got s3://elsewhere/a.txt',
        },
        { field: 'parameters.threads', rule: 'unknown-parameter', message: 'is not a parameter of this job definition; known: input_object' },
        { field: 'dependsOn[3].jobId', rule: 'pattern', message: 'must be an AWS Batch job id (a UUID), got "job: 42"' },
        { field: '', rule: 'exclusive', message: 'give either jobId or jobIds, not both' },
        { field: 'nextToken', rule: 'token', message: `belongs to another job than ${JOB_ID}` },
      ];
      const original = new InvalidRequestError(problems);
      const error = await revived(thrown(original));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.message).toBe(original.message);
      expect((error as InvalidRequestError).problems).toEqual(problems);
    });

    it("throws InvalidRequestError whose problems are the ones the handlers' own parser found", async () => {
      let original: unknown;
      try {
        parseSubmitRequest({ jobDefinition: 'demo job', revision: '3', dependsOn: [{ jobId: 'x', type: 'ALL' }], colour: 'red' });
      } catch (error) {
        original = error;
      }
      if (!(original instanceof InvalidRequestError)) throw new Error('the parser accepted a malformed request');
      expect(original.problems.length).toBeGreaterThanOrEqual(4);
      const error = await revived(thrown(original));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).problems).toEqual(original.problems);
    });

    /** One instance of every class a function can answer with. */
    const EVERY_TYPE: PendantError[] = [
      new ValidationError('job queue Queue: priority must be 0 to 1000, got -1'),
      new ConfigurationError('PENDANT_JOB_QUEUES', 'is not set'),
      new InvalidRequestError([{ field: 'jobId', rule: 'required', message: 'is required' }]),
      new InvalidS3UriError('s3:/bucket', 'must start with s3://'),
      new S3ObjectNotFoundError(['s3://bucket/a']),
      new S3AccessDeniedError(['s3://bucket/a']),
      new BatchJobNotFoundError(JOB_ID),
      new LogStreamNotFoundError(JOB_ID, '/pendant/jobs', null),
      new BatchJobSubmissionError('run-1', 'demo-job:3', QUEUE_ARN, 'job queue is DISABLED'),
      new UnknownJobDefinitionError('nope', ['demo-job']),
      new UnknownJobQueueError('slow', ['fast']),
      new IdempotencyConflictError('order-42'),
      new IdempotencyInProgressError('order-42'),
      new SubmissionOutcomeUnknownError('order-42', '2026-01-01T00:00:31.000Z'),
      new BatchJobFailedError(JOB_ID, 'Essential container in task exited', 3, 'demo/default/abc', ['cannot read input']),
    ];

    it('revives SubmissionOutcomeUnknownError with its key and the moment to retry after', async () => {
      const error = await revived(thrown(new SubmissionOutcomeUnknownError('order "42"', '2026-01-01T00:00:31.000Z')));
      expect(error).toMatchObject({ idempotencyKey: 'order "42"', decidableAfter: '2026-01-01T00:00:31.000Z' });
    });

    it('has an example of every error type a function can answer with', () => {
      expect(EVERY_TYPE.map((error) => error.name).sort()).toEqual([...ERROR_TYPES].sort());
    });

    it.each(EVERY_TYPE.map((error) => [error.name, error] as const))('throws %s as its own class, with its message', async (_name, original) => {
      const error = await revived(thrown(original));
      expect(error).toBeInstanceOf(original.constructor);
      expect(error).toBeInstanceOf(PendantError);
      expect(error).not.toBeInstanceOf(RemoteFunctionError);
      expect(error.name).toBe(original.name);
      expect(error.message).toBe(original.message);
    });

    it.each([
      ['TooManyRequestsException', 'Rate exceeded'],
      ['Runtime.ExitError', 'RequestId: 1234 Error: Runtime exited with error: signal: killed'],
      ['Error', 'something unexpected'],
    ])('throws RemoteFunctionError keeping errorType for an error type pendant does not own (%s)', async (errorType, errorMessage) => {
      const error = await revived(functionError(errorType, errorMessage));
      expect(error).toBeInstanceOf(RemoteFunctionError);
      expect((error as RemoteFunctionError).errorType).toBe(errorType);
      expect(error.message).toBe(`${errorType}: ${errorMessage}`);
    });

    it("throws RemoteFunctionError named by Lambda's FunctionError when the payload has no errorType", async () => {
      const error = await revived({ $metadata: {}, StatusCode: 200, FunctionError: 'Unhandled', Payload: bytes('{"errorMessage":"out of memory"}') });
      expect(error).toBeInstanceOf(RemoteFunctionError);
      expect((error as RemoteFunctionError).errorType).toBe('Unhandled');
      expect(error.message).toBe('Unhandled: out of memory');
    });
  });

  describe('logEvents', () => {
    it("yields every event, following nextToken from response to response until it is null", async () => {
      lambda
        .on(InvokeCommand)
        .resolvesOnce(answer(logsPage([event(1), event(2)], 'token-1')))
        .resolvesOnce(answer(logsPage([event(3)], 'token-2')))
        .resolvesOnce(answer(logsPage([event(4), event(5)], null)));
      await expect(collect(client().logEvents(JOB_ID))).resolves.toEqual([event(1), event(2), event(3), event(4), event(5)]);
      expect(sent()).toEqual([
        { functionName: FUNCTIONS.logs, request: { jobId: JOB_ID } },
        { functionName: FUNCTIONS.logs, request: { jobId: JOB_ID, nextToken: 'token-1' } },
        { functionName: FUNCTIONS.logs, request: { jobId: JOB_ID, nextToken: 'token-2' } },
      ]);
    });

    it('stops when a running job\'s stream is read to its end and the token comes back unchanged', async () => {
      lambda
        .on(InvokeCommand)
        .resolvesOnce(answer(logsPage([event(1)], 'token-1')))
        .resolvesOnce(answer(logsPage([event(2)], 'token-1')))
        .resolves(answer(logsPage([event(99)], 'token-never')));
      await expect(collect(client().logEvents(JOB_ID))).resolves.toEqual([event(1), event(2)]);
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 2);
    });

    // CloudWatch Logs API Reference, GetLogEvents: a page can hold no events and still a new nextForwardToken, and the
    // logs function answers with no events when it runs short of time; only an unchanged or null token ends the stream.
    it('keeps reading past a response with no events but a new token', async () => {
      lambda
        .on(InvokeCommand)
        .resolvesOnce(answer(logsPage([event(1)], 'token-1')))
        .resolvesOnce(answer(logsPage([], 'token-2')))
        .resolvesOnce(answer(logsPage([event(2)], 'token-3')))
        .resolves(answer(logsPage([], null)));
      await expect(collect(client().logEvents(JOB_ID))).resolves.toEqual([event(1), event(2)]);
      expect(sent().map((call) => (call.request as { nextToken?: string }).nextToken)).toEqual([undefined, 'token-1', 'token-2', 'token-3']);
    });

    it('stops at a response with no events whose token is the one sent: the stream is read to its end', async () => {
      lambda
        .on(InvokeCommand)
        .resolvesOnce(answer(logsPage([event(1)], 'token-1')))
        .resolvesOnce(answer(logsPage([], 'token-1')))
        .resolves(answer(logsPage([event(99)], 'token-never')));
      await expect(collect(client().logEvents(JOB_ID))).resolves.toEqual([event(1)]);
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 2);
    });

    it('calls the function only as far as the caller reads', async () => {
      lambda
        .on(InvokeCommand)
        .resolvesOnce(answer(logsPage([event(1), event(2)], 'token-1')))
        .resolves(answer(logsPage([event(3)], null)));
      const events = client().logEvents(JOB_ID);
      await expect(events.next()).resolves.toEqual({ value: event(1), done: false });
      await expect(events.next()).resolves.toEqual({ value: event(2), done: false });
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
      await events.return(undefined);
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    });

    it('throws when the job has no log stream yet, as LogStreamNotFoundError', async () => {
      lambda.on(InvokeCommand).resolves(thrown(new LogStreamNotFoundError(JOB_ID, '/pendant/jobs', null)));
      const error = await rejection(collect(client().logEvents(JOB_ID)));
      expect(error).toBeInstanceOf(LogStreamNotFoundError);
      expect(error.message).toBe(`job ${JOB_ID} has no log stream yet`);
    });

    it('throws when the job id is malformed, without calling the function', async () => {
      const error = await rejection(collect(client().logEvents('not-a-job-id')));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).problems).toEqual([expect.objectContaining({ field: 'jobId', rule: 'pattern' })]);
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    });
  });
});

describe('PendantClient.waitForJob', () => {
  /** A clock that only moves when the client sleeps, and a record of every sleep. */
  function clocked(functions: PendantFunctions = FUNCTIONS) {
    let now = 0;
    const sleeps: number[] = [];
    const pendant = new PendantClient({
      functions,
      lambda: new LambdaClient({ region: 'us-east-1' }),
      now: () => now,
      sleep: async (millis) => {
        sleeps.push(millis);
        now += millis;
      },
    });
    return { pendant, sleeps, elapsed: () => now };
  }

  /** The status function answers each job in `statuses` in turn, the last one for ever after. */
  function statusSequence(statuses: Array<Partial<JobSummary>>): void {
    let call = 0;
    lambda.on(InvokeCommand, { FunctionName: FUNCTIONS.status }).callsFake(() => answer({ ...summary(JOB_ID), ...statuses[Math.min(call++, statuses.length - 1)] }));
  }

  const statusCalls = () => sent().filter((call) => call.functionName === FUNCTIONS.status).length;

  beforeEach(() => lambda.reset());

  it('resolves at SUCCEEDED, telling onChange each change once', async () => {
    statusSequence([{ status: 'RUNNABLE' }, { status: 'RUNNABLE' }, { status: 'RUNNING' }, { status: 'SUCCEEDED', exitCode: 0 }]);
    const { pendant } = clocked();
    const seen: string[] = [];

    const job = await pendant.waitForJob(JOB_ID, { onChange: (change) => seen.push(change.status) });

    expect(job).toMatchObject({ jobId: JOB_ID, status: 'SUCCEEDED', exitCode: 0 });
    expect(seen).toEqual(['RUNNABLE', 'RUNNING', 'SUCCEEDED']);
    expect(sent()[0].request).toEqual({ jobId: JOB_ID });
  });

  it('backs off while nothing changes, up to the longest interval, and starts over after a change', async () => {
    statusSequence([...Array.from({ length: 8 }, () => ({ status: 'RUNNING' as const })), { status: 'SUCCEEDED' }]);
    const { pendant, sleeps } = clocked();

    await pendant.waitForJob(JOB_ID, { minIntervalMillis: 2_000, maxIntervalMillis: 30_000 });

    expect(sleeps).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000]);

    lambda.reset();
    sleeps.length = 0;
    statusSequence([{ status: 'RUNNABLE' }, { status: 'RUNNABLE' }, { status: 'RUNNABLE' }, { status: 'RUNNING' }, { status: 'RUNNING' }, { status: 'SUCCEEDED' }]);
    await pendant.waitForJob(JOB_ID);
    expect(sleeps).toEqual([2_000, 4_000, 8_000, 2_000, 4_000]);
  });

  it('polls at most 60 times a minute whatever it is asked, and rejects an interval under a second before any call', async () => {
    statusSequence([{ status: 'RUNNING' }]);
    const { pendant, elapsed } = clocked();
    await expect(pendant.waitForJob(JOB_ID, { minIntervalMillis: 999 })).rejects.toThrow(InvalidRequestError);
    expect(lambda.calls()).toHaveLength(0);

    await expect(pendant.waitForJob(JOB_ID, { minIntervalMillis: 1_000, maxIntervalMillis: 1_000, timeoutMillis: 600_000 })).rejects.toThrow(JobWaitTimeoutError);
    expect(statusCalls() / (elapsed() / 60_000)).toBeLessThanOrEqual(61);
  });

  it('rejects with JobWaitTimeoutError once the timeout passes, naming the last status', async () => {
    statusSequence([{ status: 'RUNNABLE' }]);
    const { pendant, elapsed } = clocked();

    const error = await rejection(pendant.waitForJob(JOB_ID, { timeoutMillis: 60_000 }));

    expect(error).toBeInstanceOf(JobWaitTimeoutError);
    expect(error).toMatchObject({ name: 'JobWaitTimeoutError', jobId: JOB_ID, timeoutMillis: 60_000, lastStatus: 'RUNNABLE' });
    expect(error.message).toBe(`batch job ${JOB_ID} had not finished after 60000 ms; last seen RUNNABLE`);
    expect(elapsed()).toBeGreaterThanOrEqual(60_000);
    expect(elapsed()).toBeLessThan(62_000);
  });

  it('rejects with BatchJobFailedError carrying the reason, the exit code and the last lines of the log', async () => {
    statusSequence([{ status: 'RUNNING' }, { status: 'FAILED', statusReason: 'Essential container in task exited', exitCode: 3 }]);
    lambda.on(InvokeCommand, { FunctionName: FUNCTIONS.logs }).resolves(
      answer({ jobId: JOB_ID, logGroupName: '/aws/batch/job', logStreamName: 's', events: [event(1), event(2)], nextToken: null }),
    );
    const { pendant } = clocked();

    const error = await rejection(pendant.waitForJob(JOB_ID, { logLines: 2 }));

    expect(error).toBeInstanceOf(BatchJobFailedError);
    expect(error).toMatchObject({ jobId: JOB_ID, statusReason: 'Essential container in task exited', exitCode: 3, lastLogLines: [event(1).message, event(2).message] });
    expect(error.message).toBe(`batch job ${JOB_ID} failed: Essential container in task exited (exit code 3)`);
    expect(sent().find((call) => call.functionName === FUNCTIONS.logs)?.request).toEqual({ jobId: JOB_ID, fromEnd: true, limit: 2 });
  });

  it('still rejects with BatchJobFailedError when the log cannot be read, or no logs function is given', async () => {
    statusSequence([{ status: 'FAILED', statusReason: 'Task failed to start', exitCode: null }]);
    lambda.on(InvokeCommand, { FunctionName: FUNCTIONS.logs }).resolves(thrown(new LogStreamNotFoundError(JOB_ID, '/aws/batch/job', null)));

    const withLogs = await rejection(clocked().pendant.waitForJob(JOB_ID));
    const withoutLogs = await rejection(clocked({ status: FUNCTIONS.status }).pendant.waitForJob(JOB_ID));

    for (const error of [withLogs, withoutLogs]) {
      expect(error).toBeInstanceOf(BatchJobFailedError);
      expect(error).toMatchObject({ statusReason: 'Task failed to start', exitCode: null, lastLogLines: [] });
    }
  });

  it('passes on the status function\'s errors, such as a job Batch does not know', async () => {
    lambda.on(InvokeCommand).resolves(thrown(new BatchJobNotFoundError(JOB_ID)));
    await expect(clocked().pendant.waitForJob(JOB_ID)).rejects.toThrow(BatchJobNotFoundError);
  });

  it('tells onChange when an array\'s children move though the parent stays RUNNING', async () => {
    statusSequence([
      { status: 'RUNNING', arrayStatusSummary: { RUNNING: 2 } },
      { status: 'RUNNING', arrayStatusSummary: { RUNNING: 1, SUCCEEDED: 1 } },
      { status: 'SUCCEEDED', arrayStatusSummary: { SUCCEEDED: 2 } },
    ]);
    const summaries: unknown[] = [];
    await clocked().pendant.waitForJob(JOB_ID, { onChange: (job) => summaries.push(job.arrayStatusSummary) });
    expect(summaries).toEqual([{ RUNNING: 2 }, { RUNNING: 1, SUCCEEDED: 1 }, { SUCCEEDED: 2 }]);
  });
});
