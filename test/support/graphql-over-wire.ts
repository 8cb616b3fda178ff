/**
 * Setup of the jest project "graphql-over-wire" (jest.config.js): the GraphQL suite once more,
 * with every test app talking local:// to a broker child process instead of to the in-process
 * instance (test/graphql/wire-backend.ts). Runs before each test file of that project.
 */
import { closeWireBackends, TRANSPORT_ENV } from '../graphql/wire-backend';

// Jest gives each test file its own copy of process.env, so this reaches this project's files only.
process.env[TRANSPORT_ENV] = 'wire';

afterAll(closeWireBackends);
