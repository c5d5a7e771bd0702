import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Aws, Duration, Fn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { JobEvents } from './job-events';
import { BATCH_EVENT_SOURCE, JOB_STATE_CHANGE_DETAIL_TYPE } from './model/job-state-change';
import { JOB_STATUSES } from './model/job-status';
import { JOB_TRANSITIONS_METRIC } from './model/job-events';
import { OPERATION_NAMES } from './model/operations';
import { BatchPlatform } from './platform';

/** EventBridge `detail-type` of a job that blocks its queue in RUNNABLE (AWS Batch User Guide, "Job queue blocked events"). */
export const JOB_QUEUE_BLOCKED_DETAIL_TYPE = 'Batch Job Queue Blocked';

export interface PlatformMonitoringProps {
  /** The platform watched: its queues' jobs and its runtime functions. */
  readonly platform: BatchPlatform;
  /**
   * The platform's job timeline: with it, the dashboard shows jobs by state per queue (the recorder's
   * `JobTransitions` metric) and the recorder's health.
   * @default - no jobs-by-state widgets
   */
  readonly jobEvents?: JobEvents;
  /**
   * Publish each failed job, and each job that blocks a queue in RUNNABLE, to an SNS topic; the alarms notify it too.
   * @default true
   */
  readonly notifications?: boolean;
  /**
   * Alarms on failed jobs, jobs stuck in RUNNABLE, and the runtime functions' errors, throttles and duration.
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * A CloudWatch dashboard of the platform: jobs by state per queue, failures, function health.
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * How long a function may run, as a share of its timeout, before its duration alarm goes off.
   * @default 0.8
   */
  readonly durationAlarmRatio?: number;
}

/**
 * Notifications, alarms and a dashboard for a platform, each optional, on aws-cdk-lib's L2 constructs:
 *
 * - failed jobs (FAILED is final: Batch sends it once a job has no attempt left) and jobs blocking a queue in
 *   RUNNABLE are published to an SNS topic encrypted with a key of its own, with the status reason and the job's log
 *   location (group, console link to the group, stream);
 * - alarms on failed jobs, on jobs blocking a queue in RUNNABLE (they stay there until the queue's time limit cancels
 *   them), and on each runtime function's errors, throttles and duration;
 * - a dashboard: jobs by state per queue (with `jobEvents`), failures and blocked jobs, function health.
 *
 * @exampleMetadata fixture=construct
 * @example
 * new PlatformMonitoring(this, 'Monitoring', { platform, jobEvents });
 */
