export * from './model';
export * from './compute-environment';
export * from './job-queue';
export * from './job-definition';
export * from './runtime-functions';
export * from './platform';
export * from './run-job';
