import {
  BatchJobSubmissionError,
  IdempotencyInProgressError,
  InvalidRequestError,
  RequestProblem,
  S3AccessDeniedError,
  S3ObjectNotFoundError,
  SubmissionOutcomeUnknownError,
  UnknownJobDefinitionError,
  UnknownJobQueueError,
} from '../../lib/model/errors';
import { checkOverrides } from '../../lib/model/overrides';
import { checkParameterValues, ParameterCheck } from '../../lib/model/parameters';
import { ContainerOverrides, LIMITS, SubmitRequest, SubmitResponse } from '../../lib/model/requests';
import { JobDefinitionConfig, JobQueueConfig, jobQueueName, parseJobDefinitionReference, PLATFORM_TAG, RuntimeConfig } from '../../lib/model/config';
import { makeJobName } from '../../lib/model/job-name';
import type { BatchJob } from '../../lib/model/batch-job';
import { createHash, randomUUID } from 'node:crypto';
import {
  AmbiguousSubmission,
  AttemptRaced,
  type AttemptLedger,
  type BatchGateway,
  type IdempotencyGateway,
  type S3Gateway,
  SubmissionRefused,
  type SubmitAttempt,
  type SubmitJobInput,
} from './ports';
import { checkObjectsExist, findJobDefinition } from './validate';

export interface SubmitDeps {
  readonly config: RuntimeConfig;
  readonly batch: BatchGateway;
  readonly s3: S3Gateway;
  /** The moment a default job name is made from. @default - now */
  readonly now?: () => Date;
  /** The idempotency store, asked for only when a request carries an idempotency key. @default - keys are ignored */
  readonly idempotency?: () => IdempotencyGateway;
  /**
   * Where a keyed submission records its SubmitJob attempts before sending them, so that a later invocation knows
   * them. @default - attempts are known to this invocation only
   */
  readonly attempts?: () => AttemptLedger;
  /** Milliseconds the invocation has left, so an idempotency record of a killed invocation expires with it. */
  readonly remainingTimeMillis?: () => number;
  /** Waits between a submission whose outcome is unknown and the look for its job. @default - setTimeout */
  readonly sleep?: (millis: number) => Promise<void>;
}

/** The tag a keyed submission carries: the SHA-256 of its idempotency key, so its job can be recognised later. */
export const IDEMPOTENCY_TAG = 'pendant:idempotency-key';
/** Submissions of one keyed request whose outcome stayed unknown before the invocation gives up. */
const MAX_AMBIGUOUS_ATTEMPTS = 4;
/** How long to let ListJobs catch up with a job that may just have been created, doubled on each look. */
const LOOKUP_DELAY_MILLIS = 1_000;
/** The time a look-up is given before the invocation's deadline: later, the invocation answers that it cannot tell. */
const LOOKUP_MARGIN_MILLIS = 1_000;
/**
 * How long an attempt whose invocation's deadline is unknown may be in flight: Lambda's longest timeout. Only
 * callers outside Lambda (tests, scripts) run without a deadline.
 */
const UNKNOWN_DEADLINE_MILLIS = 15 * 60 * 1_000;

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
  /** SHA-256 of the idempotency key, for keyed requests. */
  readonly keyHash?: string;
  readonly idempotencyKey?: string;
}

/**
 * Everything that can be checked without AWS: the definition, the queue (its platform and its scheduling), the
 * parameters and AWS's size limits.
 */
