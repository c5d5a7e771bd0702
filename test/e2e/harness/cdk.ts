import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addExampleStacks, ExampleAppOptions } from '../../../bin/stacks';
import { CREDENTIALS, REGION } from '../../integration/moto/aws';
import { motoLogFile } from '../../integration/moto/server';
import { withoutSdkNodeNotice } from './text';

const ROOT = join(__dirname, '..', '..', '..');
const CDK_CLI = join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
const CLI_TIMEOUT_MILLIS = 120_000;

export type FunctionRole = 'validate' | 'submit' | 'status' | 'logs' | 'terminate' | 'caller' | 'resume';

/** A resource of the deployed app: its stack and logical id. */
export interface ResourceId {
  readonly stackName: string;
  readonly logicalId: string;
}

/** Where the journey finds the example app's parts in the deployed stacks. */
export interface ExampleAppIds {
  readonly functions: Readonly<Record<FunctionRole, ResourceId>>;
  /** The platform's queues, in the order submit knows them (the first is its default). */
  readonly jobQueues: readonly ResourceId[];
  readonly jobLogGroup: ResourceId;
  /** The demo job's name in AWS Batch: unique to its stack, unlike the name requests give. */
  readonly demoJobDefinitionName: string;
  /** The platform stack's demo pipeline (a RunJobStateMachine). */
  readonly pipeline: ResourceId;
}

/**
 * Synthesizes the example app (`addExampleStacks`, as `bin/pendant.ts` does) into `outdir` with what the CLI's synth
 * gives an app: `cdk.json`'s context and version reporting, and path and asset metadata. In-process, so that a
 * redeploy can change the app, and so that the journey can find resources by construct rather than by name.
 */
export function synthExampleApp(outdir: string, options: ExampleAppOptions = {}): ExampleAppIds {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown>; versionReporting?: boolean };
  const app = new App({
    outdir,
    context: { ...cdkJson.context, 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true },
    analyticsReporting: cdkJson.versionReporting ?? true,
  });
  const { platform, caller } = addExampleStacks(app, options);
  app.synth();
  const runtime = platform.platform.runtime;
  return {
    functions: {
      validate: resourceId(runtime.validateFunction),
      submit: resourceId(runtime.submitFunction),
      status: resourceId(runtime.statusFunction),
      logs: resourceId(runtime.logsFunction),
      terminate: resourceId(runtime.terminateFunction),
      caller: resourceId(caller.caller),
      resume: resourceId(platform.pipeline.runJob.waiter.resumeFunction),
    },
    pipeline: resourceId(platform.pipeline.stateMachine),
    jobQueues: platform.platform.jobQueues.map(resourceId),
    jobLogGroup: resourceId(platform.platform.jobLogGroup),
    demoJobDefinitionName: platform.platform.jobDefinition('demo-job').physicalName,
  };
}

/** The CloudFormation resource of a construct: its own, or its default child's, however deep. */
function resourceId(construct: IConstruct): ResourceId {
  let element: IConstruct | undefined = construct;
  while (element !== undefined && !(element instanceof CfnElement)) element = element.node.defaultChild;
  if (element === undefined) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  const stack = Stack.of(element);
  return { stackName: stack.stackName, logicalId: stack.getLogicalId(element) };
}

export interface CdkCliProps {
  readonly motoEndpoint: string;
  /** The CLI's working directory and home: none of the developer's `~/.aws` or `~/.cdk` reaches it. */
  readonly workDirectory: string;
}

/** The AWS CDK CLI of this repository, pointed at moto. */
export class CdkCli {
  public constructor(private readonly props: CdkCliProps) {
    mkdirSync(props.workDirectory, { recursive: true });
  }

  /** `cdk bootstrap` of moto's default account and region: the asset bucket, the roles and the version parameter. */
  public async bootstrap(account: string): Promise<string> {
    return this.run(['bootstrap', `aws://${account}/${REGION}`]);
  }

  /**
   * `cdk deploy` of every stack of the cloud assembly in `assembly`, in dependency order. `--method=direct` because a
   * change-set deploy can report success after moto failed; `--no-previous-parameters` because moto's UpdateStack
   * fails with HTTP 500 (KeyError) on `UsePreviousValue` for a parameter the create took from its default
   * (`BootstrapVersion`); without it CloudFormation simply uses the default again.
   */
  public async deploy(assembly: string): Promise<string> {
    return this.run(['deploy', '--app', assembly, '--all', '--method=direct', '--no-previous-parameters', '--require-approval=never']);
  }

  private run(args: readonly string[]): Promise<string> {
    const { motoEndpoint, workDirectory } = this.props;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: workDirectory,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      CDK_DISABLE_VERSION_CHECK: 'true',
      CI: 'true',
      AWS_ENDPOINT_URL: motoEndpoint,
      // The CLI hands CloudFormation the template's URL on this endpoint. moto reads a host with a dot as
      // virtual-hosted style (127.0.0.1 would name bucket "127"), so the URL must say `localhost`.
      AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: motoEndpoint.replace('127.0.0.1', 'localhost'),
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_CONFIG_FILE: join(workDirectory, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(workDirectory, 'no-aws-credentials'),
      // moto answers a failure at once and does not throttle: a retry only hides the first error for a while.
      AWS_MAX_ATTEMPTS: '1',
    };
    const command = ['cdk', ...args, '--no-notices'];
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CDK_CLI, ...command.slice(1)], { cwd: workDirectory, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
      child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
      const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MILLIS);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(output);
        else reject(new Error(`${command.join(' ')} ended with ${signal ?? `exit code ${code}`}:\n${tail(output, 60)}${motoErrors(motoEndpoint)}`));
      });
    });
  }
}

/** moto's own account of its failures (a 500 reaches the CLI as an unreadable body), from the end of its log. */
function motoErrors(endpoint: string): string {
  let log: string;
  try {
    log = readFileSync(motoLogFile(endpoint), 'utf8');
  } catch {
    return '';
  }
  const errors = log.split('\n').filter((line) => /Error|Exception|Traceback|not supported/.test(line) && !/ (200|201|400|404) -$/.test(line));
  return errors.length === 0 ? '' : `\n\nmoto's log says, last:\n${errors.slice(-12).join('\n')}`;
}

function tail(text: string, lines: number): string {
  return withoutSdkNodeNotice(text).split('\n').filter((line) => line.trim() !== '').slice(-lines).join('\n');
}