export class PlatformMonitoring extends Construct {
  /** Failed jobs of the platform's queues. */
  public readonly failedJobsRule: events.Rule;
  /** Jobs that block one of the platform's queues in RUNNABLE. */
  public readonly blockedJobsRule: events.Rule;
  /** Where failures and alarms are published; undefined with `notifications: false`. */
  public readonly topic?: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard?: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: PlatformMonitoringProps) {
    super(scope, id);
    const { platform } = props;
    const queues = platform.jobQueues.map((queue) => queue.jobQueueArn);

    if (props.notifications ?? true) {
      const key = new kms.Key(this, 'TopicKey', { enableKeyRotation: true, description: `pendant ${platform.node.path}: job notifications` });
      // EventBridge and CloudWatch alarms publish to an encrypted topic only with the key's permission (Amazon SNS
      // Developer Guide, "Enable compatibility between event sources from AWS services and encrypted topics").
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'PublishFromEventBridgeAndAlarms',
          principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
      );
      this.topic = new sns.Topic(this, 'Topic', { masterKey: key, enforceSSL: true, displayName: 'pendant job notifications' });
    }

    const jobLogs = {
      region: events.EventField.fromPath('$.region'),
      logGroupName: platform.jobLogGroup.logGroupName,
      logStreamName: events.EventField.fromPath('$.detail.container.logStreamName'),
      // The CloudWatch console's address of the job log group: its name with each "/" written "$252F".
      logGroupConsoleUrl: Fn.join('', [
        `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#logsV2:log-groups/log-group/`,
        Fn.join('$252F', Fn.split('/', platform.jobLogGroup.logGroupName)),
      ]),
    };
    const jobFields = {
      jobId: events.EventField.fromPath('$.detail.jobId'),
      jobName: events.EventField.fromPath('$.detail.jobName'),
      jobQueue: events.EventField.fromPath('$.detail.jobQueue'),
      time: events.EventField.fromPath('$.time'),
      statusReason: events.EventField.fromPath('$.detail.statusReason'),
    };
    this.failedJobsRule = new events.Rule(this, 'FailedJobs', {
      description: `pendant ${platform.node.path}: jobs of the platform's queues that failed after their last attempt`,
      eventPattern: { source: [BATCH_EVENT_SOURCE], detailType: [JOB_STATE_CHANGE_DETAIL_TYPE], detail: { jobQueue: queues, status: ['FAILED'] } },
      ...(this.topic && {
        targets: [
          new targets.SnsTopic(this.topic, {
            message: events.RuleTargetInput.fromObject({
              event: 'job failed',
              ...jobFields,
              exitCode: events.EventField.fromPath('$.detail.container.exitCode'),
              logs: jobLogs,
            }),
          }),
        ],
      }),
    });
    this.blockedJobsRule = new events.Rule(this, 'BlockedJobs', {
      description: `pendant ${platform.node.path}: jobs that block one of the platform's queues in RUNNABLE`,
      eventPattern: { source: [BATCH_EVENT_SOURCE], detailType: [JOB_QUEUE_BLOCKED_DETAIL_TYPE], detail: { jobQueue: queues } },
      ...(this.topic && {
        targets: [new targets.SnsTopic(this.topic, { message: events.RuleTargetInput.fromObject({ event: 'job blocks its queue in RUNNABLE', ...jobFields }) })],
      }),
    });

    const failed = ruleMatches(this.failedJobsRule, 'Failed jobs');
    const blocked = ruleMatches(this.blockedJobsRule, 'Jobs blocking a queue');
    const functions: Array<[string, lambda.IFunction]> = [
      ...OPERATION_NAMES.map((operation) => [operation, platform.functionFor(operation)] as [string, lambda.IFunction]),
      ...(props.jobEvents ? [['record', props.jobEvents.recorderFunction] as [string, lambda.IFunction]] : []),
    ];

    if (props.alarms ?? true) {
      const ratio = props.durationAlarmRatio ?? 0.8;
      const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
        const made = new cloudwatch.Alarm(this, alarmId, {
          metric,
          threshold,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          // EventBridge and Lambda send these metrics only when they are not zero: no data is no failure.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: description,
        });
        if (this.topic) {
          made.addAlarmAction(new actions.SnsAction(this.topic));
          made.addOkAction(new actions.SnsAction(this.topic));
        }
        this.alarms.push(made);
      };
      alarm('FailedJobsAlarm', ruleMatches(this.failedJobsRule), 1, `pendant ${platform.node.path}: a job of the platform's queues failed after its last attempt`);
      alarm('BlockedJobsAlarm', ruleMatches(this.blockedJobsRule), 1, `pendant ${platform.node.path}: a job blocks a queue in RUNNABLE (it is cancelled once the queue's time limit passes)`);
      for (const [operation, fn] of functions) {
        const name = operation[0].toUpperCase() + operation.slice(1);
        alarm(`${name}ErrorsAlarm`, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), 1, `pendant ${platform.node.path}: the ${operation} function failed`);
        alarm(`${name}ThrottlesAlarm`, fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }), 1, `pendant ${platform.node.path}: the ${operation} function was throttled at its reserved concurrency`);
        // A function the platform imported (fromFunctionArns) has no timeout this app knows: no duration alarm for it.
        if (!(fn instanceof lambda.Function)) continue;
        const timeout = fn.timeout ?? Duration.seconds(3);
        alarm(
          `${name}DurationAlarm`,
          fn.metricDuration({ period: Duration.minutes(5), statistic: 'Maximum' }),
          Math.round(timeout.toMilliseconds() * ratio),
          `pendant ${platform.node.path}: the ${operation} function ran for ${Math.round(ratio * 100)} % of its ${timeout.toHumanString()} timeout`,
        );
      }
    }

    if (props.dashboard ?? true) {
      const widgets: cloudwatch.IWidget[][] = [];
      if (props.jobEvents) {
        widgets.push(
          platform.jobQueues.map(
            (queue) =>
              new cloudwatch.GraphWidget({
                title: `Jobs entering each state: ${queue.node.id}`,
                width: Math.max(6, Math.floor(24 / platform.jobQueues.length)),
                stacked: false,
                left: JOB_STATUSES.map(
                  (status) =>
                    new cloudwatch.Metric({
                      namespace: JOB_TRANSITIONS_METRIC.namespace,
                      metricName: JOB_TRANSITIONS_METRIC.metricName,
                      dimensionsMap: { [JOB_TRANSITIONS_METRIC.dimensions.jobQueue]: queue.jobQueueName, [JOB_TRANSITIONS_METRIC.dimensions.status]: status },
                      statistic: 'Sum',
                      period: Duration.minutes(5),
                      label: status,
                    }),
                ),
              }),
          ),
        );
      }
      widgets.push([new cloudwatch.GraphWidget({ title: 'Failed and blocked jobs', width: 24, left: [failed, blocked] })]);
      const perFunction = (title: string, metric: (fn: lambda.IFunction, label: string) => cloudwatch.IMetric) =>
        new cloudwatch.GraphWidget({ title, width: 6, left: functions.map(([operation, fn]) => metric(fn, operation)) });
      widgets.push([
        perFunction('Invocations', (fn, label) => fn.metricInvocations({ label, statistic: 'Sum' })),
        perFunction('Errors', (fn, label) => fn.metricErrors({ label, statistic: 'Sum' })),
        perFunction('Throttles', (fn, label) => fn.metricThrottles({ label, statistic: 'Sum' })),
        perFunction('Duration (p99)', (fn, label) => fn.metricDuration({ label, statistic: 'p99' })),
      ]);
      this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { widgets, defaultInterval: Duration.hours(6) });
    }
  }
}

/** How many events a rule matched (EventBridge's `TriggeredRules` per rule, on the default bus). */
function ruleMatches(rule: events.Rule, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName: 'TriggeredRules',
    dimensionsMap: { RuleName: rule.ruleName },
    statistic: 'Sum',
    period: Duration.minutes(5),
    // A label would make an alarm's metric a math expression: only the dashboard's lines carry one.
    ...(label !== undefined && { label }),
  });
}
