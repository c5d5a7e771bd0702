import { BatchClient, DescribeJobsCommand, JobDetail, TerminateJobCommand } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHandler as createLogsHandler } from '../../lambda/handlers/logs';
import { createHandler as createStatusHandler } from '../../lambda/handlers/status';
import { createHandler as createTerminateHandler } from '../../lambda/handlers/terminate';
import { InvalidRequestError, StatusResponse } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { expectRejection } from '../support/errors';

const batch = mockClient(BatchClient);
const logs = mockClient(CloudWatchLogsClient);
const PARENT = '0f6ad6c4-3c1b-4d3a-9a57-5b8b0f7f3c21';
const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);
const config = new RuntimeConfig(encodeConfig({}));

// AWS Batch User Guide, "Multi-node parallel jobs": the parent carries nodeProperties and no container; each node is
// a job of its own, `<parent>#<index>`, with nodeDetails and its own log stream.
const parent: JobDetail = {
  jobId: PARENT,
  jobName: 'mpi',
  jobQueue: 'q',
  jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/pendant-mpi:1',
  status: 'RUNNING',
  createdAt: T0,
  startedAt: T0,
  nodeProperties: { numNodes: 3, mainNode: 0, nodeRangeProperties: [] },
};
const node = (index: number): JobDetail => ({
  jobId: `${PARENT}#${index}`,
  jobName: 'mpi',
  jobQueue: 'q',
  jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/pendant-mpi:1',
  status: 'RUNNING',
  createdAt: T0,
  startedAt: T0,
  nodeDetails: { nodeIndex: index, isMainNode: index === 0 },
  container: { logStreamName: `mpi/default/node-${index}`, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/pendant/jobs' } } },
});

beforeEach(() => {
  batch.reset();
  logs.reset();
  batch.on(DescribeJobsCommand).callsFake(({ jobs }: { jobs: string[] }) => ({
    jobs: jobs.map((id) => (id === PARENT ? parent : id.startsWith(`${PARENT}#`) ? node(Number(id.split('#')[1])) : undefined)).filter(Boolean),
  }));
});

describe('Function: status › multi-node parallel jobs', () => {
  it("reports a parent's node count and main node, and each node by <jobId>#<node> with its index", async () => {
    const response = (await createStatusHandler({ config })({ jobIds: [PARENT, `${PARENT}#0`, `${PARENT}#2`] })) as StatusResponse;

    expect(response.notFound).toEqual([]);
    expect(response.jobs.map((job) => [job.jobId, job.nodes, job.logStreamName])).toEqual([
      [PARENT, { numNodes: 3, mainNode: 0 }, null],
      [`${PARENT}#0`, { nodeIndex: 0, isMainNode: true }, 'mpi/default/node-0'],
      [`${PARENT}#2`, { nodeIndex: 2, isMainNode: false }, 'mpi/default/node-2'],
    ]);
  });
});

describe('Function: logs › multi-node parallel jobs', () => {
  it("reads a node's own stream by <jobId>#<node>", async () => {
    logs
      .on(GetLogEventsCommand)
      .resolves({ events: [], nextForwardToken: 'f/1' })
      .on(GetLogEventsCommand, { logStreamName: 'mpi/default/node-1', nextToken: undefined })
      .resolves({ events: [{ timestamp: T0, message: 'rank 1 ready', ingestionTime: T0 }], nextForwardToken: 'f/1' });

    const response = await createLogsHandler({ config })({ jobId: `${PARENT}#1` });

    expect(response).toMatchObject({ jobId: `${PARENT}#1`, logGroupName: '/pendant/jobs', logStreamName: 'mpi/default/node-1' });
    expect(response.events.map((event) => event.message)).toEqual(['rank 1 ready']);
  });

  it('throws InvalidRequestError naming the main node for a parent, which writes no stream of its own, and reads no log', async () => {
    await expectRejection(
      createLogsHandler({ config })({ jobId: PARENT }),
      InvalidRequestError,
      `invalid request: jobId: names a multi-node parallel job, whose 3 nodes each log apart: read ${PARENT}#0 (the main node) or ${PARENT}#<node> [multi-node]`,
    );
    expect(logs).not.toHaveReceivedAnyCommand();
  });
});

describe('Function: terminate › multi-node parallel jobs', () => {
  // AWS Batch API Reference, TerminateJob: stopping the parent stops its nodes.
  it('stops the parent with one TerminateJob', async () => {
    batch.on(TerminateJobCommand).resolves({});

    const response = await createTerminateHandler()({ jobId: PARENT, reason: 'cancelled by user' });

    expect(response).toEqual({ jobId: PARENT, previousStatus: 'RUNNING', action: 'terminated' });
    expect(batch).toHaveReceivedCommandWith(TerminateJobCommand, { jobId: PARENT, reason: 'cancelled by user' });
  });
});
