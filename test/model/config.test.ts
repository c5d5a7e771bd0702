import {
  CONFIG_FILE_NAME,
  DEFAULT_LOGS_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_CONCURRENCY,
  encodeConfig,
  ENV,
  jobQueueName,
  parseJobDefinitionReference,
  RuntimeConfig,
  RuntimeConfigInput,
} from '../../lib/model/config';
import {
  checkEnvironmentSize,
  configureJobEvents,
  configureResume,
  configureRuntimeFunctions,
  DEPLOY_TIME_VALUE_BYTES,
  environmentSize,
  MAX_ENVIRONMENT_BYTES,
  PlatformDeclarations,
  readConfiguration,
  RuntimeOperation,
  SERVICE_NAME_VARIABLE,
  serviceName,
} from '../../lib/model/configuration';
import { ConfigurationError } from '../../lib/model/errors';
import { Parameter } from '../../lib/model/parameters';

const DEFINITION_ARN = 'arn:aws:batch:us-east-1:123456789012:job-definition/align:7';
const QUEUE_ARN = 'arn:aws:batch:us-east-1:123456789012:job-queue/fast';

/** The error `fn` throws, failing the test when it throws nothing. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw, got none');
}

/** Asserts that `fn` throws a ConfigurationError naming `variable` with exactly `reason`. */
function expectConfigurationError(fn: () => unknown, variable: string, reason: string | RegExp): void {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(ConfigurationError);
  expect((error as ConfigurationError).variable).toBe(variable);
  const prefix = `invalid configuration in ${variable}: `;
  if (typeof reason === 'string') expect((error as Error).message).toBe(`${prefix}${reason}`);
  else {
    expect((error as Error).message.startsWith(prefix)).toBe(true);
    expect((error as Error).message.slice(prefix.length)).toMatch(reason);
  }
}

describe('ENV', () => {
  it('names every variable with the PENDANT_ prefix', () => {
    expect(ENV).toMatchObject({
      JOB_DEFINITIONS: 'PENDANT_JOB_DEFINITIONS',
      JOB_QUEUES: 'PENDANT_JOB_QUEUES',
      LOGS_MAX_RESPONSE_BYTES: 'PENDANT_LOGS_MAX_RESPONSE_BYTES',
      MAX_CONCURRENCY: 'PENDANT_MAX_CONCURRENCY',
      MAX_S3_CONCURRENCY: 'PENDANT_MAX_S3_CONCURRENCY',
    });
    for (const name of Object.values(ENV)) expect(name).toMatch(/^PENDANT_[A-Z0-9_]+$/);
  });
});

describe('encodeConfig', () => {
  it('writes only the parts it is given', () => {
    expect(encodeConfig({})).toEqual({});
    expect(encodeConfig({ maxConcurrency: 4 })).toEqual({ PENDANT_MAX_CONCURRENCY: '4' });
  });

  it('writes every part as its variable', () => {
    expect(
      encodeConfig({
        jobDefinitions: { align: { definition: 'align:3' } },
        jobQueues: ['fast', 'slow'],
        logsMaxResponseBytes: 2048,
        maxConcurrency: 16,
      }),
    ).toEqual({
      PENDANT_JOB_DEFINITIONS: '{"align":{"definition":"align:3"}}',
      PENDANT_JOB_QUEUES: '["fast","slow"]',
      PENDANT_LOGS_MAX_RESPONSE_BYTES: '2048',
      PENDANT_MAX_CONCURRENCY: '16',
    });
  });

  it('writes token-like strings verbatim', () => {
    const token = '${Token[TOKEN.123]}';
    expect(JSON.parse(encodeConfig({ jobQueues: [token] }).PENDANT_JOB_QUEUES)).toEqual([token]);
  });
});

