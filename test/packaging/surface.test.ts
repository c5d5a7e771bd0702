import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

// The public surface, name by name: what each entry point of package.json's `exports` gives a user. `pendant` is a
// CDK app's vocabulary (the constructs, their props and what they throw at synth time), `pendant/model` a caller's
// (requests, responses and their parsers, S3 URIs, job names, statuses, the functions' errors). Whatever else the
// package holds (the configuration contract between the constructs and the handlers, the limits the parsers enforce,
// the helpers they share) is imported by pendant's own code from its module. A name added to or removed from an entry
// point fails this test until the list below says so: the surface changes on purpose, never as a side effect.

const root = join(__dirname, '..', '..');

interface Surface {
  /** What `require` gives: classes, enums, functions and constants. */
  readonly values: readonly string[];
  /** What only TypeScript sees: interfaces and type aliases. */
  readonly types: readonly string[];
}

const SURFACE: Record<string, Surface> = {
  '.': {
    values: [
      'BatchPlatform',
      'ComputeEnvironment',
      'ComputeKind',
      'CpuArchitecture',
      'InstanceRolePolicy',
      'JobDefinition',
      'JobEvents',
      'JobPlatform',
      'JobQueue',
      'JobWaiter',
      'MultiNodeJobDefinition',
      'Parameter',
      'PlatformMonitoring',
      'RunJob',
      'RunJobStateMachine',
      'RuntimeFunctions',
      'ValidationError',
    ],
    types: [
      'BatchPlatformProps',
      'BooleanParameterOptions',
      'ComputeEnvironmentOptions',
      'ComputeEnvironmentProps',
      'EnumParameterOptions',
      'FunctionConcurrency',
      'IJobDefinitionDeclaration',
      'IntegerParameterOptions',
      'IRuntimeFunctions',
      'JobDefinitionArnOptions',
      'JobDefinitionDeclaration',
      'JobDefinitionDeclarationOptions',
      'JobDefinitionOptions',
      'JobDefinitionProps',
      'JobEventsProps',
      'JobOverridePolicy',
      'JobQueueAttributes',
      'JobQueueOptions',
      'JobQueueProps',
      'JobResources',
      'JobWaiterProps',
      'MultiNodeJobDefinitionProps',
      'MultiNodeRange',
      'NumberParameterOptions',
      'PlatformComputeEnvironments',
      'PlatformJobDefinitionOptions',
      'PlatformMonitoringProps',
      'PlatformQueueOptions',
      'ReservedConcurrency',
      'RunJobProps',
      'RunJobRequest',
      'RunJobStateMachineProps',
      'RuntimeFunctionsAttributes',
      'RuntimeFunctionsProps',
      'S3ObjectParameterOptions',
      'S3ObjectsParameterOptions',
      'S3PrefixParameterOptions',
      'StringParameterOptions',
    ],
  },
  './model': {
    values: [
      'BatchJobFailedError',
      'BatchJobNotFoundError',
      'BatchJobSubmissionError',
      'ConfigurationError',
      'formatIso8601',
      'IdempotencyConflictError',
      'IdempotencyInProgressError',
      'InvalidRequestError',
      'InvalidS3UriError',
      'isActive',
      'isStarted',
      'isTerminal',
      'isValidName',
      'JobStatus',
      'JobWaitTimeoutError',
      'LogStreamNotFoundError',
      'makeJobName',
      'parseDescribeRequest',
      'parseLogsRequest',
      'parseStatusRequest',
      'parseSubmitRequest',
      'parseTerminateRequest',
      'parseValidateRequest',
      'PendantError',
      'RemoteFunctionError',
      'S3AccessDeniedError',
      'S3ObjectNotFoundError',
      'S3Uri',
      'SubmissionOutcomeUnknownError',
      'UnknownJobDefinitionError',
      'UnknownJobQueueError',
      'ValidationError',
    ],
    types: [
      'BooleanParameterSpec',
      'ChildJobSummary',
      'ChildrenRequest',
      'ContainerOverrides',
      'DependencyType',
      'DescribedJobQueue',
      'DescribedParameter',
      'DescribeRequest',
      'DescribeResponse',
      'EnumParameterSpec',
      'EvaluateOnExitRule',
      'IntegerParameterSpec',
      'JobAttemptSummary',
      'JobDefinitionDescription',
      'JobDefinitionList',
      'JobDependency',
      'JobStatusResponse',
      'JobSummary',
      'JobSummarySource',
      'JobTransition',
      'LogEvent',
      'LogsRequest',
      'LogsResponse',
      'MultiNodeLayout',
      'NodeContainerOverrides',
      'NodeOverrides',
      'NodePropertyOverride',
      'NumberParameterSpec',
      'Operation',
      'ParameterProblemCode',
      'ParameterSpec',
      'ParameterSpecs',
      'ParameterType',
      'PlatformName',
      'RequestOf',
      'RequestProblem',
      'ResponseOf',
      'RetryStrategyOverride',
      'S3ObjectParameterSpec',
      'S3ObjectsParameterSpec',
      'S3PrefixParameterSpec',
      'StatusRequest',
      'StatusResponse',
      'StringParameterSpec',
      'SubmitRequest',
      'SubmitResponse',
      'TerminateAction',
      'TerminateJobsRequest',
      'TerminateJobsResponse',
      'TerminateRequest',
      'TerminateResponse',
      'TimeoutOverride',
      'ValidateRequest',
      'ValidateResponse',
    ],
  },
  './client': {
    values: ['PendantClient'],
    types: ['PendantClientProps', 'PendantFunctions', 'WaitForJobOptions'],
  },
  './testing': {
    values: ['ASSET_HASH_PLACEHOLDER', 'assetHashSerializer', 'normalizeAssetHashes'],
    types: [],
  },
  // `export =` the serializer itself, for jest's `snapshotSerializers`: its members are what `require` gives.
  './testing/serializer': {
    values: ['serialize', 'test'],
    types: [],
  },
};

