import { CreateStateMachineCommand, DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { App, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RunJobStateMachine, RuntimeFunctions } from '../../lib';
import { CREDENTIALS, motoEndpoint, REGION, resetMoto } from './moto/aws';
import { motoApi } from './moto/server';

/**
 * How far moto 5.2.1's Step Functions interpreter carries RunJob's own definition, created through the API (moto's
 * interpreter never sees a state machine CloudFormation created: its backends are apart, see the e2e journey).
 */
describe('Integration: RunJob definition in moto', () => {
  const sfnClient = new SFNClient({ endpoint: motoEndpoint(), region: REGION, credentials: CREDENTIALS });

  beforeAll(async () => {
    await resetMoto();
    await motoApi(motoEndpoint(), '/moto-api/config', { stepfunctions: { execute_state_machine: true } });
  });

  afterAll(() => sfnClient.destroy());

  /** RunJob's definition as synthesized, with its function ARNs written out (no function of these names exists). */
  function definition(): string {
    const stack = new Stack(new App(), 'Definition', { env: { account: '123456789012', region: REGION } });
    const arn = (name: string) => `arn:aws:lambda:${REGION}:123456789012:function:${name}`;
    const runtime = RuntimeFunctions.fromFunctionArns(stack, 'Runtime', { validateFunctionArn: arn('validate'), submitFunctionArn: arn('submit'), logsFunctionArn: arn('logs') });
    const machine = new RunJobStateMachine(stack, 'Demo', { runtime, request: { jobDefinition: 'demo-job', parameters: { input_object: sfn.JsonPath.stringAt('$.input') } } });
    const body = stack.resolve((machine.stateMachine.node.defaultChild as sfn.CfnStateMachine).definitionString) as { 'Fn::Join': [string, unknown[]] };
    return body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : JSON.stringify(part).includes('Partition') ? 'aws' : arn('resume'))).join('');
  }

  it("takes the definition, enters the Parallel and its validate state, invokes Lambda through moto's own Lambda, and the error leaves the Parallel under its own name", async () => {
    const machine = await sfnClient.send(new CreateStateMachineCommand({ name: 'run-job', roleArn: 'arn:aws:iam::123456789012:role/run-job', definition: definition() }));
    const { executionArn } = await sfnClient.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: 'first', input: JSON.stringify({ input: 's3://bucket/key' }) }));
    let status = 'RUNNING';
    for (let waited = 0; status === 'RUNNING' && waited < 30_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await sfnClient.send(new DescribeExecutionCommand({ executionArn }))).status!;
    }
    const history = (await sfnClient.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
    expect(status).toBe('FAILED');
    expect(history.flatMap((entry) => (entry.stateEnteredEventDetails?.name ? [entry.stateEnteredEventDetails.name] : []))).toEqual(['RunJob', 'RunJob: validate']);
    // The validate state's invoke goes to moto's Lambda (not to a function served elsewhere), and moto runs a
    // function only in Docker: no function of RunJob runs in moto's interpreter. Its error crosses the Parallel by
    // name, as a Catch on a RunJob would see it.
    expect(history.find((entry) => entry.type === 'TaskFailed')?.taskFailedEventDetails?.error).toBe('Lambda.ResourceNotFoundException');
    expect(history.find((entry) => entry.type === 'ExecutionFailed')?.executionFailedEventDetails?.error).toBe('Lambda.ResourceNotFoundException');
  });
});
