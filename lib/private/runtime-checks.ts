import { Duration, Token } from 'aws-cdk-lib';
import { ConfigurationError, ValidationError } from '../model/errors';
import { encodeConfig, RuntimeConfig } from '../model/config';
import type { FunctionConcurrency, ReservedConcurrency } from '../runtime-functions';
import { isOperation, OPERATION_NAMES } from '../model/operations';

/**
 * Refuses at synth time a limit the logs handler would refuse on every call, by reading it back with the handler's
 * own decoder so that the bounds live only in the model.
 */
export function checkLogsMaxResponseBytes(path: string, value: number | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  try {
    void new RuntimeConfig(encodeConfig({ logsMaxResponseBytes: value })).logsMaxResponseBytes;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ValidationError(`runtime functions ${path}: logsMaxResponseBytes is refused by the logs function (${error.message})`);
  }
}

/** Refuses at synth time a window the submit function would refuse, read back with the model's own decoder. */
export function checkIdempotencyWindow(path: string, window: Duration | undefined): void {
  if (window === undefined || Token.isUnresolved(window.toSeconds())) return;
  try {
    void new RuntimeConfig(encodeConfig({ idempotencyWindowSeconds: window.toSeconds() })).idempotencyWindowSeconds;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ValidationError(`runtime functions ${path}: idempotencyWindow is refused by the submit function (${error.message})`);
  }
}

/** Refuses at synth time a ListJobs lag bound the submit function would refuse, read back with the model's decoder. */
export function checkListJobsLagBound(path: string, bound: Duration | undefined): void {
  if (bound === undefined || Token.isUnresolved(bound.toMilliseconds())) return;
  try {
    void new RuntimeConfig(encodeConfig({ listJobsLagBoundSeconds: bound.toSeconds({ integral: false }) })).listJobsLagBoundSeconds;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ValidationError(`runtime functions ${path}: listJobsLagBound is refused by the submit function (${error.message})`);
  }
}

/** Refuses at synth time a platform id the functions would refuse (it is a tag value). */
export function checkPlatformId(path: string, platformId: string): void {
  if (Token.isUnresolved(platformId)) return;
  try {
    void new RuntimeConfig(encodeConfig({ platformId })).platformId;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ValidationError(`runtime functions ${path}: platformId is refused by the functions (${error.message})`);
  }
}

/** Refuses at synth time a reserved concurrency Lambda would refuse at deploy time: a whole number, 0 or more. */
export function checkReservedConcurrency(path: string, concurrency: FunctionConcurrency | undefined): void {
  const { byOperation = {}, ...named } = concurrency ?? {};
  for (const [operation, value] of Object.entries(named) as Array<[string, ReservedConcurrency | undefined]>) {
    checkReserved(path, `reservedConcurrency.${operation}`, value);
  }
  for (const [operation, value] of Object.entries(byOperation)) {
    if (!isOperation(operation)) {
      throw new ValidationError(`runtime functions ${path}: reservedConcurrency.byOperation names ${JSON.stringify(operation)}, which is no operation; the operations are ${OPERATION_NAMES.join(', ')}`);
    }
    checkReserved(path, `reservedConcurrency.byOperation.${operation}`, value);
    const given = (named as Readonly<Record<string, ReservedConcurrency | undefined>>)[operation];
    if (given !== undefined && given !== value) {
      throw new ValidationError(`runtime functions ${path}: reservedConcurrency.${operation} and reservedConcurrency.byOperation.${operation} differ (${String(given)} and ${String(value)}); give one`);
    }
  }
}

/** A reserved concurrency Lambda takes: a whole number, 0 or more, or none at all ('unreserved'). */
function checkReserved(path: string, where: string, value: ReservedConcurrency | undefined): void {
  if (value === undefined || value === 'unreserved' || Token.isUnresolved(value)) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ValidationError(
      `runtime functions ${path}: ${where} must be a whole number of 0 or more (0 stops every call) or 'unreserved', got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`,
    );
  }
}
