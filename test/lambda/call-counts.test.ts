import { BatchClient } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { Readable } from 'node:stream';
import { SdkBatchGateway } from '../../lambda/aws/batch';
import { SdkLogsGateway } from '../../lambda/aws/logs';
import { createHandler as createLogsHandler } from '../../lambda/handlers/logs';
import { createHandler as createStatusHandler } from '../../lambda/handlers/status';
import { createHandler as createTerminateHandler } from '../../lambda/handlers/terminate';
import { JobStatusResponse, StatusResponse, TerminateJobsResponse } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { recordCalls } from '../integration/moto/aws';

/**
 * The AWS calls each request makes, counted by SDK middleware on real SDK v3 clients (serialisation, middleware and
 * deserialisation all run); only the HTTP exchange is answered here, from a small in-memory Batch and CloudWatch.
 */

type Answer = { status?: number; body: unknown };
type Route = (body: Record<string, unknown>) => Answer;

/** A request handler that answers each operation's path (REST-JSON Batch) or target (JSON 1.1 Logs). */
function httpHandler(routes: Record<string, Route>) {
  return {
    handle: async (request: { path: string; headers: Record<string, string>; body?: unknown }) => {
      const operation = request.headers['x-amz-target']?.split('.')[1] ?? request.path.replace(/^\/v1\//, '');
      const route = routes[operation];
      const text = typeof request.body === 'string' ? request.body : request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : '';
      const body = JSON.parse(text === '' ? '{}' : text) as Record<string, unknown>;
      const answer: Answer = route === undefined ? { status: 404, body: '<html>404 Not Found</html>' } : route(body);
      const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      return {
        response: {
          statusCode: answer.status ?? 200,
          reason: '',
          headers: { 'content-type': typeof answer.body === 'string' ? 'text/html' : 'application/json' },
          body: Readable.from([Buffer.from(payload)]),
        },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
}

const common = { region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 };
const batchClient = (routes: Record<string, Route>) => new BatchClient({ ...common, requestHandler: httpHandler(routes) });
const config = new RuntimeConfig(encodeConfig({ jobDefinitions: {}, jobQueues: ['pendant-default'] }));

const jobId = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
const ids = (count: number) => Array.from({ length: count }, (_, index) => jobId(index));

/** DescribeJobs of a Batch that knows every id, each in `status`. */
const describeAll = (status = 'RUNNING', extra: Record<string, unknown> = {}): Route => (body) => ({
  body: { jobs: (body.jobs as string[]).map((id) => ({ jobId: id, jobName: 'job', jobQueue: 'q', jobDefinition: 'd', status, startedAt: 1, ...extra })) },
});

describe('AWS calls per request, counted by SDK middleware', () => {
  describe('status', () => {
    it.each([1, 100, 101, 250, 1000])('asks DescribeJobs exactly ceil(n/100) times for %i ids', async (count) => {
      const client = batchClient({ describejobs: describeAll() });
      const calls = recordCalls(client);
      const response = (await createStatusHandler({ config, batch: new SdkBatchGateway(client) })({ jobIds: ids(count) })) as StatusResponse;
      expect(response.jobs).toHaveLength(count);
      expect(calls.count('DescribeJobs')).toBe(Math.ceil(count / 100));
      expect(calls.calls).toHaveLength(Math.ceil(count / 100));
    });

    it('reads an array\'s children with one ListJobs per page, following the wrapped token to the last page', async () => {
      const parent = jobId(9);
      // Batch's pages of FAILED children: 250 of them, 100 a page.
      const client = batchClient({
        describejobs: describeAll('FAILED', { arrayProperties: { size: 250, statusSummary: { FAILED: 250 } } }),
        listjobs: (body) => {
          const start = body.nextToken === undefined ? 0 : Number(body.nextToken);
          const end = Math.min(250, start + (body.maxResults as number));
          return {
            body: {
              jobSummaryList: Array.from({ length: end - start }, (_, offset) => ({
                jobId: `${parent}:${start + offset}`,
                jobName: 'job',
                status: 'FAILED',
                arrayProperties: { index: start + offset },
                container: { exitCode: 1 },
              })),
              ...(end < 250 && { nextToken: String(end) }),
            },
          };
        },
      });
      const calls = recordCalls(client);
      const handler = createStatusHandler({ config, batch: new SdkBatchGateway(client) });

      const children: number[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = (await handler({ jobId: parent, children: { status: 'FAILED', ...(nextToken && { nextToken }) } })) as JobStatusResponse;
        pages += 1;
        children.push(...page.children!.jobs.map((child) => child.index!));
        nextToken = page.children!.nextToken ?? undefined;
      } while (nextToken !== undefined);

      expect(pages).toBe(3);
      expect(children).toEqual(Array.from({ length: 250 }, (_, index) => index));
      expect(calls.count('ListJobs')).toBe(3);
      expect(calls.count('DescribeJobs')).toBe(3);
      // AWS Batch API Reference, ListJobs: without jobStatus only RUNNING children are listed, and filters do not
      // apply to an array's children, so every call names the status; maxResults is 100 unless asked.
      expect(calls.inputsOf('ListJobs')).toEqual([
        { arrayJobId: parent, jobStatus: 'FAILED', maxResults: 100 },
        { arrayJobId: parent, jobStatus: 'FAILED', maxResults: 100, nextToken: '100' },
        { arrayJobId: parent, jobStatus: 'FAILED', maxResults: 100, nextToken: '200' },
      ]);
    });
  });

  describe('terminate', () => {
    it('stops 100 running jobs with one DescribeJobs and two TerminateJobs of 50', async () => {
      const client = batchClient({ describejobs: describeAll('RUNNING'), terminatejobs: () => ({ body: { successful: [], errors: [] } }) });
      const calls = recordCalls(client);
      const response = (await createTerminateHandler({ batch: new SdkBatchGateway(client) })({ jobIds: ids(100), reason: 'withdrawn' })) as TerminateJobsResponse;
      expect(response.jobs).toHaveLength(100);
      expect(response.jobs.every((job) => job.action === 'terminated')).toBe(true);
      expect(calls.counts()).toEqual({ DescribeJobsCommand: 1, TerminateJobsCommand: 2 });
      // AWS Batch API Reference, TerminateJobs: "Terminates up to 50 jobs".
      expect(calls.inputsOf('TerminateJobs').map((input) => (input.jobs as string[]).length)).toEqual([50, 50]);
    });

    it('stops a single unfinished job of a list with TerminateJob, which costs no more', async () => {
      const client = batchClient({
        describejobs: (body) => ({
          body: { jobs: (body.jobs as string[]).map((id, index) => ({ jobId: id, jobName: 'j', jobQueue: 'q', jobDefinition: 'd', status: index === 0 ? 'RUNNABLE' : 'SUCCEEDED', startedAt: 1 })) },
        }),
        terminatejob: () => ({ body: {} }),
      });
      const calls = recordCalls(client);
      const response = (await createTerminateHandler({ batch: new SdkBatchGateway(client) })({ jobIds: ids(3), reason: 'withdrawn' })) as TerminateJobsResponse;
      expect(response.jobs.map((job) => job.action)).toEqual(['cancelled', 'none', 'none']);
      expect(calls.counts()).toEqual({ DescribeJobsCommand: 1, TerminateJobCommand: 1 });
    });

    it('falls back to TerminateJob per job where the endpoint has no TerminateJobs, and asks only once', async () => {
      const client = batchClient({ describejobs: describeAll('RUNNING'), terminatejob: () => ({ body: {} }) });
      const calls = recordCalls(client);
      const handler = createTerminateHandler({ batch: new SdkBatchGateway(client) });
      await handler({ jobIds: ids(3), reason: 'withdrawn' });
      await handler({ jobIds: ids(2), reason: 'withdrawn' });
      expect(calls.calls.map((call) => call.command)).toEqual([
        'DescribeJobsCommand',
        'TerminateJobsCommand',
        'TerminateJobCommand',
        'TerminateJobCommand',
        'TerminateJobCommand',
        'DescribeJobsCommand',
        'TerminateJobCommand',
        'TerminateJobCommand',
      ]);
    });
  });

  describe('logs', () => {
    it('reads the last 50 lines of a stream in one GetLogEvents from the end', async () => {
      const client = batchClient({ describejobs: describeAll('FAILED', { container: { logStreamName: 'align/default/abc' } }) });
      const logsClient = new CloudWatchLogsClient({
        ...common,
        requestHandler: httpHandler({
          GetLogEvents: (body) => ({
            body: {
              events: Array.from({ length: body.limit as number }, (_, index) => ({ timestamp: 1000 + index, message: `line ${950 + index}`, ingestionTime: 2000 })),
              nextForwardToken: 'f/999',
              nextBackwardToken: 'b/950',
            },
          }),
        }),
      });
      const batchCalls = recordCalls(client);
      const logsCalls = recordCalls(logsClient);
      const handler = createLogsHandler({ config, batch: new SdkBatchGateway(client), logs: new SdkLogsGateway(logsClient) });
      const response = (await handler({ jobId: jobId(1), fromEnd: true, limit: 50 }));
      expect(response.events.map((event) => event.message)).toEqual(Array.from({ length: 50 }, (_, index) => `line ${950 + index}`));
      expect(batchCalls.counts()).toEqual({ DescribeJobsCommand: 1 });
      expect(logsCalls.counts()).toEqual({ GetLogEventsCommand: 1 });
      // CloudWatch Logs API Reference, GetLogEvents: startFromHead false (the default) starts from the newest events.
      expect(logsCalls.inputsOf('GetLogEvents')).toEqual([{ logGroupName: '/aws/batch/job', logStreamName: 'align/default/abc', startFromHead: false, limit: 50 }]);
    });
  });
});
