/**
 * Registration and reset events of the synthetic tenant: userEventsSummary (graph-api.md §S) and the retired
 * userCredentialUsageDetails (§2), one row per event, and their aggregation into userRegistrationActivity (§S) and
 * the retired credentialUsageSummary (§3). Event j is a pure function of (seed, profile, quarter, j); each quarter
 * has its own 30 days of events before asOf.
 *
 * Two kinds of events: ordinary ones (about 0.3 per user, anyone, succeeding at the profile's rate) and, after them,
 * repeated-failure bursts (issue #15): a few users (ProfileParams.repeatedFailures) try the same method 3 to 5 times
 * within an hour or so and fail at least 3 times, each attempt with its own failure reason, the last attempt of a
 * 5-attempt burst succeeding. A burst's place in the event list, its user and its attempts are closed-form functions of
 * its number, so no list of events or users is stored.
 */
import type { CredentialUsageSummary, UserCredentialUsageDetails } from '../graph/types.js';
import { hashString, pick, rngFor, streamKey, uuidFor, weighted } from './prng.js';
import { checkIndex, DAY } from './users.js';

/**
 * usageAuthMethod members (§2), weighted, for the two event features, in the vocabulary the successor reports use
 * today: their documented answers (beta userEventsSummary, userRegistrationActivity, 2025-07) name
 * microsoftAuthenticatorPush, mobilePhone, softwareOneTimePasscode, fido2SecurityKey … for registrations and
 * email, mobilePhone, sms, oneTimePasscode, microsoftAuthenticatorPush … for resets; never the older members
 * (appNotification, mobileSMS, mobileCall, appCode, alternateMobileCall, fido, appPassword). Most current names come
 * after unknownFutureValue, so a request without `Prefer: include-unknown-enum-members` sees them as
 * unknownFutureValue (server.ts). The draw takes one number whatever the table, so the events' other fields do not
 * depend on it.
 */
const REGISTRATION_AUTH_METHODS: readonly (readonly [string, number])[] = [
  ['microsoftAuthenticatorPush', 24], ['mobilePhone', 18], ['softwareOneTimePasscode', 12], ['email', 6],
  ['fido2SecurityKey', 6], ['windowsHelloForBusiness', 5], ['passKeyDeviceBoundAuthenticator', 4],
  ['passKeyDeviceBound', 3], ['microsoftAuthenticatorPasswordless', 3], ['securityQuestion', 3], ['passKeySynced', 2],
  ['passKeyDeviceBoundWindowsHello', 2], ['temporaryAccessPass', 2], ['alternateMobilePhone', 2],
  ['macOsSecureEnclaveKey', 1], ['hardwareOneTimePasscode', 1], ['officePhone', 1], ['externalAuthMethod', 1],
  ['qrCode', 1],
];
/** Reset uses SSPR methods only (§2: securityQuestion is SSPR only); the successor example's reset methods. */
const RESET_AUTH_METHODS: readonly (readonly [string, number])[] = [
  ['sms', 28], ['email', 25], ['microsoftAuthenticatorPush', 20], ['securityQuestion', 10], ['oneTimePasscode', 10],
  ['mobilePhone', 5], ['officePhone', 2], ['alternateMobilePhone', 1],
];
const REGISTRATION_FAILURES: readonly string[] = [
  'User contacted an admin after trying the email verification option',
  'The verification code entered was incorrect',
  'User abandoned the registration',
  'The phone number is blocked',
  'Security key attestation failed',
];
const RESET_FAILURES: readonly string[] = [
  'User failed to verify their identity',
  'User is not enabled for password reset',
  'The new password does not meet the complexity requirements',
  'User was locked out after too many attempts',
  'On-premises password writeback failed',
];

const PERIOD_DAYS = { d1: 1, d7: 7, d30: 30 } as const;

const HOUR_MS = 3_600_000;

interface EventDraw {
  user: number;
  feature: string;
  authMethod: string;
  isSuccess: boolean;
  failureReason: string;
  atMs: number;
}

