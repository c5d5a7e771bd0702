import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeComplianceRule } from './acknowledge';

export interface ExpiringTableProps {
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** The attribute DynamoDB's TTL deletes items by. */
  readonly timeToLiveAttribute: string;
  /**
   * Why the table needs no backup plan: what it holds and when that expires (the reason acknowledged for the
   * compliance packs' DynamoDBInBackupPlan rule).
   */
  readonly whyNoBackupPlan: string;
}

/**
 * A table of items that expire (idempotency records, task tokens, job state transitions), as pendant makes each of
 * them: string keys, TTL, on demand, AWS-managed encryption, point-in-time recovery, and removed with its stack, since
 * nothing in it outlives its expiry.
 */
export function expiringTable(scope: Construct, id: string, props: ExpiringTableProps): dynamodb.Table {
  const table = new dynamodb.Table(scope, id, {
    partitionKey: { name: props.partitionKey, type: dynamodb.AttributeType.STRING },
    ...(props.sortKey !== undefined && { sortKey: { name: props.sortKey, type: dynamodb.AttributeType.STRING } }),
    timeToLiveAttribute: props.timeToLiveAttribute,
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  acknowledgeComplianceRule(table, 'DynamoDBInBackupPlan', props.whyNoBackupPlan);
  return table;
}
