/**
 * One error hierarchy for pendant, shared by the constructs (synth time), the handlers (run time) and the client.
 *
 * Every class sets `name` to its own class name: Lambda reports it as `errorType` and Step Functions matches it in
 * `Catch`, so the name is part of the public contract and never changes.
 */

/** The base of every error pendant throws. */
export abstract class PendantError extends Error {
  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /**
   * The context fields a message spells out, read back from it: how the client revives this error from a function's
   * `{ errorType, errorMessage }` (Lambda carries only those two). Each class that has such fields declares them here,
   * beside the constructor that writes the message.
   */
  public static reviveFields(_message: string): Record<string, unknown> {
    return {};
  }

  /** A JSON-safe view: the name, the message and the context fields of the concrete class. */
  public toJSON(): Record<string, unknown> {
    const context: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'cause') context[key] = value;
    }
    return { ...context, name: this.name, message: this.message };
  }
}

/**
 * How a pendant `ValidationError` reads as a string, and so in Python: jsii's kernel raises a JavaScript error in
 * Python as `RuntimeError(String(error))`, so this prefix is how a Python app tells pendant's validation errors from
 * aws-cdk-lib's (whose `ValidationError` reads `ValidationError: …`).
 */
export const VALIDATION_ERROR_PREFIX = 'pendant.ValidationError: ';

/** A problem found at synth time in what a construct was given. */
export class ValidationError extends PendantError {
  public constructor(message: string) {
    super(message);
  }

  public override toString(): string {
    return `${VALIDATION_ERROR_PREFIX}${this.message}`;
  }
}

/** The runtime configuration a handler reads from its environment is missing or malformed. */
export class ConfigurationError extends PendantError {
  public constructor(
    /** The environment variable at fault. */
    public readonly variable: string,
    reason: string,
  ) {
    super(`invalid configuration in ${variable}: ${reason}`);
  }
}

/**
 * One thing wrong with a request, naming the field (a dotted path) and the rule it breaks: the one shape of a problem,
 * whether validate answers it in `problems` or a function refuses the request with `InvalidRequestError`.
 */
export interface RequestProblem {
  /** Dotted path of the field, e.g. `parameters.threads` or `dependsOn[3].jobId`; `''` for the event itself. */
  readonly field: string;
  /** A stable code for the rule, e.g. `required`, `type`, `range`, `max-length`, `unknown-field`. */
  readonly rule: string;
  /** What is wrong, for a person. */
  readonly message: string;
}

/** The dotted path of `key` under `parent`, quoting a key that is not a plain identifier: `parameters."my key"`. */
export function fieldPath(parent: string, key: string): string {
  const safe = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  return parent === '' ? safe : `${parent}.${safe}`;
}

/** A request is malformed. Lists every problem found, not only the first; nothing was sent to AWS. */
export class InvalidRequestError extends PendantError {
  public readonly problems: readonly RequestProblem[];

  public constructor(problems: readonly RequestProblem[]) {
    super(`invalid request: ${problems.map(describeProblem).join('; ')}`);
    this.problems = problems;
  }

  public static override reviveFields(message: string): Record<string, unknown> {
    return {
      problems: message
        .replace(/^invalid request: /, '')
        .split(/(?<=\[[a-z0-9-]+\]); /)
        .map(parseProblem),
    };
  }
}

function describeProblem(problem: RequestProblem): string {
  return problem.field === '' ? `${problem.message} [${problem.rule}]` : `${problem.field}: ${problem.message} [${problem.rule}]`;
}

