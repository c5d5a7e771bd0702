/**
 * Batch "Job State Change" events as AWS documents them: the example event of the AWS Batch User Guide, "Job state
 * change events" (https://docs.aws.amazon.com/batch/latest/userguide/batch_job_events.html), field for field. Tests
 * take it and change only what a scenario needs (the job's id, status, attempts), so the shape stays AWS's.
 */
export const DOCUMENTED_JOB_STATE_CHANGE = {
  version: '0',
  id: 'c8f9c4b5-76e5-d76a-f980-7011e206042b',
  'detail-type': 'Batch Job State Change',
  source: 'aws.batch',
  account: '123456789012',
  time: '2022-01-11T23:36:40Z',
  region: 'us-east-1',
  resources: ['arn:aws:batch:us-east-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8'],
  detail: {
    jobArn: 'arn:aws:batch:us-east-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
    jobName: 'event-test',
    jobId: '4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
    jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/PexjEHappyPathCanary2JobQueue',
    status: 'RUNNABLE',
    attempts: [] as unknown[],
    createdAt: 1641944200058,
    retryStrategy: { attempts: 2, evaluateOnExit: [] as unknown[] },
    dependsOn: [] as unknown[],
    jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/first-run-job-definition:1',
    parameters: {},
    container: {
      image: '137112412989.dkr.ecr.us-east-1.amazonaws.com/amazonlinux:latest',
      command: ['sleep', '600'],
      volumes: [] as unknown[],
      environment: [] as unknown[],
      mountPoints: [] as unknown[],
      ulimits: [] as unknown[],
      networkInterfaces: [] as unknown[],
      resourceRequirements: [
        { value: '2', type: 'VCPU' },
        { value: '256', type: 'MEMORY' },
      ],
      secrets: [] as unknown[],
    },
    tags: { resourceArn: 'arn:aws:batch:us-east-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8' },
    propagateTags: false,
    platformCapabilities: [] as unknown[],
  },
} as const;

export interface JobEnd {
  readonly jobId: string;
  readonly jobName?: string;
  readonly jobQueueArn?: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'RUNNING' | 'RUNNABLE' | 'STARTING';
  readonly statusReason?: string;
  readonly exitCode?: number;
  readonly logStreamName?: string;
  /** Stopped attempts, oldest first. @default - one attempt with `exitCode` and `logStreamName` for a terminal status */
  readonly attempts?: ReadonlyArray<{ exitCode?: number; logStreamName?: string; reason?: string }>;
}

/**
 * The documented event, for another job and status: what Batch sends when `jobId` reaches `status`. A terminal
 * event carries the stopped attempt(s) and, like DescribeJobs, the container's exit code and log stream.
 */
export function jobStateChangeEvent(end: JobEnd): Record<string, unknown> {
  const sample = DOCUMENTED_JOB_STATE_CHANGE;
  const region = end.jobQueueArn?.split(':')[3] ?? sample.region;
  const account = end.jobQueueArn?.split(':')[4] ?? sample.account;
  const jobArn = `arn:aws:batch:${region}:${account}:job/${end.jobId}`;
  const terminal = end.status === 'SUCCEEDED' || end.status === 'FAILED';
  const attempts = end.attempts ?? (terminal ? [{ exitCode: end.exitCode, logStreamName: end.logStreamName, reason: end.statusReason }] : []);
  return {
    ...sample,
    account,
    region,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    resources: [jobArn],
    detail: {
      ...sample.detail,
      jobArn,
      jobId: end.jobId,
      jobName: end.jobName ?? sample.detail.jobName,
      jobQueue: end.jobQueueArn ?? sample.detail.jobQueue,
      status: end.status,
      ...(end.statusReason !== undefined && { statusReason: end.statusReason }),
      attempts: attempts.map((attempt, index) => ({
        container: {
          ...(attempt.exitCode !== undefined && { exitCode: attempt.exitCode }),
          ...(attempt.logStreamName !== undefined && { logStreamName: attempt.logStreamName }),
          ...(attempt.reason !== undefined && { reason: attempt.reason }),
          networkInterfaces: [],
        },
        startedAt: sample.detail.createdAt + 60_000 * (index + 1),
        stoppedAt: sample.detail.createdAt + 60_000 * (index + 1) + 30_000,
        statusReason: attempt.reason ?? 'Essential container in task exited',
      })),
      ...(terminal && { startedAt: sample.detail.createdAt + 60_000, stoppedAt: sample.detail.createdAt + 60_000 * attempts.length + 30_000 }),
      container: {
        ...sample.detail.container,
        ...(end.exitCode !== undefined && { exitCode: end.exitCode }),
        ...(end.logStreamName !== undefined && { logStreamName: end.logStreamName }),
      },
    },
  };
}
