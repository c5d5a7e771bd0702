import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { OPERATIONS } from './bundles';
import { ColdStartFigures, ColdStartSummary, kib, summarizeColdStart, VARIANT_LABELS } from './cold-start';
import { Machine } from './lib/machine';
import { LinearFit, median } from './lib/stats';
import type { MotoFigures, ValidateFigure } from './moto-figures';
import { pairedRatio, summarizeSynth, SynthFigures, synthFit } from './synth';
import { replaceSection } from '../test/support/markdown';

/** The `## Performance` section of BENCHMARKS.md, rendered from one run's results. */

export const SECTION_HEADING = '## Performance';

/** Goals of the issue; a ratio is pendant / baseline. */
export const GOALS = {
  synthRatio: 0.6,
  coldStartRatio: 0.75,
  validateRatio: 3,
  /** What "grows linearly" is taken to mean: a least-squares line explains this much of the variance. */
  linearRSquared: 0.95,
} as const;

export interface Results {
  readonly startedAt: string;
  readonly totalMillis: number;
  readonly machine: Machine;
  readonly load: { readonly start: number[]; readonly end: number[] };
  readonly sizes: readonly number[];
  readonly repetitions: Record<string, number>;
  readonly synth?: SynthFigures;
  readonly coldStart?: ColdStartFigures;
  readonly moto?: MotoFigures;
  readonly errors: Record<string, string>;
}

export interface GoalCheck {
  readonly goal: string;
  readonly figure: string;
  readonly met: boolean | undefined;
}

const ms = (millis: number) => (Number.isFinite(millis) ? `${Math.round(millis).toLocaleString('en-US')} ms` : '–');
const s = (millis: number) => (Number.isFinite(millis) ? `${(millis / 1000).toFixed(2)} s` : '–');
const mib = (kiB: number) => (Number.isFinite(kiB) ? `${Math.round(kiB / 1024)} MiB` : '–');
const ratio = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '–');
const count = (value: number) => (Number.isFinite(value) ? value.toLocaleString('en-US') : '–');
const yesNo = (met: boolean | undefined) => (met === undefined ? 'not measured' : met ? '**met**' : '**not met**');

