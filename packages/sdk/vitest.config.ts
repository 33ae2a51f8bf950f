import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The *.test-d.ts files are type tests: vitest runs tsc over them, and a
    // `@ts-expect-error` line that compiles fails the run.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: 'tsconfig.json' },
  },
});
