// The construct entry point as jsii sees it (scripts/jsii.mjs): what Python and other jsii languages get. The npm
// entry point `pendant` (lib/index.ts) re-exports all of it beside the TypeScript-only model.
export * from './compute-environment';
export * from './job-queue';
export * from './job-definition';
export * from './multi-node-job-definition';
export * from './runtime-functions';
export * from './platform';
export * from './parameter';
export * from './job-events';
export * from './monitoring';
// The model's structs that the constructs' props and properties use.
export type { JobOverridePolicy, JobResources } from './model/overrides';
export * from './run-job';
