import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IRuntimeFunctions, JobWaiter, RunJob, RunJobStateMachine, RuntimeFunctions } from '../../lib';
import { ENV } from '../../lib/model/config';
import { LIMITS } from '../../lib/model/requests';
import { expectValidationError, newStack } from './helpers';

const ARN = (name: string) => `arn:aws:lambda:us-east-1:111122223333:function:pendant-${name}`;

function runtimeIn(stack: Stack): IRuntimeFunctions {
  return RuntimeFunctions.fromFunctionArns(stack, 'Runtime', {
    validateFunctionArn: ARN('validate'),
    submitFunctionArn: ARN('submit'),
    logsFunctionArn: ARN('logs'),
  });
}

const REQUEST = { jobDefinition: 'demo-job', parameters: { input_object: sfn.JsonPath.stringAt('$.input') } };

type State = Record<string, unknown> & { Type: string };
interface Definition {
  StartAt: string;
  States: Record<string, State & { Branches?: Definition[] }>;
}

/** The state machine's definition, with every reference (function ARNs, partitions) as `<ref>`. */
function definitionOf(stack: Stack): Definition {
  const machines = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values(machines) as Array<{ Properties: { DefinitionString: unknown } }>;
  const body = machine.Properties.DefinitionString as { 'Fn::Join'?: [string, unknown[]] } | string;
  const text = typeof body === 'string' ? body : body['Fn::Join']![1].map((part) => (typeof part === 'string' ? part : '<ref>')).join('');
  return JSON.parse(text) as Definition;
}

function build(props: Partial<ConstructorParameters<typeof RunJobStateMachine>[2]> = {}) {
  const stack = newStack();
  const runtime = runtimeIn(stack);
  const machine = new RunJobStateMachine(stack, 'Demo', { runtime, request: REQUEST, ...props });
  const definition = definitionOf(stack);
  const parallel = definition.States[definition.StartAt];
  const branch = parallel.Branches![0];
  return { stack, machine, definition, parallel, branch, template: Template.fromStack(stack) };
}

