/** Unit tests: everything that needs only npm. The moto suite has its own config (jest.integration.config.js). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  setupFiles: ['<rootDir>/test/setup/env.ts'],
  // Whole-stack snapshots print asset hashes as [ASSET_HASH], so they do not churn on every handler edit.
  snapshotSerializers: ['<rootDir>/lib/testing/serializer.ts'],
};
