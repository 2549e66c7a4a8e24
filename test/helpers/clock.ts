/**
 * The suite's "now". Every CLI the tests start, and every in-process command, reads it from ENTRA_AUTH_AUDIT_NOW
 * (set for the whole run in vitest.config.ts), so no result depends on the day the suite runs: fixture dates are
 * written relative to it (the simulator's default observation time, the hostile corpus' lastUpdatedDateTime).
 * Six hours after the simulator's DEFAULT_AS_OF, as report rows lag a few hours behind the directory.
 */
export const TEST_NOW = '2026-11-01T06:00:00Z';

/** Shifts an ISO date-time by `ms`, keeping whole seconds (for fixtures moved with the clock). */
export function shiftIso(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString().replace(/\.000Z$/, 'Z');
}