export function checkGoals(results: Results): GoalCheck[] {
  const checks: GoalCheck[] = [];
  const synth = results.synth;
  if (synth) {
    const pairs = results.sizes
      .map((size) => ({ size, pendant: summarizeSynth(synth, 'pendant', size), baseline: summarizeSynth(synth, 'baseline', size) }))
      .filter((pair) => pair.pendant?.ok && pair.baseline?.ok);
    const ratios = pairs.map((pair) => pairedRatio(synth, pair.size, (run) => run.wallMillis));
    checks.push({
      goal: `synth wall time pendant/baseline ≤ ${GOALS.synthRatio} at every size the baseline synthesizes`,
      figure: pairs.map((pair, index) => `${pair.size}: ${ratio(ratios[index])}`).join(', '),
      met: pairs.length === 0 ? undefined : ratios.every((value) => value <= GOALS.synthRatio),
    });
    const biggest = Math.max(...results.sizes);
    const largest = summarizeSynth(synth, 'pendant', biggest);
    checks.push({
      goal: `${biggest} job definitions synthesize in one pendant stack`,
      figure: largest?.ok ? `${largest.stacks} stack, ${count(largest.resources)} resources, ${s(largest.wallMillis)}` : `failed: ${largest?.error ?? 'not run'}`,
      met: largest === undefined ? undefined : largest.ok && largest.stacks === 1,
    });
    // Judged on the part of the synth that can depend on n. On a shared machine the wall (and even CPU) time of
    // identical runs differs by a second or more — mostly in the CLI's and the built-in validator's start-up, which
    // do not depend on n — far more than the ~10 ms a job definition costs, so a fit of the totals measures the
    // neighbours' load. The totals' fits are shown beside it.
    const scaling = synthFit(synth, 'pendant', results.sizes, (summary) => summary.scalingMillis);
    const cpu = synthFit(synth, 'pendant', results.sizes, (summary) => summary.cpuMillis);
    const wall = synthFit(synth, 'pendant', results.sizes, (summary) => summary.wallMillis);
    checks.push({
      goal: `synth time grows linearly in job definitions (least squares over the synth work that depends on n, R² ≥ ${GOALS.linearRSquared})`,
      figure:
        `${ms(scaling.slope)} per definition, R² ${scaling.rSquared.toFixed(3)} (totals: wall ${ms(wall.slope)} per definition, R² ${wall.rSquared.toFixed(3)}; ` +
        `CPU ${ms(cpu.slope)}, R² ${cpu.rSquared.toFixed(3)})`,
      met: Number.isFinite(scaling.rSquared) ? scaling.rSquared >= GOALS.linearRSquared : undefined,
    });
  }
  const cold = results.coldStart;
  if (cold) {
    const figures = OPERATIONS.map((operation) => {
      const pendant = summarizeColdStart(cold, operation, 'pendant');
      const baseline = summarizeColdStart(cold, operation, 'nodejsFunction');
      return { operation, value: pendant && baseline ? pendant.requireMillis / baseline.requireMillis : Number.NaN };
    });
    checks.push({
      goal: `load time pendant/NodejsFunction default ≤ ${GOALS.coldStartRatio} for every handler`,
      figure: figures.map((figure) => `${figure.operation} ${ratio(figure.value)}`).join(', '),
      met: figures.every((figure) => figure.value <= GOALS.coldStartRatio),
    });
  }
  const moto = results.moto;
  if (moto) {
    checks.push({
      goal: 'status of n jobs makes exactly ceil(n/100) DescribeJobs calls',
      figure: moto.status.map((figure) => `n=${count(figure.jobs)}: ${figure.describeJobsCalls}/${figure.floor}`).join(', '),
      met: moto.status.every((figure) => figure.describeJobsCalls === figure.floor),
    });
    checks.push({
      goal: "listing an array's children makes one ListJobs per page",
      figure: (moto.children ?? []).map((figure) => `${count(figure.children)} children, ${count(figure.pageSize)} a page: ${figure.listJobsCalls}/${figure.pages}`).join(', '),
      met: (moto.children ?? []).length > 0 && (moto.children ?? []).every((figure) => figure.listJobsCalls === figure.pages),
    });
    checks.push({
      goal: 'logs of a b-byte stream make at most ceil(b/1 MB)+1 GetLogEvents calls',
      figure: moto.logs.map((figure) => `${count(figure.events)} events: ${figure.getLogEventsCalls}/${figure.floor}`).join(', '),
      met: moto.logs.every((figure) => figure.getLogEventsCalls <= figure.floor),
    });
    const [first] = moto.validate;
    const againstMoto = first && validatePair(moto, first);
    const simulated = moto.validate.find((f) => f.s3 === 'simulated' && f.s3Concurrency === first?.s3Concurrency && f.injectedLatencyMillis === first?.injectedLatencyMillis);
    const inClient = simulated && validatePair(moto, simulated);
    const most = againstMoto?.many;
    checks.push({
      goal:
        `validate of ${most?.inputs ?? 50} must-exist inputs runs them concurrently: all in flight at once (counted by middleware, against moto), ` +
        `and within ${GOALS.validateRatio}× the wall time of ${againstMoto?.one.inputs ?? 1} under +${first?.injectedLatencyMillis ?? 50} ms per HeadObject ` +
        `(default configuration: ${first?.s3Concurrency ?? '?'} at once)`,
      figure:
        (most ? `${most.mostInFlight} of ${most.inputs} in flight against moto; ` : '') +
        (inClient ? `S3 answered in the client: ${ms(inClient.many.wallMillis)} / ${ms(inClient.one.wallMillis)} = ${ratio(inClient.ratio)}×; ` : '') +
        (againstMoto ? `against moto: ${ms(againstMoto.many.wallMillis)} / ${ms(againstMoto.one.wallMillis)} = ${ratio(againstMoto.ratio)}×` : '–'),
      met: most && inClient ? most.mostInFlight === most.inputs && inClient.ratio <= GOALS.validateRatio : undefined,
    });
  }
  return checks;
}