function prepare(deps: SubmitDeps, request: SubmitRequest): Prepared {
  const definition = findJobDefinition(deps.config, request.jobDefinition);
  const queue = resolveQueue(deps.config, request.jobQueue);
  const jobQueue = queue.queue;

  const check = checkParameterValues(definition.parameters, request.parameters ?? {});
  const problems: RequestProblem[] = [...check.problems];
  problems.push(...checkPlatform(definition, queue), ...checkScheduling(queue, request));
  // What the job definition lets callers change: no command, environment or resources unless it says so.
  if (request.containerOverrides) problems.push(...checkOverrides(definition, request.containerOverrides));

  const keyHash = request.idempotencyKey === undefined ? undefined : createHash('sha256').update(request.idempotencyKey).digest('hex');
  const input: SubmitJobInput = {
    // A keyed request's job is named after its key, so that a retry in a later invocation can find it by name.
    jobName: request.jobName ?? (keyHash ? `${request.jobDefinition.slice(0, 111)}-${keyHash.slice(0, 16)}` : makeJobName(request.jobDefinition, deps.now?.())),
    jobQueue,
    jobDefinition: `${definition.physicalName}:${WIDEST_REVISION}`,
    ...(Object.keys(check.rendered).length > 0 && { parameters: check.rendered }),
    ...(request.containerOverrides && { containerOverrides: renderOverrides(request.containerOverrides) }),
    ...(request.arraySize !== undefined && { arrayProperties: { size: request.arraySize } }),
    ...(request.dependsOn && { dependsOn: request.dependsOn.map((item) => (typeof item === 'string' ? { jobId: item } : { ...item })) }),
    ...jobTags(deps.config.platformId, keyHash),
    ...(request.shareIdentifier !== undefined && { shareIdentifier: request.shareIdentifier }),
    ...(request.schedulingPriorityOverride !== undefined && { schedulingPriorityOverride: request.schedulingPriorityOverride }),
  };
  const jobInput = withJobOptions(input, request, definition, problems);
  problems.push(...checkSizes(jobInput));
  if (problems.length > 0) throw new InvalidRequestError(problems);
  return {
    definition,
    revision: request.revision ?? definition.revision,
    check,
    input: jobInput,
    ...(keyHash && { keyHash, idempotencyKey: request.idempotencyKey }),
  };
}

/** The platform's tag on every job, so IAM and the other functions can tell the platform's jobs; the key's hash. */
function jobTags(platformId: string | undefined, keyHash: string | undefined): { tags?: Record<string, string> } {
  const tags: Record<string, string> = {
    ...(platformId !== undefined && { [PLATFORM_TAG]: platformId }),
    ...(keyHash !== undefined && { [IDEMPOTENCY_TAG]: keyHash }),
  };
  return Object.keys(tags).length > 0 ? { tags } : {};
}

/**
 * Checks the input objects exist, resolves the revision, and submits. A keyed request first looks for the job an
 * earlier attempt may have started (by its name and tag), and when a submission's outcome is unknown it looks again
 * before submitting again: a job is never started twice for one key.
 */
