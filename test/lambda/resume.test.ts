import { BatchClient, DescribeJobsCommand, JobDetail } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SdkBatchGateway } from '../../lambda/aws/batch';
import { causeOf, failure, type LogTail, type TaskGateway, type TaskTokenStore } from '../../lambda/core/resume';
import { createHandler } from '../../lambda/handlers/resume';
import { BatchJobFailedError, InvalidRequestError, JobSummary, LogStreamNotFoundError } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { LIMITS } from '../../lib/model/requests';
import { jobStateChangeEvent } from '../support/batch-events';
import { expectRejection } from '../support/errors';

const batch = mockClient(BatchClient);
const JOB_ID = '0f6ad6c4-3c1b-4d3a-9a57-5b8b0f7f3c21';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf'.repeat(20);

/** An in-memory token store and task gateway, recording what the function answered. */
function fakes(options: { lines?: string[] | Error } = {}) {
  const stored = new Map<string, Set<string>>();
  const answers: Array<{ kind: string; token: string; payload?: unknown }> = [];
  const tokens: TaskTokenStore = {
    put: async (jobId, token) => void stored.set(jobId, (stored.get(jobId) ?? new Set()).add(token)),
    tokensFor: async (jobId) => [...(stored.get(jobId) ?? [])],
    remove: async (jobId, token) => void stored.get(jobId)?.delete(token),
  };
  const tasks: TaskGateway = {
    succeed: async (token, output) => (answers.push({ kind: 'success', token, payload: output }), true),
    fail: async (token, error, cause) => (answers.push({ kind: 'failure', token, payload: { error, cause: JSON.parse(cause) } }), true),
    heartbeat: async (token) => (answers.push({ kind: 'heartbeat', token }), true),
  };
  const logs: LogTail = {
    lastLines: async () => {
      if (options.lines instanceof Error) throw options.lines;
      return options.lines ?? [];
    },
  };
  const handler = createHandler({ config: new RuntimeConfig(encodeConfig({ taskTokenTable: 't', logsFunction: 'l' })), batch: new SdkBatchGateway(new BatchClient({})), tokens, tasks, logs });
  return { stored, answers, handler };
}

function jobIn(status: JobDetail['status'], fields: Partial<JobDetail> = {}) {
  batch.on(DescribeJobsCommand).resolves({ jobs: [{ jobId: JOB_ID, jobName: 'demo', jobQueue: 'q', jobDefinition: 'd', status, createdAt: 0, startedAt: undefined, ...fields }] });
}

describe('Function: resume', () => {
  beforeEach(() => batch.reset());

  it('records the token and answers nothing while the job is on its way', async () => {
    jobIn('RUNNING');
    const { stored, answers, handler } = fakes();
    await expect(handler({ taskToken: TOKEN, jobId: JOB_ID, heartbeatSeconds: 3600 })).resolves.toEqual({ jobId: JOB_ID, status: 'RUNNING' });
    expect([...stored.get(JOB_ID)!]).toEqual([TOKEN]);
    expect(answers).toEqual([]);
  });

  it('answers a failed job with BatchJobFailedError carrying reason, exit code and last lines', async () => {
    const { answers, handler } = fakes({ lines: ['reading input', 'cannot read input'] });
    jobIn('RUNNING');
    await handler({ taskToken: TOKEN, jobId: JOB_ID, heartbeatSeconds: 3600 });
    await handler(jobStateChangeEvent({ jobId: JOB_ID, status: 'FAILED', statusReason: 'Essential container in task exited', exitCode: 3, logStreamName: 'demo/default/x' }));
    expect(answers).toEqual([
      {
        kind: 'failure',
        token: TOKEN,
        payload: {
          error: 'BatchJobFailedError',
          cause: {
            name: 'BatchJobFailedError',
            message: `batch job ${JOB_ID} failed: Essential container in task exited (exit code 3)`,
            jobId: JOB_ID,
            statusReason: 'Essential container in task exited',
            exitCode: 3,
            logStreamName: 'demo/default/x',
            lastLogLines: ['reading input', 'cannot read input'],
          },
        },
      },
    ]);
  });

  it('answers a job that failed before it had a log stream with no lines', async () => {
    const { answers, handler } = fakes({ lines: new LogStreamNotFoundError(JOB_ID, '/aws/batch/job', null) });
    jobIn('FAILED', { statusReason: 'Dependent Job failed' });
    await handler({ taskToken: TOKEN, jobId: JOB_ID, heartbeatSeconds: 3600 });
    expect(answers).toEqual([expect.objectContaining({ kind: 'failure', payload: expect.objectContaining({ cause: expect.objectContaining({ lastLogLines: [], exitCode: null }) }) })]);
  });

  it('throws when the event is neither a wait nor a Batch job state change, naming the fields', async () => {
    const { handler } = fakes();
    await expectRejection(
      handler({ taskToken: '', jobId: 'nope', heartbeatSeconds: 0 }),
      InvalidRequestError,
      'invalid request: taskToken: must not be empty [empty]; jobId: must be an AWS Batch job id (a UUID), got "nope" [pattern]; heartbeatSeconds: must be between 1 and 86400, got 0 [range]',
    );
    await expectRejection(handler({ source: 'aws.batch', 'detail-type': 'Batch Job State Change' }), InvalidRequestError, 'invalid request: id: is required [required]; time: is required [required]; account: is required [required]; region: is required [required]; detail: is required [required]');
    expect(batch).not.toHaveReceivedAnyCommand();
  });

  describe('causeOf', () => {
    it("keeps a failure's cause within SendTaskFailure's 32,768 characters by dropping the oldest lines", () => {
      const summary = { jobId: JOB_ID, statusReason: 'boom', exitCode: 1, logStreamName: 's' } as JobSummary;
      const lines = Array.from({ length: 20 }, (_, index) => `${index}:${'x'.repeat(4000)}`);
      const cause = causeOf(failure(summary, lines));
      expect(cause.length).toBeLessThanOrEqual(LIMITS.MAX_TASK_FAILURE_CAUSE_CHARS);
      const kept = (JSON.parse(cause) as BatchJobFailedError).lastLogLines;
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.at(-1)).toBe(lines.at(-1));
      expect(JSON.parse(cause)).toMatchObject({ statusReason: 'boom', exitCode: 1 });
    });
  });
});
