import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_DEFINITIONS_VARIABLE, ProcessStats, STATS_FILE_VARIABLE } from './apps/workload';
import { BundleSet, OPERATIONS } from './bundles';
import { GNU_TIME, hasGnuTime, parseGnuTime, run } from './lib/process';
import { linearFit, LinearFit, median } from './lib/stats';

/**
 * `cdk synth` of the pendant app and of the plain aws-cdk-lib app at several numbers of job definitions, the way
 * users run it: the repository's CDK CLI with `--app "node <compiled app>.js"`, from the repository root (so both
 * read the same cdk.json), built-in CloudFormation validation on, notices and telemetry off. Each run gets a fresh
 * output directory.
 */

export type SynthApp = 'pendant' | 'baseline';
export const SYNTH_APPS: readonly SynthApp[] = ['pendant', 'baseline'];

export interface SynthRun {
  readonly app: SynthApp;
  readonly jobDefinitions: number;
  readonly repetition: number;
  readonly ok: boolean;
  /** The CDK error code (`error.txt` of the assembly) and the message, when the synth failed. */
  readonly error?: string;
  /** The whole `cdk synth`: CLI and app. */
  readonly wallMillis: number;
  /** User + system CPU of the whole process tree (GNU time), else of the app alone. */
  readonly cpuMillis?: number;
  /** The largest resident set of any process of the synth (GNU time), else of the app alone. */
  readonly maxRssKiB?: number;
  /** The app process alone, from its own `process.resourceUsage()`. */
  readonly appStats?: ProcessStats;
  /** aws-cdk-lib's own phase timings (`performance-counters.json`), milliseconds. */
  readonly counters?: Record<string, number>;
  readonly stacks?: number;
  readonly resources?: number;
  readonly templateBytes?: number;
}

export interface SynthOptions {
  readonly sizes: readonly number[];
  readonly repetitions: (jobDefinitions: number) => number;
}

export interface SynthFigures {
  readonly runs: SynthRun[];
  readonly gnuTime: boolean;
  /** The bundles `NodejsFunction` made in the last successful baseline synth, by operation. */
  readonly nodejsFunctionAssets: Partial<BundleSet>;
}

const SYNTH_TIMEOUT_MILLIS = 240_000;

export async function measureSynth(root: string, out: string, options: SynthOptions, log: (line: string) => void): Promise<SynthFigures> {
  const gnuTime = hasGnuTime();
  const runs: SynthRun[] = [];
  const failedAt = new Map<SynthApp, number>();
  const nodejsFunctionAssets: Partial<BundleSet> = {};
  const keptAssembly = join(out, 'synth', 'baseline-assembly');
  rmSync(join(out, 'synth'), { recursive: true, force: true });
  mkdirSync(join(out, 'synth'), { recursive: true });

  const most = Math.max(...options.sizes.map(options.repetitions));
  for (let repetition = 0; repetition < most; repetition++) {
    for (const jobDefinitions of options.sizes) {
      if (repetition >= options.repetitions(jobDefinitions)) continue;
      // Alternate which app goes first, so a drift in the machine's load does not favour one of them.
      const order = repetition % 2 === 0 ? SYNTH_APPS : [...SYNTH_APPS].reverse();
      for (const app of order) {
        const failed = failedAt.get(app);
        // A stack that is over CloudFormation's limit once is over it every time, and at every larger size.
        if (failed !== undefined && jobDefinitions >= failed) continue;
        const result = await synthOnce(root, out, app, jobDefinitions, repetition, gnuTime);
        runs.push(result);
        log(describeRun(result));
        if (!result.ok) failedAt.set(app, jobDefinitions);
        if (result.ok && app === 'baseline') {
          rmSync(keptAssembly, { recursive: true, force: true });
          Object.assign(nodejsFunctionAssets, findFunctionAssets(runDirectory(out, app, jobDefinitions, repetition), keptAssembly));
        }
        rmSync(runDirectory(out, app, jobDefinitions, repetition), { recursive: true, force: true });
      }
    }
  }
  return { runs, gnuTime, nodejsFunctionAssets };
}

function runDirectory(out: string, app: SynthApp, jobDefinitions: number, repetition: number): string {
  return join(out, 'synth', `${app}-${jobDefinitions}-${repetition}`);
}

