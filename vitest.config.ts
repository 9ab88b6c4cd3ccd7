import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start worker threads and child engines; two cores are enough for two files at once.
    maxWorkers: 2,
    pool: 'forks',
  },
});
