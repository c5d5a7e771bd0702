import * as fc from 'fast-check';
import { readLogs } from '../../lambda/core/logs';
import { type BatchJob, readBatchJob } from '../../lib/model/batch-job';
import type { BatchGateway, LogPage, LogsGateway, ObjectState, S3Gateway, SubmitJobInput, TerminateJobsError } from '../../lambda/core/ports';
import { status } from '../../lambda/core/status';
import { submit } from '../../lambda/core/submit';
import { stopJobs } from '../../lambda/core/terminate';
import { validate } from '../../lambda/core/validate';
import {
  InvalidRequestError,
  JobStatus,
  parseLogsRequest,
  parseStatusRequest,
  parseSubmitRequest,
  parseTerminateRequest,
  parseValidateRequest,
  PendantError,
  RequestProblem,
  S3Uri,
} from '../../lib/model';
import { JOB_STATUSES } from '../../lib/model/job-status';
import { JobOverridePolicy } from '../../lib/model/overrides';
import { RuntimeConfig } from '../../lib/model/config';
import { ALIGN_OVERRIDES, ALIGN_RESOURCES, corpusConfig, CorpusCase, FAIR_QUEUE_NAME, HandlerName, HANDLERS, INPUT, JOB_ID, OTHER_JOB_ID, problemClass, QUEUE_ARN, VALID_EVENTS } from './corpus';

/**
 * The fuzzer that grows the corpus: it mutates valid events (drops and adds fields, swaps types, injects empty,
 * huge and odd strings, mangles ids, S3 URIs and names, nests values, grows arrays) and runs each through the
 * function's parser and core, with a fake AWS that records what would have been sent. It reports
 * - accepted events whose AWS calls break an AWS rule (bugs),
 * - events answered with anything but a pendant error, or refused only after an AWS call (bugs),
 * - refusals whose (field, rule) class the corpus does not hold yet (candidates worth keeping).
 */

// ---------------------------------------------------------------------------------------------------------------
// A fake AWS that answers every call plausibly and records it

export interface AwsCall {
  readonly operation: 'DescribeJobs' | 'SubmitJob' | 'ListJobs' | 'DescribeJobDefinitions' | 'TerminateJob' | 'TerminateJobs' | 'HeadObject' | 'GetLogEvents';
  readonly input: Record<string, unknown>;
}

const STREAM = 'pendant/default/0123456789abcdef';

class RecordingAws implements BatchGateway, S3Gateway, LogsGateway {
  public readonly calls: AwsCall[] = [];

  public async describeJobs(jobIds: readonly string[]): Promise<BatchJob[]> {
    this.calls.push({ operation: 'DescribeJobs', input: { jobs: [...jobIds] } });
    return jobIds.map((jobId) => readBatchJob({
      jobId,
      jobName: 'job',
      jobQueue: QUEUE_ARN,
      jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/pendant-align:1',
      status: 'RUNNING',
      startedAt: 1_700_000_000_000,
      container: { logStreamName: STREAM },
    }));
  }

  public async submitJob(input: SubmitJobInput): Promise<{ jobId: string; jobName: string; jobArn: string }> {
    this.calls.push({ operation: 'SubmitJob', input: { ...input } });
    return { jobId: JOB_ID, jobName: input.jobName, jobArn: `arn:aws:batch:us-east-1:123456789012:job/${JOB_ID}` };
  }

  public async findJobs(jobQueue: string, jobName: string): Promise<BatchJob[]> {
    this.calls.push({ operation: 'ListJobs', input: { jobQueue, filters: [{ name: 'JOB_NAME', values: [jobName] }] } });
    return [];
  }

  public async latestActiveRevision(jobDefinitionName: string): Promise<number | undefined> {
    this.calls.push({ operation: 'DescribeJobDefinitions', input: { jobDefinitionName } });
    return 1;
  }

  public async isActiveRevision(jobDefinitionName: string, revision: number): Promise<boolean> {
    this.calls.push({ operation: 'DescribeJobDefinitions', input: { jobDefinitionName, status: 'ACTIVE', revision } });
    return true;
  }

  public async terminateJob(jobId: string, reason: string): Promise<void> {
    this.calls.push({ operation: 'TerminateJob', input: { jobId, reason } });
  }

  public async terminateJobs(jobIds: readonly string[], reason: string): Promise<TerminateJobsError[]> {
    this.calls.push({ operation: 'TerminateJobs', input: { jobs: [...jobIds], reason } });
    return [];
  }

  public async listChildren(request: { arrayJobId: string; status: JobStatus; maxResults: number; nextToken?: string }) {
    this.calls.push({ operation: 'ListJobs', input: { ...request } });
    return { jobs: [] };
  }

  public async objectState(uri: S3Uri): Promise<ObjectState> {
    this.calls.push({ operation: 'HeadObject', input: { Bucket: uri.bucket, Key: uri.key } });
    return 'exists';
  }

  public async getLogEvents(request: { logGroupName: string; logStreamName: string; token?: string; limit: number }): Promise<LogPage> {
    this.calls.push({ operation: 'GetLogEvents', input: { ...request } });
    return { events: [], nextForwardToken: request.token ?? 'f/1' };
  }
}

/** Each function as its handler runs it: the parser first, then the core. */
const RUNNERS: Record<HandlerName, (event: unknown, config: RuntimeConfig, aws: RecordingAws) => Promise<unknown>> = {
  validate: async (event, config, aws) => validate({ config, s3: aws }, parseValidateRequest(event)),
  submit: async (event, config, aws) => submit({ config, batch: aws, s3: aws, now: () => new Date(Date.UTC(2026, 0, 2)) }, parseSubmitRequest(event)),
  status: async (event, config, aws) => status({ config, batch: aws }, parseStatusRequest(event)),
  logs: async (event, config, aws) => readLogs({ config, batch: aws, logs: aws }, parseLogsRequest(event)),
  terminate: async (event, _config, aws) => stopJobs({ batch: aws }, parseTerminateRequest(event)),
};

