import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from '../../integration/moto/server';

/**
 * The container engine the journey's jobs run in: anything that serves the Docker Engine API, which is what moto's
 * Batch backend talks to (through the Python `docker` package, reading `DOCKER_HOST`). Docker itself, or podman,
 * whose `podman system service` serves the same API (`.ci/container-engine` installs and configures it on Debian).
 *
 * Only the API is used, never an engine's CLI, so the same code works for both.
 */

/** What the user asks for: `real` (jobs must run; CI's default), `simulated` (never run them), unset (run them if possible). */
export const JOBS_VARIABLE = 'PENDANT_E2E_JOBS';
/** Set by the global setup in real mode, for the journey: the engine's API and the job image it built there. */
export const DOCKER_HOST_VARIABLE = 'PENDANT_E2E_DOCKER_HOST';
export const JOB_IMAGE_VARIABLE = 'PENDANT_E2E_JOB_IMAGE';
/** Where a static busybox is, when it is not /bin/busybox. */
export const BUSYBOX_VARIABLE = 'PENDANT_E2E_BUSYBOX';

const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
const FATAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const PODMAN_START_TIMEOUT_MILLIS = 15_000;
const REQUEST_TIMEOUT_MILLIS = 30_000;
/** The repository of the job image; its tag is a hash of what went into it, so a rebuild happens only on change. */
const JOB_IMAGE_REPOSITORY = 'localhost/pendant-e2e-busybox';
/** Bump when the image's recipe below changes. */
const JOB_IMAGE_RECIPE = 1;

/** The Docker Engine API at one address: `unix:///path/to.sock` or `tcp://host:port`. */
export class DockerApi {
  public constructor(public readonly dockerHost: string) {}

