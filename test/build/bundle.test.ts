import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HANDLER_NAMES } from '../../lib/model/operations';

const root = join(__dirname, '..', '..');
/** Every handler the registry names: the build bundles each. */
const HANDLERS = HANDLER_NAMES;

/** Runs the build's own bundle script into a fresh directory and reads the five bundles back. */
function bundleInto(): Record<string, Buffer> {
  const out = mkdtempSync(join(tmpdir(), 'pendant-bundle-'));
  try {
    execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs'), out], { cwd: root, stdio: 'pipe' });
    return Object.fromEntries(HANDLERS.map((name) => [name, readFileSync(join(out, name, 'index.js'))]));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('npm run build › the handler bundles', () => {
  const first = bundleInto();
  const second = bundleInto();

  it.each(HANDLERS)('bundles %s byte for byte the same every time, so its asset hash is stable', (name) => {
    expect(second[name].equals(first[name])).toBe(true);
  });

  it.each(HANDLERS)('ships the %s bundle that the build made from this source', (name) => {
    expect(readFileSync(join(root, 'dist', 'lambda', name, 'index.js')).equals(first[name])).toBe(true);
  });

  it.each(HANDLERS)('makes %s a minified CommonJS module that exports handler and names no path of this machine', (name) => {
    const source = first[name].toString('utf8');
    expect(source).toMatch(/^"use strict";/);
    expect(source).toContain('module.exports');
    expect(source.split('\n').length).toBeLessThan(100);
    expect(source).not.toContain(root);
  });
});
