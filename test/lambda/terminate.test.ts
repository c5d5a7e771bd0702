import { BatchClient, CancelJobCommand, ClientException, DescribeJobsCommand, DescribeJobsCommandInput, JobStatus, TerminateJobCommand, TerminateJobsCommand } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHandler } from '../../lambda/handlers/terminate';
import { BatchJobNotFoundError, InvalidRequestError, TerminateJobsResponse } from '../../lib/model';
import { expectRejection } from '../support/errors';

const batch = mockClient(BatchClient);

const JOB_ID = '0f6ad6c4-3c1b-4d3a-9a57-5b8b0f7f3c21';
const REASON = 'superseded by a newer run';

function jobIn(status: JobStatus): void {
  batch.on(DescribeJobsCommand).resolves({ jobs: [{ jobId: JOB_ID, jobName: 'align', jobQueue: 'q', jobDefinition: 'd', status, startedAt: undefined }] });
}


beforeEach(() => {
  batch.reset();
  batch.on(TerminateJobCommand).resolves({});
  batch.on(CancelJobCommand).resolves({});
});

describe('Function: terminate', () => {
  it.each<JobStatus>(['STARTING', 'RUNNING'])('terminates a %s job: its container exists', async (status) => {
    jobIn(status);

    const response = await createHandler()({ jobId: JOB_ID, reason: REASON });

    expect(response).toEqual({ jobId: JOB_ID, previousStatus: status, action: 'terminated' });
    expect(batch).toHaveReceivedCommandWith(DescribeJobsCommand, { jobs: [JOB_ID] });
    expect(batch).toHaveReceivedCommandTimes(TerminateJobCommand, 1);
    expect(batch).toHaveReceivedCommandWith(TerminateJobCommand, { jobId: JOB_ID, reason: REASON });
    expect(batch).not.toHaveReceivedCommand(CancelJobCommand);
  });

  // AWS Batch API Reference, TerminateJob: jobs in STARTING or RUNNING are terminated and jobs that have not progressed
  // to STARTING are cancelled; CancelJob only cancels SUBMITTED, PENDING and RUNNABLE jobs and answers success for
  // the rest (CancelJob). So TerminateJob, never CancelJob: a job that starts between the look and the call is stopped.
  it.each<JobStatus>(['SUBMITTED', 'PENDING', 'RUNNABLE'])('stops a %s job with TerminateJob, which cancels a job that has not started', async (status) => {
    jobIn(status);

    const response = await createHandler()({ jobId: JOB_ID, reason: REASON });

    expect(response).toEqual({ jobId: JOB_ID, previousStatus: status, action: 'cancelled' });
    expect(batch).toHaveReceivedCommandTimes(TerminateJobCommand, 1);
    expect(batch).toHaveReceivedCommandWith(TerminateJobCommand, { jobId: JOB_ID, reason: REASON });
    expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
    expect(batch).not.toHaveReceivedCommand(CancelJobCommand);
  });

  // AWS Batch API Reference, CancelJob: on an array parent it cancels only the children that have not started, and the
  // parent ends when every child has ended. TerminateJob on the parent stops running children as well.
  it('stops a PENDING array parent with TerminateJob, so no started child keeps running', async () => {
    batch.on(DescribeJobsCommand).resolves({
      jobs: [
        {
          jobId: JOB_ID,
          jobName: 'align',
          jobQueue: 'q',
          jobDefinition: 'd',
          status: 'PENDING',
          startedAt: undefined,
          arrayProperties: { size: 10, statusSummary: { RUNNING: 4, RUNNABLE: 6 } },
        },
      ],
    });

    const response = await createHandler()({ jobId: JOB_ID, reason: REASON });

    expect(response).toEqual({ jobId: JOB_ID, previousStatus: 'PENDING', action: 'cancelled' });
    expect(batch).toHaveReceivedCommandWith(TerminateJobCommand, { jobId: JOB_ID, reason: REASON });
    expect(batch).not.toHaveReceivedCommand(CancelJobCommand);
  });

  it.each<JobStatus>(['SUCCEEDED', 'FAILED'])('does nothing to a %s job: it has finished', async (status) => {
    jobIn(status);

    const response = await createHandler()({ jobId: JOB_ID, reason: REASON });

    expect(response).toEqual({ jobId: JOB_ID, previousStatus: status, action: 'none' });
    expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
    expect(batch).not.toHaveReceivedCommand(TerminateJobCommand);
    expect(batch).not.toHaveReceivedCommand(CancelJobCommand);
  });

  it('throws BatchJobNotFoundError for a job Batch has not listed for a few seconds, stopping nothing', async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [] });
    const sleeps: number[] = [];

    await expectRejection(
      createHandler({ sleep: async (millis) => void sleeps.push(millis) })({ jobId: JOB_ID, reason: REASON }),
      BatchJobNotFoundError,
      `batch job not found: ${JOB_ID}`,
    );
    expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 5);
    expect(sleeps).toEqual([250, 500, 1000, 2000]);
    expect(batch).not.toHaveReceivedCommand(TerminateJobCommand);
    expect(batch).not.toHaveReceivedCommand(CancelJobCommand);
  });

  // AWS Batch API Reference, DescribeJobs: a job just submitted can be left out of the answer for a moment.
  it('stops a job just submitted that DescribeJobs leaves out at first', async () => {
    batch
      .on(DescribeJobsCommand)
      .resolvesOnce({ jobs: [] })
      .resolves({ jobs: [{ jobId: JOB_ID, jobName: 'align', jobQueue: 'q', jobDefinition: 'd', status: 'SUBMITTED', startedAt: undefined }] });
    const sleeps: number[] = [];

    const response = await createHandler({ sleep: async (millis) => void sleeps.push(millis) })({ jobId: JOB_ID, reason: REASON });

    expect(response).toEqual({ jobId: JOB_ID, previousStatus: 'SUBMITTED', action: 'cancelled' });
    expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 2);
    expect(sleeps).toEqual([250]);
    expect(batch).toHaveReceivedCommandWith(TerminateJobCommand, { jobId: JOB_ID, reason: REASON });
  });

  it('throws the SDK error when Batch refuses to terminate', async () => {
    jobIn('RUNNING');
    const refusal = new ClientException({ $metadata: { httpStatusCode: 400 }, message: 'Job is not in a terminable state' });
    batch.on(TerminateJobCommand).rejects(refusal);

    const error = await createHandler()({ jobId: JOB_ID, reason: REASON }).catch((reason: unknown) => reason);

    expect(error).toBe(refusal);
  });

  it.each<[string, unknown, string]>([
    ['the event is null', null, 'invalid request: must be an object, got null [type]'],
    ['the event is empty', {}, 'invalid request: jobId: is required [required]; reason: is required: say why the job is stopped [required]'],
    ['reason is missing', { jobId: JOB_ID }, 'invalid request: reason: is required: say why the job is stopped [required]'],
    ['reason is empty', { jobId: JOB_ID, reason: '' }, 'invalid request: reason: must not be empty [empty]'],
    ['reason is too long', { jobId: JOB_ID, reason: 'r'.repeat(1025) }, 'invalid request: reason: must be at most 1024 characters, got 1025 [max-length]'],
    ['reason is not a string', { jobId: JOB_ID, reason: 42 }, 'invalid request: reason: must be a string, got a number [type]'],
    ['jobId is not a job id', { jobId: 'job-1', reason: REASON }, 'invalid request: jobId: must be an AWS Batch job id (a UUID), got "job-1" [pattern]'],
    [
      'a field is unknown',
      { jobId: JOB_ID, reason: REASON, force: true },
      'invalid request: force: is not a field of this request; allowed: jobId, jobIds, reason [unknown-field]',
    ],
  ])('throws when %s, without calling AWS', async (_case, event, message) => {
    await expectRejection(createHandler()(event), InvalidRequestError, message);
    expect(batch).not.toHaveReceivedAnyCommand();
  });
});

