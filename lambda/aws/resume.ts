import { DeleteItemCommand, DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { createHash } from 'node:crypto';
import { PendantClient } from '../../lib/client';
import type { LogTail, TaskGateway, TaskTokenStore } from '../core/resume';
import { dynamodbClient, sfnClient } from './clients';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Task tokens in DynamoDB: partition key `jobId`, sort key `tokenHash` (a token is up to 2,048 characters, more than
 * a key should carry), the token itself in `taskToken`, and TTL attribute `expiration`.
 */
export class DynamoTaskTokenStore implements TaskTokenStore {
  public constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient = dynamodbClient(),
  ) {}

  public async put(jobId: string, taskToken: string, expiresAt: number): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { jobId: { S: jobId }, tokenHash: { S: hash(taskToken) }, taskToken: { S: taskToken }, expiration: { N: String(expiresAt) } },
      }),
    );
  }

  public async tokensFor(jobId: string): Promise<string[]> {
    const tokens: string[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'jobId = :jobId',
          ExpressionAttributeValues: { ':jobId': { S: jobId } },
          // Strongly consistent: a token recorded a moment before the job's last event must be seen.
          ConsistentRead: true,
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) if (item.taskToken?.S) tokens.push(item.taskToken.S);
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start !== undefined);
    return tokens;
  }

  public async remove(jobId: string, taskToken: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { jobId: { S: jobId }, tokenHash: { S: hash(taskToken) } } }));
  }
}

/** SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat; a token that is no longer live answers false. */
export class SdkTaskGateway implements TaskGateway {
  public constructor(private readonly client: SFNClient = sfnClient()) {}

  public succeed(taskToken: string, output: unknown): Promise<boolean> {
    return this.live(() => this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })));
  }

  public fail(taskToken: string, error: string, cause: string): Promise<boolean> {
    return this.live(() => this.client.send(new SendTaskFailureCommand({ taskToken, error, cause })));
  }

  public heartbeat(taskToken: string): Promise<boolean> {
    return this.live(() => this.client.send(new SendTaskHeartbeatCommand({ taskToken })));
  }

  private async live(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      // The task timed out, was answered already, or its execution ended (AWS Step Functions API Reference,
      // SendTaskSuccess: Errors).
      if (error instanceof TaskTimedOut || error instanceof InvalidToken || error instanceof TaskDoesNotExist) return false;
      throw error;
    }
  }
}

/** The last lines of a job, through the platform's logs function (`fromEnd`), with the function's own typed errors. */
export class LogsFunctionTail implements LogTail {
  private readonly client: PendantClient;

  public constructor(logsFunction: string, lambda?: LambdaClient) {
    this.client = new PendantClient({ functions: { logs: logsFunction }, ...(lambda && { lambda }) });
  }

  public async lastLines(jobId: string, count: number): Promise<string[]> {
    const response = await this.client.logs({ jobId, fromEnd: true, limit: count });
    return response.events.map((event) => event.message);
  }
}
