import {
  BatchClient,
  ContainerProperties,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  SubmitJobCommandInput,
} from '@aws-sdk/client-batch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { JobStatus, S3Uri } from '../../../lib/model';
import { JOB_EVENTS_TABLE_KEYS } from '../../../lib/model/job-events';
import { awsQuery, setJobTransition, useDockerBackend } from './aws';

/**
 * Resources the integration tests need in moto, made through the real APIs.
 *
 * What moto 5.2.1 requires and does (checked against the server, not assumed):
 * - CreateComputeEnvironment needs a `serviceRole` that exists in IAM, for UNMANAGED environments too. A MANAGED
 *   Fargate environment also needs subnets and security groups that exist in moto's EC2; an UNMANAGED one needs
 *   neither, so the fixtures use that.
 * - RegisterJobDefinition needs memory (`resourceRequirements` MEMORY or `memory`); every registration of a name
 *   makes a new revision.
 * - DescribeJobs does not echo the job definition's `logConfiguration` in `container`, so a reader of the job's
 *   `awslogs-group` option falls back to Batch's default group `/aws/batch/job` under moto.
 */

export const DEFAULT_ROLE_NAME = 'pendant-batch-service';

/** An IAM role Batch may assume; its ARN. */
export async function createServiceRole(roleName = DEFAULT_ROLE_NAME): Promise<string> {
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'batch.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  const xml = await awsQuery('iam', {
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: roleName,
    AssumeRolePolicyDocument: JSON.stringify(trust),
  });
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(xml)?.[1];
  if (arn === undefined) throw new Error(`CreateRole answered without an Arn: ${xml}`);
  return arn;
}

/** The container of the fixtures' job definitions, with a log configuration naming its own group. */
export function containerProperties(command: string[] = ['align', 'Ref::input', '--threads', 'Ref::threads']): ContainerProperties {
  return {
    image: 'public.ecr.aws/docker/library/busybox:latest',
    command,
    resourceRequirements: [
      { type: 'VCPU', value: '1' },
      { type: 'MEMORY', value: '2048' },
    ],
    logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/pendant/jobs' } },
  };
}

/** Registers a new revision of a container job definition; its revision number. */
export async function registerJobDefinition(
  batch: BatchClient,
  jobDefinitionName: string,
  options: { parameters?: Record<string, string>; command?: string[] } = {},
): Promise<number> {
  const response = await batch.send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName,
      type: 'container',
      ...(options.parameters && { parameters: options.parameters }),
      containerProperties: containerProperties(options.command),
    }),
  );
  return response.revision!;
}

export interface BatchEnvironment {
  readonly serviceRoleArn: string;
  readonly computeEnvironmentArn: string;
  readonly jobQueueName: string;
  readonly jobQueueArn: string;
  readonly jobDefinitionName: string;
  /** The revision registered by `createBatchEnvironment`: 1. */
  readonly revision: number;
}

/**
 * A service role, an UNMANAGED compute environment, a job queue on it and revision 1 of a container job definition
 * whose parameters default `threads` to `1`.
 */
export async function createBatchEnvironment(
  batch: BatchClient,
  names: { jobQueueName?: string; jobDefinitionName?: string } = {},
): Promise<BatchEnvironment> {
  const jobQueueName = names.jobQueueName ?? 'pendant-queue';
  const jobDefinitionName = names.jobDefinitionName ?? 'pendant-align';
  const serviceRoleArn = await createServiceRole();
  const environment = await batch.send(
    new CreateComputeEnvironmentCommand({
      computeEnvironmentName: 'pendant-compute',
      type: 'UNMANAGED',
      state: 'ENABLED',
      serviceRole: serviceRoleArn,
    }),
  );
  const queue = await batch.send(
    new CreateJobQueueCommand({
      jobQueueName,
      state: 'ENABLED',
      priority: 1,
      computeEnvironmentOrder: [{ order: 1, computeEnvironment: environment.computeEnvironmentArn! }],
    }),
  );
  const revision = await registerJobDefinition(batch, jobDefinitionName, { parameters: { threads: '1' } });
  return {
    serviceRoleArn,
    computeEnvironmentArn: environment.computeEnvironmentArn!,
    jobQueueName,
    jobQueueArn: queue.jobQueueArn!,
    jobDefinitionName,
    revision,
  };
}

