/**
 * Daily sign-in totals of the synthetic tenant: userMfaSignInSummary (beta; graph-api.md §S, §F), one row a day for
 * the 30 UTC days that end with asOf, {id, createdDateTime, totalSignIns, singleFactorSignIns, multiFactorSignIns}.
 *
 * The numbers follow the tenant: totalSignIns ≈ users × a per-user daily sign-in rate (drawn once from the seed)
 * × a weekday/weekend factor × a small daily variation; singleFactorSignIns ≈ totalSignIns × the share of users
 * whose userRegistrationDetails row is not MFA capable (users.ts), so a poorly registered tenant shows a high
 * single-factor share and a clean one a low share. multiFactorSignIns = totalSignIns − singleFactorSignIns, never
 * more than the total: the inconsistent doc sample (multi > total) is not reproduced here; the collector stores
 * rows verbatim and analysis validates them.
 */
import { rngFor, streamKey, uuidFor } from './prng.js';
import { DAY } from './users.js';

/** A userMfaSignInSummary row as the simulator serves it (the doc example's shape, @odata.type included). */
export interface SimMfaSignInDay {
  '@odata.type': '#microsoft.graph.userMfaSignInSummary';
  id: string;
  /** Midnight UTC of the day the row counts, e.g. 2026-10-31T00:00:00Z. */
  createdDateTime: string;
  totalSignIns: number;
  singleFactorSignIns: number;
  multiFactorSignIns: number;
}

/** Days the report covers, ending with the day of asOf. */
export const SIGN_IN_SUMMARY_DAYS = 30;
/** Interactive sign-ins per user on a working day: drawn once per tenant in [MIN, MIN + SPREAD). */
const RATE_MIN = 1.5;
const RATE_SPREAD = 2;
/** Weekend days have a fraction of the working-day sign-ins, drawn per day in [MIN, MIN + SPREAD). */
const WEEKEND_MIN = 0.2;
const WEEKEND_SPREAD = 0.15;
/** Day-to-day variation of the total and of the single-factor share: ± this fraction. */
const DAILY_JITTER = 0.08;

export interface SignInSummaryOptions {
  seed: number;
  userCount: number;
  asOfMs: number;
  /** Users whose registration row is not MFA capable (the all-users slice of the aggregates). */
  notMfaCapable(): number;
}

/**
 * The summary rows, oldest day first. The day of asOf counts only its part before asOf (none when asOf is midnight:
 * the last row is then the day before). Each day's draws are keyed by its day number, so they do not depend on
 * which other days are in the window.
 */
export function createSignInSummary({ seed, userCount, asOfMs, notMfaCapable }: SignInSummaryOptions): () => SimMfaSignInDay[] {
  const dayKey = streamKey(seed, 'signin-day');
  const idKey = streamKey(seed, 'signin-summary-id');
  const rate = RATE_MIN + RATE_SPREAD * rngFor(streamKey(seed, 'signin-rate'), 0)();
  // The last day with any time before asOf, and the share of it that has passed.
  const lastDay = Math.floor((asOfMs - 1) / DAY);
  const lastDayShare = Math.min(1, (asOfMs - lastDay * DAY) / DAY);

  return () => {
    const singleShare = userCount === 0 ? 0 : notMfaCapable() / userCount;
    const rows: SimMfaSignInDay[] = [];
    for (let day = lastDay - SIGN_IN_SUMMARY_DAYS + 1; day <= lastDay; day++) {
      // keyed by the day's distance from asOf, not the calendar: the same tenant a whole number of weeks later is the
      // same data (the clock-independence guard moves "now" by whole weeks)
      const back = lastDay - day;
      const rng = rngFor(dayKey, back);
      const weekendFactor = WEEKEND_MIN + WEEKEND_SPREAD * rng();
      const totalJitter = 1 + DAILY_JITTER * (2 * rng() - 1);
      const shareJitter = 1 + DAILY_JITTER * (2 * rng() - 1);
      const weekday = new Date(day * DAY).getUTCDay();
      const dayFactor = weekday === 0 || weekday === 6 ? weekendFactor : 1;
      const elapsed = day === lastDay ? lastDayShare : 1;
      const total = Math.round(userCount * rate * dayFactor * totalJitter * elapsed);
      const single = Math.min(total, Math.round(total * singleShare * shareJitter));
      rows.push({
        '@odata.type': '#microsoft.graph.userMfaSignInSummary',
        id: uuidFor(idKey, back),
        createdDateTime: new Date(day * DAY).toISOString().replace('.000Z', 'Z'),
        totalSignIns: total,
        singleFactorSignIns: single,
        multiFactorSignIns: total - single,
      });
    }
    return rows;
  };
}