/** The fewest and the most inputs measured with `like`'s settings. */
function validatePair(moto: MotoFigures, like: ValidateFigure) {
  const figures = moto.validate.filter(
    (figure) => figure.s3Concurrency === like.s3Concurrency && figure.injectedLatencyMillis === like.injectedLatencyMillis && figure.s3 === like.s3,
  );
  const one = figures.find((figure) => figure.inputs === Math.min(...figures.map((f) => f.inputs)));
  const many = figures.find((figure) => figure.inputs === Math.max(...figures.map((f) => f.inputs)));
  if (one === undefined || many === undefined || one === many) return undefined;
  return { one, many, ratio: many.wallMillis / one.wallMillis };
}

export function sectionText(results: Results): string {
  const m = results.machine;
  const out: string[] = [SECTION_HEADING, ''];
  out.push(
    'Written by `npm run bench` (`bench/`) from one run; the raw figures are in `bench/out/results.json`. The bench is',
    'not a test: it prints every figure beside its baseline or floor and never fails on a goal missed. Wall times',
    'depend on what else the machine is doing (its load average is given), so CPU time is shown beside them.',
    '',
    `Measured ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC in ${s(results.totalMillis)} on ${m.cpus} CPUs (${m.cpuModel}), ` +
      `${m.memoryGiB} GiB memory, ${m.platform}; load average ${results.load.start.map((v) => v.toFixed(1)).join(' / ')} (1/5/15 min) at the start, ` +
      `${results.load.end.map((v) => v.toFixed(1)).join(' / ')} at the end.`,
    `Versions: ${Object.entries(m.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}.`,
    '',
  );
  for (const [section, error] of Object.entries(results.errors)) out.push(`**${section} was not measured**: ${error}`, '');

  out.push('### Goals', '', '| Goal | Figure | |', '|---|---|---|');
  const checks = checkGoals(results);
  for (const check of checks) out.push(`| ${check.goal} | ${check.figure} | ${yesNo(check.met)} |`);
  out.push('');
  const why = missedGoalNotes(results, checks);
  if (why.length > 0) out.push('Why a goal is missed, from the figures below:', '', ...why, '');

  if (results.synth) out.push(...synthText(results, results.synth));
  if (results.coldStart) out.push(...coldStartText(results.coldStart));
  if (results.moto) out.push(...motoText(results.moto));
  return out.join('\n');
}

/** For each goal missed, what the figures say about why. */
function missedGoalNotes(results: Results, checks: readonly GoalCheck[]): string[] {
  const notes: string[] = [];
  const synth = results.synth;
  const synthCheck = checks.find((check) => check.goal.startsWith('synth wall time'));
  if (synth && synthCheck?.met === false) {
    const p = summarizeSynth(synth, 'pendant', 1);
    const b = summarizeSynth(synth, 'baseline', 1);
    const cli = median(
      synth.runs.filter((run) => run.ok && run.appStats).map((run) => run.wallMillis - run.appStats!.wallMillis),
    );
    const without = results.sizes
      .filter((size) => summarizeSynth(synth, 'baseline', size)?.ok)
      .map((size) => ({ size, value: pairedRatio(synth, size, (run) => run.wallMillis - (run.counters?.validateTemplates ?? 0)) }));
    const withoutValidation = without.map(({ size, value }) => `${size}: ${ratio(value)}`).join(', ');
    const withoutValidationMet = without.every(({ value }) => value <= GOALS.synthRatio);
    if (p && b) {
      notes.push(
        `- **Synth ratio.** Both apps pay two costs pendant does not control: the CDK CLI around the app (median ${s(cli)} a run) and ` +
          `aws-cdk-lib's built-in CloudFormation validation (\`validateTemplates\`: ${s(p.validationMillis)} for pendant and ${s(b.validationMillis)} ` +
          'for the baseline at n = 1), most of which is starting its engine — a 9 MB WebAssembly module and the resource schemas — ' +
          'in every synth, whatever the app. What pendant does control it removes: no bundling at synth ' +
          `(the baseline's five NodejsFunctions spend ${s(b.bundlingMillis)} in esbuild through npx) and one resource per job definition ` +
          `instead of three. Without the built-in validation (each run's wall time less its \`validateTemplates\`) the ratio is ${withoutValidation}` +
          (withoutValidationMet ? `, within ${GOALS.synthRatio} at every size` : '') +
          `. With it on for both, a ratio of ${GOALS.synthRatio} would need pendant's own part to shrink by about the validator's start-up, ` +
          'which pendant cannot do: the profile of its own code (constructs, bundle lookup, acknowledgements) is a few hundred ' +
          'milliseconds, the rest is aws-cdk-lib and node loading it.',
      );
    }
  }
  const moto = results.moto;
  const validateCheck = checks.find((check) => check.goal.startsWith('validate of'));
  const motoAlone = moto?.validate.find((f) => f.s3 === 'moto' && f.injectedLatencyMillis === 0 && f.inputs > 1);
  if (motoAlone) {
    notes.push(
      `- **Validate against moto.** moto_server answers one request at a time: ${motoAlone.inputs} HeadObjects with no injected latency ` +
        `take it ${ms(motoAlone.wallMillis)} however many are in flight, so against moto the wall-time ratio measures moto's service time, ` +
        `not pendant's concurrency. The middleware count shows all of them in flight at once; the wall-time goal is judged with S3 ` +
        `answered in the client after the same latency, where nothing but pendant is in the way.`,
    );
  }
  for (const check of checks) {
    if (check.met !== false || check === synthCheck || check === validateCheck) continue;
    notes.push(`- **${check.goal}**: ${check.figure}.`);
  }
  return notes;
}

