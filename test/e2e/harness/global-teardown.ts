import { stopMoto } from '../../integration/moto/server';
import { setupState } from './global-setup';

/** Stops moto, then the engine service the setup started (if it did), and says again which mode ran. */
export default async function globalTeardown(): Promise<void> {
  const { engine, banner } = setupState();
  try {
    await stopMoto();
  } finally {
    await engine?.stop();
  }
  if (banner !== undefined) process.stdout.write(`\n${banner}\n`);
}
