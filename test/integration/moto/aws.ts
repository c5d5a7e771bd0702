import { BatchClient } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { BATCH_WITHOUT_DOCKER, ENDPOINT_VARIABLE, motoApi } from './server';

/**
 * What integration tests need of the moto_server the global setup started: real SDK v3 clients pointed at it, a
 * reset between tests, moto's state-manager controls, and a recorder of the commands a client sends.
 */

export const REGION = 'us-east-1';
/** moto's default account. */
export const ACCOUNT = '123456789012';
/** Any credentials do for moto; these are its documented defaults. */
export const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** The moto endpoint, e.g. `http://127.0.0.1:54321`. */
export function motoEndpoint(): string {
  const endpoint = process.env[ENDPOINT_VARIABLE];
  if (endpoint === undefined || endpoint === '') {
    throw new Error(`${ENDPOINT_VARIABLE} is not set: run the integration suite with npm run test:integration, whose global setup starts moto_server`);
  }
  return endpoint;
}

export interface MotoClients {
  readonly batch: BatchClient;
  readonly s3: S3Client;
  readonly logs: CloudWatchLogsClient;
  readonly dynamodb: DynamoDBClient;
}

/** A fresh set of clients, so a test can record one set's commands without counting another's. */
export function motoClients(): MotoClients {
  const common = { endpoint: motoEndpoint(), region: REGION, credentials: CREDENTIALS };
  return {
    batch: new BatchClient(common),
    s3: new S3Client({ ...common, forcePathStyle: true }),
    logs: new CloudWatchLogsClient(common),
    dynamodb: new DynamoDBClient(common),
  };
}

/**
 * Forgets every resource, and puts back what the reset does not touch: the batch backend without Docker and the
 * default state transitions of Batch jobs (`setJobTransition` changes them for the whole server).
 */
export async function resetMoto(): Promise<void> {
  const endpoint = motoEndpoint();
  await motoApi(endpoint, '/moto-api/reset');
  await motoApi(endpoint, '/moto-api/config', BATCH_WITHOUT_DOCKER);
  await unsetJobTransition();
}

/**
 * With `true`, SubmitJob goes to moto's Docker backend: each job is a thread that walks SUBMITTED → PENDING →
 * RUNNABLE → STARTING as moto's state manager lets it, then fails, because the server has no Docker to run the
 * container in (the global setup points DOCKER_HOST at nothing). Both backends share the same resources and jobs.
 */
export async function useDockerBackend(enabled: boolean): Promise<void> {
  await motoApi(motoEndpoint(), '/moto-api/config', { batch: { use_docker: enabled } });
}

const JOB_MODEL = 'batch::job';

/** How moto's state manager moves Batch jobs of the Docker backend on; global to the server until `resetMoto`. */
export type JobTransition = { progression: 'manual'; times: number } | { progression: 'time'; seconds: number };

export async function setJobTransition(transition: JobTransition): Promise<void> {
  await motoApi(motoEndpoint(), '/moto-api/state-manager/set-transition', { model_name: JOB_MODEL, transition });
}

/** Back to moto's default: Batch jobs of the Docker backend move on as soon as their thread looks. */
export async function unsetJobTransition(): Promise<void> {
  await motoApi(motoEndpoint(), '/moto-api/state-manager/unset-transition', { model_name: JOB_MODEL });
}

/**
 * A call to an AWS query API (IAM) without an SDK client for it: moto routes the request by the service in the
 * credential scope of the Authorization header and does not check the signature.
 */
export async function awsQuery(service: string, params: Record<string, string>): Promise<string> {
  const response = await fetch(`${motoEndpoint()}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/20240101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=unsigned`,
    },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${service} ${params.Action} answered ${response.status}: ${text}`);
  return text;
}

/** One command a client sent, as its caller built it. */
export interface RecordedCall {
  /** The command's name, e.g. `DescribeJobsCommand`. */
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** The commands a client sent, counted by name. Retries of one command count once. */
export class CallRecorder {
  public readonly calls: RecordedCall[] = [];

  /** How many `command`s were sent, e.g. `count('DescribeJobs')` (the `Command` suffix is optional). */
  public count(command: string): number {
    const name = command.endsWith('Command') ? command : `${command}Command`;
    return this.calls.filter((call) => call.command === name).length;
  }

  /** Every command sent with the given name, in order. */
  public inputsOf(command: string): Array<Record<string, unknown>> {
    const name = command.endsWith('Command') ? command : `${command}Command`;
    return this.calls.filter((call) => call.command === name).map((call) => call.input);
  }

  /** Counts by command name. */
  public counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const call of this.calls) counts[call.command] = (counts[call.command] ?? 0) + 1;
    return counts;
  }

  public clear(): void {
    this.calls.length = 0;
  }
}

type Next = (args: { input: Record<string, unknown> }) => Promise<unknown>;
interface Stack {
  add(middleware: (next: Next, context: { commandName?: string }) => Next, options: { step: 'initialize'; name: string }): void;
}

/**
 * Records every command `client` sends, as SDK middleware in the initialize step: it sees each command once, with
 * the input its caller built, before serialization and before any retry.
 *
 * @example
 * const calls = recordCalls(clients.batch);
 * await handler({ jobIds });
 * expect(calls.count('DescribeJobs')).toBe(3);
 */
export function recordCalls(client: BatchClient | S3Client | CloudWatchLogsClient | DynamoDBClient, recorder = new CallRecorder()): CallRecorder {
  (client.middlewareStack as unknown as Stack).add(
    (next, context) => async (args) => {
      recorder.calls.push({ command: context.commandName ?? 'UnknownCommand', input: { ...args.input } });
      return next(args);
    },
    { step: 'initialize', name: 'pendantTestCallRecorder' },
  );
  return recorder;
}
