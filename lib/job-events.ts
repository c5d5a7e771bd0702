import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BATCH_EVENT_SOURCE, JOB_STATE_CHANGE_DETAIL_TYPE } from './model/job-state-change';
import { ConfigurationError, ValidationError } from './model/errors';
import { encodeConfig, RuntimeConfig } from './model/config';
import { JOB_EVENTS_TABLE_KEYS } from './model/job-events';
import { BatchPlatform } from './platform';
import { acknowledgeComplianceRule, INLINE_POLICY_REASON } from './private/acknowledge';
import { expiringTable } from './private/expiring-table';
import { configureJobEvents } from './model/configuration';
import { handlerCode } from './private/handler-code';

export interface JobEventsProps {
  /** The platform whose queues' job state changes are recorded; its status function then answers from the table. */
  readonly platform: BatchPlatform;
  /**
   * How long a recorded transition is kept (DynamoDB's TTL deletes it after that), one day to a year.
   * @default Duration.days(30)
   */
  readonly retention?: Duration;
}

/**
 * A timeline of every job of a platform: an EventBridge rule on AWS Batch's "Batch Job State Change" events of the
 * platform's queues invokes a small recorder function, which writes each transition (job id, status, time, reason,
 * attempt) and the job's latest detail into a DynamoDB table with a TTL, and counts it in the `pendant`
 * `JobTransitions` metric. The platform's status function answers the jobs the table knows from it, without a
 * DescribeJobs call, and gives a job's `history` on request.
 *
 * A function, not a direct EventBridge-to-DynamoDB path: EventBridge has no DynamoDB target, and the function is what
 * keeps the table right when EventBridge delivers a job's events twice or out of order (it does not promise either).
 *
 * @exampleMetadata fixture=construct
 * @example
 * const platform = new BatchPlatform(this, 'Platform', { jobQueues: [{ id: 'Default', compute: [ComputeKind.FARGATE] }] });
 * new JobEvents(this, 'JobEvents', { platform });
 */
export class JobEvents extends Construct {
  /** One item per transition and one `latest` item per job (layout: `JOB_EVENTS_TABLE_KEYS` of the model). */
  public readonly table: dynamodb.Table;
  /** The rule on the platform's queues' job state change events. */
  public readonly rule: events.Rule;
  public readonly recorderFunction: lambda.Function;
  /** Where events go that could not be recorded, after EventBridge's and Lambda's retries. */
  public readonly deadLetterQueue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: JobEventsProps) {
    super(scope, id);
    const { platform } = props;
    const retentionSeconds = checkRetention(this.node.path, props.retention);
    const stack = Stack.of(this);

    // Every item expires within the retention; Batch's own record of the jobs is the source of truth.
    this.table = expiringTable(this, 'Table', {
      partitionKey: JOB_EVENTS_TABLE_KEYS.partitionKey,
      sortKey: JOB_EVENTS_TABLE_KEYS.sortKey,
      timeToLiveAttribute: JOB_EVENTS_TABLE_KEYS.timeToLive,
      whyNoBackupPlan:
        "the table holds a copy of AWS Batch's job state changes that expires within its retention, and point-in-time recovery is on; a backup plan would keep job records past the retention they were given",
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const logGroupName = `${platform.logGroupNamePrefix}/job-events-recorder`;
    const logGroup = new logs.LogGroup(this, 'RecorderLogGroup', {
      logGroupName,
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: platform.logKey,
    });
    platform.logKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfJobEventsRecorder',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          },
        },
      }),
    );
    const role = new iam.Role(this, 'RecorderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'pendant: records AWS Batch job state changes (JobEvents recorder role)',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'RecordTransitions', actions: ['dynamodb:PutItem'], resources: [this.table.tableArn] }));
    acknowledgeComplianceRule(role, 'IAMNoInlinePolicy', INLINE_POLICY_REASON);

    const configuration = configureJobEvents({ table: this.table.tableName, retentionSeconds });
    this.recorderFunction = new lambda.Function(this, 'Recorder', {
      code: handlerCode('record', configuration.recorder.file),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      description: 'pendant: records AWS Batch job state changes into the job events table',
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...configuration.recorder.environment },
      // EventBridge invokes asynchronously: Lambda holds events while the function is at its cap, so a burst of
      // state changes is recorded a little later rather than taking the account's concurrency.
      reservedConcurrentExecutions: 10,
      deadLetterQueue: this.deadLetterQueue,
    });
    acknowledgeComplianceRule(
      this.recorderFunction,
      'LambdaInsideVPC',
      'the recorder calls only the DynamoDB API over TLS with its role; outside the VPC it holds no network path to the jobs or anything else in it',
    );

    this.rule = new events.Rule(this, 'Rule', {
      description: `pendant ${platform.node.path}: job state changes of the platform's queues, recorded into the job events table`,
      eventPattern: {
        source: [BATCH_EVENT_SOURCE],
        detailType: [JOB_STATE_CHANGE_DETAIL_TYPE],
        detail: { jobQueue: platform.jobQueues.map((queue) => queue.jobQueueArn) },
      },
      targets: [new targets.LambdaFunction(this.recorderFunction, { deadLetterQueue: this.deadLetterQueue })],
    });

    // The status function answers the jobs the table knows from it, and reads their history.
    const statusFunction = platform.runtime.statusFunction;
    if (!(statusFunction instanceof lambda.Function)) {
      throw new ValidationError(`JobEvents: the platform's status function must be one this app defines (it gets the table's name in its environment), not an imported one`);
    }
    for (const [name, value] of Object.entries(configuration.statusEnvironment)) statusFunction.addEnvironment(name, value);
    this.grantRead(statusFunction);
  }

  /** Lets `grantee` read jobs and their history from the table (BatchGetItem, Query): what the status function does. */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:BatchGetItem', 'dynamodb:Query'], resourceArns: [this.table.tableArn] });
  }
}

/** Refuses at synth time a retention the recorder would refuse, read back with the model's own decoder. */
function checkRetention(path: string, retention: Duration | undefined): number | undefined {
  if (retention === undefined || Token.isUnresolved(retention.toSeconds())) return retention?.toSeconds();
  try {
    return new RuntimeConfig(encodeConfig({ jobEventsRetentionSeconds: retention.toSeconds() })).jobEventsRetentionSeconds;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ValidationError(`job events ${path}: retention is refused by the recorder (${error.message})`);
  }
}
