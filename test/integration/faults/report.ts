import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { FaultLabel, ProxyStats } from '../../faults/proxy';
import { replaceSection } from '../../support/markdown';

/**
 * The figures of `BENCHMARKS.md` § Reliability under faults. Each test writes its figure as JSON under `results/`
 * once its assertions have passed, then the section is rendered again from every result there; the rest of
 * BENCHMARKS.md (other engineers' sections) is left as it is.
 */

export const SECTION_HEADING = '## Reliability under faults';
const RESULTS_DIRECTORY = join(__dirname, 'results');
const BENCHMARKS_FILE = resolve(__dirname, '../../../BENCHMARKS.md');

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly moto: string;
}

export interface FigureResult {
  /** The figure's number in the issue. */
  readonly figure: number;
  readonly title: string;
  /** What the test asserts, in one sentence. */
  readonly guarantee: string;
  /** The faults injected: rate, kinds, operations, seed. */
  readonly faults: string;
  readonly proxy: Pick<ProxyStats, 'requests' | 'retries' | 'invocations' | 'faults' | 'byFault'>;
  /** Invocations the test's caller repeated after a retryable failure. */
  readonly callerRetries: number;
  readonly wallMillis: number;
  /** Figure-specific counts, in the order to print them. */
  readonly details: ReadonlyArray<readonly [string, string | number]>;
  readonly measuredAt: string;
  readonly machine: Machine;
}

export function machine(): Machine {
  let moto = 'unknown';
  try {
    moto = execFileSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    // python3 may not be the interpreter moto_server runs on; the version is only informative
  }
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    moto,
  };
}

/** Writes `result` to `results/figure-<n>.json` and renders the section of BENCHMARKS.md again. */
export function recordFigure(result: Omit<FigureResult, 'measuredAt' | 'machine'>): void {
  const full: FigureResult = { ...result, measuredAt: new Date().toISOString(), machine: machine() };
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  writeAtomically(join(RESULTS_DIRECTORY, `figure-${result.figure}.json`), `${JSON.stringify(full, null, 2)}\n`);
  renderSection();
}

export function readResults(): FigureResult[] {
  if (!existsSync(RESULTS_DIRECTORY)) return [];
  return readdirSync(RESULTS_DIRECTORY)
    .filter((name) => /^figure-\d+\.json$/.test(name))
    .map((name) => JSON.parse(readFileSync(join(RESULTS_DIRECTORY, name), 'utf8')) as FigureResult)
    .sort((a, b) => a.figure - b.figure);
}

/** Replaces (or appends) the section in BENCHMARKS.md, leaving every other section as it is. */
export function renderSection(results: FigureResult[] = readResults()): void {
  const current = existsSync(BENCHMARKS_FILE) ? readFileSync(BENCHMARKS_FILE, 'utf8') : '# Benchmarks\n';
  writeAtomically(BENCHMARKS_FILE, replaceSection(current, SECTION_HEADING, sectionText(results)));
}


const FAULT_ORDER: readonly FaultLabel[] = ['throttle', 'server-error', 'unavailable', 'reset', 'delay', 'lost-server-error', 'lost-unavailable', 'lost-reset', 'lost-throttle', 'delay-after'];

function faultBreakdown(byFault: Partial<Record<FaultLabel, number>>): string {
  const parts = FAULT_ORDER.filter((label) => (byFault[label] ?? 0) > 0).map((label) => `${byFault[label]} ${label}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

const seconds = (millis: number) => `${(millis / 1000).toFixed(1)} s`;
const count = (value: number) => value.toLocaleString('en-US');

export function sectionText(results: readonly FigureResult[]): string {
  const out: string[] = [SECTION_HEADING, ''];
  out.push(
    'Each figure is measured and written by the integration test that asserts it (`test/integration/faults/`, run by',
    '`npm run test:integration`), only once its assertions have passed. The handlers run in-process with their',
    'production SDK clients (`lambda/aws/clients.ts`: adaptive retries, 6 attempts) pointed at a fault-injecting',
    'proxy (`test/faults/proxy.ts`, seeded PRNG) in front of moto_server. "SDK retries" are the requests the proxy saw',
    'with `amz-sdk-request: attempt>1`; "caller retries" are invocations the test repeated after a retryable error',
    'escaped the SDK, as a Step Functions `Retry` would. The faults a run injects are reproducible (same seed, same',
    'order of requests); wall times are not, since the SDK jitters its backoff. Under throttling most of the wall time',
    "is the adaptive retry mode's own rate limiter: after a throttle the client sends at most 0.7 times the rate it",
    'measured, and never less than 0.5 requests a second (a one-off run of figure 2 in standard mode, same faults,',
    'took 1.7 s a call instead of about 8.5 s).',
    '',
  );
  const latest = [...results].sort((a, b) => a.measuredAt.localeCompare(b.measuredAt)).pop();
  if (latest !== undefined) {
    const m = latest.machine;
    out.push(`Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB memory, node ${m.node}, ${m.platform}, moto ${m.moto}.`, '');
  }
  out.push('| # | Figure | Guarantee (asserted) | Requests | Faults injected | SDK retries | Caller retries | Wall time | Measured |');
  out.push('|---|---|---|---:|---|---:|---:|---:|---|');
  for (const result of results) {
    out.push(
      `| ${result.figure} | ${result.title} | ${result.guarantee} | ${count(result.proxy.requests)} | ${count(result.proxy.faults)}: ${faultBreakdown(result.proxy.byFault)} | ${count(result.proxy.retries)} | ${count(result.callerRetries)} | ${seconds(result.wallMillis)} | ${result.measuredAt.slice(0, 10)} |`,
    );
  }
  for (const result of results) {
    out.push('', `### Figure ${result.figure}: ${result.title}`, '', `Faults: ${result.faults}.`, '');
    for (const [label, value] of result.details) out.push(`- ${label}: ${typeof value === 'number' ? count(value) : value}`);
  }
  out.push(
    '',
    '### moto behaviours these figures depend on',
    '',
    "- moto's DescribeJobs leaves `container.logConfiguration` out, so the logs handler reads `/aws/batch/job`; the",
    '  events are written there directly. moto accepts PutLogEvents batches above the real limits; the fixture keeps',
    "  to CloudWatch's 10,000 events / 1 MiB per call anyway.",
    '- Without Docker, moto finishes a job inside SubmitJob. Jobs that must stay active are submitted to the Docker',
    '  backend under a manual state transition that never fires, so they stay SUBMITTED (or are frozen in STARTING).',
    '- TerminateJob on such a held job only sets a stop flag and `statusReason` (the first reason wins, a',
    '  repeat is a no-op answering 200); the job stays where it is held. Released, every held job walks on to RUNNING',
    '  and turns FAILED because there is no Docker, cancelled or not: so "ended cancelled" is checked as',
    '  `statusReason` = the reason given (an un-cancelled control job ends FAILED without it), and every job must have',
    '  had at least one TerminateJob that moto accepted (seen at the proxy, answer delivered or lost).',
    '  Exactly one is not a guarantee anyone can give: after a lost answer the SDK sends the request again. The',
    '  call is idempotent in Batch, and moto keeps the first reason.',
    '- Like Batch, moto answers CancelJob on a STARTING job with success and ignores it, so the terminate handler',
    '  never sends CancelJob: TerminateJob cancels a job that has not started and terminates one that has. The',
    '  second terminate test holds a TerminateJob back 3 s while moto moves the job from RUNNABLE on, and checks',
    '  that the job is stopped with one DescribeJobs and no CancelJob.',
  );
  return `${out.join('\n')}\n`;
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}
