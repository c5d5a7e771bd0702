import { CreateTableCommand, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SdkBatchGateway } from '../../lambda/aws/batch';
import { SdkLogsGateway } from '../../lambda/aws/logs';
import { DynamoTaskTokenStore, SdkTaskGateway } from '../../lambda/aws/resume';
import type { LogTail } from '../../lambda/core/resume';
import { createHandler as createLogsHandler } from '../../lambda/handlers/logs';
import { createHandler } from '../../lambda/handlers/resume';
import { JobSummary } from '../../lib/model';
import { DEFAULT_JOB_LOG_GROUP, encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { jobStateChangeEvent } from '../support/batch-events';
import { CREDENTIALS, motoClients, motoEndpoint, REGION, resetMoto } from './moto/aws';
import { createBatchEnvironment, submitHeldJob, submitJob, writeLogEvents } from './moto/fixtures';
import { motoApi } from './moto/server';
import { eventually as settle } from '../support/eventually';

/** What this suite waits for settles within this bound. */
const eventually = <T>(check: () => Promise<T>): Promise<T> => settle(check, { timeoutMillis: 15_000, intervalMillis: 200 });

const TOKEN_TABLE = 'pendant-task-tokens';
/** Where the test's state machine leaves its task token, so the test can hand it to the resume function. */
const CAPTURE_TABLE = 'captured-tokens';
const HEARTBEAT_SECONDS = 3600;

/**
 * The resume function against moto through the real SDK v3: its DynamoDB token store, DescribeJobs, and
 * SendTaskSuccess/Failure/Heartbeat answering an execution of moto's Step Functions interpreter
 * (`execute_state_machine`), which holds a task open on a task token as Step Functions does.
 *
 * moto cannot run RunJob's own wait (`lambda:invoke.waitForTaskToken`): its interpreter invokes moto's Lambda,
 * which runs functions only in Docker. The waiting state here hands its token over through DynamoDB
 * (`aws-sdk:dynamodb:putItem.waitForTaskToken`) instead, and the test gives it to the resume function as RunJob's
 * wait would.
 */
describe('Integration: resume', () => {
  const common = { endpoint: motoEndpoint(), region: REGION, credentials: CREDENTIALS };
  const dynamodb = new DynamoDBClient(common);
  const sfn = new SFNClient(common);

  beforeEach(async () => {
    await resetMoto();
    await motoApi(motoEndpoint(), '/moto-api/config', { stepfunctions: { execute_state_machine: true } });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: TOKEN_TABLE,
        KeySchema: [
          { AttributeName: 'jobId', KeyType: 'HASH' },
          { AttributeName: 'tokenHash', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'jobId', AttributeType: 'S' },
          { AttributeName: 'tokenHash', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await dynamodb.send(
      new CreateTableCommand({
        TableName: CAPTURE_TABLE,
        KeySchema: [{ AttributeName: 'jobId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'jobId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });

  afterAll(() => {
    dynamodb.destroy();
    sfn.destroy();
  });

  async function setUp() {
    const clients = motoClients();
    const environment = await createBatchEnvironment(clients.batch);
    const config = new RuntimeConfig(encodeConfig({ taskTokenTable: TOKEN_TABLE, logsFunction: 'pendant-logs' }));
    // The logs function, run in-process against moto: what the deployed resume function reaches through Lambda.
    const logsHandler = createLogsHandler({
      config: new RuntimeConfig({}),
      batch: new SdkBatchGateway(clients.batch),
      logs: new SdkLogsGateway(clients.logs),
    });
    const tailed: Array<{ jobId: string; lines: string[] }> = [];
    const tail: LogTail = {
      lastLines: async (jobId, count) => {
        const lines = ((await logsHandler({ jobId, fromEnd: true, limit: count }))).events.map((event) => event.message);
        tailed.push({ jobId, lines });
        return lines;
      },
    };
    const handler = createHandler({
      config,
      batch: new SdkBatchGateway(clients.batch),
      tokens: new DynamoTaskTokenStore(TOKEN_TABLE, dynamodb),
      tasks: new SdkTaskGateway(sfn),
      logs: tail,
    });
    return { clients, environment, handler, tailed };
  }

  /** Starts an execution that waits on a task token for `jobId`, and answers the token once the state holds it. */
  async function waitingExecution(jobId: string): Promise<{ executionArn: string; taskToken: string }> {
    const definition = {
      StartAt: 'AwaitJob',
      States: {
        AwaitJob: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken',
          HeartbeatSeconds: HEARTBEAT_SECONDS,
          Parameters: { TableName: CAPTURE_TABLE, Item: { jobId: { 'S.$': '$.jobId' }, taskToken: { 'S.$': '$$.Task.Token' } } },
          End: true,
        },
      },
    };
    const machine = await sfn.send(
      new CreateStateMachineCommand({ name: `wait-${jobId.slice(0, 8)}`, roleArn: 'arn:aws:iam::123456789012:role/run-job', definition: JSON.stringify(definition) }),
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: `run-${jobId.slice(0, 8)}`, input: JSON.stringify({ jobId }) }));
    const taskToken = await eventually(async () => {
      const item = await dynamodb.send(new GetItemCommand({ TableName: CAPTURE_TABLE, Key: { jobId: { S: jobId } } }));
      if (item.Item?.taskToken?.S === undefined) throw new Error(`no task token yet for ${jobId}`);
      return item.Item.taskToken.S;
    });
    return { executionArn: executionArn!, taskToken };
  }

  async function execution(executionArn: string) {
    return sfn.send(new DescribeExecutionCommand({ executionArn }));
  }

  async function tokensOf(jobId: string): Promise<number> {
    const page = await dynamodb.send(new QueryCommand({ TableName: TOKEN_TABLE, KeyConditionExpression: 'jobId = :j', ExpressionAttributeValues: { ':j': { S: jobId } } }));
    return page.Count ?? 0;
  }

  it("completes a waiting execution's task with the job's summary when its SUCCEEDED event arrives (AWS's documented event)", async () => {
    const { clients, environment, handler } = await setUp();
    const jobId = await submitHeldJob(clients.batch, environment, 'STARTING');
    const { executionArn, taskToken } = await waitingExecution(jobId);

    await expect(handler({ taskToken, jobId, heartbeatSeconds: HEARTBEAT_SECONDS })).resolves.toEqual({ jobId, status: 'STARTING' });
    expect(await tokensOf(jobId)).toBe(1);
    expect((await execution(executionArn)).status).toBe('RUNNING');

    const event = jobStateChangeEvent({ jobId, jobQueueArn: environment.jobQueueArn, status: 'SUCCEEDED', exitCode: 0, logStreamName: `demo/default/${jobId}` });
    await expect(handler(event)).resolves.toEqual({ jobId, status: 'SUCCEEDED', answered: 1, heartbeats: 0 });

    const done = await eventually(async () => {
      const described = await execution(executionArn);
      if (described.status === 'RUNNING') throw new Error('still running');
      return described;
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!) as JobSummary).toEqual(expect.objectContaining({ jobId, status: 'SUCCEEDED', exitCode: 0, logStreamName: `demo/default/${jobId}` }));
    expect(await tokensOf(jobId)).toBe(0);
  });

  it('keeps a waiting task alive with a heartbeat on a change that is not the end, and answers nobody', async () => {
    const { clients, environment, handler } = await setUp();
    const jobId = await submitHeldJob(clients.batch, environment, 'RUNNABLE');
    const { executionArn, taskToken } = await waitingExecution(jobId);
    await handler({ taskToken, jobId, heartbeatSeconds: HEARTBEAT_SECONDS });

    await expect(handler(jobStateChangeEvent({ jobId, jobQueueArn: environment.jobQueueArn, status: 'RUNNING' }))).resolves.toEqual({
      jobId,
      status: 'RUNNING',
      answered: 0,
      heartbeats: 1,
    });
    expect((await execution(executionArn)).status).toBe('RUNNING');
    expect(await tokensOf(jobId)).toBe(1);
  });

  it('answers at once a wait for a job that had already ended before its token was recorded (its event found no token)', async () => {
    const { clients, environment, handler } = await setUp();
    const jobId = await submitJob(clients.batch, environment);
    // The job's event came first: nobody was waiting yet.
    await expect(handler(jobStateChangeEvent({ jobId, jobQueueArn: environment.jobQueueArn, status: 'SUCCEEDED' }))).resolves.toEqual({
      jobId,
      status: 'SUCCEEDED',
      answered: 0,
      heartbeats: 0,
    });
    const { executionArn, taskToken } = await waitingExecution(jobId);

    await expect(handler({ taskToken, jobId, heartbeatSeconds: HEARTBEAT_SECONDS })).resolves.toEqual({ jobId, status: 'SUCCEEDED' });

    const done = await eventually(async () => {
      const described = await execution(executionArn);
      if (described.status === 'RUNNING') throw new Error('still running');
      return described;
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual(expect.objectContaining({ jobId, status: 'SUCCEEDED' }));
  });

  it("fails a waiting execution's task with BatchJobFailedError, having read the job's last log lines through the logs function (fromEnd)", async () => {
    const { clients, environment, handler, tailed } = await setUp();
    // A job moto has run, so DescribeJobs names its stream (moto names it as Batch does), with 30 lines in it. Its
    // token goes straight to the store, as a wait records it while the job is still on its way; the FAILED event
    // is then the one Batch would send.
    const jobId = await submitJob(clients.batch, environment);
    const logStreamName = `${environment.jobDefinitionName}/default/${jobId}`;
    const written = Array.from({ length: 30 }, (_, index) => ({ timestamp: Date.now() - 60_000 + index, message: `line ${index}` }));
    await writeLogEvents(clients.logs, DEFAULT_JOB_LOG_GROUP, logStreamName, written);
    const { executionArn, taskToken } = await waitingExecution(jobId);
    await new DynamoTaskTokenStore(TOKEN_TABLE, dynamodb).put(jobId, taskToken, Math.floor(Date.now() / 1000) + HEARTBEAT_SECONDS);

    const event = jobStateChangeEvent({ jobId, jobQueueArn: environment.jobQueueArn, status: 'FAILED', statusReason: 'Essential container in task exited', exitCode: 3, logStreamName });
    await expect(handler(event)).resolves.toEqual({ jobId, status: 'FAILED', answered: 1, heartbeats: 0 });

    const done = await eventually(async () => {
      const described = await execution(executionArn);
      if (described.status === 'RUNNING') throw new Error('still running');
      return described;
    });
    expect(done.status).toBe('FAILED');
    // moto's DescribeExecution leaves a failed execution's error out, and its history keeps SendTaskFailure's error
    // but drops its cause (Step Functions keeps both): the cause is what the function sent, checked here as read.
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const failed = history.events?.find((entry) => entry.type === 'ExecutionFailed')?.executionFailedEventDetails;
    expect(failed?.error).toBe('BatchJobFailedError');
    expect(tailed).toEqual([{ jobId, lines: written.slice(-20).map((event) => event.message) }]);
  });

  it('forgets a token whose task is no longer live instead of failing, when a change reaches it', async () => {
    const { clients, environment, handler } = await setUp();
    const jobId = await submitHeldJob(clients.batch, environment, 'RUNNABLE');
    const { taskToken } = await waitingExecution(jobId);
    await handler({ taskToken, jobId, heartbeatSeconds: HEARTBEAT_SECONDS });
    await new SdkTaskGateway(sfn).succeed(taskToken, { answered: 'elsewhere' });

    await expect(handler(jobStateChangeEvent({ jobId, jobQueueArn: environment.jobQueueArn, status: 'RUNNING' }))).resolves.toEqual({
      jobId,
      status: 'RUNNING',
      answered: 0,
      heartbeats: 0,
    });
    expect(await tokensOf(jobId)).toBe(0);
  });
});
