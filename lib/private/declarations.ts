import * as batch from 'aws-cdk-lib/aws-batch';
import { Fn, Token } from 'aws-cdk-lib';
import { JobDefinition } from '../job-definition';
import type { JobQueue } from '../job-queue';
import { MultiNodeJobDefinition } from '../multi-node-job-definition';
import { JobDefinitionEntry, JobQueueEntry } from '../model/config';
import { parameterLocations, ParameterSpecs } from '../model/parameters';
import { S3Uri } from '../model/s3-uri';

/**
 * What the configuration says of a job definition: its physical name, platform, parameters, what callers may override,
 * its resources and deployed revision.
 */
export function definitionEntry(definition: JobDefinition | MultiNodeJobDefinition): JobDefinitionEntry {
  // The physical name is what DescribeJobDefinitions and SubmitJob take, so "latest" only ever reads this stack's
  // definition. A name known at synth ships in the config file; one only CloudFormation knows travels with the
  // revision as `name:revision`, read from the ARN.
  const known = !Token.isUnresolved(definition.physicalName);
  return {
    definition: known ? definition.physicalName : definition.name,
    parameters: definition._parameterSpecs,
    platform: definition.platform,
    ...(Object.keys(definition.overrides).length > 0 && { overrides: definition.overrides }),
    // Only a definition whose vCPUs or memory may be overridden needs its own, for Fargate's pairs.
    ...(definition instanceof JobDefinition && (definition.overrides.maxVcpus !== undefined || definition.overrides.maxMemoryMebibytes !== undefined) && { resources: definition.resources }),
    // arn:<partition>:batch:<region>:<account>:job-definition/<name>:<revision>
    revision: known ? definition.revision : Fn.select(1, Fn.split('/', definition.jobDefinitionArn)),
    ...(definition instanceof MultiNodeJobDefinition && { nodes: definition._layout }),
  };
}

/**
 * What the configuration says of a job queue: its name (a third of its ARN: SubmitJob and ListJobs take either),
 * platform and scheduling. The name given to the queue when there is one, else CloudFormation's, read from the ARN.
 */
export function queueEntry(queue: JobQueue): JobQueueEntry {
  const given = (queue.jobQueue.node.defaultChild as batch.CfnJobQueue | undefined)?.jobQueueName;
  const name = given !== undefined && !Token.isUnresolved(given) ? given : queue.jobQueueName;
  return { queue: name, platform: queue.platform, fairShare: queue.jobQueue.schedulingPolicy !== undefined };
}

/** The distinct `within` prefixes of every S3 input that must exist: what validate and submit HeadObject under. */
export function mustExistPrefixes(parameterSets: readonly ParameterSpecs[]): S3Uri[] {
  const prefixes = new Map<string, S3Uri>();
  for (const parameters of parameterSets) {
    for (const uri of parameterLocations(parameters).checked) prefixes.set(uri.toString(), uri);
  }
  return [...prefixes.values()];
}
