import { ConfigurationError } from './errors';
import { isValidName } from './job-name';
import { checkOverridePolicy, JobOverridePolicy, JobResources } from './overrides';
import { checkParameterSpecs, ParameterSpecs } from './parameters';
import { MultiNodeLayout, PLATFORM_NAMES, PlatformName } from './platform';

/**
 * The contract between the constructs and the handlers: the names of the environment variables that configure the
 * runtime functions, and how their values are written and read. Neither side spells a variable name itself.
 */
export const ENV = {
  /**
   * JSON: `{ "<declared name>": { "definition": "<ARN | name:revision | name>", "parameters": { … }, "platform":
   * "FARGATE" | "EC2", "overrides": { … }, "resources": { "vcpus", "memoryMiB", "gpus"? }, "nodes": { … } } }`.
   */
  JOB_DEFINITIONS: 'PENDANT_JOB_DEFINITIONS',
  /**
   * The deployed revisions by declared name, `<declared name>=<revision | name:revision>` joined by commas (declared
   * names are job definition names: no `=` or `,`): the deploy-time part of the configuration, kept small for Lambda's
   * 4 KB environment. Each revision names its definition, so nothing depends on the order of the declarations (JSON
   * puts integer-like keys such as `2024` first).
   */
  JOB_DEFINITION_REVISIONS: 'PENDANT_JOB_DEFINITION_REVISIONS',
  /** JSON array of job queue names or ARNs; the first is the default queue. */
  JOB_QUEUES: 'PENDANT_JOB_QUEUES',
  /**
   * JSON array of `{ "platform": "FARGATE" | "EC2", "fairShare": true | false }`, one per entry of JOB_QUEUES, written
   * from the same list: what submit checks a request against before calling AWS.
   */
  JOB_QUEUE_SETTINGS: 'PENDANT_JOB_QUEUE_SETTINGS',
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
  /**
   * The DynamoDB table of job state transitions that the `JobEvents` construct records (layout in `job-events.ts`):
   * set on the recorder, and on the status function, which then answers the jobs the table knows from it.
   */
  JOB_EVENTS_TABLE: 'PENDANT_JOB_EVENTS_TABLE',
  /** How long a recorded transition is kept, in seconds (the recorder sets each item's TTL from it). */
  JOB_EVENTS_RETENTION_SECONDS: 'PENDANT_JOB_EVENTS_RETENTION_SECONDS',
  /**
   * The longest ListJobs is assumed to take to list a job after the SubmitJob that created it ended, in seconds: a
   * keyed submission submits again only once a look-up made after this bound misses its earlier attempt's job.
   */
  LIST_JOBS_LAG_BOUND_SECONDS: 'PENDANT_LIST_JOBS_LAG_BOUND_SECONDS',
  /** The platform's id, which every job submit starts carries in the `pendant:platform` tag. */
  PLATFORM_ID: 'PENDANT_PLATFORM_ID',
  /**
   * The DynamoDB table where the resume function keeps the task tokens of waiting executions (partition key `jobId`,
   * sort key `tokenHash`, TTL attribute `expiration`).
   */
  TASK_TOKEN_TABLE: 'PENDANT_TASK_TOKEN_TABLE',
  /** The logs function's name or ARN: the resume function reads a failed job's last lines through it. */
  LOGS_FUNCTION: 'PENDANT_LOGS_FUNCTION',
} as const;

/**
 * A JSON object of variables (name → value) shipped beside a function's bundle, for values too large for Lambda's
 * 4 KB environment (the declarations of hundreds of job definitions). A variable set in the environment wins.
 */
export const CONFIG_FILE_NAME = 'pendant-config.json';

/**
 * The tag every job pendant submits carries, valued with the platform's id: the terminate role may stop only jobs
 * that carry the platform's value (IAM `aws:ResourceTag`), and status, logs and terminate describe only those.
 */
export const PLATFORM_TAG = 'pendant:platform';

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
/** Job state transitions are kept a month by default (Batch itself lists a job for at least 7 days), at most a year. */
export const DEFAULT_JOB_EVENTS_RETENTION_SECONDS = 30 * 24 * 60 * 60;
export const MIN_JOB_EVENTS_RETENTION_SECONDS = 24 * 60 * 60;
export const MAX_JOB_EVENTS_RETENTION_SECONDS = 366 * 24 * 60 * 60;
/**
 * The ListJobs lag pendant assumes by default: AWS documents no bound on how long a new job takes to show in
 * ListJobs, and a lag above the bound is the one case where a keyed submission could start a second job.
 */
