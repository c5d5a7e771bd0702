import { DEFAULT_JOB_LOG_GROUP, RuntimeConfig } from '../../lib/model/config';
import { InvalidRequestError, LogStreamNotFoundError } from '../../lib/model/errors';
import { isTerminal } from '../../lib/model/job-status';
import { LIMITS, LogsRequest, LogsResponse } from '../../lib/model/requests';
import { LogEvent } from '../../lib/model/log-event';
import { attemptStreams, type BatchJob, latestLogStream, logStreams } from '../../lib/model/batch-job';
import { describeJob, platformJobs } from './jobs';
import { type BatchGateway, type LogsGateway, StreamNotFound, TokenRefused } from './ports';
import { decodeToken, encodeToken } from './tokens';

export interface LogsDeps {
  readonly config: RuntimeConfig;
  readonly batch: BatchGateway;
  readonly logs: LogsGateway;
  /** Milliseconds the invocation has left; reading stops early, with a token to resume, when it runs low. */
  readonly remainingTimeMillis?: () => number;
  /** How the request waits for a job Batch does not list yet. @default - setTimeout */
  readonly sleep?: (millis: number) => Promise<void>;
}

/** Time kept back to build and return the response once reading stops. */
const SAFETY_MARGIN_MILLIS = 3_000;
/** Room kept in the byte budget for the response's `nextToken`. */
const TOKEN_ALLOWANCE_BYTES = 1_024;

/**
 * Where reading resumes: the stream, a CloudWatch forward token (none for the head of the stream) and how many
 * events of the page it starts to skip, so a response can end in the middle of a page without losing or repeating
 * an event. The log group is not in it: it always comes from the job, so a token cannot point the function elsewhere.
 */
interface Cursor {
  readonly logStreamName: string;
  readonly token: string | null;
  readonly skip: number;
  /** The mean size of the events read so far, so the next response can size its first page to its budget. */
  readonly meanEventBytes?: number;
}

export function encodeCursor(cursor: Cursor): string {
  return encodeToken([cursor.logStreamName, cursor.token, cursor.skip, ...(cursor.meanEventBytes ? [cursor.meanEventBytes] : [])]);
}

const badToken = (message: string) => new InvalidRequestError([{ field: 'nextToken', rule: 'token', message }]);

export function decodeCursor(text: string): Cursor {
  const fields = decodeToken(text);
  const [logStreamName, token, skip, meanEventBytes] = fields ?? [];
  if (
    fields === undefined ||
    typeof logStreamName !== 'string' ||
    !(token === null || typeof token === 'string') ||
    typeof skip !== 'number' ||
    !Number.isSafeInteger(skip) ||
    skip < 0 ||
    skip >= LIMITS.MAX_LOG_EVENTS_LIMIT ||
    !(meanEventBytes === undefined || (typeof meanEventBytes === 'number' && Number.isSafeInteger(meanEventBytes) && meanEventBytes > 0))
  ) {
    throw badToken('is not a token from a previous logs response');
  }
  return { logStreamName, token, skip, ...(meanEventBytes !== undefined && { meanEventBytes }) };
}

/**
 * A multi-node parallel job writes no stream of its own: each node logs apart, as `<jobId>#<node>` (AWS Batch User
 * Guide, "Multi-node parallel jobs"). Such a request is answered with where to read instead.
 */
function multiNodeParent(job: BatchJob, jobId: string): InvalidRequestError | undefined {
  if (job.nodeProperties === null || job.nodeDetails !== null) return undefined;
  const main = job.nodeProperties.mainNode ?? 0;
  return new InvalidRequestError([
    {
      field: 'jobId',
      rule: 'multi-node',
      message: `names a multi-node parallel job, whose ${job.nodeProperties.numNodes ?? 'several'} nodes each log apart: read ${jobId}#${main} (the main node) or ${jobId}#<node>`,
    },
  ]);
}

const encoder = new TextEncoder();
const byteLength = (value: unknown): number => encoder.encode(JSON.stringify(value)).length;