async function execute(deps: SubmitDeps, prepared: Prepared): Promise<SubmitResponse> {
  const { definition, revision: wanted, check, input, keyHash, idempotencyKey } = prepared;
  const objects = await checkObjectsExist(deps.s3, check, deps.config.maxS3Concurrency);
  if (objects.missing.length > 0) throw new S3ObjectNotFoundError(objects.missing);
  if (objects.denied.length > 0) throw new S3AccessDeniedError(objects.denied);

  const revision = await resolveRevision(deps.batch, definition, wanted);
  const jobDefinition = `${definition.physicalName}:${revision}`;
  const jobQueue = jobQueueName(input.jobQueue);
  const answer = (job: { jobId: string; jobName: string; jobArn: string }, definitionUsed = jobDefinition): SubmitResponse => ({
    jobId: job.jobId,
    jobName: job.jobName,
    jobArn: job.jobArn,
    jobDefinition: definitionUsed,
    jobQueue,
  });

  if (keyHash === undefined || idempotencyKey === undefined) {
    try {
      return answer(await deps.batch.submitJob({ ...input, jobDefinition }));
    } catch (error) {
      // Without a key there is nothing to recognise the job by: the caller hears the outcome is unknown.
      if (error instanceof AmbiguousSubmission) throw error.original;
      throw submissionError(error, input.jobName, jobDefinition, jobQueue);
    }
  }

  // A key is remembered for the idempotency window and no longer: a job created before the window opened belongs to
  // an earlier use of the key, which has expired, so a key reused after its window submits a new job. (ListJobs
  // lists jobs for days, whatever the window.)
  const now = () => (deps.now?.() ?? new Date()).getTime();
  const windowStart = now() - deps.config.idempotencyWindowSeconds * 1_000;
  const findEarlier = async (): Promise<SubmitResponse | undefined> => {
    const earlier = (await deps.batch.findJobs(input.jobQueue, input.jobName)).find(
      (job) => job.tags[IDEMPOTENCY_TAG] === keyHash && (job.createdAt === null || job.createdAt >= windowStart),
    );
    return earlier && answer({ jobId: earlier.jobId, jobName: earlier.jobName, jobArn: earlier.jobArn ?? '' }, definitionOf(earlier, jobDefinition));
  };
  const sleep = deps.sleep ?? ((millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis)));
  const deadline = deps.remainingTimeMillis === undefined ? undefined : now() + deps.remainingTimeMillis();
  const lagBound = deps.config.listJobsLagBoundSeconds * 1_000;
  const ledger = deps.attempts?.() ?? new InvocationLedger();

  // Each SubmitJob is recorded before it is sent, and the key submits again only when a look-up made at least the
  // lag bound after the previous attempt was over still misses its job: until then that job may exist unlisted.
  // The ledger is read only when a first attempt finds an earlier one recorded: a fresh key costs one write.
  let previous: SubmitAttempt | undefined;
  let knowLatest = false;
  let ambiguous = 0;
  for (let look = 0; ; look++) {
    const lookedAt = now();
    const found = await findEarlier();
    if (found) return found;
    if (previous !== undefined && previous.refused !== true && lookedAt < previous.openUntil + lagBound) {
      const decidableAt = previous.openUntil + lagBound;
      const room = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - LOOKUP_MARGIN_MILLIS - now();
      const wait = Math.max(0, Math.min(LOOKUP_DELAY_MILLIS * 2 ** Math.min(look, 5), decidableAt - now()));
      if (wait > room) throw new SubmissionOutcomeUnknownError(idempotencyKey, new Date(decidableAt).toISOString());
      await sleep(wait);
      continue;
    }
    if (ambiguous >= MAX_AMBIGUOUS_ATTEMPTS) throw new SubmissionOutcomeUnknownError(idempotencyKey, new Date(now()).toISOString());

    const sentAt = now();
    const attempt: SubmitAttempt = {
      number: (previous?.number ?? 0) + 1,
      token: randomUUID(),
      sentAt,
      openUntil: deadline ?? sentAt + UNKNOWN_DEADLINE_MILLIS,
    };
    try {
      await ledger.begin(keyHash, attempt);
    } catch (error) {
      if (!(error instanceof AttemptRaced)) throw error;
      // Another invocation recorded an attempt since this one read the ledger: it is still at work on the key.
      if (knowLatest) throw new IdempotencyInProgressError(idempotencyKey);
      // Earlier invocations made attempts: read the latest, and look and decide again. Nothing was sent.
      previous = await ledger.latest(keyHash);
      knowLatest = true;
      continue;
    }
    knowLatest = true;
    try {
      return answer(await deps.batch.submitJob({ ...input, jobDefinition }));
    } catch (error) {
      if (!(error instanceof AmbiguousSubmission)) {
        // Best effort: a refusal left unrecorded only makes the next attempt wait out the bound.
        await ledger.settle(keyHash, attempt.number, { refused: true }).catch(() => undefined);
        throw submissionError(error, input.jobName, jobDefinition, jobQueue);
      }
      ambiguous++;
      previous = { ...attempt, openUntil: now() };
      // Best effort too: unrecorded, the attempt stays open until this invocation's deadline, which is later.
      await ledger.settle(keyHash, attempt.number, { openUntil: previous.openUntil }).catch(() => undefined);
      // A job just created is seldom listed at once: the first look waits a moment, when the deadline allows.
      const room = deadline === undefined ? LOOKUP_DELAY_MILLIS : deadline - LOOKUP_MARGIN_MILLIS - now();
      if (room > 0) await sleep(Math.min(LOOKUP_DELAY_MILLIS, room));
      look = 0;
    }
  }
}

/** The attempts of one invocation, when no durable ledger is configured. */
class InvocationLedger implements AttemptLedger {
  private readonly attempts = new Map<string, SubmitAttempt>();

  public latest(keyHash: string): Promise<SubmitAttempt | undefined> {
    return Promise.resolve(this.attempts.get(keyHash));
  }

  public begin(keyHash: string, attempt: SubmitAttempt): Promise<void> {
    this.attempts.set(keyHash, attempt);
    return Promise.resolve();
  }

  public settle(keyHash: string, number: number, outcome: { readonly openUntil: number } | { readonly refused: true }): Promise<void> {
    const attempt = this.attempts.get(keyHash);
    if (attempt?.number === number) this.attempts.set(keyHash, { ...attempt, ...outcome });
    return Promise.resolve();
  }
}

/** The `name:revision` a found job was submitted with. */
function definitionOf(job: BatchJob, fallback: string): string {
  const reference = job.jobDefinition ? parseJobDefinitionReference(job.jobDefinition) : undefined;
  return reference?.revision === undefined ? fallback : `${reference.name}:${reference.revision}`;
}

