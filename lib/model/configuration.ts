import { CONFIG_FILE_NAME, encodeConfig, ENV, JobDefinitionEntry, JobQueueEntry, RuntimeConfig } from './config';
import { ConfigurationError } from './errors';
import { HandlerName, Operation, OPERATION_NAMES, OPERATIONS } from './operations';

/**
 * The configuration contract in one place: which variables each function gets, which of them go into its Lambda
 * environment and which ship in `pendant-config.json` beside its bundle, and how a function reads them back. The
 * constructs pass what this module writes to Lambda, and the handlers pass what Lambda gives them to it; neither side
 * decides anything about the configuration itself.
 */

/** The runtime functions a platform deploys: the registry's operations (operations.ts). */
export type RuntimeOperation = Operation;
/** Every function pendant deploys: the runtime functions, the `JobEvents` recorder and `RunJob`'s resume function. */
export type FunctionName = HandlerName;

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

/** A part of the runtime configuration (`config.ts`) a function reads; it is given that part and no other. */
export type ConfigurationPart =
  /** The declarations of the job definitions: parameters, platform, override policy, resources. */
  | 'jobDefinitions'
  /** The job definitions' deployed revisions. */
  | 'revisions'
  /** The job queues' names or ARNs. */
  | 'jobQueues'
  /** Each job queue's platform and scheduling. */
  | 'queueSettings'
  /** The `pendant:platform` tag value of the platform's jobs. */
  | 'platformId'
  /** The idempotency table and window. */
  | 'idempotency'
  | 'listJobsLagBound'
  | 'logsMaxResponseBytes';

/**
 * The environment variables each part is written to, in the order a function's configuration lists them (the
 * configuration file's text, and with it the asset hash, depends on that order).
 */
export const CONFIGURATION_VARIABLES: { readonly [P in ConfigurationPart]: readonly Variable[] } = {
  jobDefinitions: [ENV.JOB_DEFINITIONS],
  platformId: [ENV.PLATFORM_ID],
  queueSettings: [ENV.JOB_QUEUE_SETTINGS],
  revisions: [ENV.JOB_DEFINITION_REVISIONS],
  jobQueues: [ENV.JOB_QUEUES],
  idempotency: [ENV.IDEMPOTENCY_TABLE, ENV.IDEMPOTENCY_WINDOW_SECONDS],
  listJobsLagBound: [ENV.LIST_JOBS_LAG_BOUND_SECONDS],
  logsMaxResponseBytes: [ENV.LOGS_MAX_RESPONSE_BYTES],
};

/** The variables a runtime function reads: those of the configuration parts the registry gives its operation. */
export function runtimeVariables(operation: RuntimeOperation): readonly Variable[] {
  return OPERATIONS[operation].configuration.flatMap((part) => CONFIGURATION_VARIABLES[part]);
}

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
    const needed = runtimeVariables(operation).filter((name) => variables[name] !== undefined);
    return configuration(operation, Object.fromEntries(needed.map((name) => [name, variables[name]])), isDeployTime);
  };
  return Object.fromEntries(OPERATION_NAMES.map((operation) => [operation, configure(operation)])) as Record<RuntimeOperation, FunctionConfiguration>;
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