async function synthOnce(root: string, out: string, app: SynthApp, jobDefinitions: number, repetition: number, gnuTime: boolean): Promise<SynthRun> {
  const directory = runDirectory(out, app, jobDefinitions, repetition);
  const assembly = join(directory, 'cdk.out');
  const statsFile = join(directory, 'app-stats.json');
  const timeFile = join(directory, 'time.txt');
  mkdirSync(directory, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    [JOB_DEFINITIONS_VARIABLE]: String(jobDefinitions),
    [STATS_FILE_VARIABLE]: statsFile,
  };
  // Built-in validation on, as it is by default; the CLI picks the output directory.
  delete env.CDK_VALIDATION;
  delete env.CDK_OUTDIR;
  const cli = [
    join(root, 'node_modules', '.bin', 'cdk'),
    'synth',
    '--app',
    `node ${join(out, 'bench', 'apps', `${app}-app.js`)}`,
    '-o',
    assembly,
    '--quiet',
    '--no-notices',
    // Makes aws-cdk-lib write its phase timings (performance-counters.json) on every synth; it measures them anyway.
    '-c',
    '@aws-cdk/core.slowSynthThreshold=0',
  ];
  const finished = gnuTime
    ? await run(GNU_TIME, ['-f', '%e %U %S %M', '-o', timeFile, ...cli], { cwd: root, env, timeoutMillis: SYNTH_TIMEOUT_MILLIS })
    : await run(cli[0], cli.slice(1), { cwd: root, env, timeoutMillis: SYNTH_TIMEOUT_MILLIS });
  const timed = gnuTime && existsSync(timeFile) ? parseGnuTime(readFileSync(timeFile, 'utf8')) : undefined;
  const appStats = existsSync(statsFile) ? (JSON.parse(readFileSync(statsFile, 'utf8')) as ProcessStats) : undefined;
  const base = {
    app,
    jobDefinitions,
    repetition,
    wallMillis: finished.wallMillis,
    cpuMillis: timed ? timed.userMillis + timed.systemMillis : appStats && appStats.userMillis + appStats.systemMillis,
    maxRssKiB: timed?.maxRssKiB ?? appStats?.maxRssKiB,
    appStats,
  };
  if (finished.code !== 0) {
    const code = existsSync(join(assembly, 'error.txt')) ? readFileSync(join(assembly, 'error.txt'), 'utf8').trim() : `exit ${finished.code ?? finished.signal}`;
    // The stack trace quotes aws-cdk-lib's minified source, template literal and all: take the message with its numbers.
    const message = /Number of resources in stack '[^']+': \d+ is greater than allowed maximum of \d+/.exec(finished.stderr)?.[0];
    return { ...base, ok: false, error: message === undefined ? code : `${code}: ${message}` };
  }
  const counters = readCounters(join(assembly, 'performance-counters.json'));
  const templates = readdirSync(assembly).filter((name) => name.endsWith('.template.json'));
  let resources = 0;
  let templateBytes = 0;
  for (const name of templates) {
    const text = readFileSync(join(assembly, name), 'utf8');
    templateBytes += Buffer.byteLength(text);
    resources += Object.keys((JSON.parse(text) as { Resources?: object }).Resources ?? {}).length;
  }
  return { ...base, ok: true, counters, stacks: templates.length, resources, templateBytes };
}

function readCounters(file: string): Record<string, number> | undefined {
  if (!existsSync(file)) return undefined;
  const { counters } = JSON.parse(readFileSync(file, 'utf8')) as { counters?: Record<string, number> };
  if (counters === undefined) return undefined;
  return Object.fromEntries(Object.entries(counters).filter(([name]) => !name.endsWith('(cnt)')));
}

/**
 * The bundle of each `NodejsFunction` in the synthesized template (`aws:asset:path` metadata), copied out of the
 * run's assembly before it is removed, so the cold-start section can check its own baseline bundles against them.
 */