function parseProblem(text: string): RequestProblem {
  // A field is a dotted path whose odd keys are JSON-quoted (`fieldPath`), so a quoted key may hold spaces and ": ".
  const match = /^(?:((?:[^\s"]|"(?:[^"\\]|\\.)*")+): )?(.*) \[([a-z0-9-]+)\]$/s.exec(text);
  return match ? { field: match[1] ?? '', rule: match[3], message: match[2] } : { field: '', rule: 'unknown', message: text };
}

/** The URIs a message lists after its `…: ` prefix. */
const urisOf = (message: string) => ({ uris: message.replace(/^[^:]*: /, '').split(', ') });

/** The first JSON string a message quotes: the idempotency key. */
const quotedKeyOf = (message: string): unknown => JSON.parse(/"(?:[^"\\]|\\.)*"/.exec(message)?.[0] ?? 'null');

/** Text that is not an `s3://bucket/key` URI. */
export class InvalidS3UriError extends PendantError {
  public constructor(
    public readonly text: string,
    public readonly reason: string,
  ) {
    super(`invalid S3 URI ${JSON.stringify(text)}: ${reason}`);
  }
}

/** Input objects that must exist do not. */
export class S3ObjectNotFoundError extends PendantError {
  public constructor(public readonly uris: readonly string[]) {
    super(`S3 object${uris.length === 1 ? '' : 's'} not found: ${uris.join(', ')}`);
  }

  public static override reviveFields(message: string): Record<string, unknown> {
    return urisOf(message);
  }
}

/** S3 answered 403 for input objects: they may or may not exist, the function may not read them. */
export class S3AccessDeniedError extends PendantError {
  public constructor(public readonly uris: readonly string[]) {
    super(`access denied to S3 object${uris.length === 1 ? '' : 's'}: ${uris.join(', ')}`);
  }

  public static override reviveFields(message: string): Record<string, unknown> {
    return urisOf(message);
  }
}

/** No Batch job has this id. */
export class BatchJobNotFoundError extends PendantError {
  public constructor(public readonly jobId: string) {
    super(`batch job not found: ${jobId}`);
  }

  public static override reviveFields(message: string): Record<string, unknown> {
    return { jobId: message.replace(/^batch job not found: /, '') };
  }
}

/** The job has no log stream yet (it has not reached RUNNING), or the stream does not exist. */
export class LogStreamNotFoundError extends PendantError {
  public constructor(
    public readonly jobId: string,
    public readonly logGroupName: string,
    public readonly logStreamName: string | null,
  ) {
    super(
      logStreamName === null
        ? `job ${jobId} has no log stream yet`
        : `log stream not found for job ${jobId}: ${logGroupName}/${logStreamName}`,
    );
  }

  public static override reviveFields(message: string): Record<string, unknown> {
    return { jobId: /^(?:job (\S+) has no log stream yet|log stream not found for job (\S+):)/.exec(message)?.slice(1).find(Boolean) };
  }
}

/** AWS Batch refused a submission. */
export class BatchJobSubmissionError extends PendantError {
  public constructor(
    public readonly jobName: string,
    public readonly jobDefinition: string,
    public readonly jobQueue: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`batch refused job ${jobName} (${jobDefinition} on ${jobQueue}): ${reason}`, options);
  }
}

/** The job definition is not one the function was configured with, or the revision asked for does not exist. */
export class UnknownJobDefinitionError extends PendantError {
  public constructor(
    public readonly jobDefinition: string,
    public readonly known: readonly string[],
    reason?: string,
  ) {
    super(reason ?? `unknown job definition ${JSON.stringify(jobDefinition)}; known: ${known.join(', ') || '(none)'}`);
  }
}

/** The job queue is not one the function was configured with. */
export class UnknownJobQueueError extends PendantError {
  public constructor(
    public readonly jobQueue: string,
    public readonly known: readonly string[],
  ) {
    super(`unknown job queue ${JSON.stringify(jobQueue)}; known: ${known.join(', ') || '(none)'}`);
  }
}

/** An idempotency key came back with a request other than the one it was first used for. Nothing was submitted. */
export class IdempotencyConflictError extends PendantError {
  public constructor(public readonly idempotencyKey: string) {
    super(`idempotency key ${JSON.stringify(idempotencyKey)} was first used for another request; use a new key for a new request`);
  }

  public static override reviveFields(message: string): Record<string, unknown> {
    return { idempotencyKey: quotedKeyOf(message) };
  }
}

/**
 * The first request with this idempotency key is still being submitted. Retry after a moment: it will answer that
 * submission's job.
 */
export class IdempotencyInProgressError extends PendantError {
  public constructor(public readonly idempotencyKey: string) {
    super(`a request with idempotency key ${JSON.stringify(idempotencyKey)} is still in progress; retry shortly`);
  }

  public static override reviveFields(message: string): Record<string, unknown> {
    return { idempotencyKey: quotedKeyOf(message) };
  }
}

/**
 * An earlier SubmitJob of this idempotency key may have created a job that ListJobs does not list yet, and the
 * invocation ran out of time before it could tell. Nothing new was submitted. Retry: the next attempt looks again and
 * submits only once the earlier attempt is ruled out, so one key never starts two jobs.
 */
export class SubmissionOutcomeUnknownError extends PendantError {
  public constructor(
    public readonly idempotencyKey: string,
    /** The moment after which a look-up that misses the job rules the earlier attempt out (ISO 8601). */
    public readonly decidableAfter: string,
  ) {
    super(
      `the outcome of an earlier submission with idempotency key ${JSON.stringify(idempotencyKey)} is not known yet: ListJobs may not list its job until ${decidableAfter}; retry then`,
    );
  }

  public static override reviveFields(message: string): Record<string, unknown> {
    return { idempotencyKey: quotedKeyOf(message), decidableAfter: / may not list its job until (\S+); retry then$/.exec(message)?.[1] };
  }
}

/**
 * A job ended FAILED. Carries what Batch said of it and the last lines it wrote, so a `Catch` in a pipeline (or a
 * person reading the execution) sees why without opening the logs. `RunJob` fails with it, and
 * `PendantClient.waitForJob` rejects with it.
 */
export class BatchJobFailedError extends PendantError {
  public constructor(
    public readonly jobId: string,
    public readonly statusReason: string | null,
    public readonly exitCode: number | null,
    public readonly logStreamName: string | null,
    /** The last lines of the job's latest attempt, oldest first; empty when it wrote none or never started. */
    public readonly lastLogLines: readonly string[],
  ) {
    super(`batch job ${jobId} failed: ${statusReason ?? 'no reason given'}${exitCode === null ? '' : ` (exit code ${exitCode})`}`);
  }

  public static override reviveFields(message: string): Record<string, unknown> {
    const exitCode = / \(exit code (-?\d+)\)$/.exec(message)?.[1];
    return { jobId: /^batch job (\S+) failed: /.exec(message)?.[1], exitCode: exitCode === undefined ? null : Number(exitCode) };
  }
}

type HandlerErrorClass = (abstract new (...args: never[]) => PendantError) & Pick<typeof PendantError, 'reviveFields'>;

/**
 * Every error a runtime function can answer with, under the name Lambda reports as `errorType` (the class's own name):
 * the one list that `ERROR_TYPES`, `ErrorType` and the client's revival (`reviveError`) are read from.
 */
const HANDLER_ERRORS = {
  ValidationError,
  ConfigurationError,
  InvalidRequestError,
  InvalidS3UriError,
  S3ObjectNotFoundError,
  S3AccessDeniedError,
  BatchJobNotFoundError,
  LogStreamNotFoundError,
  BatchJobSubmissionError,
  UnknownJobDefinitionError,
  UnknownJobQueueError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  SubmissionOutcomeUnknownError,
  BatchJobFailedError,
} as const satisfies Record<string, HandlerErrorClass>;

export type ErrorType = keyof typeof HANDLER_ERRORS;

/** Every error name a handler can answer with, for callers that match on `errorType`. */
export const ERROR_TYPES: readonly ErrorType[] = Object.keys(HANDLER_ERRORS) as ErrorType[];

/**
 * An error a runtime function answered with whose type pendant does not own (the SDK's `TooManyRequestsException`
 * after retries, Lambda's `Runtime.ExitError`…). `errorType` is what the function reported.
 */
export class RemoteFunctionError extends PendantError {
  public constructor(
    public readonly errorType: string,
    message: string,
  ) {
    super(`${errorType}: ${message}`);
  }
}

/** `PendantClient.waitForJob` gave up: the job had not finished within `timeoutMillis`. Thrown by the client only. */
export class JobWaitTimeoutError extends PendantError {
  public constructor(
    public readonly jobId: string,
    public readonly timeoutMillis: number,
    public readonly lastStatus: string,
  ) {
    super(`batch job ${jobId} had not finished after ${timeoutMillis} ms; last seen ${lastStatus}`);
  }
}

/**
 * Turns a function's `{ errorType, errorMessage }` back into the model's error class, so a caller can
 * `catch (e) { if (e instanceof BatchJobNotFoundError) … }` across the Lambda boundary. Lambda carries only the type
 * and the message: the context fields that the message spells out (job id, URIs, problems) are read back from it.
 */
export function reviveError(errorType: string, errorMessage: string): PendantError {
  const type: HandlerErrorClass | undefined = Object.prototype.hasOwnProperty.call(HANDLER_ERRORS, errorType) ? HANDLER_ERRORS[errorType as ErrorType] : undefined;
  if (type === undefined) return new RemoteFunctionError(errorType, errorMessage);
  const error = Object.create(type.prototype as object) as PendantError;
  Object.defineProperty(error, 'message', { value: errorMessage, writable: true, configurable: true });
  Object.defineProperty(error, 'name', { value: errorType, writable: true, configurable: true });
  Object.defineProperty(error, 'stack', { value: `${errorType}: ${errorMessage}\n    at <runtime function>`, writable: true, configurable: true });
  return Object.assign(error, type.reviveFields(errorMessage));
}
