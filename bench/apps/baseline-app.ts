import * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { App, Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { join } from 'node:path';
import { encodeConfig, JobDefinitionEntry } from '../../lib/model/config';
import { Parameter } from '../../lib/model/parameters';
import { INPUTS_BUCKET, INPUTS_PREFIX, jobDefinitionCount, jobDefinitionShape, REPOSITORY_ROOT, reportStatsOnExit } from './workload';

/**
 * The same platform written the plain way: aws-cdk-lib's `aws_batch` L2 constructs with their defaults (each job
 * definition gets its own execution role and policy) and the five handlers as `NodejsFunction`s with default
 * bundling (esbuild through `npx` on every synth, the SDK left external). The handlers read the configuration
 * contract of `lib/model/config.ts`, so this app passes it in the environment, as a hand-written app would have to.
 */
reportStatsOnExit();
const app = new App();
const stack = new Stack(app, 'BaselinePlatform', { description: 'pendant bench: the example platform with plain aws-cdk-lib constructs' });

const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
vpc.addFlowLog('FlowLog', { trafficType: ec2.FlowLogTrafficType.REJECT });
const logKey = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });
logKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`));
const jobLogGroup = new logs.LogGroup(stack, 'JobLogGroup', { retention: logs.RetentionDays.THREE_MONTHS, encryptionKey: logKey });

const vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
const fargateSpot = new batch.FargateComputeEnvironment(stack, 'FargateSpot', { vpc, vpcSubnets, spot: true, maxvCpus: 64, replaceComputeEnvironment: false });
const fargate = new batch.FargateComputeEnvironment(stack, 'Fargate', { vpc, vpcSubnets, maxvCpus: 64, replaceComputeEnvironment: false });
const ec2Spot = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Ec2Spot', {
  vpc,
  vpcSubnets,
  spot: true,
  maxvCpus: 64,
  replaceComputeEnvironment: false,
  defaultInstanceClasses: [batch.DefaultInstanceClass.ARM64],
  allocationStrategy: batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED,
  launchTemplate: new ec2.LaunchTemplate(stack, 'LaunchTemplate', {
    requireImdsv2: true,
    blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(30, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) }],
  }),
});
const fargateQueue = new batch.JobQueue(stack, 'FargateQueue', {
  priority: 1,
  computeEnvironments: [
    { computeEnvironment: fargateSpot, order: 1 },
    { computeEnvironment: fargate, order: 2 },
  ],
});
const ec2SpotQueue = new batch.JobQueue(stack, 'Ec2SpotQueue', { priority: 10, computeEnvironments: [{ computeEnvironment: ec2Spot, order: 1 }] });

const parameters = { input_object: Parameter.s3Object({ mustExist: true, within: [INPUTS_PREFIX], description: 'The S3 URI of the input object' }) };
const jobDefinitions = Array.from({ length: jobDefinitionCount() }, (_, index) => {
  const { name, image, command } = jobDefinitionShape(index);
  const definition = new batch.EcsJobDefinition(stack, `JobDefinition-${name}`, {
    jobDefinitionName: name,
    container: new batch.EcsFargateContainerDefinition(stack, `Container-${name}`, {
      image,
      command,
      cpu: 1,
      memory: Size.gibibytes(2),
      readonlyRootFilesystem: true,
      assignPublicIp: false,
      logging: ecs.LogDriver.awsLogs({ logGroup: jobLogGroup, streamPrefix: name }),
    }),
    retryAttempts: 3,
    retryStrategies: [
      batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
      batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.NON_ZERO_EXIT_CODE),
    ],
    skipDeregisterOnUpdate: true,
  });
  return { name, definition };
});

const table = new dynamodb.Table(stack, 'IdempotencyTable', {
  partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  timeToLiveAttribute: 'expiration',
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  removalPolicy: RemovalPolicy.DESTROY,
});

const declared: Record<string, JobDefinitionEntry> = {};
for (const { name, definition } of jobDefinitions) declared[name] = { definition: definition.jobDefinitionArn, parameters };
const config = encodeConfig({
  jobDefinitions: declared,
  jobQueues: [fargateQueue.jobQueueArn, ec2SpotQueue.jobQueueArn],
  idempotencyTable: table.tableName,
});

const SETTINGS = {
  validate: { id: 'ValidateFunction', memorySize: 256, timeout: Duration.seconds(30), environment: config },
  submit: { id: 'SubmitFunction', memorySize: 256, timeout: Duration.seconds(30), environment: config },
  status: { id: 'StatusFunction', memorySize: 256, timeout: Duration.seconds(60), environment: {} },
  logs: { id: 'LogsFunction', memorySize: 512, timeout: Duration.seconds(60), environment: {} },
  terminate: { id: 'TerminateFunction', memorySize: 256, timeout: Duration.seconds(30), environment: {} },
};
const make = (operation: keyof typeof SETTINGS): nodejs.NodejsFunction => {
  const settings = SETTINGS[operation];
  return new nodejs.NodejsFunction(stack, settings.id, {
    entry: join(REPOSITORY_ROOT, 'lambda', 'handlers', `${operation}.ts`),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: settings.memorySize,
    timeout: settings.timeout,
    logGroup: new logs.LogGroup(stack, `${settings.id}LogGroup`, { retention: logs.RetentionDays.ONE_MONTH, encryptionKey: logKey }),
    loggingFormat: lambda.LoggingFormat.JSON,
    environment: { POWERTOOLS_SERVICE_NAME: `pendant-${operation}`, ...settings.environment },
  });
};
const validate = make('validate');
const submit = make('submit');
const status = make('status');
const logsFunction = make('logs');
const terminate = make('terminate');

for (const fn of [validate, submit]) {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:${stack.partition}:s3:::${INPUTS_BUCKET}/inputs/*`] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [`arn:${stack.partition}:s3:::${INPUTS_BUCKET}`] }));
}
for (const { definition } of jobDefinitions) definition.grantSubmitJob(submit, fargateQueue);
submit.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:DescribeJobDefinitions'], resources: ['*'] }));
table.grantReadWriteData(submit);
for (const fn of [status, logsFunction, terminate]) {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:DescribeJobs'], resources: ['*'] }));
}
jobLogGroup.grant(logsFunction, 'logs:GetLogEvents');
terminate.addToRolePolicy(
  new iam.PolicyStatement({
    actions: ['batch:TerminateJob', 'batch:CancelJob'],
    resources: [stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' })],
  }),
);
app.synth();