export const DEFAULT_LIST_JOBS_LAG_BOUND_SECONDS = 30;
export const MIN_LIST_JOBS_LAG_BOUND_SECONDS = 1;
export const MAX_LIST_JOBS_LAG_BOUND_SECONDS = 600;


/** A job definition as the runtime functions know it. */
export interface JobDefinitionConfig {
  /** The name the construct declared; what requests name. */
  readonly declaredName: string;
  /** The job definition's name in AWS Batch. */
  readonly physicalName: string;
  /** The revision deployed with the functions; absent when only the name is known (Batch then uses the latest). */
  readonly revision?: number;
  /** @default - unknown: submit does not check the queue's platform */
  readonly platform?: PlatformName;
  readonly parameters: ParameterSpecs;
  /** What callers may override; `{}` (nothing) unless declared. */
  readonly overrides: JobOverridePolicy;
  /** What the definition reserves. @default - unknown */
  readonly resources?: JobResources;
  /** A multi-node parallel definition's node layout; absent for a single-node one. */
  readonly nodes?: MultiNodeLayout;
}


/** What a construct writes for one job definition. `definition` may hold deploy-time tokens. */
export interface JobDefinitionEntry {
  /** The job definition's ARN (with revision), `name:revision`, or `name`. */
  readonly definition: string;
  readonly parameters?: ParameterSpecs;
  /** @default - unknown */
  readonly platform?: PlatformName;
  /** What callers may override. @default - nothing */
  readonly overrides?: JobOverridePolicy;
  /** What the definition reserves, against which a single resource override is checked. @default - unknown */
  readonly resources?: JobResources;
  /**
   * The deployed revision, or `name:revision`, usually a deploy-time token: written to JOB_DEFINITION_REVISIONS under
   * the declared name, and overriding the revision of `definition`.
   * @default - the revision `definition` carries, if any
   */
  readonly revision?: string;
  /** @default - a single-node definition */
  readonly nodes?: MultiNodeLayout;
}

/** What a construct writes for one job queue. */
export interface JobQueueEntry {
  /** The queue's name or ARN (a deploy-time token is fine). */
  readonly queue: string;
  /** @default - unknown: submit does not check definitions against it */
  readonly platform?: PlatformName;
  /**
   * Whether the queue has a fair-share scheduling policy, so that SubmitJob needs a `shareIdentifier`.
   * @default false
   */
  readonly fairShare?: boolean;
}

/** A job queue as the runtime functions know it. */
export interface JobQueueConfig {
  /** The name or ARN as configured: what SubmitJob is sent. */
  readonly queue: string;
  readonly name: string;
  /** Undefined when the configuration does not say. */
  readonly platform?: PlatformName;
  /** Undefined when the configuration does not say: nothing is required or refused then. */
  readonly fairShare?: boolean;
}

/** Everything a construct may configure, in the form it writes it. Absent parts leave their variable unset. */
export interface RuntimeConfigInput {
  readonly jobDefinitions?: Readonly<Record<string, JobDefinitionEntry>>;
  /** Names or ARNs, or entries with the queue's platform and scheduling; the first is the default queue. */
  readonly jobQueues?: ReadonlyArray<string | JobQueueEntry>;
  readonly logsMaxResponseBytes?: number;
  readonly maxConcurrency?: number;
  readonly maxS3Concurrency?: number;
  readonly idempotencyTable?: string;
  readonly idempotencyWindowSeconds?: number;
  readonly jobEventsTable?: string;
  readonly jobEventsRetentionSeconds?: number;
  readonly listJobsLagBoundSeconds?: number;
  readonly platformId?: string;
  readonly taskTokenTable?: string;
  readonly logsFunction?: string;
}

/**
 * The declarations in the order given, each one's fields in alphabetical order: the same declarations encode to the
 * same text whatever order their fields were written in (a TypeScript object literal, or a struct from Python whose
 * fields jsii sends in its own order), so the configuration file, and with it the functions' asset hash, only
 * changes when a declaration does.
 */
function canonicalParameters(parameters: ParameterSpecs): ParameterSpecs {
  return Object.fromEntries(
    Object.entries(parameters).map(([name, spec]) => [name, Object.fromEntries(Object.entries(spec).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))]),
  ) as ParameterSpecs;
}

