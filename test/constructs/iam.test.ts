// Least privilege, read from the synthesized policies: every statement of every runtime function role, and the
// absence anywhere in the stack of wildcard actions and AWS-managed policies.
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BatchPlatform, ComputeKind, JobPlatform, Parameter } from '../../lib';
import { PLATFORM_TAG } from '../../lib/model/config';
import {
  actionsOf,
  asArray,
  functionStatements,
  IMAGE,
  logicalId,
  newStack,
  resourcesFor,
  roleStatements,
  sortedJson,
  Statement,
} from './helpers';

jest.setTimeout(60_000);

/** An ARN in the stack's partition, region and account, as CloudFormation renders `Stack.formatArn`. */
const regionalArn = (service: string, resource: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:`, { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]],
});
const s3Arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${resource}`]] });

/** A platform with a Fargate and an EC2 queue, and three definitions whose S3 parameters differ in what must be read. */
function platformStack(): { platform: BatchPlatform; template: Template } {
  const stack = newStack();
  const platform = new BatchPlatform(stack, 'Platform', {
    jobQueues: [
      { id: 'FargateQueue', compute: [ComputeKind.FARGATE_SPOT, ComputeKind.FARGATE] },
      { id: 'Ec2Queue', compute: [ComputeKind.EC2_SPOT, ComputeKind.EC2] },
    ],
    jobDefinitions: [
      {
        name: 'alpha',
        image: IMAGE,
        command: ['cat', 'Ref::input'],
        parameters: { input: Parameter.s3Object({ mustExist: true, within: ['s3://my-inputs/in/', 's3://shared-data/refs/'] }) },
      },
      {
        name: 'beta',
        image: IMAGE,
        command: ['copy', 'Ref::source', 'Ref::destination', 'Ref::hint'],
        parameters: {
          // The same prefix as alpha's: granted once.
          source: Parameter.s3Object({ mustExist: true, within: ['s3://my-inputs/in/'] }),
          // Never read by the functions: a prefix, and an object that need not exist.
          destination: Parameter.s3Prefix({ within: ['s3://my-outputs/'] }),
          hint: Parameter.s3Object({ within: ['s3://hints-bucket/'], default: 's3://hints-bucket/none' }),
        },
      },
      { name: 'gamma', image: IMAGE, platform: JobPlatform.EC2, command: ['run', 'Ref::threads'], parameters: { threads: Parameter.integer() } },
    ],
  });
  return { platform, template: Template.fromStack(stack) };
}

