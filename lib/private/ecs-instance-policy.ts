import * as iam from 'aws-cdk-lib/aws-iam';
import { Stack } from 'aws-cdk-lib';
import { acknowledgeWildcard } from './acknowledge';

/** The agent's state reports, spelled out rather than `ecs:Submit*`. */
const SUBMIT_ACTIONS = ['ecs:SubmitAttachmentStateChanges', 'ecs:SubmitContainerStateChange', 'ecs:SubmitTaskStateChange'];

/**
 * Opt-in and unverified (`InstanceRolePolicy.SCOPED_TO_BATCH_CLUSTERS`): what the ECS container agent on a Batch
 * instance needs, in place of the AWS-managed `AmazonEC2ContainerServiceforEC2Role` (which grants every ECS, ECR and
 * Logs action it lists on `*`). The cluster naming below is observed, not documented as a contract.
 *
 * Batch names the ECS clusters it creates `AWSBatch-<environment>-<uuid>`, so the cluster and container-instance
 * actions are scoped to those. Image pulls and log writes go through the job definitions' execution role and the
 * platform's own log-group grant, not this policy.
 */
export function addEcsInstancePolicy(role: iam.Role): void {
  const stack = Stack.of(role);
  const cluster = stack.formatArn({ service: 'ecs', resource: 'cluster', resourceName: 'AWSBatch-*' });
  const containerInstance = stack.formatArn({ service: 'ecs', resource: 'container-instance', resourceName: 'AWSBatch-*/*' });
  const policy = new iam.Policy(role, 'EcsAgentPolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'ClusterMembership',
        actions: ['ecs:RegisterContainerInstance', 'ecs:DeregisterContainerInstance', 'ecs:UpdateContainerInstancesState', ...SUBMIT_ACTIONS],
        resources: [cluster],
      }),
      new iam.PolicyStatement({
        sid: 'AgentSession',
        actions: ['ecs:Poll', 'ecs:StartTelemetrySession', 'ecs:UpdateContainerInstancesState', ...SUBMIT_ACTIONS],
        resources: [containerInstance],
      }),
      new iam.PolicyStatement({
        sid: 'NoResourceType',
        actions: ['ecs:DiscoverPollEndpoint', 'ec2:DescribeTags', 'ecr:GetAuthorizationToken'],
        resources: ['*'],
      }),
    ],
  });
  const batchNames = 'AWS Batch names the ECS clusters it creates AWSBatch-<environment>-<uuid> at run time; the prefix is the narrowest name known at deploy time';
  acknowledgeWildcard(policy, { resource: cluster }, batchNames);
  acknowledgeWildcard(policy, { resource: containerInstance }, `${batchNames}, and container instances get ids at launch`);
  acknowledgeWildcard(policy, { resource: '*' }, 'ecs:DiscoverPollEndpoint, ec2:DescribeTags and ecr:GetAuthorizationToken have no resource type: IAM accepts only "*"');
}
