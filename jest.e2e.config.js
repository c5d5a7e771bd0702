/**
 * The end-to-end journey: the example app deployed into a moto_server (started by the integration suite's global
 * setup) with the CDK CLI, and a job's life run through the deployed functions. One file of steps, in order.
 */
const integration = require('./jest.integration.config');

module.exports = {
  ...integration,
  roots: ['<rootDir>/test/e2e'],
  verbose: true,
};
