/** Unit tests: everything that needs only npm. The moto suites have their own configs (jest.integration.config.js, jest.e2e.config.js). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/', '<rootDir>/test/e2e/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['<rootDir>/test/setup/env.ts'],
  // Whole-stack snapshots print asset hashes as [ASSET_HASH], so they do not churn on every handler edit.
  snapshotSerializers: ['<rootDir>/lib/testing/serializer.ts'],
};