/** Renders configuration as environment variables. Strings may hold CDK tokens: they are written verbatim. */
export function encodeConfig(input: RuntimeConfigInput): Record<string, string> {
  const env: Record<string, string> = {};
  if (input.jobDefinitions !== undefined) {
    const revisions: string[] = [];
    const declarations: Record<string, unknown> = {};
    for (const [declaredName, { revision, ...given }] of Object.entries(input.jobDefinitions)) {
      declarations[declaredName] = given.parameters === undefined ? given : { ...given, parameters: canonicalParameters(given.parameters) };
      if (revision === undefined) continue;
      // The pairs are split at `,` and `=`: a declared name holding either would be read back as another.
      if (!isValidName(declaredName)) {
        throw new ConfigurationError(ENV.JOB_DEFINITION_REVISIONS, `cannot carry the revision of ${JSON.stringify(declaredName)}: a declared name is a job definition name (letters, digits, - and _)`);
      }
      revisions.push(`${declaredName}=${revision}`);
    }
    env[ENV.JOB_DEFINITIONS] = JSON.stringify(declarations);
    if (revisions.length > 0) env[ENV.JOB_DEFINITION_REVISIONS] = revisions.join(',');
  }
  if (input.jobQueues !== undefined) {
    const entries = input.jobQueues.map((entry) => (typeof entry === 'string' ? { queue: entry } : entry));
    env[ENV.JOB_QUEUES] = JSON.stringify(entries.map((entry) => entry.queue));
    if (input.jobQueues.some((entry) => typeof entry !== 'string')) {
      env[ENV.JOB_QUEUE_SETTINGS] = JSON.stringify(entries.map(({ queue: _, ...settings }) => settings));
    }
  }
  if (input.logsMaxResponseBytes !== undefined) env[ENV.LOGS_MAX_RESPONSE_BYTES] = String(input.logsMaxResponseBytes);
  if (input.maxConcurrency !== undefined) env[ENV.MAX_CONCURRENCY] = String(input.maxConcurrency);
  if (input.maxS3Concurrency !== undefined) env[ENV.MAX_S3_CONCURRENCY] = String(input.maxS3Concurrency);
  if (input.idempotencyTable !== undefined) env[ENV.IDEMPOTENCY_TABLE] = input.idempotencyTable;
  if (input.idempotencyWindowSeconds !== undefined) env[ENV.IDEMPOTENCY_WINDOW_SECONDS] = String(input.idempotencyWindowSeconds);
  if (input.jobEventsTable !== undefined) env[ENV.JOB_EVENTS_TABLE] = input.jobEventsTable;
  if (input.jobEventsRetentionSeconds !== undefined) env[ENV.JOB_EVENTS_RETENTION_SECONDS] = String(input.jobEventsRetentionSeconds);
  if (input.listJobsLagBoundSeconds !== undefined) env[ENV.LIST_JOBS_LAG_BOUND_SECONDS] = String(input.listJobsLagBoundSeconds);
  if (input.platformId !== undefined) env[ENV.PLATFORM_ID] = input.platformId;
  if (input.taskTokenTable !== undefined) env[ENV.TASK_TOKEN_TABLE] = input.taskTokenTable;
  if (input.logsFunction !== undefined) env[ENV.LOGS_FUNCTION] = input.logsFunction;
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

/** What AWS allows in a tag value (Tagging AWS resources: letters, digits, spaces and _.:/=+-@), without spaces. */
const PLATFORM_ID_PATTERN = /^[A-Za-z0-9_.:/=+\-@]{1,128}$/;

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
  private jobQueuesCache?: readonly JobQueueConfig[];

  public constructor(private readonly env: Env) {}

  /** Job definitions by declared name. */
  public get jobDefinitions(): ReadonlyMap<string, JobDefinitionConfig> {
    this.jobDefinitionsCache ??= decodeJobDefinitions(this.required(ENV.JOB_DEFINITIONS), this.env[ENV.JOB_DEFINITION_REVISIONS]);
    return this.jobDefinitionsCache;
  }

  /** Job queues as configured, with their platform and scheduling where known; the first is the default. */
  public get jobQueues(): readonly JobQueueConfig[] {
    this.jobQueuesCache ??= decodeJobQueues(this.required(ENV.JOB_QUEUES), this.env[ENV.JOB_QUEUE_SETTINGS]);
    return this.jobQueuesCache;
  }

  /** The configured job queues, or undefined when the configuration names none (status, logs and terminate may not). */
  public get jobQueuesIfConfigured(): readonly JobQueueConfig[] | undefined {
    const text = this.env[ENV.JOB_QUEUES];
    return text === undefined || text === '' ? undefined : this.jobQueues;
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

  /** The job events table's name, or undefined when the function was deployed without `JobEvents`. */
  public get jobEventsTable(): string | undefined {
    const value = this.env[ENV.JOB_EVENTS_TABLE];
    return value === undefined || value === '' ? undefined : value;
  }

  public get jobEventsRetentionSeconds(): number {
    return this.integer(ENV.JOB_EVENTS_RETENTION_SECONDS, DEFAULT_JOB_EVENTS_RETENTION_SECONDS, MIN_JOB_EVENTS_RETENTION_SECONDS, MAX_JOB_EVENTS_RETENTION_SECONDS);
  }

  public get listJobsLagBoundSeconds(): number {
    return this.integer(ENV.LIST_JOBS_LAG_BOUND_SECONDS, DEFAULT_LIST_JOBS_LAG_BOUND_SECONDS, MIN_LIST_JOBS_LAG_BOUND_SECONDS, MAX_LIST_JOBS_LAG_BOUND_SECONDS);
  }

  /**
   * The platform's id, or undefined when the functions were configured without one (then jobs are not tagged and
   * not checked against it).
   */
  public get platformId(): string | undefined {
    const value = this.env[ENV.PLATFORM_ID];
    if (value === undefined || value === '') return undefined;
    if (!PLATFORM_ID_PATTERN.test(value)) throw new ConfigurationError(ENV.PLATFORM_ID, `must be 1 to 128 letters, digits or any of _.:/=+-@, got ${JSON.stringify(value)}`);
    return value;
  }

  /** The task token table's name (the resume function's). */
  public get taskTokenTable(): string {
    return this.required(ENV.TASK_TOKEN_TABLE);
  }

  /** The logs function the resume function reads failed jobs' last lines through. */
  public get logsFunction(): string {
    return this.required(ENV.LOGS_FUNCTION);
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

function decodeRevisions(text: string | undefined): ReadonlyMap<string, JobDefinitionReference | number> {
  const revisions = new Map<string, JobDefinitionReference | number>();
  if (text === undefined || text === '') return revisions;
  for (const pair of text.split(',')) {
    const separator = pair.indexOf('=');
    const declaredName = pair.slice(0, separator);
    const value = pair.slice(separator + 1);
    const number = /^\d{1,10}$/.test(value) ? Number(value) : undefined;
    const reference = number === undefined ? parseJobDefinitionReference(value) : undefined;
    const revision = number !== undefined && number >= 1 ? number : reference?.revision === undefined ? undefined : reference;
    if (separator < 1 || revision === undefined) {
      throw new ConfigurationError(
        ENV.JOB_DEFINITION_REVISIONS,
        `must be comma-separated name=revision pairs (a revision is a positive integer or name:revision), got ${JSON.stringify(text)}`,
      );
    }
    if (revisions.has(declaredName)) throw new ConfigurationError(ENV.JOB_DEFINITION_REVISIONS, `names ${JSON.stringify(declaredName)} twice`);
    revisions.set(declaredName, revision);
  }
  return revisions;
}

function decodeJobDefinitions(text: string, revisionsText: string | undefined): ReadonlyMap<string, JobDefinitionConfig> {
  const variable = ENV.JOB_DEFINITIONS;
  const json = parseJson(variable, text);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigurationError(variable, 'must be a JSON object of job definitions by name');
  }
  const revisions = decodeRevisions(revisionsText);
  const definitions = new Map<string, JobDefinitionConfig>();
  for (const [declaredName, entry] of Object.entries(json as Record<string, unknown>)) {
    const where = `job definition ${JSON.stringify(declaredName)}`;
    if (typeof entry !== 'object' || entry === null || typeof (entry as JobDefinitionEntry).definition !== 'string') {
      throw new ConfigurationError(variable, `${where} must be an object with a "definition" string`);
    }
    const { definition, parameters = {}, platform, overrides = {}, resources, nodes } = entry as JobDefinitionEntry;
    const reference = parseJobDefinitionReference(definition);
    if (reference === undefined) {
      throw new ConfigurationError(variable, `${where}: ${JSON.stringify(definition)} is not a job definition ARN, name:revision or name`);
    }
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
      throw new ConfigurationError(variable, `${where}: parameters must be an object`);
    }
    if (platform !== undefined && !PLATFORM_NAMES.includes(platform)) {
      throw new ConfigurationError(variable, `${where}: platform must be one of ${PLATFORM_NAMES.join(', ')}, got ${JSON.stringify(platform)}`);
    }
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
      throw new ConfigurationError(variable, `${where}: overrides must be an object`);
    }
    if (resources !== undefined && !isResources(resources)) {
      throw new ConfigurationError(variable, `${where}: resources must be { "vcpus": <number>, "memoryMiB": <integer>, "gpus"?: <integer> }`);
    }
    const problems = [...checkParameterSpecs(parameters), ...checkOverridePolicy(overrides, platform)];
    if (problems.length > 0) throw new ConfigurationError(variable, `${where}: ${problems.join('; ')}`);
    if (nodes !== undefined && !isMultiNodeLayout(nodes)) {
      throw new ConfigurationError(variable, `${where}: nodes must be { "mainNode": <n>, "numNodes": <n>, "openRangeStart"?: <n> } with mainNode below numNodes`);
    }
    // Only a function that submits is given the revisions; validate reads the same declarations without them.
    const deployed = revisions.get(declaredName);
    const physicalName = typeof deployed === 'object' ? deployed.name : reference.name;
    const revision = typeof deployed === 'object' ? deployed.revision : deployed ?? reference.revision;
    definitions.set(declaredName, {
      declaredName,
      physicalName,
      ...(revision === undefined ? {} : { revision }),
      ...(platform === undefined ? {} : { platform }),
      parameters,
      overrides,
      ...(resources === undefined ? {} : { resources }),
      ...(nodes === undefined ? {} : { nodes }),
    });
  }
  const undeclared = [...revisions.keys()].find((declaredName) => !definitions.has(declaredName));
  if (undeclared !== undefined) {
    throw new ConfigurationError(ENV.JOB_DEFINITION_REVISIONS, `names ${JSON.stringify(undeclared)}, which ${ENV.JOB_DEFINITIONS} does not declare`);
  }
  return definitions;
}

