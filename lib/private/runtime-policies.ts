import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { PLATFORM_TAG } from '../model/config';
import { S3Uri } from '../model/s3-uri';
import { acknowledgeWildcard } from './acknowledge';
import type { Operation } from '../model/operations';

/** What a runtime function's policy is written from: the platform's resources, as ARNs and names. */
export interface PolicyContext {
  /** The function whose role the statements go to. */
  readonly fn: lambda.Function;
  /** The ARNs of the queues submit may use. */
  readonly jobQueueArns: readonly string[];
  /** The job definitions' names in AWS Batch. */
  readonly jobDefinitionNames: readonly string[];
  /** The `within` prefixes of every S3 input that must exist. */
  readonly declaredInputs: readonly S3Uri[];
  /** The log group the job definitions write to. */
  readonly jobLogGroupName: string;
  readonly idempotencyTableArn: string;
  /** The value of the `pendant:platform` tag on the platform's jobs. */
  readonly platformId: string;
}

/**
 * Job queue and definition ARNs per `batch:SubmitJob` statement: about 2 KB, so that CDK can pack the statements of
 * hundreds of definitions into the role's 10 KB inline policy and 6 KB overflow managed policies.
 */
const SUBMIT_TARGETS_PER_STATEMENT = 10;

/**
 * The least privilege of each runtime function, beyond writing its own log group: one function per operation, so a
 * new operation adds its policy here and the compiler asks for it.
 */
export const RUNTIME_POLICIES: Readonly<Record<Operation, (context: PolicyContext) => void>> = {
  validate: readDeclaredInputs,
  submit: (context) => {
    readDeclaredInputs(context);
    const definitionArns = submitToOwnQueuesAndDefinitions(context);
    recordAndFindSubmissions(context, definitionArns);
  },
  // Status lists an array parent's children page by page (ListJobs by arrayJobId) besides describing jobs.
  status: ({ fn }) => {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs', 'batch:ListJobs'], resources: ['*'] }));
    acknowledgeWildcard(rolePolicy(fn), { resource: '*' }, 'batch:DescribeJobs and batch:ListJobs have no resource type: IAM accepts only "*"');
  },
  logs: ({ fn, jobLogGroupName }) => {
    describeJobs(fn);
    const stack = Stack.of(fn);
    const jobStreams = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${jobLogGroupName}:log-stream:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadJobLogs', actions: ['logs:GetLogEvents'], resources: [jobStreams] }));
    acknowledgeWildcard(rolePolicy(fn), { resource: jobStreams }, "AWS Batch names each job's log stream when it starts; the job log group is the narrowest resource known at deploy time");
  },
  terminate: ({ fn, platformId }) => {
    describeJobs(fn);
    const jobs = Stack.of(fn).formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
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
  // A definition configured by name only is described at its latest ACTIVE revision, which only Batch knows.
  describe: ({ fn }) => {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'FindLatestRevision', actions: ['batch:DescribeJobDefinitions'], resources: ['*'] }));
    acknowledgeWildcard(rolePolicy(fn), { resource: '*' }, 'batch:DescribeJobDefinitions has no resource type: IAM accepts only "*"');
  },
};

/**
 * HeadObject (s3:GetObject) under the prefixes the parameters declare, and s3:ListBucket on their buckets so that a
 * missing object answers 404 rather than 403: what validate and submit check a request's inputs with.
 */
function readDeclaredInputs({ fn, declaredInputs }: PolicyContext): void {
  if (declaredInputs.length === 0) return;
  const partition = Stack.of(fn).partition;
  const objects = declaredInputs.map((uri) => `arn:${partition}:s3:::${uri.bucket}/${uri.key}*`);
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadDeclaredInputs', actions: ['s3:GetObject'], resources: objects }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'TellMissingFromForbidden',
      actions: ['s3:ListBucket'],
      resources: [...new Set(declaredInputs.map((uri) => `arn:${partition}:s3:::${uri.bucket}`))],
    }),
  );
  for (const object of objects) {
    acknowledgeWildcard(rolePolicy(fn), { resource: object }, 'the objects a job reads are named at run time; the prefix is what its parameter declares with "within"');
  }
}

/**
 * SubmitJob on the platform's queues and on every revision of its definitions. IAM caps a managed policy at 6,144
 * characters and CDK moves whole statements, never parts of one, into the overflow policies of a large role: hundreds
 * of definitions in a single statement could never deploy.
 */
function submitToOwnQueuesAndDefinitions({ fn, jobQueueArns, jobDefinitionNames }: PolicyContext): string[] {
  const stack = Stack.of(fn);
  const definitionArns = jobDefinitionNames.map((name) => stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${name}:*` }));
  const targets = [...jobQueueArns, ...definitionArns];
  for (let start = 0; start < targets.length; start += SUBMIT_TARGETS_PER_STATEMENT) {
    const part = start / SUBMIT_TARGETS_PER_STATEMENT + 1;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: part === 1 ? 'SubmitToOwnQueuesAndDefinitions' : `SubmitToOwnQueuesAndDefinitions${part}`,
        actions: ['batch:SubmitJob'],
        resources: targets.slice(start, start + SUBMIT_TARGETS_PER_STATEMENT),
      }),
    );
  }
  return definitionArns;
}

/**
 * The idempotency records, and what a keyed submission looks for: the job an earlier attempt may have started (by
 * name, then by tag), tagged on creation; ListJobs and DescribeJobs, like DescribeJobDefinitions, take no resource.
 */
function recordAndFindSubmissions({ fn, idempotencyTableArn }: PolicyContext, definitionArns: readonly string[]): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'IdempotencyRecords',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resources: [idempotencyTableArn],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'FindLatestRevisionAndEarlierAttempts', actions: ['batch:DescribeJobDefinitions', 'batch:ListJobs', 'batch:DescribeJobs'], resources: ['*'] }),
  );
  const submittedJobs = Stack.of(fn).formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'TagOnSubmit', actions: ['batch:TagResource'], resources: [submittedJobs] }));
  const policy = rolePolicy(fn);
  acknowledgeWildcard(policy, { resource: submittedJobs }, 'a keyed submission tags its job at creation, and job ids are assigned by AWS Batch then; job/* is the narrowest resource');
  for (const definition of definitionArns) {
    acknowledgeWildcard(policy, { resource: definition }, 'a request may pin any revision of its job definition, and revisions are numbered by AWS Batch at registration');
  }
  acknowledgeWildcard(policy, { resource: '*' }, 'batch:DescribeJobDefinitions, batch:ListJobs and batch:DescribeJobs have no resource type: IAM accepts only "*"');
}

function describeJobs(fn: lambda.Function): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs'], resources: ['*'] }));
  acknowledgeWildcard(rolePolicy(fn), { resource: '*' }, 'batch:DescribeJobs has no resource type: IAM accepts only "*"');
}

/** The policy `addToRolePolicy` wrote to, where the function's findings are acknowledged. */
function rolePolicy(fn: lambda.IFunction): IConstruct {
  return fn.role!.node.findChild('DefaultPolicy');
}
