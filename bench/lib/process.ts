import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMillis: number;
}

/** Runs `command` to its end (or kills it after `timeoutMillis`), capturing its output. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMillis?: number } = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = options.timeoutMillis === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMillis);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        wallMillis: performance.now() - started,
      });
    });
  });
}

/** GNU time, when installed: it reports the peak RSS and CPU time of a whole process tree. */
export const GNU_TIME = '/usr/bin/time';

export function hasGnuTime(): boolean {
  try {
    accessSync(GNU_TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface Timed {
  readonly wallMillis: number;
  readonly userMillis: number;
  readonly systemMillis: number;
  /** The largest resident set of any process in the tree. */
  readonly maxRssKiB: number;
}

/** Parses what `GNU_TIME -f '%e %U %S %M' -o file` wrote. */
export function parseGnuTime(text: string): Timed | undefined {
  const line = text.trim().split('\n').pop() ?? '';
  const fields = line.trim().split(/\s+/).map(Number);
  if (fields.length !== 4 || fields.some((field) => !Number.isFinite(field))) return undefined;
  const [elapsed, user, system, maxRss] = fields;
  return { wallMillis: elapsed * 1000, userMillis: user * 1000, systemMillis: system * 1000, maxRssKiB: maxRss };
}