/**
 * Bases that only gather the fields their public subtypes share: a user never writes their names, and jsii does not
 * need them exported.
 */
const SHARED_BASES = ['ParameterOptionsBase', 'ParameterSpecBase', 'RuntimeFunctionsBase'];

const byName = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase()) || a.localeCompare(b);

/** package.json's entry points, each as the source module its built file comes from. */
function entryPoints(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | { default: string }> };
  return new Map(
    Object.entries(pkg.exports)
      .filter((entry): entry is [string, { default: string }] => typeof entry[1] === 'object')
      .map(([entry, target]) => [entry, join(root, target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'))]),
  );
}

function sourcesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(directory, name));
}

// lib/ alone, without its dependencies' types: export names and the lib types a declaration names are all this reads.
const program = ts.createProgram(sourcesUnder(join(root, 'lib')), { noResolve: true, noLib: true, types: [], target: ts.ScriptTarget.ES2022 });
const checker = program.getTypeChecker();
const declared = (symbol: ts.Symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);

function exportsOf(file: string): ts.Symbol[] {
  const source = program.getSourceFile(file);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${relative(root, file)} is not a module of lib/`);
  return checker.getExportsOfModule(module);
}

/** Members a user cannot reach: private, protected, `_`-prefixed (pendant's internal handles) or `@internal`. */
function isHidden(node: ts.Node): boolean {
  if (!ts.canHaveModifiers(node)) return false;
  const modifiers = ts.getCombinedModifierFlags(node as ts.Declaration);
  if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return true;
  const name = (node as ts.NamedDeclaration).name;
  if (name !== undefined && (ts.isPrivateIdentifier(name) || (ts.isIdentifier(name) && name.text.startsWith('_')))) return true;
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');
}

/** The types of lib/ that a declaration's signature names (not its body, not its initializer), by name. */
function typesNamedBy(declaration: ts.Declaration): Set<ts.Symbol> {
  const named = new Set<ts.Symbol>();
  const visit = (node: ts.Node): void => {
    if (isHidden(node) || ts.isBlock(node)) return;
    if ((ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node)) && node.initializer !== undefined) {
      if (node.type) visit(node.type);
      return;
    }
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      const symbol = checker.getSymbolAtLocation(ts.isQualifiedName(name) ? name.right : name);
      const target = symbol && declared(symbol);
      const file = target?.declarations?.[0]?.getSourceFile().fileName;
      if (target && file?.startsWith(join(root, 'lib')) && !(target.flags & ts.SymbolFlags.TypeParameter)) named.add(target);
    }
    ts.forEachChild(node, visit);
  };
  visit(declaration);
  return named;
}

describe('the public surface', () => {
  const entries = entryPoints();

  it("lists every entry point of package.json's exports", () => {
    expect([...entries.keys()].sort()).toEqual(Object.keys(SURFACE).sort());
  });

  describe.each(Object.keys(SURFACE))('entry point %s', (entry) => {
    const file = () => entries.get(entry) ?? '';

    it('gives `require` exactly the values listed', () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the entry point as a CommonJS user loads it
      const loaded = require(file()) as Record<string, unknown>;
      expect(Object.keys(loaded).sort(byName)).toEqual([...SURFACE[entry].values].sort(byName));
    });

    it('exports exactly the types listed besides', () => {
      const values = new Set(SURFACE[entry].values);
      const types = exportsOf(file())
        .map((symbol) => symbol.name)
        .filter((name) => !values.has(name));
      // `export =` (the serializer) exports no names of its own to TypeScript.
      expect(types.sort(byName)).toEqual([...SURFACE[entry].types].sort(byName));
    });
  });

  it('exports none of the configuration contract between the constructs and the handlers, and no limit', () => {
    const contract = exportsOf(join(root, 'lib', 'model', 'config.ts')).map((symbol) => symbol.name);
    expect(contract).toEqual(expect.arrayContaining(['ENV', 'encodeConfig', 'RuntimeConfig', 'CONFIG_FILE_NAME', 'DEFAULT_JOB_LOG_GROUP']));
    const exported = Object.values(SURFACE).flatMap(({ values, types }) => [...values, ...types]);
    const leaked = exported.filter((name) => contract.includes(name) || /^(DEFAULT|MIN|MAX)_|_PATTERN$|^LIMITS$/.test(name));
    expect(leaked).toEqual([]);
  });

  // A type a public signature names (a prop's type, a property's, a parameter's, a base) is one a user must be able
  // to import: exported by an entry point, or a shared base whose name nobody writes.
  it('names in its signatures only types a user can import', () => {
    const exported = new Set([...entries.values()].flatMap((file) => exportsOf(file).map(declared)));
    const unreachable = [...exported].flatMap((symbol) =>
      (symbol.declarations ?? []).flatMap((declaration) =>
        [...typesNamedBy(declaration)].filter((type) => !exported.has(type) && !SHARED_BASES.includes(type.name)).map((type) => `${type.name} (in ${symbol.name})`),
      ),
    );
    expect([...new Set(unreachable)].sort()).toEqual([]);
  });
});
