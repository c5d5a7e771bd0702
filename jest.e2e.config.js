/**
 * The end-to-end journey: the example app deployed into a moto_server with the CDK CLI, and jobs' lives run through
 * the deployed functions. The global setup chooses the mode (real jobs in a container engine, or simulated), says
 * which, and starts moto for it. One file of steps, in order.
 */
const integration = require('./jest.integration.config');

module.exports = {
  ...integration,
  roots: ['<rootDir>/test/e2e'],
  globalSetup: '<rootDir>/test/e2e/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/e2e/harness/global-teardown.ts',
  verbose: true,
};
