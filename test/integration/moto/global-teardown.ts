import { stopMoto } from './server';

/** Stops the moto_server the global setup started (its whole process group), and waits until it is gone. */
export default async function globalTeardown(): Promise<void> {
  await stopMoto();
}
