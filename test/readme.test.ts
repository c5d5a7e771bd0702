import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { IConstruct } from 'constructs';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BatchPlatform, ComputeEnvironment, ComputeKind, JobDefinition, JobEvents, JobPlatform, JobQueue, PlatformMonitoring, RuntimeFunctions, ValidationError } from '../lib';
import { checkOverrides } from '../lib/model/overrides';
import { ERROR_TYPES } from '../lib/model/errors';
import { PARAMETER_KINDS } from '../lib/model/parameter-kinds';
import { batchRuleViolations } from './app/batch-rules';

const root = join(__dirname, '..');

/** The README's TypeScript blocks, each as the module it is meant to be. */
function snippets(): Array<{ file: string; source: string }> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match, index) => ({
    // Where a user's own test would sit: `../bin/…` is the app, `pendant/…` resolves through the paths below.
    file: join(root, 'test', `readme-snippet-${index + 1}.ts`),
    source: match[1],
  }));
}

/** The modules a snippet imports as a user would, resolved to the source tree. */
const PACKAGE_MODULES: Record<string, string> = {
  pendant: '../lib',
  'pendant/model': '../lib/model',
  'pendant/client': '../lib/client',
  'pendant/testing': '../lib/testing',
};

/**
 * Runs a snippet as the CommonJS module it compiles to, and answers the apps it made. `aws-cdk-lib`'s `App` is
 * swapped for one that records itself; everything else is the real module.
 */
function runSnippet(source: string): cdk.App[] {
  const apps: cdk.App[] = [];
  class RecordingApp extends cdk.App {
    public constructor(props?: cdk.AppProps) {
      super(props);
      apps.push(this);
    }
  }
  const recordingCdk = new Proxy(cdk, { get: (target, key) => (key === 'App' ? RecordingApp : Reflect.get(target, key)) });
  const snippetRequire = (name: string): unknown => {
    if (name === 'aws-cdk-lib') return recordingCdk;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the snippet's own require, resolved at run time
    return require(PACKAGE_MODULES[name] ?? name);
  };
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  const module = { exports: {} };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- running the README's snippet as a module is the test
  new Function('require', 'module', 'exports', outputText)(snippetRequire, module, module.exports);
  return apps;
}

function isPendantConstruct(construct: IConstruct): boolean {
  return [BatchPlatform, ComputeEnvironment, JobQueue, JobDefinition, RuntimeFunctions, JobEvents, PlatformMonitoring].some((type) => construct instanceof type);
}

