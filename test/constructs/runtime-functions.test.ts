import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import childProcess = require('node:child_process');
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ComputeEnvironment,
  ComputeKind,
  JobDefinition,
  JobDefinitionProps,
  JobQueue,
  Parameter,
  RuntimeFunctions,
  RuntimeFunctionsProps,
} from '../../lib';
import { CONFIG_FILE_NAME, ENV } from '../../lib/model/config';
import { bundleDirectory } from '../../lib/private/handler-code';
import { OPERATION_NAMES, OPERATIONS } from '../../lib/model/operations';
import { parameterSpecs } from '../../lib/private/parameter-specs';
import { functionConfig } from '../../lambda/aws/environment';
import { expectValidationError, functionStatements, IMAGE, logicalId, newStack, resourcesFor, roleStatements, stagedAssetDirectory } from './helpers';

jest.setTimeout(60_000);

type Parameters = JobDefinitionProps['parameters'];

const ALPHA_PARAMETERS: Parameters = {
  input_object: Parameter.s3Object({ mustExist: true, within: ['s3://my-inputs/in/'], description: 'what to read' }),
};
const BETA_PARAMETERS: Parameters = { threads: Parameter.integer({ min: 1, max: 8, default: 2 }) };

interface Fixture {
  readonly stack: Stack;
  readonly runtime: RuntimeFunctions;
  readonly definitions: JobDefinition[];
  readonly queues: JobQueue[];
  readonly jobLogGroup: logs.LogGroup;
  readonly template: Template;
}

interface Options {
  /** Replaces alpha's parameter declarations. */
  readonly alphaParameters?: Parameters;
  /** More props for the runtime functions, made in the fixture's stack. */
  readonly props?: (stack: Stack) => Partial<RuntimeFunctionsProps>;
}

/** Two Fargate queues, two job definitions sharing a log group, and the runtime functions over them; not synthesized. */
function build(options: Options = {}): Omit<Fixture, 'template'> {
  const stack = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  const compute = new ComputeEnvironment(stack, 'Compute', { kind: ComputeKind.FARGATE_SPOT, vpc });
  const queues = [new JobQueue(stack, 'QueueA', { computeEnvironments: [compute] }), new JobQueue(stack, 'QueueB', { computeEnvironments: [compute] })];
  const jobLogGroup = new logs.LogGroup(stack, 'JobLogs');
  const definitions = [
    new JobDefinition(stack, 'Alpha', {
      name: 'alpha',
      image: IMAGE,
      command: ['cat', 'Ref::input_object'],
      parameters: options.alphaParameters ?? ALPHA_PARAMETERS,
      logGroup: jobLogGroup,
    }),
    new JobDefinition(stack, 'Beta', { name: 'beta', image: IMAGE, command: ['run', 'Ref::threads'], parameters: BETA_PARAMETERS, logGroup: jobLogGroup }),
  ];
  const runtime = new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: definitions, jobQueues: queues, jobLogGroup, ...options.props?.(stack) });
  return { stack, runtime, definitions, queues, jobLogGroup };
}

function fixture(options: Options = {}): Fixture {
  const built = build(options);
  return { ...built, template: Template.fromStack(built.stack) };
}

/** The operations with named members (the ones added since are reached through `functionFor`). */
type NamedOperation = 'validate' | 'submit' | 'status' | 'logs' | 'terminate';
const FUNCTIONS: Array<[NamedOperation, string, keyof Pick<RuntimeFunctions, `${NamedOperation}Function`>]> = [
  ['validate', 'ValidateFunction', 'validateFunction'],
  ['submit', 'SubmitFunction', 'submitFunction'],
  ['status', 'StatusFunction', 'statusFunction'],
  ['logs', 'LogsFunction', 'logsFunction'],
  ['terminate', 'TerminateFunction', 'terminateFunction'],
];

function functionProperties(f: Fixture, property: (typeof FUNCTIONS)[number][2]) {
  return f.template.toJSON().Resources[logicalId(f.runtime[property])].Properties;
}