/**
 * Reads a job's log stream forward from the head (or from `nextToken`), following CloudWatch's tokens until the
 * stream is exhausted (the token comes back unchanged), `limit` events are read, the response would pass the byte
 * budget, or the invocation runs short of time. `nextToken` is `null` only when the job is terminal and its stream
 * is read to the end.
 */
export async function readLogs(deps: LogsDeps, request: LogsRequest): Promise<LogsResponse> {
  // A token that is not one of ours is a malformed request: refused before any AWS call.
  const resumeFrom = request.nextToken === undefined ? undefined : decodeCursor(request.nextToken);
  const owns = platformJobs(deps.config);
  const job = await describeJob(deps.batch, request.jobId, owns === undefined ? deps : { ...deps, owns });
  const terminal = isTerminal(job.status);
  const logGroupName = job.logGroupName ?? DEFAULT_JOB_LOG_GROUP;
  let cursor: Cursor;
  if (resumeFrom !== undefined) {
    cursor = resumeFrom;
    if (!logStreams(job).includes(cursor.logStreamName)) throw badToken(`belongs to another job than ${request.jobId}`);
    if (request.attempt !== undefined && attemptStream(job, request.attempt, logGroupName) !== cursor.logStreamName) {
      throw badToken(`belongs to another attempt of ${request.jobId} than attempt ${request.attempt}`);
    }
  } else {
    const logStreamName = request.attempt === undefined ? latestLogStream(job) : attemptStream(job, request.attempt, logGroupName);
    if (logStreamName === null) throw multiNodeParent(job, request.jobId) ?? new LogStreamNotFoundError(request.jobId, logGroupName, null);
    if (request.fromEnd === true) return readTail(deps, request, logGroupName, logStreamName, terminal);
    cursor = { logStreamName, token: null, skip: 0 };
  }

  const budget = deps.config.logsMaxResponseBytes;
  const limit = request.limit ?? LIMITS.MAX_LOG_EVENTS_LIMIT;
  const events: LogEvent[] = [];
  let bytes =
    byteLength({ jobId: request.jobId, logGroupName, logStreamName: cursor.logStreamName, events: [], nextToken: null }) +
    TOKEN_ALLOWANCE_BYTES;
  const respond = (nextToken: string | null): LogsResponse => ({
    jobId: request.jobId,
    logGroupName,
    logStreamName: cursor.logStreamName,
    events,
    nextToken,
  });
  const outOfTime = () => deps.remainingTimeMillis !== undefined && deps.remainingTimeMillis() < SAFETY_MARGIN_MILLIS;

  // Pages are sized to what the budget still holds, judged by the events seen so far, so a response ends where a
  // page ends and the next one starts on a fresh token instead of reading a whole page again. Once the budget is
  // nearly spent, the page asked for is a single event: it tells a stream read to its end from one that goes on.
  let measuredEvents = 0;
  let measuredBytes = 0;
  const meanEventBytes = () => (measuredEvents > 0 ? Math.ceil(measuredBytes / measuredEvents) : cursor.meanEventBytes);
  const pageLimit = () => {
    const mean = meanEventBytes();
    const fits = mean === undefined ? LIMITS.MAX_LOG_EVENTS_LIMIT : Math.max(1, Math.floor((budget - bytes) / mean));
    return Math.min(LIMITS.MAX_LOG_EVENTS_LIMIT, cursor.skip + Math.min(limit - events.length, fits));
  };
  const resumeAt = (at: Cursor) => encodeCursor({ ...at, ...(meanEventBytes() !== undefined && { meanEventBytes: meanEventBytes() }) });

  for (;;) {
    if (outOfTime()) return respond(resumeAt(cursor));
    const page = await getPage(deps.logs, request.jobId, logGroupName, cursor, pageLimit());
    for (let index = cursor.skip; index < page.events.length; index++) {
      const event = page.events[index];
      const size = byteLength(event) + 1;
      measuredEvents += 1;
      measuredBytes += size;
      // An event larger than the whole budget still goes out alone: otherwise the stream could never be read past it.
      if (events.length >= limit || (bytes + size > budget && events.length > 0)) {
        return respond(resumeAt({ ...cursor, skip: index }));
      }
      events.push({ timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime });
      bytes += size;
    }
    const exhausted = cursor.token !== null && page.nextForwardToken === cursor.token;
    cursor = { ...cursor, token: page.nextForwardToken, skip: 0 };
    if (exhausted) return respond(terminal ? null : resumeAt(cursor));
    if (events.length >= limit) return respond(resumeAt(cursor));
  }
}

