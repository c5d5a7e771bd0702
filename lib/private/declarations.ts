import type * as batch from 'aws-cdk-lib/aws-batch';
import { Fn, Token } from 'aws-cdk-lib';
import type { IJobDefinitionDeclaration } from '../job-definition';
import { MultiNodeJobDefinition } from '../multi-node-job-definition';
import { JobDefinitionEntry, JobQueueEntry } from '../model/config';
import { parameterLocations } from '../model/parameters';
import { S3Uri } from '../model/s3-uri';
import { ValidationError } from '../model/errors';
import { parameterSpecs } from './parameter-specs';
import { describeQueue, jobQueueResource } from './queue-facts';

/**
 * What the configuration says of a job definition: its physical name, platform, parameters, what callers may override,
 * its resources and deployed revision, from pendant's own definitions and from declarations of yours alike.
 */
export function definitionEntry(definition: IJobDefinitionDeclaration): JobDefinitionEntry {
  // The physical name is what DescribeJobDefinitions and SubmitJob take, so "latest" only ever reads this stack's
  // definition. A name known at synth ships in the config file; one only CloudFormation knows travels with the
  // revision as `name:revision`, read from the ARN.
  const declared = definition.runtimeDeclaration();
  const known = !Token.isUnresolved(definition.physicalName);
  if (!known && declared.revision === undefined) {
    throw new ValidationError(
      `job definition ${JSON.stringify(definition.name)} (${definition.node.path}): its name in AWS Batch is known only at deploy time and it has no revision, so the runtime functions could not name it; give it a name or a revision`,
    );
  }
  const overrides = declared.overrides ?? {};
  // Only a definition whose vCPUs or memory may be overridden needs its own, for Fargate's pairs.
  const resizable = overrides.maxVcpus !== undefined || overrides.maxMemoryMebibytes !== undefined;
  // arn:<partition>:batch:<region>:<account>:job-definition/<name>:<revision>
  const revision = declared.revision === undefined ? undefined : known ? declared.revision : Fn.select(1, Fn.split('/', declared.jobDefinitionArn));
  return {
    definition: known ? definition.physicalName : definition.name,
    parameters: parameterSpecs(declared.parameters ?? {}),
    ...(declared.platform !== undefined && { platform: declared.platform }),
    ...(Object.keys(overrides).length > 0 && { overrides }),
    ...(resizable && declared.resources !== undefined && { resources: declared.resources }),
    ...(revision !== undefined && { revision }),
    ...(definition instanceof MultiNodeJobDefinition && { nodes: definition._layout }),
  };
}

/**
 * What the configuration says of a job queue: its name (a third of its ARN: SubmitJob and ListJobs take either),
 * platform and scheduling, where they are known. The name given to the queue when there is one, else CloudFormation's
 * or the import's, read from the ARN. An EKS queue has no ECS platform to check against: `checkPlacement` refuses it
 * beside definitions of a known platform.
 */
export function queueEntry(queue: batch.IJobQueue): JobQueueEntry {
  const given = jobQueueResource(queue)?.jobQueueName;
  const name = given !== undefined && !Token.isUnresolved(given) ? given : queue.jobQueueName;
  const { platform, fairShare } = describeQueue(queue);
  return { queue: name, ...(platform !== undefined && platform !== 'EKS' && { platform }), ...(fairShare !== undefined && { fairShare }) };
}

/** The distinct `within` prefixes of every S3 input that must exist: what validate and submit HeadObject under. */
export function mustExistPrefixes(definitions: readonly IJobDefinitionDeclaration[]): S3Uri[] {
  const prefixes = new Map<string, S3Uri>();
  for (const definition of definitions) {
    for (const uri of parameterLocations(parameterSpecs(definition.runtimeDeclaration().parameters ?? {})).checked) prefixes.set(uri.toString(), uri);
  }
  return [...prefixes.values()];
}
