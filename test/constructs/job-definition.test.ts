import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { App } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CpuArchitecture, JobDefinition, JobDefinitionProps, JobPlatform, Parameter } from '../../lib';
import { DEFAULT_JOB_LOG_GROUP } from '../../lib/model/config';
import { actionsOf, expectValidationError, IMAGE, logicalId, newStack, resourcesFor, roleStatements } from './helpers';

jest.setTimeout(30_000);

/** A job definition alone in a fresh stack, with the template. */
function synth(props: Partial<JobDefinitionProps> = {}): { stack: Stack; definition: JobDefinition; template: Template } {
  const stack = newStack();
  const definition = new JobDefinition(stack, 'Job', { name: 'my-job', image: IMAGE, ...props });
  return { stack, definition, template: Template.fromStack(stack) };
}

function container(template: Template): Record<string, unknown> {
  const definitions = Object.values(template.findResources('AWS::Batch::JobDefinition'));
  expect(definitions).toHaveLength(1);
  return definitions[0].Properties.ContainerProperties;
}

/** Asserts that building a definition of `props` throws, naming the definition. */
function expectRejected(props: Partial<JobDefinitionProps>, ...fragments: Array<string | RegExp>): void {
  const name = props.name ?? 'my-job';
  expectValidationError(() => synth({ ...props, name }), `job definition ${JSON.stringify(name)} (Test/Job): `, ...fragments);
}

