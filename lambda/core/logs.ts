import {
  DEFAULT_JOB_LOG_GROUP,
  InvalidRequestError,
  isTerminal,
  LIMITS,
  LogEvent,
  LogsRequest,
  LogsResponse,
  LogStreamNotFoundError,
  RuntimeConfig,
} from '../../lib/model';
import { describeJob, logStreamOf, logStreamsOf, statusOf } from './jobs';
import { type BatchGateway, type LogsGateway, StreamNotFound, TokenRefused } from './ports';

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
  const fields = [1, cursor.logStreamName, cursor.token, cursor.skip, ...(cursor.meanEventBytes ? [cursor.meanEventBytes] : [])];
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

const badToken = (message: string) => new InvalidRequestError([{ field: 'nextToken', rule: 'token', message }]);

export function decodeCursor(text: string): Cursor {
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw badToken('is not a token from a previous logs response');
  }
  const [version, logStreamName, token, skip, meanEventBytes] = Array.isArray(fields) ? fields : [];
  if (
    version !== 1 ||
    typeof logStreamName !== 'string' ||
    !(token === null || typeof token === 'string') ||
    !Number.isSafeInteger(skip) ||
    skip < 0 ||
    skip >= LIMITS.MAX_LOG_EVENTS_LIMIT ||
    !(meanEventBytes === undefined || (Number.isSafeInteger(meanEventBytes) && meanEventBytes > 0))
  ) {
    throw badToken('is not a token from a previous logs response');
  }
  return { logStreamName, token, skip, ...(meanEventBytes !== undefined && { meanEventBytes }) };
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
  const job = await describeJob(deps.batch, request.jobId, deps);
  const terminal = isTerminal(statusOf(job));
  const logGroupName = job.container?.logConfiguration?.options?.['awslogs-group'] ?? DEFAULT_JOB_LOG_GROUP;
  let cursor: Cursor;
  if (resumeFrom !== undefined) {
    cursor = resumeFrom;
    if (!logStreamsOf(job).includes(cursor.logStreamName)) throw badToken(`belongs to another job than ${request.jobId}`);
  } else {
    const logStreamName = logStreamOf(job);
    if (logStreamName === null) throw new LogStreamNotFoundError(request.jobId, logGroupName, null);
    cursor = { logStreamName, token: null, skip: 0 };
  }

  const budget = deps.config.logsMaxResponseBytes;
  if (request.tail !== undefined) return readTail(deps, request.jobId, logGroupName, cursor.logStreamName, request.tail, terminal, budget);
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

/**
 * The stream's last `count` events in one GetLogEvents call from the tail, oldest first, less the oldest of them
 * when they would pass the byte budget. The token answered follows the stream on from its end.
 */
async function readTail(deps: LogsDeps, jobId: string, logGroupName: string, logStreamName: string, count: number, terminal: boolean, budget: number): Promise<LogsResponse> {
  const page = await getPage(deps.logs, jobId, logGroupName, { logStreamName, token: null, skip: 0 }, count, true);
  const events = page.events.slice(-count).map(({ timestamp, message, ingestionTime }) => ({ timestamp, message, ingestionTime }));
  let bytes = byteLength({ jobId, logGroupName, logStreamName, events: [], nextToken: null }) + TOKEN_ALLOWANCE_BYTES;
  let first = events.length;
  while (first > 0 && (bytes + byteLength(events[first - 1]) + 1 <= budget || first === events.length)) {
    first -= 1;
    bytes += byteLength(events[first]) + 1;
  }
  return {
    jobId,
    logGroupName,
    logStreamName,
    events: events.slice(first),
    nextToken: terminal ? null : encodeCursor({ logStreamName, token: page.nextForwardToken, skip: 0 }),
  };
}

async function getPage(logs: LogsGateway, jobId: string, logGroupName: string, cursor: Cursor, limit: number, fromTail = false) {
  try {
    return await logs.getLogEvents({
      logGroupName,
      logStreamName: cursor.logStreamName,
      ...(cursor.token !== null && { token: cursor.token }),
      limit: Math.max(1, limit),
      ...(fromTail && { fromTail }),
    });
  } catch (error) {
    if (error instanceof StreamNotFound) throw new LogStreamNotFoundError(jobId, logGroupName, cursor.logStreamName);
    // Only a token carried in a request can be refused: CloudWatch does not refuse the tokens it has just given.
    if (error instanceof TokenRefused) throw badToken('is not a token from a previous logs response');
    throw error;
  }
}
