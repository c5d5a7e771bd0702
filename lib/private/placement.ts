import { ComputeKind, JobPlatform } from '../compute-environment';
import type { JobDefinition } from '../job-definition';
import type { JobQueue } from '../job-queue';
import { ValidationError } from '../model/errors';

/**
 * Refuses, at synth time, a job definition that a queue it may be sent to could never run. Submit sends a definition
 * to any queue of its platform, so every such queue must fit it:
 * - each compute environment of the queue runs the definition's CPU architecture (Fargate Spot runs no ARM64, an EC2
 *   environment only the architecture of its instance types; an ARM64 image on an x86 instance, or the reverse,
 *   fails with an exec format error);
 * - a definition that reserves GPUs has a compute environment with GPU instance types in the queue, or its jobs wait
 *   in RUNNABLE (`MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT`).
 *
 * `scope` names the construct that asks, for the message.
 */
export function checkPlacement(scope: string, definitions: ReadonlyArray<Pick<JobDefinition, 'name' | 'platform' | 'architecture' | 'gpus'>>, queues: readonly JobQueue[]): void {
  const problems: string[] = [];
  for (const definition of definitions) {
    const name = `job definition ${JSON.stringify(definition.name)}`;
    for (const queue of queues.filter((candidate) => candidate.platform === definition.platform)) {
      const where = `queue ${queue.node.id}`;
      for (const environment of queue.computeEnvironments) {
        if (environment.architectures.includes(definition.architecture)) continue;
        const fix =
          environment.kind === ComputeKind.FARGATE_SPOT
            ? 'Fargate Spot runs no ARM64: take FARGATE_SPOT out of the queue, or build the image for X86_64'
            : `give the environment ${definition.architecture} instance types, or build the image for ${environment.architectures.join(' or ')}`;
        problems.push(
          `${name} is ${definition.architecture}, but ${where} has compute environment ${environment.node.id} (${environment.kind}) that runs ${environment.architectures.join(' and ')} only; ${fix}`,
        );
      }
      if (definition.gpus !== undefined && definition.platform === JobPlatform.EC2 && !queue.computeEnvironments.some((environment) => environment.hasGpus)) {
        problems.push(
          `${name} reserves ${definition.gpus} GPU, but no compute environment of ${where} has GPU instance types; give one instanceTypes with GPUs (such as g5.2xlarge), or drop gpus`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ValidationError(`${scope}: ${problems.join('; ')}`);
}
