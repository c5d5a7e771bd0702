import { startMoto } from '../../integration/moto/server';
import { buildJobImage, ContainerEngine, DOCKER_HOST_VARIABLE, findContainerEngine, findStaticBusybox, JOB_IMAGE_VARIABLE, JOBS_VARIABLE } from './container-engine';

/** Where the setup leaves the engine it started, for the teardown (both run in jest's parent process). */
const ENGINE_KEY = '__PENDANT_E2E_ENGINE__';
const BANNER_KEY = '__PENDANT_E2E_BANNER__';

/**
 * Chooses the journey's mode, says which, and starts moto for it.
 * - Real jobs: a container engine answers the Docker API (Docker, or podman started here) and a static busybox is
 *   at hand for the job image; moto's Batch runs every job in a container of that image.
 * - Simulated jobs: no engine; moto marks each job SUCCEEDED at submission, and no job runs.
 * `PENDANT_E2E_JOBS=real` (and CI=true) make a missing engine an error; `PENDANT_E2E_JOBS=simulated` skips the search.
 */
export default async function globalSetup(): Promise<void> {
  const asked = process.env[JOBS_VARIABLE] ?? (process.env.CI === 'true' ? 'real' : 'auto');
  if (!['real', 'simulated', 'auto'].includes(asked)) throw new Error(`${JOBS_VARIABLE}=${asked}: use real, simulated, or leave it unset`);

  let engine: ContainerEngine | undefined;
  let problems: string[] = [];
  if (asked !== 'simulated') {
    ({ engine, problems } = await findContainerEngine());
    const busybox = findStaticBusybox();
    if (engine !== undefined && busybox.path === undefined) {
      problems.push(busybox.problem!);
      await engine.stop();
      engine = undefined;
    }
    if (engine !== undefined) {
      try {
        process.env[JOB_IMAGE_VARIABLE] = await buildJobImage(engine.api, busybox.path!);
        process.env[DOCKER_HOST_VARIABLE] = engine.api.dockerHost;
      } catch (error) {
        await engine.stop();
        throw error;
      }
    }
  }
  if (engine === undefined && asked === 'real') {
    const why = process.env[JOBS_VARIABLE] === 'real' ? `${JOBS_VARIABLE}=real` : 'CI=true';
    throw new Error(
      `pendant e2e: ${why} asks for real jobs, but no container engine is usable: ${problems.join('; ')}. ` +
        'Install and configure podman with .ci/container-engine (Debian), or point DOCKER_HOST at a Docker Engine API.',
    );
  }

  const banner =
    engine === undefined
      ? `pendant e2e: SIMULATED JOBS — ${asked === 'simulated' ? `as ${JOBS_VARIABLE}=simulated asks` : `no usable container engine (${problems.join('; ')})`}.\n` +
        '  Jobs were NOT run: moto marks every job SUCCEEDED at submission and the logs step writes the output itself.\n' +
        '  Run them with Docker (DOCKER_HOST or /var/run/docker.sock) or podman (.ci/container-engine) and a static busybox.'
      : `pendant e2e: REAL JOBS — every job runs in a container of ${process.env[JOB_IMAGE_VARIABLE]}\n` +
        `  on ${engine.description}, Docker API at ${engine.api.dockerHost}.`;
  (globalThis as Record<string, unknown>)[ENGINE_KEY] = engine;
  (globalThis as Record<string, unknown>)[BANNER_KEY] = banner;
  process.stdout.write(`\n${banner}\n\n`);
  try {
    await startMoto(engine === undefined ? {} : { dockerHost: engine.api.dockerHost });
  } catch (error) {
    await engine?.stop();
    throw error;
  }
}

/** What the setup started, and the banner, for the teardown. */
export function setupState(): { engine?: ContainerEngine; banner?: string } {
  const state = globalThis as Record<string, unknown>;
  const found = { engine: state[ENGINE_KEY] as ContainerEngine | undefined, banner: state[BANNER_KEY] as string | undefined };
  delete state[ENGINE_KEY];
  delete state[BANNER_KEY];
  return found;
}
