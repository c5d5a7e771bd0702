import { Stack, StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { BatchPlatform, ComputeKind, IRuntimeFunctions, JobPlatform, Parameter, RuntimeFunctions } from 'pendant';

/** A platform as a new user writes one: one Fargate queue, one job definition with a typed S3 parameter. */
export class PlatformStack extends Stack {
  public readonly platform: BatchPlatform;

  public constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.platform = new BatchPlatform(this, 'Platform', {
      jobQueues: [{ id: 'Jobs', compute: [ComputeKind.FARGATE_SPOT, ComputeKind.FARGATE] }],
      jobDefinitions: [
        {
          name: 'align',
          image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'),
          command: ['sh', '-c', 'echo aligning Ref::reads'],
          parameters: { reads: Parameter.s3Object({ mustExist: true, within: ['s3://consumer-inputs/reads/'] }) },
          platform: JobPlatform.FARGATE,
        },
      ],
    });
  }
}

export interface CallerStackProps extends StackProps {
  readonly runtime: IRuntimeFunctions;
}

/** Another stack's function, allowed to submit through the platform: a cross-stack `grantSubmit`. */
export class CallerStack extends Stack {
  public constructor(scope: Construct, id: string, props: CallerStackProps) {
    super(scope, id, props);
    const caller = new lambda.Function(this, 'Caller', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => process.env.SUBMIT_FUNCTION_ARN;'),
      environment: { SUBMIT_FUNCTION_ARN: props.runtime.submitFunction.functionArn },
    });
    props.runtime.grantSubmit(caller);
  }
}

/** A stack that knows only the submit function's ARN (from SSM, another app…): the one function it calls. */
export class ImportedCallerStack extends Stack {
  public constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const runtime = RuntimeFunctions.fromFunctionArns(this, 'Pendant', {
      submitFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:pendant-submit',
    });
    const caller = new lambda.Function(this, 'Caller', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    });
    runtime.grantSubmit(caller);
  }
}
