/**
 * The one clock of the command line. Every time the tool records or ages data by ("now" of a collection, the
 * simulator's observation time, exception expiry before a collection exists) comes from here, and the engine
 * never reads a clock at all (its "now" is the snapshot's finishedAt).
 *
 * ENTRA_AUTH_AUDIT_NOW pins it: an ISO 8601 date-time that the clock starts from, then advancing with the real
 * elapsed time (so durations and ordering stay real). It exists for tests, reproducible demos and training
 * material; a snapshot collected with it records the pinned times, and collect says so in its log.
 */
import { UsageError } from '../errors.js';

export const NOW_ENV = 'ENTRA_AUTH_AUDIT_NOW';

export type Clock = () => Date;

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The pinned start instant, or null when the system clock is used. */
export function pinnedNow(env: NodeJS.ProcessEnv = process.env): Date | null {
  const raw = env[NOW_ENV];
  if (raw === undefined || raw === '') return null;
  const ms = ISO_DATE_TIME.test(raw.trim()) ? Date.parse(raw.trim()) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `${NOW_ENV}='${raw.slice(0, 40)}' is not an ISO 8601 date-time with a time zone (e.g. 2026-11-02T09:00:00Z); unset it to use the system clock.`,
    );
  }
  return new Date(ms);
}

/** The command line's clock: the system clock, or the pinned one advancing with real elapsed time. */
export function cliClock(env: NodeJS.ProcessEnv = process.env): Clock {
  const pinned = pinnedNow(env);
  if (!pinned) return () => new Date();
  const start = performance.now();
  const base = pinned.getTime();
  return () => new Date(base + Math.round(performance.now() - start));
}
