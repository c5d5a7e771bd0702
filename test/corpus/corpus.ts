import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { Parameter } from '../../lib/model/parameters';

/**
 * The malformed-request corpus: events every runtime function must refuse with `InvalidRequestError` naming the
 * field, before any AWS call. The cases are data (`<handler>.json`, one case a line); what this module adds is the
 * configuration they are judged against, the valid events the fuzzer mutates, and the loader that expands the
 * few generator specs standing in for events too large to write out.
 */

export const HANDLERS = ['validate', 'submit', 'status', 'logs', 'terminate'] as const;
export type HandlerName = (typeof HANDLERS)[number];

/** What a case exercises; the issue asks for every one of these. */
export const CATEGORIES = [
  'not-an-object',
  'wrong-type',
  'missing-field',
  'unknown-field',
  'empty-string',
  'oversized-string',
  'invalid-s3-uri',
  'bad-parameter',
  'bad-job-name',
  'bad-env-name',
  'array-size',
  'dependency-count',
  'out-of-range',
  'bad-enum',
  'payload-size',
  'overrides-size',
  'bad-id',
  'bad-token',
  'deep-json',
  'huge-json',
  /** An override the job definition does not allow (issue 10: overrides are the job definition's to allow). */
  'override-not-allowed',
  /** A vCPU, memory or GPU amount AWS Batch does not take on the definition's platform (ResourceRequirement). */
  'resource-granularity',
  /** A dependency in a form AWS Batch does not document ("Job dependencies"). */
  'dependency-form',
  /** Text with a lone UTF-16 surrogate, which has no UTF-8 form. */
  'invalid-utf8',
  'bad-tag',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** One malformed event and the problem it must be refused with. */
export interface CorpusCase {
  readonly handler: HandlerName;
  readonly name: string;
  readonly category: Category;
  /** The event as the function receives it, generator specs expanded. */
  readonly event: unknown;
  /** The dotted path `InvalidRequestError.problems` must name; `''` for the event itself. */
  readonly field: string;
  readonly rule: string;
}

export const CORPUS_DIRECTORY = __dirname;

/** A job id of the right shape: the valid events use it, and the corpus mangles it. */
export const JOB_ID = '8c5b2c46-5a3b-4f8e-9d43-1f2a3b4c5d6e';
export const OTHER_JOB_ID = '0f1e2d3c-4b5a-4697-8877-665544332211';
export const INPUT = 's3://pendant-inputs/reads/sample-1.fastq';
export const QUEUE_NAME = 'pendant-queue';
export const QUEUE_ARN = `arn:aws:batch:us-east-1:123456789012:job-queue/${QUEUE_NAME}`;
/** A Fargate queue with a fair-share scheduling policy: SubmitJob needs a shareIdentifier there. */
export const FAIR_QUEUE_NAME = 'pendant-fair';
/** An EC2 queue: the corpus's Fargate definitions may not be sent to it. */
export const EC2_QUEUE_NAME = 'pendant-gpu';

/** One parameter of every declared type, so each type's value checks can be reached. */
export const CORPUS_PARAMETERS = {
  input: Parameter.s3Object({ mustExist: true, within: ['s3://pendant-inputs/reads/'] }),
  output: Parameter.s3Prefix({ default: 's3://pendant-outputs/results/' }),
  threads: Parameter.integer({ default: 1, min: 1, max: 64 }),
  verbose: Parameter.boolean({ default: false }),
  mode: Parameter.enum(['fast', 'sensitive'], { default: 'fast' }),
  sample: Parameter.string({ default: 'unnamed', maxLength: 64, pattern: '[A-Za-z0-9_-]+' }),
  /** No maxLength: only the 30 KiB job payload bounds it. */
  note: Parameter.string({ default: 'none' }),
  ratio: Parameter.number({ default: 0.5, min: 0, max: 1 }),
  /** Every listed object must exist, and lie under the reads. */
  mates: Parameter.s3Objects({ default: [INPUT], mustExist: true, within: ['s3://pendant-inputs/reads/'], maxItems: 4 }),
};

/** What callers may override of `align` (Fargate, 1 vCPU, 2 GiB): the command, two variables, up to 4 vCPUs and 8 GiB. */
export const ALIGN_OVERRIDES = { command: true, environment: ['SAMPLE', 'LOG_LEVEL'], maxVcpus: 4, maxMemoryMebibytes: 8192 };
export const ALIGN_RESOURCES = { vcpus: 1, memoryMiB: 2048 };

/**
 * `align` is the definition the corpus names. `scratch` declares an object that must exist anywhere in a bucket:
 * the widest `within` a must-exist input may have (the configuration refuses one without `within`, as synth does);
 * it declares no override policy, so callers may override nothing of it.
 */
export function corpusConfig(): RuntimeConfig {
  return new RuntimeConfig(
    encodeConfig({
      jobDefinitions: {
        align: { definition: 'pendant-align:1', parameters: CORPUS_PARAMETERS, platform: 'FARGATE', overrides: ALIGN_OVERRIDES, resources: ALIGN_RESOURCES },
        scratch: { definition: 'pendant-scratch', parameters: { object: Parameter.s3Object({ mustExist: true, within: ['s3://scratch-bucket/'] }) }, platform: 'FARGATE' },
      },
      jobQueues: [
        { queue: QUEUE_ARN, platform: 'FARGATE', fairShare: false },
        { queue: FAIR_QUEUE_NAME, platform: 'FARGATE', fairShare: true },
        { queue: EC2_QUEUE_NAME, platform: 'EC2', fairShare: false },
      ],
    }),
  );
}

/** Events each function accepts: the starting points the fuzzer mutates. */
export const VALID_EVENTS: Readonly<Record<HandlerName, readonly unknown[]>> = {
  validate: [
    { jobDefinition: 'align', parameters: { input: INPUT } },
    { jobDefinition: 'align', parameters: { input: INPUT, output: 's3://pendant-outputs/run-1/', threads: 8, verbose: 'true', mode: 'sensitive', sample: 'S1', note: 'first run', ratio: '0.25', mates: [INPUT, 's3://pendant-inputs/reads/sample-2.fastq'] } },
    { jobDefinition: 'scratch', parameters: { object: 's3://scratch-bucket/tmp/a.txt' } },
  ],
  submit: [
    { jobDefinition: 'align', parameters: { input: INPUT } },
    {
      jobDefinition: 'align',
      jobName: 'align-sample-1',
      jobQueue: QUEUE_NAME,
      revision: 2,
      parameters: { input: INPUT, output: 's3://pendant-outputs/run-1/', threads: '16', verbose: true, mode: 'fast', sample: 'S_1', note: 'n', ratio: 1, mates: JSON.stringify([INPUT]) },
      containerOverrides: {
        command: ['align', 'Ref::input', '--threads', 'Ref::threads'],
        environment: { SAMPLE: 'sample-1', LOG_LEVEL: 'debug' },
        vcpus: 0.5,
        memoryMiB: 2048,
      },
      arraySize: 10,
      dependsOn: [JOB_ID, { jobId: OTHER_JOB_ID, type: 'N_TO_N' }, { type: 'SEQUENTIAL' }],
    },
    { jobDefinition: 'align', jobQueue: QUEUE_ARN, revision: 'latest', parameters: { input: INPUT }, arraySize: 4, dependsOn: [{ jobId: JOB_ID, type: 'N_TO_N' }] },
    { jobDefinition: 'align', parameters: { input: INPUT }, containerOverrides: { vcpus: 4, memoryMiB: 8192, environment: { LOG_LEVEL: 'info' } } },
    { jobDefinition: 'scratch', parameters: { object: 's3://scratch-bucket/tmp/a.txt' } },
    { jobDefinition: 'align', jobQueue: FAIR_QUEUE_NAME, shareIdentifier: 'lab1', schedulingPriorityOverride: 10, parameters: { input: INPUT } },
    { jobDefinition: 'align', parameters: { input: 's3://pendant-inputs/reads/sample 1 (rerun).fastq' } },
    {
      jobDefinition: 'align',
      parameters: { input: INPUT },
      tags: { team: 'genomics', 'cost-centre': 'lab/42' },
      propagateTags: true,
      retryStrategy: { attempts: 3, evaluateOnExit: [{ action: 'RETRY', onStatusReason: 'Host EC2*' }, { action: 'EXIT', onExitCode: '*' }] },
      timeout: { attemptDurationSeconds: 3600 },
    },
  ],
  status: [
    { jobId: JOB_ID },
    { jobIds: [JOB_ID, OTHER_JOB_ID, `${JOB_ID}:0`, `${JOB_ID}#1`] },
    { jobId: JOB_ID, children: { status: 'FAILED', limit: 1000 } },
  ],
  logs: [
    { jobId: JOB_ID },
    { jobId: JOB_ID, limit: 100 },
    { jobId: JOB_ID, nextToken: null, limit: 10_000 },
    { jobId: `${JOB_ID}#2`, attempt: 1, fromEnd: true, limit: 50 },
  ],
  terminate: [{ jobId: JOB_ID, reason: 'sample withdrawn by the lab' }, { jobIds: [JOB_ID, `${OTHER_JOB_ID}:3`], reason: 'sample withdrawn by the lab' }],
};

// ---------------------------------------------------------------------------------------------------------------
// Loading

/**
 * Generator specs, for events impractical to write out. Anywhere in an event:
 * - `{ "$repeat": "ab", "times": 3, "prefix": "p", "suffix": "s" }` is the string `pababab s` without the space;
 * - `{ "$array": <template>, "times": n }` is an array of n copies;
 * - `{ "$object": <template>, "times": n, "key": "VAR_{i}" }` is an object of n entries, `{i}` the entry's index;
 * - `{ "$nest": <leaf>, "depth": n, "key": "a" }` is the leaf under n levels of `{ "a": … }` (of `[ … ]` with no key).
 */
export function expandEvent(template: unknown): unknown {
  if (Array.isArray(template)) return template.map(expandEvent);
  if (typeof template !== 'object' || template === null) return template;
  const spec = template as Record<string, unknown>;
  if ('$repeat' in spec) {
    return `${text(spec.prefix)}${text(spec.$repeat).repeat(count(spec.times))}${text(spec.suffix)}`;
  }
  if ('$array' in spec) {
    const item = spec.$array;
    return Array.from({ length: count(spec.times) }, () => expandEvent(item));
  }
  if ('$object' in spec) {
    const key = text(spec.key);
    if (!key.includes('{i}')) throw new Error(`$object key ${JSON.stringify(key)} must contain {i}`);
    return Object.fromEntries(Array.from({ length: count(spec.times) }, (_, index) => [key.replace('{i}', String(index)), expandEvent(spec.$object)]));
  }
  if ('$nest' in spec) {
    let value = expandEvent(spec.$nest);
    const key = spec.key === undefined ? undefined : text(spec.key);
    // Built from the leaf outwards in a loop: the corpus nests deeper than a recursive walk could go.
    for (let level = 0; level < count(spec.depth); level++) value = key === undefined ? [value] : Object.fromEntries([[key, value]]);
    return value;
  }
  // fromEntries keeps a "__proto__" key as an own field, as JSON.parse (and so Lambda) does.
  return Object.fromEntries(Object.entries(spec).map(([key, value]) => [key, expandEvent(value)]));
}

function text(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new Error(`generator spec expects a string, got ${JSON.stringify(value)}`);
  return value;
}

function count(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Error(`generator spec expects a count, got ${JSON.stringify(value)}`);
  return value;
}

/** The cases of one function, read from `<handler>.json` and checked for shape. */
export function loadCorpus(handler: HandlerName, directory = CORPUS_DIRECTORY): CorpusCase[] {
  const file = join(directory, `${handler}.json`);
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(raw)) throw new Error(`${file} must hold a JSON array of cases`);
  const names = new Set<string>();
  return raw.map((entry: unknown, index) => {
    const where = `${file} case ${index}`;
    if (typeof entry !== 'object' || entry === null || !('event' in entry)) throw new Error(`${where} must be an object with an event`);
    const { name, category, event, field, rule, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw new Error(`${where} has unknown keys ${Object.keys(rest).join(', ')}`);
    if (typeof name !== 'string' || name === '') throw new Error(`${where} needs a name`);
    if (names.has(name)) throw new Error(`${where}: name ${JSON.stringify(name)} is used twice`);
    names.add(name);
    if (!CATEGORIES.includes(category as Category)) throw new Error(`${where}: category ${JSON.stringify(category)} is not one of ${CATEGORIES.join(', ')}`);
    if (typeof field !== 'string' || typeof rule !== 'string' || rule === '') throw new Error(`${where} needs a field and a rule`);
    return { handler, name, category: category as Category, event: expandEvent(event), field, rule };
  });
}

export function loadAllCases(directory = CORPUS_DIRECTORY): CorpusCase[] {
  return HANDLERS.flatMap((handler) => loadCorpus(handler, directory));
}

// ---------------------------------------------------------------------------------------------------------------
// Problem classes

/**
 * The class of a problem, so that `dependsOn[3].jobId` and `dependsOn[0].jobId`, or two misspelt top-level fields,
 * count once: indices become `[]`, the name of an unknown field or an environment variable `*`, and a parameter's
 * name its declared type (`parameters.<integer>`), or `*` when it has none.
 */
export function problemClass(handler: HandlerName, field: string, rule: string): string {
  let normalized = field.replace(/\[\d+\]/g, '[]');
  if (rule === 'unknown-field') {
    normalized = normalized.replace(/^((?:containerOverrides|dependsOn\[\])\.)?.*$/s, '$1*');
  } else if (normalized.startsWith('containerOverrides.environment.')) {
    normalized = 'containerOverrides.environment.*';
  } else if (normalized.startsWith('parameters.')) {
    const type = rule === 'unknown-parameter' ? undefined : DECLARED_TYPES.get(normalized.slice('parameters.'.length));
    normalized = `parameters.${type === undefined ? '*' : `<${type}>`}`;
  }
  return `${handler} ${normalized || '(event)'} ${rule}`;
}

const DECLARED_TYPES = new Map<string, string>([...Object.entries(CORPUS_PARAMETERS).map(([name, spec]) => [name, spec.type] as const), ['object', 's3-object']]);
