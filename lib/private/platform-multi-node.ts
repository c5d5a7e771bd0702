import type * as batch from 'aws-cdk-lib/aws-batch';
import type { BatchPlatform } from '../platform';
import { JobPlatform } from '../compute-environment';
import { MultiNodeJobDefinition, MultiNodeJobDefinitionProps } from '../multi-node-job-definition';
import { ValidationError } from '../model/errors';
import { checkPlacement } from './placement';
import { describeQueue } from './queue-facts';

/**
 * A platform's multi-node parallel job definitions, on its execution role and job log group. AWS Fargate runs no
 * multi-node parallel jobs (AWS Batch User Guide, "Create a multi-node parallel job definition"), so a platform
 * without an EC2 queue refuses them at synth; submit refuses a Fargate queue for them at run time.
 */
export function multiNodeDefinitions(
  platform: BatchPlatform,
  options: MultiNodeJobDefinitionProps[],
  singleNodeNames: readonly string[],
  queues: readonly batch.IJobQueue[],
): MultiNodeJobDefinition[] {
  const where = `platform ${platform.node.path}`;
  const names = [...singleNodeNames, ...options.map((definition) => definition.name)];
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new ValidationError(`${where}: job definition ${JSON.stringify(duplicate)} is declared twice`);
  // A queue of yours of unknown platform may be an EC2 one.
  const platforms = queues.map((queue) => describeQueue(queue).platform);
  if (options.length > 0 && !platforms.some((queuePlatform) => queuePlatform === JobPlatform.EC2 || queuePlatform === undefined)) {
    const fargate = queues.map((queue) => queue.node.id).join(', ');
    throw new ValidationError(
      `${where}: multi-node job definition ${JSON.stringify(options[0].name)} runs on EC2 only (AWS Batch User Guide, "Create a multi-node parallel job definition": AWS Fargate doesn't support multi-node parallel jobs), but every queue of the platform (${fargate}) runs on Fargate; add a queue of EC2 compute`,
    );
  }
  const definitions = options.map(
    (props) => new MultiNodeJobDefinition(platform, `MultiNodeJobDefinition-${props.name}`, { ...props, executionRole: platform.executionRole, logGroup: platform.jobLogGroup }),
  );
  checkPlacement(where, definitions, queues);
  return definitions;
}
