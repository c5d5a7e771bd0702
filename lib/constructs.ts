// The construct entry point as jsii sees it (scripts/jsii.mjs): what Python and other jsii languages get. The npm
// entry point `pendant` (lib/index.ts) re-exports all of it; the TypeScript-only model is `pendant/model`.
// Three modules also export a helper or a limit of their own (platformOf, MAX_COMPUTE_ENVIRONMENTS_PER_QUEUE,
// JOB_QUEUE_BLOCKED_DETAIL_TYPE), which stay inside the package: their constructs and types are named here.
export { ComputeEnvironment, ComputeKind, CpuArchitecture, InstanceRolePolicy, JobPlatform } from './compute-environment';
export type { ComputeEnvironmentOptions, ComputeEnvironmentProps } from './compute-environment';
export { JobQueue } from './job-queue';
export type { JobQueueAttributes, JobQueueOptions, JobQueueProps } from './job-queue';
export * from './job-definition';
export * from './multi-node-job-definition';
export * from './runtime-functions';
export * from './platform';
export * from './parameter';
export * from './job-events';
export { PlatformMonitoring } from './monitoring';
export type { PlatformMonitoringProps } from './monitoring';
// The model's structs that the constructs' props and properties use.
export type { JobOverridePolicy, JobResources } from './model/overrides';
export * from './run-job';