/** Where burst k's events start among the bursts: sizes cycle 3, 4, 5 attempts (12 events per 3 bursts). */
const BURST_START_IN_CYCLE = [0, 3, 7] as const;
const burstStart = (k: number): number => 12 * Math.floor(k / 3) + (BURST_START_IN_CYCLE[k % 3] ?? 0);

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The repeated-failure bursts of a tenant: how many users (round(users × share), at least one when the share is above
 * 0), which users (k ↦ (offset + k·step) mod users with step coprime to the user count: distinct users, spread over
 * the index range), how many events they add, and which burst and attempt the n-th burst event is.
 */
function burstPlan(userCount: number, share: number, draw: number): {
  events: number;
  user(k: number): number;
  locate(n: number): { k: number; a: number; size: number };
} {
  const strugglers = userCount === 0 || share <= 0 ? 0 : Math.min(userCount, Math.max(1, Math.round(userCount * share)));
  let step = Math.max(1, Math.floor(userCount * 0.618034));
  while (gcd(step, userCount) !== 1) step++;
  const offset = Math.floor(draw * userCount);
  return {
    events: burstStart(strugglers),
    user: (k) => (offset + ((k * step) % userCount)) % userCount,
    locate(n) {
      const cycle = Math.floor(n / 12);
      const r = n % 12;
      const m = r < 3 ? 0 : r < 7 ? 1 : 2;
      return { k: 3 * cycle + m, a: r - (BURST_START_IN_CYCLE[m] ?? 0), size: 3 + m };
    },
  };
}

export interface EventsOptions {
  seed: number;
  userCount: number;
  quarter: number;
  asOfMs: number;
  /** Share of successful ordinary events (ProfileParams.eventSuccess). */
  eventSuccess: number;
  /** Share of users with a repeated-failure burst (ProfileParams.repeatedFailures). */
  repeatedFailures: number;
  /** Name and UPN of user i (users.ts). */
  nameOf(i: number): { displayName: string; upn: string };
}

export interface Events {
  readonly eventCount: number;
  event(j: number): UserCredentialUsageDetails;
  registrationActivity(period: 'd1' | 'd7' | 'd30'): CredentialUsageSummary[];
}