/** The snippets that build a stack: each is run, synthesized and checked. */
function stackSnippets(): Array<{ file: string; source: string }> {
  return snippets().filter(({ source }) => /\bnew Stack\(/.test(source));
}

describe('README', () => {
  it('lists every parameter kind as PARAMETER_KINDS describes it, in its order', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const rows = Object.values(PARAMETER_KINDS).map(({ doc }) => `| \`${doc.builder}\` | ${doc.accepts} | ${doc.rules} |`.replace(/ {2}\|$/, ' |'));
    const table = ['| builder | accepts | rules |', '| --- | --- | --- |', ...rows].join('\n');
    expect(readme).toContain(`${table}\n\n`);
  });

  it('lists every error type a function answers with, exactly those of ERROR_TYPES', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const paragraph = /^Errors \(the `errorType` Lambda reports[\s\S]*?Errors of the services themselves/m.exec(readme)?.[0] ?? '';
    const listed = [...paragraph.slice(paragraph.indexOf(': ')).matchAll(/`([A-Za-z0-9]+Error)`/g)].map((match) => match[1]);
    expect(listed).toEqual([...ERROR_TYPES]);
  });

  it('has snippets that build stacks', () => {
    expect(stackSnippets().length).toBeGreaterThanOrEqual(3);
  });

  // AWS Batch User Guide, "Use GPU workloads on AWS Batch": a job that reserves GPUs waits in RUNNABLE on instance
  // types without them; c7g is Graviton (ARM64) with no GPU, and the alpine image runs on either.
  it('refused the render example as it stood before issue 9: gpus: 1 on c7g.4xlarge, an x86 definition on Graviton', () => {
    const stack = new cdk.Stack(new cdk.App(), 'Batch');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const spot = new ComputeEnvironment(stack, 'Spot', { kind: ComputeKind.EC2_SPOT, vpc, instanceTypes: [new ec2.InstanceType('c7g.4xlarge')] });
    const queue = new JobQueue(stack, 'Queue', { computeEnvironments: [spot] });
    const logGroup = new logs.LogGroup(stack, 'JobLogs', { retention: logs.RetentionDays.ONE_MONTH });
    const render = new JobDefinition(stack, 'Render', {
      name: 'render',
      platform: JobPlatform.EC2,
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/alpine:3'),
      vcpus: 8,
      memory: cdk.Size.gibibytes(16),
      gpus: 1,
      logGroup,
    });
    let attempt = 0;
    // A construct that throws in its constructor stays in the tree: each attempt takes an id of its own.
    const build = () => new RuntimeFunctions(stack, `Runtime${(attempt += 1)}`, { jobDefinitions: [render], jobQueues: [queue], jobLogGroup: logGroup });
    expect(build).toThrow(ValidationError);
    expect(build).toThrow('job definition "render" reserves 1 GPU, but no compute environment of queue Queue has GPU instance types');
    expect(build).toThrow('job definition "render" is X86_64, but queue Queue has compute environment Spot (EC2_SPOT) that runs ARM64 only');
  });

  // "The README's examples deploy as written": synthesized (aws-cdk-lib's own validation and pendant's), with no
  // cdk-nag AwsSolutions finding and every Batch rule kept.
  describe.each(stackSnippets().map(({ file, source }) => [file.slice(root.length + 1), source] as const))('snippet %s', (_file, source) => {
    let stacks: cdk.Stack[];
    beforeAll(() => {
      stacks = runSnippet(source).flatMap((app) => app.node.findAll().filter((construct): construct is cdk.Stack => cdk.Stack.isStack(construct)));
    }, 120_000);

    it('synthesizes every stack it builds, keeping the Batch rules', () => {
      expect(stacks.length).toBeGreaterThan(0);
      for (const stack of stacks) {
        const template = Template.fromStack(stack);
        expect({ stack: stack.stackName, violations: batchRuleViolations(template) }).toEqual({ stack: stack.stackName, violations: [] });
      }
    });

    // The snippets' own VPCs and state machines are the reader's to configure; what pendant makes draws no finding.
    it('passes the cdk-nag AwsSolutions checks on everything pendant makes', () => {
      for (const stack of stacks) {
        const pendant = stack.node.findAll().filter(isPendantConstruct).map((construct) => `${construct.node.path}/`);
        const findings = new AwsSolutionsChecks()
          .validateScope(stack)
          .violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.constructPath ?? ''}`))
          .filter((finding) => pendant.some((path) => finding.split(' ')[1].startsWith(path)));
        expect({ stack: stack.stackName, findings }).toEqual({ stack: stack.stackName, findings: [] });
      }
    });
  });

  // "A request may set SAMPLE and ask for more (Fargate-sized) vCPUs and memory, up to its overrides; a request that
  // replaces the command or sets any other variable is refused."
  it("ships the platform snippet's override policy to submit, which refuses the command and any other variable", () => {
    const [snippet] = stackSnippets().filter(({ source }) => source.includes("new Stack(app, 'Genomics')"));
    const [app] = runSnippet(snippet.source);
    const platform = app.node.findAll().find((construct): construct is BatchPlatform => construct instanceof BatchPlatform)!;
    const align = platform.jobDefinitions.find((definition) => definition.name === 'align')!;
    expect(align.overrides).toEqual({ environment: ['SAMPLE'], maxVcpus: 16, maxMemoryMebibytes: 32768 });
    const target = { declaredName: 'align', platform: 'FARGATE' as const, overrides: align.overrides, resources: align.resources };
    expect(checkOverrides(target, { environment: { SAMPLE: 'NA12878' }, vcpus: 16, memoryMiB: 32768 })).toEqual([]);
    expect(checkOverrides(target, { command: ['sh'], environment: { LD_PRELOAD: 'x' } }).map((problem) => [problem.field, problem.rule])).toEqual([
      ['containerOverrides.command', 'not-allowed'],
      ['containerOverrides.environment.LD_PRELOAD', 'not-allowed'],
    ]);
  }, 120_000);

  it.each(['BatchPlatform', 'ComputeEnvironment', 'JobQueue', 'JobDefinition', 'RuntimeFunctions', 'JobEvents', 'PlatformMonitoring', 'PendantClient', 'Parameter', 'S3Uri', 'assetHashSerializer'])(
    'shows %s in a snippet that is compiled',
    (name) => {
      expect(snippets().some(({ source }) => new RegExp(`\\bnew ${name}\\b|\\b${name}\\.|\\(${name}\\)`).test(source))).toBe(true);
    },
  );

  it('compiles every TypeScript snippet against the package', () => {
    const files = snippets();
    const virtual = new Map(files.map(({ file, source }) => [file, source]));
    const options: ts.CompilerOptions = {
      ...ts.convertCompilerOptionsFromJson(JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions, root).options,
      noEmit: true,
      // Snippets show one thing each: a value they make and leave is fine there.
      noUnusedLocals: false,
      baseUrl: root,
      paths: {
        pendant: ['lib/index.ts'],
        'pendant/model': ['lib/model/index.ts'],
        'pendant/client': ['lib/client/index.ts'],
        'pendant/testing': ['lib/testing/index.ts'],
      },
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, ...rest) =>
      virtual.has(name) ? ts.createSourceFile(name, virtual.get(name)!, language) : getSourceFile(name, language, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => virtual.has(name) || fileExists(name);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => virtual.get(name) ?? readFile(name);

    const program = ts.createProgram([...virtual.keys()], options, host);
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((diagnostic) => diagnostic.file === undefined || virtual.has(diagnostic.file.fileName))
      .map((diagnostic) => {
        const where = diagnostic.file ? `${diagnostic.file.fileName.slice(root.length + 1)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}` : '';
        return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      });
    expect(diagnostics).toEqual([]);
  }, 120_000);
});
