import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  paginateQuery,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isJobStatus } from '../../lib/model/job-status';
import {
  JOB_EVENTS_TABLE_KEYS,
  JobTransition,
  LATEST_ENTRY,
  TRANSITION_ENTRY_PREFIX,
  transitionEntry,
  transitionOrder,
} from '../../lib/model/job-events';
import { type BatchJobDetail, readBatchJob } from '../../lib/model/batch-job';
import type { JobEventsStore, RecordedJob, TransitionRecord } from '../core/job-events';
import { dynamodbClient } from './clients';

const { partitionKey: PK, sortKey: SK, timeToLive: TTL } = JOB_EVENTS_TABLE_KEYS;
/** BatchGetItem reads at most 100 items a call, the same as DescribeJobs. */
const BATCH_GET_LIMIT = 100;
/** Waits before asking again for keys BatchGetItem left unprocessed (throttled): doubled each time, from this. */
const UNPROCESSED_RETRY_MILLIS = 50;
const UNPROCESSED_RETRIES = 6;

/** The job events table over DynamoDB, with SDK v3. */
export class DynamoJobEventsStore implements JobEventsStore {
  public constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient = dynamodbClient(),
    private readonly sleep: (millis: number) => Promise<void> = (millis) => new Promise((resolve) => setTimeout(resolve, millis)),
  ) {}

  public async record(record: TransitionRecord): Promise<void> {
    const { transition } = record;
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(
          {
            [PK]: record.jobId,
            [SK]: transitionEntry(transition),
            status: transition.status,
            time: transition.time,
            attempt: transition.attempt,
            jobQueue: record.jobQueue,
            ...(transition.reason !== null && { reason: transition.reason }),
            [TTL]: record.expiresAt,
          },
          { removeUndefinedValues: true },
        ),
      }),
    );
    const order = transitionOrder(transition);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ [PK]: record.jobId, [SK]: LATEST_ENTRY, order, time: transition.time, detail: JSON.stringify(record.detail), [TTL]: record.expiresAt }),
          // The same transition again (a redelivery) rewrites it; an earlier one arriving late leaves it alone.
          ConditionExpression: 'attribute_not_exists(#order) OR #order <= :order',
          ExpressionAttributeNames: { '#order': 'order' },
          ExpressionAttributeValues: { ':order': { S: order } },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  public async latest(jobIds: readonly string[]): Promise<Map<string, RecordedJob>> {
    if (jobIds.length > BATCH_GET_LIMIT) throw new RangeError(`at most ${BATCH_GET_LIMIT} jobs a call, got ${jobIds.length}`);
    const found = new Map<string, RecordedJob>();
    let keys: Array<Record<string, AttributeValue>> = [...new Set(jobIds)].map((jobId) => marshall({ [PK]: jobId, [SK]: LATEST_ENTRY }));
    for (let retry = 0; keys.length > 0; retry++) {
      if (retry > 0) {
        if (retry > UNPROCESSED_RETRIES) throw new Error(`job events table ${this.tableName}: ${keys.length} keys still unprocessed after ${UNPROCESSED_RETRIES} retries`);
        await this.sleep(UNPROCESSED_RETRY_MILLIS * 2 ** (retry - 1));
      }
      const response = await this.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [this.tableName]: { Keys: keys, ProjectionExpression: '#pk, #time, detail', ExpressionAttributeNames: { '#pk': PK, '#time': 'time' } },
          },
        }),
      );
      for (const item of response.Responses?.[this.tableName] ?? []) {
        const { [PK]: jobId, time, detail } = unmarshall(item) as { jobId: string; time: string; detail: string };
        found.set(jobId, { time, job: readBatchJob(JSON.parse(detail) as BatchJobDetail) });
      }
      keys = response.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return found;
  }

  public async history(jobId: string): Promise<JobTransition[]> {
    const transitions: JobTransition[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :jobId AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':jobId': { S: jobId }, ':prefix': { S: TRANSITION_ENTRY_PREFIX } },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const { status, time, reason, attempt } = unmarshall(item) as { status: string; time: string; reason?: string; attempt: number };
        if (isJobStatus(status)) transitions.push({ status, time, reason: reason ?? null, attempt });
      }
    }
    return transitions;
  }
}