function synthText(results: Results, synth: SynthFigures): string[] {
  const out: string[] = ['### Synth: the example platform with n job definitions', ''];
  out.push(
    '`cdk synth` as users run it: the repository\'s CDK CLI (`node_modules/.bin/cdk synth --app "node <app>.js" -o <fresh dir>',
    '--quiet --no-notices`, `CDK_DISABLE_CLI_TELEMETRY=true`) from the repository root, so both apps read the same',
    '`cdk.json`; built-in CloudFormation validation on for both (aws-cdk-lib\'s default). The apps are compiled JS',
    '(`bench/apps/*.ts`, built by `tsc -p bench/tsconfig.json`):',
    '',
    '- **pendant**: `BatchPlatform` with the example app\'s two queues (Fargate Spot + Fargate, EC2 Spot) and n job',
    '  definitions shaped like its demo-job (Fargate, 1 vCPU, 2 GiB, one must-exist S3 parameter); the handlers are',
    '  the prebuilt bundles of `scripts/bundle.mjs`, deployed with `Code.fromAsset`.',
    '- **baseline**: the same resources written with aws-cdk-lib L2 constructs and their defaults (a VPC with flow',
    '  log, KMS key, job log group, the three compute environments, two queues, n `EcsJobDefinition`s — each with',
    '  its own execution role and policy —, the idempotency table, and the five handlers as `NodejsFunction`s with',
    '  default bundling, which runs esbuild through `npx` for each function on every synth).',
    '',
    `Wall time is the whole \`cdk synth\` (CLI + app), median of ${Object.entries(results.repetitions)
      .map(([size, reps]) => `${reps} at ${size}`)
      .join(', ')} runs; in each repetition the two apps run back to back (alternating which goes first) and a ratio is` +
      ' the median of the ratios of those pairs, so a change in the machine\'s load between repetitions cancels out. CPU time and peak memory are' +
      (synth.gnuTime ? ' the whole process tree\'s (GNU `time`: user + system, largest resident set).' : " the app process's own (`process.resourceUsage()`)."),
    '"Built-in validation" and "bundling" are aws-cdk-lib\'s own phase timings of the same runs (`performance-counters.json`',
    'of the assembly: `validateTemplates`, `bundle:NodejsFunction`).',
    '',
    '| job definitions | pendant | baseline | ratio | CPU pendant | CPU baseline | CPU ratio | peak memory p / b | resources p / b | built-in validation p / b | NodejsFunction bundling | ratio without built-in validation |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const size of results.sizes) {
    const p = summarizeSynth(synth, 'pendant', size);
    const b = summarizeSynth(synth, 'baseline', size);
    if (p === undefined) continue;
    const pendantWall = p.ok ? s(p.wallMillis) : `failed: ${p.error}`;
    if (b === undefined || !b.ok) {
      const why = b === undefined ? 'not run: fails at a smaller size' : `fails: \`${b.error}\``;
      out.push(`| ${size} | ${pendantWall} | ${why} | – | ${s(p.cpuMillis)} | – | – | ${mib(p.maxRssKiB)} / – | ${count(p.resources)} / – | ${s(p.validationMillis)} / – | – | – |`);
      continue;
    }
    const wallRatio = pairedRatio(synth, size, (run) => run.wallMillis);
    const cpuRatio = pairedRatio(synth, size, (run) => run.cpuMillis);
    const withoutValidation = pairedRatio(synth, size, (run) => run.wallMillis - (run.counters?.validateTemplates ?? 0));
    out.push(
      `| ${size} | ${pendantWall} | ${s(b.wallMillis)} | ${ratio(wallRatio)} | ${s(p.cpuMillis)} | ${s(b.cpuMillis)} | ${ratio(cpuRatio)} | ` +
        `${mib(p.maxRssKiB)} / ${mib(b.maxRssKiB)} | ${count(p.resources)} / ${count(b.resources)} | ${s(p.validationMillis)} / ${s(b.validationMillis)} | ` +
        `${s(b.bundlingMillis)} | ${ratio(withoutValidation)} |`,
    );
  }
  out.push('');
  const fitLine = (label: string, fit: LinearFit) =>
    `- ${label}: ${s(fit.intercept)} + ${ms(fit.slope)} × n (R² ${fit.rSquared.toFixed(3)})`;
  out.push('Least-squares fit of the median wall time against n:', '');
  out.push(fitLine('pendant', synthFit(synth, 'pendant', results.sizes, (summary) => summary.wallMillis)));
  out.push(fitLine('baseline (sizes it synthesizes)', synthFit(synth, 'baseline', results.sizes, (summary) => summary.wallMillis)));
  out.push(fitLine('pendant, CPU time', synthFit(synth, 'pendant', results.sizes, (summary) => summary.cpuMillis)));
  out.push(fitLine('pendant, built-in validation alone', synthFit(synth, 'pendant', results.sizes, (summary) => summary.validationMillis)));
  out.push(
    fitLine(
      "pendant, the synth work that depends on n (construction + synthesis, less the built-in validator's start-up)",
      synthFit(synth, 'pendant', results.sizes, (summary) => summary.scalingMillis),
    ),
  );
  out.push(
    fitLine("baseline, the same", synthFit(synth, 'baseline', results.sizes, (summary) => summary.scalingMillis)),
  );
  const resources = synthFit(synth, 'baseline', results.sizes, (summary) => summary.resources);
  if (Number.isFinite(resources.slope) && resources.slope > 0) {
    out.push(
      `- baseline resources: ${resources.intercept.toFixed(0)} + ${resources.slope.toFixed(2)} × n, so CloudFormation's 500-resource limit ` +
        `stops it at about n = ${Math.floor((500 - resources.intercept) / resources.slope)}`,
    );
  }
  out.push('');
  return out;
}

