import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleSet, fileBytes, Operation, OPERATIONS } from './bundles';
import { run } from './lib/process';
import { median, quantile } from './lib/stats';

/**
 * A cold-start proxy: for each handler and each way of bundling it, the bundle's size and the time a fresh `node`
 * process takes to require it — which loads the code and builds the handler's SDK clients and logger at module
 * scope, as Lambda's init phase does. Runs are interleaved (every variant of every handler, then again) so a change
 * in the machine's load touches all of them alike; the first round warms the file cache and is not counted.
 */

export type Variant = 'pendant' | 'nodejsFunction' | 'nodejsFunctionSdkBundled';

export const VARIANT_LABELS: Record<Variant, string> = {
  pendant: '`scripts/bundle.mjs` — the SDK bundled from its ES module entry points, minified',
  nodejsFunction: "`NodejsFunction`'s default — the SDK external (loaded from node_modules), not minified",
  nodejsFunctionSdkBundled: '`NodejsFunction` with `bundleAwsSDK: true` — the SDK bundled from its CommonJS entry points, not minified',
};

export interface LoadSample {
  readonly requireMillis: number;
  readonly sinceProcessStartMillis: number;
}

export interface ColdStartCell {
  readonly operation: Operation;
  readonly variant: Variant;
  readonly bundleBytes: number;
  readonly samples: LoadSample[];
}

export interface ColdStartFigures {
  readonly runs: number;
  readonly cells: ColdStartCell[];
  /** Whether the NodejsFunction-default bundles built here are byte-identical to the ones `NodejsFunction` made at synth. */
  readonly matchesSynthAssets: Partial<Record<Operation, boolean>>;
}

export async function measureColdStart(
  out: string,
  bundles: Record<Variant, BundleSet>,
  synthAssets: Partial<BundleSet>,
  runs: number,
  log: (line: string) => void,
): Promise<ColdStartFigures> {
  const probe = join(out, 'bench', 'cold-start-probe.js');
  const variants = Object.keys(bundles) as Variant[];
  const cells: ColdStartCell[] = [];
  for (const operation of OPERATIONS) {
    for (const variant of variants) cells.push({ operation, variant, bundleBytes: fileBytes(bundles[variant][operation]), samples: [] });
  }
  // Only what a Lambda function's environment would give it: no AWS_ENDPOINT_URL or test settings from this shell.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'pendant-bench' };
  for (let round = 0; round <= runs; round++) {
    for (const cell of cells) {
      const finished = await run(process.execPath, [probe, bundles[cell.variant][cell.operation]], { env, timeoutMillis: 60_000 });
      if (finished.code !== 0) throw new Error(`loading ${bundles[cell.variant][cell.operation]} failed (${finished.code}): ${finished.stderr}`);
      if (round > 0) cell.samples.push(JSON.parse(finished.stdout) as LoadSample);
    }
  }
  for (const cell of cells) {
    log(
      `cold start ${cell.operation.padEnd(9)} ${cell.variant.padEnd(24)} ${kib(cell.bundleBytes).padStart(9)}  ` +
        `require ${median(cell.samples.map((s) => s.requireMillis)).toFixed(1)} ms (median of ${cell.samples.length})`,
    );
  }
  const matchesSynthAssets: Partial<Record<Operation, boolean>> = {};
  for (const operation of OPERATIONS) {
    const asset = synthAssets[operation];
    if (asset !== undefined) matchesSynthAssets[operation] = readFileSync(asset).equals(readFileSync(bundles.nodejsFunction[operation]));
  }
  return { runs, cells, matchesSynthAssets };
}

export interface ColdStartSummary {
  readonly bundleBytes: number;
  readonly requireMillis: number;
  readonly requireP90Millis: number;
  readonly sinceProcessStartMillis: number;
}

export function summarizeColdStart(figures: ColdStartFigures, operation: Operation, variant: Variant): ColdStartSummary | undefined {
  const cell = figures.cells.find((candidate) => candidate.operation === operation && candidate.variant === variant);
  if (cell === undefined) return undefined;
  return {
    bundleBytes: cell.bundleBytes,
    requireMillis: median(cell.samples.map((s) => s.requireMillis)),
    requireP90Millis: quantile(
      cell.samples.map((s) => s.requireMillis),
      0.9,
    ),
    sinceProcessStartMillis: median(cell.samples.map((s) => s.sinceProcessStartMillis)),
  };
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