export type Outcome =
  /** InvalidRequestError before any AWS call: what a malformed event must get. */
  | { readonly kind: 'refused'; readonly problems: readonly RequestProblem[] }
  /** Another pendant error before any AWS call (an undeclared job definition, an unconfigured queue). */
  | { readonly kind: 'typed-refusal'; readonly error: PendantError }
  /** Reached AWS, or answered without it. */
  | { readonly kind: 'accepted' }
  /** InvalidRequestError, but only after calling AWS. */
  | { readonly kind: 'late-refusal'; readonly problems: readonly RequestProblem[] }
  /** Anything that is not a pendant error. */
  | { readonly kind: 'crash'; readonly error: unknown };

export async function runEvent(handler: HandlerName, event: unknown, config: RuntimeConfig = corpusConfig()): Promise<{ outcome: Outcome; calls: AwsCall[] }> {
  const aws = new RecordingAws();
  let outcome: Outcome;
  try {
    await RUNNERS[handler](event, config, aws);
    outcome = { kind: 'accepted' };
  } catch (error) {
    if (error instanceof InvalidRequestError) {
      outcome = aws.calls.length === 0 ? { kind: 'refused', problems: error.problems } : { kind: 'late-refusal', problems: error.problems };
    } else if (error instanceof PendantError) {
      outcome = aws.calls.length === 0 ? { kind: 'typed-refusal', error } : { kind: 'accepted' };
    } else {
      outcome = { kind: 'crash', error };
    }
  }
  return { outcome, calls: aws.calls };
}

// ---------------------------------------------------------------------------------------------------------------
// AWS's rules, stated again from the AWS documentation (see shared/reference/aws-limits.md), not from pendant's code

export interface Violation {
  /** A stable name for the rule, e.g. `SubmitJob.arrayProperties.size`. */
  readonly rule: string;
  readonly message: string;
}

/**
 * Rules pendant leaves to AWS on purpose, and why: the fuzzer reports them apart from bugs. Every entry is a
 * decision written down elsewhere in the code; a new one needs the same.
 */
export const KNOWN_DEVIATIONS: Readonly<Record<string, string>> = {
  'HeadObject.Bucket':
    'S3Uri accepts any 1-255 letters, digits, ".", "-", "_" as a bucket (lib/model/s3-uri.ts: "S3 itself answers for a bucket that ' +
    'cannot exist"); a must-exist input needs `within`, so only a declaration whose `within` names such a bucket lets a value reach HeadObject',
};

const AWS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** A job id as Batch makes them: a UUID, `:<index>` for an array child (index < 10,000), `#<node>` for a node. */
const AWS_JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?::(?:0|[1-9]\d{0,3})|#(?:0|[1-9]\d*))?$/i;
const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

