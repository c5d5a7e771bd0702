import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyUnknownError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { IdempotencyConflictError, IdempotencyInProgressError } from '../../lib/model/errors';
import { AttemptRaced, type AttemptLedger, type IdempotencyGateway, type SubmitAttempt } from '../core/ports';
import { dynamodbClient } from './clients';

interface Attempt {
  readonly key: string;
  /** The request; Powertools sorts its keys before hashing it, so field order does not change the hash. */
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
      return (await this.run({ key, request }, work)) as T;
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

/**
 * The SubmitJob attempts of keyed submissions, one item per key in the idempotency table beside Powertools' records
 * (`id` = `pendant-submit-attempt#<key hash>`, expiring with the window through the table's `expiration` TTL): the
 * latest attempt, which is all a later invocation needs, since a key submits again only once the one before is
 * ruled out.
 */
export class DynamoDbAttemptLedger implements AttemptLedger {
  public constructor(
    private readonly tableName: string,
    private readonly windowSeconds: number,
    private readonly client: DynamoDBClient = dynamodbClient(),
  ) {}

  public async latest(keyHash: string): Promise<SubmitAttempt | undefined> {
    const { Item: item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(keyHash), ConsistentRead: true }));
    if (item === undefined) return undefined;
    return {
      number: Number(item.attempt?.N),
      token: item.token?.S ?? '',
      sentAt: Number(item.sentAt?.N),
      openUntil: Number(item.openUntil?.N),
      ...(item.refused?.BOOL === true && { refused: true }),
    };
  }

  public async begin(keyHash: string, attempt: SubmitAttempt): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(keyHash),
            attempt: { N: String(attempt.number) },
            token: { S: attempt.token },
            sentAt: { N: String(attempt.sentAt) },
            openUntil: { N: String(attempt.openUntil) },
            expiration: { N: String(Math.ceil(attempt.sentAt / 1_000) + this.windowSeconds) },
          },
          ...(attempt.number === 1
            ? { ConditionExpression: 'attribute_not_exists(id)' }
            : { ConditionExpression: 'attempt = :previous', ExpressionAttributeValues: { ':previous': { N: String(attempt.number - 1) } } }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // After a lost answer the SDK sends the write again, and the record it finds may be its own.
      if ((await this.latest(keyHash))?.token !== attempt.token) throw new AttemptRaced();
    }
  }

  public async settle(keyHash: string, number: number, outcome: { readonly openUntil: number } | { readonly refused: true }): Promise<void> {
    const refused = 'refused' in outcome;
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(keyHash),
        UpdateExpression: refused ? 'SET refused = :true' : 'SET openUntil = :openUntil',
        ConditionExpression: 'attempt = :number',
        ExpressionAttributeValues: {
          ':number': { N: String(number) },
          ...(refused ? { ':true': { BOOL: true } } : { ':openUntil': { N: String(outcome.openUntil) } }),
        },
      }),
    );
  }

  private key(keyHash: string) {
    return { id: { S: `pendant-submit-attempt#${keyHash}` } };
  }
}
