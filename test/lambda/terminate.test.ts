import { BatchClient, CancelJobCommand, ClientException, DescribeJobsCommand, JobStatus, TerminateJobCommand } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHandler } from '../../lambda/handlers/terminate';
import { BatchJobNotFoundError, InvalidRequestError } from '../../lib/model';
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