export function awsViolations(call: AwsCall): Violation[] {
  const found: Violation[] = [];
  const check = (ok: boolean, rule: string, message: string) => {
    if (!ok) found.push({ rule, message });
  };
  const input = call.input;
  // Every API takes UTF-8: a string with a lone surrogate has no UTF-8 form.
  for (const text of stringsIn(input)) check(isWellFormed(text), `${call.operation}.utf8`, `${preview(text)} holds a lone surrogate`);
  switch (call.operation) {
    case 'SubmitJob': {
      const job = input as unknown as SubmitJobInput;
      check(AWS_NAME.test(job.jobName), 'SubmitJob.jobName', `job name ${preview(job.jobName)} breaks Batch's naming rule`);
      check(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}:[1-9]\d*$/.test(job.jobDefinition), 'SubmitJob.jobDefinition', `job definition ${preview(job.jobDefinition)} is not name:revision`);
      // The corpus's definitions run on Fargate: its EC2 queue is never a place to send them (AWS Batch User Guide,
      // "Job definitions": platformCapabilities).
      check(job.jobQueue === QUEUE_ARN || job.jobQueue === FAIR_QUEUE_NAME, 'SubmitJob.jobQueue', `job queue ${preview(job.jobQueue)} is not a configured Fargate queue`);
      // SubmitJob: shareIdentifier is required on a fair-share queue and refused on a FIFO one; 255 alphanumerics,
      // optionally followed by "*"; schedulingPriorityOverride 0–9999.
      const fair = job.jobQueue === FAIR_QUEUE_NAME;
      check(fair === (job.shareIdentifier !== undefined), 'SubmitJob.shareIdentifier', `share identifier ${preview(job.shareIdentifier)} on ${fair ? 'a fair-share' : 'a FIFO'} queue`);
      if (job.shareIdentifier !== undefined) check(/^[A-Za-z0-9]{1,255}\*?$/.test(job.shareIdentifier), 'SubmitJob.shareIdentifier', `share identifier ${preview(job.shareIdentifier)}`);
      if (job.schedulingPriorityOverride !== undefined) {
        const priority = job.schedulingPriorityOverride;
        check(fair && Number.isInteger(priority) && priority >= 0 && priority <= 9999, 'SubmitJob.schedulingPriorityOverride', `priority ${preview(priority)}`);
      }
      for (const [name, value] of Object.entries(job.parameters ?? {})) {
        check(typeof value === 'string', 'SubmitJob.parameters', `parameter ${name} is not a string`);
      }
      const overrides = job.containerOverrides;
      if (overrides) {
        const length = JSON.stringify(overrides).length;
        check(length <= 8192, 'SubmitJob.containerOverrides.size', `container overrides are ${length} characters (8,192 at most)`);
        for (const variable of overrides.environment ?? []) {
          check(typeof variable.name === 'string' && !variable.name.startsWith('AWS_BATCH'), 'SubmitJob.environment.name', `environment variable ${preview(variable.name)} is reserved`);
          check(typeof variable.value === 'string', 'SubmitJob.environment.value', `environment variable ${preview(variable.name)} has no string value`);
        }
        for (const part of overrides.command ?? []) check(typeof part === 'string' && part !== '', 'SubmitJob.command', 'a command part is not a non-empty string');
        // ContainerOverrides: instanceType applies to multi-node parallel jobs only.
        check(!('instanceType' in overrides), 'SubmitJob.instanceType', 'instanceType on a single-node job');
        // AWS Batch API Reference, ResourceRequirement: the corpus's definitions run on Fargate, where VCPU is one of
        // 0.25, 0.5, 1, 2, 4, 8, 16, MEMORY one of the values listed for that VCPU (at least 4 MiB anywhere), and
        // there are no GPUs.
        const amounts = new Map((overrides.resourceRequirements ?? []).map(({ type, value }) => [type, value]));
        for (const [type, value] of amounts) {
          const amount = Number(value);
          const valid = type === 'VCPU' ? FARGATE_MEMORY_BY_VCPU.has(amount) : type === 'MEMORY' ? Number.isInteger(amount) && amount >= 4 : false;
          check(valid, `SubmitJob.resourceRequirements.${type}`, `${type} ${preview(value)} is not an amount Fargate takes`);
        }
        if (amounts.has('VCPU') || amounts.has('MEMORY')) {
          const vcpus = Number(amounts.get('VCPU') ?? ALIGN_RESOURCES.vcpus);
          const memory = Number(amounts.get('MEMORY') ?? ALIGN_RESOURCES.memoryMiB);
          check(FARGATE_MEMORY_BY_VCPU.get(vcpus)?.includes(memory) ?? false, 'SubmitJob.resourceRequirements.pair', `Fargate does not pair ${vcpus} vCPU with ${memory} MiB`);
        }
        found.push(...declaredOverrideViolations(job.jobDefinition, overrides));
      }
      if (job.arrayProperties) {
        const size = job.arrayProperties.size;
        check(Number.isInteger(size) && size >= 2 && size <= 10_000, 'SubmitJob.arrayProperties.size', `array size ${size} is outside 2–10,000`);
      }
      if (job.dependsOn) {
        check(job.dependsOn.length <= 20, 'SubmitJob.dependsOn.count', `${job.dependsOn.length} dependencies (20 at most)`);
        // AWS Batch User Guide, "Job dependencies": a job id; for array jobs, N_TO_N with a job id or SEQUENTIAL
        // without one. Nothing else is documented.
        const arrayJob = job.arrayProperties !== undefined;
        for (const dependency of job.dependsOn) {
          if (typeof dependency !== 'object' || dependency === null) {
            found.push({ rule: 'SubmitJob.dependsOn', message: `dependency ${preview(dependency)} is not an object` });
            continue;
          }
          check(dependency.type === undefined || dependency.type === 'N_TO_N' || dependency.type === 'SEQUENTIAL', 'SubmitJob.dependsOn.type', `dependency type ${preview(dependency.type)}`);
          if (dependency.type === 'SEQUENTIAL') {
            check(dependency.jobId === undefined, 'SubmitJob.dependsOn.form', 'SEQUENTIAL with a job id');
          } else {
            check(dependency.jobId !== undefined && AWS_JOB_ID.test(dependency.jobId), 'SubmitJob.dependsOn.jobId', `dependency ${preview(dependency.jobId)} is not a job id`);
          }
          check(dependency.type === undefined || arrayJob, 'SubmitJob.dependsOn.form', `${String(dependency.type)} on a job that is not an array job`);
        }
        check(job.dependsOn.filter((dependency) => dependency?.type === 'SEQUENTIAL').length <= 1, 'SubmitJob.dependsOn.form', 'SEQUENTIAL more than once');
      }
      found.push(...jobOptionViolations(job));
      const bytes = utf8(JSON.stringify(job));
      check(bytes <= 30 * 1024, 'SubmitJob.payload', `the request is ${bytes} bytes (30 KiB at most)`);
      found.push(...declaredParameterViolations(job));
      break;
    }
    case 'HeadObject': {
      const { Bucket: bucket, Key: key } = input as { Bucket: string; Key: string };
      check(key !== '' && utf8(key) <= 1024, 'HeadObject.Key', `key ${preview(key)} is empty or over 1,024 bytes`);
      // A key is UTF-8 (Amazon S3 User Guide, "Naming Amazon S3 objects"): a lone surrogate has no UTF-8 form, and the
      // SDK's URI encoding throws URIError on it.
      check(isWellFormed(key), 'HeadObject.Key.utf8', `key ${preview(key)} holds a lone surrogate`);
      check(followsKeyRules(key), 'pendant.s3-key', `key ${preview(key)} breaks pendant's key rules`);
      // The widest rule S3 ever had (legacy us-east-1 names): 3–255 letters, digits, ".", "-", "_", a letter or digit first.
      check(/^[A-Za-z0-9][A-Za-z0-9._-]{2,254}$/.test(bucket), 'HeadObject.Bucket', `bucket ${preview(bucket)} can never have existed`);
      break;
    }
    case 'DescribeJobs': {
      const jobs = input.jobs as string[];
      check(jobs.length >= 1 && jobs.length <= 100, 'DescribeJobs.count', `${jobs.length} ids in one call (1–100)`);
      for (const id of jobs) check(AWS_JOB_ID.test(id), 'DescribeJobs.jobId', `id ${preview(id)} is not a job id`);
      break;
    }
    case 'TerminateJob': {
      const { jobId, reason } = input as { jobId: string; reason: string };
      check(AWS_JOB_ID.test(jobId), `${call.operation}.jobId`, `id ${preview(jobId)} is not a job id`);
      check(typeof reason === 'string' && reason.length >= 1 && reason.length <= 1024, `${call.operation}.reason`, `reason of ${reason.length} characters (1–1,024)`);
      break;
    }
    case 'TerminateJobs': {
      // AWS Batch API Reference, TerminateJobs: up to 50 job ids a call, and the reason TerminateJob takes.
      const { jobs, reason } = input as { jobs: string[]; reason: string };
      check(jobs.length >= 1 && jobs.length <= 50, 'TerminateJobs.count', `${jobs.length} ids in one call (1–50)`);
      for (const id of jobs) check(AWS_JOB_ID.test(id), 'TerminateJobs.jobId', `id ${preview(id)} is not a job id`);
      check(typeof reason === 'string' && reason.length >= 1 && reason.length <= 1024, 'TerminateJobs.reason', `reason of ${reason.length} characters (1–1,024)`);
      break;
    }
    case 'GetLogEvents': {
      const limit = input.limit as number;
      check(Number.isInteger(limit) && limit >= 1 && limit <= 10_000, 'GetLogEvents.limit', `limit ${limit} (1–10,000)`);
      break;
    }
    case 'DescribeJobDefinitions':
      check(AWS_NAME.test(String(input.jobDefinitionName)), 'DescribeJobDefinitions.jobDefinitionName', `name ${preview(input.jobDefinitionName)}`);
      break;
    case 'ListJobs': {
      if (input.arrayJobId !== undefined) {
        // AWS Batch API Reference, ListJobs: maxResults 1–1,000; a status, since none lists only RUNNING children.
        const maxResults = input.maxResults as number;
        check(typeof input.arrayJobId === 'string' && AWS_JOB_ID.test(input.arrayJobId), 'ListJobs.arrayJobId', `id ${preview(input.arrayJobId)} is not a job id`);
        check(Number.isInteger(maxResults) && maxResults >= 1 && maxResults <= 1000, 'ListJobs.maxResults', `maxResults ${maxResults} (1–1,000)`);
        check(JOB_STATUSES.includes(input.status as JobStatus), 'ListJobs.jobStatus', `status ${preview(input.status)}`);
        break;
      }
      const [filter] = input.filters as Array<{ values: string[] }>;
      check(AWS_NAME.test(String(filter.values[0])), 'ListJobs.filters.JOB_NAME', `name ${preview(filter.values[0])}`);
      break;
    }
  }
  return found;
}