function isMultiNodeLayout(value: unknown): value is MultiNodeLayout {
  if (typeof value !== 'object' || value === null) return false;
  const { mainNode, numNodes, openRangeStart, ...rest } = value as Record<string, unknown>;
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  return Object.keys(rest).length === 0 && count(mainNode) && count(numNodes) && (mainNode as number) < (numNodes as number) && (openRangeStart === undefined || count(openRangeStart));
}

function isResources(value: unknown): value is JobResources {
  if (typeof value !== 'object' || value === null) return false;
  const { vcpus, memoryMiB, gpus, ...rest } = value as Record<string, unknown>;
  const positive = (item: unknown) => typeof item === 'number' && Number.isFinite(item) && item > 0;
  return Object.keys(rest).length === 0 && positive(vcpus) && positive(memoryMiB) && (gpus === undefined || Number.isSafeInteger(gpus));
}

function decodeJobQueues(text: string, settingsText: string | undefined): readonly JobQueueConfig[] {
  const json = parseJson(ENV.JOB_QUEUES, text);
  if (!Array.isArray(json) || json.length === 0 || !json.every((queue) => typeof queue === 'string' && queue !== '')) {
    throw new ConfigurationError(ENV.JOB_QUEUES, 'must be a non-empty JSON array of job queue ARNs or names');
  }
  const queues = json as string[];
  const settings = settingsText === undefined || settingsText === '' ? undefined : parseJson(ENV.JOB_QUEUE_SETTINGS, settingsText);
  const valid =
    settings === undefined ||
    (Array.isArray(settings) &&
      settings.length === queues.length &&
      settings.every(
        (item: Record<string, unknown> | null) =>
          typeof item === 'object' &&
          item !== null &&
          Object.keys(item).every((key) => key === 'platform' || key === 'fairShare') &&
          (item.platform === undefined || PLATFORM_NAMES.includes(item.platform as PlatformName)) &&
          (item.fairShare === undefined || typeof item.fairShare === 'boolean'),
      ));
  if (!valid) {
    throw new ConfigurationError(
      ENV.JOB_QUEUE_SETTINGS,
      `must be a JSON array of ${queues.length} { "platform": "FARGATE" | "EC2", "fairShare": boolean }, one per job queue`,
    );
  }
  return queues.map((queue, index) => {
    const { platform, fairShare } = (settings as Array<{ platform?: PlatformName; fairShare?: boolean }> | undefined)?.[index] ?? {};
    return { queue, name: jobQueueName(queue), ...(platform && { platform }), ...(fairShare !== undefined && { fairShare }) };
  });
}
