import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { App, Size, Stack, StackProps, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BatchPlatform, ComputeKind, IRuntimeFunctions, JobEvents, JobPlatform, JobWaiter, Parameter, PlatformMonitoring, RunJobStateMachine } from '../lib';

/** Where the demo job's inputs live: the only place its runtime functions may read. */
export const DEMO_INPUTS = 's3://pendant-demo-inputs/inputs/';

export interface PlatformStackProps extends StackProps {
  /**
   * The demo job's memory: change it and deploy again to register a new revision of demo-job.
   * @default Size.gibibytes(2)
   */
  readonly demoJobMemory?: Size;
  /**
   * The demo job's image: the local e2e runs its jobs in an image it builds, without a registry.
   * @default busybox from the ECR Public Gallery
   */
  readonly demoJobImage?: ecs.ContainerImage;
  /**
   * The most bytes one response of the logs function holds.
   * @default 4 MiB
   */
  readonly logsMaxResponseBytes?: number;
}

/** What the example app lets a deployment change. */
export type ExampleAppOptions = Pick<PlatformStackProps, 'demoJobMemory' | 'demoJobImage' | 'logsMaxResponseBytes'>;

/**
 * The platform: a Fargate queue (Spot first), an EC2 Spot queue, the pendant manual's demo-job, its job timeline
 * (JobEvents), failure notifications, alarms and dashboard (PlatformMonitoring), and the demo pipeline that runs
 * demo-job to its end with RunJob (input `{ "input": "s3://…" }`, output the job's summary).
 */
export class PlatformStack extends Stack {
  public readonly platform: BatchPlatform;
  public readonly jobEvents: JobEvents;
  public readonly monitoring: PlatformMonitoring;
  public readonly pipeline: RunJobStateMachine;

  public constructor(scope: Construct, id: string, props: PlatformStackProps = {}) {
    const { demoJobMemory, demoJobImage, logsMaxResponseBytes, ...stackProps } = props;
    super(scope, id, stackProps);
    this.platform = new BatchPlatform(this, 'Platform', {
      jobQueues: [
        { id: 'FargateQueue', compute: [ComputeKind.FARGATE_SPOT, ComputeKind.FARGATE] },
        { id: 'Ec2SpotQueue', compute: [ComputeKind.EC2_SPOT], priority: 10 },
      ],
      jobDefinitions: [
        {
          name: 'demo-job',
          image: demoJobImage ?? ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'),
          command: ['sh', '-c', 'echo "You have started up this demo job on Ref::input_object"'],
          parameters: {
            input_object: Parameter.s3Object({ mustExist: true, within: [DEMO_INPUTS], description: 'The S3 URI of the input object' }),
          },
          platform: JobPlatform.FARGATE,
          // The demo lets callers replace its command (the end-to-end journey runs scripts of its own through it);
          // without this, submit refuses containerOverrides.command.
          overrides: { command: true },
          ...(demoJobMemory && { memory: demoJobMemory }),
        },
      ],
      logsMaxResponseBytes,
    });
    this.jobEvents = new JobEvents(this, 'JobEvents', { platform: this.platform });
    this.monitoring = new PlatformMonitoring(this, 'Monitoring', { platform: this.platform, jobEvents: this.jobEvents });

    // The waiter hears only the platform's queues.
    const waiter = new JobWaiter(this, 'JobWaiter', {
      runtime: this.platform.runtime,
      jobQueueArns: this.platform.jobQueues.map((queue) => queue.jobQueueArn),
    });
    this.pipeline = new RunJobStateMachine(this, 'DemoPipeline', {
      runtime: this.platform.runtime,
      request: { jobDefinition: 'demo-job', parameters: { input_object: sfn.JsonPath.stringAt('$.input') } },
      waiter,
    });
    for (const group of [waiter.logGroup, this.pipeline.logGroup]) {
      // The platform's key may encrypt only the platform's own log groups, named before they exist.
      acknowledgeInPacks(
        group,
        'CloudWatchLogGroupEncrypted',
        ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'],
        "the demo pipeline logs the demo job's input URI, its summary and the resume function's request lines; CloudWatch Logs encrypts them at rest with its own key, and a key of the example's own would cost more than it protects (RunJob and JobWaiter take logEncryptionKey for that)",
      );
    }
  }
}

