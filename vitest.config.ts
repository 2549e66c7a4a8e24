import { defineConfig } from 'vitest/config';
import { TEST_NOW } from './test/helpers/clock.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // one temporary folder per run, removed at its end (test/helpers/run-tmpdir.ts)
    globalSetup: ['test/helpers/run-tmpdir.ts'],
    // One pinned "now" for every command the suite runs (test/helpers/clock.ts): results never depend on the date.
    env: { ENTRA_AUTH_AUDIT_NOW: TEST_NOW },
  },
});
