/**
 * The GraphQL and server suites with the lean executor (src/graphql/fast-execute.ts) out of the
 * way: src/server/fast-execution.ts is replaced by a plugin that does nothing, so every app of
 * the tests answers with graphql's own executor. The same tests pass under both executors:
 * `npx jest --config jest.graphql-js.config.js test/graphql test/server`. Tests that start the
 * CLI in a child process still run the lean executor there.
 */
const base = require('./jest.config');

const graphqlJsOnly = { '^\\./fast-execution$': '<rootDir>/test/support/graphql-js-execution.ts' };

module.exports = {
  ...base,
  projects: base.projects.map((project) => ({
    ...project,
    displayName: project.displayName === undefined ? 'graphql-js' : `${project.displayName} graphql-js`,
    moduleNameMapper: { ...project.moduleNameMapper, ...graphqlJsOnly },
  })),
};
