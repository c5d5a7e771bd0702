import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type ChildProcess, fork } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { awsQuery, CREDENTIALS, REGION } from '../../integration/moto/aws';
import type { Resource } from './moto-gaps';
import { withoutSdkNodeNotice } from './text';
import { readZip } from './zip';

/**
 * Lambda, as far as the journey needs it, for functions deployed into moto, which creates functions but can only
 * invoke them in Docker. Each function runs its deployed code in a child `node` process (a warm container, see
 * runtime.cjs) with exactly its deployed environment, plus what Lambda itself adds (region, the execution role's
 * credentials, `AWS_LAMBDA_*`, `LAMBDA_TASK_ROOT`, the runtime's SDK on `NODE_PATH`) and two endpoints:
 * `AWS_ENDPOINT_URL` points the function's SDK at moto, `AWS_ENDPOINT_URL_LAMBDA` brings its Invoke calls here.
 *
 * Invoke is served on a local HTTP endpoint with Lambda's REST API, so callers use the real `@aws-sdk/client-lambda`:
 * the test's own client, and the caller stack's function. A call signed with a function's role credentials is
 * allowed only when the role's inline policies allow `lambda:InvokeFunction` on the target, as IAM would; other
 * credentials are the operator's.
 */

/** The repository's node_modules: the SDK v3 that Lambda's Node.js runtime provides to code that does not bundle it. */
const RUNTIME_NODE_MODULES = join(__dirname, '..', '..', '..', 'node_modules');
const RUNTIME_SCRIPT = join(__dirname, 'runtime.cjs');
/** Lambda's synchronous invocation limit, each way. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const LOG_LINES_KEPT = 200;

export interface DeployedFunction {
  readonly functionName: string;
  readonly functionArn: string;
  readonly roleArn: string;
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** Exactly the function's environment as moto's Lambda reports it. */
  readonly environment: Readonly<Record<string, string>>;
  /** The deployed code, unpacked. */
  readonly codeDirectory: string;
}

export interface InvokeResult {
  readonly payload: string;
  /** Set, as Lambda's `X-Amz-Function-Error`, when the function failed. */
  readonly functionError?: 'Unhandled';
}

export interface LocalLambdaProps {
  readonly motoEndpoint: string;
  /** Where deployed code is unpacked. */
  readonly workDirectory: string;
  /** The bucket the CLI published the functions' code to (the bootstrap stack's `StagingBucket`). */
  readonly assetBucket: string;
}

export class LocalLambda {
  public static async start(props: LocalLambdaProps): Promise<LocalLambda> {
    const local = new LocalLambda(props);
    await new Promise<void>((resolve, reject) => {
      local.server.once('error', reject);
      local.server.listen(0, '127.0.0.1', () => resolve());
    });
    return local;
  }

  private readonly server: Server;
  private readonly functions = new Map<string, DeployedFunction>();
  private readonly containers = new Map<string, Container>();
  /** Access key id of a function's role credentials → the role. */
  private readonly roles = new Map<string, string>();
  private readonly lambda: LambdaClient;
  private readonly s3: S3Client;

