/**
 * Unit and integration tests: everything under test/ except the browser test. Then the GraphQL
 * suite a second time as the project "graphql-over-wire": the app talks local:// to a broker
 * child process serving a snapshot of the test's instance (test/graphql/wire-backend.ts), and
 * every answer must equal the in-process one.
 */
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testPathIgnorePatterns: ['/node_modules/', '\\.e2e\\.test\\.ts$'],
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
};

module.exports = {
  testTimeout: 30000,
  projects: [
    { ...shared, testMatch: ['**/*.test.ts'] },
    {
      ...shared,
      displayName: 'graphql-over-wire',
      testMatch: ['<rootDir>/test/graphql/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/graphql-over-wire.ts'],
    },
  ],
};
