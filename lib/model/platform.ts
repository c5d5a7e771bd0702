// Where a job definition runs, as the runtime functions and callers of describe know it.

/**
 * Where a job definition or queue runs: a Fargate definition runs only on a queue of Fargate compute environments, an
 * EC2 one only on EC2 environments (AWS Batch User Guide, "Job definitions": platformCapabilities).
 */
export type PlatformName = 'FARGATE' | 'EC2';
export const PLATFORM_NAMES: readonly PlatformName[] = ['FARGATE', 'EC2'];

/**
 * A multi-node parallel job definition's nodes, as submit checks `nodeOverrides` against them (AWS Batch API
 * Reference, NodeOverrides: numNodes).
 */
export interface MultiNodeLayout {
  /** The node index of the main node. */
  readonly mainNode: number;
  /** The nodes a job runs unless `numNodes` overrides it. */
  readonly numNodes: number;
  /** The lowest start of a node range with an open end (`n:`), which `numNodes` must exceed; absent when none has one. */
  readonly openRangeStart?: number;
}
