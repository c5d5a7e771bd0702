import type { JobDetail } from '@aws-sdk/client-batch';
import { attemptStreams, latestLogStream, logStreams, readBatchJob, summarizeJob } from '../../lib/model/batch-job';

const JOB_ID = '4c7599ae-0a82-49aa-ba5a-4727fcce14a8';

/** A job as DescribeJobs answers it: the SDK's own type, which the adapter hands to `readBatchJob`. */
const described: JobDetail = {
  jobId: JOB_ID,
  jobName: 'align-1',
  jobArn: `arn:aws:batch:us-east-1:123456789012:job/${JOB_ID}`,
  jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/pendant-fargate',
  jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/pendant-align:3',
  status: 'RUNNING',
  statusReason: 'Essential container in task exited',
  createdAt: 1_700_000_000_000,
  startedAt: 1_700_000_060_000,
  container: { logStreamName: 'align/default/current', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/pendant/jobs' } } },
  attempts: [
    { container: { exitCode: 137, reason: 'OutOfMemoryError', logStreamName: 'align/default/first' }, startedAt: 1_700_000_010_000, stoppedAt: 1_700_000_020_000 },
    { statusReason: 'Host EC2 terminated', startedAt: 1_700_000_030_000 },
  ],
  arrayProperties: { size: 4, statusSummary: { RUNNING: 4 } },
  dependsOn: [{ jobId: 'dep-1', type: 'N_TO_N' }, { type: 'SEQUENTIAL' }],
  tags: { 'pendant:platform': 'Platform1' },
  nodeProperties: undefined,
  timeout: { attemptDurationSeconds: 60 },
};

describe('readBatchJob', () => {
  it('reads the fields the core uses from a DescribeJobs detail: queue, definition, times, log group, attempts, array, tags', () => {
    expect(readBatchJob(described)).toEqual({
      jobId: JOB_ID,
      jobName: 'align-1',
      jobArn: `arn:aws:batch:us-east-1:123456789012:job/${JOB_ID}`,
      jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/pendant-fargate',
      jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/pendant-align:3',
      status: 'RUNNING',
      statusReason: 'Essential container in task exited',
      createdAt: 1_700_000_000_000,
      startedAt: 1_700_000_060_000,
      stoppedAt: null,
      exitCode: null,
      logStreamName: 'align/default/current',
      logGroupName: '/pendant/jobs',
      attempts: [
        { exitCode: 137, reason: 'OutOfMemoryError', logStreamName: 'align/default/first', startedAt: 1_700_000_010_000, stoppedAt: 1_700_000_020_000 },
        { exitCode: null, reason: 'Host EC2 terminated', logStreamName: null, startedAt: 1_700_000_030_000, stoppedAt: null },
      ],
      arrayProperties: { size: 4, statusSummary: { RUNNING: 4 } },
      nodeProperties: null,
      nodeDetails: null,
      dependsOn: [{ jobId: 'dep-1', type: 'N_TO_N' }],
      tags: { 'pendant:platform': 'Platform1' },
    });
  });

  it('reads the null fields of an event detail as absent', () => {
    const job = readBatchJob({ jobId: JOB_ID, status: 'FAILED', arrayProperties: { size: null, index: 2 }, nodeProperties: null, container: null } as never);
    expect(job).toMatchObject({ arrayProperties: { index: 2 }, nodeProperties: null, logStreamName: null, logGroupName: null });
  });

  it('throws when Batch answers a job without an id, or in a status it does not document', () => {
    expect(() => readBatchJob({ status: 'RUNNING' })).toThrow(new TypeError('batch answered a job without a job id'));
    expect(() => readBatchJob({ jobId: JOB_ID, status: 'PAUSED' })).toThrow(new TypeError(`batch answered an unknown status PAUSED for job ${JOB_ID}`));
  });
});

describe('the log streams of a BatchJob', () => {
  const job = readBatchJob(described);

  it("are the current attempt's stream first, then each attempt's in order, null where an attempt never ran", () => {
    expect(latestLogStream(job)).toBe('align/default/current');
    expect(attemptStreams(job)).toEqual(['align/default/first', null, 'align/default/current']);
    expect(logStreams(job)).toEqual(['align/default/current', 'align/default/first']);
  });

  it("fall back to the last attempt's stream when the job has none of its own", () => {
    expect(latestLogStream(readBatchJob({ ...described, container: undefined }))).toBeNull();
    expect(latestLogStream(readBatchJob({ jobId: JOB_ID, status: 'FAILED', attempts: [{ container: { logStreamName: 'a' } }, { container: { logStreamName: 'b' } }] }))).toBe('b');
  });
});

describe('summarizeJob', () => {
  it('answers times as ISO 8601, the definition as name:revision and the exit code of the latest attempt', () => {
    expect(summarizeJob(readBatchJob({ ...described, container: undefined, status: 'FAILED' }))).toMatchObject({
      createdAt: '2023-11-14T22:13:20.000Z',
      jobDefinition: 'pendant-align:3',
      exitCode: null,
      logStreamName: null,
      arrayStatusSummary: { RUNNING: 4 },
      arrayProperties: { size: 4 },
      attempts: [expect.objectContaining({ exitCode: 137, startedAt: '2023-11-14T22:13:30.000Z' }), expect.objectContaining({ reason: 'Host EC2 terminated' })],
    });
  });
});
