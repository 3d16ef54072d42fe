import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'gen/**'],
    // Integration suites start real servers, databases and agents: give them room.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The machine has 2 cores; suites that spawn processes should not starve each other.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