function findFunctionAssets(directory: string, keep: string): Partial<BundleSet> {
  const assembly = join(directory, 'cdk.out');
  const found: Partial<BundleSet> = {};
  for (const name of readdirSync(assembly).filter((file) => file.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(join(assembly, name), 'utf8')) as {
      Resources?: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const operation = OPERATIONS.find((candidate) => logicalId.toLowerCase().startsWith(`${candidate}function`));
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (operation === undefined || assetPath === undefined) continue;
      const source = join(assembly, assetPath, 'index.js');
      if (!existsSync(source)) continue;
      mkdirSync(join(keep, operation), { recursive: true });
      const target = join(keep, operation, 'index.js');
      rmSync(target, { force: true });
      copyFileSync(source, target);
      found[operation] = target;
    }
  }
  return found;
}

function describeRun(run: SynthRun): string {
  const head = `synth ${run.app.padEnd(8)} ${String(run.jobDefinitions).padStart(3)} job definitions, run ${run.repetition + 1}:`;
  if (!run.ok) return `${head} FAILED ${run.error}`;
  const validation = run.counters?.validateTemplates;
  return (
    `${head} ${seconds(run.wallMillis)} wall, ${run.cpuMillis === undefined ? '?' : seconds(run.cpuMillis)} CPU, ` +
    `${run.maxRssKiB === undefined ? '?' : `${Math.round(run.maxRssKiB / 1024)} MiB`} peak, ${run.resources} resources` +
    (validation === undefined ? '' : `, built-in validation ${seconds(validation)}`)
  );
}

const seconds = (millis: number) => `${(millis / 1000).toFixed(2)} s`;

/** One app at one size: the medians of its runs. */
export interface SynthSummary {
  readonly app: SynthApp;
  readonly jobDefinitions: number;
  readonly runs: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly wallMillis: number;
  readonly cpuMillis: number;
  readonly maxRssKiB: number;
  readonly validationMillis: number;
  readonly bundlingMillis: number;
  readonly constructionMillis: number;
  /**
   * The part of the app's time that can depend on n: construction and synthesis, less the built-in validator's
   * start-up (its \`validateTemplates\` span minus the templates' own \`CloudFormationValidate.validate\`).
   */
  readonly scalingMillis: number;
  readonly resources: number;
  readonly templateBytes: number;
  readonly stacks: number;
}

export function summarizeSynth(figures: SynthFigures, app: SynthApp, jobDefinitions: number): SynthSummary | undefined {
  const runs = figures.runs.filter((candidate) => candidate.app === app && candidate.jobDefinitions === jobDefinitions);
  if (runs.length === 0) return undefined;
  const ok = runs.filter((candidate) => candidate.ok);
  if (ok.length === 0) {
    return {
      app,
      jobDefinitions,
      runs: runs.length,
      ok: false,
      error: runs[0].error,
      wallMillis: median(runs.map((r) => r.wallMillis)),
      cpuMillis: median(runs.map((r) => r.cpuMillis ?? Number.NaN)),
      maxRssKiB: median(runs.map((r) => r.maxRssKiB ?? Number.NaN)),
      validationMillis: Number.NaN,
      bundlingMillis: Number.NaN,
      constructionMillis: Number.NaN,
      scalingMillis: Number.NaN,
      resources: Number.NaN,
      templateBytes: Number.NaN,
      stacks: 0,
    };
  }
  const counter = (name: string) => median(ok.map((r) => r.counters?.[name] ?? 0));
  return {
    app,
    jobDefinitions,
    runs: ok.length,
    ok: true,
    wallMillis: median(ok.map((r) => r.wallMillis)),
    cpuMillis: median(ok.map((r) => r.cpuMillis ?? Number.NaN)),
    maxRssKiB: median(ok.map((r) => r.maxRssKiB ?? Number.NaN)),
    validationMillis: counter('validateTemplates'),
    bundlingMillis: counter('bundle:NodejsFunction'),
    constructionMillis: counter('phase:Construction'),
    scalingMillis: median(ok.map(scalingMillis)),
    resources: ok[0].resources ?? Number.NaN,
    templateBytes: ok[0].templateBytes ?? Number.NaN,
    stacks: ok[0].stacks ?? 0,
  };
}

/** Synth wall time against job definitions, for the app's successful sizes. */
export function synthFit(figures: SynthFigures, app: SynthApp, sizes: readonly number[], measure: (summary: SynthSummary) => number): LinearFit {
  const points = sizes
    .map((size) => summarizeSynth(figures, app, size))
    .filter((summary): summary is SynthSummary => summary !== undefined && summary.ok)
    .map((summary) => [summary.jobDefinitions, measure(summary)] as const);
  return linearFit(points);
}