describe('Construct: RunJob', () => {
  it('is one Parallel state, so every error of the run leaves it as a catchable error of one state', () => {
    const { definition, parallel } = build();
    expect(definition.StartAt).toBe('RunJob');
    expect(Object.keys(definition.States)).toEqual(['RunJob']);
    expect(parallel).toMatchObject({ Type: 'Parallel', End: true, ResultPath: '$' });
    expect(parallel.Branches).toHaveLength(1);
  });

  it('validates, then submits, then waits, in that order', () => {
    const { branch } = build();
    expect(branch.StartAt).toBe('RunJob: validate');
    expect(branch.States['RunJob: validate']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:<ref>:states:::lambda:invoke',
      Parameters: { FunctionName: ARN('validate'), Payload: { jobDefinition: 'demo-job', parameters: { 'input_object.$': '$.input' } } },
      ResultPath: '$.pendantValidation',
      Next: 'RunJob: valid?',
    });
    expect(branch.States['RunJob: valid?'].Choices).toEqual([
      { Variable: '$.pendantValidation.valid', BooleanEquals: true, Next: 'RunJob: submit' },
      // validate's problems have the shape of InvalidRequestError's: the first one's rule picks the error.
      { Variable: '$.pendantValidation.problems[0].rule', StringEquals: 'not-found', Next: 'RunJob: S3ObjectNotFoundError' },
      { Variable: '$.pendantValidation.problems[0].rule', StringEquals: 'access-denied', Next: 'RunJob: S3AccessDeniedError' },
    ]);
    expect(branch.States['RunJob: submit']).toMatchObject({ Next: 'RunJob: await job', ResultPath: '$.pendantJob' });
    expect(branch.States['RunJob: await job']).toMatchObject({ End: true, ResultPath: '$' });
  });

  it("submits with the execution's id and the state's id as the idempotency key, so a redriven execution answers the job it submitted", () => {
    const { branch } = build();
    expect(branch.States['RunJob: submit']).toMatchObject({
      Parameters: {
        FunctionName: ARN('submit'),
        Payload: { jobDefinition: 'demo-job', parameters: { 'input_object.$': '$.input' }, 'idempotencyKey.$': "States.Format('{}#{}', $$.Execution.Id, 'RunJob')" },
      },
    });
    // The first submission with the key still under way answers once it is done: that error is retried.
    expect(branch.States['RunJob: submit'].Retry).toEqual(expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['IdempotencyInProgressError'] })]));
  });

  it('takes an idempotency key of its own (e.g. per Map item)', () => {
    const { branch } = build({ idempotencyKey: sfn.JsonPath.format('{}#{}', sfn.JsonPath.executionId, sfn.JsonPath.stringAt('$.sample')) });
    expect((branch.States['RunJob: submit'].Parameters as { Payload: Record<string, unknown> }).Payload['idempotencyKey.$']).toBe(
      "States.Format('{}#{}', $$.Execution.Id, $.sample)",
    );
  });

  it('waits on a task token handed to the resume function, with a heartbeat after which it waits again (and looks at the job)', () => {
    const { branch } = build({ heartbeat: Duration.minutes(30) });
    const wait = branch.States['RunJob: await job'];
    expect(wait).toMatchObject({
      Type: 'Task',
      Resource: 'arn:<ref>:states:::lambda:invoke.waitForTaskToken',
      HeartbeatSeconds: 1800,
      Parameters: { FunctionName: '<ref>', Payload: { 'taskToken.$': '$$.Task.Token', 'jobId.$': '$.pendantJob.jobId', heartbeatSeconds: 1800 } },
    });
    expect(wait.TimeoutSeconds).toBeUndefined();
    expect(wait.Catch).toEqual([{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: null, Next: 'RunJob: await job' }]);
  });

  it.each([
    ['S3ObjectNotFoundError', 'RunJob: S3ObjectNotFoundError'],
    ['S3AccessDeniedError', 'RunJob: S3AccessDeniedError'],
    ['InvalidRequestError', 'RunJob: InvalidRequestError'],
  ])('refuses an invalid request with %s, the error submit would answer, its cause the problems', (error, state) => {
    const { branch } = build();
    expect(branch.States[state]).toEqual({ Type: 'Fail', Error: error, CausePath: 'States.JsonToString($.pendantValidation.problems)' });
    if (error === 'InvalidRequestError') expect(branch.States['RunJob: valid?'].Default).toBe(state);
  });

  it("hands on the job's summary, every field of it, from the branch's result", () => {
    const { parallel } = build();
    expect(parallel.ResultSelector).toEqual({
      'jobId.$': '$[0].jobId',
      'jobName.$': '$[0].jobName',
      'status.$': '$[0].status',
      'statusReason.$': '$[0].statusReason',
      'exitCode.$': '$[0].exitCode',
      'createdAt.$': '$[0].createdAt',
      'startedAt.$': '$[0].startedAt',
      'stoppedAt.$': '$[0].stoppedAt',
      'logStreamName.$': '$[0].logStreamName',
      'attempts.$': '$[0].attempts',
      'arrayStatusSummary.$': '$[0].arrayStatusSummary',
      'jobDefinition.$': '$[0].jobDefinition',
      'dependsOn.$': '$[0].dependsOn',
      'tags.$': '$[0].tags',
      'arrayProperties.$': '$[0].arrayProperties',
    });
  });

  it('chains as a fragment, and addCatch catches the errors of the whole run by name', () => {
    const stack = newStack();
    const runtime = runtimeIn(stack);
    const first = new RunJob(stack, 'Align', { runtime, request: REQUEST, resultPath: '$.aligned' });
    const second = new RunJob(stack, 'Call', { runtime, request: { jobDefinition: 'demo-job', parameters: { input_object: sfn.JsonPath.stringAt('$.aligned.jobName') } } });
    first.addCatch(new sfn.Fail(stack, 'AlignFailed', { error: 'AlignFailed' }), { errors: ['BatchJobFailedError', 'S3ObjectNotFoundError'] });
    new sfn.StateMachine(stack, 'Pipeline', { definitionBody: sfn.DefinitionBody.fromChainable(first.next(second)) });

    const definition = definitionOf(stack);
    expect(definition.StartAt).toBe('Align');
    expect(definition.States.Align).toMatchObject({ Type: 'Parallel', Next: 'Call', ResultPath: '$.aligned', Catch: [{ ErrorEquals: ['BatchJobFailedError', 'S3ObjectNotFoundError'], Next: 'AlignFailed' }] });
    expect(definition.States.Call.Branches![0].StartAt).toBe('Call: validate');
    // Both wait through the one waiter of the stack.
    expect(first.waiter).toBe(second.waiter);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 1);
  });

  it('throws when the heartbeat is under a minute or over a day', () => {
    const stack = newStack();
    const runtime = runtimeIn(stack);
    expectValidationError(() => new RunJob(stack, 'Fast', { runtime, request: REQUEST, heartbeat: Duration.seconds(10) }), 'run job Test/Fast', 'heartbeat', '10 seconds');
    expectValidationError(() => new RunJob(stack, 'Slow', { runtime, request: REQUEST, heartbeat: Duration.days(2) }), 'heartbeat', '24 hours');
  });
});