export function createEvents(opts: EventsOptions): Events {
  const { seed, userCount, quarter, asOfMs, eventSuccess, nameOf } = opts;
  const keys = {
    // Each quarter has its own 30 days of activity; quarter 0 keeps the original streams.
    event: streamKey(seed, quarter === 0 ? 'event' : `event-q${quarter}`),
    eventId: streamKey(seed, quarter === 0 ? 'event-id' : `event-id-q${quarter}`),
    burst: streamKey(seed, quarter === 0 ? 'event-burst' : `event-burst-q${quarter}`),
  };
  const ordinaryCount = userCount === 0 ? 0 : Math.max(20, Math.round(userCount * 0.3));
  const bursts = burstPlan(userCount, opts.repeatedFailures, rngFor(keys.burst, 0xffffffff)());
  const eventCount = ordinaryCount + bursts.events;

  /** Everything of event j but the user's name and UPN: what the activity summaries need. */
  function eventDraw(j: number): EventDraw {
    if (j >= ordinaryCount) return burstDraw(j - ordinaryCount);
    const rng = rngFor(keys.event, j);
    const user = Math.floor(rng() * userCount);
    const featureDraw = rng();
    const feature = featureDraw < 0.002 ? 'unknownFutureValue' : featureDraw < 0.55 ? 'registration' : 'reset';
    const authMethod = weighted(rng, feature === 'registration' ? REGISTRATION_AUTH_METHODS : RESET_AUTH_METHODS);
    const isSuccess = rng() < eventSuccess;
    const failureReasons = feature === 'registration' ? REGISTRATION_FAILURES : RESET_FAILURES;
    // "" on success, as in the userEventsSummary example (not null).
    const failureReason = isSuccess ? '' : pick(rng, failureReasons);
    // Spread over the 30 days before asOf, whole seconds like the doc example (§2).
    const atMs = asOfMs - Math.floor(rng() * 30 * 86_400) * 1000;
    return { user, feature, authMethod, isSuccess, failureReason, atMs };
  }

  /**
   * Attempt `a` of burst k (the k-th struggling user): one feature and method for the burst, attempts 2 to 15 minutes
   * apart starting between 30 days and 2 hours before asOf (so every attempt falls in the period), a failure reason
   * drawn per attempt.
   */
  function burstDraw(n: number): EventDraw {
    const { k, a, size } = bursts.locate(n);
    const rng = rngFor(keys.burst, k);
    const feature = rng() < 0.6 ? 'registration' : 'reset';
    const authMethod = weighted(rng, feature === 'registration' ? REGISTRATION_AUTH_METHODS : RESET_AUTH_METHODS);
    const failureReasons = feature === 'registration' ? REGISTRATION_FAILURES : RESET_FAILURES;
    let atMs = asOfMs - 2 * HOUR_MS - Math.floor(rng() * (30 * DAY - 3 * HOUR_MS) / 1000) * 1000;
    let failureReason = '';
    for (let step = 0; step <= a; step++) {
      if (step > 0) atMs += (120 + Math.floor(rng() * 780)) * 1000;
      failureReason = pick(rng, failureReasons);
    }
    // A 5-attempt burst ends in success: the user got there in the end, after 4 failures.
    const isSuccess = size === 5 && a === 4;
    return { user: bursts.user(k), feature, authMethod, isSuccess, failureReason: isSuccess ? '' : failureReason, atMs };
  }

  function event(j: number): UserCredentialUsageDetails {
    checkIndex(j, eventCount, 'event');
    const e = eventDraw(j);
    const who = nameOf(e.user);
    return {
      id: uuidFor(keys.eventId, j),
      feature: e.feature,
      userPrincipalName: who.upn,
      userDisplayName: who.displayName,
      isSuccess: e.isSuccess,
      authMethod: e.authMethod,
      failureReason: e.failureReason,
      eventDateTime: new Date(e.atMs).toISOString().replace('.000Z', 'Z'),
    };
  }

  /** The three periods' summaries, built together in one pass over the events on first use. */
  let activity: Map<string, CredentialUsageSummary[]> | undefined;
  function registrationActivity(period: 'd1' | 'd7' | 'd30'): CredentialUsageSummary[] {
    if (PERIOD_DAYS[period] === undefined) throw new RangeError(`unknown period '${String(period)}'`);
    activity ??= summariseActivity();
    return (activity.get(period) ?? []).map((r) => ({ ...r }));
  }

  function summariseActivity(): Map<string, CredentialUsageSummary[]> {
    type Counts = Map<string, { feature: string; authMethod: string; ok: number; failed: number }>;
    const periods = Object.entries(PERIOD_DAYS).map(([period, days]) => ({
      period,
      since: asOfMs - days * DAY,
      counts: new Map() as Counts,
    }));
    for (let j = 0; j < eventCount; j++) {
      const e = eventDraw(j);
      const k = `${e.feature}\u0000${e.authMethod}`;
      for (const p of periods) {
        if (e.atMs <= p.since) continue;
        const c = p.counts.get(k) ?? { feature: e.feature, authMethod: e.authMethod, ok: 0, failed: 0 };
        if (e.isSuccess) c.ok++;
        else c.failed++;
        p.counts.set(k, c);
      }
    }
    const out = new Map<string, CredentialUsageSummary[]>();
    for (const { period, counts } of periods) {
      const idKey = streamKey(seed, `activity-${period}`);
      out.set(
        period,
        [...counts.entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, c]) => ({
            id: uuidFor(idKey, hashString(k)),
            feature: c.feature,
            authMethod: c.authMethod,
            successfulActivityCount: c.ok,
            failureActivityCount: c.failed,
          })),
      );
    }
    return out;
  }
  return { eventCount, event, registrationActivity };
}