/**
 * pendant / baseline at one size: the median over repetitions of the ratio of the two runs made back to back in
 * that repetition, so a change in the machine's load between repetitions cancels out of each ratio.
 */
export function pairedRatio(figures: SynthFigures, jobDefinitions: number, measure: (run: SynthRun) => number | undefined): number {
  const ratios: number[] = [];
  for (const pendant of figures.runs.filter((run) => run.app === 'pendant' && run.jobDefinitions === jobDefinitions && run.ok)) {
    const baseline = figures.runs.find(
      (run) => run.app === 'baseline' && run.jobDefinitions === jobDefinitions && run.repetition === pendant.repetition && run.ok,
    );
    const p = measure(pendant);
    const b = baseline && measure(baseline);
    if (p !== undefined && b !== undefined && b > 0) ratios.push(p / b);
  }
  return median(ratios);
}

/** See `SynthSummary.scalingMillis`. */
export function scalingMillis(run: SynthRun): number {
  const c = run.counters ?? {};
  const validatorStartUp = (c.validateTemplates ?? 0) - (c['CloudFormationValidate.validate'] ?? 0);
  return (c['phase:Construction'] ?? 0) + (c['phase:Synthesis'] ?? 0) - validatorStartUp;
}

/**
 * The quick start's `npx cdk synth` of the example app, two ways: as cdk.json runs it, from the TypeScript source
 * (ts-node, transpile-only), and from the same app compiled to JS first (`node <compiled bin/pendant.js>`, what
 * cdk.json ran before). Same CLI, same cdk.json context, built-in validation on, a fresh output directory each run.
 */
export type QuickStartWay = 'source' | 'compiled';

export interface QuickStartRun {
  readonly way: QuickStartWay;
  readonly repetition: number;
  readonly ok: boolean;
  readonly wallMillis: number;
  readonly cpuMillis?: number;
  readonly maxRssKiB?: number;
}

export async function measureQuickStartSynth(root: string, out: string, compiledApp: string, repetitions: number, log: (line: string) => void): Promise<QuickStartRun[]> {
  const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { app: string };
  const apps: Record<QuickStartWay, string> = { source: cdkJson.app, compiled: `node ${compiledApp}` };
  const gnuTime = hasGnuTime();
  const runs: QuickStartRun[] = [];
  const directory = join(out, 'quick-start');
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const order: QuickStartWay[] = repetition % 2 === 0 ? ['source', 'compiled'] : ['compiled', 'source'];
    for (const way of order) {
      rmSync(directory, { recursive: true, force: true });
      mkdirSync(directory, { recursive: true });
      const timeFile = join(directory, 'time.txt');
      const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' };
      delete env.CDK_VALIDATION;
      const cli = [join(root, 'node_modules', '.bin', 'cdk'), 'synth', '--app', apps[way], '-o', join(directory, 'cdk.out'), '--quiet', '--no-notices'];
      const finished = gnuTime
        ? await run(GNU_TIME, ['-f', '%e %U %S %M', '-o', timeFile, ...cli], { cwd: root, env, timeoutMillis: SYNTH_TIMEOUT_MILLIS })
        : await run(cli[0], cli.slice(1), { cwd: root, env, timeoutMillis: SYNTH_TIMEOUT_MILLIS });
      const timed = gnuTime && existsSync(timeFile) ? parseGnuTime(readFileSync(timeFile, 'utf8')) : undefined;
      const result: QuickStartRun = {
        way,
        repetition,
        ok: finished.code === 0,
        wallMillis: finished.wallMillis,
        cpuMillis: timed && timed.userMillis + timed.systemMillis,
        maxRssKiB: timed?.maxRssKiB,
      };
      runs.push(result);
      log(`quick start synth from ${way.padEnd(8)} run ${repetition + 1}: ${result.ok ? seconds(result.wallMillis) : `FAILED: ${finished.stderr.slice(-300)}`}`);
    }
  }
  rmSync(directory, { recursive: true, force: true });
  return runs;
}