/**
 * SubmitJob's tags, retry strategy, timeout and node overrides: AWS Batch API Reference, SubmitJob (tags: at most 50),
 * User Guide "Tag restrictions" (key 1-128, value 0-256 characters of letters, digits, white space and + - = . _ : / @,
 * no aws: prefix), RetryStrategy (attempts 1-10, at most 5 evaluateOnExit), EvaluateOnExit (RETRY or EXIT; exit code
 * digits with an optional trailing *; reasons letters, digits, . : and white space; 512 characters), JobTimeout (at
 * least 60 s), NodeOverrides (not for the corpus's single-node Fargate definitions).
 */
function jobOptionViolations(job: SubmitJobInput): Violation[] {
  const found: Violation[] = [];
  const check = (ok: boolean, rule: string, message: string) => {
    if (!ok) found.push({ rule, message });
  };
  const tags = Object.entries(job.tags ?? {});
  check(tags.length <= 50, 'SubmitJob.tags.count', `${tags.length} tags (50 at most)`);
  const tagText = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
  for (const [key, value] of tags) {
    check([...key].length >= 1 && [...key].length <= 128 && tagText.test(key) && !/^aws:/i.test(key), 'SubmitJob.tags.key', `tag key ${preview(key)}`);
    check(typeof value === 'string' && [...value].length <= 256 && tagText.test(value) && !/^aws:/i.test(value), 'SubmitJob.tags.value', `tag value ${preview(value)}`);
  }
  if (job.propagateTags !== undefined) check(typeof job.propagateTags === 'boolean', 'SubmitJob.propagateTags', `propagateTags ${preview(job.propagateTags)}`);
  const retry = job.retryStrategy;
  if (retry) {
    if (retry.attempts !== undefined) check(Number.isInteger(retry.attempts) && retry.attempts >= 1 && retry.attempts <= 10, 'SubmitJob.retryStrategy.attempts', `attempts ${preview(retry.attempts)}`);
    const rules = retry.evaluateOnExit ?? [];
    check(rules.length <= 5, 'SubmitJob.retryStrategy.evaluateOnExit', `${rules.length} rules (5 at most)`);
    for (const rule of rules) {
      check(/^(RETRY|EXIT)$/i.test(String(rule.action)), 'SubmitJob.evaluateOnExit.action', `action ${preview(rule.action)}`);
      if (rule.onExitCode !== undefined) check(/^[0-9]*\*?$/.test(rule.onExitCode) && rule.onExitCode.length >= 1 && rule.onExitCode.length <= 512, 'SubmitJob.evaluateOnExit.onExitCode', `exit code ${preview(rule.onExitCode)}`);
      for (const reason of [rule.onReason, rule.onStatusReason]) {
        if (reason !== undefined) check(/^[A-Za-z0-9.:\s]*\*?$/.test(reason) && reason.length >= 1 && reason.length <= 512, 'SubmitJob.evaluateOnExit.reason', `reason ${preview(reason)}`);
      }
    }
  }
  if (job.timeout) check(Number.isInteger(job.timeout.attemptDurationSeconds) && job.timeout.attemptDurationSeconds >= 60, 'SubmitJob.timeout', `attempt duration ${preview(job.timeout.attemptDurationSeconds)}`);
  check(job.nodeOverrides === undefined, 'SubmitJob.nodeOverrides', 'nodeOverrides for a single-node job definition');
  return found;
}

/** Fargate's vCPU values and the memory (MiB) each takes (AWS Batch API Reference, ResourceRequirement). */
const FARGATE_MEMORY_BY_VCPU = new Map<number, number[]>([
  [0.25, [512, 1024, 2048]],
  [0.5, range(1024, 4096, 1024)],
  [1, range(2048, 8192, 1024)],
  [2, range(4096, 16384, 1024)],
  [4, range(8192, 30720, 1024)],
  [8, range(16384, 61440, 4096)],
  [16, range(32768, 122880, 8192)],
]);

function range(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, index) => from + index * step);
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return (Array.isArray(value) ? value : Object.entries(value).flat()).flatMap(stringsIn);
}

