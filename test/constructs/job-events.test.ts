import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BatchPlatform, ComputeKind, JobEvents } from '../../lib';
import { ENV } from '../../lib/model/config';
import { JOB_EVENTS_TABLE_KEYS } from '../../lib/model/job-events';
import { expectValidationError, logicalId, newStack, roleStatements } from './helpers';
import { NAG_PACKS, nagFindingsUnder } from '../support/nag';

jest.setTimeout(60_000);

function synth(retention?: Duration): { stack: Stack; platform: BatchPlatform; events: JobEvents; template: Template } {
  const stack = newStack();
  const platform = new BatchPlatform(stack, 'Platform', {
    jobQueues: [
      { id: 'FargateQueue', compute: [ComputeKind.FARGATE] },
      { id: 'SpotQueue', compute: [ComputeKind.EC2_SPOT] },
    ],
  });
  const events = new JobEvents(stack, 'JobEvents', { platform, ...(retention && { retention }) });
  return { stack, platform, events, template: Template.fromStack(stack) };
}

describe('JobEvents', () => {
  const { stack, platform, events, template } = synth();

  it('makes a table keyed by job id and entry, with a TTL, on demand, encrypted, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: JOB_EVENTS_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: JOB_EVENTS_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: JOB_EVENTS_TABLE_KEYS.timeToLive, Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  // AWS Batch User Guide, "Job state change events": source aws.batch, detail-type "Batch Job State Change", and
  // detail.jobQueue is the queue's ARN.
  it("matches Batch job state changes of the platform's queues, by queue ARN, and targets the recorder with a dead-letter queue", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.batch'],
        'detail-type': ['Batch Job State Change'],
        detail: { jobQueue: platform.jobQueues.map((queue) => stack.resolve(queue.jobQueueArn)) },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(events.recorderFunction), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(events.deadLetterQueue), 'Arn'] } },
        }),
      ],
    });
  });

  it("configures the recorder with the table (and the recorder's default retention), and a dead-letter queue of its own", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.JOB_EVENTS_TABLE]: { Ref: logicalId(events.table) },
          [ENV.JOB_EVENTS_RETENTION_SECONDS]: Match.absent(),
        }),
      },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [logicalId(events.deadLetterQueue), 'Arn'] } },
      ReservedConcurrentExecutions: 10,
    });
  });

  it('lets the recorder only put items into the table', () => {
    const statements = roleStatements(template, logicalId(events.recorderFunction.role!));
    expect(statements.find((statement) => statement.Sid === 'RecordTransitions')).toEqual(
      expect.objectContaining({ Action: 'dynamodb:PutItem', Resource: { 'Fn::GetAtt': [logicalId(events.table), 'Arn'] } }),
    );
  });

  it('points the status function at the table and lets it read items and history', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      Description: 'pendant: report the status of AWS Batch jobs',
      Environment: { Variables: Match.objectLike({ [ENV.JOB_EVENTS_TABLE]: { Ref: logicalId(events.table) } }) },
    });
    const statements = roleStatements(template, logicalId(platform.statusFunction.role!));
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: ['dynamodb:BatchGetItem', 'dynamodb:Query'], Resource: { 'Fn::GetAtt': [logicalId(events.table), 'Arn'] } }),
    );
  });

  it('encrypts the recorder log group with the platform key, which lets CloudWatch Logs use it for that group', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['/pendant/', { Ref: 'AWS::StackName' }, '/Platform/job-events-recorder']] },
      KmsKeyId: { 'Fn::GetAtt': [logicalId(platform.logKey), 'Arn'] },
    });
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
    const statement = key.Properties.KeyPolicy.Statement.find((candidate: { Sid?: string }) => candidate.Sid === 'CloudWatchLogsOfJobEventsRecorder');
    expect(JSON.stringify(statement.Condition.ArnEquals)).toContain('/Platform/job-events-recorder');
  });

  it('enforces TLS on the dead-letter queue and encrypts it', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 60 * 60 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it.each(NAG_PACKS)('draws no %s finding on what it makes', (_name, pack) => {
    expect(nagFindingsUnder(stack, pack(), '/JobEvents/')).toEqual([]);
  });

  it('keeps transitions as long as asked', () => {
    const { template: kept, events: other } = synth(Duration.days(90));
    kept.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.JOB_EVENTS_TABLE]: { Ref: logicalId(other.table) }, [ENV.JOB_EVENTS_RETENTION_SECONDS]: String(90 * 86_400) }) },
    });
  });

  it('throws when the retention is shorter than a day or longer than a year', () => {
    expectValidationError(() => synth(Duration.hours(2)), 'job events Test/JobEvents: retention is refused by the recorder', 'from 86400 to 31622400');
    expectValidationError(() => synth(Duration.days(400)), 'retention is refused by the recorder');
  });
});
