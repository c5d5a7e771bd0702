import {
  BatchJobSubmissionError,
  checkParameterValues,
  fieldPath,
  ContainerOverrides,
  InvalidRequestError,
  JobDefinitionConfig,
  jobQueueName,
  LIMITS,
  makeJobName,
  ParameterCheck,
  RequestProblem,
  RuntimeConfig,
  S3AccessDeniedError,
  S3ObjectNotFoundError,
  SubmitRequest,
  SubmitResponse,
  UnknownJobDefinitionError,
  UnknownJobQueueError,
} from '../../lib/model';
import type { BatchGateway, IdempotencyGateway, S3Gateway, SubmitJobInput } from './ports';
import { checkObjectsExist, findJobDefinition } from './validate';

export interface SubmitDeps {
  readonly config: RuntimeConfig;
  readonly batch: BatchGateway;
  readonly s3: S3Gateway;
  /** The moment a default job name is made from. @default - now */
  readonly now?: () => Date;
  /** The idempotency store, asked for only when a request carries an idempotency key. @default - keys are ignored */
  readonly idempotency?: () => IdempotencyGateway;
  /** Milliseconds the invocation has left, so an idempotency record of a killed invocation expires with it. */
  readonly remainingTimeMillis?: () => number;
}

/** The widest revision a job definition reference can carry, so size checks can run before the revision is known. */
const WIDEST_REVISION = 2_147_483_647;

/**
 * Validates a submission completely (parameters, limits, input objects) and only then submits it, at the revision
 * deployed with the function unless the request pins another or asks for the latest. With an idempotency key, the
 * request is checked first (bad input never reaches AWS, the idempotency table included) and then submitted at most
 * once for the key.
 */
export async function submit(deps: SubmitDeps, request: SubmitRequest): Promise<SubmitResponse> {
  const prepared = prepare(deps, request);
  if (request.idempotencyKey === undefined || deps.idempotency === undefined) return execute(deps, prepared);
  const { idempotencyKey, ...rest } = request;
  return deps.idempotency().once(idempotencyKey, rest, () => execute(deps, prepared), deps.remainingTimeMillis);
}

interface Prepared {
  readonly definition: JobDefinitionConfig;
  readonly revision: number | 'latest' | undefined;
  readonly check: ParameterCheck;
  readonly input: SubmitJobInput;
}

/** Everything that can be checked without AWS: the definition, the queue, the parameters and AWS's size limits. */
function prepare(deps: SubmitDeps, request: SubmitRequest): Prepared {
  const definition = findJobDefinition(deps.config, request.jobDefinition);
  const jobQueue = resolveQueue(deps.config, request.jobQueue);

  const check = checkParameterValues(definition.parameters, request.parameters ?? {});
  const problems: RequestProblem[] = check.problems.map((problem) => ({
    field: fieldPath('parameters', problem.parameter),
    rule: problem.code,
    message: problem.message,
  }));

  const input: SubmitJobInput = {
    jobName: request.jobName ?? makeJobName(request.jobDefinition, deps.now?.()),
    jobQueue,
    jobDefinition: `${definition.physicalName}:${WIDEST_REVISION}`,
    ...(Object.keys(check.rendered).length > 0 && { parameters: check.rendered }),
    ...(request.containerOverrides && { containerOverrides: renderOverrides(request.containerOverrides) }),
    ...(request.arraySize !== undefined && { arrayProperties: { size: request.arraySize } }),
    ...(request.dependsOn && { dependsOn: request.dependsOn.map((item) => (typeof item === 'string' ? { jobId: item } : { ...item })) }),
  };
  problems.push(...checkSizes(input));
  if (problems.length > 0) throw new InvalidRequestError(problems);
  return { definition, revision: request.revision ?? definition.revision, check, input };
}