/** The example app's two stacks, added to `app` as `bin/pendant.ts` deploys them; `options` is what may change. */
export function addExampleStacks(app: App, options: ExampleAppOptions = {}): { platform: PlatformStack; caller: CallerStack } {
  const platform = new PlatformStack(app, 'PendantPlatform', {
    description: 'pendant example: an AWS Batch platform with its runtime functions',
    ...options,
  });
  const caller = new CallerStack(app, 'PendantCaller', {
    description: "pendant example: a Lambda in another stack that submits jobs through the platform's submit function",
    runtime: platform.platform.runtime,
  });
  return { platform, caller };
}

export interface CallerStackProps extends StackProps {
  /** The platform's runtime functions, from the other stack. */
  readonly runtime: IRuntimeFunctions;
}

/** A stack of another team: its Lambda submits the demo job through the platform's submit function. */
export class CallerStack extends Stack {
  public readonly caller: lambda.Function;

  public constructor(scope: Construct, id: string, props: CallerStackProps) {
    super(scope, id, props);
    const role = new iam.Role(this, 'CallerRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const logGroup = new logs.LogGroup(this, 'CallerLogGroup', { retention: logs.RetentionDays.ONE_MONTH });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );
    this.caller = new lambda.Function(this, 'Caller', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      role,
      logGroup,
      description: 'pendant example: submits demo-job through the platform submit function',
      environment: { SUBMIT_FUNCTION_ARN: props.runtime.submitFunction.functionArn },
      // The Node.js runtime ships SDK v3, so this caller needs no bundle of its own.
      code: lambda.Code.fromInline(CALLER_SOURCE),
      // A demonstration: two at once is plenty, and a runaway loop cannot take the account's concurrency.
      reservedConcurrentExecutions: 2,
    });
    props.runtime.grantSubmit(this.caller);
    // The example caller is not pendant's: its departures from the compliance packs are its own, acknowledged here.
    acknowledgeInPacks(
      role,
      'IAMNoInlinePolicy',
      ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'],
      "the caller role's policy (its log group and the one submit function) is made for this role alone and goes with it",
    );
    acknowledgeInPacks(
      logGroup,
      'CloudWatchLogGroupEncrypted',
      ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'],
      "the example caller logs only Lambda's own start, end and report lines and the errors it passes on from submit; CloudWatch Logs encrypts them at rest with its own key, and a key of the example's own would cost more than it protects",
    );
    acknowledgeInPacks(
      this.caller,
      'LambdaDLQ',
      ['HIPAA.Security', 'NIST.800.53.R5'],
      'the example caller is invoked synchronously (by hand or by the end-to-end test), which a dead-letter queue never sees',
    );
    acknowledgeInPacks(
      this.caller,
      'LambdaInsideVPC',
      ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'],
      'the example caller only invokes the submit function through the Lambda API; a VPC would give it nothing to reach and need a NAT gateway or endpoint to reach that',
    );
  }
}

/** Acknowledges one rule of the compliance packs that carry it, on one construct of the example caller. */
function acknowledgeInPacks(scope: Construct, rule: string, packs: string[], reason: string): void {
  Validations.of(scope).acknowledge(...packs.map((pack) => ({ id: `${pack}-${rule}`, reason })));
}

/** Submits demo-job for `event.input` and returns the submit function's answer, or throws its typed error. */
const CALLER_SOURCE = `
const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const client = new LambdaClient({});
exports.handler = async (event) => {
  const request = { jobDefinition: 'demo-job', parameters: { input_object: event.input } };
  const answer = await client.send(new InvokeCommand({
    FunctionName: process.env.SUBMIT_FUNCTION_ARN,
    Payload: Buffer.from(JSON.stringify(request)),
  }));
  const payload = JSON.parse(Buffer.from(answer.Payload).toString('utf8'));
  if (answer.FunctionError) {
    const error = new Error(payload.errorMessage);
    error.name = payload.errorType;
    throw error;
  }
  return payload;
};
`;