describe('RuntimeConfig', () => {
  it('reads back what encodeConfig writes', () => {
    const parameters = {
      input: Parameter.s3Object({ mustExist: true, within: ['s3://bkt/in/'] }),
      threads: Parameter.integer({ min: 1, max: 64, default: 8 }),
    };
    const input: RuntimeConfigInput = {
      jobDefinitions: {
        align: { definition: DEFINITION_ARN, parameters },
        call: { definition: 'call-variants:12' },
        report: { definition: 'report' },
      },
      jobQueues: [QUEUE_ARN, 'slow'],
      logsMaxResponseBytes: 65536,
      maxConcurrency: 3,
    };
    const config = new RuntimeConfig(encodeConfig(input));
    expect([...config.jobDefinitions.entries()]).toEqual([
      ['align', { declaredName: 'align', physicalName: 'align', revision: 7, parameters, overrides: {} }],
      ['call', { declaredName: 'call', physicalName: 'call-variants', revision: 12, parameters: {}, overrides: {} }],
      ['report', { declaredName: 'report', physicalName: 'report', parameters: {}, overrides: {} }],
    ]);
    expect(config.jobDefinitions.get('report')).not.toHaveProperty('revision');
    expect(config.jobQueues).toEqual([
      { queue: QUEUE_ARN, name: 'fast' },
      { queue: 'slow', name: 'slow' },
    ]);
    expect(config.logsMaxResponseBytes).toBe(65536);
    expect(config.maxConcurrency).toBe(3);
  });

  it('reads back a definition\'s override policy and resources; without a policy, callers may override nothing', () => {
    const overrides = { command: true, environment: ['SAMPLE'], maxVcpus: 4, maxMemoryMebibytes: 8192 };
    const resources = { vcpus: 1, memoryMiB: 2048 };
    const config = new RuntimeConfig(
      encodeConfig({ jobDefinitions: { align: { definition: 'align:1', platform: 'FARGATE', overrides, resources }, call: { definition: 'call:1' } } }),
    );
    expect(config.jobDefinitions.get('align')).toMatchObject({ overrides, resources });
    expect(config.jobDefinitions.get('call')?.overrides).toEqual({});
    expect(config.jobDefinitions.get('call')).not.toHaveProperty('resources');
  });

  it.each<[string, unknown, string]>([
    ['overrides that are not an object', ['command'], 'job definition "align": overrides must be an object'],
    ['a command that is not a boolean', { command: 'yes' }, 'job definition "align": overrides.command must be true or false'],
    [
      'a reserved environment name',
      { environment: ['AWS_BATCH_JOB_ID'] },
      'job definition "align": overrides.environment: "AWS_BATCH_JOB_ID" is not an environment variable name a caller may set (a letter or "_", then letters, digits or "_"; not AWS_BATCH*)',
    ],
    ['a vCPU bound Fargate does not have', { maxVcpus: 3 }, "job definition \"align\": overrides.maxVcpus must be one of Fargate's 0.25, 0.5, 1, 2, 4, 8, 16, got 3"],
    ['GPUs on Fargate', { maxGpus: 1 }, 'job definition "align": overrides.maxGpus needs the EC2 platform; Fargate has no GPUs'],
  ])('throws ConfigurationError for %s', (_what, overrides, reason) => {
    const env = encodeConfig({ jobDefinitions: { align: { definition: 'align:1', platform: 'FARGATE', overrides: overrides as never } } });
    expectConfigurationError(() => new RuntimeConfig(env).jobDefinitions, ENV.JOB_DEFINITIONS, reason);
  });

  it('throws ConfigurationError for resources that are not amounts', () => {
    const env = encodeConfig({ jobDefinitions: { align: { definition: 'align:1', resources: { vcpus: '1', memoryMiB: 2048 } as never } } });
    expectConfigurationError(
      () => new RuntimeConfig(env).jobDefinitions,
      ENV.JOB_DEFINITIONS,
      'job definition "align": resources must be { "vcpus": <number>, "memoryMiB": <integer>, "gpus"?: <integer> }',
    );
  });

  it('reads the process environment by default', () => {
    const saved = process.env[ENV.MAX_CONCURRENCY];
    process.env[ENV.MAX_CONCURRENCY] = '5';
    try {
      expect(RuntimeConfig.fromEnv().maxConcurrency).toBe(5);
    } finally {
      if (saved === undefined) delete process.env[ENV.MAX_CONCURRENCY];
      else process.env[ENV.MAX_CONCURRENCY] = saved;
    }
  });

  it('throws nothing until a part is read', () => {
    const config = RuntimeConfig.fromEnv({ PENDANT_JOB_DEFINITIONS: 'not json', PENDANT_MAX_CONCURRENCY: '0' });
    expect(config.logsMaxResponseBytes).toBe(DEFAULT_LOGS_MAX_RESPONSE_BYTES);
    expect(() => config.maxConcurrency).toThrow(ConfigurationError);
    expect(() => config.jobDefinitions).toThrow(ConfigurationError);
    expect(() => config.jobQueues).toThrow(ConfigurationError);
  });

  it('decodes the job definitions once and keeps them', () => {
    const config = new RuntimeConfig(encodeConfig({ jobDefinitions: { align: { definition: 'align:1' } } }));
    expect(config.jobDefinitions).toBe(config.jobDefinitions);
  });

  describe('jobDefinitions', () => {
    const read = (value: string | undefined, extra: Record<string, string> = {}) => () =>
      new RuntimeConfig({ [ENV.JOB_DEFINITIONS]: value, ...extra }).jobDefinitions;

    it.each([[undefined], ['']])('throws when the variable is %j', (value) => {
      expectConfigurationError(read(value), 'PENDANT_JOB_DEFINITIONS', 'is not set');
    });

    it('throws when the variable is not JSON', () => {
      expectConfigurationError(read('{align'), 'PENDANT_JOB_DEFINITIONS', /^is not JSON \(.+\)$/);
    });

    it.each([['[]'], ['null'], ['"align"'], ['4']])('throws when the variable is %s, not an object', (value) => {
      expectConfigurationError(read(value), 'PENDANT_JOB_DEFINITIONS', 'must be a JSON object of job definitions by name');
    });

    it.each([['"align:1"'], ['null'], ['{}'], ['{"definition":3}']])('throws when an entry is %s', (entry) => {
      expectConfigurationError(
        read(`{"align":${entry}}`),
        'PENDANT_JOB_DEFINITIONS',
        'job definition "align" must be an object with a "definition" string',
      );
    });

    it('throws when a definition is not an ARN, name:revision or name', () => {
      expectConfigurationError(
        read('{"align":{"definition":"align:latest"}}'),
        'PENDANT_JOB_DEFINITIONS',
        'job definition "align": "align:latest" is not a job definition ARN, name:revision or name',
      );
    });

    it.each([['null'], ['[]'], ['"x"']])('throws when the parameters are %s', (parameters) => {
      expectConfigurationError(
        read(`{"align":{"definition":"align:1","parameters":${parameters}}}`),
        'PENDANT_JOB_DEFINITIONS',
        'job definition "align": parameters must be an object',
      );
    });

    it('throws with every problem of the parameter declarations', () => {
      const parameters = { threads: { type: 'integer', min: 9, max: 1 }, mode: { type: 'enum', values: ['a'], default: 'b' } };
      expectConfigurationError(
        read(JSON.stringify({ align: { definition: 'align:1', parameters } })),
        'PENDANT_JOB_DEFINITIONS',
        'job definition "align": parameter "threads": min 9 is greater than max 1; parameter "mode": default must be one of a, got "b"',
      );
    });

    // The rule JobDefinition applies at synth, applied again where the functions read their configuration.
    it.each([
      ['an s3Object', Parameter.s3Object({ mustExist: true })],
      ['an s3Objects', Parameter.s3Objects({ mustExist: true, within: [] })],
    ])('throws when %s input must exist but has no within, as synth does', (_kind, input) => {
      expectConfigurationError(
        read(JSON.stringify({ align: { definition: 'align:1', parameters: { input } } })),
        'PENDANT_JOB_DEFINITIONS',
        'job definition "align": parameter "input": must exist, so it needs "within": the S3 prefixes the runtime functions may read',
      );
    });

    it('reads the number and s3Objects kinds back as declared', () => {
      const parameters = { ratio: Parameter.number({ min: 0, max: 1, default: 0.5 }), mates: Parameter.s3Objects({ mustExist: true, within: ['s3://bkt/in/'], maxItems: 4 }) };
      const config = new RuntimeConfig(encodeConfig({ jobDefinitions: { align: { definition: 'align:1', parameters } } }));
      expect(config.jobDefinitions.get('align')?.parameters).toEqual(parameters);
    });

    describe('with revisions from PENDANT_JOB_DEFINITION_REVISIONS', () => {
      const declarations = JSON.stringify({ align: { definition: 'align:1' }, call: { definition: 'call' } });

      it('gives each definition its own revision, wherever its declaration stands', () => {
        const config = new RuntimeConfig(
          encodeConfig({ jobDefinitions: { align: { definition: 'align:1', revision: '4' }, call: { definition: 'call', revision: '9' } } }),
        );
        expect(config.jobDefinitions.get('align')?.revision).toBe(4);
        expect(config.jobDefinitions.get('call')?.revision).toBe(9);
      });

      // JavaScript orders integer-like keys first (ECMAScript, OrdinaryOwnPropertyKeys): read by position, the
      // declaration of "2024" came back before "render" and took render's revision.
      it('gives a definition named 2024 its own revision, not the one of the definition declared before it', () => {
        const env = encodeConfig({
          jobDefinitions: { render: { definition: 'render', revision: '7' }, 2024: { definition: 'report-2024', revision: '3' } },
        });
        expect(Object.keys(JSON.parse(env[ENV.JOB_DEFINITIONS]))).toEqual(['2024', 'render']);
        const config = new RuntimeConfig(env);
        expect(config.jobDefinitions.get('render')).toMatchObject({ physicalName: 'render', revision: 7 });
        expect(config.jobDefinitions.get('2024')).toMatchObject({ physicalName: 'report-2024', revision: 3 });
      });

      it('takes the name as well from a name:revision, for a physical name only CloudFormation knows', () => {
        const config = new RuntimeConfig(encodeConfig({ jobDefinitions: { align: { definition: 'align', revision: 'dev-align-x1y2:12' } } }));
        expect(config.jobDefinitions.get('align')).toMatchObject({ physicalName: 'dev-align-x1y2', revision: 12 });
      });

      it('keeps the revision of the definition when the declaration has no revision', () => {
        const config = new RuntimeConfig(
          encodeConfig({ jobDefinitions: { align: { definition: 'align:1' }, call: { definition: 'call', revision: '9' } } }),
        );
        expect(config.jobDefinitions.get('align')?.revision).toBe(1);
        expect(config.jobDefinitions.get('call')?.revision).toBe(9);
      });

      it('reads the declarations without their revisions where the variable is not set, as validate does', () => {
        const { [ENV.JOB_DEFINITIONS]: declarations } = encodeConfig({ jobDefinitions: { align: { definition: 'align', revision: '4' } } });
        expect(new RuntimeConfig({ [ENV.JOB_DEFINITIONS]: declarations }).jobDefinitions.get('align')).not.toHaveProperty('revision');
      });

      it('writes each revision after its declared name, and nothing of it into the declarations', () => {
        const env = encodeConfig({ jobDefinitions: { align: { definition: 'align:1', revision: '4' }, call: { definition: 'call', revision: 'dev-call-x1y2:9' } } });
        expect(env[ENV.JOB_DEFINITION_REVISIONS]).toBe('align=4,call=dev-call-x1y2:9');
        expect(JSON.parse(env[ENV.JOB_DEFINITIONS])).toEqual({ align: { definition: 'align:1' }, call: { definition: 'call' } });
      });

      it('reads the revisions in any order', () => {
        const { [ENV.JOB_DEFINITIONS]: declarations } = encodeConfig({ jobDefinitions: { align: { definition: 'align' }, call: { definition: 'call' } } });
        const config = new RuntimeConfig({ [ENV.JOB_DEFINITIONS]: declarations, [ENV.JOB_DEFINITION_REVISIONS]: 'call=9,align=4' });
        expect(config.jobDefinitions.get('align')?.revision).toBe(4);
        expect(config.jobDefinitions.get('call')?.revision).toBe(9);
      });

      it.each([['align,call'], ['4'], ['align=4,call=x'], ['align=0'], ['align=1.5'], ['align='], ['=4'], ['align=4,'], ['align=call:0']])(
        'throws when the revisions are %j',
        (revisions) => {
          expectConfigurationError(
            read(declarations, { [ENV.JOB_DEFINITION_REVISIONS]: revisions }),
            'PENDANT_JOB_DEFINITION_REVISIONS',
            `must be comma-separated name=revision pairs (a revision is a positive integer or name:revision), got ${JSON.stringify(revisions)}`,
          );
        },
      );

      it('throws when the revisions name a definition twice', () => {
        expectConfigurationError(read(declarations, { [ENV.JOB_DEFINITION_REVISIONS]: 'align=4,align=5' }), 'PENDANT_JOB_DEFINITION_REVISIONS', 'names "align" twice');
      });

      it('throws when the revisions name a definition that is not declared', () => {
        expectConfigurationError(
          read(declarations, { [ENV.JOB_DEFINITION_REVISIONS]: 'align=4,alignment=5' }),
          'PENDANT_JOB_DEFINITION_REVISIONS',
          'names "alignment", which PENDANT_JOB_DEFINITIONS does not declare',
        );
      });

      it.each([['a,b'], ['a=b'], ['']])('throws when asked to write the revision of a definition declared as %j, which would read back as another', (declaredName) => {
        expectConfigurationError(
          () => encodeConfig({ jobDefinitions: { [declaredName]: { definition: 'align', revision: '4' } } }),
          'PENDANT_JOB_DEFINITION_REVISIONS',
          `cannot carry the revision of ${JSON.stringify(declaredName)}: a declared name is a job definition name (letters, digits, - and _)`,
        );
      });
    });

    it('carries each definition\'s platform', () => {
      const config = new RuntimeConfig(encodeConfig({ jobDefinitions: { align: { definition: 'align', platform: 'FARGATE' }, render: { definition: 'render' } } }));
      expect(config.jobDefinitions.get('align')?.platform).toBe('FARGATE');
      expect(config.jobDefinitions.get('render')).not.toHaveProperty('platform');
    });

    it('throws when a platform is neither FARGATE nor EC2', () => {
      expectConfigurationError(
        read('{"align":{"definition":"align","platform":"EKS"}}'),
        'PENDANT_JOB_DEFINITIONS',
        'job definition "align": platform must be one of FARGATE, EC2, got "EKS"',
      );
    });
  });

  describe('jobQueues', () => {
    const read = (value: string | undefined) => () => new RuntimeConfig({ [ENV.JOB_QUEUES]: value }).jobQueues;

    it.each([[undefined], ['']])('throws when the variable is %j', (value) => {
      expectConfigurationError(read(value), 'PENDANT_JOB_QUEUES', 'is not set');
    });

    it('throws when the variable is not JSON', () => {
      expectConfigurationError(read('[fast'), 'PENDANT_JOB_QUEUES', /^is not JSON \(.+\)$/);
    });

    it.each([['[]'], ['{}'], ['"fast"'], ['[1]'], ['[""]'], ['["fast",null]']])('throws when the variable is %s', (value) => {
      expectConfigurationError(read(value), 'PENDANT_JOB_QUEUES', 'must be a non-empty JSON array of job queue ARNs or names');
    });

    it('carries each queue\'s platform and whether it has a fair-share policy, from one list', () => {
      const env = encodeConfig({
        jobQueues: [{ queue: QUEUE_ARN, platform: 'FARGATE', fairShare: true }, { queue: 'gpu', platform: 'EC2', fairShare: false }, 'plain'],
      });
      expect(JSON.parse(env[ENV.JOB_QUEUES])).toEqual([QUEUE_ARN, 'gpu', 'plain']);
      expect(new RuntimeConfig(env).jobQueues).toEqual([
        { queue: QUEUE_ARN, name: 'fast', platform: 'FARGATE', fairShare: true },
        { queue: 'gpu', name: 'gpu', platform: 'EC2', fairShare: false },
        { queue: 'plain', name: 'plain' },
      ]);
    });

    it.each([['[{}]'], ['[{"platform":"EKS"}]'], ['[{"fairShare":"yes"}]'], ['[{"priority":1}]'], ['{}'], ['[null]']])(
      'throws when the settings of one queue are %s',
      (settings) => {
        expectConfigurationError(
          () => new RuntimeConfig({ [ENV.JOB_QUEUES]: '["a","b"]', [ENV.JOB_QUEUE_SETTINGS]: settings }).jobQueues,
          'PENDANT_JOB_QUEUE_SETTINGS',
          'must be a JSON array of 2 { "platform": "FARGATE" | "EC2", "fairShare": boolean }, one per job queue',
        );
      },
    );
  });

  describe.each<[string, 'maxConcurrency' | 'logsMaxResponseBytes' | 'listJobsLagBoundSeconds', number, number, number]>([
    ['PENDANT_MAX_CONCURRENCY', 'maxConcurrency', DEFAULT_MAX_CONCURRENCY, 1, 64],
    ['PENDANT_LIST_JOBS_LAG_BOUND_SECONDS', 'listJobsLagBoundSeconds', 30, 1, 600],
    ['PENDANT_LOGS_MAX_RESPONSE_BYTES', 'logsMaxResponseBytes', DEFAULT_LOGS_MAX_RESPONSE_BYTES, 1024, 6 * 1024 * 1024],
  ])('%s', (variable, property, fallback, min, max) => {
    const read = (value: string | undefined) => new RuntimeConfig({ [variable]: value })[property];

    it(`defaults to ${fallback} when unset or empty`, () => {
      expect(read(undefined)).toBe(fallback);
      expect(read('')).toBe(fallback);
    });

    it(`accepts ${min} and ${max}`, () => {
      expect(read(String(min))).toBe(min);
      expect(read(String(max))).toBe(max);
    });

    it.each([String(min - 1), String(max + 1), '-1', '2.5', 'eight', 'NaN', 'Infinity', '9007199254740993'])('throws when it is %j', (value) => {
      expectConfigurationError(() => read(value), variable, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    });
  });

  it('reads back the ListJobs lag bound and the platform id encodeConfig writes', () => {
    const config = new RuntimeConfig(encodeConfig({ listJobsLagBoundSeconds: 12, platformId: 'Platform/Batch-1a2b3c4d' }));
    expect(config.listJobsLagBoundSeconds).toBe(12);
    expect(config.platformId).toBe('Platform/Batch-1a2b3c4d');
    expect(new RuntimeConfig({}).platformId).toBeUndefined();
  });

  it.each(['has space', 'x'.repeat(129), 'comma,separated'])('throws when the platform id is %j', (value) => {
    expectConfigurationError(() => new RuntimeConfig({ [ENV.PLATFORM_ID]: value }).platformId, ENV.PLATFORM_ID, `must be 1 to 128 letters, digits or any of _.:/=+-@, got ${JSON.stringify(value)}`);
  });

  it('defaults to 8 calls in flight and 4 MiB of logs a response', () => {
    expect(DEFAULT_MAX_CONCURRENCY).toBe(8);
    expect(DEFAULT_LOGS_MAX_RESPONSE_BYTES).toBe(4 * 1024 * 1024);
  });
});

describe('parseJobDefinitionReference', () => {
  it.each<[string, { name: string; revision?: number }]>([
    [DEFINITION_ARN, { name: 'align', revision: 7 }],
    ['arn:aws:batch:us-east-1:123456789012:job-definition/align', { name: 'align' }],
    ['arn:aws-cn:batch:cn-north-1:123456789012:job-definition/align:2', { name: 'align', revision: 2 }],
    ['arn:aws-us-gov:batch:us-gov-west-1:123456789012:job-definition/my_def-1:10', { name: 'my_def-1', revision: 10 }],
    ['align:3', { name: 'align', revision: 3 }],
    ['align', { name: 'align' }],
    ['A1_b-2', { name: 'A1_b-2' }],
  ])('reads %s', (text, expected) => {
    expect(parseJobDefinitionReference(text)).toEqual(expected);
  });

  it.each([
    [''],
    ['align:'],
    ['align:0'],
    ['align:-1'],
    ['align:1.5'],
    ['align:latest'],
    ['align:1:2'],
    [':3'],
    ['-align'],
    ['my def'],
    ['align:99999999999999999999'],
    ['x'.repeat(129)],
    ['arn:aws:batch:us-east-1:123456789012:job-definition/'],
    ['arn:aws:batch:us-east-1:123456789012:job-definition/bad name:1'],
    ['arn:aws:batch:us-east-1:123456789012:job-queue/align:1'],
    ['arn:aws:s3:::bucket/align:1'],
  ])('is undefined for %j', (text) => {
    expect(parseJobDefinitionReference(text)).toBeUndefined();
  });
});

describe('jobQueueName', () => {
  it.each([
    [QUEUE_ARN, 'fast'],
    ['arn:aws-cn:batch:cn-north-1:123456789012:job-queue/slow_1', 'slow_1'],
    ['fast', 'fast'],
    ['not/an-arn', 'not/an-arn'],
  ])('names %s as %s', (queue, name) => {
    expect(jobQueueName(queue)).toBe(name);
  });
});

describe('Function: configureRuntimeFunctions', () => {
  /** A deploy-time value as the constructs see it: CDK's token markers, resolved only by CloudFormation. */
  const token = (name: string) => `\${Token[${name}]}`;
  const isDeployTime = (value: string) => value.includes('${Token[');
  /** What CloudFormation would write in place of each token. */
  const deploy = (environment: Readonly<Record<string, string>>, values: Record<string, string>) =>
    Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, value.replace(/\$\{Token\[([^\]]+)\]\}/g, (_, key: string) => values[key])]));

  const declarations: PlatformDeclarations = {
    jobDefinitions: {
      render: { definition: 'render', platform: 'FARGATE', revision: token('renderRevision') },
      2024: { definition: 'report-2024', platform: 'FARGATE', parameters: { year: Parameter.integer({ min: 2000, max: 2100 }) }, revision: token('reportRevision') },
    },
    jobQueues: [{ queue: token('queue'), platform: 'FARGATE', fairShare: false }],
    platformId: 'Test-Platform',
    idempotencyTable: token('table'),
    idempotencyWindowSeconds: 2 * 86400,
  };
  const deployed = { renderRevision: '7', reportRevision: '3', queue: 'Test-Queue-ABC', table: 'Test-Table-XYZ' };
  const configured = configureRuntimeFunctions(declarations, isDeployTime);
  const readBack = (operation: RuntimeOperation) => readConfiguration(deploy(configured[operation].environment, deployed), configured[operation].file);

  it('reads back, in submit, each definition with the revision deployed under its own name, 2024 included', () => {
    const definitions = readBack('submit').jobDefinitions;
    expect(definitions.get('render')).toMatchObject({ physicalName: 'render', revision: 7 });
    expect(definitions.get('2024')).toMatchObject({ physicalName: 'report-2024', revision: 3, parameters: { year: { type: 'integer', min: 2000, max: 2100 } } });
  });

  it('reads back, in submit, the queues, the platform id, the idempotency table and window', () => {
    const config = readBack('submit');
    expect(config.jobQueues).toEqual([{ queue: 'Test-Queue-ABC', name: 'Test-Queue-ABC', platform: 'FARGATE', fairShare: false }]);
    expect(config.platformId).toBe('Test-Platform');
    expect(config.idempotencyTable).toBe('Test-Table-XYZ');
    expect(config.idempotencyWindowSeconds).toBe(2 * 86400);
  });

  it('keeps the declarations in the file and only deploy-time values and settings in the environment', () => {
    expect(Object.keys(JSON.parse(configured.submit.file!))).toEqual([ENV.JOB_DEFINITIONS, ENV.PLATFORM_ID, ENV.JOB_QUEUE_SETTINGS]);
    expect(configured.submit.environment).toEqual({
      [SERVICE_NAME_VARIABLE]: 'pendant-submit',
      [ENV.JOB_QUEUES]: `["${token('queue')}"]`,
      // Integer-like keys come first in a JavaScript object: by name, the order does not matter.
      [ENV.JOB_DEFINITION_REVISIONS]: `2024=${token('reportRevision')},render=${token('renderRevision')}`,
      [ENV.IDEMPOTENCY_TABLE]: token('table'),
      [ENV.IDEMPOTENCY_WINDOW_SECONDS]: '172800',
    });
  });

  it('gives validate the declarations without their revisions', () => {
    expect(configured.validate.environment).toEqual({ [SERVICE_NAME_VARIABLE]: 'pendant-validate' });
    expect(Object.keys(JSON.parse(configured.validate.file!))).toEqual([ENV.JOB_DEFINITIONS]);
    expect(readBack('validate').jobDefinitions.get('2024')).not.toHaveProperty('revision');
  });

  it.each(['status', 'logs', 'terminate'] as const)("gives %s the platform's id and queues, and nothing of the definitions", (operation) => {
    const config = readBack(operation);
    expect(config.platformId).toBe('Test-Platform');
    expect(config.jobQueues.map((queue) => queue.queue)).toEqual(['Test-Queue-ABC']);
    expect(() => config.jobDefinitions).toThrow(ConfigurationError);
  });

  it('ships the queue names in the file when they are known at synth', () => {
    const known = configureRuntimeFunctions({ ...declarations, jobQueues: [{ queue: 'genomics', fairShare: true }], logsMaxResponseBytes: 2048 }, isDeployTime);
    for (const operation of ['submit', 'status', 'logs', 'terminate'] as const) {
      expect(known[operation].environment).not.toHaveProperty([ENV.JOB_QUEUES]);
      expect(JSON.parse(known[operation].file!)[ENV.JOB_QUEUES]).toBe('["genomics"]');
    }
    expect(known.logs.environment).toEqual({ [SERVICE_NAME_VARIABLE]: 'pendant-logs', [ENV.LOGS_MAX_RESPONSE_BYTES]: '2048' });
    expect(readConfiguration(known.logs.environment, known.logs.file).logsMaxResponseBytes).toBe(2048);
  });

  it("writes each function's service name into its environment", () => {
    for (const [operation, { environment }] of Object.entries(configured)) expect(environment[SERVICE_NAME_VARIABLE]).toBe(serviceName(operation as RuntimeOperation));
    expect(configureJobEvents({ table: 't' }).recorder.environment[SERVICE_NAME_VARIABLE]).toBe('pendant-record');
    expect(configureResume({ taskTokenTable: 't', logsFunction: 'l' }).environment[SERVICE_NAME_VARIABLE]).toBe('pendant-resume');
  });
});

