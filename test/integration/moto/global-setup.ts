import { startMoto } from './server';

/** Starts one moto_server for the whole integration suite on a free port of 127.0.0.1; see `server.ts`. */
export default async function globalSetup(): Promise<void> {
  await startMoto();
}