describe('Function: terminate, many jobs', () => {
  const id = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
  const statuses: Record<string, JobStatus> = {};
  const knownJobs = () =>
    batch.on(DescribeJobsCommand).callsFake((input: DescribeJobsCommandInput) => ({
      jobs: (input.jobs ?? [])
        .filter((jobId) => statuses[jobId] !== undefined)
        .map((jobId) => ({ jobId, jobName: 'align', jobQueue: 'q', jobDefinition: 'd', status: statuses[jobId], startedAt: undefined })),
    }));

  beforeEach(() => {
    for (const key of Object.keys(statuses)) delete statuses[key];
  });

  it('reports each job in the order asked: stopped, left alone, not found, or refused by Batch', async () => {
    Object.assign(statuses, { [id(1)]: 'RUNNING', [id(2)]: 'SUCCEEDED', [id(3)]: 'RUNNABLE', [id(4)]: 'STARTING' });
    knownJobs();
    // AWS Batch API Reference, TerminateJobs: 200 with a per-job `errors` list; a job it cannot find counts as stopped.
    batch.on(TerminateJobsCommand).resolves({
      successful: [id(1), id(3)],
      errors: [{ job: id(4), code: 'ServerException', message: 'Failed to read job state. Please retry this job.' }],
    });

    const response = (await createHandler()({ jobIds: [id(1), id(2), id(9), id(3), id(4), id(1)], reason: REASON })) as TerminateJobsResponse;

    expect(response).toEqual<TerminateJobsResponse>({
      jobs: [
        { jobId: id(1), previousStatus: 'RUNNING', action: 'terminated' },
        { jobId: id(2), previousStatus: 'SUCCEEDED', action: 'none' },
        { jobId: id(3), previousStatus: 'RUNNABLE', action: 'cancelled' },
      ],
      notFound: [id(9)],
      failed: [{ jobId: id(4), previousStatus: 'STARTING', code: 'ServerException', message: 'Failed to read job state. Please retry this job.' }],
    });
    expect(batch).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
    expect(batch).toHaveReceivedCommandWith(TerminateJobsCommand, { jobs: [id(1), id(3), id(4)], reason: REASON });
    expect(batch).not.toHaveReceivedCommand(TerminateJobCommand);
    expect(batch).not.toHaveReceivedCommand(CancelJobCommand);
  });

  it('stops an array parent like any job: TerminateJobs acts on its children as TerminateJob does', async () => {
    Object.assign(statuses, { [id(1)]: 'PENDING', [id(2)]: 'RUNNING' });
    knownJobs();
    batch.on(TerminateJobsCommand).resolves({ successful: [id(1), id(2)], errors: [] });

    const response = (await createHandler()({ jobIds: [id(1), id(2)], reason: REASON })) as TerminateJobsResponse;

    expect(response.jobs.map((job) => job.action)).toEqual(['cancelled', 'terminated']);
  });

  it('makes no stop call when every job has finished', async () => {
    Object.assign(statuses, { [id(1)]: 'FAILED', [id(2)]: 'SUCCEEDED' });
    knownJobs();

    const response = (await createHandler()({ jobIds: [id(1), id(2)], reason: REASON })) as TerminateJobsResponse;

    expect(response.jobs.map((job) => job.action)).toEqual(['none', 'none']);
    expect(batch).not.toHaveReceivedCommand(TerminateJobsCommand);
    expect(batch).not.toHaveReceivedCommand(TerminateJobCommand);
  });

  it.each([
    [{ jobIds: [], reason: REASON }, 'invalid request: jobIds: must name at least one job [min-items]'],
    [{ jobIds: Array.from({ length: 101 }, (_, n) => id(n)), reason: REASON }, 'invalid request: jobIds: must name at most 100 jobs, got 101 [max-items]'],
    [{ jobIds: [id(1), 'nope'], reason: REASON }, 'invalid request: jobIds[1]: must be an AWS Batch job id (a UUID), got "nope" [pattern]'],
    [{ jobIds: id(1), reason: REASON }, 'invalid request: jobIds: must be an array of job ids, got a string [type]'],
    [{ jobIds: [id(1)] }, 'invalid request: reason: is required: say why the job is stopped [required]'],
    [{ jobIds: [id(1)], jobId: id(1), reason: REASON }, 'invalid request: give either jobId or jobIds, not both [exclusive]'],
  ])('throws when the request is %j, without calling AWS', async (event, message) => {
    await expectRejection(createHandler()(event), InvalidRequestError, message);
    expect(batch.calls()).toHaveLength(0);
  });
});