function isWellFormed(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** The key rules the README states (no control characters, no `.` or `..` segment, NFC), restated. */
function followsKeyRules(key: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what the rule refuses
  return !/[\u0000-\u001f\u007f-\u009f]/.test(key) && !key.split('/').some((segment) => segment === '.' || segment === '..') && key.normalize('NFC') === key;
}

/** What `corpusConfig()` declares callers may override: align's policy, and nothing of scratch. */
function declaredOverrideViolations(jobDefinition: string, overrides: NonNullable<SubmitJobInput['containerOverrides']>): Violation[] {
  const found: Violation[] = [];
  const policy: JobOverridePolicy = jobDefinition.startsWith('pendant-align:') ? ALIGN_OVERRIDES : {};
  const add = (rule: string, message: string) => found.push({ rule: `declared.overrides.${rule}`, message });
  if (overrides.command !== undefined && policy.command !== true) add('command', 'the command is overridden');
  for (const { name } of overrides.environment ?? []) {
    if (!(policy.environment ?? []).includes(name)) add('environment', `environment variable ${preview(name)} is set`);
  }
  for (const { type, value } of overrides.resourceRequirements ?? []) {
    const max = type === 'VCPU' ? policy.maxVcpus : type === 'MEMORY' ? policy.maxMemoryMebibytes : undefined;
    if (max === undefined || Number(value) > max) add(type, `${type} ${preview(value)} is overridden beyond what is declared`);
  }
  return found;
}

/** What `corpusConfig()` declares of `align`'s parameters, checked on what would reach Batch. */
function declaredParameterViolations(job: SubmitJobInput): Violation[] {
  if (!job.jobDefinition.startsWith('pendant-align:')) return [];
  const found: Violation[] = [];
  const parameters = job.parameters ?? {};
  const check = (name: string, ok: (value: string) => boolean) => {
    if (name in parameters && !ok(parameters[name])) found.push({ rule: `declared.${name}`, message: `${name} ${preview(parameters[name])} breaks its declaration` });
  };
  const keyOf = (value: string) => value.slice(value.indexOf('/', 'S3://'.length) + 1);
  check('input', (value) => value.startsWith('s3://pendant-inputs/reads/') && !value.endsWith('/') && isWellFormed(value) && followsKeyRules(keyOf(value)));
  check('output', (value) => value.startsWith('s3://') && isWellFormed(value) && followsKeyRules(keyOf(value)));
  check('threads', (value) => /^-?\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 64);
  check('verbose', (value) => value === 'true' || value === 'false');
  check('mode', (value) => value === 'fast' || value === 'sensitive');
  check('sample', (value) => /^[A-Za-z0-9_-]{1,64}$/.test(value));
  if (!('input' in parameters)) found.push({ rule: 'declared.input', message: 'the required input is missing' });
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = ReadonlyArray<string | number>;

/** Fields a function takes that a valid event may leave out: mutations may set them too. */
const KNOWN_PATHS: Record<HandlerName, Path[]> = {
  validate: [['jobDefinition'], ['parameters'], ['parameters', 'input'], ['parameters', 'threads'], ['parameters', 'output'], ['parameters', 'object']],
  submit: [
    ['jobDefinition'], ['jobQueue'], ['revision'], ['jobName'], ['arraySize'], ['dependsOn'], ['dependsOn', 0], ['dependsOn', 1, 'jobId'], ['dependsOn', 1, 'type'],
    ['parameters'], ['parameters', 'input'], ['parameters', 'output'], ['parameters', 'threads'], ['parameters', 'verbose'], ['parameters', 'mode'], ['parameters', 'sample'], ['parameters', 'note'],
    ['dependsOn', 2], ['dependsOn', 2, 'type'], ['dependsOn', 2, 'jobId'],
    ['containerOverrides'], ['containerOverrides', 'command'], ['containerOverrides', 'command', 0], ['containerOverrides', 'environment'], ['containerOverrides', 'environment', 'SAMPLE'],
    ['containerOverrides', 'environment', 'LD_PRELOAD'], ['containerOverrides', 'environment', 'PATH'],
    ['containerOverrides', 'vcpus'], ['containerOverrides', 'memoryMiB'], ['containerOverrides', 'gpus'], ['containerOverrides', 'instanceType'],
    ['tags'], ['tags', 'team'], ['propagateTags'], ['retryStrategy'], ['retryStrategy', 'attempts'], ['retryStrategy', 'evaluateOnExit'],
    ['retryStrategy', 'evaluateOnExit', 0, 'action'], ['retryStrategy', 'evaluateOnExit', 0, 'onExitCode'], ['retryStrategy', 'evaluateOnExit', 0, 'onStatusReason'],
    ['timeout'], ['timeout', 'attemptDurationSeconds'], ['nodeOverrides'], ['nodeOverrides', 'numNodes'],
  ],
  status: [['jobId'], ['jobIds'], ['jobIds', 0], ['nextToken'], ['children'], ['children', 'status'], ['children', 'nextToken'], ['children', 'limit']],
  logs: [['jobId'], ['nextToken'], ['limit'], ['attempt'], ['fromEnd']],
  terminate: [['jobId'], ['reason'], ['jobIds'], ['jobIds', 0]],
};

const STRING_UNITS = ['grapheme', 'grapheme-ascii', 'binary', 'binary-ascii'] as const;
const LENGTHS = [0, 1, 63, 64, 65, 127, 128, 129, 255, 256, 512, 513, 1024, 1025, 4096, 4097, 8192, 8193, 10_300, 31_000, 270_000];

const typeSwap = fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, -0.5, 1e21, 2 ** 53 + 2, '', 'x', '0', 'true', [], {}, [1], ['x'], { a: 1 }, [JOB_ID], { jobId: JOB_ID });
const anyString = fc.constantFrom(...STRING_UNITS).chain((unit) => fc.string({ unit, maxLength: 40 }));
const hugeString = fc.tuple(fc.constantFrom(...LENGTHS), fc.constantFrom('x', 'é', '€', '😀', '"', '\\', '\u0000', ' ', 'A_')).map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, Math.max(length, 0)));
const number = fc.oneof(
  fc.constantFrom(0, 1, 2, 9999, 10_000, 10_001, 20, 21, 64, 65, 256, 257, 1024, 1025, 4_194_304, 4_194_305, 2_147_483_647, 2_147_483_648, -1, 0.25, -0, 2 ** 53, 1e308),
  // Resource amounts at and around AWS's granularity (ResourceRequirement) and align's declared bounds.
  fc.constantFrom(1e-320, 5e-324, 0.1, 0.5, 0.75, 1.5, 3, 4, 5, 8, 16, 3, 4, 512, 1536, 2048, 3000, 4096, 8192, 8193, 16384),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const badId = fc.oneof(
  fc.constantFrom('', 'job-1', '*', '..', JOB_ID.toUpperCase(), `arn:aws:batch:us-east-1:123456789012:job/${JOB_ID}`, JOB_ID.replace(/-/g, '')),
  fc.tuple(fc.nat(35), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 })).map(([at, char]) => JOB_ID.slice(0, at) + char + JOB_ID.slice(at + 1)),
  fc.nat(35).map((at) => JOB_ID.slice(0, at) + JOB_ID.slice(at + 1)),
  fc.constantFrom(':', ':0', ':9999', ':10000', ':99999', ':007', ':-1', '#', '#0', '#12345', '#123456', ':1#1', ' ', '\n', 'x').map((suffix) => JOB_ID + suffix),
  fc.string({ unit: 'binary-ascii', maxLength: 8 }).map((prefix) => prefix + JOB_ID),
);
const badS3Uri = fc.oneof(
  fc.constantFrom('', 's3://', 's3:///x', 's3://pendant-inputs', 's3://pendant-inputs/', 's3://pendant-inputs/reads/', 'S3://pendant-inputs/reads/a', 's3://./reads/a', 's3://../reads/a', 's3://a/reads/a', 's3://-/x', 's3://pendant-inputs/reads/../../secret', `${INPUT} `, `${INPUT}\n`, 'https://pendant-inputs.s3.amazonaws.com/reads/a'),
  // Lone surrogates, dot segments, control characters and non-NFC text in keys (README, "The runtime functions").
  fc.constantFrom('\ud800', '\udc00', '\udbff\udbff', '\udc00\ud800', '/./', '/../', '.', '..', '\t', '\u0000', '\u007f', '\u0085', '\u001b[0m', 'e\u0301', '\u212b').chain((inserted) =>
    fc.constantFrom(`s3://pendant-inputs/reads/${inserted}`, `s3://pendant-inputs/reads/a${inserted}b.fastq`, `s3://pendant-outputs/${inserted}/`, `s3://scratch-bucket/${inserted}`),
  ),
  anyString.map((text) => `s3://${text}`),
  anyString.map((text) => `s3://pendant-inputs/reads/${text}`),
  anyString.map((text) => `s3://${text}/reads/a`),
  fc.constantFrom(...LENGTHS).map((length) => `s3://pendant-inputs/reads/${'k'.repeat(length)}`),
  fc.constantFrom(1, 2, 3, 63, 64, 255, 256).map((length) => `s3://${'b'.repeat(length)}/k`),
);
const badName = fc.oneof(
  fc.constantFrom('', '-a', '_a', 'a b', 'a.b', 'a:1', 'a/b', 'ä', 'ａ', 'align\n', 'x'.repeat(128), 'x'.repeat(129)),
  anyString,
  fc.stringMatching(/^[A-Za-z0-9_-]{120,140}$/),
);
const envName = fc.oneof(
  fc.constantFrom('AWS_BATCH_JOB_ID', 'aws_batch_x', 'AWS_BATCHX', 'AWS_BATC', 'AWS', '', '1A', 'A-B', 'A B', 'A=B', '__proto__', 'constructor', 'E'.repeat(255), 'E'.repeat(256)),
  // Variables that take over a process, and align's declared ones in other cases.
  fc.constantFrom('LD_PRELOAD', 'LD_LIBRARY_PATH', 'PATH', 'NODE_OPTIONS', 'PYTHONPATH', 'BASH_ENV', 'SAMPLE', 'LOG_LEVEL', 'sample', 'Log_Level'),
  anyString,
);
const token = fc.oneof(
  fc.tuple(fc.constantFrom<Json>(1, 2, '1', 0), fc.oneof(fc.constantFrom<Json>(STREAM, '', 7), anyString), fc.constantFrom<Json>(null, 'f/1', 7, ''), fc.oneof(number, fc.constantFrom<Json>(null, '0'))).map(
    (fields) => Buffer.from(JSON.stringify(fields)).toString('base64url'),
  ),
  fc.tuple(fc.constantFrom<Json>(1, 2), fc.constantFrom<Json>('', 'zzzzzz', 7), fc.array(fc.integer({ min: -2, max: 12 }), { maxLength: 4 })).map(
    (fields) => Buffer.from(JSON.stringify(fields)).toString('base64url'),
  ),
  fc.jsonValue({ maxDepth: 2 }).map((value) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url')),
  anyString,
  fc.constantFrom('f/37823591095832834872384729384729384/s', 'notatoken', 'AAAA', '-_-_'),
);
const bigArray = fc.tuple(fc.constantFrom(0, 1, 2, 20, 21, 100, 101, 1000, 1001, 5000), fc.constantFrom<Json>(JOB_ID, 'ab', { jobId: JOB_ID }, 1)).map(([length, item]) => Array.from({ length }, () => item));
const unknownKey = fc.oneof(
  fc.constantFrom('jobId', 'jobIds', 'reason', 'jobDefinition', 'parameters', 'jobQueueArn', 'Parameters', 'timeout', 'tags', 'image', 'type', 'kind', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ' ', 'jobId '),
  anyString,
);

/** One change to an event: `pick` chooses the path among those the event has and those its function knows. */
type Mutation =
  | { readonly kind: 'drop'; readonly pick: number }
  | { readonly kind: 'add'; readonly pick: number; readonly key: string; readonly value: Json }
  | { readonly kind: 'set'; readonly pick: number; readonly flavor: string; readonly value: Json }
  | { readonly kind: 'nest'; readonly pick: number; readonly depth: number; readonly inArrays: boolean }
  | { readonly kind: 'env'; readonly name: string; readonly value: Json }
  | { readonly kind: 'parameter'; readonly name: string; readonly value: Json }
  | { readonly kind: 'dependency'; readonly index: number; readonly value: Json; readonly arraySize: Json | undefined }
  | { readonly kind: 'root'; readonly value: Json };

const setValue = (flavor: string, value: fc.Arbitrary<Json>) => fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), flavor: fc.constant(flavor), value });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), pick: fc.nat(), key: unknownKey, value: fc.oneof(typeSwap, fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>) }),
  setValue('type', typeSwap),
  setValue('json', fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>),
  setValue('string', anyString),
  setValue('huge', hugeString),
  setValue('number', number),
  setValue('id', badId),
  setValue('s3', badS3Uri),
  setValue('name', badName),
  setValue('token', token),
  setValue('array', bigArray),
  fc.record({ kind: fc.constant('nest' as const), pick: fc.nat(), depth: fc.integer({ min: 1, max: 40 }), inArrays: fc.boolean() }),
  fc.record({ kind: fc.constant('env' as const), name: envName, value: fc.oneof(fc.constant<Json>('x'), hugeString, typeSwap) }),
  fc.record({ kind: fc.constant('parameter' as const), name: fc.oneof(fc.constantFrom('input', 'output', 'threads', 'verbose', 'mode', 'sample', 'note', 'object'), anyString), value: fc.oneof(badS3Uri, number, typeSwap, anyString, hugeString) }),
  fc.record({ kind: fc.constant('root' as const), value: fc.oneof(typeSwap, fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>) }),
  // The dependency forms of AWS Batch User Guide, "Job dependencies", and their neighbours, with and without an array.
  fc.record({
    kind: fc.constant('dependency' as const),
    index: fc.nat(2),
    value: fc.constantFrom<Json>({ type: 'SEQUENTIAL' }, { type: 'N_TO_N' }, { jobId: OTHER_JOB_ID, type: 'N_TO_N' }, { jobId: OTHER_JOB_ID, type: 'SEQUENTIAL' }, {}, { jobId: JOB_ID }, { type: null }),
    arraySize: fc.constantFrom<Json | undefined>(undefined, 2, 1, null),
  }),
);

