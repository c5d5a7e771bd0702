import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const HANDLERS = ['validate', 'submit', 'status', 'logs', 'terminate', 'record'];

interface PackageJson {
  readonly license: string;
  readonly files: string[];
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly devDependencies: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;

/** What `npm pack` would put in the tarball (its prepare script is skipped: the build is the test's input). */
function packedFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [report] = JSON.parse(output) as Array<{ files: Array<{ path: string }> }>;
  return report.files.map((file) => file.path);
}

function filesUnder(directory: string, suffix: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return filesUnder(path, suffix);
    return name.endsWith(suffix) ? [path] : [];
  });
}

/** `aws-cdk-lib/aws-batch` → `aws-cdk-lib`, `@aws-sdk/client-lambda/x` → `@aws-sdk/client-lambda`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]);

/** The packages a set of compiled files load (`require`) or name in their types (`import … from`), by file. */
function packagesNamed(files: string[], pattern: RegExp): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
      const specifier = match[1] ?? match[2];
      if (specifier.startsWith('.') || isBuiltin(specifier)) continue;
      const name = packageOf(specifier);
      found.set(name, [...(found.get(name) ?? []), relative(root, file)]);
    }
  }
  return found;
}

const REQUIRE = /\brequire\("([^"]+)"\)/g;
const TYPE_IMPORT = /\bfrom '([^']+)'|\bimport\('([^']+)'\)/g;

describe('the packed library (npm pack)', () => {
  const packed = packedFiles();
  const runtime = packagesNamed(filesUnder(join(root, 'dist', 'lib'), '.js'), REQUIRE);
  const types = packagesNamed(filesUnder(join(root, 'dist', 'lib'), '.d.ts'), TYPE_IMPORT);
  const declared = { ...pkg.dependencies, ...pkg.peerDependencies };

  it('ships the license, the README, the library, the jsii assembly and the handler bundles, and nothing of the repository besides', () => {
    expect(packed).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/lib/index.js', 'dist/lib/index.d.ts']));
    for (const name of HANDLERS) expect(packed).toContain(`dist/lambda/${name}/index.js`);
    const outside = packed.filter((path) => !path.startsWith('dist/lib/') && !path.startsWith('dist/lambda/'));
    expect(outside.sort()).toEqual(['.jsii', 'LICENSE', 'README.md', 'package.json']);
  });

  // jsii's kernel loads the package's main module and finds each type of the assembly by name among its exports: the
  // Python package works only if dist/lib/index.js, which tsc builds, exports every type jsii compiled, as that type.
  it('exports from its main module every class and enum of the jsii assembly, for the Python package pendant-cdk', () => {
    const assembly = JSON.parse(readFileSync(join(root, '.jsii'), 'utf8')) as {
      name: string;
      targets: { python: { distName: string; module: string } };
      types: Record<string, { kind: string; name: string }>;
    };
    expect(assembly.name).toBe('pendant');
    expect(assembly.targets.python).toEqual({ distName: 'pendant-cdk', module: 'pendant_cdk' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const main = require(join(root, 'dist', 'lib', 'index.js')) as Record<string, unknown>;
    const values = Object.values(assembly.types).filter((type) => type.kind !== 'interface');
    expect(values.map((type) => type.name)).toEqual(expect.arrayContaining(['BatchPlatform', 'Parameter', 'ComputeKind']));
    for (const type of values) expect([type.name, typeof main[type.name]]).toEqual([type.name, type.kind === 'enum' ? 'object' : 'function']);
    const parameterClass = main.Parameter as { s3Object(options: object): object };
    expect(parameterClass.s3Object({}).constructor).toBe(main.Parameter);
  });

  it("has a LICENSE with the full text of package.json's license (Apache-2.0)", () => {
    expect(pkg.license).toBe('Apache-2.0');
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it('declares exactly the packages dist/lib requires, as dependencies or peer dependencies', () => {
    expect([...runtime.keys()].sort()).toEqual(Object.keys(declared).sort());
  });

  it("declares every package dist/lib's type declarations name, so a consumer's tsc finds them", () => {
    for (const name of types.keys()) expect(Object.keys(declared)).toContain(name);
  });

  it('takes aws-cdk-lib and constructs from the app (peer dependencies), never a copy of its own', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies).toEqual(expect.objectContaining({ 'aws-cdk-lib': expect.stringMatching(/^\^2\.\d+\.0$/), constructs: '^10.5.0' }));
    // The repository builds and tests against a release at least as new as the lowest one it declares.
    expect(pkg.devDependencies['aws-cdk-lib']).toBeDefined();
    expect(pkg.devDependencies.constructs).toBeDefined();
  });

  it('has CI install the lowest versions it declares: the min-cdk consumer app pins each peer at its floor', () => {
    const consumer = JSON.parse(readFileSync(join(root, 'test', 'consumers', 'min-cdk', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const [name, range] of Object.entries(pkg.peerDependencies ?? {})) {
      expect(range).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect(`${name}@${consumer.dependencies[name]}`).toBe(`${name}@${range.slice(1)}`);
    }
  });

  it('makes a package that only an optional entry point (pendant/client) requires an optional peer', () => {
    const optional = Object.entries(pkg.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta.optional === true)
      .map(([name]) => name);
    const onlyForClient = [...runtime.entries()].filter(([, files]) => files.every((file) => file.startsWith('dist/lib/client/'))).map(([name]) => name);
    expect(optional.sort()).toEqual(onlyForClient.sort());
    // The main entry point loads none of them: `import { BatchPlatform } from 'pendant'` works without the SDK.
    for (const name of optional) expect(runtime.get(name)?.some((file) => !file.startsWith('dist/lib/client/'))).toBe(false);
  });

  it('installs no runtime package for the handlers: each is a dev dependency of the build', () => {
    for (const name of ['@aws-sdk/client-batch', '@aws-sdk/client-s3', '@aws-lambda-powertools/logger', '@aws-lambda-powertools/idempotency']) {
      expect(pkg.devDependencies[name]).toBeDefined();
      expect(declared[name]).toBeUndefined();
    }
  });

  describe('the handler bundles are self-contained', () => {
    const work = mkdtempSync(join(tmpdir(), 'pendant-bundles-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it.each(HANDLERS)('%s loads, with no node_modules anywhere above it, in a fresh node', (name) => {
      mkdirSync(join(work, name));
      copyFileSync(join(root, 'dist', 'lambda', name, 'index.js'), join(work, name, 'index.js'));
      const output = execFileSync(process.execPath, ['--no-warnings', '-e', 'process.stdout.write(typeof require("./index.js").handler)'], {
        cwd: join(work, name),
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
      });
      expect(output).toBe('function');
    });
  });
});
