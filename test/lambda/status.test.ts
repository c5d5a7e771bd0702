import { BatchClient, DescribeJobsCommand, DescribeJobsCommandInput, JobDetail, ListJobsCommand, ServerException } from '@aws-sdk/client-batch';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHandler } from '../../lambda/handlers/status';
import { BatchJobNotFoundError, ChildJobSummary, InvalidRequestError, JobStatusResponse, JobSummary, StatusResponse } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { expectRejection } from '../support/errors';

const batch = mockClient(BatchClient);

function config(maxConcurrency?: number): RuntimeConfig {
  return new RuntimeConfig(
    encodeConfig({ jobDefinitions: {}, jobQueues: ['pendant-default'], ...(maxConcurrency !== undefined && { maxConcurrency }) }),
  );
}

/** A distinct, valid job id for every n. */
const jobId = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
const ids = (count: number, from = 0) => Array.from({ length: count }, (_, index) => jobId(from + index));

function detail(id: string, fields: Partial<JobDetail> = {}): JobDetail {
  return { jobId: id, jobName: `job-${id.slice(0, 8)}`, jobQueue: 'q', jobDefinition: 'd', status: 'RUNNING', startedAt: undefined, ...fields };
}

/** Batch as it answers DescribeJobs: the known jobs among those asked for, in no particular order. */
function knowJobs(known: (id: string) => boolean = () => true): void {
  batch.on(DescribeJobsCommand).callsFake((input: DescribeJobsCommandInput) => ({
    jobs: (input.jobs ?? []).filter(known).reverse().map((id) => detail(id)),
  }));
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


const sentChunks = () => batch.commandCalls(DescribeJobsCommand).map((call) => call.args[0].input.jobs);

beforeEach(() => {
  batch.reset();
});

describe('Function: status', () => {
  describe('{ jobIds }', () => {
    it('describes 250 jobs in exactly 3 DescribeJobs calls of at most 100 ids, in the order asked', async () => {
      knowJobs();
      const jobIds = ids(250);

      const response = (await createHandler({ config: config() })({ jobIds })) as StatusResponse;

      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 3);
      expect(sentChunks()).toEqual([jobIds.slice(0, 100), jobIds.slice(100, 200), jobIds.slice(200)]);
      expect(response.jobs.map((job) => job.jobId)).toEqual(jobIds);
      expect(response.notFound).toEqual([]);
    });

    it.each([
      [1, 1],
      [100, 1],
      [101, 2],
      [1000, 10],
    ])('describes %i jobs in %i DescribeJobs calls', async (count, calls) => {
      knowJobs();

      const response = (await createHandler({ config: config() })({ jobIds: ids(count) })) as StatusResponse;

      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, calls);
      expect(sentChunks().every((chunk) => chunk!.length <= 100)).toBe(true);
      expect(response.jobs).toHaveLength(count);
    });

    it('collapses duplicate ids before chunking: 100 distinct ids among 150 take one call', async () => {
      knowJobs();
      const distinct = ids(100);
      const jobIds = [...distinct, ...distinct.slice(0, 50)];

      const response = (await createHandler({ config: config() })({ jobIds })) as StatusResponse;

      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
      expect(batch).toHaveReceivedCommandWith(DescribeJobsCommand, { jobs: distinct });
      expect(response.jobs.map((job) => job.jobId)).toEqual(distinct);
    });

    it('answers the ids Batch does not know as notFound', async () => {
      const jobIds = ids(5);
      knowJobs((id) => id !== jobIds[1] && id !== jobIds[3]);

      const response = (await createHandler({ config: config() })({ jobIds })) as StatusResponse;

      expect(response.jobs.map((job) => job.jobId)).toEqual([jobIds[0], jobIds[2], jobIds[4]]);
      expect(response.notFound).toEqual([jobIds[1], jobIds[3]]);
    });

    it('keeps at most PENDANT_MAX_CONCURRENCY DescribeJobs calls in flight', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      batch.on(DescribeJobsCommand).callsFake(async (input: DescribeJobsCommandInput) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await delay(5);
        inFlight--;
        return { jobs: (input.jobs ?? []).map((id) => detail(id)) };
      });

      const response = (await createHandler({ config: config(3) })({ jobIds: ids(1000) })) as StatusResponse;

      expect(maxInFlight).toBe(3);
      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 10);
      expect(response.jobs.map((job) => job.jobId)).toEqual(ids(1000));
    });

    it('summarises each job: times as ISO 8601, attempts, exit code, log stream, definition, dependencies, tags and array counts', async () => {
      const [failed, array, upstream] = ids(3);
      batch.on(DescribeJobsCommand).resolves({
        jobs: [
          detail(failed, {
            jobName: 'align-na12878',
            jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/pendant-align:7',
            dependsOn: [{ jobId: upstream, type: 'SEQUENTIAL' }, { jobId: array }],
            tags: { project: 'na12878', owner: 'lab' },
            status: 'FAILED',
            statusReason: 'Essential container in task exited',
            createdAt: Date.UTC(2024, 0, 2, 3, 0, 0),
            startedAt: Date.UTC(2024, 0, 2, 3, 1, 0),
            stoppedAt: Date.UTC(2024, 0, 2, 3, 9, 0),
            container: { exitCode: 3, logStreamName: 'align/default/second' },
            attempts: [
              {
                container: { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage', logStreamName: 'align/default/first' },
                startedAt: Date.UTC(2024, 0, 2, 3, 1, 0),
                stoppedAt: Date.UTC(2024, 0, 2, 3, 4, 0),
              },
              {
                container: { exitCode: 3, logStreamName: 'align/default/second' },
                startedAt: Date.UTC(2024, 0, 2, 3, 5, 0),
                stoppedAt: Date.UTC(2024, 0, 2, 3, 9, 0),
                statusReason: 'Essential container in task exited',
              },
            ],
          }),
          detail(array, {
            jobName: 'align-array',
            status: 'RUNNING',
            arrayProperties: { size: 6, statusSummary: { SUCCEEDED: 3, RUNNING: 2, RUNNABLE: 1 } },
          }),
        ],
      });

      const response = (await createHandler({ config: config() })({ jobIds: [failed, array] })) as StatusResponse;

      expect(response.jobs).toEqual<JobSummary[]>([
        {
          jobId: failed,
          jobName: 'align-na12878',
          status: 'FAILED',
          statusReason: 'Essential container in task exited',
          exitCode: 3,
          createdAt: '2024-01-02T03:00:00.000Z',
          startedAt: '2024-01-02T03:01:00.000Z',
          stoppedAt: '2024-01-02T03:09:00.000Z',
          logStreamName: 'align/default/second',
          attempts: [
            {
              exitCode: 137,
              reason: 'OutOfMemoryError: Container killed due to memory usage',
              logStreamName: 'align/default/first',
              startedAt: '2024-01-02T03:01:00.000Z',
              stoppedAt: '2024-01-02T03:04:00.000Z',
            },
            {
              exitCode: 3,
              reason: 'Essential container in task exited',
              logStreamName: 'align/default/second',
              startedAt: '2024-01-02T03:05:00.000Z',
              stoppedAt: '2024-01-02T03:09:00.000Z',
            },
          ],
          arrayStatusSummary: null,
          jobDefinition: 'pendant-align:7',
          dependsOn: [{ jobId: upstream, type: 'SEQUENTIAL' }, { jobId: array }],
          tags: { project: 'na12878', owner: 'lab' },
          arrayProperties: null,
        },
        {
          jobId: array,
          jobName: 'align-array',
          status: 'RUNNING',
          statusReason: null,
          exitCode: null,
          createdAt: null,
          startedAt: null,
          stoppedAt: null,
          logStreamName: null,
          attempts: [],
          arrayStatusSummary: { SUCCEEDED: 3, RUNNING: 2, RUNNABLE: 1 },
          jobDefinition: 'd',
          dependsOn: [],
          tags: {},
          arrayProperties: { size: 6 },
        },
      ]);
    });

    it('throws the SDK error when DescribeJobs fails', async () => {
      const outage = new ServerException({ $metadata: { httpStatusCode: 500 }, message: 'internal error' });
      batch.on(DescribeJobsCommand).rejects(outage);

      const error = await createHandler({ config: config() })({ jobIds: ids(3) }).catch((reason: unknown) => reason);

      expect(error).toBe(outage);
    });

    it('throws when Batch answers a status it does not document', async () => {
      batch.on(DescribeJobsCommand).resolves({ jobs: [detail(jobId(0), { status: 'PAUSED' as JobDetail['status'] })] });

      await expectRejection(createHandler({ config: config() })({ jobIds: [jobId(0)] }), TypeError, `batch answered an unknown status PAUSED for job ${jobId(0)}`);
    });
  });

  describe('running short of time', () => {
    /** A Lambda context whose remaining time drops to `low` after `calls` DescribeJobs calls have been answered. */
    function contextRunningOut(afterCalls: number) {
      return {
        getRemainingTimeInMillis: () => (batch.commandCalls(DescribeJobsCommand).length >= afterCalls ? 4_000 : 60_000),
      } as unknown as Parameters<ReturnType<typeof createHandler>>[1];
    }

    it('answers the batches it asked about and a token for the rest, which the same jobIds then resume', async () => {
      knowJobs((id) => id !== jobId(150));
      const jobIds = ids(450);
      const handler = createHandler({ config: config(1) });

      const first = (await handler({ jobIds }, contextRunningOut(2))) as StatusResponse;

      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 2);
      expect(first.jobs.map((job) => job.jobId)).toEqual(jobIds.slice(0, 200).filter((id) => id !== jobId(150)));
      expect(first.notFound).toEqual([jobId(150)]);
      expect(first.nextToken).toEqual(expect.any(String));

      batch.resetHistory();
      const rest = (await handler({ jobIds, nextToken: first.nextToken }, contextRunningOut(99))) as StatusResponse;

      expect(sentChunks()).toEqual([jobIds.slice(200, 300), jobIds.slice(300, 400), jobIds.slice(400)]);
      expect(rest.jobs.map((job) => job.jobId)).toEqual(jobIds.slice(200));
      expect(rest.notFound).toEqual([]);
      expect(rest).not.toHaveProperty('nextToken');
    });

    it('starts no call at all when the invocation is already short of time', async () => {
      knowJobs();
      const jobIds = ids(120);

      const response = (await createHandler({ config: config() })({ jobIds }, contextRunningOut(0))) as StatusResponse;

      expect(batch).not.toHaveReceivedAnyCommand();
      expect(response).toEqual({ jobs: [], notFound: [], nextToken: expect.any(String) });
    });

    it('throws InvalidRequestError for a token sent with other jobIds, without calling AWS', async () => {
      knowJobs();
      const handler = createHandler({ config: config(1) });
      const { nextToken } = (await handler({ jobIds: ids(300) }, contextRunningOut(1))) as StatusResponse;
      batch.resetHistory();

      const error = await expectRejection(
        handler({ jobIds: ids(300, 1), nextToken }),
        InvalidRequestError,
        'invalid request: nextToken: belongs to a request with other jobIds; send the same jobIds with it [token]',
      );

      expect((error as InvalidRequestError).problems).toEqual([expect.objectContaining({ field: 'nextToken', rule: 'token' })]);
      expect(batch).not.toHaveReceivedAnyCommand();
    });

    it.each([
      ['not base64 JSON', '@@@'],
      ['a batch out of range', Buffer.from(JSON.stringify([1, 'x', [7]])).toString('base64url')],
      ['another version', Buffer.from(JSON.stringify([2, 'x', [0]])).toString('base64url')],
    ])('throws InvalidRequestError for a token that is %s, without calling AWS', async (_what, nextToken) => {
      const error = await createHandler({ config: config() })({ jobIds: ids(3), nextToken }).catch((reason: unknown) => reason);

      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).problems[0].field).toBe('nextToken');
      expect(batch).not.toHaveReceivedAnyCommand();
    });

    it('throws InvalidRequestError for a token sent with jobId', async () => {
      const error = await createHandler({ config: config() })({ jobId: jobId(1), nextToken: 'abc' }).catch((reason: unknown) => reason);

      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).problems).toEqual([expect.objectContaining({ field: 'nextToken', rule: 'exclusive' })]);
    });
  });

  describe('{ jobId }', () => {
    it('answers one job with one DescribeJobs call', async () => {
      const id = jobId(7);
      batch.on(DescribeJobsCommand).resolves({ jobs: [detail(id, { status: 'SUCCEEDED', container: { exitCode: 0 } })] });

      const response = (await createHandler({ config: config() })({ jobId: id })) as JobSummary;

      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
      expect(batch).toHaveReceivedCommandWith(DescribeJobsCommand, { jobs: [id] });
      expect(response).toMatchObject({ jobId: id, status: 'SUCCEEDED', exitCode: 0 });
      expect(response).not.toHaveProperty('jobs');
    });

    it('answers an array child by its id', async () => {
      const id = `${jobId(7)}:4`;
      batch.on(DescribeJobsCommand).resolves({ jobs: [detail(id, { status: 'RUNNABLE' })] });

      const response = (await createHandler({ config: config() })({ jobId: id })) as JobSummary;

      expect(response).toMatchObject({ jobId: id, status: 'RUNNABLE' });
    });

    it('throws BatchJobNotFoundError when Batch has not listed the job after five DescribeJobs calls over 3.75 seconds', async () => {
      batch.on(DescribeJobsCommand).resolves({ jobs: [] });
      const sleeps: number[] = [];

      const error = await expectRejection(
        createHandler({ config: config(), sleep: async (millis) => void sleeps.push(millis) })({ jobId: jobId(9) }),
        BatchJobNotFoundError,
        `batch job not found: ${jobId(9)}`,
      );
      expect(error).toMatchObject({ jobId: jobId(9) });
      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 5);
      expect(sleeps).toEqual([250, 500, 1000, 2000]);
    });

    // AWS Batch API Reference, DescribeJobs, and the eventual consistency of the Batch API: right after SubmitJob
    // returned an id, DescribeJobs can still leave the job out. moto lists it at once, so only this test shows it.
    it('answers a job that DescribeJobs leaves out at first, as it may right after SubmitJob', async () => {
      batch
        .on(DescribeJobsCommand)
        .resolvesOnce({ jobs: [] })
        .resolvesOnce({ jobs: [] })
        .resolves({ jobs: [detail(jobId(9), { status: 'SUBMITTED' })] });
      const sleeps: number[] = [];

      const response = (await createHandler({ config: config(), sleep: async (millis) => void sleeps.push(millis) })({ jobId: jobId(9) })) as JobSummary;

      expect(response).toMatchObject({ jobId: jobId(9), status: 'SUBMITTED' });
      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 3);
      expect(sleeps).toEqual([250, 500]);
    });

    it('gives up early rather than wait into the time the invocation keeps for answering', async () => {
      batch.on(DescribeJobsCommand).resolves({ jobs: [] });
      const sleeps: number[] = [];
      const handler = createHandler({ config: config(), sleep: async (millis) => void sleeps.push(millis) });
      const context = { getRemainingTimeInMillis: () => 3_600 } as Context;

      await expectRejection(handler({ jobId: jobId(9) }, context), BatchJobNotFoundError, `batch job not found: ${jobId(9)}`);
      expect(sleeps).toEqual([250, 500]);
      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 3);
    });

    it('does not wait for the ids of a { jobIds } request: it answers them in notFound at once', async () => {
      batch.on(DescribeJobsCommand).resolves({ jobs: [] });
      const sleeps: number[] = [];

      const response = (await createHandler({ config: config(), sleep: async (millis) => void sleeps.push(millis) })({ jobIds: [jobId(9)] })) as StatusResponse;

      expect(response.notFound).toEqual([jobId(9)]);
      expect(sleeps).toEqual([]);
      expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
    });
  });

  it.each<[string, unknown, string]>([
    ['the event is null', null, 'invalid request: must be an object, got null [type]'],
    ['neither jobIds nor jobId is given', {}, 'invalid request: jobIds: is required (or jobId for a single job) [required]'],
    ['both jobIds and jobId are given', { jobId: jobId(1), jobIds: [jobId(2)] }, 'invalid request: give either jobId or jobIds, not both [exclusive]'],
    ['jobIds is empty', { jobIds: [] }, 'invalid request: jobIds: must name at least one job [min-items]'],
    ['jobIds names 1,001 jobs', { jobIds: ids(1001) }, 'invalid request: jobIds: must name at most 1000 jobs, got 1001 [max-items]'],
    ['jobIds is a string', { jobIds: jobId(1) }, 'invalid request: jobIds: must be an array of job ids, got a string [type]'],
    [
      'a job id is not a UUID',
      { jobIds: [jobId(1), 'job-2', 3] },
      'invalid request: jobIds[1]: must be an AWS Batch job id (a UUID), got "job-2" [pattern]; jobIds[2]: must be a string, got a number [type]',
    ],
    ['jobId is empty', { jobId: '' }, 'invalid request: jobId: must not be empty [empty]'],
    [
      'a field is unknown',
      { jobIds: [jobId(1)], verbose: true },
      'invalid request: verbose: is not a field of this request; allowed: jobIds, jobId, nextToken, children, history [unknown-field]',
    ],
  ])('throws when %s, without calling AWS', async (_case, event, message) => {
    await expectRejection(createHandler({ config: config() })(event), InvalidRequestError, message);
    expect(batch).not.toHaveReceivedAnyCommand();
  });
});

