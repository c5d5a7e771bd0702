// `pendant/model`: the vocabulary of a caller of the runtime functions (the client's users, a Lambda of their own):
// requests and responses with their parsers, S3 URIs, job names and statuses, the parameter declarations a job
// definition makes, and the errors. The configuration contract between the constructs and the handlers (config.ts),
// the limits the parsers enforce and the helpers they share stay inside the package: pendant's own code imports them
// from their modules. test/packaging/surface.test.ts holds the list, so a change to it is deliberate.
export {
  BatchJobFailedError,
  BatchJobNotFoundError,
  BatchJobSubmissionError,
  ConfigurationError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  InvalidRequestError,
  InvalidS3UriError,
  JobWaitTimeoutError,
  LogStreamNotFoundError,
  PendantError,
  RemoteFunctionError,
  S3AccessDeniedError,
  S3ObjectNotFoundError,
  SubmissionOutcomeUnknownError,
  UnknownJobDefinitionError,
  UnknownJobQueueError,
  ValidationError,
} from './errors';
export type { RequestProblem } from './errors';
export { S3Uri } from './s3-uri';
export { formatIso8601, isValidName, makeJobName } from './job-name';
export { isActive, isStarted, isTerminal, JobStatus } from './job-status';
export type { LogEvent } from './log-event';
export type { JobSummarySource, JobTransition } from './job-events';
export type {
  BooleanParameterSpec,
  EnumParameterSpec,
  IntegerParameterSpec,
  NumberParameterSpec,
  ParameterProblemCode,
  ParameterSpec,
  ParameterSpecs,
  S3ObjectParameterSpec,
  S3ObjectsParameterSpec,
  S3PrefixParameterSpec,
  StringParameterSpec,
} from './parameters';
export { parseDescribeRequest, parseLogsRequest, parseStatusRequest, parseSubmitRequest, parseTerminateRequest, parseValidateRequest } from './requests';
export type {
  ChildJobSummary,
  ChildrenRequest,
  ContainerOverrides,
  DependencyType,
  DescribedJobQueue,
  DescribedParameter,
  DescribeRequest,
  DescribeResponse,
  EvaluateOnExitRule,
  JobAttemptSummary,
  JobDefinitionDescription,
  JobDefinitionList,
  JobDependency,
  JobStatusResponse,
  JobSummary,
  LogsRequest,
  LogsResponse,
  NodeContainerOverrides,
  NodeOverrides,
  NodePropertyOverride,
  RetryStrategyOverride,
  StatusRequest,
  StatusResponse,
  SubmitRequest,
  SubmitResponse,
  TerminateAction,
  TerminateJobsRequest,
  TerminateJobsResponse,
  TerminateRequest,
  TerminateResponse,
  TimeoutOverride,
  ValidateRequest,
  ValidateResponse,
} from './requests';
// The operations' names and their request and response types, for the client's function map and typed `call`.
export type { Operation, RequestOf, ResponseOf } from './operations';
// What describe's answer names: a definition's platform, node layout and parameter kinds.
export type { MultiNodeLayout, PlatformName } from './platform';
export type { ParameterType } from './parameters';
