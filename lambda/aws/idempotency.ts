import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyUnknownError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { IdempotencyConflictError, IdempotencyInProgressError } from '../../lib/model';
import type { IdempotencyGateway } from '../core/ports';
import { dynamodbClient } from './clients';

interface Attempt {
  readonly key: string;
  /** The request, keys sorted, so the same request always hashes the same whatever order its fields came in. */
  readonly request: unknown;
}

/**
 * Idempotency on a DynamoDB table through Powertools for AWS Lambda: records keyed by the request's idempotency key
 * (partition key `id`, TTL attribute `expiration`), validated by a hash of the whole request.
 */
export class PowertoolsIdempotency implements IdempotencyGateway {
  private readonly config: IdempotencyConfig;
  private readonly run: (attempt: Attempt, work: () => Promise<unknown>) => Promise<unknown>;

  public constructor(tableName: string, windowSeconds: number, client: DynamoDBClient = dynamodbClient()) {
    this.config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'request',
      expiresAfterSeconds: windowSeconds,
      throwOnNoIdempotencyKey: true,
    });
    this.run = makeIdempotent(async (_attempt: Attempt, work: () => Promise<unknown>) => work(), {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }),
      config: this.config,
      keyPrefix: 'pendant-submit',
      dataIndexArgument: 0,
    });
  }

  public async once<T>(key: string, request: unknown, work: () => Promise<T>, remainingTimeMillis?: () => number): Promise<T> {
    // An in-progress record outlives a killed invocation only until the invocation's own deadline.
    if (remainingTimeMillis) this.config.registerLambdaContext({ getRemainingTimeInMillis: remainingTimeMillis } as Context);
    try {
      return (await this.run({ key, request: sortKeys(request) }, work)) as T;
    } catch (error) {
      if (error instanceof IdempotencyValidationError) throw new IdempotencyConflictError(key);
      if (error instanceof IdempotencyAlreadyInProgressError) throw new IdempotencyInProgressError(key);
      // Powertools wraps a failure of the table (throttled, unavailable, a broken connection) in its own errors;
      // the caller needs the service's error, whose name says it may retry.
      if (error instanceof IdempotencyUnknownError && error.cause instanceof Error) throw error.cause;
      throw error;
    }
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
