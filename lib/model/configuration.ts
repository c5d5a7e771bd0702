import { CONFIG_FILE_NAME, encodeConfig, ENV, JobDefinitionEntry, JobQueueEntry, RuntimeConfig } from './config';
import { ConfigurationError } from './errors';

/**
 * The configuration contract in one place: which variables each function gets, which of them go into its Lambda
 * environment and which ship in `pendant-config.json` beside its bundle, and how a function reads them back. The
 * constructs pass what this module writes to Lambda, and the handlers pass what Lambda gives them to it; neither side
 * decides anything about the configuration itself.
 */

/** The runtime functions a platform deploys. */
export type RuntimeOperation = 'validate' | 'submit' | 'status' | 'logs' | 'terminate';
/** Every function pendant deploys: the runtime functions, the `JobEvents` recorder and `RunJob`'s resume function. */
export type FunctionName = RuntimeOperation | 'record' | 'resume';

/** The variable Powertools' Logger reads its service name from when it is given none. */
export const SERVICE_NAME_VARIABLE = 'POWERTOOLS_SERVICE_NAME';

/** The service name a function's log lines carry, so that one function's lines can be told from another's. */
export function serviceName(fn: FunctionName): string {
  return `pendant-${fn}`;
}

/** One function's configuration, as the construct hands it to Lambda. */
export interface FunctionConfiguration {
  /** The Lambda environment: deploy-time values, the functions' settings and the service name. */
  readonly environment: Readonly<Record<string, string>>;
  /** The text of `pendant-config.json`, shipped beside the bundle; undefined when nothing ships. */
  readonly file?: string;
}

/** What a platform declares, in the model's words: what the runtime functions' configuration is made of. */
export interface PlatformDeclarations {
  /** Job definitions by declared name. */
  readonly jobDefinitions: Readonly<Record<string, JobDefinitionEntry>>;
  /** The queues submit may use; the first is the default. */
  readonly jobQueues: readonly JobQueueEntry[];
  readonly platformId: string;
  readonly idempotencyTable: string;
  /** @default - the model's default */
  readonly idempotencyWindowSeconds?: number;
  /** @default - the model's default */
  readonly listJobsLagBoundSeconds?: number;
  /** @default - the model's default */
  readonly logsMaxResponseBytes?: number;
}

/** Whether a value is known only at deploy time: the constructs pass aws-cdk-lib's `Token.isUnresolved`. */
export type IsDeployTime = (value: string) => boolean;

type Variable = (typeof ENV)[keyof typeof ENV];

/**
 * The variables each runtime function reads. validate checks requests against the declarations without pinning a
 * revision; status, logs and terminate see only the platform's jobs (its tag, on its queues).
 */
export const RUNTIME_VARIABLES: Readonly<Record<RuntimeOperation, readonly Variable[]>> = {
  validate: [ENV.JOB_DEFINITIONS],
  submit: [
    ENV.JOB_DEFINITIONS,
    ENV.PLATFORM_ID,
    ENV.JOB_QUEUES,
    ENV.JOB_QUEUE_SETTINGS,
    ENV.JOB_DEFINITION_REVISIONS,
    ENV.IDEMPOTENCY_TABLE,
    ENV.IDEMPOTENCY_WINDOW_SECONDS,
    ENV.LIST_JOBS_LAG_BOUND_SECONDS,
  ],
  status: [ENV.PLATFORM_ID, ENV.JOB_QUEUES],
  logs: [ENV.PLATFORM_ID, ENV.JOB_QUEUES, ENV.LOGS_MAX_RESPONSE_BYTES],
  terminate: [ENV.PLATFORM_ID, ENV.JOB_QUEUES],
};

/**
 * The declarations: what may grow with the platform (hundreds of job definitions, fifty queues) and is usually known
 * at synth. Known, they ship in the file and leave Lambda's 4 KB environment to the rest; a value only CloudFormation
 * knows (a generated queue name, a deployed revision) can only be in the environment. The functions' settings and
 * table names stay in the environment, where an operator can read and change them.
 */
const DECLARATIONS: ReadonlySet<string> = new Set<Variable>([ENV.JOB_DEFINITIONS, ENV.JOB_DEFINITION_REVISIONS, ENV.JOB_QUEUES, ENV.JOB_QUEUE_SETTINGS, ENV.PLATFORM_ID]);

/** The configuration of each runtime function of a platform. */
export function configureRuntimeFunctions(platform: PlatformDeclarations, isDeployTime: IsDeployTime): Record<RuntimeOperation, FunctionConfiguration> {
  const variables = encodeConfig({
    jobDefinitions: platform.jobDefinitions,
    jobQueues: platform.jobQueues,
    platformId: platform.platformId,
    idempotencyTable: platform.idempotencyTable,
    idempotencyWindowSeconds: platform.idempotencyWindowSeconds,
    listJobsLagBoundSeconds: platform.listJobsLagBoundSeconds,
    logsMaxResponseBytes: platform.logsMaxResponseBytes,
  });
  const configure = (operation: RuntimeOperation) => {
    const needed = RUNTIME_VARIABLES[operation].filter((name) => variables[name] !== undefined);
    return configuration(operation, Object.fromEntries(needed.map((name) => [name, variables[name]])), isDeployTime);
  };
  return { validate: configure('validate'), submit: configure('submit'), status: configure('status'), logs: configure('logs'), terminate: configure('terminate') };
}

/** The `JobEvents` recorder's configuration, and what the platform's status function adds to its environment. */
export function configureJobEvents(input: { readonly table: string; readonly retentionSeconds?: number }): {
  readonly recorder: FunctionConfiguration;
  readonly statusEnvironment: Readonly<Record<string, string>>;
} {
  return {
    recorder: configuration('record', encodeConfig({ jobEventsTable: input.table, jobEventsRetentionSeconds: input.retentionSeconds })),
    statusEnvironment: encodeConfig({ jobEventsTable: input.table }),
  };
}

/** `RunJob`'s resume function's configuration. */
export function configureResume(input: { readonly taskTokenTable: string; readonly logsFunction: string }): FunctionConfiguration {
  return configuration('resume', encodeConfig(input));
}

/** The recorder's and the resume function's variables are table names and settings: they hold no declarations to ship. */
function configuration(fn: FunctionName, variables: Readonly<Record<string, string>>, isDeployTime: IsDeployTime = () => true): FunctionConfiguration {
  const environment: Record<string, string> = { [SERVICE_NAME_VARIABLE]: serviceName(fn) };
  const shipped: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (DECLARATIONS.has(name) && !isDeployTime(value)) shipped[name] = value;
    else environment[name] = value;
  }
  return Object.keys(shipped).length === 0 ? { environment } : { environment, file: JSON.stringify(shipped) };
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A function's configuration, read back from its environment and the text of the file shipped beside its bundle
 * (undefined when none ships): a variable set in the environment wins over the file, so an operator can change one
 * without a deployment.
 */
export function readConfiguration(environment: Env, file?: string): RuntimeConfig {
  if (file === undefined) return new RuntimeConfig(environment);
  let shipped: unknown;
  try {
    shipped = JSON.parse(file);
  } catch (error) {
    throw new ConfigurationError(CONFIG_FILE_NAME, `is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof shipped !== 'object' || shipped === null || Array.isArray(shipped) || !Object.values(shipped).every((value) => typeof value === 'string')) {
    throw new ConfigurationError(CONFIG_FILE_NAME, 'must be a JSON object of variables by name, each a string');
  }
  return new RuntimeConfig({ ...(shipped as Record<string, string>), ...environment });
}
