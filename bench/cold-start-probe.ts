/**
 * Run in a fresh `node` process by the cold-start section: requires one handler bundle, which builds its SDK
 * clients and logger at module scope as Lambda's init phase does, and prints how long that took. `performance.now()`
 * counts from the process's start, so `sinceProcessStartMillis` includes node's own start-up.
 */
const bundle = process.argv[2];
const started = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle's path is an argument, and its load time is what is measured
const loaded = require(bundle) as { handler?: unknown };
const ready = performance.now();
if (typeof loaded.handler !== 'function') {
  process.stderr.write(`${bundle} exports no handler function\n`);
  process.exitCode = 2;
}
process.stdout.write(JSON.stringify({ requireMillis: ready - started, sinceProcessStartMillis: ready }));

export {};
