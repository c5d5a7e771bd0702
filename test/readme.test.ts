import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

const root = join(__dirname, '..');

/** The README's TypeScript blocks, each as the module it is meant to be. */
function snippets(): Array<{ file: string; source: string }> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match, index) => ({
    // Where a user's own test would sit: `../bin/…` is the app, `pendant/…` resolves through the paths below.
    file: join(root, 'test', `readme-snippet-${index + 1}.ts`),
    source: match[1],
  }));
}

describe('README', () => {
  it.each(['BatchPlatform', 'ComputeEnvironment', 'JobQueue', 'JobDefinition', 'RuntimeFunctions', 'PendantClient', 'Parameter', 'S3Uri', 'assetHashSerializer'])(
    'shows %s in a snippet that is compiled',
    (name) => {
      expect(snippets().some(({ source }) => new RegExp(`\\bnew ${name}\\b|\\b${name}\\.|\\(${name}\\)`).test(source))).toBe(true);
    },
  );

  it('compiles every TypeScript snippet against the package', () => {
    const files = snippets();
    const virtual = new Map(files.map(({ file, source }) => [file, source]));
    const options: ts.CompilerOptions = {
      ...ts.convertCompilerOptionsFromJson(JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions, root).options,
      noEmit: true,
      // Snippets show one thing each: a value they make and leave is fine there.
      noUnusedLocals: false,
      baseUrl: root,
      paths: {
        pendant: ['lib/index.ts'],
        'pendant/model': ['lib/model/index.ts'],
        'pendant/client': ['lib/client/index.ts'],
        'pendant/testing': ['lib/testing/index.ts'],
      },
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, ...rest) =>
      virtual.has(name) ? ts.createSourceFile(name, virtual.get(name)!, language) : getSourceFile(name, language, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => virtual.has(name) || fileExists(name);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => virtual.get(name) ?? readFile(name);

    const program = ts.createProgram([...virtual.keys()], options, host);
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((diagnostic) => diagnostic.file === undefined || virtual.has(diagnostic.file.fileName))
      .map((diagnostic) => {
        const where = diagnostic.file ? `${diagnostic.file.fileName.slice(root.length + 1)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}` : '';
        return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      });
    expect(diagnostics).toEqual([]);
  }, 120_000);
});
