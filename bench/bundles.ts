import { build } from 'esbuild';
import { copyFileSync, cpSync, mkdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './lib/process';

/** The five runtime handlers, as `scripts/bundle.mjs` names them. */
export const OPERATIONS = ['validate', 'submit', 'status', 'logs', 'terminate'] as const;
export type Operation = (typeof OPERATIONS)[number];

export type BundleSet = Record<Operation, string>;

/**
 * pendant's own bundles, made by the repository's `scripts/bundle.mjs` unchanged: a copy of the script runs from
 * `bench/out/pkg`, whose `lambda/` and `lib/` link back to the sources, so it writes `bench/out/pkg/dist/lambda`
 * and never touches the `dist/` other work may be reading. The bundles are then put where the bench's compiled
 * constructs (`bench/out/lib/private/handler-code.js`) look for them: `bench/out/lambda/<operation>/index.js`.
 */
export async function buildPendantBundles(root: string, out: string): Promise<BundleSet> {
  const pkg = join(out, 'pkg');
  rmSync(pkg, { recursive: true, force: true });
  mkdirSync(join(pkg, 'scripts'), { recursive: true });
  copyFileSync(join(root, 'scripts', 'bundle.mjs'), join(pkg, 'scripts', 'bundle.mjs'));
  symlinkSync(join(root, 'lambda'), join(pkg, 'lambda'), 'dir');
  symlinkSync(join(root, 'lib'), join(pkg, 'lib'), 'dir');
  const finished = await run(process.execPath, [join(pkg, 'scripts', 'bundle.mjs')], { cwd: pkg, timeoutMillis: 120_000 });
  if (finished.code !== 0) throw new Error(`scripts/bundle.mjs failed (${finished.code}): ${finished.stderr}`);

  const bundles = {} as BundleSet;
  for (const operation of OPERATIONS) {
    const directory = join(out, 'lambda', operation);
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(directory, { recursive: true });
    cpSync(join(pkg, 'dist', 'lambda', operation, 'index.js'), join(directory, 'index.js'));
    bundles[operation] = join(directory, 'index.js');
  }
  return bundles;
}

/**
 * The handlers bundled as `NodejsFunction` bundles them by default (aws-cdk-lib 2.276, `Bundling`): esbuild with
 * `--bundle --platform=node --target=node24` (the runtime's), CommonJS, not minified, no source map, esbuild's
 * default main fields, and the SDK v3 left external (`@aws-sdk/*`) for the runtime to provide.
 * `bundleAwsSdk` is `NodejsFunction`'s `bundling: { bundleAwsSDK: true }`: the same, with the SDK inside.
 */
export async function buildNodejsFunctionBundles(root: string, out: string, options: { bundleAwsSdk: boolean }): Promise<BundleSet> {
  const directory = join(out, 'cold-start', options.bundleAwsSdk ? 'nodejs-function-sdk-bundled' : 'nodejs-function-default');
  rmSync(directory, { recursive: true, force: true });
  const bundles = {} as BundleSet;
  await Promise.all(
    OPERATIONS.map(async (operation) => {
      const outfile = join(directory, operation, 'index.js');
      await build({
        absWorkingDir: root,
        entryPoints: [join(root, 'lambda', 'handlers', `${operation}.ts`)],
        outfile,
        bundle: true,
        platform: 'node',
        target: 'node24',
        format: 'cjs',
        minify: false,
        sourcemap: false,
        external: options.bundleAwsSdk ? [] : ['@aws-sdk/*'],
        logLevel: 'warning',
      });
      bundles[operation] = outfile;
    }),
  );
  return bundles;
}

export function fileBytes(path: string): number {
  return statSync(path).size;
}
