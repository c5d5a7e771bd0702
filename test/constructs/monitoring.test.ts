
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BatchPlatform, ComputeKind, JobEvents, PlatformMonitoring, PlatformMonitoringProps } from '../../lib';
import { logicalId, newStack } from './helpers';
import { NAG_PACKS, nagFindingsUnder } from '../support/nag';
import { OPERATION_NAMES } from '../../lib/model/operations';

jest.setTimeout(60_000);

function synth(options: Omit<PlatformMonitoringProps, 'platform' | 'jobEvents'> & { jobEvents?: boolean } = {}) {
  const stack = newStack();
  const platform = new BatchPlatform(stack, 'Platform', {
    jobQueues: [
      { id: 'FargateQueue', compute: [ComputeKind.FARGATE] },
      { id: 'SpotQueue', compute: [ComputeKind.EC2_SPOT] },
    ],
  });
  const { jobEvents: withEvents = true, ...rest } = options;
  const jobEvents = withEvents ? new JobEvents(stack, 'JobEvents', { platform }) : undefined;
  const monitoring = new PlatformMonitoring(stack, 'Monitoring', { platform, ...(jobEvents && { jobEvents }), ...rest });
  return { stack, platform, jobEvents, monitoring, template: Template.fromStack(stack) };
}

describe('PlatformMonitoring', () => {
  const { stack, platform, monitoring, template } = synth();
  const queueArns = platform.jobQueues.map((queue) => stack.resolve(queue.jobQueueArn));

  // AWS Batch User Guide, "Job state change events" and "Automated job retries": an attempt that fails with
  // attempts left sends the job back to RUNNABLE; FAILED is sent once, when the job is done.
  it("publishes FAILED job state changes of the platform's queues to the topic, with the reason and the log location", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.batch'], 'detail-type': ['Batch Job State Change'], detail: { jobQueue: queueArns, status: ['FAILED'] } },
      Targets: [
        Match.objectLike({
          Arn: { Ref: logicalId(monitoring.topic!) },
          InputTransformer: Match.objectLike({
            InputPathsMap: Match.objectLike({
              'detail-jobId': '$.detail.jobId',
              'detail-statusReason': '$.detail.statusReason',
              'detail-container-logStreamName': '$.detail.container.logStreamName',
              'detail-container-exitCode': '$.detail.container.exitCode',
            }),
          }),
        }),
      ],
    });
    const [rule] = Object.values(template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { detail: { status: ['FAILED'] } } } }));
    const message = JSON.stringify(rule.Properties.Targets[0].InputTransformer.InputTemplate).replace(/\\"/g, '"');
    for (const field of ['"statusReason":<detail-statusReason>', '"logStreamName":<detail-container-logStreamName>', 'logGroupConsoleUrl', '$252F']) {
      expect(message).toContain(field);
    }
  });

  // AWS Batch User Guide, "Job queue blocked events": detail-type "Batch Job Queue Blocked", detail.jobQueue the ARN.
  it("publishes jobs that block one of the platform's queues in RUNNABLE", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.batch'], 'detail-type': ['Batch Job Queue Blocked'], detail: { jobQueue: queueArns } },
      Targets: [Match.objectLike({ Arn: { Ref: logicalId(monitoring.topic!) } })],
    });
  });

  // Amazon SNS Developer Guide, "Enable compatibility between event sources from AWS services and encrypted topics":
  // EventBridge and CloudWatch need kms:Decrypt and kms:GenerateDataKey* on the topic's customer managed key.
  it('encrypts the topic with a key EventBridge and CloudWatch may use, and refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'PublishFromEventBridgeAndAlarms',
            Principal: { Service: ['events.amazonaws.com', 'cloudwatch.amazonaws.com'] },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('alarms on failed and blocked jobs, and on each function (the recorder too) for errors, throttles and duration, notifying the topic', () => {
    // 2 job alarms + (the runtime functions and the recorder) x 3.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2 + (OPERATION_NAMES.length + 1) * 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'TriggeredRules',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: logicalId(monitoring.failedJobsRule) } }],
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalId(monitoring.topic!) }],
    });
    // The status function's timeout is 60 s: the alarm goes off at 80 % of it.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Statistic: 'Maximum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(platform.statusFunction) } }],
      Threshold: 48_000,
    });
    for (const metricName of ['Errors', 'Throttles']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(platform.submitFunction) } }] });
    }
  });

  it("draws jobs by state per queue from the recorder's metric, failures, and function health on a dashboard", () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('Jobs entering each state: FargateQueue');
    expect(body).toContain('Jobs entering each state: SpotQueue');
    expect(body).toContain('JobTransitions');
    expect(body).toContain('Failed and blocked jobs');
    for (const title of ['Invocations', 'Errors', 'Throttles', 'Duration (p99)']) expect(body).toContain(title);
  });

  it.each(NAG_PACKS)('draws no %s finding on what it makes', (_name, pack) => {
    expect(nagFindingsUnder(stack, pack(), '/Monitoring/')).toEqual([]);
  });

  describe('each part is optional', () => {
    it('makes no topic, alarm or dashboard when turned off, and keeps the rules', () => {
      const { template: bare, monitoring: off } = synth({ notifications: false, alarms: false, dashboard: false, jobEvents: false });
      expect(off.topic).toBeUndefined();
      bare.resourceCountIs('AWS::SNS::Topic', 0);
      bare.resourceCountIs('AWS::CloudWatch::Alarm', 0);
      bare.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
      bare.resourceCountIs('AWS::Events::Rule', 2);
    });

    it('shows no jobs-by-state widgets without JobEvents', () => {
      const { template: without } = synth({ jobEvents: false });
      const [dashboard] = Object.values(without.findResources('AWS::CloudWatch::Dashboard'));
      expect(JSON.stringify(dashboard.Properties.DashboardBody)).not.toContain('JobTransitions');
      without.resourceCountIs('AWS::CloudWatch::Alarm', 2 + OPERATION_NAMES.length * 3);
    });
  });
});

