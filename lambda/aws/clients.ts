import { BatchClient } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * SDK clients, created once per container on first use and then reused by every invocation.
 *
 * Endpoints, region and credentials come from the SDK's own resolution (`AWS_ENDPOINT_URL`, `AWS_REGION`, …).
 * Retries use the SDK's strategies with jittered backoff: adaptive for Batch and CloudWatch Logs, whose APIs
 * throttle (SubmitJob at about 50 requests a second), so the client also slows itself down; standard for S3 and
 * DynamoDB.
 * `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` still override both.
 */
const MAX_ATTEMPTS = 6;
const requestHandler = { connectionTimeout: 3_000, requestTimeout: 20_000 };

function retryConfig(mode: 'adaptive' | 'standard') {
  return {
    retryMode: process.env.AWS_RETRY_MODE ?? mode,
    maxAttempts: process.env.AWS_MAX_ATTEMPTS ? Number(process.env.AWS_MAX_ATTEMPTS) : MAX_ATTEMPTS,
  };
}

let batch: BatchClient | undefined;
let s3: S3Client | undefined;
let logs: CloudWatchLogsClient | undefined;
let dynamodb: DynamoDBClient | undefined;
let sfn: SFNClient | undefined;

export function batchClient(): BatchClient {
  batch ??= new BatchClient({ ...retryConfig('adaptive'), requestHandler });
  return batch;
}

export function s3Client(): S3Client {
  s3 ??= new S3Client({ ...retryConfig('standard'), requestHandler });
  return s3;
}

export function logsClient(): CloudWatchLogsClient {
  logs ??= new CloudWatchLogsClient({ ...retryConfig('adaptive'), requestHandler });
  return logs;
}

export function dynamodbClient(): DynamoDBClient {
  dynamodb ??= new DynamoDBClient({ ...retryConfig('standard'), requestHandler });
  return dynamodb;
}

export function sfnClient(): SFNClient {
  sfn ??= new SFNClient({ ...retryConfig('standard'), requestHandler });
  return sfn;
}
