import { ConfigurationError } from './errors';
import { isValidName } from './job-name';
import { checkParameterSpecs, ParameterSpecs } from './parameters';

/**
 * The contract between the constructs and the handlers: the names of the environment variables that configure the
 * runtime functions, and how their values are written and read. Neither side spells a variable name itself.
 */
export const ENV = {
  /** JSON: `{ "<declared name>": { "definition": "<ARN | name:revision | name>", "parameters": { … } } }`. */
  JOB_DEFINITIONS: 'PENDANT_JOB_DEFINITIONS',
  /**
   * Comma-separated revision numbers, one per entry of JOB_DEFINITIONS in its order, overriding the entries'
   * revisions: the deploy-time part of the configuration, kept small for Lambda's 4 KB environment.
   */
  JOB_DEFINITION_REVISIONS: 'PENDANT_JOB_DEFINITION_REVISIONS',
  /** JSON array of job queue ARNs or names; the first is the default queue. */
  JOB_QUEUES: 'PENDANT_JOB_QUEUES',
  /** The most bytes one logs response may hold (JSON, UTF-8). */
  LOGS_MAX_RESPONSE_BYTES: 'PENDANT_LOGS_MAX_RESPONSE_BYTES',
  /** How many Batch calls one invocation keeps in flight at once (DescribeJobs batches): Batch throttles per account. */
  MAX_CONCURRENCY: 'PENDANT_MAX_CONCURRENCY',
  /** How many HeadObject checks one invocation keeps in flight at once: S3 scales per prefix, not per account. */
  MAX_S3_CONCURRENCY: 'PENDANT_MAX_S3_CONCURRENCY',
  /** The DynamoDB table that records idempotent submissions (partition key `id`, TTL attribute `expiration`). */
  IDEMPOTENCY_TABLE: 'PENDANT_IDEMPOTENCY_TABLE',
  /** How long a submission's idempotency key is remembered, in seconds. */
  IDEMPOTENCY_WINDOW_SECONDS: 'PENDANT_IDEMPOTENCY_WINDOW_SECONDS',
} as const;

/**
 * A JSON object of variables (name → value) shipped beside a function's bundle, for values too large for Lambda's
 * 4 KB environment (the declarations of hundreds of job definitions). A variable set in the environment wins.
 */
export const CONFIG_FILE_NAME = 'pendant-config.json';

/** The log group AWS Batch uses when a job definition does not set `awslogs-group`. */
export const DEFAULT_JOB_LOG_GROUP = '/aws/batch/job';
/** Under Lambda's 6 MB synchronous response limit, with room for the envelope. */
export const DEFAULT_LOGS_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
export const MIN_LOGS_MAX_RESPONSE_BYTES = 1024;
export const DEFAULT_MAX_CONCURRENCY = 8;
/** The SDK's own socket pool for one client: more would only queue. */
export const DEFAULT_MAX_S3_CONCURRENCY = 50;
/** An idempotency key is remembered for at least a day, and at most a month. */
export const DEFAULT_IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;
export const MAX_IDEMPOTENCY_WINDOW_SECONDS = 30 * 24 * 60 * 60;

/** A job definition as the runtime functions know it. */
export interface JobDefinitionConfig {
  /** The name the construct declared; what requests name. */
  readonly declaredName: string;
  /** The job definition's name in AWS Batch. */
  readonly physicalName: string;
  /** The revision deployed with the functions; absent when only the name is known (Batch then uses the latest). */
  readonly revision?: number;
  readonly parameters: ParameterSpecs;
}

/** What a construct writes for one job definition. `definition` may hold deploy-time tokens. */
export interface JobDefinitionEntry {
  /** The job definition's ARN (with revision), `name:revision`, or `name`. */
  readonly definition: string;
  readonly parameters?: ParameterSpecs;
}

/** Everything a construct may configure, in the form it writes it. Absent parts leave their variable unset. */
export interface RuntimeConfigInput {
  readonly jobDefinitions?: Readonly<Record<string, JobDefinitionEntry>>;
  /** Revisions (or tokens of them) in the order of `jobDefinitions`. */
  readonly jobDefinitionRevisions?: readonly string[];
  readonly jobQueues?: readonly string[];
  readonly logsMaxResponseBytes?: number;
  readonly maxConcurrency?: number;
  readonly maxS3Concurrency?: number;
  readonly idempotencyTable?: string;
  readonly idempotencyWindowSeconds?: number;
}