function coldStartText(cold: ColdStartFigures): string[] {
  const out: string[] = ['### Cold start proxy: loading each handler bundle', ''];
  out.push(
    `A fresh \`node\` process requires the bundle, which builds the handler's SDK clients and logger at module scope as`,
    `Lambda's init phase does (\`bench/cold-start-probe.ts\`); the figure is the time \`require\` takes, median of ${cold.runs}`,
    'runs (90th percentile beside it), every variant of every handler interleaved after one untimed round. "After node',
    'start" adds node\'s own start-up. The SDK-external bundle resolves `@aws-sdk/*` from the repository\'s',
    'node_modules (on Lambda, the runtime\'s copy: a different SDK version than the one tested).',
    '',
  );
  for (const [variant, label] of Object.entries(VARIANT_LABELS)) out.push(`- **${variant}**: ${label}`);
  const matches = Object.entries(cold.matchesSynthAssets);
  if (matches.length > 0) {
    const same = matches.filter(([, equal]) => equal).map(([operation]) => operation);
    out.push(
      '',
      `The NodejsFunction-default bundles are built here with esbuild's API; ${same.length} of ${matches.length} are byte-identical to the bundles` +
        ` \`NodejsFunction\` itself made in the baseline synth${same.length === matches.length ? '' : ` (identical: ${same.join(', ') || 'none'})`}.`,
    );
  }
  out.push(
    '',
    '| handler | bundle pendant | bundle NodejsFunction | bundle bundleAwsSDK | load pendant | load NodejsFunction | ratio | load bundleAwsSDK | after node start p / NodejsFunction |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const operation of OPERATIONS) {
    const p = summarizeColdStart(cold, operation, 'pendant');
    const b = summarizeColdStart(cold, operation, 'nodejsFunction');
    const c = summarizeColdStart(cold, operation, 'nodejsFunctionSdkBundled');
    if (!p || !b) continue;
    const load = (x: ColdStartSummary | undefined) => (x ? `${x.requireMillis.toFixed(1)} ms (p90 ${x.requireP90Millis.toFixed(1)})` : '–');
    out.push(
      `| ${operation} | ${kib(p.bundleBytes)} | ${kib(b.bundleBytes)} | ${c ? kib(c.bundleBytes) : '–'} | ${load(p)} | ${load(b)} | ${ratio(p.requireMillis / b.requireMillis)} | ${load(c)} | ` +
        `${p.sinceProcessStartMillis.toFixed(1)} / ${b.sinceProcessStartMillis.toFixed(1)} ms |`,
    );
  }
  out.push('', ...bundlingChoice(cold), '');
  return out;
}

