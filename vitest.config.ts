import { defineConfig } from 'vitest/config';
import { TEST_NOW } from './test/helpers/clock.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One pinned "now" for every command the suite runs (test/helpers/clock.ts): results never depend on the date.
    env: { ENTRA_AUTH_AUDIT_NOW: TEST_NOW },
  },
});