/** Checks the input objects exist, resolves the revision, and submits. */
async function execute(deps: SubmitDeps, { definition, revision: wanted, check, input }: Prepared): Promise<SubmitResponse> {
  const objects = await checkObjectsExist(deps.s3, check, deps.config.maxConcurrency);
  if (objects.missing.length > 0) throw new S3ObjectNotFoundError(objects.missing);
  if (objects.denied.length > 0) throw new S3AccessDeniedError(objects.denied);

  const revision = await resolveRevision(deps.batch, definition.physicalName, wanted);
  const jobDefinition = `${definition.physicalName}:${revision}`;
  const jobQueue = jobQueueName(input.jobQueue);
  try {
    const job = await deps.batch.submitJob({ ...input, jobDefinition });
    return { jobId: job.jobId, jobName: job.jobName, jobArn: job.jobArn, jobDefinition, jobQueue };
  } catch (error) {
    if (isClientFault(error)) {
      throw new BatchJobSubmissionError(input.jobName, jobDefinition, jobQueue, errorMessage(error), { cause: error });
    }
    // Throttling and service faults keep their own names (TooManyRequestsException, ServerException…) so
    // callers can retry them; the SDK has already retried them with backoff.
    throw error;
  }
}

function resolveQueue(config: RuntimeConfig, requested: string | undefined): string {
  const queues = config.jobQueues;
  if (requested === undefined) return queues[0];
  const match = queues.find((queue) => queue === requested || jobQueueName(queue) === requested);
  if (match === undefined) throw new UnknownJobQueueError(requested, queues.map(jobQueueName));
  return match;
}

async function resolveRevision(batch: BatchGateway, name: string, wanted: number | 'latest' | undefined): Promise<number> {
  if (typeof wanted === 'number') return wanted;
  const latest = await batch.latestActiveRevision(name);
  if (latest === undefined) throw new UnknownJobDefinitionError(name, [], `job definition ${name} has no ACTIVE revision`);
  return latest;
}

/** The request's overrides in Batch's own shape. */
export function renderOverrides(overrides: ContainerOverrides): NonNullable<SubmitJobInput['containerOverrides']> {
  const resources: Array<{ type: 'VCPU' | 'MEMORY' | 'GPU'; value: string }> = [];
  if (overrides.vcpus !== undefined) resources.push({ type: 'VCPU', value: String(overrides.vcpus) });
  if (overrides.memoryMiB !== undefined) resources.push({ type: 'MEMORY', value: String(overrides.memoryMiB) });
  if (overrides.gpus !== undefined) resources.push({ type: 'GPU', value: String(overrides.gpus) });
  return {
    ...(overrides.command && { command: [...overrides.command] }),
    ...(overrides.environment && { environment: Object.entries(overrides.environment).map(([name, value]) => ({ name, value })) }),
    ...(resources.length > 0 && { resourceRequirements: resources }),
    ...(overrides.instanceType && { instanceType: overrides.instanceType }),
  };
}

function checkSizes(input: SubmitJobInput): RequestProblem[] {
  const problems: RequestProblem[] = [];
  if (input.containerOverrides) {
    const length = JSON.stringify(input.containerOverrides).length;
    if (length > LIMITS.MAX_CONTAINER_OVERRIDES_CHARS) {
      problems.push({
        field: 'containerOverrides',
        rule: 'max-size',
        message: `must be at most ${LIMITS.MAX_CONTAINER_OVERRIDES_CHARS} characters as sent to Batch, got ${length}`,
      });
    }
  }
  const bytes = new TextEncoder().encode(JSON.stringify(input)).length;
  if (bytes > LIMITS.MAX_SUBMIT_PAYLOAD_BYTES) {
    problems.push({
      field: '',
      rule: 'max-payload',
      message: `the job payload must be at most ${LIMITS.MAX_SUBMIT_PAYLOAD_BYTES} bytes as sent to Batch, got ${bytes}`,
    });
  }
  return problems;
}

/** Names AWS gives throttling errors; some come back as 400 (`ThrottlingException` is one of AWS's common errors). */
const THROTTLING_ERROR_NAMES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException']);

function isClientFault(error: unknown): boolean {
  const fault = error as { name?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } } | undefined;
  const status = fault?.$metadata?.httpStatusCode;
  const throttled = status === 429 || fault?.$retryable?.throttling === true || THROTTLING_ERROR_NAMES.has(String(fault?.name));
  return status !== undefined && status >= 400 && status < 500 && !throttled;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
