import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { JobDefinition } from '../job-definition';
import type { JobQueue } from '../job-queue';
import type { MultiNodeJobDefinition } from '../multi-node-job-definition';
import { PLATFORM_TAG } from '../model';
import type { Operation } from '../model/operations';
import { acknowledgeWildcard } from './acknowledge';
import { mustExistPrefixes } from './declarations';

/** What the runtime functions' policies are written from. */
export interface PolicyContext {
  readonly stack: Stack;
  readonly definitions: ReadonlyArray<JobDefinition | MultiNodeJobDefinition>;
  readonly jobQueues: readonly JobQueue[];
  /** The log group the job definitions write to: the only one the logs function may read. */
  readonly jobLogGroup: logs.ILogGroup;
  readonly idempotencyTable: dynamodb.ITable;
  readonly platformId: string;
}

/** Adds what one function needs, and nothing more, to its role's policy (beside its own log group, which every function writes). */
export type RuntimePolicy = (fn: lambda.Function, context: PolicyContext) => void;

/**
 * Job queue and definition ARNs per `batch:SubmitJob` statement: about 2 KB, so that CDK can pack the statements of
 * hundreds of definitions into the role's 10 KB inline policy and 6 KB overflow managed policies.
 */
const SUBMIT_TARGETS_PER_STATEMENT = 10;

/**
 * The IAM of each runtime function, one entry per operation of the registry (lib/model/operations.ts): a new
 * operation without an entry does not compile.
 */
export const RUNTIME_POLICIES: Record<Operation, RuntimePolicy> = {
  validate: readDeclaredInputs,
  submit: (fn, context) => {
    readDeclaredInputs(fn, context);
    submitJobs(fn, context);
  },
  status: (fn) => {
    // Status lists an array parent's children page by page (ListJobs by arrayJobId) besides describing jobs.
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs', 'batch:ListJobs'], resources: ['*'] }));
    acknowledgeWildcard(rolePolicy(fn), { resource: '*' }, 'batch:DescribeJobs and batch:ListJobs have no resource type: IAM accepts only "*"');
  },
  logs: (fn, { stack, jobLogGroup }) => {
    describeJobs(fn);
    const jobStreams = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${jobLogGroup.logGroupName}:log-stream:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadJobLogs', actions: ['logs:GetLogEvents'], resources: [jobStreams] }));
    acknowledgeWildcard(rolePolicy(fn), { resource: jobStreams }, 'AWS Batch names each job\'s log stream when it starts; the job log group is the narrowest resource known at deploy time');
  },
  terminate: (fn, { stack, platformId }) => {
    describeJobs(fn);
    const jobs = stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
    fn.addToRolePolicy(
      // TerminateJob alone: it cancels the jobs that have not started too, so the function never calls CancelJob. It
      // also covers TerminateJobs, which has no IAM action of its own (AWS Batch API Reference, TerminateJobs). Only
      // the platform's jobs: TerminateJob takes the job resource with the aws:ResourceTag condition key.
      new iam.PolicyStatement({
        sid: 'StopJobs',
        actions: ['batch:TerminateJob'],
        resources: [jobs],
        conditions: { StringEquals: { [`aws:ResourceTag/${PLATFORM_TAG}`]: platformId } },
      }),
    );
    acknowledgeWildcard(rolePolicy(fn), { resource: jobs }, 'job ids are assigned by AWS Batch at submission; job/* is the narrowest resource TerminateJob takes');
  },
};

/**
 * validate and submit: HeadObject (s3:GetObject) under the prefixes the parameters declare, and s3:ListBucket on
 * their buckets so that a missing object answers 404 rather than 403.
 */
function readDeclaredInputs(fn: lambda.Function, { stack, definitions }: PolicyContext): void {
  const inputs = mustExistPrefixes(definitions.map((definition) => definition._parameterSpecs));
  if (inputs.length === 0) return;
  const objects = inputs.map((uri) => `arn:${stack.partition}:s3:::${uri.bucket}/${uri.key}*`);
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadDeclaredInputs', actions: ['s3:GetObject'], resources: objects }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'TellMissingFromForbidden',
      actions: ['s3:ListBucket'],
      resources: [...new Set(inputs.map((uri) => `arn:${stack.partition}:s3:::${uri.bucket}`))],
    }),
  );
  for (const object of objects) {
    acknowledgeWildcard(rolePolicy(fn), { resource: object }, 'the objects a job reads are named at run time; the prefix is what its parameter declares with "within"');
  }
}

function submitJobs(fn: lambda.Function, { stack, definitions, jobQueues, idempotencyTable }: PolicyContext): void {
  // IAM caps a managed policy at 6,144 characters and CDK moves whole statements, never parts of one, into the
  // overflow policies of a large role: hundreds of definitions in a single statement could never deploy.
  const submitTargets = [
    ...jobQueues.map((queue) => queue.jobQueueArn),
    ...definitions.map((definition) => stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${definition.physicalName}:*` })),
  ];
  for (let start = 0; start < submitTargets.length; start += SUBMIT_TARGETS_PER_STATEMENT) {
    const part = start / SUBMIT_TARGETS_PER_STATEMENT + 1;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: part === 1 ? 'SubmitToOwnQueuesAndDefinitions' : `SubmitToOwnQueuesAndDefinitions${part}`,
        actions: ['batch:SubmitJob'],
        resources: submitTargets.slice(start, start + SUBMIT_TARGETS_PER_STATEMENT),
      }),
    );
  }
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'IdempotencyRecords',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resources: [idempotencyTable.tableArn],
    }),
  );
  // A keyed submission looks for the job an earlier attempt may have started (by name, then by tag), and tags its
  // job on creation; ListJobs and DescribeJobs, like DescribeJobDefinitions, take no resource.
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'FindLatestRevisionAndEarlierAttempts',
      actions: ['batch:DescribeJobDefinitions', 'batch:ListJobs', 'batch:DescribeJobs'],
      resources: ['*'],
    }),
  );
  const submittedJobs = stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'TagOnSubmit', actions: ['batch:TagResource'], resources: [submittedJobs] }));
  acknowledgeWildcard(rolePolicy(fn), { resource: submittedJobs }, 'a keyed submission tags its job at creation, and job ids are assigned by AWS Batch then; job/* is the narrowest resource');
  for (const definition of definitions) {
    acknowledgeWildcard(
      rolePolicy(fn),
      { resource: stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${definition.physicalName}:*` }) },
      'a request may pin any revision of its job definition, and revisions are numbered by AWS Batch at registration',
    );
  }
  acknowledgeWildcard(rolePolicy(fn), { resource: '*' }, 'batch:DescribeJobDefinitions, batch:ListJobs and batch:DescribeJobs have no resource type: IAM accepts only "*"');
}

/** logs and terminate find a job's stream and status, and check its platform tag, with DescribeJobs. */
function describeJobs(fn: lambda.Function): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs'], resources: ['*'] }));
  acknowledgeWildcard(rolePolicy(fn), { resource: '*' }, 'batch:DescribeJobs has no resource type: IAM accepts only "*"');
}

/** The policy `addToRolePolicy` wrote to, where the function's findings are acknowledged. */
function rolePolicy(fn: lambda.IFunction): IConstruct {
  return fn.role!.node.findChild('DefaultPolicy');
}
