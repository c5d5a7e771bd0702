export * from './errors';
export * from './s3-uri';
export * from './job-name';
export * from './job-status';
export * from './log-event';
export * from './parameters';
export * from './config';
export * from './requests';