async function getPage(logs: LogsGateway, jobId: string, logGroupName: string, cursor: Cursor, limit: number, fromEnd = false) {
  try {
    return await logs.getLogEvents({
      logGroupName,
      logStreamName: cursor.logStreamName,
      ...(cursor.token !== null && { token: cursor.token }),
      limit: Math.max(1, limit),
      ...(fromEnd && { fromEnd: true }),
    });
  } catch (error) {
    if (error instanceof StreamNotFound) throw new LogStreamNotFoundError(jobId, logGroupName, cursor.logStreamName);
    // Only a token carried in a request can be refused: CloudWatch does not refuse the tokens it has just given.
    if (error instanceof TokenRefused) throw badToken('is not a token from a previous logs response');
    throw error;
  }
}

/**
 * The stream of attempt `attempt` (from 1). An attempt the job has not made (yet), or one that never reached
 * RUNNING, has no stream: `LogStreamNotFoundError`, as for a job that has not started.
 */
function attemptStream(job: BatchJob, attempt: number, logGroupName: string): string {
  const stream = attemptStreams(job)[attempt - 1] ?? null;
  if (stream === null) throw new LogStreamNotFoundError(job.jobId, logGroupName, null);
  return stream;
}

/**
 * The last `limit` events of a stream, newest last: GetLogEvents from the end, then back page by page (a page holds
 * at most 1 MB) until `limit` events are read, the byte budget is spent, the head is reached or time runs short. The
 * newest events are the ones kept. `nextToken` follows the stream forward from its end (for a job still running);
 * `null` once the job is terminal, since nothing newer can come.
 */
async function readTail(deps: LogsDeps, request: LogsRequest, logGroupName: string, logStreamName: string, terminal: boolean): Promise<LogsResponse> {
  const limit = request.limit ?? LIMITS.MAX_LOG_EVENTS_LIMIT;
  const budget = deps.config.logsMaxResponseBytes;
  let bytes = byteLength({ jobId: request.jobId, logGroupName, logStreamName, events: [], nextToken: null }) + TOKEN_ALLOWANCE_BYTES;
  const pages: LogEvent[][] = [];
  let count = 0;
  let backward: string | null = null;
  let forward: string | undefined;
  const outOfTime = () => deps.remainingTimeMillis !== undefined && deps.remainingTimeMillis() < SAFETY_MARGIN_MILLIS;
  for (let full = false; !full && count < limit; ) {
    if (forward !== undefined && outOfTime()) break;
    const page = await getPage(deps.logs, request.jobId, logGroupName, { logStreamName, token: backward, skip: 0 }, limit - count, true);
    forward ??= page.nextForwardToken;
    const taken: LogEvent[] = [];
    for (let index = page.events.length - 1; index >= 0 && count < limit; index--) {
      const event = page.events[index];
      const size = byteLength(event) + 1;
      if (bytes + size > budget && count > 0) {
        full = true;
        break;
      }
      taken.push({ timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime });
      bytes += size;
      count += 1;
    }
    pages.push(taken.reverse());
    // The head is reached when CloudWatch answers the token it was given (or none).
    if (page.nextBackwardToken === undefined || page.nextBackwardToken === backward) break;
    backward = page.nextBackwardToken;
  }
  return {
    jobId: request.jobId,
    logGroupName,
    logStreamName,
    events: pages.reverse().flat(),
    nextToken: terminal || forward === undefined ? null : encodeCursor({ logStreamName, token: forward, skip: 0 }),
  };
}
