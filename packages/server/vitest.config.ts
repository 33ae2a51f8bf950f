import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds. Node loads the CJS one
    // for our dependencies; Vite would pick the ESM one for our sources, and two
    // copies of graphql break instanceof checks (GraphQLError, GraphQLSchema).
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Suites that need Redis run when it is given (CI gives it; see README).
    exclude: process.env.DESKQL_TEST_REDIS_URL ? [] : ['test/**/*.redis.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