/** The justification of `scripts/bundle.mjs`'s choice, from the figures just measured. */
function bundlingChoice(cold: ColdStartFigures): string[] {
  const rows = OPERATIONS.map((operation) => ({
    p: summarizeColdStart(cold, operation, 'pendant'),
    b: summarizeColdStart(cold, operation, 'nodejsFunction'),
    c: summarizeColdStart(cold, operation, 'nodejsFunctionSdkBundled'),
  })).filter((row) => row.p && row.b);
  if (rows.length === 0) return [];
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const pendantLoad = mean(rows.map((row) => row.p!.requireMillis));
  const externalLoad = mean(rows.map((row) => row.b!.requireMillis));
  const withC = rows.filter((row) => row.c);
  const cjsLoad = withC.length > 0 ? mean(withC.map((row) => row.c!.requireMillis)) : Number.NaN;
  const lines = [
    `**The bundling choice.** Across the five handlers, pendant's bundles load in ${pendantLoad.toFixed(1)} ms on average against ` +
      `${externalLoad.toFixed(1)} ms for the SDK left external (${ratio(pendantLoad / externalLoad)}×)` +
      (Number.isFinite(cjsLoad) ? ` and ${cjsLoad.toFixed(1)} ms for the SDK bundled from its CommonJS entry points (${ratio(pendantLoad / cjsLoad)}×)` : '') +
      '. ',
  ];
  lines[0] +=
    pendantLoad < externalLoad
      ? 'Bundling the SDK from its ES module entry points lets esbuild drop what the handlers never call and hands node one file to ' +
        'compile instead of resolving and reading hundreds of modules under node_modules; it also pins the SDK version that was tested. ' +
        'The price is a larger deployment package, still far below Lambda\'s 50 MB limit.'
      : 'On these figures the external SDK loads faster: the choice of bundling the SDK rests on pinning the tested SDK version, not on load time.';
  return lines;
}

