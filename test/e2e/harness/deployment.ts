import { BatchClient, DescribeComputeEnvironmentsCommand, DescribeJobDefinitionsCommand, DescribeJobQueuesCommand } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  paginateListStackResources,
  StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { awsQuery, CREDENTIALS, REGION } from '../../integration/moto/aws';
import type { Template } from './moto-gaps';

/** What moto's CloudFormation holds for the deployed stacks, read through its API. */
/**
 * Resource types moto 5.2.1's CloudFormation does not model: it creates the stack without them and lists each with
 * no logical id (seen deploying the example app). Only a real account deploys them.
 */
const MOTO_SKIPPED_TYPES: ReadonlySet<string> = new Set(['AWS::CloudWatch::Alarm', 'AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy']);

export class DeployedStacks {
  private readonly cloudFormation: CloudFormationClient;
  private readonly batch: BatchClient;
  private readonly lambda: LambdaClient;
  private readonly logs: CloudWatchLogsClient;
  private readonly dynamodb: DynamoDBClient;

  public constructor(endpoint: string) {
    const common = { endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
    this.cloudFormation = new CloudFormationClient(common);
    this.batch = new BatchClient(common);
    this.lambda = new LambdaClient(common);
    this.logs = new CloudWatchLogsClient(common);
    this.dynamodb = new DynamoDBClient(common);
  }

  public async resources(stackName: string): Promise<StackResourceSummary[]> {
    const resources: StackResourceSummary[] = [];
    for await (const page of paginateListStackResources({ client: this.cloudFormation }, { StackName: stackName })) {
      resources.push(...(page.StackResourceSummaries ?? []));
    }
    return resources;
  }

  /** The physical id of each logical id of the stack. */
  public async physicalIds(stackName: string): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const resource of await this.resources(stackName)) ids.set(resource.LogicalResourceId!, resource.PhysicalResourceId ?? '');
    return ids;
  }

  /** The template moto deployed for the stack. */
  public async template(stackName: string): Promise<Template> {
    const response = await this.cloudFormation.send(new GetTemplateCommand({ StackName: stackName }));
    return JSON.parse(response.TemplateBody!) as Template;
  }

  public async status(stackName: string): Promise<string> {
    const response = await this.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    return response.Stacks?.[0]?.StackStatus ?? 'MISSING';
  }

  /**
   * Checks that every resource of `template` exists in moto, so that nothing moto skipped (an unsupported type is
   * left out with only a warning in its log) or failed quietly goes unnoticed: the stack must list each logical id
   * with a physical id and a COMPLETE status, and nothing else; and the services the journey relies on must know
   * the resource by that id. Throws one error naming every problem.
   */
  public async checkEveryResourceExists(stackName: string, template: Template): Promise<void> {
    const problems: string[] = [];
    const resources = await this.resources(stackName);
    // moto lists a resource of a type it skipped with no logical id, no type and no physical id. It skips exactly the
    // types of MOTO_SKIPPED_TYPES (PlatformMonitoring's alarms, its topic's and JobEvents' queue's policies): as many
    // resources as the template has of those types may be skipped, and no other.
    const skipped = resources.filter((resource) => !resource.LogicalResourceId).length;
    const skippable = Object.entries(template.Resources).filter(([, resource]) => MOTO_SKIPPED_TYPES.has(resource.Type));
    if (skipped !== skippable.length) {
      problems.push(`moto skipped ${skipped} resource(s) (its stack lists them without logical id, type or physical id); the template has ${skippable.length} of the types it is known to skip`);
    }
    const listed = new Map(resources.filter((resource) => resource.LogicalResourceId).map((resource) => [resource.LogicalResourceId!, resource]));
    for (const [id, resource] of Object.entries(template.Resources)) {
      const found = listed.get(id);
      if (found === undefined && MOTO_SKIPPED_TYPES.has(resource.Type)) continue;
      if (found === undefined) {
        problems.push(`${id} (${resource.Type}) is not in the stack`);
        continue;
      }
      // moto 5.2.1 records an AWS::Lambda::Permission (here: EventBridge's right to invoke the resume function) with
      // no physical id, where CloudFormation gives it one; its status must still be COMPLETE.
      if (!found.PhysicalResourceId && resource.Type === 'AWS::Lambda::Permission') {
        if (!/_COMPLETE$/.test(found.ResourceStatus ?? '')) problems.push(`${id} (${resource.Type}) is ${found.ResourceStatus}`);
      } else if (!found.PhysicalResourceId) problems.push(`${id} (${resource.Type}) has no physical id`);
      else if (!/_COMPLETE$/.test(found.ResourceStatus ?? '')) problems.push(`${id} (${resource.Type}) is ${found.ResourceStatus}`);
      else if (found.ResourceType !== resource.Type) problems.push(`${id} is a ${found.ResourceType} in the stack, a ${resource.Type} in the template`);
      else {
        const missing = await this.missingFromService(resource.Type, found.PhysicalResourceId);
        if (missing !== undefined) problems.push(`${id} (${resource.Type}) ${found.PhysicalResourceId}: ${missing}`);
      }
    }
    for (const id of listed.keys()) if (!(id in template.Resources)) problems.push(`${id} is in the stack but not in the template`);
    if (problems.length > 0) {
      throw new Error(`stack ${stackName} in moto does not hold what its template declares:\n  ${problems.join('\n  ')}`);
    }
  }

  /** Why the service does not know the resource, or undefined when it does (or when the harness cannot ask). */
  private async missingFromService(type: string, physicalId: string): Promise<string | undefined> {
    switch (type) {
      case 'AWS::Batch::ComputeEnvironment': {
        const found = await this.batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: [physicalId] }));
        return found.computeEnvironments?.length === 1 ? undefined : 'Batch does not know this compute environment';
      }
      case 'AWS::Batch::JobQueue': {
        const found = await this.batch.send(new DescribeJobQueuesCommand({ jobQueues: [physicalId] }));
        return found.jobQueues?.length === 1 ? undefined : 'Batch does not know this job queue';
      }
      case 'AWS::Batch::JobDefinition': {
        const found = await this.batch.send(new DescribeJobDefinitionsCommand({ jobDefinitions: [physicalId] }));
        return found.jobDefinitions?.[0]?.status === 'ACTIVE' ? undefined : 'Batch has no ACTIVE job definition of this ARN';
      }
      case 'AWS::Lambda::Function':
        try {
          await this.lambda.send(new GetFunctionCommand({ FunctionName: physicalId }));
          return undefined;
        } catch (error) {
          return `Lambda does not know this function (${(error as Error).name})`;
        }
      case 'AWS::Logs::LogGroup': {
        const found = await this.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: physicalId }));
        return found.logGroups?.some((group) => group.logGroupName === physicalId) ? undefined : 'CloudWatch Logs does not know this log group';
      }
      case 'AWS::DynamoDB::Table':
        try {
          const found = await this.dynamodb.send(new DescribeTableCommand({ TableName: physicalId }));
          return found.Table?.TableStatus === 'ACTIVE' ? undefined : `DynamoDB reports the table ${found.Table?.TableStatus}`;
        } catch (error) {
          return `DynamoDB does not know this table (${(error as Error).name})`;
        }
      case 'AWS::IAM::Role':
        try {
          await awsQuery('iam', { Action: 'GetRole', Version: '2010-05-08', RoleName: physicalId });
          return undefined;
        } catch (error) {
          return `IAM does not know this role (${(error as Error).message.split('\n')[0]})`;
        }
      default:
        // The stack's own record (physical id, COMPLETE) is the evidence for the types the journey does not call.
        return undefined;
    }
  }
}
