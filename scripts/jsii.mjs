// Compiles the construct entry point (lib/constructs.ts) with jsii and writes its assembly to `.jsii` at the package
// root, where it ships in the npm package beside dist/ (which tsc builds from the same sources, and which is what the
// jsii kernel loads for Python). jsii wants a project of its own: its own tsconfig, a package.json whose `types` is
// the entry point, and every dependency a jsii module; pendant's own package.json has optional peers (the client's
// SDK) and entry points (model, client, testing) that are TypeScript-only. So the construct sources are copied into
// build/jsii with a package.json made from pendant's own (its name, version, `jsii` section, aws-cdk-lib and
// constructs as peers) and compiled there; node_modules resolve from the repository root above it.
// `node scripts/jsii.mjs` exits non-zero on any jsii error, which makes it the jsii-compatibility gate of `npm test`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'build', 'jsii');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const inJsii = (source) => !/[\\/]lib[\\/](client|testing)([\\/]|$)/.test(source);

// The same inputs give the same assembly: skip the compile (about 40 s on two cores) when nothing it reads changed,
// so that `npm run build` and `npm test` in a row compile once.
const fingerprint = createHash('sha256');
for (const file of ['package.json', 'README.md', 'LICENSE', 'scripts/jsii.mjs', 'node_modules/jsii/package.json']) {
  fingerprint.update(file).update('\0').update(readFileSync(join(root, file))).update('\0');
}
for (const entry of readdirSync(join(root, 'lib'), { recursive: true, withFileTypes: true }).sort((a, b) => join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)))) {
  const file = join(entry.parentPath, entry.name);
  if (entry.isFile() && inJsii(file)) fingerprint.update(file).update('\0').update(readFileSync(file)).update('\0');
}
const digest = fingerprint.digest('hex');
const stamp = join(out, '.fingerprint');
if (existsSync(stamp) && existsSync(join(root, '.jsii')) && readFileSync(stamp, 'utf8') === digest) {
  console.log('jsii: the assembly (.jsii) is up to date with lib/');
  process.exit(0);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// The constructs and what they import: the model and lib/private. The client and testing entry points stay out.
cpSync(join(root, 'lib'), join(out, 'lib'), {
  recursive: true,
  filter: inJsii,
});
copyFileSync(join(root, 'README.md'), join(out, 'README.md'));
copyFileSync(join(root, 'LICENSE'), join(out, 'LICENSE'));
const peers = Object.fromEntries(['aws-cdk-lib', 'constructs'].map((name) => [name, pkg.peerDependencies[name]]));
writeFileSync(
  join(out, 'package.json'),
  `${JSON.stringify(
    {
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      license: pkg.license,
      author: pkg.author,
      repository: pkg.repository,
      main: 'lib/constructs.js',
      types: 'lib/constructs.d.ts',
      peerDependencies: peers,
      // The lowest versions pendant declares, as jsii asks of a peer.
      devDependencies: Object.fromEntries(Object.entries(peers).map(([name, range]) => [name, range.replace(/^\^/, '')])),
      jsii: { ...pkg.jsii, outdir: 'dist', tsconfig: 'tsconfig.json', validateTsconfig: 'minimal' },
    },
    null,
    2,
  )}\n`,
);
// pendant's own compiler settings (ES2022, for Error's `cause`), in the CommonJS form jsii emits.
writeFileSync(
  join(out, 'tsconfig.json'),
  `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022'],
        module: 'commonjs',
        moduleResolution: 'node',
        strict: true,
        declaration: true,
        composite: false,
        esModuleInterop: true,
        skipLibCheck: true,
        resolveJsonModule: true,
        types: ['node'],
      },
      include: ['lib/**/*.ts'],
    },
    null,
    2,
  )}\n`,
);

const jsii = spawnSync(process.execPath, [join(root, 'node_modules', 'jsii', 'bin', 'jsii'), '--silence-warnings=reserved-word'], {
  cwd: out,
  stdio: 'inherit',
  env: { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0] },
});
if (jsii.status !== 0) {
  console.error(`error: jsii could not compile lib/constructs.ts (exit ${jsii.status}); the construct API must stay jsii-compatible (README, "Python")`);
  process.exit(jsii.status ?? 1);
}
copyFileSync(join(out, '.jsii'), join(root, '.jsii'));
writeFileSync(stamp, digest);