/** Submits `count` jobs straight through the SDK, a few at a time; their ids in submission order. */
export async function submitJobs(batch: BatchClient, environment: BatchEnvironment, count: number): Promise<string[]> {
  const ids = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      ids[index] = await submitJob(batch, environment, { jobName: `job-${index}` });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return ids;
}

export async function submitJob(batch: BatchClient, environment: BatchEnvironment, input: Partial<SubmitJobCommandInput> = {}): Promise<string> {
  const response = await batch.send(
    new SubmitJobCommand({
      jobName: 'fixture',
      jobQueue: environment.jobQueueName,
      jobDefinition: `${environment.jobDefinitionName}:${environment.revision}`,
      ...input,
    }),
  );
  return response.jobId!;
}

export async function describeJob(batch: BatchClient, jobId: string) {
  const job = (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.find((detail) => detail.jobId === jobId);
  if (job === undefined) throw new Error(`moto does not know job ${jobId}`);
  return job;
}

/** The statuses moto can hold a job in without Docker. */
export type HeldStatus = typeof JobStatus.SUBMITTED | typeof JobStatus.PENDING | typeof JobStatus.RUNNABLE | typeof JobStatus.STARTING;

const ORDER: readonly string[] = [JobStatus.SUBMITTED, JobStatus.PENDING, JobStatus.RUNNABLE, JobStatus.STARTING, JobStatus.RUNNING];
/** The job thread calls `advance()` once per state, so a manual transition needing this many never fires. */
const FROZEN = { progression: 'manual', times: 1_000_000 } as const;
/** Long enough for a poll and the freeze to land inside one state; the job thread itself looks every 0.5 s. */
const STEP_SECONDS = 1;
const HOLD_ATTEMPTS = 3;

/**
 * Submits a job that stays in `status` until the next `resetMoto()`: moto's simple backend (no Docker) finishes
 * every job inside SubmitJob, so this goes through moto's Docker backend and its state manager.
 *
 * How (moto 5.2.1, found by trying): a Docker-backend job is a thread that calls `advance()` once on entering each
 * of SUBMITTED, PENDING, RUNNABLE and STARTING and then polls its status every 0.5 s until it changes.
 * - SUBMITTED: a "manual" transition that needs more `advance()` calls than the thread ever makes holds it there.
 * - PENDING, RUNNABLE, STARTING: a "time" transition moves the job one state a second; once DescribeJobs shows the
 *   wanted state, the manual transition above freezes it (the freeze is checked, and the job re-submitted if it
 *   had already moved on).
 * - RUNNING cannot be held: the thread leaves STARTING the moment it reads RUNNING and asks Docker for a container,
 *   which fails without Docker, so the job turns FAILED within a poll. Nor can a running job have a log stream.
 *
 * CancelJob and TerminateJob on a held job record their reason (`statusReason`), but the job stays where it is
 * held: moto only acts on them in the thread, which is frozen.
 */
export async function submitHeldJob(batch: BatchClient, environment: BatchEnvironment, status: HeldStatus, input: Partial<SubmitJobCommandInput> = {}): Promise<string> {
  return holdJob(batch, status, () => submitJob(batch, environment, { jobName: 'held', ...input }));
}

/**
 * Like `submitHeldJob`, for a job that `submit` submits any way it likes (e.g. through a deployed submit function)
 * and whose id it returns; `submit` may be called more than once.
 */
export async function holdJob(batch: BatchClient, status: HeldStatus, submit: () => Promise<string>): Promise<string> {
  await useDockerBackend(true);
  try {
    if (status === JobStatus.SUBMITTED) {
      await setJobTransition(FROZEN);
      return await submit();
    }
    for (let attempt = 1; attempt <= HOLD_ATTEMPTS; attempt++) {
      await setJobTransition({ progression: 'time', seconds: STEP_SECONDS });
      const jobId = await submit();
      const reached = await waitForStatus(batch, jobId, status);
      await setJobTransition(FROZEN);
      if (reached && (await describeJob(batch, jobId)).status === status) return jobId;
    }
    throw new Error(`moto did not hold a job in ${status} in ${HOLD_ATTEMPTS} attempts`);
  } finally {
    await useDockerBackend(false);
  }
}

/** Polls until the job is in `status` (true) or has passed it (false). */
async function waitForStatus(batch: BatchClient, jobId: string, status: string): Promise<boolean> {
  const deadline = Date.now() + 10 * STEP_SECONDS * 1000;
  for (;;) {
    const current = (await describeJob(batch, jobId)).status!;
    if (current === status) return true;
    const position = ORDER.indexOf(current);
    if (position === -1 || position > ORDER.indexOf(status) || Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Submits a job through moto's Docker backend and waits until it is FAILED, which without Docker it soon is. */
export async function submitFailedJob(batch: BatchClient, environment: BatchEnvironment): Promise<string> {
  await useDockerBackend(true);
  try {
    const jobId = await submitJob(batch, environment, { jobName: 'doomed' });
    const deadline = Date.now() + 10_000;
    while ((await describeJob(batch, jobId)).status !== JobStatus.FAILED) {
      if (Date.now() > deadline) throw new Error(`job ${jobId} did not fail within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return jobId;
  } finally {
    await useDockerBackend(false);
  }
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function putObject(s3: S3Client, uri: string, body = 'ACGT\n'): Promise<void> {
  const { bucket, key } = S3Uri.parse(uri);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export interface WrittenEvent {
  readonly timestamp: number;
  readonly message: string;
}

/** CloudWatch's limits for one PutLogEvents call: 10,000 events and 1,048,576 bytes, 26 bytes of overhead each. */
const PUT_MAX_EVENTS = 10_000;
const PUT_MAX_BYTES = 1_048_576;
const PUT_EVENT_OVERHEAD = 26;

/** Creates the group and stream if need be and writes `events` in as many PutLogEvents calls as the limits ask. */
export async function writeLogEvents(logs: CloudWatchLogsClient, logGroupName: string, logStreamName: string, events: readonly WrittenEvent[]): Promise<number> {
  await ignoreExisting(logs.send(new CreateLogGroupCommand({ logGroupName })));
  await ignoreExisting(logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName })));
  let calls = 0;
  let start = 0;
  while (start < events.length) {
    let end = start;
    let bytes = 0;
    while (end < events.length && end - start < PUT_MAX_EVENTS) {
      const size = Buffer.byteLength(events[end].message) + PUT_EVENT_OVERHEAD;
      if (bytes + size > PUT_MAX_BYTES) break;
      bytes += size;
      end++;
    }
    await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: events.slice(start, end).map((event) => ({ ...event })) }));
    calls++;
    start = end;
  }
  return calls;
}

async function ignoreExisting(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof ResourceAlreadyExistsException)) throw error;
  }
}

/** The idempotency table as `RuntimeFunctions` makes it: partition key `id`, TTL on `expiration`. */
export async function createIdempotencyTable(dynamodb: DynamoDBClient, tableName: string): Promise<string> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true } }));
  return tableName;
}

/** The job events table as the `JobEvents` construct makes it: keys and TTL attribute from the model. */
export async function createJobEventsTable(dynamodb: DynamoDBClient, tableName = 'pendant-job-events'): Promise<string> {
  const { partitionKey, sortKey, timeToLive } = JOB_EVENTS_TABLE_KEYS;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: partitionKey, AttributeType: 'S' },
        { AttributeName: sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: timeToLive, Enabled: true } }));
  return tableName;
}
