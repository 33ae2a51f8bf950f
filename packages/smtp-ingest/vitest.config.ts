import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The suites start servers, child processes and time greetings: one file at a time on 2 cores.
    fileParallelism: false,
    server: {
      deps: {
        // @deskql/server is a workspace symlink to packages/server/dist; let Node load it as in production
        // (inlined by Vite, it would import graphql's ESM build next to the CJS one graphql-yoga uses).
        external: [/packages\/server\/dist\//, /@deskql\/server/],
      },
    },
  },
});