describe('Construct: RunJobStateMachine', () => {
  it('is a Standard state machine (callbacks need it) that logs every event and traces with X-Ray', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
  });

  it('may invoke validate, submit and the resume function, and nothing else', () => {
    const { template } = build();
    const policies = template.findResources('AWS::IAM::Policy');
    const invoked = Object.values(policies)
      .flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } } }).Properties.PolicyDocument.Statement)
      .filter((statement) => statement.Action === 'lambda:InvokeFunction')
      .flatMap((statement) => [statement.Resource].flat())
      .map((resource) => (typeof resource === 'string' ? resource : JSON.stringify(resource)));
    expect(invoked.some((arn) => arn === ARN('validate'))).toBe(true);
    expect(invoked.some((arn) => arn === ARN('submit'))).toBe(true);
    expect(invoked.some((arn) => arn.includes('ResumeFunction'))).toBe(true);
    expect(invoked.some((arn) => arn.includes('pendant-status') || arn.includes('pendant-terminate'))).toBe(false);
  });
});

describe('Construct: JobWaiter', () => {
  it('hands the resume function every Batch job state change of the queues it is given', () => {
    const stack = newStack();
    new JobWaiter(stack, 'Waiter', { runtime: runtimeIn(stack), jobQueueArns: ['arn:aws:batch:us-east-1:111122223333:job-queue/a'] });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.batch'], 'detail-type': ['Batch Job State Change'], detail: { jobQueue: ['arn:aws:batch:us-east-1:111122223333:job-queue/a'] } },
      Targets: [Match.objectLike({ RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 } })],
    });
  });

  it('keeps tokens by job id and token hash with TTL, and configures the function with the table and the logs function', () => {
    const stack = newStack();
    new JobWaiter(stack, 'Waiter', { runtime: runtimeIn(stack) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'jobId', KeyType: 'HASH' },
        { AttributeName: 'tokenHash', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.TASK_TOKEN_TABLE]: Match.anyValue(), [ENV.LOGS_FUNCTION]: ARN('logs') }) },
    });
  });

  it('may answer tasks, read its table, describe jobs and invoke the logs function', () => {
    const stack = newStack();
    new JobWaiter(stack, 'Waiter', { runtime: runtimeIn(stack) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'TaskTokens', Action: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'] }),
          Match.objectLike({ Action: 'lambda:InvokeFunction', Resource: ARN('logs') }),
          Match.objectLike({ Sid: 'DescribeJobs', Action: 'batch:DescribeJobs', Resource: '*' }),
          Match.objectLike({ Sid: 'AnswerWaitingTasks', Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'] }),
        ]),
      },
    });
  });

  // AWS Batch API Reference, TagResource: a tag value is at most 256 characters; AWS Step Functions API Reference,
  // SendTaskSuccess: a task token is up to 2,048. A token does not fit in a job's tag, hence the table.
  it('keeps tokens in a table because a Batch tag value (256 characters) cannot hold a task token (up to 2,048)', () => {
    const BATCH_TAG_VALUE_MAX = 256;
    expect(LIMITS.MAX_TASK_TOKEN_LENGTH).toBe(2048);
    expect(LIMITS.MAX_TASK_TOKEN_LENGTH).toBeGreaterThan(BATCH_TAG_VALUE_MAX);
  });
});
