import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchPlatform, ComputeKind, Parameter, RuntimeFunctions } from '../../lib';
import { CONFIG_FILE_NAME, ENV } from '../../lib/model/config';
import { actionsOf, functionStatements, IMAGE, logicalId, newStack, resourcesFor, roleStatements, stagedAssetDirectory } from './helpers';

jest.setTimeout(60_000);

describe('the describe function', () => {
  const stack = newStack();
  const platform = new BatchPlatform(stack, 'Platform', {
    jobQueues: [{ id: 'Default', compute: [ComputeKind.FARGATE], jobQueueName: 'pendant-default' }],
    jobDefinitions: [{ name: 'align', image: IMAGE, command: ['align', 'Ref::input'], parameters: { input: Parameter.s3Object({ mustExist: true, within: ['s3://my-inputs/in/'] }) } }],
  });
  const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const grant = platform.grantInvoke('describe', caller);
  const fn = platform.functionFor('describe') as lambda.Function;
  const template = Template.fromStack(stack);
  const properties = template.toJSON().Resources[logicalId(fn)].Properties;

  it("is made from the registry's entry: its id, memory, timeout, reserved concurrency and description", () => {
    expect(fn.node.id).toBe('DescribeFunction');
    expect(properties).toMatchObject({
      MemorySize: 256,
      Timeout: 30,
      ReservedConcurrentExecutions: 5,
      Description: "pendant: describe a job definition's declared parameters, deployed revision and queues",
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
    });
  });

  it('may describe job definitions and write its own log, and nothing else: no S3, no jobs, no idempotency table', () => {
    const statements = functionStatements(template, logicalId(fn));
    expect(actionsOf(statements)).toEqual(['batch:DescribeJobDefinitions', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    // DescribeJobDefinitions has no resource type (AWS Service Authorization Reference, AWS Batch): IAM takes only "*".
    expect(resourcesFor(statements, 'batch:DescribeJobDefinitions')).toEqual(['*']);
    expect(resourcesFor(statements, 'logs:PutLogEvents')).toEqual([{ 'Fn::GetAtt': [logicalId(fn.logGroup.node.defaultChild!), 'Arn'] }]);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(statement).not.toHaveProperty('Condition');
      expect(statement).not.toHaveProperty('NotAction');
    }
  });

  it('reads the declarations and the queues from its configuration, the deployed revisions from its environment', () => {
    const shipped = JSON.parse(readFileSync(join(stagedAssetDirectory(stack, logicalId(fn)), CONFIG_FILE_NAME), 'utf8')) as Record<string, string>;
    expect(Object.keys(shipped).sort()).toEqual([ENV.JOB_DEFINITIONS, ENV.JOB_QUEUES, ENV.JOB_QUEUE_SETTINGS].sort());
    expect(Object.keys(JSON.parse(shipped[ENV.JOB_DEFINITIONS]) as object)).toEqual(['align']);
    expect(Object.keys(properties.Environment.Variables).sort()).toEqual(['POWERTOOLS_SERVICE_NAME', ENV.JOB_DEFINITION_REVISIONS].sort());
  });

  it('may be invoked by whom the platform grants it, by operation name', () => {
    expect(grant.success).toBe(true);
    expect(resourcesFor(roleStatements(template, logicalId(caller)), 'lambda:InvokeFunction')).toEqual([{ 'Fn::GetAtt': [logicalId(fn), 'Arn'] }]);
  });

  it('is imported by ARN with functionArns, as it has no named attribute', () => {
    const other = newStack('Caller');
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:pendant-describe';
    const imported = RuntimeFunctions.fromFunctionArns(other, 'Runtime', { functionArns: { describe: arn } });
    expect(imported.functionFor('describe').functionArn).toBe(arn);
    const role = new iam.Role(other, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    imported.grantInvoke('describe', role);
    expect(resourcesFor(roleStatements(Template.fromStack(other), logicalId(role)), 'lambda:InvokeFunction')).toEqual([arn]);
  });
});