export interface FuzzedEvent {
  readonly handler: HandlerName;
  readonly event: unknown;
  readonly mutations: readonly Mutation[];
}

/** Mutated valid events, one to three changes each. */
export const fuzzedEvent: fc.Arbitrary<FuzzedEvent> = fc
  .tuple(fc.constantFrom(...HANDLERS), fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([handler, seedPick, mutations]) => {
    const seeds = VALID_EVENTS[handler];
    let event = clone(seeds[seedPick % seeds.length] as Json);
    for (const change of mutations) event = mutate(handler, event, change);
    // As Lambda delivers it: JSON, so an array a mutation left with holes has nulls there.
    return { handler, event: clone(event), mutations };
  });

/** A deep copy that keeps a `__proto__` key as an own field, as JSON does. */
function clone(value: Json): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The paths in an event, four levels down and the first few items of each array: where mutations land. */
function pathsOf(event: Json): Path[] {
  const paths: Path[] = [];
  const pending: Array<{ value: Json; path: Path }> = [{ value: event, path: [] }];
  while (pending.length > 0 && paths.length < 500) {
    const { value, path } = pending.shift()!;
    paths.push(path);
    if (path.length >= 4) continue;
    if (Array.isArray(value)) value.slice(0, 4).forEach((item, index) => pending.push({ value: item, path: [...path, index] }));
    else if (isObject(value)) for (const [key, item] of Object.entries(value)) pending.push({ value: item, path: [...path, key] });
  }
  return paths;
}

