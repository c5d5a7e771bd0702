import type * as batch from 'aws-cdk-lib/aws-batch';
import { ComputeKind, JobPlatform } from '../compute-environment';
import type { IJobDefinitionDeclaration } from '../job-definition';
import { ValidationError } from '../model/errors';
import { describeQueue } from './queue-facts';

/**
 * Refuses, at synth time, a job definition that a queue it may be sent to could never run. Submit sends a definition
 * to any queue of its platform, so every such queue must fit it:
 * - each compute environment of the queue runs the definition's CPU architecture (Fargate Spot runs no ARM64, an EC2
 *   environment only the architecture of its instance types; an ARM64 image on an x86 instance, or the reverse,
 *   fails with an exec format error);
 * - a definition that reserves GPUs has a compute environment with GPU instance types in the queue, or its jobs wait
 *   in RUNNABLE (`MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT`);
 * - no queue runs on EKS: the definitions pendant serves are ECS ones, which AWS Batch refuses to submit to a queue
 *   of EKS compute environments (AWS Batch User Guide, "Amazon EKS jobs").
 *
 * What synth cannot know is not checked: a definition of unknown platform or architecture, a queue imported without
 * its platform, an environment whose instance types are unknown (imported, unmanaged, or given as tokens).
 *
 * `scope` names the construct that asks, for the message.
 */
export function checkPlacement(
  scope: string,
  declarations: readonly IJobDefinitionDeclaration[],
  queues: readonly batch.IJobQueue[],
): void {
  const problems: string[] = [];
  const definitions = declarations.map((definition) => ({ name: definition.name, ...definition.runtimeDeclaration() }));
  const facts = queues.map(describeQueue);
  const ecs = definitions.filter((definition) => definition.platform !== undefined);
  for (const queue of facts.filter((candidate) => candidate.platform === 'EKS')) {
    if (ecs.length === 0) continue;
    const names = ecs.map((definition) => JSON.stringify(definition.name)).join(', ');
    const eks = queue.environments.filter((environment) => environment.platform === 'EKS').map((environment) => environment.id).join(', ');
    problems.push(
      `queue ${queue.id} runs on EKS compute environment ${eks}, where AWS Batch runs EKS job definitions only, but the runtime functions submit the ECS job definitions ${names} to any of their queues; give them queues of Fargate or EC2 (ECS) compute environments`,
    );
  }
  for (const definition of definitions) {
    if (definition.platform === undefined) continue;
    const name = `job definition ${JSON.stringify(definition.name)}`;
    for (const queue of facts.filter((candidate) => candidate.platform === definition.platform)) {
      const where = `queue ${queue.id}`;
      for (const environment of queue.environments) {
        const architectures = environment.architectures;
        if (definition.architecture === undefined || architectures === undefined || architectures.includes(definition.architecture)) continue;
        const fix =
          environment.kind === ComputeKind.FARGATE_SPOT
            ? 'Fargate Spot runs no ARM64: take FARGATE_SPOT out of the queue, or build the image for X86_64'
            : `give the environment ${definition.architecture} instance types, or build the image for ${architectures.join(' or ')}`;
        problems.push(
          `${name} is ${definition.architecture}, but ${where} has compute environment ${environment.id} (${environment.kind}) that runs ${architectures.join(' and ')} only; ${fix}`,
        );
      }
      // Only when every environment's instance types are known (an imported queue shows none): one of unknown types
      // may well have GPUs.
      const gpusKnown = queue.environments.length > 0 && queue.environments.every((environment) => environment.hasGpus !== undefined);
      if (definition.gpus !== undefined && definition.platform === JobPlatform.EC2 && gpusKnown && !queue.environments.some((environment) => environment.hasGpus === true)) {
        problems.push(
          `${name} reserves ${definition.gpus} GPU, but no compute environment of ${where} has GPU instance types; give one instanceTypes with GPUs (such as g5.2xlarge), or drop gpus`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ValidationError(`${scope}: ${problems.join('; ')}`);
}