describe('Function: configureJobEvents and configureResume', () => {
  it('configures the recorder in its environment alone, and gives status the table', () => {
    const { recorder, statusEnvironment } = configureJobEvents({ table: 'events', retentionSeconds: 86400 });
    expect(recorder).toEqual({ environment: { [SERVICE_NAME_VARIABLE]: 'pendant-record', [ENV.JOB_EVENTS_TABLE]: 'events', [ENV.JOB_EVENTS_RETENTION_SECONDS]: '86400' } });
    expect(readConfiguration(recorder.environment).jobEventsRetentionSeconds).toBe(86400);
    expect(readConfiguration(statusEnvironment).jobEventsTable).toBe('events');
  });

  it('configures the resume function in its environment alone', () => {
    const resume = configureResume({ taskTokenTable: 'tokens', logsFunction: 'arn:aws:lambda:us-east-1:111122223333:function:logs' });
    expect(resume.file).toBeUndefined();
    const config = readConfiguration(resume.environment);
    expect(config.taskTokenTable).toBe('tokens');
    expect(config.logsFunction).toBe('arn:aws:lambda:us-east-1:111122223333:function:logs');
  });
});

describe('Function: readConfiguration', () => {
  it('takes a variable set in the environment over the one in the file', () => {
    const file = JSON.stringify({ [ENV.PLATFORM_ID]: 'from-file', [ENV.JOB_QUEUES]: '["file-q"]' });
    const config = readConfiguration({ [ENV.PLATFORM_ID]: 'from-environment' }, file);
    expect(config.platformId).toBe('from-environment');
    expect(config.jobQueues.map((queue) => queue.queue)).toEqual(['file-q']);
  });

  it('reads the environment alone when no file ships', () => {
    expect(readConfiguration({ [ENV.MAX_CONCURRENCY]: '3' }).maxConcurrency).toBe(3);
  });

  it('throws when the file is not JSON', () => {
    expectConfigurationError(() => readConfiguration({}, '{'), CONFIG_FILE_NAME, /^is not JSON \(.+\)$/);
  });

  it.each([['[]'], ['"text"'], ['null'], ['{"PENDANT_MAX_CONCURRENCY":3}']])('throws when the file is %s', (file) => {
    expectConfigurationError(() => readConfiguration({}, file), CONFIG_FILE_NAME, 'must be a JSON object of variables by name, each a string');
  });

  it('still names the variable of a malformed value that came from the file', () => {
    const config = readConfiguration({}, JSON.stringify({ [ENV.JOB_QUEUES]: 'not json' }));
    expectConfigurationError(() => config.jobQueues, ENV.JOB_QUEUES, /^is not JSON \(.+\)$/);
  });
});