function motoText(moto: MotoFigures): string[] {
  const out: string[] = ['### API efficiency against moto, counted by middleware', ''];
  out.push(
    'The handlers\' own code (compiled `lambda/handlers/*`) runs in the bench\'s process with real SDK v3 clients over',
    'HTTP to `moto_server` (the integration harness\'s `startMoto` on a free loopback port, `resetMoto` before each',
    'figure); its `recordCalls` middleware counts each command once, as its caller sent it, before retries.',
    '',
    '**Status of n jobs** (n jobs submitted to moto, all asked in one request):',
    '',
    '| n | DescribeJobs calls | floor ceil(n/100) | jobs answered | wall time |',
    '|---:|---:|---:|---:|---:|',
  );
  for (const f of moto.status) out.push(`| ${count(f.jobs)} | ${f.describeJobsCalls} | ${f.floor} | ${count(f.answered)} | ${ms(f.wallMillis)} |`);
  if ((moto.children ?? []).length > 0) {
    out.push(
      '',
      "**An array's children, page by page** (`{ jobId, children: { status, limit, nextToken } }` until the token is",
      'null). moto 5.2.1 answers ListJobs in one page whatever `maxResults`; middleware on the bench\'s client pages its',
      'answer as Batch does, so the calls are counted against pages that exist:',
      '',
      '| children | a page | pages | ListJobs calls | DescribeJobs calls | wall time |',
      '|---:|---:|---:|---:|---:|---:|',
    );
    for (const f of moto.children) out.push(`| ${count(f.children)} | ${count(f.pageSize)} | ${f.pages} | ${f.listJobsCalls} | ${f.describeJobsCalls} | ${ms(f.wallMillis)} |`);
  }
  out.push(
    '',
    `**Logs of a stream of b bytes**, read from the head to its end through as many responses as it takes (a request`,
    'without `limit` gets at most 10,000 events a response, and at most the 4 MiB budget; `nextToken` is null once the',
    `job is finished and its stream read to the end). b counts each event as CloudWatch does (UTF-8 message + 26 bytes); the events are ${moto.logs[0]?.eventBytes ?? '–'} bytes so that a`,
    'full page of 10,000 events (1,040,000 bytes) is also under 1 MB: moto limits a page to 10,000 events but not to',
    '1 MB, and with these events its pages are the pages CloudWatch would return.',
    '',
    '| events | b | GetLogEvents calls | floor ceil(b/1 MB)+1 | responses | largest response | DescribeJobs calls | wall time |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const f of moto.logs) {
    out.push(
      `| ${count(f.events)} | ${count(f.streamBytes)} | ${f.getLogEventsCalls} | ${f.floor} | ${f.responses} | ${count(f.largestResponseBytes)} bytes | ${f.describeJobsCalls} | ${ms(f.wallMillis)} |`,
    );
  }
  const latency = moto.validate.find((figure) => figure.injectedLatencyMillis > 0)?.injectedLatencyMillis ?? 50;
  out.push(
    '',
    `**Validate of k must-exist inputs** under an injected ${latency} ms latency: SDK middleware in the S3 client's`,
    `\`finalizeRequest\` step sleeps ${latency} ms before each HeadObject goes out, and counts how many are in flight at once.`,
    `Median of ${moto.validate[0]?.samples.length ?? 0} requests after one warm-up request. "At most at once" is the configuration's`,
    '`PENDANT_MAX_CONCURRENCY`: the default first (the goal\'s figure), then every input at once, then the same without',
    'injected latency, which is moto\'s own time to answer the HeadObjects. The "simulated" rows have no server at all:',
    'the S3 client\'s request handler answers every HeadObject 200 after the injected latency, which takes moto\'s service',
    'time out and leaves pendant\'s own concurrency.',
    '',
    '| S3 | k | at most at once | injected latency | HeadObject calls | most in flight | wall time | × k=1 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const f of moto.validate) {
    const pair = validatePair(moto, f);
    out.push(
      `| ${f.s3} | ${f.inputs} | ${f.s3Concurrency} | ${f.injectedLatencyMillis} ms | ${f.headObjectCalls} | ${f.mostInFlight} | ${ms(f.wallMillis)} | ` +
        `${pair && f.inputs !== pair.one.inputs ? ratio(f.wallMillis / pair.one.wallMillis) : '–'} |`,
    );
  }
  out.push(
    '',
    '### Handler throughput against moto (for the record)',
    '',
    'One request at a time, as one Lambda container serves them, after one warm-up request; moto (a single Python',
    'process on the same two cores) does most of the work, so these are moto\'s figures as much as pendant\'s.',
    '',
    '| handler | request | requests/s | median latency | requests | AWS calls per request |',
    '|---|---|---:|---:|---:|---|',
  );
  for (const f of moto.throughput) {
    const calls = Object.entries(f.callsPerRequest)
      .map(([name, value]) => `${name} ${value}`)
      .join(', ');
    out.push(`| ${f.operation} | ${f.request} | ${f.requestsPerSecond.toFixed(1)} | ${f.medianLatencyMillis.toFixed(1)} ms | ${f.requests} | ${calls} |`);
  }
  out.push('');
  return out;
}


/** Rewrites only the `## Performance` section of `file`, reading the file just before writing it. */
export function writeSection(file: string, section: string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, replaceSection(current, SECTION_HEADING, section));
  renameSync(temporary, file);
}
