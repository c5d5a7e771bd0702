// Bundles each runtime handler into dist/lambda/<name>/index.js: CommonJS exporting `handler`, minified, with the
// AWS SDK bundled and tree-shaken through its ES module entry points (see BENCHMARKS.md for why). esbuild is
// deterministic, so the same source always gives byte-identical bundles and stable CDK asset hashes.
// `node scripts/bundle.mjs [out]` writes to `out` instead (the determinism test bundles twice and compares).
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HANDLERS = ['validate', 'submit', 'status', 'logs', 'terminate', 'record', 'resume'];
const root = fileURLToPath(new URL('..', import.meta.url));
const out = resolve(root, process.argv[2] ?? 'dist/lambda');

await rm(out, { recursive: true, force: true });
await Promise.all(
  HANDLERS.map((name) =>
    build({
      absWorkingDir: root,
      entryPoints: [`lambda/handlers/${name}.ts`],
      outfile: resolve(out, name, 'index.js'),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      mainFields: ['module', 'main'],
      minify: true,
      // Error classes' names are the errorType callers match on: minification must not rename them.
      keepNames: true,
      legalComments: 'none',
      sourcemap: false,
      logLevel: 'warning',
    }),
  ),
);
