import { DescribedJobQueue, DescribedParameter, DescribeRequest, DescribeResponse } from '../../lib/model/requests';
import { JobDefinitionConfig, RuntimeConfig } from '../../lib/model/config';
import { UnknownJobDefinitionError } from '../../lib/model/errors';
import { kindOf } from '../../lib/model/parameter-kinds';
import type { BatchGateway } from './ports';
import { findJobDefinition } from './validate';

export interface DescribeDeps {
  readonly config: RuntimeConfig;
  /** Asked only for a definition configured by name alone, whose revision only Batch knows. */
  readonly batch: Pick<BatchGateway, 'latestActiveRevision'>;
}

/**
 * A declared job definition as a caller builds requests for it: its parameters (kind, whether required, default,
 * what a value must be), its deployed revision, platform, override policy and the queues it may be sent to. Without
 * a name, the declared names. Read from the configuration; Batch is asked only for the latest ACTIVE revision of a
 * definition configured by name alone.
 */
export async function describe(deps: DescribeDeps, request: DescribeRequest): Promise<DescribeResponse> {
  const { config } = deps;
  if (request.jobDefinition === undefined) return { jobDefinitions: [...config.jobDefinitions.keys()] };
  const definition = findJobDefinition(config, request.jobDefinition);
  const { revision, revisionSource } = await deployedRevision(deps, definition);
  return {
    jobDefinition: definition.declaredName,
    physicalName: definition.physicalName,
    revision,
    revisionSource,
    platform: definition.platform ?? null,
    parameters: Object.entries(definition.parameters).map(([name, spec]): DescribedParameter => ({
      name,
      kind: spec.type,
      required: spec.default === undefined,
      ...(spec.default !== undefined && { default: spec.default }),
      accepts: kindOf(spec).describe(spec),
      ...(spec.description !== undefined && { description: spec.description }),
    })),
    overrides: definition.overrides,
    jobQueues: queuesFor(config, definition),
    ...(definition.nodes && { nodes: definition.nodes }),
  };
}

async function deployedRevision(deps: DescribeDeps, definition: JobDefinitionConfig): Promise<{ revision: number; revisionSource: 'deployed' | 'latest-active' }> {
  if (definition.revision !== undefined) return { revision: definition.revision, revisionSource: 'deployed' };
  const latest = await deps.batch.latestActiveRevision(definition.physicalName);
  // Submit refuses such a definition with the same error: there is nothing to submit.
  if (latest === undefined) throw new UnknownJobDefinitionError(definition.declaredName, [], `job definition ${definition.physicalName} has no ACTIVE revision`);
  return { revision: latest, revisionSource: 'latest-active' };
}

/** The configured queues submit would send this definition to: a queue of another platform refuses it. */
function queuesFor(config: RuntimeConfig, definition: JobDefinitionConfig): DescribedJobQueue[] {
  return config.jobQueues.flatMap((queue, index) =>
    definition.platform !== undefined && queue.platform !== undefined && queue.platform !== definition.platform
      ? []
      : [{ name: queue.name, default: index === 0, fairShare: queue.fairShare ?? null }],
  );
}
