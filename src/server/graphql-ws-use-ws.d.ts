/**
 * graphql-ws publishes its adapter for `ws` as a subpath export only ("graphql-ws/use/ws"),
 * which TypeScript's node10 resolution (this project's) cannot see; Node resolves it at run
 * time. Its declarations, under the name the code imports.
 */
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws.cjs';
}
