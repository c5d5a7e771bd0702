import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BatchPlatform, ComputeKind, RuntimeFunctions } from '../../lib';
import { OPERATION_NAMES } from '../../lib/model/operations';
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

describe('RuntimeFunctions by operation name (the registry, lib/model/operations.ts)', () => {
  const stack = newStack('Caller');
  const imported = RuntimeFunctions.fromFunctionArns(stack, 'Runtime', { functionArns: { status: arn('status') }, submitFunctionArn: arn('submit') });
  const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const grant = imported.grantInvoke('status', role);

  it('takes ARNs by operation beside the named attributes, and serves both through functionFor and the named members', () => {
    expect(imported.functionFor('status').functionArn).toBe(arn('status'));
    expect(imported.statusFunction).toBe(imported.functionFor('status'));
    expect(imported.functionFor('submit')).toBe(imported.submitFunction);
  });

  it('grants invoking the function of an operation, as the named grant does', () => {
    expect(grant.success).toBe(true);
    imported.grantSubmit(role);
    const statements = roleStatements(Template.fromStack(stack), logicalId(role));
    expect(resourcesFor(statements, 'lambda:InvokeFunction').sort()).toEqual([arn('status'), arn('submit')]);
  });

  it('throws a ValidationError naming an operation pendant does not have, and the operations it has', () => {
    expectValidationError(() => imported.functionFor('launch'), `runtime functions Caller/Runtime: no "launch" function; the operations are ${OPERATION_NAMES.join(', ')}`);
    expectValidationError(() => imported.grantInvoke('launch', role), 'no "launch" function');
    expectValidationError(
      () => RuntimeFunctions.fromFunctionArns(newStack(), 'Typo', { functionArns: { sumbit: arn('submit') } }),
      'runtime functions Test/Typo: no "sumbit" function; the operations are',
    );
  });

  it('throws a ValidationError when one function is given two different ARNs', () => {
    expectValidationError(
      () => RuntimeFunctions.fromFunctionArns(newStack(), 'Twice', { submitFunctionArn: arn('submit'), functionArns: { submit: arn('other') } }),
      'runtime functions Test/Twice: fromFunctionArns got two ARNs for the submit function (submitFunctionArn and functionArns.submit); give one',
    );
  });

  it('serves every function of a platform by its operation, and grants invoking it', () => {
    const platformStack = newStack();
    const platform = new BatchPlatform(platformStack, 'Platform', { jobQueues: [{ id: 'Default', compute: [ComputeKind.FARGATE] }], jobDefinitions: [{ name: 'demo', image: IMAGE }] });
    expect(platform.functionFor('logs')).toBe(platform.logsFunction);
    expect(platform.functionFor('validate')).toBe(platform.runtime.validateFunction);
    const caller = new iam.Role(platformStack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(platform.grantInvoke('logs', caller).success).toBe(true);
    const statements = roleStatements(Template.fromStack(platformStack), logicalId(caller));
    expect(resourcesFor(statements, 'lambda:InvokeFunction')).toEqual([{ 'Fn::GetAtt': [logicalId(platform.logsFunction), 'Arn'] }]);
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