// AWS Lambda Developer Guide, "Lambda quotas": "Environment variables: 4 KB, for all environment variables associated
// with the function, in aggregate". Lambda's refusal ("… exceeded the 4KB limit. String measured: {…}") quotes the
// variables as one JSON object: that object is what is measured.
describe('Function: environmentSize and checkEnvironmentSize', () => {
  /** A deploy-time value as the constructs see it, and the constructs' replacement of it (Tokenization.reverseString). */
  const token = (name: string) => `\${Token[${name}]}`;
  const replaceDeployTime = (value: string, standIn: string) => value.replace(/\$\{Token\[[^\]]+\]\}/g, standIn);
  const isDeployTime = (value: string) => value.includes('${Token[');
  /** A platform of `count` definitions named by `name`, each with a deploy-time revision, and one queue CloudFormation names. */
  const platformOf = (count: number, name: (index: number) => string): PlatformDeclarations => ({
    jobDefinitions: Object.fromEntries(Array.from({ length: count }, (_, index) => [name(index), { definition: `Stack-${name(index)}`, revision: token(`revision${index}`) }])),
    jobQueues: [{ queue: token('queue'), platform: 'FARGATE' }],
    platformId: 'Test-Platform',
    idempotencyTable: token('table'),
  });

  it('measures the variables as one JSON object in UTF-8, quotes and escapes included', () => {
    expect(MAX_ENVIRONMENT_BYTES).toBe(4096);
    expect(environmentSize({ A: 'b' }, replaceDeployTime)).toEqual({ least: 9, typical: 9, variables: { A: { least: 7, typical: 7 } } });
    // `{"Q":"[\"q\"]","N":"é"}`: the quotes of a JSON value are escaped, é is two bytes.
    expect(environmentSize({ Q: '["q"]', N: 'é' }, replaceDeployTime).least).toBe(24);
    expect(environmentSize({}, replaceDeployTime).least).toBe(2);
  });

  it('counts a deploy-time value at one character at the least, a revision at five digits and a name at 64 characters typically', () => {
    expect(DEPLOY_TIME_VALUE_BYTES).toEqual({ least: 1, revision: 5, name: 64 });
    const size = environmentSize({ [ENV.JOB_DEFINITION_REVISIONS]: `align=${token('a')},call=${token('b')}`, [ENV.IDEMPOTENCY_TABLE]: token('table') }, replaceDeployTime);
    const revisions = `"${ENV.JOB_DEFINITION_REVISIONS}":"align=,call="`.length;
    const table = `"${ENV.IDEMPOTENCY_TABLE}":""`.length;
    expect(size.variables).toEqual({
      [ENV.JOB_DEFINITION_REVISIONS]: { least: revisions + 2, typical: revisions + 10 },
      [ENV.IDEMPOTENCY_TABLE]: { least: table + 1, typical: table + 64 },
    });
    expect(size).toMatchObject({ least: revisions + table + 3 + 3, typical: revisions + table + 3 + 74 });
  });

  it('passes an environment of exactly 4096 bytes and refuses one byte more', () => {
    // `{"X":"…"}` is 8 bytes around the value.
    expect(checkEnvironmentSize('submit', { X: 'a'.repeat(4088) }, replaceDeployTime)).toBeUndefined();
    expect(checkEnvironmentSize('submit', { X: 'a'.repeat(4089) }, replaceDeployTime)).toMatchObject({ severity: 'error' });
  });

  it('passes the platforms the scale tests build: the revisions of 30 definitions', () => {
    const configured = configureRuntimeFunctions(platformOf(30, (index) => `job-${index}`), isDeployTime);
    for (const [operation, { environment }] of Object.entries(configured)) expect(checkEnvironmentSize(operation as RuntimeOperation, environment, replaceDeployTime)).toBeUndefined();
  });

  it("refuses 300 definitions of 20-character names: submit's revisions can never fit, at a digit each", () => {
    const configured = configureRuntimeFunctions(platformOf(300, (index) => `genomics-align-${String(index).padStart(5, '0')}`), isDeployTime);
    const size = environmentSize(configured.submit.environment, replaceDeployTime);
    // `<20 characters>=<revision>,` 300 times.
    expect(size.variables[ENV.JOB_DEFINITION_REVISIONS].least).toBe(`"${ENV.JOB_DEFINITION_REVISIONS}":""`.length + 300 * 23 - 1);
    expect(checkEnvironmentSize('submit', configured.submit.environment, replaceDeployTime)).toEqual({
      severity: 'error',
      message:
        `the submit function's environment is at least ${size.least} bytes (${ENV.JOB_DEFINITION_REVISIONS} ${size.variables[ENV.JOB_DEFINITION_REVISIONS].least}) ` +
        'and Lambda allows 4096 bytes of environment variables in all (AWS Lambda Developer Guide, "Lambda quotas"): it can never deploy; shorten the declared ' +
        `job definition names, give the queues a jobQueueName so that their names ship in ${CONFIG_FILE_NAME} instead, or split the job definitions between two platforms`,
    });
  });

  it('warns of 300 definitions named job-000 to job-299: they fit at a digit a revision, not at five', () => {
    const configured = configureRuntimeFunctions(platformOf(300, (index) => `job-${String(index).padStart(3, '0')}`), isDeployTime);
    const size = environmentSize(configured.submit.environment, replaceDeployTime);
    expect(size.least).toBeLessThanOrEqual(MAX_ENVIRONMENT_BYTES);
    expect(size.typical).toBeGreaterThan(MAX_ENVIRONMENT_BYTES);
    const finding = checkEnvironmentSize('submit', configured.submit.environment, replaceDeployTime);
    expect(finding).toEqual({ severity: 'warning', message: expect.stringContaining(`the submit function's environment is about ${size.typical} bytes`) as unknown });
    expect(finding!.message).toContain('with 5-digit revisions and 64-character generated names');
    expect(finding!.message).toContain('the deployment will likely fail; shorten the declared job definition names');
    // validate reads the declarations from the file and has no revisions.
    expect(checkEnvironmentSize('validate', configured.validate.environment, replaceDeployTime)).toBeUndefined();
  });
});
