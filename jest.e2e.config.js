/**
 * The end-to-end journey: the example app deployed into a moto_server (started by the integration suite's global
 * setup) with the CDK CLI, and a job's life run through the deployed functions. One file of steps, in order.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  setupFiles: ['<rootDir>/test/setup/env.ts'],
  globalSetup: '<rootDir>/test/integration/moto/global-setup.ts',
  globalTeardown: '<rootDir>/test/integration/moto/global-teardown.ts',
  maxWorkers: 1,
  testTimeout: 60_000,
  verbose: true,
};