describe('Function: status, an array parent with a page of its children', () => {
  const parent = jobId(42);
  const arrayParent = (fields: Partial<JobDetail> = {}) =>
    batch.on(DescribeJobsCommand).resolves({
      jobs: [detail(parent, { status: 'FAILED', arrayProperties: { size: 10_000, statusSummary: { SUCCEEDED: 9_990, FAILED: 10 } }, ...fields })],
    });

  beforeEach(() => batch.reset());

  it('answers the parent and the children ListJobs lists, each with its index, exit code and reason', async () => {
    arrayParent();
    batch.on(ListJobsCommand).resolves({
      jobSummaryList: [
        {
          jobId: `${parent}:17`,
          jobName: 'align',
          status: 'FAILED',
          statusReason: 'Essential container in task exited',
          createdAt: Date.UTC(2024, 0, 2),
          startedAt: Date.UTC(2024, 0, 2, 0, 1),
          stoppedAt: Date.UTC(2024, 0, 2, 0, 2),
          arrayProperties: { index: 17 },
          container: { exitCode: 2 },
        },
      ],
      nextToken: 'batch-opaque-token',
    });

    const response = (await createHandler({ config: config() })({ jobId: parent, children: { status: 'FAILED', limit: 1 } })) as JobStatusResponse;

    expect(response.arrayProperties).toEqual({ size: 10_000 });
    expect(response.arrayStatusSummary).toEqual({ SUCCEEDED: 9_990, FAILED: 10 });
    expect(response.children!.status).toBe('FAILED');
    expect(response.children!.jobs).toEqual<ChildJobSummary[]>([
      {
        jobId: `${parent}:17`,
        index: 17,
        status: 'FAILED',
        statusReason: 'Essential container in task exited',
        exitCode: 2,
        createdAt: '2024-01-02T00:00:00.000Z',
        startedAt: '2024-01-02T00:01:00.000Z',
        stoppedAt: '2024-01-02T00:02:00.000Z',
      },
    ]);
    expect(batch).toHaveReceivedCommandWith(ListJobsCommand, { arrayJobId: parent, jobStatus: 'FAILED', maxResults: 1 });
    // Batch's own token is wrapped: it comes back bound to this parent and status.
    expect(response.children!.nextToken).not.toBe('batch-opaque-token');

    batch.resetHistory();
    await createHandler({ config: config() })({ jobId: parent, children: { status: 'FAILED', nextToken: response.children!.nextToken! } });
    expect(batch).toHaveReceivedCommandWith(ListJobsCommand, { arrayJobId: parent, jobStatus: 'FAILED', maxResults: 100, nextToken: 'batch-opaque-token' });
  });

  it('answers a null token on the last page', async () => {
    arrayParent();
    batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
    const response = (await createHandler({ config: config() })({ jobId: parent, children: { status: 'RUNNING' } })) as JobStatusResponse;
    expect(response.children).toEqual({ status: 'RUNNING', jobs: [], nextToken: null });
  });

  it('throws when a token belongs to another parent or status, without calling AWS', async () => {
    arrayParent();
    batch.on(ListJobsCommand).resolves({ jobSummaryList: [], nextToken: 'batch-opaque-token' });
    const first = (await createHandler({ config: config() })({ jobId: parent, children: { status: 'FAILED' } })) as JobStatusResponse;
    batch.resetHistory();

    await expectRejection(
      createHandler({ config: config() })({ jobId: parent, children: { status: 'SUCCEEDED', nextToken: first.children!.nextToken! } }),
      InvalidRequestError,
      `invalid request: children.nextToken: belongs to the FAILED children of ${parent}; send it with that jobId and children.status [token]`,
    );
    await expectRejection(
      createHandler({ config: config() })({ jobId: jobId(7), children: { status: 'FAILED', nextToken: 'bm90LWEtdG9rZW4' } }),
      InvalidRequestError,
      'invalid request: children.nextToken: is not a token from a previous status response [token]',
    );
    expect(batch.calls()).toHaveLength(0);
  });

  it('answers an empty last page for a job that is not an array parent, without listing', async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [detail(parent)] });
    const response = (await createHandler({ config: config() })({ jobId: parent, children: { status: 'FAILED' } })) as JobStatusResponse;
    expect(response.children).toEqual({ status: 'FAILED', jobs: [], nextToken: null });
    expect(batch).not.toHaveReceivedCommand(ListJobsCommand);
  });

  it('reports an array child and a multi-node node by their own ids', async () => {
    batch.on(DescribeJobsCommand).callsFake((input: DescribeJobsCommandInput) => ({
      jobs: (input.jobs ?? []).map((id) => detail(id, id.includes(':') ? { arrayProperties: { index: 3 } } : {})),
    }));
    const child = (await createHandler({ config: config() })({ jobId: `${parent}:3` })) as JobSummary;
    const node = (await createHandler({ config: config() })({ jobId: `${parent}#1` })) as JobSummary;
    expect(child).toMatchObject({ jobId: `${parent}:3`, arrayProperties: { index: 3 } });
    expect(node).toMatchObject({ jobId: `${parent}#1`, arrayProperties: null });
  });
});
