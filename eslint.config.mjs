// Type-aware lint over everything tsconfig.json compiles (`npm run lint`, part of `npm test`). The rules that need
// the type checker (floating and misused promises, awaiting what is not a promise, unsafe `any`) catch what tsc
// itself lets through.
import js from '@eslint/js';
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'cdk.out/**', 'bench/out/**', 'node_modules/**', 'test/consumers/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Named props interfaces that only narrow another (`interface XOptions extends Omit<XProps, 'y'> {}`) are the
      // CDK's (and jsii's) way to give a prop type a name.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      // `import fs = require('node:fs')` is TypeScript's typed CommonJS import; a bare `require()` still needs a reason.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      // `{ omitted: _, ...rest }` drops a field on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // The core logic works on the model's types over the ports (`lambda/core/ports.ts`): the SDK's shapes and its
    // error classification stay in the adapters (`lambda/aws/`), which the handlers pass in.
    files: ['lambda/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*', '@smithy/*'], message: 'core code works on model types: map SDK shapes in lambda/aws/ and pass them through a port' },
            { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], message: 'lambda/ never imports the CDK' },
            { group: ['../aws', '../aws/*', '../handlers', '../handlers/*'], message: 'core reaches AWS through the ports its handler passes in' },
          ],
        },
      ],
    },
  },
  {
    // The model is pure: no CDK, no SDK, no runtime code (ARCHITECTURE.md).
    files: ['lib/model/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*', '@smithy/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], message: 'lib/model imports neither the SDK nor the CDK' },
            { group: ['../../lambda/*', '../*', '!../model'], message: 'lib/model imports nothing outside itself' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    plugins: { jest },
    rules: {
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      // Tests read synthesized templates and AWS answers as untyped JSON (`Template.toJSON()` is `any`): asserting
      // their shape is the test's job, so the no-unsafe-* family would only ask for casts to the same shapes.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Fakes implement the async ports with `async` methods that need no `await`: a throw in them still rejects.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Plain Node scripts outside tsconfig.json: linted without types.
    files: ['**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' } },
  },
  {
    // CommonJS run by plain `node` (the e2e suite's stand-in for Lambda's runtime): `require` is how it imports.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