describe('IAM', () => {
  const { platform, template } = platformStack();
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const functions = {
    validate: platform.validateFunction,
    submit: platform.submitFunction,
    status: platform.statusFunction,
    logs: platform.logsFunction,
    terminate: platform.terminateFunction,
  };
  const statementsOf = (operation: keyof typeof functions): Statement[] => functionStatements(template, logicalId(functions[operation]));
  const everyStatement: Statement[] = Object.values(resources).flatMap((resource) => {
    if (resource.Type === 'AWS::IAM::Role') {
      return asArray(resource.Properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>).flatMap((policy) => policy.PolicyDocument.Statement);
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      return (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    }
    return [];
  });
  const jobDefinitionArn = (name: string) => regionalArn('batch', `job-definition/${name}:*`);

  describe('each runtime function', () => {
    it.each([
      ['validate', ['logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket']],
      [
        'submit',
        [
          'batch:DescribeJobDefinitions',
          'batch:DescribeJobs',
          'batch:ListJobs',
          'batch:SubmitJob',
          'batch:TagResource',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          's3:GetObject',
          's3:ListBucket',
        ],
      ],
      // status lists an array's children: ListJobs by arrayJobId.
      ['status', ['batch:DescribeJobs', 'batch:ListJobs', 'logs:CreateLogStream', 'logs:PutLogEvents']],
      ['logs', ['batch:DescribeJobs', 'logs:CreateLogStream', 'logs:GetLogEvents', 'logs:PutLogEvents']],
      ['terminate', ['batch:DescribeJobs', 'batch:TerminateJob', 'logs:CreateLogStream', 'logs:PutLogEvents']],
    ] as const)('%s may do exactly its own actions', (operation, actions) => {
      expect(actionsOf(statementsOf(operation))).toEqual([...actions].sort());
    });

    it.each(Object.keys(functions) as Array<keyof typeof functions>)('%s allows only, and never with NotAction or NotResource', (operation) => {
      for (const statement of statementsOf(operation)) {
        expect(statement.Effect).toBe('Allow');
        expect(Object.keys(statement).sort()).toEqual(expect.arrayContaining(['Action', 'Effect', 'Resource']));
        expect(statement).not.toHaveProperty('NotAction');
        expect(statement).not.toHaveProperty('NotResource');
        // The one condition: terminate's TerminateJob is held to the platform's tag (below).
        if (!(operation === 'terminate' && statement.Action === 'batch:TerminateJob')) expect(statement).not.toHaveProperty('Condition');
      }
    });

    // AWS Service Authorization Reference, "Actions, resources, and condition keys for AWS Batch", and the Batch
    // User Guide, "Supported resource-level permissions for AWS Batch API actions": TerminateJob (like CancelJob)
    // takes the job resource, arn:<partition>:batch:<region>:<account>:job/<jobId>, whose condition keys include
    // aws:ResourceTag/${TagKey}. So IAM itself refuses to stop a job that does not carry the platform's tag.
    it("lets terminate stop only jobs tagged with the platform's id, and never cancel one", () => {
      const stop = statementsOf('terminate').filter((statement) => asArray(statement.Action).some((action) => String(action).startsWith('batch:') && action !== 'batch:DescribeJobs'));
      expect(stop).toEqual([
        expect.objectContaining({
          Action: 'batch:TerminateJob',
          Resource: regionalArn('batch', 'job/*'),
          Condition: { StringEquals: { [`aws:ResourceTag/${PLATFORM_TAG}`]: platform.runtime.platformId } },
        }),
      ]);
      expect(everyStatement.flatMap((statement) => asArray(statement.Action))).not.toContain('batch:CancelJob');
    });

    it.each(Object.keys(functions) as Array<keyof typeof functions>)('%s writes logs only to its own log group', (operation) => {
      const own = { 'Fn::GetAtt': [logicalId((functions[operation] as lambda.Function).logGroup), 'Arn'] };
      expect(resourcesFor(statementsOf(operation), 'logs:CreateLogStream')).toEqual([own]);
      expect(resourcesFor(statementsOf(operation), 'logs:PutLogEvents')).toEqual([own]);
    });

    it.each(Object.keys(functions) as Array<keyof typeof functions>)('%s runs as a role with no managed policies', (operation) => {
      const role = resources[logicalId(functions[operation].role!)];
      expect(role.Type).toBe('AWS::IAM::Role');
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    });
  });

  describe('submit', () => {
    it('may submit only to its queues and its definitions, at any revision', () => {
      const queues = platform.jobQueues.map((queue) => ({ 'Fn::GetAtt': [logicalId(queue.jobQueue), 'JobQueueArn'] }));
      const expected = [...queues, ...['alpha', 'beta', 'gamma'].map((name) => jobDefinitionArn(platform.jobDefinition(name).physicalName))];
      expect(sortedJson(resourcesFor(statementsOf('submit'), 'batch:SubmitJob'))).toEqual(sortedJson(expected));
    });

    it('may read and write only the records of its own idempotency table', () => {
      const table = { 'Fn::GetAtt': [logicalId(platform.runtime.idempotencyTable), 'Arn'] };
      for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
        expect(resourcesFor(statementsOf('submit'), action)).toEqual([table]);
      }
    });

    it('is the only function that may touch the idempotency table', () => {
      for (const operation of ['validate', 'status', 'logs', 'terminate'] as const) {
        expect(actionsOf(statementsOf(operation)).filter((action) => action.startsWith('dynamodb:'))).toEqual([]);
      }
    });

    it('may tag only the jobs it submits, of its own account and region', () => {
      expect(resourcesFor(statementsOf('submit'), 'batch:TagResource')).toEqual([regionalArn('batch', 'job/*')]);
    });

    it('is the only function that may submit', () => {
      for (const operation of ['validate', 'status', 'logs', 'terminate'] as const) {
        expect(resourcesFor(statementsOf(operation), 'batch:SubmitJob')).toEqual([]);
      }
    });
  });

  describe('"*" resources', () => {
    it.each([
      ['validate', []],
      ['submit', ['batch:DescribeJobDefinitions', 'batch:DescribeJobs', 'batch:ListJobs']],
      ['status', ['batch:DescribeJobs', 'batch:ListJobs']],
      ['logs', ['batch:DescribeJobs']],
      ['terminate', ['batch:DescribeJobs']],
    ] as const)('%s has "*" only for the actions IAM scopes no further', (operation, actions) => {
      const wildcard = statementsOf(operation).filter((statement) => asArray(statement.Resource).includes('*'));
      expect(actionsOf(wildcard)).toEqual(actions);
      for (const statement of wildcard) expect(statement.Resource).toBe('*');
    });
  });

  describe('terminate', () => {
    it('may terminate jobs of its account and region only', () => {
      const statements = statementsOf('terminate');
      expect(resourcesFor(statements, 'batch:TerminateJob')).toEqual([regionalArn('batch', 'job/*')]);
    });

    // AWS Batch API Reference, TerminateJob: it also cancels jobs that have not started, so the function never calls
    // CancelJob (which leaves a started job running) and is not allowed to.
    it('may not call CancelJob, which it never uses', () => {
      expect(resourcesFor(statementsOf('terminate'), 'batch:CancelJob')).toEqual([]);
    });

    // AWS Batch API Reference, TerminateJobs: "There is no separate batch:TerminateJobs IAM action"; the bulk call
    // needs batch:TerminateJob on each job, which job/* grants. An action named batch:TerminateJobs would be refused.
    it('stops many jobs under batch:TerminateJob, with no batch:TerminateJobs action', () => {
      expect(resourcesFor(statementsOf('terminate'), 'batch:TerminateJobs')).toEqual([]);
      expect(resourcesFor(statementsOf('terminate'), 'batch:TerminateJob')).toEqual([regionalArn('batch', 'job/*')]);
    });
  });

  describe('logs', () => {
    it("may read only the streams of the platform's job log group", () => {
      const streams = {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:', { Ref: logicalId(platform.jobLogGroup) }, ':log-stream:*'],
        ],
      };
      expect(resourcesFor(statementsOf('logs'), 'logs:GetLogEvents')).toEqual([streams]);
    });

    it('is the only function that may read logs', () => {
      const readActions = /^logs:(Get|Filter|Describe|StartQuery)/;
      for (const operation of ['validate', 'submit', 'status', 'terminate'] as const) {
        expect(actionsOf(statementsOf(operation)).filter((action) => readActions.test(action))).toEqual([]);
      }
    });
  });

  describe('S3', () => {
    it.each(['validate', 'submit'] as const)('%s may read objects only under the declared must-exist prefixes', (operation) => {
      expect(sortedJson(resourcesFor(statementsOf(operation), 's3:GetObject'))).toEqual(sortedJson([s3Arn('my-inputs/in/*'), s3Arn('shared-data/refs/*')]));
    });

    it.each(['validate', 'submit'] as const)('%s may list only the buckets of those prefixes', (operation) => {
      expect(sortedJson(resourcesFor(statementsOf(operation), 's3:ListBucket'))).toEqual(sortedJson([s3Arn('my-inputs'), s3Arn('shared-data')]));
    });

    it('grants the functions nothing on locations of prefixes or of objects that need not exist', () => {
      const text = JSON.stringify((Object.keys(functions) as Array<keyof typeof functions>).flatMap(statementsOf));
      expect(text).not.toContain('my-outputs');
      expect(text).not.toContain('hints-bucket');
    });

    // The job role, not the functions' roles, is what the container reads its inputs and writes its outputs with.
    it("gives each definition with S3 parameters a job role of its own that reads and writes what its within declares", () => {
      const alpha = platform.jobDefinition('alpha').jobRole!;
      const beta = platform.jobDefinition('beta').jobRole!;
      expect(platform.jobDefinition('gamma').jobRole).toBeUndefined();
      expect(sortedJson(resourcesFor(roleStatements(template, logicalId(alpha)), 's3:GetObject'))).toEqual(
        sortedJson([s3Arn('my-inputs/in/*'), s3Arn('shared-data/refs/*')]),
      );
      expect(actionsOf(roleStatements(template, logicalId(alpha)))).toEqual(['s3:GetObject']);
      const betaStatements = roleStatements(template, logicalId(beta));
      expect(sortedJson(resourcesFor(betaStatements, 's3:GetObject'))).toEqual(sortedJson([s3Arn('my-inputs/in/*'), s3Arn('my-outputs/*'), s3Arn('hints-bucket/*')]));
      expect(resourcesFor(betaStatements, 's3:PutObject')).toEqual([s3Arn('my-outputs/*')]);
    });

    it.each(['status', 'logs', 'terminate'] as const)('%s has no S3 access', (operation) => {
      expect(actionsOf(statementsOf(operation)).filter((action) => action.startsWith('s3:'))).toEqual([]);
    });

    it('grants the functions no S3 access at all when no parameter must exist', () => {
      const other = newStack();
      const otherPlatform = new BatchPlatform(other, 'Platform', {
        jobQueues: [{ id: 'Queue', compute: [ComputeKind.FARGATE] }],
        jobDefinitions: [{ name: 'plain', image: IMAGE, command: ['cat', 'Ref::input'], parameters: { input: Parameter.s3Object({ within: ['s3://my-inputs/'] }) } }],
      });
      const otherTemplate = Template.fromStack(other);
      const jobRole = logicalId(otherPlatform.jobDefinition('plain').jobRole!);
      const actions = Object.values(otherTemplate.findResources('AWS::IAM::Policy'))
        .filter((policy) => !JSON.stringify(policy.Properties.Roles).includes(jobRole))
        .flatMap((policy) => (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((statement) => asArray(statement.Action)));
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((action) => action.startsWith('s3:'))).toEqual([]);
    });

    it('lets validate and submit read under the within of an s3Objects list that must exist, and its job read there too', () => {
      const other = newStack();
      const otherPlatform = new BatchPlatform(other, 'Platform', {
        jobQueues: [{ id: 'Queue', compute: [ComputeKind.FARGATE] }],
        jobDefinitions: [
          {
            name: 'merge',
            image: IMAGE,
            command: ['merge', 'Ref::parts', 'Ref::ratio'],
            parameters: {
              parts: Parameter.s3Objects({ mustExist: true, within: ['s3://parts-bucket/runs/'] }),
              ratio: Parameter.number({ min: 0, max: 1, default: 0.5 }),
            },
          },
        ],
      });
      const otherTemplate = Template.fromStack(other);
      for (const fn of [otherPlatform.validateFunction, otherPlatform.submitFunction]) {
        const statements = functionStatements(otherTemplate, logicalId(fn));
        expect(resourcesFor(statements, 's3:GetObject')).toEqual([s3Arn('parts-bucket/runs/*')]);
        expect(resourcesFor(statements, 's3:ListBucket')).toEqual([s3Arn('parts-bucket')]);
      }
      const jobRole = logicalId(otherPlatform.jobDefinition('merge').jobRole!);
      expect(resourcesFor(roleStatements(otherTemplate, jobRole), 's3:GetObject')).toEqual([s3Arn('parts-bucket/runs/*')]);
      expect(actionsOf(roleStatements(otherTemplate, jobRole))).toEqual(['s3:GetObject']);
    });
  });

  describe('the whole stack', () => {
    it('reads the policies it asserts on', () => {
      expect(everyStatement.length).toBeGreaterThan(15);
    });

    it('grants no "*" action and no service-wide wildcard such as batch:* or s3:*', () => {
      for (const statement of everyStatement) {
        for (const action of asArray(statement.Action)) {
          expect(action).not.toBe('*');
          expect(action).not.toMatch(/:\*$/);
        }
        expect(statement).not.toHaveProperty('NotAction');
      }
    });

    // AWS Batch User Guide, "Amazon ECS instance role": the documented instance role policy is the one exception.
    it('attaches no managed policy to any role but the ECS instance policy of EC2 instance roles, and defines none', () => {
      const instanceRoles = [ComputeKind.EC2, ComputeKind.EC2_SPOT].map((kind) => logicalId(platform.computeEnvironment(kind).instanceRole!));
      const ecsInstancePolicy = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role']] };
      for (const [id, resource] of Object.entries(resources)) {
        if (resource.Type !== 'AWS::IAM::Role') continue;
        const expected = instanceRoles.includes(id) ? [ecsInstancePolicy] : undefined;
        expect({ id, managed: resource.Properties.ManagedPolicyArns }).toEqual({ id, managed: expected });
      }
      template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    });

    it('lets the shared execution role write only to the job log group', () => {
      const statements = roleStatements(template, logicalId(platform.executionRole));
      expect(actionsOf(statements)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(resourcesFor(statements, 'logs:PutLogEvents')).toEqual([{ 'Fn::GetAtt': [logicalId(platform.jobLogGroup), 'Arn'] }]);
    });

    it('lets EC2 instance roles write job logs, as the awslogs driver on EC2 needs', () => {
      for (const kind of [ComputeKind.EC2, ComputeKind.EC2_SPOT]) {
        const role = platform.computeEnvironment(kind).instanceRole!;
        expect(resourcesFor(roleStatements(template, logicalId(role)), 'logs:PutLogEvents')).toEqual([
          { 'Fn::GetAtt': [logicalId(platform.jobLogGroup), 'Arn'] },
        ]);
      }
    });
  });
});