describe('JobDefinition', () => {
  describe('with defaults', () => {
    const { stack, definition, template } = synth();

    it('is a Fargate container job definition under its name and a suffix of its stack', () => {
      template.resourceCountIs('AWS::Batch::JobDefinition', 1);
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        Type: 'container',
        JobDefinitionName: definition.physicalName,
        PlatformCapabilities: ['FARGATE'],
        Parameters: {},
      });
      expect(definition.physicalName).toMatch(/^my-job-[0-9a-f]{8}$/);
      expect(definition.platform).toBe(JobPlatform.FARGATE);
      expect(definition.name).toBe('my-job');
    });

    it('runs on X86_64 Linux, said explicitly as the runtime platform (AWS Batch API Reference, RuntimePlatform)', () => {
      expect(definition.architecture).toBe(CpuArchitecture.X86_64);
      expect(container(template).RuntimePlatform).toEqual({ CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' });
    });

    it('runs the image on 1 vCPU and 2 GiB, without a public IP', () => {
      expect(container(template)).toMatchObject({
        Image: 'public.ecr.aws/docker/library/busybox:stable',
        ResourceRequirements: [
          { Type: 'MEMORY', Value: '2048' },
          { Type: 'VCPU', Value: '1' },
        ],
        NetworkConfiguration: { AssignPublicIp: 'DISABLED' },
      });
      expect(container(template).Command).toBeUndefined();
    });

    it('mounts the root filesystem read-only', () => {
      expect(container(template).ReadonlyRootFilesystem).toBe(true);
    });

    // AWS Batch User Guide, "Automated job retries": evaluateOnExit rules are tried in order, the first match wins;
    // an interrupted Fargate Spot task stops with "Your Spot Task was interrupted.".
    it('retries three times when Fargate Spot interrupts the task, before the catch-all exit on any exit code', () => {
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        RetryStrategy: {
          Attempts: 3,
          EvaluateOnExit: [
            { Action: 'RETRY', OnStatusReason: 'Your Spot Task was interrupted*' },
            { Action: 'EXIT', OnExitCode: '*' },
          ],
        },
      });
    });

    it('mounts a writable scratch volume at /tmp, a bind mount on ephemeral storage with no host (AWS Batch API Reference, Volume: host is not for Fargate)', () => {
      expect(container(template).Volumes).toEqual([{ Name: 'scratch' }]);
      expect(container(template).MountPoints).toEqual([{ ContainerPath: '/tmp', SourceVolume: 'scratch' }]);
    });

    it('keeps the previous revision ACTIVE when a deploy registers a new one', () => {
      template.hasResourceProperties('AWS::Batch::JobDefinition', { ResourceRetentionPolicy: { SkipDeregisterOnUpdate: true } });
    });

    it('sets no attempt timeout', () => {
      const properties = Object.values(template.findResources('AWS::Batch::JobDefinition'))[0].Properties;
      expect(properties.Timeout?.AttemptDurationSeconds).toBeUndefined();
    });

    it('logs through awslogs to a log group of its own kept one month, not /aws/batch/job', () => {
      template.resourceCountIs('AWS::Logs::LogGroup', 1);
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
      expect(container(template).LogConfiguration).toEqual({
        LogDriver: 'awslogs',
        Options: {
          'awslogs-group': { Ref: logicalId(definition.logGroup) },
          'awslogs-stream-prefix': 'my-job',
          'awslogs-region': { Ref: 'AWS::Region' },
        },
      });
      expect(JSON.stringify(template.toJSON())).not.toContain(DEFAULT_JOB_LOG_GROUP);
    });

    it('runs with an execution role of its own that may write only to its log group, and no job role', () => {
      template.resourceCountIs('AWS::IAM::Role', 1);
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })] }),
        ManagedPolicyArns: Match.absent(),
      });
      expect(container(template)).toMatchObject({ ExecutionRoleArn: { 'Fn::GetAtt': [logicalId(definition.executionRole), 'Arn'] } });
      expect(container(template).JobRoleArn).toBeUndefined();
      const statements = roleStatements(template, logicalId(definition.executionRole));
      expect(actionsOf(statements)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(resourcesFor(statements, 'logs:PutLogEvents')).toEqual([{ 'Fn::GetAtt': [logicalId(definition.logGroup), 'Arn'] }]);
    });

    it('exposes the registered revision as the seventh field of its ARN', () => {
      expect(stack.resolve(definition.jobDefinitionArn)).toEqual({ Ref: logicalId(definition.jobDefinition) });
      expect(stack.resolve(definition.revision)).toEqual({
        'Fn::Select': [6, { 'Fn::Split': [':', { Ref: logicalId(definition.jobDefinition) }] }],
      });
    });
  });

  describe('retries on EC2', () => {
    // AWS Batch User Guide, "Automated job retries": a reclaimed EC2 Spot instance shows a status reason "Host EC2…".
    it('retries a reclaimed Spot instance before the catch-all exit', () => {
      const { template } = synth({ platform: JobPlatform.EC2 });
      const properties = Object.values(template.findResources('AWS::Batch::JobDefinition'))[0].Properties;
      expect(properties.RetryStrategy.EvaluateOnExit).toEqual([
        { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
        { Action: 'EXIT', OnExitCode: '*' },
      ]);
    });
  });

  describe('default memory (AWS Batch User Guide, "Job definition parameters for ECS": MEMORY on Fargate)', () => {
    it.each([
      [0.25, 512],
      [0.5, 1024],
      [1, 2048],
      [2, 4096],
      [4, 8192],
      [8, 16384],
      [16, 32768],
    ])('is the smallest Fargate size for %p vCPU: %p MiB', (vcpus, mebibytes) => {
      expect(container(synth({ vcpus }).template).ResourceRequirements).toEqual(
        expect.arrayContaining([{ Type: 'MEMORY', Value: String(mebibytes) }]),
      );
    });

    it.each([
      [1, 2048],
      [4, 8192],
      [6, 12288],
    ])('is 2 GiB per vCPU on EC2: %p vCPU, %p MiB', (vcpus, mebibytes) => {
      expect(container(synth({ platform: JobPlatform.EC2, vcpus }).template).ResourceRequirements).toEqual(
        expect.arrayContaining([{ Type: 'MEMORY', Value: String(mebibytes) }]),
      );
    });
  });

  describe('architecture', () => {
    it('gives an ARM64 Fargate definition an ARM64 Linux runtime platform', () => {
      const { definition, template } = synth({ architecture: CpuArchitecture.ARM64 });
      expect(definition.architecture).toBe(CpuArchitecture.ARM64);
      expect(container(template).RuntimePlatform).toEqual({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
    });

    it('leaves the runtime platform out on EC2, where the instance decides', () => {
      const { definition, template } = synth({ platform: JobPlatform.EC2, architecture: CpuArchitecture.ARM64 });
      expect(definition.architecture).toBe(CpuArchitecture.ARM64);
      expect(container(template).RuntimePlatform).toBeUndefined();
    });
  });

  describe('physical name (AWS Batch: a job definition name is account- and Region-wide)', () => {
    function physicalNameIn(stackName: string, props: Partial<JobDefinitionProps> = {}): string {
      const stack = new Stack(new App(), 'Platform', { stackName });
      const definition = new JobDefinition(stack, 'Job', { name: 'my-job', image: IMAGE, ...props });
      const properties = Object.values(Template.fromStack(stack).findResources('AWS::Batch::JobDefinition'))[0].Properties;
      expect(properties.JobDefinitionName).toBe(definition.physicalName);
      return definition.physicalName;
    }

    it('differs between two stacks declaring the same name, so they never share a revision sequence', () => {
      const dev = physicalNameIn('dev-platform');
      const prod = physicalNameIn('prod-platform');
      expect(dev).not.toBe(prod);
      expect(dev).toMatch(/^my-job-[0-9a-f]{8}$/);
      expect(physicalNameIn('dev-platform')).toBe(dev);
    });

    it('takes an explicit physical name', () => {
      expect(physicalNameIn('dev-platform', { physicalName: 'shared-my-job' })).toBe('shared-my-job');
    });

    it('stays within 128 characters for the longest declared name', () => {
      const name = 'n'.repeat(128);
      const physical = physicalNameIn('dev-platform', { name });
      expect(physical).toHaveLength(128);
      expect(physical).toMatch(/^n{119}-[0-9a-f]{8}$/);
    });

    it('throws when the physical name is invalid', () => {
      expectRejected({ physicalName: 'bad name' }, 'physicalName must be 1 to 128 letters');
    });
  });

  describe('scratch and volumes', () => {
    it('mounts the scratch volume on EC2 as a Docker-managed host volume', () => {
      const properties = container(synth({ platform: JobPlatform.EC2 }).template);
      expect(properties.Volumes).toEqual([{ Name: 'scratch', Host: {} }]);
      expect(properties.MountPoints).toEqual([{ ContainerPath: '/tmp', SourceVolume: 'scratch' }]);
    });

    it('mounts scratch where scratchPath says', () => {
      expect(container(synth({ scratchPath: '/scratch' }).template).MountPoints).toEqual([{ ContainerPath: '/scratch', SourceVolume: 'scratch' }]);
    });

    it('mounts no scratch volume when scratch is false', () => {
      const properties = container(synth({ scratch: false }).template);
      expect(properties.Volumes ?? []).toEqual([]);
      expect(properties.ReadonlyRootFilesystem).toBe(true);
    });

    it('mounts no scratch volume when the root filesystem is writable', () => {
      const properties = container(synth({ readonlyRootFilesystem: false }).template);
      expect(properties.Volumes ?? []).toEqual([]);
      expect(properties.ReadonlyRootFilesystem).toBe(false);
    });

    it('mounts EFS and host volumes after the scratch volume, a host volume on Fargate without host', () => {
      const stack = newStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
      const fileSystem = new efs.FileSystem(stack, 'Fs', { vpc });
      new JobDefinition(stack, 'Job', {
        name: 'my-job',
        image: IMAGE,
        volumes: [
          batch.EcsVolume.efs({ name: 'shared', fileSystem, containerPath: '/shared' }),
          batch.EcsVolume.host({ name: 'work', containerPath: '/work' }),
        ],
      });
      const properties = container(Template.fromStack(stack));
      expect(properties.Volumes).toEqual([
        { Name: 'scratch' },
        { Name: 'shared', EfsVolumeConfiguration: expect.objectContaining({ FileSystemId: expect.anything() }) },
        { Name: 'work' },
      ]);
      expect(properties.MountPoints).toEqual([
        { ContainerPath: '/tmp', SourceVolume: 'scratch' },
        expect.objectContaining({ ContainerPath: '/shared', SourceVolume: 'shared' }),
        expect.objectContaining({ ContainerPath: '/work', SourceVolume: 'work' }),
      ]);
    });

    it('throws when a Fargate host volume has a host path (AWS Batch API Reference, Host: not for Fargate)', () => {
      expectRejected({ volumes: [batch.EcsVolume.host({ name: 'data', containerPath: '/data', hostPath: '/data' })] }, 'volume "data" has hostPath "/data", which Fargate does not take');
    });

    it('throws when a volume takes the scratch name or path', () => {
      expectRejected({ volumes: [batch.EcsVolume.host({ name: 'scratch', containerPath: '/data' })] }, 'volume name "scratch" is the scratch volume\'s');
      expectRejected({ volumes: [batch.EcsVolume.host({ name: 'data', containerPath: '/tmp' })] }, 'volume "data" is mounted at the scratch path /tmp');
    });

    it('throws when ephemeral storage could not be used: read-only root, no scratch, no volume', () => {
      expectRejected({ scratch: false, ephemeralStorage: Size.gibibytes(50) }, 'ephemeralStorage is given, but the root filesystem is read-only and no volume is mounted');
    });

    it('throws when scratchPath is relative, or given with scratch off', () => {
      expectRejected({ scratchPath: 'tmp' }, 'scratchPath must be an absolute path, got "tmp"');
      expectRejected({ scratch: false, scratchPath: '/scratch' }, 'scratchPath is given but scratch is false');
    });
  });

  describe('parameter access for the job role', () => {
    const parameters = {
      input: Parameter.s3Object({ mustExist: true, within: ['s3://inputs/runs/'] }),
      reference: Parameter.s3Object({ within: ['s3://refs/genomes/'] }),
      output: Parameter.s3Prefix({ within: ['s3://results/out/'] }),
      anywhere: Parameter.s3Prefix(),
    };
    const command = ['run', 'Ref::input', 'Ref::reference', 'Ref::output', 'Ref::anywhere'];

    it('gives the job a role of its own that reads every S3 parameter\'s within and lists and writes the prefix outputs\' within', () => {
      const { definition, template } = synth({ parameters, command });
      expect(definition.jobRole).toBeDefined();
      expect(container(template).JobRoleArn).toEqual({ 'Fn::GetAtt': [logicalId(definition.jobRole!), 'Arn'] });
      const statements = roleStatements(template, logicalId(definition.jobRole!));
      const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${resource}`]] });
      expect(resourcesFor(statements, 's3:GetObject')).toEqual([arn('inputs/runs/*'), arn('refs/genomes/*'), arn('results/out/*')]);
      expect(resourcesFor(statements, 's3:PutObject')).toEqual([arn('results/out/*')]);
      const list = statements.find((statement) => statement.Action === 's3:ListBucket');
      expect(list).toMatchObject({ Resource: arn('results'), Condition: { StringLike: { 's3:prefix': ['out/*'] } } });
      expect(actionsOf(statements)).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    });

    it('grants the given job role instead of making one', () => {
      const stack = newStack();
      const jobRole = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      const definition = new JobDefinition(stack, 'Job', { name: 'my-job', image: IMAGE, parameters, command, jobRole });
      expect(definition.jobRole).toBe(jobRole);
      const template = Template.fromStack(stack);
      expect(actionsOf(roleStatements(template, logicalId(jobRole)))).toContain('s3:GetObject');
    });

    it('grants nothing and makes no role when grantParameterAccess is false', () => {
      const { definition, template } = synth({ parameters, command, grantParameterAccess: false });
      expect(definition.jobRole).toBeUndefined();
      expect(container(template).JobRoleArn).toBeUndefined();
    });

    it('makes no role when no S3 parameter declares within', () => {
      const { definition } = synth({ parameters: { anywhere: Parameter.s3Prefix() }, command: ['run', 'Ref::anywhere'] });
      expect(definition.jobRole).toBeUndefined();
    });
  });

  describe('parameters', () => {
    const { definition, template } = synth({
      command: ['run', '--text', 'Ref::text', '--threads', 'Ref::threads', 'Ref::dry_run', 'Ref::mode', 'Ref::input', 'Ref::output', 'Ref::tag'],
      parameters: {
        text: Parameter.string({ default: 'hello' }),
        threads: Parameter.integer({ min: 1, max: 16, default: 4 }),
        dry_run: Parameter.boolean({ default: false }),
        mode: Parameter.enum(['fast', 'slow'], { default: 'fast' }),
        input: Parameter.s3Object({ mustExist: true, within: ['s3://my-inputs/in/'], default: 's3://my-inputs/in/sample.csv' }),
        output: Parameter.s3Prefix({ default: 's3://my-outputs/out/' }),
        tag: Parameter.string({ description: 'required: no default' }),
      },
    });

    it('renders the defaults into Parameters as strings, leaving required ones out', () => {
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        Parameters: {
          text: 'hello',
          threads: '4',
          dry_run: 'false',
          mode: 'fast',
          input: 's3://my-inputs/in/sample.csv',
          output: 's3://my-outputs/out/',
        },
      });
    });

    it('keeps the Ref:: placeholders in the command', () => {
      expect(container(template).Command).toEqual([
        'run', '--text', 'Ref::text', '--threads', 'Ref::threads', 'Ref::dry_run', 'Ref::mode', 'Ref::input', 'Ref::output', 'Ref::tag',
      ]);
    });

    it('exposes the declarations', () => {
      expect(Object.keys(definition.parameters)).toEqual(['text', 'threads', 'dry_run', 'mode', 'input', 'output', 'tag']);
      expect(definition.parameters.threads._spec).toEqual({ type: 'integer', min: 1, max: 16, default: 4 });
    });

    it('throws when the command references an undeclared parameter', () => {
      expectRejected(
        { command: ['echo', 'Ref::x'], parameters: {} },
        'the command references Ref::x, but x is not a declared parameter',
      );
    });

    it('throws when a declared parameter is unused', () => {
      expectRejected(
        { command: ['echo', 'Ref::used'], parameters: { used: Parameter.string(), unused: Parameter.string() } },
        'parameter unused is declared but no command uses Ref::unused',
      );
    });

    it('throws when parameters are declared but the image keeps its own command', () => {
      expectRejected({ parameters: { x: Parameter.string() } }, 'parameter x is declared but no command uses Ref::x');
    });

    it('throws naming every problem at once', () => {
      expectRejected(
        { name: 'two-problems', command: ['echo', 'Ref::typo'], parameters: { type: Parameter.string() } },
        'the command references Ref::typo, but typo is not a declared parameter; parameter type is declared but no command uses Ref::type',
      );
    });

    it.each([
      ['no within', Parameter.s3Object({ mustExist: true })],
      ['an empty within', Parameter.s3Object({ mustExist: true, within: [] })],
    ])('throws when a must-exist S3 parameter has %s', (_case, spec) => {
      expectRejected(
        { command: ['cat', 'Ref::input'], parameters: { input: spec } },
        'parameter "input": must exist, so it needs "within": the S3 prefixes the runtime functions may read',
      );
    });

    it('accepts an S3 parameter that need not exist without within', () => {
      expect(() => synth({ command: ['cat', 'Ref::input'], parameters: { input: Parameter.s3Object() } })).not.toThrow();
    });

    it('renders a number default as its decimal string and an s3Objects default as a JSON array string', () => {
      const { template: rendered } = synth({
        command: ['merge', 'Ref::parts', 'Ref::ratio'],
        parameters: {
          parts: Parameter.s3Objects({ within: ['s3://parts/'], default: ['s3://parts/a.fq', 's3://parts/b.fq'] }),
          ratio: Parameter.number({ default: 0.25 }),
        },
      });
      rendered.hasResourceProperties('AWS::Batch::JobDefinition', { Parameters: { parts: '["s3://parts/a.fq","s3://parts/b.fq"]', ratio: '0.25' } });
    });

    it('throws when a default breaks its own declaration', () => {
      expectRejected(
        { command: ['run', 'Ref::threads'], parameters: { threads: Parameter.integer({ min: 1, max: 16, default: 64 }) } },
        'parameter "threads": default must be between 1 and 16, got 64',
      );
    });

    it('throws when a within entry is not an S3 URI', () => {
      expectRejected(
        { command: ['cat', 'Ref::input'], parameters: { input: Parameter.s3Object({ mustExist: true, within: ['/local/path'] }) } },
        'parameter "input": within entry "/local/path" is not an S3 URI',
      );
    });
  });

  describe('container props', () => {
    it('runs the given command, vCPUs and memory', () => {
      const { template } = synth({ command: ['python', 'main.py'], vcpus: 4, memory: Size.gibibytes(16) });
      expect(container(template)).toMatchObject({
        Command: ['python', 'main.py'],
        ResourceRequirements: [
          { Type: 'MEMORY', Value: '16384' },
          { Type: 'VCPU', Value: '4' },
        ],
      });
    });

    it('sets environment variables', () => {
      const { template } = synth({ environment: { STAGE: 'prod', LEVEL: '3' } });
      expect(container(template).Environment).toEqual([
        { Name: 'STAGE', Value: 'prod' },
        { Name: 'LEVEL', Value: '3' },
      ]);
    });

    it('reads secrets at start and lets the execution role read them', () => {
      const stack = newStack();
      const secret = new secretsmanager.Secret(stack, 'Token');
      const definition = new JobDefinition(stack, 'Job', { name: 'my-job', image: IMAGE, secrets: { TOKEN: batch.Secret.fromSecretsManager(secret) } });
      const template = Template.fromStack(stack);
      expect(container(template).Secrets).toEqual([{ Name: 'TOKEN', ValueFrom: { Ref: logicalId(secret) } }]);
      const statements = roleStatements(template, logicalId(definition.executionRole));
      expect(resourcesFor(statements, 'secretsmanager:GetSecretValue')).toEqual([{ Ref: logicalId(secret) }]);
    });

    it('gives Fargate jobs the ephemeral storage asked for', () => {
      const { template } = synth({ ephemeralStorage: Size.gibibytes(100) });
      expect(container(template).EphemeralStorage).toEqual({ SizeInGiB: 100 });
    });

    it('stops an attempt after the timeout', () => {
      const { template } = synth({ timeout: Duration.hours(2) });
      template.hasResourceProperties('AWS::Batch::JobDefinition', { Timeout: { AttemptDurationSeconds: 7200 } });
    });

    it('takes retry attempts and strategies', () => {
      const { template } = synth({
        retryAttempts: 5,
        retryStrategies: [batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onExitCode: '137' }))],
      });
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        RetryStrategy: { Attempts: 5, EvaluateOnExit: [{ Action: 'RETRY', OnExitCode: '137' }] },
      });
    });

    it('mounts the root filesystem read-write when asked', () => {
      const { template } = synth({ readonlyRootFilesystem: false });
      expect(container(template).ReadonlyRootFilesystem).toBe(false);
    });

    it('deregisters the previous revision when keepPreviousRevisions is false', () => {
      const { template } = synth({ keepPreviousRevisions: false });
      template.hasResourceProperties('AWS::Batch::JobDefinition', { ResourceRetentionPolicy: { SkipDeregisterOnUpdate: false } });
    });

    it('runs as the given job role', () => {
      const stack = newStack();
      const jobRole = new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      new JobDefinition(stack, 'Job', { name: 'my-job', image: IMAGE, jobRole });
      expect(container(Template.fromStack(stack)).JobRoleArn).toEqual({ 'Fn::GetAtt': [logicalId(jobRole), 'Arn'] });
    });

    it('uses the given execution role and log group instead of making its own', () => {
      const stack = newStack();
      const executionRole = new iam.Role(stack, 'Shared', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      const logGroup = new logs.LogGroup(stack, 'JobLogs', { retention: logs.RetentionDays.ONE_WEEK });
      const definition = new JobDefinition(stack, 'Job', { name: 'my-job', image: IMAGE, executionRole, logGroup });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::IAM::Role', 1);
      template.resourceCountIs('AWS::Logs::LogGroup', 1);
      expect(definition.executionRole).toBe(executionRole);
      expect(definition.logGroup).toBe(logGroup);
      expect(container(template)).toMatchObject({
        ExecutionRoleArn: { 'Fn::GetAtt': [logicalId(executionRole), 'Arn'] },
        LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': { Ref: logicalId(logGroup) } } },
      });
    });

    it('runs on EC2 with GPUs, any vCPU and memory, and no Fargate network settings', () => {
      const { definition, template } = synth({ platform: JobPlatform.EC2, vcpus: 3, memory: Size.mebibytes(5000), gpus: 1 });
      expect(definition.platform).toBe(JobPlatform.EC2);
      template.hasResourceProperties('AWS::Batch::JobDefinition', { PlatformCapabilities: ['EC2'] });
      const properties = container(template);
      expect(properties.ResourceRequirements).toEqual(
        expect.arrayContaining([
          { Type: 'VCPU', Value: '3' },
          { Type: 'MEMORY', Value: '5000' },
          { Type: 'GPU', Value: '1' },
        ]),
      );
      expect(properties.NetworkConfiguration).toBeUndefined();
      expect(properties.ReadonlyRootFilesystem).toBe(true);
    });
  });

  describe('overrides (what callers of submit may change)', () => {
    it('allows nothing by default', () => {
      expect(synth().definition.overrides).toEqual({});
    });

    it('keeps the policy it is given and the resources it reserves', () => {
      const { definition } = synth({ vcpus: 2, memory: Size.gibibytes(4), overrides: { command: true, environment: ['SAMPLE'], maxVcpus: 4, maxMemoryMebibytes: 8192 } });
      expect(definition.overrides).toEqual({ command: true, environment: ['SAMPLE'], maxVcpus: 4, maxMemoryMebibytes: 8192 });
      expect(definition.resources).toEqual({ vcpus: 2, memoryMiB: 4096 });
    });

    it.each<[string, Partial<JobDefinitionProps>, string]>([
      ['a reserved environment name', { overrides: { environment: ['AWS_BATCH_JOB_ID'] } }, 'overrides.environment: "AWS_BATCH_JOB_ID" is not an environment variable name'],
      ['an environment name with a space', { overrides: { environment: ['MY VAR'] } }, 'overrides.environment: "MY VAR" is not an environment variable name'],
      ['a vCPU bound Fargate does not have', { overrides: { maxVcpus: 3 } }, "overrides.maxVcpus must be one of Fargate's 0.25, 0.5, 1, 2, 4, 8, 16, got 3"],
      ['a fractional vCPU bound on EC2', { platform: JobPlatform.EC2, overrides: { maxVcpus: 1.5 } }, 'overrides.maxVcpus must be a whole number from 1 to 256, got 1.5'],
      ['a memory bound under 4 MiB', { overrides: { maxMemoryMebibytes: 2 } }, 'overrides.maxMemoryMebibytes must be a whole number of MiB from 4 to 4194304, got 2'],
      ['a GPU bound on Fargate', { overrides: { maxGpus: 1 } }, 'overrides.maxGpus needs the EC2 platform; Fargate has no GPUs'],
    ])('throws for %s', (_what, props, message) => {
      expectRejected(props, message);
    });
  });

  describe('validation', () => {
    it.each(['bad name', '-leading-dash', 'dots.are.out', '', 'x'.repeat(129)])('throws when the name is %p', (name) => {
      expectValidationError(
        () => synth({ name }),
        `job definition ${JSON.stringify(name)} (Test/Job): name must be 1 to 128 letters, digits, "-" or "_", starting with a letter or digit`,
      );
    });

    it.each([
      [0.25, 512],
      [0.25, 2048],
      [0.5, 3072],
      [1, 8192],
      [2, 4096],
      [4, 30720],
      [8, 20480],
      [16, 122880],
    ])('accepts Fargate with %p vCPU and %p MiB', (vcpus, mebibytes) => {
      expect(() => synth({ vcpus, memory: Size.mebibytes(mebibytes) })).not.toThrow();
    });

    it.each([
      [0.25, 1536, '512, 1024, 2048'],
      [0.5, 512, '1024 to 4096 in steps of 1024'],
      [1, 2560, '2048 to 8192 in steps of 1024'],
      [1, 9216, '2048 to 8192 in steps of 1024'],
      [4, 31744, '8192 to 30720 in steps of 1024'],
      [8, 18432, '16384 to 61440 in steps of 4096'],
      [16, 36864, '32768 to 122880 in steps of 8192'],
    ])('throws when Fargate has %p vCPU and %p MiB', (vcpus, mebibytes, choices) => {
      expectRejected({ vcpus, memory: Size.mebibytes(mebibytes) }, `Fargate with ${vcpus} vCPU takes ${choices} MiB of memory, got ${mebibytes}`);
    });

    it.each([3, 0.75, 32])('throws when Fargate has %p vCPUs', (vcpus) => {
      expectRejected({ vcpus }, `Fargate vcpus must be one of 0.25, 0.5, 1, 2, 4, 8, 16, got ${vcpus}`);
    });

    it('throws when a Fargate job asks for GPUs', () => {
      expectRejected({ gpus: 1 }, 'gpus need the EC2 platform; Fargate has no GPUs');
    });

    it('throws when an EC2 job asks for ephemeral storage', () => {
      expectRejected({ platform: JobPlatform.EC2, ephemeralStorage: Size.gibibytes(50) }, 'ephemeralStorage applies to Fargate only');
    });

    it.each([0, 11, 2.5])('throws when retryAttempts is %p', (retryAttempts) => {
      expectRejected({ retryAttempts }, `retryAttempts must be an integer from 1 to 10, got ${retryAttempts}`);
    });

    it.each([1, 10])('accepts retryAttempts %p', (retryAttempts) => {
      const { template } = synth({ retryAttempts });
      template.hasResourceProperties('AWS::Batch::JobDefinition', { RetryStrategy: Match.objectLike({ Attempts: retryAttempts }) });
    });

    it('throws when given more than five retry strategies', () => {
      const strategy = batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.CANNOT_PULL_CONTAINER);
      expectRejected({ retryStrategies: Array.from({ length: 6 }, () => strategy) }, 'at most 5 retryStrategies, got 6');
    });

    // AWS Batch User Guide, "Automated job retries": evaluateOnExit rules are tried in order, the first match wins.
    it('throws when a catch-all exit comes before other retry strategies, such as a Spot retry', () => {
      expectRejected(
        {
          retryStrategies: [
            batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.NON_ZERO_EXIT_CODE),
            batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
          ],
        },
        'retryStrategies[0] exits on any exit code, so the 1 after it can never match; put the catch-all last',
      );
    });

    it('throws when the timeout is under 60 seconds', () => {
      expectRejected({ timeout: Duration.seconds(59) }, 'timeout must be at least 60 seconds, got 59 seconds');
    });

    it('accepts a timeout of exactly 60 seconds', () => {
      synth({ timeout: Duration.seconds(60) }).template.hasResourceProperties('AWS::Batch::JobDefinition', {
        Timeout: { AttemptDurationSeconds: 60 },
      });
    });
  });
});