  private constructor(private readonly props: LocalLambdaProps) {
    const common = { endpoint: props.motoEndpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
    this.lambda = new LambdaClient(common);
    this.s3 = new S3Client({ ...common, forcePathStyle: true });
    this.server = createServer((request, response) => void this.serve(request, response));
  }

  /** The Lambda endpoint to give an SDK client (`endpoint`) or a function (`AWS_ENDPOINT_URL_LAMBDA`). */
  public get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * Reads a deployed function back from moto (configuration and code) and serves it from now on; a function served
   * before is replaced, and its warm container stopped, as Lambda does after a deploy changes it. `resource` is the
   * function in the deployed template, for code moto does not give back (inline code).
   */
  public async load(functionName: string, resource: Resource): Promise<DeployedFunction> {
    const { Configuration: configuration, Code: code } = await this.lambda.send(new GetFunctionCommand({ FunctionName: functionName }));
    if (configuration === undefined) throw new Error(`moto's Lambda has no configuration for ${functionName}`);
    const codeDirectory = join(this.props.workDirectory, `${functionName}-${configuration.CodeSha256?.replace(/[^A-Za-z0-9]/g, '').slice(0, 12) ?? randomUUID()}`);
    mkdirSync(codeDirectory, { recursive: true });
    await this.unpackCode(functionName, configuration.CodeSha256, code?.Location, resource, codeDirectory);
    const deployed: DeployedFunction = {
      functionName: configuration.FunctionName!,
      functionArn: configuration.FunctionArn!,
      roleArn: configuration.Role!,
      handler: configuration.Handler!,
      timeoutSeconds: configuration.Timeout ?? 3,
      memorySize: configuration.MemorySize ?? 128,
      environment: { ...configuration.Environment?.Variables },
      codeDirectory,
    };
    // A deploy that changed nothing about a function leaves its warm container alone, as Lambda does.
    if (!isDeepStrictEqual(this.functions.get(deployed.functionName), deployed)) {
      this.containers.get(deployed.functionName)?.stop();
      this.containers.delete(deployed.functionName);
      this.functions.set(deployed.functionName, deployed);
    }
    return deployed;
  }

  /** The last lines a function wrote (its structured logs, warnings, crashes), for a failure's report. */
  public recentOutput(functionName: string): string[] {
    return this.containers.get(functionName)?.output ?? [];
  }

  public async close(): Promise<void> {
    for (const container of this.containers.values()) container.stop();
    this.containers.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.lambda.destroy();
    this.s3.destroy();
  }

  /**
   * Code deployed from S3 is fetched from the asset bucket by the key moto reports (moto's `Code.Location` is a
   * made-up URL on amazonaws.com that ends in the key) and must hash to the function's `CodeSha256`, so what runs is
   * what moto deployed. Inline code (`ZipFile`) is different in moto: it stores it as `index.py` and gives nothing
   * back, so it is taken from the deployed template and written as `index.js`, as Lambda's Node.js runtimes do.
   */
  private async unpackCode(functionName: string, codeSha256: string | undefined, location: string | undefined, resource: Resource, directory: string): Promise<void> {
    const inline = (resource.Properties?.Code as { ZipFile?: unknown } | undefined)?.ZipFile;
    if (typeof inline === 'string') {
      writeFileSync(join(directory, 'index.js'), inline);
      return;
    }
    const key = location === undefined ? undefined : new URL(location).pathname.split('/').pop();
    if (key === undefined || key === '') throw new Error(`moto gives no code location for ${functionName}`);
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.props.assetBucket, Key: key }));
    const archive = Buffer.from(await object.Body!.transformToByteArray());
    const sha256 = createHash('sha256').update(archive).digest('base64');
    if (sha256 !== codeSha256) {
      throw new Error(`s3://${this.props.assetBucket}/${key} hashes to ${sha256}, but ${functionName} was deployed with CodeSha256 ${codeSha256}`);
    }
    for (const [name, content] of readZip(archive)) {
      const path = join(directory, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
      if (request.method !== 'POST' || match === null) return reply(response, 404, { error: 'UnknownOperationException', message: `the local Lambda serves Invoke only, not ${request.method} ${request.url}` });
      const fn = this.resolve(decodeURIComponent(match[1]));
      if (fn === undefined) return reply(response, 404, { error: 'ResourceNotFoundException', message: `Function not found: ${decodeURIComponent(match[1])}` });
      const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
      if (invocationType !== 'RequestResponse') {
        return reply(response, 400, { error: 'InvalidParameterValueException', message: `the local Lambda runs RequestResponse invocations only, not ${String(invocationType)}` });
      }
      const denied = await this.deny(request, fn);
      if (denied !== undefined) return reply(response, 403, { error: 'AccessDeniedException', message: denied });
      const body = await readBody(request);
      if (body.length > MAX_PAYLOAD_BYTES) {
        return reply(response, 413, { error: 'RequestTooLargeException', message: `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation` });
      }
      const result = await this.invoke(fn, body.length === 0 ? 'null' : body.toString('utf8'));
      response.writeHead(200, {
        'content-type': 'application/json',
        'x-amz-executed-version': '$LATEST',
        ...(result.functionError && { 'x-amz-function-error': result.functionError }),
      });
      response.end(result.payload);
    } catch (error) {
      reply(response, 500, { error: 'ServiceException', message: `the local Lambda failed: ${(error as Error).stack ?? String(error)}` });
    }
  }

  /** Runs one invocation in the function's warm container, starting one if need be. */
  private async invoke(fn: DeployedFunction, payload: string): Promise<InvokeResult> {
    let container = this.containers.get(fn.functionName);
    if (container === undefined || container.stopped) {
      container = new Container(fn, await this.environment(fn));
      this.containers.set(fn.functionName, container);
    }
    const result = await container.invoke(payload);
    if (Buffer.byteLength(result.payload) > MAX_PAYLOAD_BYTES) {
      return {
        functionError: 'Unhandled',
        payload: JSON.stringify({
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_PAYLOAD_BYTES} bytes).`,
        }),
      };
    }
    return result;
  }

  /**
   * The function's process environment: its deployed variables, what Lambda adds, and the endpoints. Nothing of the
   * test process leaks in (no developer credentials or config files).
   */
  private async environment(fn: DeployedFunction): Promise<NodeJS.ProcessEnv> {
    const credentials = await this.roleCredentials(fn.functionName);
    return {
      ...fn.environment,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/${randomUUID()}`,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      LAMBDA_TASK_ROOT: fn.codeDirectory,
      _HANDLER: fn.handler,
      TZ: ':UTC',
      NODE_PATH: RUNTIME_NODE_MODULES,
      AWS_CONFIG_FILE: join(this.props.workDirectory, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(this.props.workDirectory, 'no-aws-credentials'),
      // The two differences from Lambda: the SDK talks to moto, and Invoke comes back here.
      AWS_ENDPOINT_URL: this.props.motoEndpoint,
      AWS_ENDPOINT_URL_LAMBDA: this.endpoint,
    };
  }

  private resolve(name: string): DeployedFunction | undefined {
    const unqualified = name.replace(/:\$LATEST$/, '');
    for (const fn of this.functions.values()) if (fn.functionName === unqualified || fn.functionArn === unqualified) return fn;
    return undefined;
  }

  /**
   * Credentials of a served function's execution role, as Lambda gives the function (from moto's STS): calls signed
   * with them are the function's, and Invoke checks its role's policies.
   */
  public async roleCredentials(functionName: string): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
    const fn = this.functions.get(functionName);
    if (fn === undefined) throw new Error(`the local Lambda serves no function ${functionName}`);
    const roleArn = fn.roleArn;
    const xml = await awsQuery('sts', { Action: 'AssumeRole', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: functionName.slice(0, 64) });
    const field = (name: string) => {
      const value = new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];
      if (value === undefined) throw new Error(`AssumeRole of ${roleArn} answered without ${name}: ${xml}`);
      return value;
    };
    const credentials = { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') };
    this.roles.set(credentials.accessKeyId, roleArn);
    return credentials;
  }

  /** Why IAM would refuse this call, or undefined when the caller may invoke `fn`. */
  private async deny(request: IncomingMessage, fn: DeployedFunction): Promise<string | undefined> {
    const accessKeyId = /Credential=([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
    const roleArn = accessKeyId === undefined ? undefined : this.roles.get(accessKeyId);
    if (roleArn === undefined) return undefined;
    const statements = await inlinePolicyStatements(roleArn);
    const matching = statements.filter((statement) => matchesAny(statement.Action, 'lambda:InvokeFunction') && matchesAny(statement.Resource, fn.functionArn));
    if (matching.some((statement) => statement.Effect === 'Allow') && !matching.some((statement) => statement.Effect === 'Deny')) return undefined;
    return `User: ${roleArn} is not authorized to perform: lambda:InvokeFunction on resource: ${fn.functionArn} because no identity-based policy allows the lambda:InvokeFunction action`;
  }
}

/** One warm container: a child process running runtime.cjs, one invocation at a time. */
class Container {
  public readonly output: string[] = [];
  public stopped = false;
  private readonly child: ChildProcess;
  private queue: Promise<unknown> = Promise.resolve();
  private current?: { requestId: string; settle: (result: InvokeResult) => void };

  public constructor(
    private readonly fn: DeployedFunction,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = fork(RUNTIME_SCRIPT, [], { cwd: fn.codeDirectory, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => this.keep(text));
    }
    this.child.on('message', (message: { requestId: string; payload?: string; error?: unknown }) => {
      if (this.current?.requestId !== message.requestId) return;
      this.current.settle(message.error === undefined ? { payload: message.payload! } : { payload: JSON.stringify(message.error), functionError: 'Unhandled' });
    });
    this.child.on('exit', (code, signal) => {
      this.stopped = true;
      this.current?.settle({
        functionError: 'Unhandled',
        payload: JSON.stringify({
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${this.current.requestId} Error: Runtime exited with ${signal ?? `exit status ${code}`}\n${this.output.slice(-20).join('\n')}`,
        }),
      });
    });
  }

  public invoke(payload: string): Promise<InvokeResult> {
    const run = () =>
      new Promise<InvokeResult>((resolve) => {
        const requestId = randomUUID();
        const timeoutMillis = this.fn.timeoutSeconds * 1000;
        const timer = setTimeout(() => {
          settle({
            functionError: 'Unhandled',
            payload: JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds` }),
          });
          this.stop();
        }, timeoutMillis);
        const settle = (result: InvokeResult) => {
          clearTimeout(timer);
          this.current = undefined;
          resolve(result);
        };
        this.current = { requestId, settle };
        if (this.stopped) {
          settle({ functionError: 'Unhandled', payload: JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: `the container of ${this.fn.functionName} has stopped` }) });
          return;
        }
        this.child.send({ requestId, payload, deadline: Date.now() + timeoutMillis, invokedFunctionArn: this.fn.functionArn });
      });
    const result = this.queue.then(run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  public stop(): void {
    this.stopped = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private keep(text: string): void {
    this.output.push(...withoutSdkNodeNotice(text).split('\n').filter((line) => line !== ''));
    if (this.output.length > LOG_LINES_KEPT) this.output.splice(0, this.output.length - LOG_LINES_KEPT);
  }
}

interface PolicyStatement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
}

