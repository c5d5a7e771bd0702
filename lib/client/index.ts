import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { BatchJobFailedError, InvalidRequestError, JobWaitTimeoutError, reviveError } from '../model/errors';
import {
  ChildrenRequest,
  JobStatusResponse,
  JobSummary,
  LogsRequest,
  LogsResponse,
  parseLogsRequest,
  parseStatusRequest,
  parseSubmitRequest,
  parseTerminateRequest,
  parseValidateRequest,
  StatusResponse,
  SubmitRequest,
  SubmitResponse,
  TerminateJobsRequest,
  TerminateJobsResponse,
  TerminateRequest,
  TerminateResponse,
  ValidateRequest,
  ValidateResponse,
} from '../model/requests';
import { isTerminal } from '../model/job-status';
import { Operation, OPERATIONS, RequestOf, ResponseOf } from '../model/operations';
import { LogEvent } from '../model/log-event';

/** The deployed functions by operation (lib/model/operations.ts), by name or ARN: only the ones a caller uses need be given. */
export type PendantFunctions = { readonly [O in Operation]?: string };

export interface PendantClientProps {
  readonly functions: PendantFunctions;
  /** @default - a new LambdaClient with the SDK's default configuration */
  readonly lambda?: LambdaClient;
  /** How `waitForJob` waits between polls. @default - setTimeout */
  readonly sleep?: (millis: number) => Promise<void>;
  /** `waitForJob`'s clock, in milliseconds. @default Date.now */
  readonly now?: () => number;
}

export interface WaitForJobOptions {
  /** How long to wait for the job to finish, in milliseconds. @default 3600000 (an hour) */
  readonly timeoutMillis?: number;
  /** Called with the job each time its status (or, for an array, its children's summary) changes, and first seen. */
  readonly onChange?: (job: JobSummary) => void;
  /** The first wait between polls, and the wait after every change; at least 1,000. @default 2000 */
  readonly minIntervalMillis?: number;
  /** The longest wait between polls: the wait doubles while nothing changes, up to this. @default 30000 */
  readonly maxIntervalMillis?: number;
  /** How many of the log's last lines a `BatchJobFailedError` carries (0–10,000). @default 50 */
  readonly logLines?: number;
}

/** No caller's waiter polls status more than once a second: at most 60 calls a minute, whatever it asks. */
const MIN_POLL_INTERVAL_MILLIS = 1_000;

/**
 * Calls a platform's runtime functions with typed requests. A request is checked with the handlers' own parsers
 * before it leaves (so a bad one fails here, without a call), and a function error comes back as the model's error
 * class: `BatchJobNotFoundError`, `InvalidRequestError`, …
 *
 * @example
 * const pendant = new PendantClient({ functions: { submit: process.env.SUBMIT_FUNCTION_ARN } });
 * const { jobId } = await pendant.submit({ jobDefinition: 'demo-job', parameters: { input_object: 's3://b/k' } });
 */
export class PendantClient {
  private readonly lambda: LambdaClient;

  public constructor(private readonly props: PendantClientProps) {
    this.lambda = props.lambda ?? new LambdaClient({});
  }

  // The methods are async so that a malformed request rejects the promise they return, like every other failure,
  // instead of throwing before there is a promise to catch.
  public async validate(request: ValidateRequest): Promise<ValidateResponse> {
    return this.invoke('validate', parseValidateRequest(request));
  }

  public async submit(request: SubmitRequest): Promise<SubmitResponse> {
    return this.invoke('submit', parseSubmitRequest(request));
  }

  /**
   * Any operation of the registry, typed by it: the request is checked with the operation's own parser before it
   * leaves, and the answer is the operation's response type. The named methods are this, with friendlier arguments.
   *
   * @example
   * const { valid, problems } = await pendant.call('validate', { jobDefinition: 'demo-job', parameters: { input_object: 's3://b/k' } });
   */
  public async call<O extends Operation>(operation: O, request: RequestOf<O>): Promise<ResponseOf<O>> {
    return this.invoke(operation, OPERATIONS[operation].parse(request));
  }

  /** The status of up to 1,000 jobs; `history: true` adds each job's transitions (needs `JobEvents`). */
  public async status(jobIds: readonly string[], options: { history?: boolean } = {}): Promise<StatusResponse> {
    return this.invoke('status', parseStatusRequest({ jobIds, ...options }));
  }

  /** The status of one job, or `BatchJobNotFoundError`; `history: true` adds its transitions (needs `JobEvents`). */
  public async jobStatus(jobId: string, options: { history?: boolean } = {}): Promise<JobSummary> {
    return this.invoke('status', parseStatusRequest({ jobId, ...options }));
  }

  /** One response's worth of a job's log events; pass `nextToken` back to read on. */
  public async logs(request: LogsRequest): Promise<LogsResponse> {
    return this.invoke('logs', parseLogsRequest(request));
  }

  /**
   * Every event the job's stream holds now, following `nextToken` from response to response. Stops when the stream
   * is read to its end (the token is null, or comes back as it was sent), whether or not the job is still running.
   * A response with no events but a new token is not the end: a page of the stream can be empty, and the function
   * answers early when it runs short of time.
   */
  public async *logEvents(jobId: string): AsyncGenerator<LogEvent> {
    let nextToken: string | undefined;
    for (;;) {
      const response = await this.logs({ jobId, ...(nextToken && { nextToken }) });
      yield* response.events;
      if (response.nextToken === null || response.nextToken === nextToken) return;
      nextToken = response.nextToken;
    }
  }

