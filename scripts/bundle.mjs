// Bundles each runtime handler into dist/lambda/<name>/index.js: CommonJS exporting `handler`, minified, with the
// AWS SDK bundled and tree-shaken through its ES module entry points (see BENCHMARKS.md for why). esbuild is
// deterministic, so the same source always gives byte-identical bundles and stable CDK asset hashes.
// `node scripts/bundle.mjs [out]` writes to `out` instead (the determinism test bundles twice and compares).
// The handlers are the registry's (lib/model/operations.ts HANDLER_NAMES): node cannot import TypeScript, so the
// registry is bundled in memory with the same esbuild and imported from that text.
import { build } from 'esbuild';
import { Buffer } from 'node:buffer';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const registry = await build({
  absWorkingDir: root,
  entryPoints: ['lib/model/operations.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'warning',
});
const { HANDLER_NAMES } = await import(`data:text/javascript;base64,${Buffer.from(registry.outputFiles[0].contents).toString('base64')}`);

const out = resolve(root, process.argv[2] ?? 'dist/lambda');

await rm(out, { recursive: true, force: true });
await Promise.all(
  HANDLER_NAMES.map((name) =>
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