function submissionError(error: unknown, jobName: string, jobDefinition: string, jobQueue: string): unknown {
  // Throttling keeps its own name (TooManyRequestsException…) so callers can retry it; the SDK already has.
  if (!(error instanceof SubmissionRefused)) return error;
  return new BatchJobSubmissionError(jobName, jobDefinition, jobQueue, errorMessage(error.original), { cause: error.original });
}

/** The configured queue a request names (by name or ARN), or the default one. */
function resolveQueue(config: RuntimeConfig, requested: string | undefined): JobQueueConfig {
  const queues = config.jobQueues;
  if (requested === undefined) return queues[0];
  const match = queues.find((queue) => queue.queue === requested || queue.name === jobQueueName(requested));
  if (match === undefined) throw new UnknownJobQueueError(requested, queues.map((queue) => queue.name));
  return match;
}

/**
 * A Fargate job definition runs only on a queue of Fargate compute environments, an EC2 one only on EC2 environments
 * (AWS Batch User Guide, "Job definitions": platformCapabilities); Batch would leave such a job unplaced.
 */
function checkPlatform(definition: JobDefinitionConfig, queue: JobQueueConfig): RequestProblem[] {
  if (definition.platform === undefined || queue.platform === undefined || definition.platform === queue.platform) return [];
  return [
    {
      field: 'jobQueue',
      rule: 'platform',
      message: `job definition ${definition.declaredName} runs on ${definition.platform}, but job queue ${queue.name} runs on ${queue.platform}; send it to a ${definition.platform} queue`,
    },
  ];
}

/**
 * SubmitJob `shareIdentifier` must be given for a queue with a fair-share scheduling policy and must not be given
 * for a FIFO queue; `schedulingPriorityOverride` only affects fair-share queues (AWS Batch API Reference, SubmitJob).
 * A queue whose scheduling the configuration does not state is left to Batch.
 */
function checkScheduling(queue: JobQueueConfig, request: SubmitRequest): RequestProblem[] {
  if (queue.fairShare === true && request.shareIdentifier === undefined) {
    return [{ field: 'shareIdentifier', rule: 'required', message: `is required: job queue ${queue.name} has a fair-share scheduling policy` }];
  }
  if (queue.fairShare !== false) return [];
  const fifo = (field: string): RequestProblem => ({
    field,
    rule: 'fifo-queue',
    message: `must not be given: job queue ${queue.name} schedules first in, first out (it has no fair-share scheduling policy)`,
  });
  return [
    ...(request.shareIdentifier !== undefined ? [fifo('shareIdentifier')] : []),
    ...(request.schedulingPriorityOverride !== undefined ? [fifo('schedulingPriorityOverride')] : []),
  ];
}

/**
 * The revision to submit: the deployed one, the newest ACTIVE one of this stack's definition (its physical name), or
 * a pinned one, which must be registered and ACTIVE: Batch would refuse it as a client error otherwise, and the
 * request names a revision of a definition that does not exist.
 */
async function resolveRevision(batch: BatchGateway, definition: JobDefinitionConfig, wanted: number | 'latest' | undefined): Promise<number> {
  const name = definition.physicalName;
  if (typeof wanted === 'number') {
    if (wanted !== definition.revision && !(await batch.isActiveRevision(name, wanted))) {
      throw new UnknownJobDefinitionError(
        `${definition.declaredName}:${wanted}`,
        [definition.declaredName],
        `job definition ${definition.declaredName} has no ACTIVE revision ${wanted} (${name}:${wanted})`,
      );
    }
    return wanted;
  }
  const latest = await batch.latestActiveRevision(name);
  if (latest === undefined) throw new UnknownJobDefinitionError(definition.declaredName, [], `job definition ${name} has no ACTIVE revision`);
  return latest;
}

/**
 * The request's tags, retry strategy, timeout and node overrides added to the input, checked against what only the
 * whole submission shows: the tag count with pendant's own tags, and which definitions take node overrides.
 */
