import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Starting and stopping the moto_server the integration suite talks to. The global setup and teardown are thin
 * wrappers over this module; tests read the endpoint from `ENDPOINT_VARIABLE` (see `aws.ts`).
 */

/** Set by the global setup; jest's workers inherit it. */
export const ENDPOINT_VARIABLE = 'PENDANT_TEST_MOTO_ENDPOINT';

/** Where the global setup leaves the server for the global teardown (both run in jest's parent process). */
const STATE_KEY = '__PENDANT_MOTO_SERVER__';

const EXECUTABLE = 'moto_server';
const HOST = '127.0.0.1';
const START_TIMEOUT_MILLIS = 30_000;
const STOP_TIMEOUT_MILLIS = 5_000;
/** Another process can take the free port between our probe and moto's bind: try a few ports before giving up. */
const START_ATTEMPTS = 3;

export interface RunningMoto {
  readonly endpoint: string;
  readonly pid: number;
  readonly logFile: string;
}

interface State extends RunningMoto {
  readonly child: ChildProcess;
  /** Removes the handlers that stop the server if jest's parent process goes away without the teardown. */
  readonly release: () => void;
}

/** The first executable `name` on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A port nobody listens on right now: the kernel picks one for a throwaway server on port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}

/** POSTs JSON to one of moto's own `/moto-api/…` endpoints. */
export async function motoApi(endpoint: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${endpoint}${path}`, {
    method: 'POST',
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`moto ${path} answered ${response.status}: ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/**
 * Batch without Docker: moto's "simple" backend marks a job SUCCEEDED inside SubmitJob. `/moto-api/reset` leaves
 * this setting alone, and a test that switches to the Docker backend changes it for the whole server, so the suite
 * applies it again after every reset.
 */
export const BATCH_WITHOUT_DOCKER = { batch: { use_docker: false } } as const;
/** moto's default when its Docker client finds an engine: each job runs in a container. */
const BATCH_WITH_DOCKER = { batch: { use_docker: true } } as const;

export interface StartMotoOptions {
  /**
   * A Docker Engine API (`unix://…` or `tcp://…`) for moto's Batch backend to run jobs' containers in, as the e2e's
   * real mode does. Without it, Batch runs no container and the suite keeps it without Docker (see above).
   */
  readonly dockerHost?: string;
}

export async function startMoto(options: StartMotoOptions = {}): Promise<RunningMoto> {
  const executable = findOnPath(EXECUTABLE);
  if (executable === undefined) {
    throw new Error(
      `${EXECUTABLE} is not on PATH: the integration suite runs against a local moto server. ` +
        'Install it with: pip install "moto[server]"',
    );
  }
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      const state = await launch(executable, await freePort(), options);
      (globalThis as Record<string, unknown>)[STATE_KEY] = state;
      process.env[ENDPOINT_VARIABLE] = state.endpoint;
      return { endpoint: state.endpoint, pid: state.pid, logFile: state.logFile };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function launch(executable: string, port: number, options: StartMotoOptions): Promise<State> {
  const endpoint = `http://${HOST}:${port}`;
  const logFile = motoLogFile(endpoint);
  const log = openSync(logFile, 'w');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Jobs submitted with moto's Docker backend (used to hold jobs before RUNNING, see fixtures.ts) must never
    // start a real container, even on a machine that has Docker: point the Docker client at nothing, unless asked.
    DOCKER_HOST: options.dockerHost ?? 'unix:///nonexistent/pendant-no-docker.sock',
  };
  // Would make every job moto's simple backend runs FAILED, after a sleep.
  delete env.MOTO_SIMPLE_BATCH_FAIL_AFTER;
  // Its own process group (detached), so the teardown can stop it and anything it started in one signal.
  const child = spawn(executable, ['-H', HOST, '-p', String(port)], { detached: true, stdio: ['ignore', log, log], env });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${executable}`);

  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  child.once('error', (error) => (exited = `failed: ${error.message}`));
  const release = guard(pid);
  const state: State = { endpoint, pid, logFile, child, release };

  const deadline = Date.now() + START_TIMEOUT_MILLIS;
  for (;;) {
    if (exited !== undefined) {
      release();
      throw new Error(`${EXECUTABLE} on port ${port} ${exited}; its log (${logFile}):\n${readLog(logFile)}`);
    }
    try {
      await motoApi(endpoint, '/moto-api/config', options.dockerHost === undefined ? BATCH_WITHOUT_DOCKER : BATCH_WITH_DOCKER);
      return state;
    } catch {
      if (Date.now() > deadline) {
        await stop(state);
        throw new Error(`${EXECUTABLE} did not answer on ${endpoint} within ${START_TIMEOUT_MILLIS} ms; its log (${logFile}):\n${readLog(logFile)}`);
      }
      await sleep(100);
    }
  }
}

/** Where the server on `endpoint` writes its log: requests, and the tracebacks of its HTTP 500s. */
export function motoLogFile(endpoint: string): string {
  return join(tmpdir(), `pendant-moto-${new URL(endpoint).port}.log`);
}

/** Stops the server the global setup started, by PID and process group; waits until it is gone. */
export async function stopMoto(): Promise<void> {
  const state = (globalThis as Record<string, unknown>)[STATE_KEY] as State | undefined;
  if (state === undefined) return;
  delete (globalThis as Record<string, unknown>)[STATE_KEY];
  delete process.env[ENDPOINT_VARIABLE];
  await stop(state);
}

async function stop(state: State): Promise<void> {
  state.release();
  if (state.child.exitCode !== null || state.child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => state.child.once('exit', () => resolve()));
  killGroup(state.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    gone.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MILLIS))),
  ]);
  clearTimeout(timer);
  if (!stopped) {
    killGroup(state.pid, 'SIGKILL');
    await gone;
  }
}

const FATAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The server runs in its own process group, so a Ctrl-C or a CI timeout that ends jest's parent does not reach it:
 * stop it then, and on any other exit that skips the teardown, and let the signal end jest as it would have.
 */
function guard(pid: number): () => void {
  const onExit = () => killGroup(pid, 'SIGKILL');
  const onSignal = (signal: NodeJS.Signals) => {
    release();
    killGroup(pid, 'SIGKILL');
    process.kill(process.pid, signal);
  };
  const release = () => {
    process.removeListener('exit', onExit);
    for (const signal of FATAL_SIGNALS) process.removeListener(signal, onSignal);
  };
  process.once('exit', onExit);
  for (const signal of FATAL_SIGNALS) process.once(signal, onSignal);
  return release;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '(no log)';
  }
}

function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}
