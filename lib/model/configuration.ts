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

/**
 * Lambda refuses a function whose environment is larger: "Environment variables: 4 KB, for all environment variables
 * associated with the function, in aggregate" (AWS Lambda Developer Guide, "Lambda quotas"). Lambda measures the
 * variables as one JSON object, keys and values quoted: its refusal quotes the "String measured",
 * `{"NAME":"value",…}`, so the quotes, and the backslash before each quote inside a JSON value, count too.
 */
export const MAX_ENVIRONMENT_BYTES = 4096;

/**
 * `value` with each deploy-time value in it written as `standIn`: how the model measures text that only CloudFormation
 * completes. The constructs pass one built on aws-cdk-lib's `Tokenization.reverseString`.
 */
export type ReplaceDeployTime = (value: string, standIn: string) => string;

/**
 * What a deploy-time value is taken to weigh. `least`: nothing CloudFormation writes is shorter than one character (a
 * revision is at least `1`, a name at least one letter), so an environment over 4 KB at that size can never deploy.
 * `revision`: five digits, as the 50-queue test renders them (99999); Batch adds a revision on each update of a
 * definition, so a long-lived platform's revisions keep growing. `name`: what CloudFormation generates, `<stack>-<logical
 * id>-<12 random characters>`: a 20-character stack name and a 30-character logical id (CDK's path and 8 hash
 * characters) make 64. A definition whose name only CloudFormation knows carries `name:revision`, which is counted as
 * a revision: the estimate undercounts it. Variables added after synth (`addEnvironment`) are not measured.
 */
export const DEPLOY_TIME_VALUE_BYTES = { least: 1, revision: 5, name: 64 } as const;

/** A size in bytes as Lambda measures it (MAX_ENVIRONMENT_BYTES), each deploy-time value at its least and at its typical size. */
export interface MeasuredBytes {
  readonly least: number;
  readonly typical: number;
}

/** A function's environment as Lambda measures it: in all, and each variable's `"NAME":"value"` in the measured object. */
export interface EnvironmentSize extends MeasuredBytes {
  readonly variables: Readonly<Record<string, MeasuredBytes>>;
}

const utf8 = new TextEncoder();

/** The typical size of a deploy-time value in `variable`: its revisions are numbers, everything else is a name. */
function typicalBytes(variable: string): number {
  return variable === ENV.JOB_DEFINITION_REVISIONS ? DEPLOY_TIME_VALUE_BYTES.revision : DEPLOY_TIME_VALUE_BYTES.name;
}

/** The size of `environment` as Lambda measures it (MAX_ENVIRONMENT_BYTES), its deploy-time values at their least and typical sizes. */
export function environmentSize(environment: Readonly<Record<string, string>>, replaceDeployTime: ReplaceDeployTime): EnvironmentSize {
  // A stand-in JSON does not escape, so that it counts its length and no more.
  const json = (name: string, value: string, bytes: number) => utf8.encode(JSON.stringify({ [name]: replaceDeployTime(value, '0'.repeat(bytes)) })).length - 2;
  const variables = Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, { least: json(name, value, DEPLOY_TIME_VALUE_BYTES.least), typical: json(name, value, typicalBytes(name)) }]),
  );
  // `{`, the variables joined by `,`, and `}`.
  const total = (size: keyof MeasuredBytes) => 2 + Object.values(variables).reduce((sum, variable, index) => sum + (index === 0 ? 0 : 1) + variable[size], 0);
  return { least: total('least'), typical: total('typical'), variables };
}

/** What a function's environment size calls for at synth: an error when it can never deploy, a warning when it likely will not. */
export interface EnvironmentSizeFinding {
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

/**
 * Whether `fn`'s environment fits Lambda's 4 KB (MAX_ENVIRONMENT_BYTES): an error when its literal text alone, each
 * deploy-time value at its least, is over, a warning when it is over with typical deploy-time values
 * (DEPLOY_TIME_VALUE_BYTES), undefined when it fits. The revisions and generated queue names are what grows with a
 * platform; the fixes say how to make them smaller.
 */
export function checkEnvironmentSize(fn: FunctionName, environment: Readonly<Record<string, string>>, replaceDeployTime: ReplaceDeployTime): EnvironmentSizeFinding | undefined {
  const size = environmentSize(environment, replaceDeployTime);
  const severity = size.least > MAX_ENVIRONMENT_BYTES ? 'error' : size.typical > MAX_ENVIRONMENT_BYTES ? 'warning' : undefined;
  if (severity === undefined) return undefined;
  const measure = severity === 'error' ? 'least' : 'typical';
  const [largest, bytes] = Object.entries(size.variables).reduce((most, [name, variable]) => (variable[measure] > most[1] ? [name, variable[measure]] : most), ['', 0]);
  const limit = `Lambda allows ${MAX_ENVIRONMENT_BYTES} bytes of environment variables in all (AWS Lambda Developer Guide, "Lambda quotas")`;
  const fixes =
    'shorten the declared job definition names, give the queues a jobQueueName so that their names ship in ' +
    `${CONFIG_FILE_NAME} instead, or split the job definitions between two platforms`;
  if (severity === 'error') {
    return { severity, message: `the ${fn} function's environment is at least ${size.least} bytes (${largest} ${bytes}) and ${limit}: it can never deploy; ${fixes}` };
  }
  const typical = `${DEPLOY_TIME_VALUE_BYTES.revision}-digit revisions and ${DEPLOY_TIME_VALUE_BYTES.name}-character generated names`;
  return {
    severity,
    message: `the ${fn} function's environment is about ${size.typical} bytes (${largest} ${bytes}) with ${typical} and ${limit}: the deployment will likely fail; ${fixes}`,
  };
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