function candidatePaths(handler: HandlerName, event: Json): Path[] {
  const seen = new Set<string>();
  return [...pathsOf(event).filter((path) => path.length > 0), ...KNOWN_PATHS[handler]].filter((path) => {
    const key = JSON.stringify(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function get(event: Json, path: Path): Json | undefined {
  let current: Json | undefined = event;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Array.isArray(current) ? current[key as number] : Object.prototype.hasOwnProperty.call(current, key) ? current[key as string] : undefined;
  }
  return current;
}

function define(target: Json[] | { [key: string]: Json }, key: string | number, value: Json): void {
  // defineProperty: an assignment to "__proto__" would set the prototype instead of a field.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The event with `value` at `path`, making the objects on the way; the root itself when the path is empty. */
function setAt(event: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const root = isObject(event) || Array.isArray(event) ? event : {};
  let parent: Json[] | { [key: string]: Json } = root;
  for (const [index, key] of path.entries()) {
    if (index === path.length - 1) {
      if (value === undefined) {
        if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
        else delete (parent as Record<string | number, Json>)[key];
      } else define(parent, key, value);
      break;
    }
    let next = (parent as Record<string | number, Json>)[key];
    if (!(isObject(next) || Array.isArray(next)) || !Object.prototype.hasOwnProperty.call(parent, key)) {
      next = typeof path[index + 1] === 'number' ? [] : {};
      define(parent, key, next);
    }
    parent = next;
  }
  return root;
}

function mutate(handler: HandlerName, event: Json, mutation: Mutation): Json {
  // fast-check hands out the same constant objects run after run: a copy keeps later mutations off them.
  const change = 'value' in mutation ? { ...mutation, value: clone(mutation.value) } : mutation;
  const paths = candidatePaths(handler, event);
  const pathAt = (pick: number) => paths[pick % paths.length] ?? [];
  switch (change.kind) {
    case 'drop':
      return setAt(event, pathAt(change.pick), undefined);
    case 'add': {
      const objects = [[] as Path, ...paths].filter((path) => isObject(get(event, path)));
      const path = objects[change.pick % objects.length];
      return path === undefined ? event : setAt(event, [...path, change.key], change.value);
    }
    case 'set':
      return setAt(event, pathAt(change.pick), change.value);
    case 'nest': {
      const path = pathAt(change.pick);
      let value: Json = get(event, path) ?? 'x';
      for (let level = 0; level < change.depth; level++) value = change.inArrays ? [value] : { a: value };
      return setAt(event, path, value);
    }
    case 'env':
      return setAt(event, ['containerOverrides', 'environment', change.name], change.value);
    case 'parameter':
      return setAt(event, ['parameters', change.name], change.value);
    case 'dependency': {
      const withDependency = setAt(event, ['dependsOn', change.index], change.value);
      return setAt(withDependency, ['arraySize'], change.arraySize);
    }
    case 'root':
      return change.value;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The run

export interface Finding {
  readonly handler: HandlerName;
  /** What is wrong, e.g. `SubmitJob.dependsOn.jobId` or `crash TypeError`. */
  readonly what: string;
  readonly message: string;
  readonly event: unknown;
  /** How many fuzzed events showed it. */
  readonly count: number;
}

export interface FuzzReport {
  readonly seed: number;
  readonly runs: number;
  /** Outcomes by function and kind. */
  readonly outcomes: Record<HandlerName, Record<Outcome['kind'], number>>;
  /** (a) Accepted events whose AWS calls break an AWS rule. */
  readonly violations: Finding[];
  /** Accepted events whose AWS calls break a rule in `KNOWN_DEVIATIONS`. */
  readonly deviations: Finding[];
  /** (b) Events answered with something other than a pendant error, or refused only after calling AWS. */
  readonly crashes: Finding[];
  /** Refusals whose problem names no field although the problem is about one. */
  readonly unnamed: Finding[];
  /** (c) Refusal classes the corpus does not hold, with an example each. */
  readonly candidates: Finding[];
}

/** Refusals that are about the event as a whole, and so name no field (`''`). */
const WHOLE_EVENT_RULES = new Set(['type', 'max-depth', 'max-size', 'max-payload', 'exclusive']);

export async function fuzz(options: { seed: number; count: number; corpus: readonly CorpusCase[] }): Promise<FuzzReport> {
  const known = new Set(options.corpus.map((entry) => problemClass(entry.handler, entry.field, entry.rule)));
  const config = corpusConfig();
  const outcomes = Object.fromEntries(
    HANDLERS.map((handler) => [handler, { refused: 0, 'typed-refusal': 0, accepted: 0, 'late-refusal': 0, crash: 0 }]),
  ) as FuzzReport['outcomes'];
  const violations = new Findings();
  const deviations = new Findings();
  const crashes = new Findings();
  const unnamed = new Findings();
  const candidates = new Findings();

  for (const { handler, event } of fc.sample(fuzzedEvent, { seed: options.seed, numRuns: options.count })) {
    const { outcome, calls } = await runEvent(handler, event, config);
    outcomes[handler][outcome.kind] += 1;
    for (const call of calls) {
      for (const violation of awsViolations(call)) {
        (violation.rule in KNOWN_DEVIATIONS ? deviations : violations).add(handler, violation.rule, violation.message, event);
      }
    }
    switch (outcome.kind) {
      case 'crash': {
        const error = outcome.error;
        const name = error instanceof Error ? error.name : typeof error;
        crashes.add(handler, `crash ${name}`, error instanceof Error ? error.message : String(error), event);
        break;
      }
      case 'late-refusal':
        for (const problem of outcome.problems) {
          crashes.add(handler, `refused after ${calls.map((call) => call.operation).join(', ')}: ${problemClass(handler, problem.field, problem.rule)}`, problem.message, event);
        }
        break;
      case 'refused':
        for (const problem of outcome.problems) {
          if (problem.field === '' && !WHOLE_EVENT_RULES.has(problem.rule)) unnamed.add(handler, `'' ${problem.rule}`, problem.message, event);
          const problemKind = problemClass(handler, problem.field, problem.rule);
          if (!known.has(problemKind)) candidates.add(handler, problemKind, `${problem.field}: ${problem.message}`, event);
        }
        break;
      default:
        break;
    }
  }
  return {
    seed: options.seed,
    runs: options.count,
    outcomes,
    violations: violations.list(),
    deviations: deviations.list(),
    crashes: crashes.list(),
    unnamed: unnamed.list(),
    candidates: candidates.list(),
  };
}

/** Findings counted by what they are, keeping the smallest event that showed each. */
class Findings {
  private readonly byWhat = new Map<string, { handler: HandlerName; what: string; message: string; event: unknown; size: number; count: number }>();

  public add(handler: HandlerName, what: string, message: string, event: unknown): void {
    const key = `${handler} ${what}`;
    const size = (JSON.stringify(event) ?? '').length;
    const seen = this.byWhat.get(key);
    if (seen === undefined) this.byWhat.set(key, { handler, what, message, event, size, count: 1 });
    else {
      seen.count += 1;
      if (size < seen.size) Object.assign(seen, { message, event, size });
    }
  }

  public list(): Finding[] {
    return [...this.byWhat.values()]
      .map(({ handler, what, message, event, count }) => ({ handler, what, message, event, count }))
      .sort((a, b) => a.handler.localeCompare(b.handler) || a.what.localeCompare(b.what));
  }
}

/** JSON with long strings and arrays shortened, for printing an event. */
export function preview(value: unknown, width = 160): string {
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'string' && item.length > 40) return `${item.slice(0, 16)}…<${item.length} chars>`;
    if (Array.isArray(item) && item.length > 6) return [...item.slice(0, 3), `…<${item.length} items>`];
    return item;
  });
  if (text === undefined) return String(value);
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