  public async terminate(request: TerminateRequest): Promise<TerminateResponse> {
    return this.invoke('terminate', parseTerminateRequest(request));
  }

  /** Stops up to 100 jobs in one call (array parents stop their children), and reports each. */
  public async terminateJobs(request: TerminateJobsRequest): Promise<TerminateJobsResponse> {
    return this.invoke('terminate', parseTerminateRequest(request));
  }

  /**
   * An array parent with one page of its children in `children.status`; pass `children.nextToken` back for the next.
   *
   * @example
   * let page = await pendant.children(arrayJobId, { status: 'FAILED' });
   * const failed = [...page.children!.jobs];
   * while (page.children!.nextToken) {
   *   page = await pendant.children(arrayJobId, { status: 'FAILED', nextToken: page.children!.nextToken });
   *   failed.push(...page.children!.jobs);
   * }
   */
  public async children(jobId: string, children: ChildrenRequest): Promise<JobStatusResponse> {
    return this.invoke('status', parseStatusRequest({ jobId, children }));
  }

  /**
   * Polls the job's status until it finishes: resolves with it at SUCCEEDED, rejects with `BatchJobFailedError`
   * (status reason, exit code, the last `logLines` lines of its log) at FAILED, and with `JobWaitTimeoutError` when
   * `timeoutMillis` passes first. Polls back off from `minIntervalMillis` to `maxIntervalMillis` while nothing
   * changes and never come closer than a second apart. Needs the status function (and logs, for the log lines).
   *
   * @example
   * const job = await pendant.waitForJob(jobId, { timeoutMillis: 30 * 60_000, onChange: (job) => console.log(job.status) });
   */
  public async waitForJob(jobId: string, options: WaitForJobOptions = {}): Promise<JobSummary> {
    const minInterval = options.minIntervalMillis ?? 2_000;
    const maxInterval = options.maxIntervalMillis ?? 30_000;
    const timeout = options.timeoutMillis ?? 3_600_000;
    const logLines = options.logLines ?? 50;
    const problems = [
      ...(!Number.isInteger(minInterval) || minInterval < MIN_POLL_INTERVAL_MILLIS
        ? [{ field: 'minIntervalMillis', rule: 'range', message: `must be an integer of at least ${MIN_POLL_INTERVAL_MILLIS}, got ${minInterval}` }]
        : []),
      ...(!Number.isInteger(maxInterval) || maxInterval < minInterval
        ? [{ field: 'maxIntervalMillis', rule: 'range', message: `must be an integer of at least minIntervalMillis (${minInterval}), got ${maxInterval}` }]
        : []),
      ...(!Number.isInteger(timeout) || timeout < 0 ? [{ field: 'timeoutMillis', rule: 'range', message: `must be a non-negative integer, got ${timeout}` }] : []),
      ...(!Number.isInteger(logLines) || logLines < 0 || logLines > 10_000
        ? [{ field: 'logLines', rule: 'range', message: `must be an integer between 0 and 10000, got ${logLines}` }]
        : []),
    ];
    if (problems.length > 0) throw new InvalidRequestError(problems);
    parseStatusRequest({ jobId });

    const now = this.props.now ?? Date.now;
    const sleep = this.props.sleep ?? ((millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis)));
    const deadline = now() + timeout;
    let interval = minInterval;
    let seen: string | undefined;
    for (;;) {
      const job = await this.jobStatus(jobId);
      const fingerprint = JSON.stringify([job.status, job.arrayStatusSummary]);
      if (fingerprint !== seen) {
        seen = fingerprint;
        interval = minInterval;
        options.onChange?.(job);
      } else {
        interval = Math.min(maxInterval, interval * 2);
      }
      if (job.status === 'SUCCEEDED') return job;
      if (isTerminal(job.status)) throw new BatchJobFailedError(jobId, job.statusReason, job.exitCode, job.logStreamName, await this.lastLogLines(jobId, logLines));
      const left = deadline - now();
      if (left <= 0) throw new JobWaitTimeoutError(jobId, timeout, job.status);
      await sleep(Math.min(interval, Math.max(left, MIN_POLL_INTERVAL_MILLIS)));
    }
  }

  /** The last lines of the job's log; none when it has no stream, or the client has no logs function. */
  private async lastLogLines(jobId: string, lines: number): Promise<string[]> {
    if (lines === 0 || this.props.functions.logs === undefined) return [];
    try {
      const tail = await this.logs({ jobId, fromEnd: true, limit: lines });
      return tail.events.map((event) => event.message);
    } catch {
      // The job's failure is the answer; a log that cannot be read (no stream yet, no permission) must not hide it.
      return [];
    }
  }

  private async invoke<Response>(operation: Operation, request: unknown): Promise<Response> {
    const functionName = this.props.functions[operation];
    if (functionName === undefined) {
      throw new TypeError(`PendantClient was given no ${operation} function: set functions.${operation} to its name or ARN`);
    }
    const answer = await this.lambda.send(
      new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(request)) }),
    );
    const text = answer.Payload ? new TextDecoder().decode(answer.Payload) : 'null';
    const payload = JSON.parse(text) as unknown;
    if (answer.FunctionError !== undefined) {
      const { errorType, errorMessage } = (payload ?? {}) as { errorType?: string; errorMessage?: string };
      throw reviveError(errorType ?? answer.FunctionError, errorMessage ?? text);
    }
    return payload as Response;
  }
}