function withJobOptions(input: SubmitJobInput, request: SubmitRequest, definition: JobDefinitionConfig, problems: RequestProblem[]): SubmitJobInput {
  const tags = request.tags === undefined ? input.tags : { ...request.tags, ...input.tags };
  const count = Object.keys(tags ?? {}).length;
  if (request.tags !== undefined && count > LIMITS.MAX_TAGS) {
    const own = count - Object.keys(request.tags).length;
    problems.push({
      field: 'tags',
      rule: 'max-items',
      message: `a job carries at most ${LIMITS.MAX_TAGS} tags and pendant adds ${own} of its own to this one, so at most ${LIMITS.MAX_TAGS - own} may be given, got ${Object.keys(request.tags).length}`,
    });
  }
  problems.push(...checkNodeOverrides(request, definition));
  return {
    ...input,
    ...(tags && { tags }),
    ...(request.propagateTags !== undefined && { propagateTags: request.propagateTags }),
    ...(request.retryStrategy && {
      retryStrategy: {
        ...(request.retryStrategy.attempts !== undefined && { attempts: request.retryStrategy.attempts }),
        ...(request.retryStrategy.evaluateOnExit && { evaluateOnExit: request.retryStrategy.evaluateOnExit.map((rule) => ({ ...rule })) }),
      },
    }),
    ...(request.timeout && { timeout: { attemptDurationSeconds: request.timeout.attemptDurationSeconds } }),
    ...(request.nodeOverrides && {
      nodeOverrides: {
        ...(request.nodeOverrides.numNodes !== undefined && { numNodes: request.nodeOverrides.numNodes }),
        ...(request.nodeOverrides.nodePropertyOverrides && {
          nodePropertyOverrides: request.nodeOverrides.nodePropertyOverrides.map(({ targetNodes, containerOverrides }) => ({
            targetNodes,
            ...(containerOverrides && {
              containerOverrides: {
                ...renderOverrides(containerOverrides),
                ...(containerOverrides.instanceType !== undefined && { instanceType: containerOverrides.instanceType }),
              },
            }),
          })),
        }),
      },
    }),
  };
}

/**
 * `nodeOverrides` applies to multi-node parallel definitions only, which take their container overrides per node
 * range instead of `containerOverrides`; `numNodes` needs a node range with an open end, and must exceed its start
 * and the main node's index (AWS Batch API Reference, NodeOverrides).
 */
function checkNodeOverrides(request: SubmitRequest, definition: JobDefinitionConfig): RequestProblem[] {
  const nodes = definition.nodes;
  const name = definition.declaredName;
  if (nodes === undefined) {
    return request.nodeOverrides === undefined
      ? []
      : [{ field: 'nodeOverrides', rule: 'multi-node', message: `applies to multi-node parallel jobs only; job definition ${name} runs a single node, so use containerOverrides` }];
  }
  const problems: RequestProblem[] = [];
  if (request.containerOverrides !== undefined) {
    problems.push({
      field: 'containerOverrides',
      rule: 'multi-node',
      message: `job definition ${name} is multi-node parallel: override containers per node range with nodeOverrides.nodePropertyOverrides`,
    });
  }
  const numNodes = request.nodeOverrides?.numNodes;
  if (numNodes !== undefined) {
    if (nodes.openRangeStart === undefined) {
      problems.push({ field: 'nodeOverrides.numNodes', rule: 'open-range', message: `needs a node range with an open end (such as "1:"), and job definition ${name} has none` });
    } else if (numNodes <= Math.max(nodes.openRangeStart, nodes.mainNode)) {
      problems.push({
        field: 'nodeOverrides.numNodes',
        rule: 'range',
        message: `must exceed the main node's index (${nodes.mainNode}) and the start of the open node range (${nodes.openRangeStart}) of job definition ${name}, got ${numNodes}`,
      });
    }
  }
  const last = (numNodes ?? nodes.numNodes) - 1;
  (request.nodeOverrides?.nodePropertyOverrides ?? []).forEach(({ targetNodes, containerOverrides }, index) => {
    // A node range's overrides answer to the definition's override policy, as a single-node job's do.
    const range = `nodeOverrides.nodePropertyOverrides[${index}]`;
    if (containerOverrides) problems.push(...checkOverrides(definition, containerOverrides).map((problem) => ({ ...problem, field: `${range}.${problem.field}` })));
    const from = Number(targetNodes.split(':')[0] || 0);
    if (from > last) {
      problems.push({
        field: `${range}.targetNodes`,
        rule: 'range',
        message: `starts at node ${from}, but the job's nodes are 0 to ${last}`,
      });
    }
  });
  return problems;
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

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
