import { InvalidRequestError } from '../../lib/model/errors';
import {
  BATCH_EVENT_SOURCE,
  isFinalChange,
  JOB_STATE_CHANGE_DETAIL_TYPE,
  parseJobStateChange,
  summarizeJobDetail,
} from '../../lib/model/job-state-change';
import { DOCUMENTED_JOB_STATE_CHANGE, jobStateChangeEvent } from '../support/batch-events';

const JOB_ID = '8f6c1b2a-1234-4abc-9def-0123456789ab';
const QUEUE = 'arn:aws:batch:eu-west-1:111122223333:job-queue/pendant-default';

function problemsOf(event: unknown): Array<{ field: string; rule: string }> {
  try {
    parseJobStateChange(event);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).name).toBe('InvalidRequestError');
    return (error as InvalidRequestError).problems.map(({ field, rule }) => ({ field, rule }));
  }
  throw new Error('expected the event to be refused');
}

describe('Model: job state change event', () => {
  it('names the source and detail-type AWS Batch sends (AWS Batch User Guide, "Job state change events")', () => {
    expect(BATCH_EVENT_SOURCE).toBe(DOCUMENTED_JOB_STATE_CHANGE.source);
    expect(JOB_STATE_CHANGE_DETAIL_TYPE).toBe(DOCUMENTED_JOB_STATE_CHANGE['detail-type']);
  });

  it("reads AWS's documented example event, unknown fields and all", () => {
    const change = parseJobStateChange(DOCUMENTED_JOB_STATE_CHANGE);
    expect(change).toEqual({
      eventId: 'c8f9c4b5-76e5-d76a-f980-7011e206042b',
      time: '2022-01-11T23:36:40Z',
      account: '123456789012',
      region: 'us-east-1',
      jobArn: 'arn:aws:batch:us-east-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
      jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/PexjEHappyPathCanary2JobQueue',
      jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/first-run-job-definition:1',
      job: {
        jobId: '4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
        jobName: 'event-test',
        status: 'RUNNABLE',
        statusReason: null,
        exitCode: null,
        createdAt: '2022-01-11T23:36:40.058Z',
        startedAt: null,
        stoppedAt: null,
        logStreamName: null,
        attempts: [],
        arrayStatusSummary: null,
      },
      attempt: 1,
      maxAttempts: 2,
      arrayIndex: null,
    });
    expect(isFinalChange(change)).toBe(false);
  });

  it('reads a failed job: reason, exit code, log stream and the attempts it made', () => {
    const change = parseJobStateChange(
      jobStateChangeEvent({
        jobId: JOB_ID,
        jobQueueArn: QUEUE,
        status: 'FAILED',
        statusReason: 'Essential container in task exited',
        exitCode: 3,
        logStreamName: 'demo/default/abc',
        attempts: [{ exitCode: 1, logStreamName: 'demo/default/first' }, { exitCode: 3, logStreamName: 'demo/default/abc' }],
      }),
    );
    expect(change.job).toMatchObject({ jobId: JOB_ID, status: 'FAILED', statusReason: 'Essential container in task exited', exitCode: 3, logStreamName: 'demo/default/abc' });
    expect(change.job.attempts.map((attempt) => attempt.exitCode)).toEqual([1, 3]);
    expect(change).toMatchObject({ attempt: 2, maxAttempts: 2, jobQueue: QUEUE, region: 'eu-west-1', account: '111122223333' });
    expect(isFinalChange(change)).toBe(true);
  });

  it('counts a job that ended before any attempt as attempt 0', () => {
    const change = parseJobStateChange(jobStateChangeEvent({ jobId: JOB_ID, status: 'FAILED', statusReason: 'Dependent Job failed', attempts: [] }));
    expect(change.attempt).toBe(0);
  });

  it('reads an array child index and a job without a retry strategy', () => {
    const event = jobStateChangeEvent({ jobId: `${JOB_ID}:7`, status: 'RUNNING' }) as { detail: Record<string, unknown> };
    delete event.detail.retryStrategy;
    event.detail.arrayProperties = { index: 7 };
    expect(parseJobStateChange(event)).toMatchObject({ arrayIndex: 7, maxAttempts: 1, attempt: 1 });
  });

  it('throws when the event is not a Batch job state change, naming the fields', () => {
    expect(problemsOf({ ...DOCUMENTED_JOB_STATE_CHANGE, source: 'aws.ecs', 'detail-type': 'ECS Task State Change' })).toEqual([
      { field: 'source', rule: 'enum' },
      { field: 'detail-type', rule: 'enum' },
    ]);
  });

  it('throws when the detail is missing', () => {
    const { detail: _, ...event } = DOCUMENTED_JOB_STATE_CHANGE;
    expect(problemsOf(event)).toEqual([{ field: 'detail', rule: 'required' }]);
  });

  it.each([
    ['detail.jobId', { jobId: 'not-a-uuid' }, 'pattern'],
    ['detail.status', { status: 'CANCELLED' }, 'enum'],
    ['detail.jobQueue', { jobQueue: 'pendant-default' }, 'pattern'],
    ['detail.container.exitCode', { container: { exitCode: '3' } }, 'type'],
    ['detail.attempts[0].container.logStreamName', { attempts: [{ container: { logStreamName: 7 } }] }, 'type'],
    ['detail.retryStrategy.attempts', { retryStrategy: { attempts: 11 } }, 'range'],
    ['detail.createdAt', { createdAt: '2022-01-11' }, 'type'],
  ])('throws when %s is malformed', (field, change, rule) => {
    const event = { ...DOCUMENTED_JOB_STATE_CHANGE, detail: { ...DOCUMENTED_JOB_STATE_CHANGE.detail, ...change } };
    expect(problemsOf(event)).toEqual([{ field, rule }]);
  });

  it.each([['null', null], ['a string', 'event'], ['an array', [DOCUMENTED_JOB_STATE_CHANGE]]])('throws when the event is %s', (_, event) => {
    expect(problemsOf(event)).toEqual([{ field: '', rule: 'type' }]);
  });

  describe('summarizeJobDetail', () => {
    it('takes the exit code of the last attempt when the container has none', () => {
      const summary = summarizeJobDetail({ jobId: JOB_ID, status: 'FAILED', attempts: [{ container: { exitCode: 1 } }, { container: { exitCode: 137 } }] });
      expect(summary.exitCode).toBe(137);
    });

    it('throws when the status is not one Batch documents', () => {
      expect(() => summarizeJobDetail({ jobId: JOB_ID, status: 'DONE' })).toThrow(new TypeError(`batch answered an unknown status DONE for job ${JOB_ID}`));
    });
  });
});