/** Renders configuration as environment variables. Strings may hold CDK tokens: they are written verbatim. */
export function encodeConfig(input: RuntimeConfigInput): Record<string, string> {
  const env: Record<string, string> = {};
  if (input.jobDefinitions !== undefined) env[ENV.JOB_DEFINITIONS] = JSON.stringify(input.jobDefinitions);
  if (input.jobDefinitionRevisions !== undefined) env[ENV.JOB_DEFINITION_REVISIONS] = input.jobDefinitionRevisions.join(',');
  if (input.jobQueues !== undefined) env[ENV.JOB_QUEUES] = JSON.stringify(input.jobQueues);
  if (input.logsMaxResponseBytes !== undefined) env[ENV.LOGS_MAX_RESPONSE_BYTES] = String(input.logsMaxResponseBytes);
  if (input.maxConcurrency !== undefined) env[ENV.MAX_CONCURRENCY] = String(input.maxConcurrency);
  if (input.maxS3Concurrency !== undefined) env[ENV.MAX_S3_CONCURRENCY] = String(input.maxS3Concurrency);
  if (input.idempotencyTable !== undefined) env[ENV.IDEMPOTENCY_TABLE] = input.idempotencyTable;
  if (input.idempotencyWindowSeconds !== undefined) env[ENV.IDEMPOTENCY_WINDOW_SECONDS] = String(input.idempotencyWindowSeconds);
  return env;
}

/** A reference to a job definition split into its name and revision. */
export interface JobDefinitionReference {
  readonly name: string;
  readonly revision?: number;
}

const JOB_DEFINITION_ARN = /^arn:[a-z0-9-]+:batch:[a-z0-9-]*:\d*:job-definition\/(.+)$/;

/** Reads `arn:…:job-definition/name:revision`, `name:revision` or `name`; undefined when it is none of them. */
export function parseJobDefinitionReference(text: string): JobDefinitionReference | undefined {
  const arn = JOB_DEFINITION_ARN.exec(text);
  const nameAndRevision = arn ? arn[1] : text;
  const match = /^([^:]+)(?::(\d+))?$/.exec(nameAndRevision);
  if (!match || !isValidName(match[1])) return undefined;
  const revision = match[2] === undefined ? undefined : Number(match[2]);
  if (revision !== undefined && (revision < 1 || !Number.isSafeInteger(revision))) return undefined;
  return revision === undefined ? { name: match[1] } : { name: match[1], revision };
}

