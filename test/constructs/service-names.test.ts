import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BatchPlatform, ComputeKind, JobEvents, JobWaiter } from '../../lib';
import { FunctionName, SERVICE_NAME_VARIABLE, serviceName } from '../../lib/model/configuration';
import { bundleDirectory } from '../../lib/private/handler-code';
import { IMAGE, logicalId, newStack } from './helpers';

jest.setTimeout(60_000);

/**
 * The first line the deployed bundle logs when it refuses a malformed event, run in a process of its own with only
 * `environment` (and a region for the SDK clients), as Lambda would start it.
 */
function firstLogLine(fn: FunctionName, environment: Record<string, string>): Record<string, unknown> {
  const script = `require(${JSON.stringify(join(bundleDirectory(fn), 'index.js'))}).handler(null).catch(() => undefined)`;
  const { stdout, stderr } = spawnSync(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN', ...environment },
    encoding: 'utf8',
  });
  // Warnings go to stderr (console.warn), as Lambda's runtime takes them.
  const line = `${stdout}${stderr}`.split('\n').find((text) => text.startsWith('{'));
  return JSON.parse(line ?? 'null') as Record<string, unknown>;
}

describe('Function service names', () => {
  const stack = newStack();
  const platform = new BatchPlatform(stack, 'Platform', {
    jobQueues: [{ id: 'Queue', compute: [ComputeKind.FARGATE] }],
    jobDefinitions: [{ name: 'align', image: IMAGE }],
  });
  const jobEvents = new JobEvents(stack, 'JobEvents', { platform });
  const waiter = new JobWaiter(stack, 'Waiter', { runtime: platform.runtime });
  const functions: ReadonlyArray<[FunctionName, lambda.IFunction]> = [
    ['validate', platform.runtime.validateFunction],
    ['submit', platform.runtime.submitFunction],
    ['status', platform.runtime.statusFunction],
    ['logs', platform.runtime.logsFunction],
    ['terminate', platform.runtime.terminateFunction],
    ['record', jobEvents.recorderFunction],
    ['resume', waiter.resumeFunction],
  ];
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }>;

  // The logger names its service from the environment; a name given in the code would win over it.
  it.each(functions)('logs the %s function as the service its environment names', (fn, construct) => {
    const configured = resources[logicalId(construct)].Properties.Environment.Variables[SERVICE_NAME_VARIABLE];
    expect(configured).toBe(serviceName(fn));
    const line = firstLogLine(fn, { [SERVICE_NAME_VARIABLE]: configured as string });
    expect(line).toMatchObject({ level: 'WARN', message: 'request refused', operation: fn });
    expect(line.service).toBe(configured);
  });
});
