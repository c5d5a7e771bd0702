// Reads the tablet jsii-rosetta wrote for pendant's assembly and writes the Python translation of every construct
// README snippet to <out>/<name>.py, for mypy (scripts/python.sh). A construct snippet is a README snippet that imports only
// from pendant's construct entry point, aws-cdk-lib and constructs (the client, model and testing entry points are
// TypeScript-only, README "Python"), or an @example of a construct. Each must have compiled against the assembly:
// a Python translation of a snippet that does not compile is a guess, so this fails, naming it.
// Usage: node scripts/python-snippets.mjs <tablet> <out>
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [tabletFile, out] = process.argv.slice(2);
const tablet = JSON.parse(readFileSync(tabletFile, 'utf8'));
const CONSTRUCT_IMPORT = /^(pendant|aws-cdk-lib(\/[a-z0-9-]+)?|constructs)$/;

/** The modules a TypeScript snippet imports. */
function imports(source) {
  return [...source.matchAll(/^import\s[^;]*?from\s+'([^']+)';/gm)].map((match) => match[1]);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const failed = [];
let written = 0;
for (const snippet of Object.values(tablet.snippets)) {
  const { api, field } = snippet.location;
  const typescript = snippet.translations.$.source;
  const readme = api.api === 'moduleReadme';
  if (readme && !imports(typescript).every((module) => CONSTRUCT_IMPORT.test(module))) continue;
  const name = readme ? `readme_line_${field.line}` : `example_${api.fqn.replace(/\W/g, '_')}`;
  if (!snippet.didCompile) {
    failed.push(`${readme ? `README.md line ${field.line}` : `the @example of ${api.fqn}`} does not compile against the assembly`);
    continue;
  }
  // The @example snippets are fragments whose names come from the fixture: compiled, but not whole Python modules.
  if (!readme) continue;
  writeFileSync(join(out, `${name}.py`), `# Translated by jsii-rosetta from ${readme ? `README.md, line ${field.line}` : `the @example of ${api.fqn}`}.\n${snippet.translations.python.source}\n`);
  written += 1;
}
if (failed.length > 0) {
  console.error(`error: ${failed.join('; ')}; see build/python/rosetta.log for the compiler's messages`);
  process.exit(1);
}
if (written === 0) {
  console.error('error: no construct snippet found in the tablet');
  process.exit(1);
}
console.log(`python: ${written} README construct snippets translated to Python in ${out}, every construct @example compiled`);
