/** The integration suite: real SDK v3 clients over HTTP against a moto_server the global setup starts. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/integration'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['<rootDir>/test/setup/env.ts'],
  globalSetup: '<rootDir>/test/integration/moto/global-setup.ts',
  globalTeardown: '<rootDir>/test/integration/moto/global-teardown.ts',
  // One moto server holds the state: test files run one at a time and reset it between tests.
  maxWorkers: 1,
  testTimeout: 60_000,
};
