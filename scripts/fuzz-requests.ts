/**
 * Fuzzes the runtime functions' request handling (those with a corpus) and prints what it finds:
 *   npx ts-node --transpile-only scripts/fuzz-requests.ts [--seed N] [--count N]
 * (a) accepted events whose AWS calls break an AWS rule, (b) events answered with anything but a pendant error or
 * refused only after an AWS call, and (c) refusal classes the corpus in test/corpus/ does not hold yet, each with
 * the smallest event that showed it. Exits 1 when it finds (a) or (b).
 */
import { loadAllCases } from '../test/corpus/corpus';
import { Finding, fuzz, KNOWN_DEVIATIONS, preview } from '../test/corpus/fuzz';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value < 0) {
    process.stderr.write(`--${name} must be a non-negative integer, got ${JSON.stringify(process.argv[index + 1])}\n`);
    process.exit(2);
  }
  return value;
}

function print(title: string, findings: readonly Finding[]): void {
  process.stdout.write(`\n${title}: ${findings.length}\n`);
  for (const finding of findings) {
    process.stdout.write(`  ${finding.handler} ${finding.what} (×${finding.count})\n    ${finding.message}\n    event: ${preview(finding.event)}\n`);
    const why = KNOWN_DEVIATIONS[finding.what];
    if (why !== undefined) process.stdout.write(`    why: ${why}\n`);
  }
}

async function main(): Promise<void> {
  const seed = option('seed', Date.now() % 2 ** 31);
  const count = option('count', 2000);
  const corpus = loadAllCases();
  const report = await fuzz({ seed, count, corpus });

  process.stdout.write(`fuzzed ${report.runs} events, seed ${report.seed}, against a corpus of ${corpus.length} cases\n`);
  for (const [handler, outcomes] of Object.entries(report.outcomes)) {
    const counts = Object.entries(outcomes).map(([kind, n]) => `${kind} ${n}`).join(', ');
    process.stdout.write(`  ${handler.padEnd(9)} ${counts}\n`);
  }
  print('(a) accepted, but breaking an AWS rule', report.violations);
  print('accepted outside an AWS rule pendant leaves to AWS on purpose (see KNOWN_DEVIATIONS)', report.deviations);
  print('(b) crashed, or refused only after calling AWS', report.crashes);
  print('refused without naming the field', report.unnamed);
  print('(c) refusal classes not in the corpus', report.candidates);
  if (report.violations.length > 0 || report.crashes.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