/** The name of a job queue given its ARN or its name. */
export function jobQueueName(queue: string): string {
  const slash = queue.lastIndexOf('/');
  return queue.startsWith('arn:') && slash !== -1 ? queue.slice(slash + 1) : queue;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The configuration of a runtime function, read from its environment on first use and then kept: a variable that is
 * missing or malformed throws `ConfigurationError` naming it when (and only when) the handler needs it.
 */
export class RuntimeConfig {
  public static fromEnv(env: Env = process.env): RuntimeConfig {
    return new RuntimeConfig(env);
  }

  private jobDefinitionsCache?: ReadonlyMap<string, JobDefinitionConfig>;
  private jobQueuesCache?: readonly string[];

  public constructor(private readonly env: Env) {}

  /** Job definitions by declared name. */
  public get jobDefinitions(): ReadonlyMap<string, JobDefinitionConfig> {
    this.jobDefinitionsCache ??= decodeJobDefinitions(this.required(ENV.JOB_DEFINITIONS), this.env[ENV.JOB_DEFINITION_REVISIONS]);
    return this.jobDefinitionsCache;
  }

  /** Job queues as configured (ARNs or names); the first is the default. */
  public get jobQueues(): readonly string[] {
    this.jobQueuesCache ??= decodeJobQueues(this.required(ENV.JOB_QUEUES));
    return this.jobQueuesCache;
  }

  public get logsMaxResponseBytes(): number {
    return this.integer(ENV.LOGS_MAX_RESPONSE_BYTES, DEFAULT_LOGS_MAX_RESPONSE_BYTES, MIN_LOGS_MAX_RESPONSE_BYTES, 6 * 1024 * 1024);
  }

  public get maxConcurrency(): number {
    return this.integer(ENV.MAX_CONCURRENCY, DEFAULT_MAX_CONCURRENCY, 1, 64);
  }

  public get maxS3Concurrency(): number {
    return this.integer(ENV.MAX_S3_CONCURRENCY, DEFAULT_MAX_S3_CONCURRENCY, 1, 100);
  }

  /** The idempotency table's name, or `ConfigurationError` when a request needs it and it is not set. */
  public get idempotencyTable(): string {
    return this.required(ENV.IDEMPOTENCY_TABLE);
  }

  public get idempotencyWindowSeconds(): number {
    return this.integer(ENV.IDEMPOTENCY_WINDOW_SECONDS, DEFAULT_IDEMPOTENCY_WINDOW_SECONDS, DEFAULT_IDEMPOTENCY_WINDOW_SECONDS, MAX_IDEMPOTENCY_WINDOW_SECONDS);
  }

  private required(variable: string): string {
    const value = this.env[variable];
    if (value === undefined || value === '') throw new ConfigurationError(variable, 'is not set');
    return value;
  }

  private integer(variable: string, fallback: number, min: number, max: number): number {
    const text = this.env[variable];
    if (text === undefined || text === '') return fallback;
    const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigurationError(variable, `must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
    }
    return value;
  }
}

function parseJson(variable: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(variable, `is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function decodeRevisions(text: string | undefined, count: number): Array<number | undefined> {
  if (text === undefined || text === '') return [];
  const revisions = text.split(',').map((part) => (part === '' ? undefined : /^\d{1,10}$/.test(part) ? Number(part) : Number.NaN));
  if (revisions.length !== count || revisions.some((revision) => revision !== undefined && !(revision >= 1))) {
    throw new ConfigurationError(
      ENV.JOB_DEFINITION_REVISIONS,
      `must be ${count} comma-separated positive integers, one per job definition, got ${JSON.stringify(text)}`,
    );
  }
  return revisions;
}

function decodeJobDefinitions(text: string, revisionsText: string | undefined): ReadonlyMap<string, JobDefinitionConfig> {
  const variable = ENV.JOB_DEFINITIONS;
  const json = parseJson(variable, text);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigurationError(variable, 'must be a JSON object of job definitions by name');
  }
  const entries = Object.entries(json as Record<string, unknown>);
  const revisions = decodeRevisions(revisionsText, entries.length);
  const definitions = new Map<string, JobDefinitionConfig>();
  for (const [index, [declaredName, entry]] of entries.entries()) {
    const where = `job definition ${JSON.stringify(declaredName)}`;
    if (typeof entry !== 'object' || entry === null || typeof (entry as JobDefinitionEntry).definition !== 'string') {
      throw new ConfigurationError(variable, `${where} must be an object with a "definition" string`);
    }
    const { definition, parameters = {} } = entry as JobDefinitionEntry;
    const reference = parseJobDefinitionReference(definition);
    if (reference === undefined) {
      throw new ConfigurationError(variable, `${where}: ${JSON.stringify(definition)} is not a job definition ARN, name:revision or name`);
    }
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
      throw new ConfigurationError(variable, `${where}: parameters must be an object`);
    }
    const problems = checkParameterSpecs(parameters);
    if (problems.length > 0) throw new ConfigurationError(variable, `${where}: ${problems.join('; ')}`);
    const revision = revisions[index] ?? reference.revision;
    definitions.set(declaredName, {
      declaredName,
      physicalName: reference.name,
      ...(revision === undefined ? {} : { revision }),
      parameters,
    });
  }
  return definitions;
}

function decodeJobQueues(text: string): readonly string[] {
  const json = parseJson(ENV.JOB_QUEUES, text);
  if (!Array.isArray(json) || json.length === 0 || !json.every((queue) => typeof queue === 'string' && queue !== '')) {
    throw new ConfigurationError(ENV.JOB_QUEUES, 'must be a non-empty JSON array of job queue ARNs or names');
  }
  return json as string[];
}