  /** GET/POST/DELETE `path`; the status and the body (JSON when it parses). */
  public async call(method: string, path: string, body?: Buffer, contentType?: string): Promise<{ status: number; body: unknown }> {
    const target = this.target();
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...target,
          path,
          method,
          headers: { host: 'docker', ...(body !== undefined && { 'content-type': contentType ?? 'application/json', 'content-length': body.length }) },
          timeout: REQUEST_TIMEOUT_MILLIS,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              // not JSON: a stream of JSON lines (image import) or plain text (ping)
            }
            resolve({ status: response.statusCode ?? 0, body: parsed });
          });
          response.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} on ${this.dockerHost}: no answer within ${REQUEST_TIMEOUT_MILLIS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The engine's name and version when it answers, or why it does not. */
  public async identify(): Promise<{ engine?: string; problem?: string }> {
    try {
      const ping = await this.call('GET', '/_ping');
      if (ping.status !== 200) return { problem: `${this.dockerHost} answered /_ping with HTTP ${ping.status}` };
      const version = (await this.call('GET', '/version')).body as { Version?: string; Components?: Array<{ Name?: string; Version?: string }> };
      const component = version.Components?.[0];
      return { engine: `${component?.Name ?? 'Docker Engine'} ${component?.Version ?? version.Version ?? '(version unknown)'}` };
    } catch (error) {
      return { problem: `${this.dockerHost} does not answer: ${(error as Error).message}` };
    }
  }

  /** The containers whose name contains `text`, running or not, as the engine lists them. */
  public async containersNamed(text: string): Promise<Array<{ Id: string; Names: string[]; State: string }>> {
    const filters = encodeURIComponent(JSON.stringify({ name: [text] }));
    const answer = await this.call('GET', `/containers/json?all=true&filters=${filters}`);
    if (answer.status !== 200) throw new Error(`listing containers on ${this.dockerHost}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as Array<{ Id: string; Names: string[]; State: string }>;
  }

  /** Removes, running or not, every container whose name contains `text`; how many there were. */
  public async removeContainersNamed(text: string): Promise<number> {
    const containers = await this.containersNamed(text);
    for (const container of containers) await this.call('DELETE', `/containers/${container.Id}?force=true`);
    return containers.length;
  }

  private target(): { socketPath: string } | { host: string; port: number } {
    const url = new URL(this.dockerHost);
    if (url.protocol === 'unix:') return { socketPath: url.pathname };
    if (url.protocol === 'tcp:' || url.protocol === 'http:') return { host: url.hostname, port: Number(url.port || 2375) };
    throw new Error(`DOCKER_HOST ${this.dockerHost}: only unix:// and tcp:// (without TLS) are supported by the e2e`);
  }
}

/** In the journey: the engine and job image the global setup chose when jobs really run; undefined when simulated. */
export function journeyEngine(): { api: DockerApi; image: string } | undefined {
  const dockerHost = process.env[DOCKER_HOST_VARIABLE];
  const image = process.env[JOB_IMAGE_VARIABLE];
  return dockerHost && image ? { api: new DockerApi(dockerHost), image } : undefined;
}

/** An engine the journey can run jobs in; `stop` ends what the harness started for it (nothing for a running Docker). */
export interface ContainerEngine {
  readonly api: DockerApi;
  /** e.g. `Podman Engine 4.3.1`. */
  readonly description: string;
  readonly stop: () => Promise<void>;
}

/**
 * The engine to use, or why there is none: `DOCKER_HOST` if set, else Docker's default socket, else a podman on
 * PATH, whose API service is started for this run on a socket of its own (and stopped by `stop`).
 */
export async function findContainerEngine(): Promise<{ engine?: ContainerEngine; problems: string[] }> {
  const problems: string[] = [];
  const candidates = process.env.DOCKER_HOST ? [process.env.DOCKER_HOST] : existsSync(DEFAULT_DOCKER_SOCKET) ? [`unix://${DEFAULT_DOCKER_SOCKET}`] : [];
  for (const dockerHost of candidates) {
    const api = new DockerApi(dockerHost);
    const { engine, problem } = await api.identify();
    if (engine !== undefined) return { engine: { api, description: engine, stop: async () => undefined }, problems };
    problems.push(problem!);
  }
  if (candidates.length === 0) problems.push(`no DOCKER_HOST and no ${DEFAULT_DOCKER_SOCKET}`);
  const podman = findOnPath('podman');
  if (podman === undefined) {
    problems.push('no podman on PATH');
    return { problems };
  }
  try {
    return { engine: await startPodmanService(podman), problems };
  } catch (error) {
    problems.push((error as Error).message);
    return { problems };
  }
}

/** `podman system service` on a socket of its own, in its own process group; answers once the API does. */
async function startPodmanService(podman: string): Promise<ContainerEngine> {
  const directory = mkdtempSync(join(tmpdir(), 'pendant-podman-'));
  const dockerHost = `unix://${join(directory, 'podman.sock')}`;
  const logFile = join(directory, 'service.log');
  const log = openSync(logFile, 'w');
  // --time=0: the service never ends on its own for want of requests; the teardown stops it.
  const child: ChildProcess = spawn(podman, ['system', 'service', '--time=0', dockerHost], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  child.once('error', (error) => (exited = `failed: ${error.message}`));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  // Also when jest's parent process ends without the teardown (Ctrl-C, a CI timeout): the service is in a process
  // group of its own, which no signal to jest reaches. The signal still ends jest: re-raised when nobody else will.
  const onExit = () => killGroup('SIGKILL');
  const onSignal = (signal: NodeJS.Signals) => {
    release();
    killGroup('SIGKILL');
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const release = () => {
    process.removeListener('exit', onExit);
    for (const signal of FATAL_SIGNALS) process.removeListener(signal, onSignal);
  };
  process.once('exit', onExit);
  for (const signal of FATAL_SIGNALS) process.once(signal, onSignal);
  const stop = async () => {
    release();
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(directory, { recursive: true, force: true });
  };

  const api = new DockerApi(dockerHost);
  const deadline = Date.now() + PODMAN_START_TIMEOUT_MILLIS;
  for (;;) {
    const { engine } = await api.identify();
    if (engine !== undefined) return { api, description: engine, stop };
    if (exited !== undefined || Date.now() > deadline) {
      const output = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
      await stop();
      throw new Error(`podman system service ${exited ?? `did not answer within ${PODMAN_START_TIMEOUT_MILLIS} ms`}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A statically linked busybox to build the job image from, or why there is none. */
export function findStaticBusybox(): { path?: string; problem?: string } {
  const candidates = process.env[BUSYBOX_VARIABLE] ? [process.env[BUSYBOX_VARIABLE]] : ['/bin/busybox', '/usr/bin/busybox'];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    if (isStaticElf(readFileSync(path))) return { path };
    return { problem: `${path} is dynamically linked; the job image needs a static busybox (Debian: apt-get install busybox-static, or set ${BUSYBOX_VARIABLE})` };
  }
  return { problem: `no busybox at ${candidates.join(' or ')} (Debian: apt-get install busybox-static, or set ${BUSYBOX_VARIABLE})` };
}

/** True for an ELF executable without a program interpreter (PT_INTERP): it needs no shared libraries. */
function isStaticElf(bytes: Buffer): boolean {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) return false;
  const wide = bytes[4] === 2;
  const little = bytes[5] === 1;
  const u16 = (offset: number) => (little ? bytes.readUInt16LE(offset) : bytes.readUInt16BE(offset));
  const u32 = (offset: number) => (little ? bytes.readUInt32LE(offset) : bytes.readUInt32BE(offset));
  const programHeaders = wide ? Number(little ? bytes.readBigUInt64LE(0x20) : bytes.readBigUInt64BE(0x20)) : u32(0x1c);
  const entrySize = u16(wide ? 0x36 : 0x2a);
  const count = u16(wide ? 0x38 : 0x2c);
  const PT_INTERP = 3;
  for (let index = 0; index < count; index++) {
    if (u32(programHeaders + index * entrySize) === PT_INTERP) return false;
  }
  return true;
}

/**
 * The job image, built in the engine without a registry: a root filesystem of one static busybox, a link to it for
 * each of its applets in /bin, and an empty /tmp, imported as `localhost/pendant-e2e-busybox:<hash>`. The tag is a
 * hash of the binary and the recipe, so an image built by an earlier run is used as it is.
 */
export async function buildJobImage(api: DockerApi, busybox: string): Promise<string> {
  const binary = readFileSync(busybox);
  const tag = createHash('sha256').update(binary).update(`recipe ${JOB_IMAGE_RECIPE}`).digest('hex').slice(0, 16);
  const image = `${JOB_IMAGE_REPOSITORY}:${tag}`;
  if ((await api.call('GET', `/images/${image}/json`)).status === 200) return image;

  const root = mkdtempSync(join(tmpdir(), 'pendant-job-image-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'tmp'));
    chmodSync(join(root, 'tmp'), 0o1777);
    copyFileSync(busybox, join(root, 'bin', 'busybox'));
    chmodSync(join(root, 'bin', 'busybox'), 0o755);
    const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((name) => /^[a-z0-9_.[-]+$/.test(name) && name !== 'busybox');
    for (const applet of applets) symlinkSync('busybox', join(root, 'bin', applet));
    const archive = execFileSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 256 * 1024 * 1024 });
    // `repo` may carry the tag (Docker documents it; podman 4 ignores a separate `tag` on import).
    const query = new URLSearchParams({ fromSrc: '-', repo: image, changes: 'ENV PATH=/bin' });
    const answer = await api.call('POST', `/images/create?${query.toString()}`, archive, 'application/x-tar');
    if (answer.status !== 200) throw new Error(`importing the job image into ${api.dockerHost}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  if ((await api.call('GET', `/images/${image}/json`)).status !== 200) throw new Error(`the engine at ${api.dockerHost} took the job image but does not list ${image}`);
  return image;
}