/** The statements of a role's inline policies, from moto's IAM (the example's roles have no managed policies). */
async function inlinePolicyStatements(roleArn: string): Promise<PolicyStatement[]> {
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const iam = (params: Record<string, string>) => awsQuery('iam', { Version: '2010-05-08', RoleName: roleName, ...params });
  const list = await iam({ Action: 'ListRolePolicies' });
  const names = [...list.matchAll(/<member>([^<]+)<\/member>/g)].map((match) => match[1]);
  const statements: PolicyStatement[] = [];
  for (const policyName of names) {
    const xml = await iam({ Action: 'GetRolePolicy', PolicyName: policyName });
    let document = unescapeXml(/<PolicyDocument>([\s\S]*?)<\/PolicyDocument>/.exec(xml)?.[1] ?? '{}');
    if (document.startsWith('%')) document = decodeURIComponent(document);
    const parsed = JSON.parse(document) as { Statement?: PolicyStatement | PolicyStatement[] };
    statements.push(...[parsed.Statement ?? []].flat());
  }
  return statements;
}

function matchesAny(patterns: string | string[] | undefined, value: string): boolean {
  return [patterns ?? []].flat().some((pattern) => new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`).test(value));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

function unescapeXml(text: string): string {
  return text.replace(/&(quot|apos|lt|gt|amp|#\d+|#x[0-9a-f]+);/gi, (entity, name: string) => {
    const named: Record<string, string> = { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' };
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return named[name.toLowerCase()] ?? entity;
  });
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** An error the way Lambda's REST API answers one: the type in `x-amzn-errortype`, the message in the body. */
function reply(response: ServerResponse, status: number, error: { error: string; message: string }): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': error.error });
  response.end(JSON.stringify({ Type: 'User', message: error.message }));
}
