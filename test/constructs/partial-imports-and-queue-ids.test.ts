import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BatchPlatform, ComputeKind, RuntimeFunctions } from '../../lib';
import { expectValidationError, IMAGE, logicalId, newStack, resourcesFor, roleStatements } from './helpers';

const arn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:pendant-${name}`;

describe('RuntimeFunctions.fromFunctionArns with only the functions a caller uses', () => {
  const stack = newStack('Caller');
  const imported = RuntimeFunctions.fromFunctionArns(stack, 'Runtime', { submitFunctionArn: arn('submit') });
  const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const grant = imported.grantSubmit(role);

  it('takes the submit function alone, and grants invoking it and nothing else', () => {
    expect(grant.success).toBe(true);
    expect(imported.submitFunction.functionArn).toBe(arn('submit'));
    const statements = roleStatements(Template.fromStack(stack), logicalId(role));
    expect(resourcesFor(statements, 'lambda:InvokeFunction')).toEqual([arn('submit')]);
    expect(statements).toHaveLength(1);
  });

  it.each([
    ['grantValidate', 'validate'],
    ['grantStatus', 'status'],
    ['grantLogs', 'logs'],
    ['grantTerminate', 'terminate'],
  ] as const)('answers %s, whose ARN was not given, with a ValidationError naming the missing attribute', (method, operation) => {
    expectValidationError(
      () => imported[method](role),
      `runtime functions Caller/Runtime: the ${operation} function is used, but fromFunctionArns got no ${operation}FunctionArn (given: submitFunctionArn)`,
    );
  });

  it('refuses an import of no function at all', () => {
    expectValidationError(() => RuntimeFunctions.fromFunctionArns(newStack(), 'Nothing', {}), 'runtime functions Test/Nothing: fromFunctionArns needs the ARN of at least one function');
  });
});

describe('BatchPlatform with two queues of one id', () => {
  it("throws pendant's own ValidationError naming the queue, not the construct tree's error", () => {
    expectValidationError(
      () =>
        new BatchPlatform(newStack(), 'Platform', {
          jobQueues: [
            { id: 'Jobs', compute: [ComputeKind.FARGATE] },
            { id: 'Jobs', compute: [ComputeKind.FARGATE_SPOT] },
          ],
          jobDefinitions: [{ name: 'one', image: IMAGE }],
        }),
      'platform Test/Platform: jobQueues holds two queues with id "Jobs"; each queue needs an id of its own',
    );
  });
});
