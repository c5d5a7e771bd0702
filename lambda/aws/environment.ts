import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE_NAME, RuntimeConfig } from '../../lib/model/config';
import { readConfiguration } from '../../lib/model/configuration';

/**
 * The function's configuration: its environment and the `pendant-config.json` the construct ships beside the bundle,
 * handed to the model's contract as they are. Read once per container.
 */
export function functionConfig(directory: string = __dirname, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const file = join(directory, CONFIG_FILE_NAME);
  return readConfiguration(env, existsSync(file) ? readFileSync(file, 'utf8') : undefined);
}
