import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE_NAME } from '../../lib/model/config';
import { ConfigurationError } from '../../lib/model/errors';

/**
 * The function's configuration variables: the process environment over the `pendant-config.json` that the
 * construct ships beside the bundle (for values too large for Lambda's 4 KB environment). Read once per container.
 */
export function functionEnvironment(directory: string = __dirname, env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const file = join(directory, CONFIG_FILE_NAME);
  if (!existsSync(file)) return env;
  let shipped: unknown;
  try {
    shipped = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(CONFIG_FILE_NAME, `is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof shipped !== 'object' || shipped === null || Array.isArray(shipped)) {
    throw new ConfigurationError(CONFIG_FILE_NAME, 'must be a JSON object of variables by name');
  }
  return { ...(shipped as Record<string, string>), ...env };
}
