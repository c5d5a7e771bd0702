import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildNodejsFunctionBundles, buildPendantBundles } from './bundles';
import { measureColdStart } from './cold-start';
import { describeMachine, loadAverages } from './lib/machine';
import { DEFAULT_MAX_S3_CONCURRENCY } from '../lib/model/config';
import { checkGoals, Results, sectionText, writeSection } from './report';
import { measureSynth } from './synth';

/**
 * `npm run bench`: pendant beside the plain aws-cdk-lib way — synth, cold start, AWS calls and throughput — in one
 * run, written to BENCHMARKS.md § Performance and bench/out/results.json. It is not a test: a goal missed is
 * reported, never an exit code. It exits non-zero only when a section could not be measured at all.
 *
 * `PENDANT_BENCH_QUICK=1` runs every section at its smallest (for working on the bench itself) and leaves
 * BENCHMARKS.md alone.
 */

const ROOT = resolve(__dirname, '..', '..', '..');
const OUT = resolve(__dirname, '..');
const QUICK = process.env.PENDANT_BENCH_QUICK === '1';

const SIZES = QUICK ? [1, 10] : [1, 10, 50, 140, 300];
/** Per size; the baseline stops repeating a size once it has failed there (CloudFormation's limit is deterministic). */
const repetitions = (_jobDefinitions: number) => (QUICK ? 1 : 3);
const COLD_START_RUNS = QUICK ? 3 : 20;

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const load = { start: loadAverages(), end: [] as number[] };
  const machine = describeMachine(ROOT);
  log(`pendant bench: ${machine.cpus} CPUs (${machine.cpuModel}), load ${load.start.map((v) => v.toFixed(1)).join(' ')}`);
  mkdirSync(OUT, { recursive: true });
  const errors: Record<string, string> = {};
  const section = async <T>(name: string, body: () => Promise<T>): Promise<T | undefined> => {
    const begun = performance.now();
    log(`\n== ${name}`);
    try {
      return await body();
    } catch (error) {
      errors[name] = error instanceof Error ? error.message.split('\n')[0] : String(error);
      log(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return undefined;
    } finally {
      log(`== ${name}: ${((performance.now() - begun) / 1000).toFixed(1)} s`);
    }
  };

  const pendantBundles = await section('pendant bundles (scripts/bundle.mjs)', () => buildPendantBundles(ROOT, OUT));
  const synth = pendantBundles && (await section('Synth', () => measureSynth(ROOT, OUT, { sizes: SIZES, repetitions }, log)));
  const coldStart =
    pendantBundles &&
    (await section('Cold start', async () => {
      // Built right after the synth, so that they can be compared with what NodejsFunction made from the same sources.
      const nodejsFunction = await buildNodejsFunctionBundles(ROOT, OUT, { bundleAwsSdk: false });
      const nodejsFunctionSdkBundled = await buildNodejsFunctionBundles(ROOT, OUT, { bundleAwsSdk: true });
      return measureColdStart(
        OUT,
        { pendant: pendantBundles, nodejsFunction, nodejsFunctionSdkBundled },
        synth?.nodejsFunctionAssets ?? {},
        COLD_START_RUNS,
        log,
      );
    }));
  const moto = await section('API efficiency and throughput against moto', async () => {
    // Imported here: the handlers' modules build their clients and logger when they are loaded.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: loaded only when this section runs
    const { startMoto, stopMoto } = require('../test/integration/moto/server') as typeof import('../test/integration/moto/server');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { measureMoto } = require('./moto-figures') as typeof import('./moto-figures');
    await startMoto();
    try {
      return await measureMoto(
        {
          statusJobs: QUICK ? [1, 101] : [1, 100, 101, 1_000],
          arrayChildren: QUICK ? 250 : 1_000,
          childrenPageSizes: QUICK ? [100] : [100, 1_000],
          logEvents: QUICK ? [1_000, 10_000] : [1_000, 10_000, 25_000, 100_000],
          validateInputs: [1, 50],
          validateRepetitions: QUICK ? 3 : 9,
          validateSettings: [
            // pendant's default against moto (HeadObject concurrency counted by middleware), moto alone (no injected
            // latency: its own service time), the default with S3 answered in the client (no server in the way: the
            // goal's wall-time figure), and the former default of 8 at once, for the record.
            { s3Concurrency: DEFAULT_MAX_S3_CONCURRENCY, injectedLatencyMillis: 50, s3: 'moto' },
            { s3Concurrency: DEFAULT_MAX_S3_CONCURRENCY, injectedLatencyMillis: 0, s3: 'moto' },
            { s3Concurrency: DEFAULT_MAX_S3_CONCURRENCY, injectedLatencyMillis: 50, s3: 'simulated' },
            { s3Concurrency: 8, injectedLatencyMillis: 50, s3: 'simulated' },
          ],
          throughputRequests: QUICK ? 5 : 30,
          throughputMillis: QUICK ? 500 : 3_000,
        },
        log,
      );
    } finally {
      await stopMoto();
    }
  });

  load.end = loadAverages();
  const results: Results = {
    startedAt,
    totalMillis: performance.now() - started,
    machine,
    load,
    sizes: SIZES,
    repetitions: Object.fromEntries(SIZES.map((size) => [String(size), repetitions(size)])),
    synth,
    coldStart,
    moto,
    errors,
  };
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  log('\n== Goals');
  for (const check of checkGoals(results)) log(`${check.met === undefined ? 'not measured' : check.met ? 'met    ' : 'NOT MET'}  ${check.goal}: ${check.figure}`);
  const text = sectionText(results);
  if (QUICK) {
    log(`\n(quick run: BENCHMARKS.md left alone)\n\n${text}`);
  } else {
    writeSection(join(ROOT, 'BENCHMARKS.md'), text);
    log(`\nBENCHMARKS.md § Performance written; total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  if (Object.keys(errors).length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
