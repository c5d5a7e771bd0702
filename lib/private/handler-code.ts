import * as lambda from 'aws-cdk-lib/aws-lambda';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_FILE_NAME } from '../model/config';
import { ValidationError } from '../model/errors';
import type { HandlerName } from '../model/operations';

/** Every prebuilt bundle: the runtime functions', the `JobEvents` recorder's and the resume function RunJob waits through. */
export type Bundle = HandlerName;

/**
 * The prebuilt bundle of a handler: `dist/lambda/<operation>` of the installed package (from `dist/lib/private`)
 * or of the source tree (from `lib/private`, under ts-node or ts-jest). Nothing is bundled at synth time.
 */
export function bundleDirectory(operation: Bundle): string {
  const candidates = [join(__dirname, '..', '..', 'lambda', operation), join(__dirname, '..', '..', 'dist', 'lambda', operation)];
  const found = candidates.find((directory) => existsSync(join(directory, 'index.js')));
  if (found === undefined) {
    throw new ValidationError(`the ${operation} handler bundle is missing (looked in ${candidates.join(' and ')}); run npm run build`);
  }
  return found;
}

/**
 * The function's code: the bundle as it is, or, when its configuration ships a file, a copy of the bundle with
 * `pendant-config.json` holding the file's text as the configuration contract wrote it, staged in a directory named
 * by the hash of both so the asset hash only changes when the bundle or the configuration does.
 */
export function handlerCode(operation: Bundle, file: string | undefined): lambda.Code {
  const directory = bundleDirectory(operation);
  if (file === undefined) return lambda.Code.fromAsset(directory);
  const bundle = readFileSync(join(directory, 'index.js'));
  const hash = createHash('sha256').update(bundle).update('\0').update(file).digest('hex');
  const staged = join(tmpdir(), 'pendant-assets', `${operation}-${hash.slice(0, 32)}`);
  if (!existsSync(join(staged, CONFIG_FILE_NAME))) {
    // Staged under a temporary name and renamed, so a concurrent synth never sees half a directory.
    const partial = `${staged}.${process.pid}.partial`;
    mkdirSync(partial, { recursive: true });
    copyFileSync(join(directory, 'index.js'), join(partial, 'index.js'));
    writeFileSync(join(partial, CONFIG_FILE_NAME), file);
    try {
      renameSync(partial, staged);
    } catch (error) {
      if (!existsSync(join(staged, CONFIG_FILE_NAME))) throw error;
    }
  }
  return lambda.Code.fromAsset(staged);
}
