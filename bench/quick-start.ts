import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { replaceSection } from '../test/support/markdown';
import { describeMachine, loadAverages } from './lib/machine';
import { median } from './lib/stats';
import { measureQuickStartSynth, QuickStartRun, QuickStartWay } from './synth';

/**
 * `npm run bench:quick-start`: the quick start's `npx cdk synth`, from source as cdk.json runs it and from the app
 * compiled to JS, alternating, and writes BENCHMARKS.md § Quick start synth (that section only). A minute or so.
 */

const ROOT = resolve(__dirname, '..', '..', '..');
const OUT = resolve(__dirname, '..');
const REPETITIONS = Number(process.env.PENDANT_BENCH_REPETITIONS ?? 5);
const SECTION_HEADING = '## Quick start synth';
const log = (line: string) => process.stdout.write(`${line}\n`);

/** The example app compiled as `tsc` would for `node dist/bin/pendant.js`, beside a link to the handler bundles. */
function compileExampleApp(): string {
  const directory = join(OUT, 'quick-start-app');
  rmSync(directory, { recursive: true, force: true });
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'tsc'),
    ['--outDir', directory, '--rootDir', ROOT, '--module', 'node16', '--moduleResolution', 'node16', '--target', 'ES2022', '--esModuleInterop', '--skipLibCheck', '--resolveJsonModule', '--types', 'node', join(ROOT, 'bin', 'pendant.ts')],
    { cwd: ROOT, stdio: 'inherit' },
  );
  mkdirSync(join(directory, 'dist'), { recursive: true });
  symlinkSync(join(ROOT, 'dist', 'lambda'), join(directory, 'dist', 'lambda'));
  return join(directory, 'bin', 'pendant.js');
}

const s = (millis: number | undefined) => (millis === undefined || Number.isNaN(millis) ? '–' : `${(millis / 1000).toFixed(2)} s`);

function sectionText(runs: QuickStartRun[], startedAt: string, load: { start: number[]; end: number[] }): string {
  const m = describeMachine(ROOT);
  const tsNode = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'ts-node', 'package.json'), 'utf8')) as { version: string };
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { app: string };
  const of = (way: QuickStartWay) => runs.filter((run) => run.way === way && run.ok);
  const row = (way: QuickStartWay, how: string) => {
    const ok = of(way);
    const cpu = ok.map((run) => run.cpuMillis).filter((value): value is number => value !== undefined);
    const rss = ok.map((run) => run.maxRssKiB).filter((value): value is number => value !== undefined);
    return `| ${how} | ${ok.length} of ${runs.filter((run) => run.way === way).length} | ${s(median(ok.map((run) => run.wallMillis)))} | ${cpu.length ? s(median(cpu)) : '–'} | ${rss.length ? `${Math.round(median(rss) / 1024)} MiB` : '–'} |`;
  };
  const ratio = median(of('source').map((run) => run.wallMillis)) / median(of('compiled').map((run) => run.wallMillis));
  return [
    SECTION_HEADING,
    '',
    'Written by `npm run bench:quick-start` (`bench/quick-start.ts`). The quick start\'s `npx cdk synth` of the example',
    'app (both stacks), from the repository root with the repository\'s CLI, cdk.json\'s context, built-in validation on,',
    '`--quiet --no-notices`, `CDK_DISABLE_CLI_TELEMETRY=true`, a fresh output directory each run; the two ways alternate.',
    'Wall time and CPU (user + system of the whole process tree, GNU `time`) are medians.',
    '',
    `Measured ${startedAt.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB memory, ${m.platform}; ` +
      `load average ${load.start.map((v) => v.toFixed(1)).join(' / ')} at the start, ${load.end.map((v) => v.toFixed(1)).join(' / ')} at the end.`,
    `Versions: node ${m.versions.node}, aws-cdk-lib ${m.versions['aws-cdk-lib']}, aws-cdk (CLI) ${m.versions['aws-cdk (CLI)']}, typescript ${m.versions.typescript}, ts-node ${tsNode.version}.`,
    '',
    '| app | runs | wall time | CPU | peak memory |',
    '|---|---:|---:|---:|---:|',
    row('source', `from source, as cdk.json runs it: \`${cdkJson.app}\``),
    row('compiled', 'compiled first (`tsc`), then `node bin/pendant.js` (what cdk.json ran before)'),
    '',
    `From source takes ${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'}× the compiled app's wall time: ts-node compiles \`bin/\` and \`lib/\` in`,
    'transpile-only mode (no type-check; `npm test` type-checks) on every synth, instead of once per build.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const load = { start: loadAverages() as number[], end: [] as number[] };
  const compiled = compileExampleApp();
  const runs = await measureQuickStartSynth(ROOT, OUT, compiled, REPETITIONS, log);
  load.end = loadAverages();
  const file = join(ROOT, 'BENCHMARKS.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, replaceSection(current, SECTION_HEADING, sectionText(runs, startedAt, load)));
  renameSync(temporary, file);
  if (runs.some((run) => !run.ok)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
