import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { PendantError } from '../../lib/model/errors';
import { HandlerName, Operation, OPERATIONS, RequestOf, ResponseOf } from '../../lib/model/operations';

/**
 * One structured JSON logger per container; `POWERTOOLS_LOG_LEVEL` sets its level. Its service name is the one the
 * configuration contract writes into the function's environment (`POWERTOOLS_SERVICE_NAME`, e.g. `pendant-submit`):
 * a name given here would override it and make every function's lines look alike.
 */
export const logger = new Logger();

/**
 * The edge of every handler: parse the event (a malformed one throws `InvalidRequestError` before any AWS call),
 * run the core, and log one structured line per request. Errors keep their class, so Lambda reports the class name
 * as `errorType` and a Step Functions `Catch` can match it.
 */
export function makeHandler<Request, Response>(
  operation: HandlerName,
  parse: (event: unknown) => Request,
  run: (request: Request, context: Context | undefined) => Promise<Response>,
): (event: unknown, context?: Context) => Promise<Response> {
  return async (event, context) => {
    const started = Date.now();
    if (context) logger.addContext(context);
    try {
      const response = await run(parse(event), context);
      logger.info('request answered', { operation, durationMs: Date.now() - started });
      return response;
    } catch (error) {
      const fields = { operation, durationMs: Date.now() - started };
      if (error instanceof PendantError) logger.warn('request refused', { ...fields, error: error.toJSON() });
      else logger.error('request failed', { ...fields, error: error as Error });
      throw error;
    }
  };
}

/**
 * A runtime function's handler: its parser and its request and response types are the registry's
 * (lib/model/operations.ts), so the handler answers what the client expects of it.
 */
export function operationHandler<O extends Operation>(
  operation: O,
  run: (request: RequestOf<O>, context: Context | undefined) => Promise<ResponseOf<O>>,
): (event: unknown, context?: Context) => Promise<ResponseOf<O>> {
  return makeHandler(operation, OPERATIONS[operation].parse as (event: unknown) => RequestOf<O>, run);
}
