import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  JobSummary,
  LogEvent,
  LogsRequest,
  LogsResponse,
  parseLogsRequest,
  parseStatusRequest,
  parseSubmitRequest,
  parseTerminateRequest,
  parseValidateRequest,
  reviveError,
  StatusResponse,
  SubmitRequest,
  SubmitResponse,
  TerminateRequest,
  TerminateResponse,
  ValidateRequest,
  ValidateResponse,
} from '../model';

/** The deployed functions, by name or ARN: only the ones a caller uses need be given. */
export interface PendantFunctions {
  readonly validate?: string;
  readonly submit?: string;
  readonly status?: string;
  readonly logs?: string;
  readonly terminate?: string;
}

export interface PendantClientProps {
  readonly functions: PendantFunctions;
  /** @default - a new LambdaClient with the SDK's default configuration */
  readonly lambda?: LambdaClient;
}

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

  private async invoke<Response>(operation: keyof PendantFunctions, request: unknown): Promise<Response> {
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