describe('RuntimeFunctions', () => {
  let f: Fixture;
  let spawned: string[];

  beforeAll(() => {
    // Bundling at synth (NodejsFunction, Docker) runs a child process; prebuilt bundles never do.
    spawned = [];
    const spies = (['spawnSync', 'execSync', 'execFileSync', 'spawn', 'exec', 'execFile'] as const).map((name) =>
      jest.spyOn(childProcess, name).mockImplementation(((command: string) => {
        spawned.push(`${name} ${command}`);
        throw new Error(`unexpected ${name} ${command}`);
      }) as never),
    );
    try {
      f = fixture();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('makes one function per operation of the registry, with stable ids', () => {
    f.template.resourceCountIs('AWS::Lambda::Function', OPERATION_NAMES.length);
    for (const [, id, property] of FUNCTIONS) {
      expect(f.runtime[property].node.id).toBe(id);
      expect(f.runtime.node.findChild(id)).toBe(f.runtime[property]);
    }
    for (const operation of OPERATION_NAMES) expect(f.runtime.node.findChild(OPERATIONS[operation].id)).toBe(f.runtime.functionFor(operation));
  });

  it.each(FUNCTIONS)('runs %s on Node.js 22 or newer (24), on ARM64', (_operation, _id, property) => {
    const properties = functionProperties(f, property);
    expect(properties.Runtime).toBe('nodejs24.x');
    expect(Number(/^nodejs(\d+)\.x$/.exec(properties.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
    expect(properties.Architectures).toEqual(['arm64']);
    expect(properties.Handler).toBe('index.handler');
  });

  it.each(FUNCTIONS)('gives %s a log group of its own, kept one month, in JSON', (_operation, id, property) => {
    const properties = functionProperties(f, property);
    const logGroupId = logicalId(f.runtime.node.findChild(`${id}LogGroup`));
    expect(properties.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: logGroupId } });
    expect(f.template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(30);
  });

  it('makes one log group per function, besides the job log group', () => {
    f.template.resourceCountIs('AWS::Logs::LogGroup', OPERATION_NAMES.length + 1);
    const groups = OPERATION_NAMES.map((operation) => (f.runtime.functionFor(operation) as lambda.Function).logGroup.node.defaultChild);
    expect(new Set(groups).size).toBe(OPERATION_NAMES.length);
    expect(groups).not.toContain(logicalId(f.jobLogGroup));
  });

  it('keeps function logs as long as asked, encrypted with the given key', () => {
    let key: kms.Key | undefined;
    const other = fixture({
      props: (stack) => {
        key = new kms.Key(stack, 'Key');
        return { logRetention: logs.RetentionDays.ONE_YEAR, logEncryptionKey: key };
      },
    });
    const encrypted = other.template.findResources('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [logicalId(key!), 'Arn'] } },
    });
    expect(Object.keys(encrypted)).toHaveLength(OPERATION_NAMES.length);
    expect(other.template.findResources('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 } })).toEqual({});
  });

  describe('configuration', () => {
    const variables = (property: (typeof FUNCTIONS)[number][2]): Record<string, unknown> => functionProperties(f, property).Environment.Variables;

    it('names every pendant variable from the model contract (ENV)', () => {
      const known: string[] = Object.values(ENV);
      for (const [, , property] of FUNCTIONS) {
        for (const name of Object.keys(variables(property)).filter((variable) => variable.startsWith('PENDANT_'))) {
          expect(known).toContain(name);
        }
      }
    });

    it('gives submit the deployed revisions and its queues by name, and nothing else of pendant', () => {
      const submit = variables('submitFunction');
      expect(Object.keys(submit).sort()).toEqual([ENV.JOB_DEFINITION_REVISIONS, ENV.JOB_QUEUES, ENV.IDEMPOTENCY_TABLE, 'POWERTOOLS_SERVICE_NAME'].sort());
      const revision = (definition: JobDefinition) => ({ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: logicalId(definition.jobDefinition) }] }] });
      expect(submit[ENV.JOB_DEFINITION_REVISIONS]).toEqual({ 'Fn::Join': ['', ['alpha=', revision(f.definitions[0]), ',beta=', revision(f.definitions[1])]] });
      // The name, not the ARN: SubmitJob and ListJobs take either, and the name is a third of the size.
      const name = (queue: JobQueue) => ({
        'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': [logicalId(queue.jobQueue), 'JobQueueArn'] }] }] }] }],
      });
      expect(submit[ENV.JOB_QUEUES]).toEqual({ 'Fn::Join': ['', ['["', name(f.queues[0]), '","', name(f.queues[1]), '"]']] });
    });

    it("ships each queue's platform and scheduling with submit, from the queue constructs", () => {
      const stack = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
      const fargate = new ComputeEnvironment(stack, 'Fargate', { kind: ComputeKind.FARGATE, vpc });
      const ec2Compute = new ComputeEnvironment(stack, 'Ec2', { kind: ComputeKind.EC2, vpc });
      const queues = [
        new JobQueue(stack, 'Shared', { computeEnvironments: [fargate], fairShare: { shares: [{ shareIdentifier: 'teamA', weightFactor: 1 }] } }),
        new JobQueue(stack, 'Gpu', { computeEnvironments: [ec2Compute] }),
      ];
      const jobLogGroup = new logs.LogGroup(stack, 'JobLogs');
      const definition = new JobDefinition(stack, 'Alpha', { name: 'alpha', image: IMAGE, command: ['run'], logGroup: jobLogGroup });
      const runtime = new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: [definition], jobQueues: queues, jobLogGroup });
      Template.fromStack(stack);

      const shipped = JSON.parse(readFileSync(join(stagedAssetDirectory(stack, logicalId(runtime.submitFunction)), CONFIG_FILE_NAME), 'utf8'));
      expect(JSON.parse(shipped[ENV.JOB_QUEUE_SETTINGS])).toEqual([
        { platform: 'FARGATE', fairShare: true },
        { platform: 'EC2', fairShare: false },
      ]);
      const config = functionConfig(stagedAssetDirectory(stack, logicalId(runtime.submitFunction)), { [ENV.JOB_QUEUES]: '["shared-q","gpu-q"]', [ENV.JOB_DEFINITION_REVISIONS]: 'alpha=1' });
      expect(config.jobQueues).toEqual([
        { queue: 'shared-q', name: 'shared-q', platform: 'FARGATE', fairShare: true },
        { queue: 'gpu-q', name: 'gpu-q', platform: 'EC2', fairShare: false },
      ]);
      expect(config.jobDefinitions.get('alpha')).toMatchObject({ platform: definition.platform, revision: 1 });
    });

    // AWS Batch API Reference, RegisterJobDefinition: a job definition name is account- and Region-wide, so the
    // physical name a construct gives its definition (unique to its stack) is what submit, "latest" and IAM must use.
    it("writes the definition's physical name, where the construct has one, into the configuration and the submit policy", () => {
      const stack = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
      const queue = new JobQueue(stack, 'Queue', { computeEnvironments: [new ComputeEnvironment(stack, 'Compute', { kind: ComputeKind.FARGATE, vpc })] });
      const jobLogGroup = new logs.LogGroup(stack, 'JobLogs');
      const definition = new JobDefinition(stack, 'Alpha', { name: 'alpha', image: IMAGE, command: ['run'], logGroup: jobLogGroup });
      if (!('physicalName' in definition)) Object.defineProperty(definition, 'physicalName', { value: 'Test-alpha-1a2b3c' });
      const physicalName = (definition as unknown as { physicalName: string }).physicalName;
      const runtime = new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: [definition], jobQueues: [queue], jobLogGroup });
      const template = Template.fromStack(stack);

      const config = functionConfig(stagedAssetDirectory(stack, logicalId(runtime.submitFunction)), { [ENV.JOB_QUEUES]: '["q"]', [ENV.JOB_DEFINITION_REVISIONS]: 'alpha=4' });
      expect(config.jobDefinitions.get('alpha')).toMatchObject({ declaredName: 'alpha', physicalName, revision: 4 });
      const submitTargets = resourcesFor(functionStatements(template, logicalId(runtime.submitFunction)), 'batch:SubmitJob');
      expect(JSON.stringify(submitTargets)).toContain(`:job-definition/${physicalName}:*`);
    });

    // AWS Lambda Developer Guide, "Working with Lambda environment variables": the total size of all environment
    // variables must not exceed 4 KB. AWS Batch Service Quotas: 50 job queues per Region. CloudFormation names a
    // resource it names itself "<stack name>-<logical id>-<random>", as the e2e journey shows for the job queues.
    describe('with 50 job queues', () => {
      const STACK_NAME = 'GenomicsPlatform';
      function platformWith50Queues(queueName?: (index: number) => string) {
        const stack = newStack(STACK_NAME);
        const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
        const compute = new ComputeEnvironment(stack, 'Compute', { kind: ComputeKind.FARGATE, vpc });
        const queues = Array.from(
          { length: 50 },
          (_, index) => new JobQueue(stack, `PipelineQueue${index}`, { computeEnvironments: [compute], ...(queueName && { jobQueueName: queueName(index) }) }),
        );
        const jobLogGroup = new logs.LogGroup(stack, 'JobLogs');
        const definitions = Array.from(
          { length: 30 },
          (_, index) => new JobDefinition(stack, `Job${index}`, { name: `job-${index}`, image: IMAGE, command: ['run'], logGroup: jobLogGroup }),
        );
        const runtime = new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: definitions, jobQueues: queues, jobLogGroup, idempotencyWindow: Duration.days(2) });
        return { stack, queues, runtime, resources: Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }> };
      }

      /**
       * A value as CloudFormation would render it: the longest ARNs (partition aws-us-gov, a 15-character Region),
       * generated names as CloudFormation makes them (12 random characters), and five-digit revisions.
       */
      function deployed(resources: Record<string, { Type: string }>, value: unknown): string {
        if (typeof value === 'string') return value;
        const node = value as Record<string, unknown>;
        const prefix = 'arn:aws-us-gov:batch:xx-xxxxxxxxx-1:123456789012';
        if ('Ref' in node) return `${prefix}:job-definition/${STACK_NAME}-${String(node.Ref)}-ABCDEFGHIJKL:99999`;
        if ('Fn::GetAtt' in node) {
          const [id] = node['Fn::GetAtt'] as string[];
          const generated = `${STACK_NAME}-${id}-ABCDEFGHIJKL`;
          return resources[id].Type === 'AWS::Batch::JobQueue' ? `${prefix}:job-queue/${generated}` : `arn:aws-us-gov:dynamodb:xx-xxxxxxxxx-1:123456789012:table/${generated}`;
        }
        if ('Fn::Join' in node) {
          const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
          return parts.map((part) => deployed(resources, part)).join(separator);
        }
        if ('Fn::Select' in node) {
          const [index, list] = node['Fn::Select'] as [number, { 'Fn::Split': [string, unknown] }];
          const [separator, text] = list['Fn::Split'];
          return deployed(resources, text).split(separator)[index];
        }
        throw new Error(`unexpected ${JSON.stringify(value)}`);
      }

      function environmentBytes(resources: Record<string, { Type: string; Properties: Record<string, unknown> }>, fn: lambda.IFunction) {
        const variables = (resources[logicalId(fn)].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        const rendered: Record<string, string> = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, deployed(resources, value)]));
        // As Lambda measures them: its refusal quotes the "String measured", the variables' JSON.
        return { rendered, bytes: Buffer.byteLength(JSON.stringify(rendered)) };
      }

      it('fits their generated names, 30 revisions and the other variables in the 4 KB Lambda allows, once deployed', () => {
        const { queues, runtime, resources } = platformWith50Queues();
        const { rendered, bytes } = environmentBytes(resources, runtime.submitFunction);

        const names = JSON.parse(rendered[ENV.JOB_QUEUES]) as string[];
        expect(names).toHaveLength(50);
        expect(names[49]).toMatch(/^GenomicsPlatform-PipelineQueue49[0-9A-F]{8}-ABCDEFGHIJKL$/);
        expect(bytes).toBeLessThanOrEqual(4 * 1024);
        // By ARN, as the functions had them before, the same queues would not fit.
        const byArn = JSON.stringify(queues.map((queue) => deployed(resources, { 'Fn::GetAtt': [logicalId(queue.jobQueue), 'JobQueueArn'] })));
        expect(Buffer.byteLength(JSON.stringify({ ...rendered, [ENV.JOB_QUEUES]: byArn }))).toBeGreaterThan(4 * 1024);
      });

      it("warns of nothing: submit's environment fits the 4 KB at the typical sizes configuration.ts counts (5-digit revisions, 64-character names)", () => {
        const { stack } = platformWith50Queues();
        Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('pendant:environmentSize'));
      });

      it('ships the names of queues that were given one in the config file, leaving the environment their room', () => {
        const { stack, runtime, resources } = platformWith50Queues((index) => `genomics-pipeline-queue-${index}`);
        const { rendered, bytes } = environmentBytes(resources, runtime.submitFunction);

        expect(rendered).not.toHaveProperty([ENV.JOB_QUEUES]);
        expect(bytes).toBeLessThan(1024);
        const config = functionConfig(stagedAssetDirectory(stack, logicalId(runtime.submitFunction)), rendered);
        expect(config.jobQueues).toHaveLength(50);
        expect(config.jobQueues[49]).toEqual({ queue: 'genomics-pipeline-queue-49', name: 'genomics-pipeline-queue-49', platform: 'FARGATE', fairShare: false });
      });
    });
    // AWS Lambda Developer Guide, "Lambda quotas": "Environment variables: 4 KB, for all environment variables
    // associated with the function, in aggregate"; a larger one fails the deployment, so synth says so first.
    describe("Lambda's 4 KB environment", () => {
      it('warns of nothing for a small platform', () => {
        Annotations.fromStack(f.stack).hasNoWarning('*', Match.stringLikeRegexp('pendant:environmentSize'));
      });

      it('throws when the revisions of 100 definitions with 39-character names could never fit, naming the function, the size and the fixes', () => {
        const stack = newStack();
        const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
        const queue = new JobQueue(stack, 'Queue', { computeEnvironments: [new ComputeEnvironment(stack, 'Compute', { kind: ComputeKind.FARGATE, vpc })] });
        const jobLogGroup = new logs.LogGroup(stack, 'JobLogs');
        const definitions = Array.from(
          { length: 100 },
          (_, index) => new JobDefinition(stack, `Job${index}`, { name: `genomics-pipeline-align-reads-stage-${String(index).padStart(3, '0')}`, image: IMAGE, command: ['run'], logGroup: jobLogGroup }),
        );
        expectValidationError(
          () => new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: definitions, jobQueues: [queue], jobLogGroup }),
          /^runtime functions Test\/Runtime: the submit function's environment is at least \d{4} bytes \(PENDANT_JOB_DEFINITION_REVISIONS \d{4}\) and Lambda allows 4096 bytes/,
          '(AWS Lambda Developer Guide, "Lambda quotas"): it can never deploy',
          `shorten the declared job definition names, give the queues a jobQueueName so that their names ship in ${CONFIG_FILE_NAME} instead, or split the job definitions between two platforms`,
        );
      });
    });

    it('keeps the declarations out of every environment', () => {
      for (const [, , property] of FUNCTIONS) expect(variables(property)).not.toHaveProperty([ENV.JOB_DEFINITIONS]);
    });

    it('gives validate no pendant variable by default', () => {
      expect(variables('validateFunction')).toEqual({ POWERTOOLS_SERVICE_NAME: 'pendant-validate' });
    });

    // The queues' generated names are known at deploy time only: status, logs and terminate read them from the
    // environment to tell the platform's jobs from others.
    it.each([
      ['status', 'statusFunction'],
      ['logs', 'logsFunction'],
      ['terminate', 'terminateFunction'],
    ] as const)('gives %s the platform queues and no other pendant variable by default', (operation, property) => {
      expect(variables(property)).toEqual({ POWERTOOLS_SERVICE_NAME: `pendant-${operation}`, [ENV.JOB_QUEUES]: variables('submitFunction')[ENV.JOB_QUEUES] });
    });

    it('gives logs its response limit when one is set', () => {
      const other = fixture({ props: () => ({ logsMaxResponseBytes: 1024 * 1024 }) });
      expect(functionProperties(other, 'logsFunction').Environment.Variables).toEqual({
        POWERTOOLS_SERVICE_NAME: 'pendant-logs',
        [ENV.JOB_QUEUES]: expect.anything(),
        [ENV.LOGS_MAX_RESPONSE_BYTES]: '1048576',
      });
    });

    it.each([100, 7 * 1024 * 1024, 4096.5])('throws when logsMaxResponseBytes is %p, which the logs function would refuse', (logsMaxResponseBytes) => {
      expectValidationError(
        () => build({ props: () => ({ logsMaxResponseBytes }) }),
        'runtime functions Test/Runtime: logsMaxResponseBytes is refused by the logs function',
        `${ENV.LOGS_MAX_RESPONSE_BYTES}: must be an integer from 1024 to 6291456, got "${logsMaxResponseBytes}"`,
      );
    });
  });

  describe('idempotency', () => {
    const variables = (property: (typeof FUNCTIONS)[number][2]): Record<string, unknown> => functionProperties(f, property).Environment.Variables;

    it('provisions an on-demand table keyed by id, with TTL on expiration, point-in-time recovery and encryption', () => {
      f.template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
      f.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    });

    it('names the table to submit only', () => {
      expect(variables('submitFunction')[ENV.IDEMPOTENCY_TABLE]).toEqual({ Ref: logicalId(f.runtime.idempotencyTable) });
      for (const property of ['validateFunction', 'statusFunction', 'logsFunction', 'terminateFunction'] as const) {
        expect(variables(property)).not.toHaveProperty([ENV.IDEMPOTENCY_TABLE]);
      }
    });

    it('uses a table it is given instead of making one', () => {
      const other = fixture({
        props: (stack) => ({
          idempotencyTable: new dynamodb.Table(stack, 'Mine', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }),
          idempotencyWindow: Duration.days(2),
        }),
      });
      other.template.resourceCountIs('AWS::DynamoDB::Table', 1);
      expect(functionProperties(other, 'submitFunction').Environment.Variables).toMatchObject({
        [ENV.IDEMPOTENCY_TABLE]: { Ref: logicalId(other.stack.node.findChild('Mine')) },
        [ENV.IDEMPOTENCY_WINDOW_SECONDS]: '172800',
      });
    });

    it.each([Duration.hours(1), Duration.days(31)])('throws when idempotencyWindow is %s, which the submit function would refuse', (idempotencyWindow) => {
      expectValidationError(
        () => build({ props: () => ({ idempotencyWindow }) }),
        'runtime functions Test/Runtime: idempotencyWindow is refused by the submit function',
        `${ENV.IDEMPOTENCY_WINDOW_SECONDS}: must be an integer from 86400 to 2592000, got "${idempotencyWindow.toSeconds()}"`,
      );
    });
  });

  describe('ListJobs lag bound', () => {
    it('leaves submit on the model default (30 s) unless one is given, and gives submit alone the one given', () => {
      expect(functionProperties(f, 'submitFunction').Environment.Variables).not.toHaveProperty([ENV.LIST_JOBS_LAG_BOUND_SECONDS]);
      const other = fixture({ props: () => ({ listJobsLagBound: Duration.minutes(2) }) });
      expect(functionProperties(other, 'submitFunction').Environment.Variables).toMatchObject({ [ENV.LIST_JOBS_LAG_BOUND_SECONDS]: '120' });
      for (const [, , property] of FUNCTIONS.filter(([operation]) => operation !== 'submit')) {
        expect(functionProperties(other, property).Environment.Variables).not.toHaveProperty([ENV.LIST_JOBS_LAG_BOUND_SECONDS]);
      }
    });

    it.each([Duration.millis(500), Duration.minutes(11)])('throws when listJobsLagBound is %s, which the submit function would refuse', (listJobsLagBound) => {
      expect(() => build({ props: () => ({ listJobsLagBound }) })).toThrow('runtime functions Test/Runtime: listJobsLagBound is refused by the submit function');
    });
  });

  describe('code', () => {
    it('spawns no process at synth: nothing is bundled', () => {
      expect(spawned).toEqual([]);
    });

    it.each(FUNCTIONS)('deploys %s from a file asset', (_operation, _id, property) => {
      expect(functionProperties(f, property).Code).toEqual({
        S3Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' },
        S3Key: expect.stringMatching(/^[0-9a-f]{64}\.zip$/),
      });
    });

    it.each(FUNCTIONS.filter(([operation]) => !['validate', 'submit'].includes(operation)))(
      `ships the prebuilt %s bundle as it is, with ${CONFIG_FILE_NAME} holding the platform id`,
      (operation, _id, property) => {
        const directory = stagedAssetDirectory(f.stack, logicalId(f.runtime[property]));
        expect(readdirSync(directory).sort()).toEqual(['index.js', CONFIG_FILE_NAME].sort());
        expect(readFileSync(join(directory, 'index.js')).equals(readFileSync(join(bundleDirectory(operation), 'index.js')))).toBe(true);
        expect(JSON.parse(readFileSync(join(directory, CONFIG_FILE_NAME), 'utf8'))).toEqual({ [ENV.PLATFORM_ID]: f.runtime.platformId });
      },
    );

    it('derives the platform id from the construct path: stable across synths, distinct per construct, a valid tag value', () => {
      expect(f.runtime.platformId).toBe(fixture().runtime.platformId);
      expect(f.runtime.platformId).toMatch(/^[A-Za-z0-9]{1,128}$/);
      const other = fixture({ props: () => ({ platformId: 'genomics-prod' }) });
      expect(other.runtime.platformId).toBe('genomics-prod');
      expect(() => build({ props: () => ({ platformId: 'has space' }) })).toThrow('platformId is refused by the functions');
    });

    it.each(FUNCTIONS.filter(([operation]) => ['validate', 'submit'].includes(operation)))(
      `ships the prebuilt %s bundle with ${CONFIG_FILE_NAME} holding the declarations`,
      (operation, _id, property) => {
        const directory = stagedAssetDirectory(f.stack, logicalId(f.runtime[property]));
        expect(readdirSync(directory).sort()).toEqual(['index.js', CONFIG_FILE_NAME].sort());
        expect(readFileSync(join(directory, 'index.js')).equals(readFileSync(join(bundleDirectory(operation), 'index.js')))).toBe(true);
        const shipped = JSON.parse(readFileSync(join(directory, CONFIG_FILE_NAME), 'utf8'));
        expect(Object.keys(shipped)).toEqual(operation === 'submit' ? [ENV.JOB_DEFINITIONS, ENV.PLATFORM_ID, ENV.JOB_QUEUE_SETTINGS] : [ENV.JOB_DEFINITIONS]);
        expect(JSON.parse(shipped[ENV.JOB_DEFINITIONS])).toEqual({
          alpha: { definition: f.definitions[0].physicalName, parameters: parameterSpecs(ALPHA_PARAMETERS), platform: 'FARGATE' },
          beta: { definition: f.definitions[1].physicalName, parameters: parameterSpecs(BETA_PARAMETERS), platform: 'FARGATE' },
        });
      },
    );

    it('ships a configuration the handlers read back, with the revisions from the environment', () => {
      const directory = stagedAssetDirectory(f.stack, logicalId(f.runtime.submitFunction));
      const config = functionConfig(directory, { [ENV.JOB_DEFINITION_REVISIONS]: 'beta=3,alpha=7', [ENV.JOB_QUEUES]: '["queue-a","queue-b"]' });
      expect([...config.jobDefinitions.values()]).toEqual([
        { declaredName: 'alpha', physicalName: f.definitions[0].physicalName, revision: 7, platform: 'FARGATE', parameters: parameterSpecs(ALPHA_PARAMETERS), overrides: {} },
        { declaredName: 'beta', physicalName: f.definitions[1].physicalName, revision: 3, platform: 'FARGATE', parameters: parameterSpecs(BETA_PARAMETERS), overrides: {} },
      ]);
      expect(config.jobQueues).toEqual([
        { queue: 'queue-a', name: 'queue-a', platform: 'FARGATE', fairShare: false },
        { queue: 'queue-b', name: 'queue-b', platform: 'FARGATE', fairShare: false },
      ]);
    });

    // A Python app passes a parameter's options as a struct, whose fields jsii sends in the struct's own order.
    it('keeps the asset when a declaration is written with its fields in another order', () => {
      const keys = (fixtureValue: Fixture) =>
        Object.fromEntries(FUNCTIONS.map(([operation, , property]) => [operation, functionProperties(fixtureValue, property).Code.S3Key]));
      const reordered = keys(
        fixture({ alphaParameters: { input_object: Parameter.s3Object({ description: 'what to read', within: ['s3://my-inputs/in/'], mustExist: true }) } }),
      );
      expect(reordered).toEqual(keys(f));
    });

    it("ships a definition's override policy, and its resources when they may be overridden, for submit to check", () => {
      const stack = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
      const queue = new JobQueue(stack, 'Queue', { computeEnvironments: [new ComputeEnvironment(stack, 'Compute', { kind: ComputeKind.FARGATE, vpc })] });
      const overrides = { command: true, environment: ['SAMPLE'], maxVcpus: 2, maxMemoryMebibytes: 8192 };
      const definitions = [
        new JobDefinition(stack, 'Open', { name: 'open', image: IMAGE, overrides }),
        new JobDefinition(stack, 'Closed', { name: 'closed', image: IMAGE }),
      ];
      const runtime = new RuntimeFunctions(stack, 'Runtime', { jobDefinitions: definitions, jobQueues: [queue], jobLogGroup: new logs.LogGroup(stack, 'JobLogs') });
      Template.fromStack(stack);
      const directory = stagedAssetDirectory(stack, logicalId(runtime.submitFunction));
      const config = functionConfig(directory, { [ENV.JOB_DEFINITION_REVISIONS]: 'open=1,closed=1', [ENV.JOB_QUEUES]: '["q"]' });
      expect(config.jobDefinitions.get('open')).toMatchObject({ overrides, resources: { vcpus: 1, memoryMiB: 2048 } });
      expect(config.jobDefinitions.get('closed')?.overrides).toEqual({});
      expect(config.jobDefinitions.get('closed')).not.toHaveProperty('resources');
    });

    it('keeps the asset when nothing changes and replaces only validate and submit when a declaration does', () => {
      const keys = (fixtureValue: Fixture) =>
        Object.fromEntries(FUNCTIONS.map(([operation, , property]) => [operation, functionProperties(fixtureValue, property).Code.S3Key]));
      const before = keys(f);
      expect(keys(fixture())).toEqual(before);
      const changed = keys(
        fixture({ alphaParameters: { input_object: Parameter.s3Object({ mustExist: true, within: ['s3://my-inputs/other/'] }) } }),
      );
      expect(changed.validate).not.toBe(before.validate);
      expect(changed.submit).not.toBe(before.submit);
      expect({ status: changed.status, logs: changed.logs, terminate: changed.terminate }).toEqual({
        status: before.status,
        logs: before.logs,
        terminate: before.terminate,
      });
    });

    it('finds a prebuilt bundle for every operation of the registry', () => {
      for (const operation of OPERATION_NAMES) expect(existsSync(join(bundleDirectory(operation), 'index.js'))).toBe(true);
    });
  });

  describe('grants', () => {
    const GRANTS = [
      ['grantValidate', 'validateFunction'],
      ['grantSubmit', 'submitFunction'],
      ['grantStatus', 'statusFunction'],
      ['grantLogs', 'logsFunction'],
      ['grantTerminate', 'terminateFunction'],
    ] as const;

    it.each(GRANTS)('%s lets a role invoke exactly that function', (grant, property) => {
      const { stack, runtime } = build();
      const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      const result = runtime[grant](role);
      expect(result).toBeInstanceOf(iam.Grant);
      expect(result.success).toBe(true);
      const statements = result.principalStatements.map((statement) => stack.resolve(statement.toStatementJson()));
      expect(statements).toEqual([{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: stack.resolve(runtime[property].functionArn) }]);
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalId(role) }],
        PolicyDocument: { Statement: [{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(runtime[property]), 'Arn'] } }], Version: '2012-10-17' },
      });
    });

    // IAM User Guide, "Cross-account policy evaluation logic": a principal of another account needs the resource's
    // policy to allow it as well; an identity policy alone only works within one account. Lambda's resource policy is
    // a Lambda permission, which aws-cdk-lib's grantInvoke adds for such principals.
    describe('to a principal of another account', () => {
      it.each(GRANTS)('%s adds a Lambda permission for an account principal', (grant, property) => {
        const { stack, runtime } = build();
        const result = runtime[grant](new iam.AccountPrincipal('210987654321'));
        expect(result.success).toBe(true);
        const permissions = Template.fromStack(stack).findResources('AWS::Lambda::Permission');
        expect(Object.values(permissions).map((permission) => permission.Properties)).toEqual([
          { Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [logicalId(runtime[property]), 'Arn'] }, Principal: '210987654321' },
        ]);
      });

      it('adds a Lambda permission for a role of another account, once however often it is granted', () => {
        const { stack, runtime } = build();
        const caller = iam.Role.fromRoleArn(stack, 'Caller', 'arn:aws:iam::210987654321:role/pipeline');
        runtime.grantSubmit(caller);
        runtime.grantSubmit(caller);
        const permissions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Permission'));
        expect(permissions.map((permission) => permission.Properties)).toEqual([
          {
            Action: 'lambda:InvokeFunction',
            FunctionName: { 'Fn::GetAtt': [logicalId(runtime.submitFunction), 'Arn'] },
            Principal: 'arn:aws:iam::210987654321:role/pipeline',
          },
        ]);
      });

      it('adds no Lambda permission for a role of the same account: its identity policy is enough', () => {
        const { stack, runtime } = build();
        runtime.grantSubmit(new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
        Template.fromStack(stack).resourceCountIs('AWS::Lambda::Permission', 0);
      });
    });

    describe('of functions imported by ARN', () => {
      const arn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:pendant-${name}`;
      const stack = newStack('Caller');
      const imported = RuntimeFunctions.fromFunctionArns(stack, 'Runtime', {
        validateFunctionArn: arn('validate'),
        submitFunctionArn: arn('submit'),
        statusFunctionArn: arn('status'),
        logsFunctionArn: arn('logs'),
        terminateFunctionArn: arn('terminate'),
      });
      const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      const grants = GRANTS.map(([grant]) => imported[grant](role));
      const template = Template.fromStack(stack);

      it('exposes the functions by their ARNs and creates none', () => {
        template.resourceCountIs('AWS::Lambda::Function', 0);
        for (const [operation, , property] of FUNCTIONS) expect(imported[property].functionArn).toBe(arn(operation));
      });

      it('returns an iam.Grant from every grant method', () => {
        for (const grant of grants) {
          expect(grant).toBeInstanceOf(iam.Grant);
          expect(grant.success).toBe(true);
        }
      });

      it('adds lambda:InvokeFunction on exactly each function ARN, not on its versions', () => {
        const statements = roleStatements(template, logicalId(role));
        expect(statements).toHaveLength(5);
        for (const statement of statements) expect(statement.Action).toBe('lambda:InvokeFunction');
        expect(resourcesFor(statements, 'lambda:InvokeFunction').sort()).toEqual(FUNCTIONS.map(([operation]) => arn(operation)).sort());
      });
    });
  });
});
