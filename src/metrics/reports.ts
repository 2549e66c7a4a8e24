/**
 * The seed reports beside userRegistrationDetails (issue #15), pure: usersRegisteredByMethod slices and
 * credentialUserRegistrationCount (counts, and cross-checks against the per-user rows), userEventsSummary (or the
 * retired userCredentialUsageDetails) events (failure rates, reasons, users who fail repeatedly) and
 * userMfaSignInSummary (daily MFA vs single-factor sign-ins). Memory: the distinct reasons and the failed events
 * per hash bucket (both bounded), the users with a failed event up to a bound, and past it, in a second pass over
 * the events, only the users whose bucket reached the minimum; never the rows.
 */
import { fnv1a } from '../hash.js';
import { count, isObj, missingRatio, ratio, round4, type MetricInfo, type MetricSet, type MetricValue } from './types.js';

/** Int64 may arrive as a number or a numeric string. */
function toCount(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return null;
}
/** Metric-id-safe token: letters, digits and _; anything else becomes _ (hostile slices or methods cannot add dots). */
const idPart = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 80) || '_';

/** Pairs compared by the cross-checks: relative difference |a − b| / max(a, b), only where max(a, b) ≥ this. */
export const MIN_COMPARED_COUNT = 20;

function worstDifference(pairs: readonly (readonly [number, number])[]): { worst: number; compared: number } {
  let worst = 0;
  let compared = 0;
  for (const [a, b] of pairs) {
    const m = Math.max(a, b);
    if (m < MIN_COMPARED_COUNT) continue;
    compared++;
    worst = Math.max(worst, Math.abs(a - b) / m);
  }
  return { worst: round4(worst), compared };
}

/** Per-user counts the cross-checks compare with: methods per userType over every valid row, flags over every row. */
export interface PerUserCounts {
  /** rows per userType ('member' | 'guest'; null/unknown count as member) */
  rows: Record<'member' | 'guest', number>;
  /** distinct methods per row, per userType */
  methods: Record<'member' | 'guest', ReadonlyMap<string, number>>;
  /** isSsprRegistered, isSsprEnabled, isSsprCapable, isMfaRegistered true, over every valid row */
  flags: Record<'ssprRegistered' | 'ssprEnabled' | 'ssprCapable' | 'mfaRegistered', number>;
}

// --- usersRegisteredByMethod ------------------------------------------------------------------------------------

/**
 * `aggregate.by_method.<userTypes>_<userRoles>.<method>` (users with the method in that slice) and
 * `aggregate.by_method_total.<slice>` (totalUserCount), for every slice answered; `data.aggregate_method_mismatch`:
 * the largest relative difference between the all/member/guest × all slices and the per-user rows.
 */
export function methodSliceMetrics(rows: readonly unknown[] | null, perUser: PerUserCounts | null): MetricSet {
  const values: Record<string, MetricValue> = {};
  const info: MetricInfo[] = [];
  const SOURCE = 'usersRegisteredByMethod';
  const pairs: [number, number][] = [];
  for (const r of rows ?? []) {
    if (!isObj(r) || typeof r.userTypes !== 'string' || typeof r.userRoles !== 'string') continue;
    const slice = `${idPart(r.userTypes)}_${idPart(r.userRoles)}`;
    const total = toCount(r.totalUserCount);
    values[`aggregate.by_method_total.${slice}`] = count(total);
    info.push({ id: `aggregate.by_method_total.${slice}`, title: `Users (${r.userTypes}, ${r.userRoles})`, kind: 'count', source: SOURCE,
      description: `totalUserCount of usersRegisteredByMethod(includedUserTypes='${r.userTypes}', includedUserRoles='${r.userRoles}').` });
    const expected = perUser && r.userRoles === 'all' ? sliceCounts(perUser, r.userTypes) : null;
    if (expected && total !== null) pairs.push([total, expected.rows]);
    for (const mc of Array.isArray(r.userRegistrationMethodCounts) ? r.userRegistrationMethodCounts : []) {
      if (!isObj(mc) || typeof mc.authenticationMethod !== 'string') continue;
      const n = toCount(mc.userCount);
      const id = `aggregate.by_method.${slice}.${idPart(mc.authenticationMethod)}`;
      values[id] = count(n);
      info.push({ id, title: `${mc.authenticationMethod} (${r.userTypes}, ${r.userRoles})`, kind: 'count', source: SOURCE,
        description: `Users with "${mc.authenticationMethod}" registered, by usersRegisteredByMethod(includedUserTypes='${r.userTypes}', includedUserRoles='${r.userRoles}').` });
      // the per-user rows never list "password" (every user has one), so it is not compared
      if (expected && n !== null && mc.authenticationMethod !== 'password') pairs.push([n, expected.methods.get(mc.authenticationMethod) ?? 0]);
    }
  }
  const { worst, compared } = worstDifference(pairs);
  values['data.aggregate_method_mismatch'] = count(rows && perUser && compared > 0 ? worst : null);
  info.push({
    id: 'data.aggregate_method_mismatch',
    title: 'By-method report vs per-user difference',
    kind: 'share',
    source: SOURCE,
    description:
      `Largest relative difference |a − b| / max(a, b) between usersRegisteredByMethod (slices all, member and guest × all roles: ` +
      `totalUserCount and each method but password, which the per-user rows do not list) and the same counts over the userRegistrationDetails rows, where max(a, b) ≥ ${MIN_COMPARED_COUNT}; ` +
      'null when either report is missing.',
  });
  return { values, info };
}

function sliceCounts(p: PerUserCounts, userTypes: string): { rows: number; methods: ReadonlyMap<string, number> } | null {
  if (userTypes === 'member' || userTypes === 'guest') return { rows: p.rows[userTypes], methods: p.methods[userTypes] };
  if (userTypes !== 'all') return null;
  const methods = new Map(p.methods.member);
  for (const [m, n] of p.methods.guest) methods.set(m, (methods.get(m) ?? 0) + n);
  return { rows: p.rows.member + p.rows.guest, methods };
}

// --- credentialUserRegistrationCount ----------------------------------------------------------------------------

const REGISTRATION_STATUS: Record<string, keyof PerUserCounts['flags']> = {
  registered: 'ssprRegistered',
  enabled: 'ssprEnabled',
  capable: 'ssprCapable',
  mfaRegistered: 'mfaRegistered',
};

/**
 * `aggregate.credential_registration.total` and `.<registrationStatus>` (registered, enabled, capable,
 * mfaRegistered) from the beta credentialUserRegistrationCount, and `data.credential_count_mismatch` against the
 * per-user rows (registered ↔ isSsprRegistered, enabled ↔ isSsprEnabled, capable ↔ isSsprCapable, mfaRegistered ↔
 * isMfaRegistered).
 */
export function credentialCountMetrics(rows: readonly unknown[] | null, perUser: PerUserCounts | null): MetricSet {
  const SOURCE = 'credentialUserRegistrationCount';
  const row = rows?.find(isObj);
  const values: Record<string, MetricValue> = {};
  const info: MetricInfo[] = [];
  const put = (id: string, v: number | null, title: string, description: string) => {
    values[id] = count(v);
    info.push({ id, title, kind: id.startsWith('data.') ? 'share' : 'count', description, source: SOURCE });
  };
  const total = row ? toCount(row.totalUserCount) : null;
  put('aggregate.credential_registration.total', total, 'Users (credential registration count)', 'totalUserCount of getCredentialUserRegistrationCount (beta).');
  const pairs: [number, number][] = [];
  if (perUser && total !== null) pairs.push([total, perUser.rows.member + perUser.rows.guest]);
  const counts = new Map<string, number>();
  for (const c of row && Array.isArray(row.userRegistrationCounts) ? row.userRegistrationCounts : []) {
    if (isObj(c) && typeof c.registrationStatus === 'string' && toCount(c.registrationCount) !== null) counts.set(c.registrationStatus, toCount(c.registrationCount)!);
  }
  for (const [status, flag] of Object.entries(REGISTRATION_STATUS)) {
    const n = row ? (counts.get(status) ?? null) : null;
    put(`aggregate.credential_registration.${status}`, n, `Users ${status} (credential registration count)`,
      `registrationCount of registrationStatus "${status}" in getCredentialUserRegistrationCount (beta).`);
    if (perUser && n !== null) pairs.push([n, perUser.flags[flag]]);
  }
  const { worst, compared } = worstDifference(pairs);
  put('data.credential_count_mismatch', row && perUser && compared > 0 ? worst : null, 'Credential count vs per-user difference',
    `Largest relative difference between getCredentialUserRegistrationCount and the userRegistrationDetails rows (total; registered, enabled, capable ↔ the SSPR flags; mfaRegistered ↔ isMfaRegistered), where max(a, b) ≥ ${MIN_COMPARED_COUNT}; null when either is missing.`);
  return { values, info };
}

// --- userEventsSummary ------------------------------------------------------------------------------------------

/** The cohort of users with repeated failed registration or reset events (check repeated-registration-or-reset-failures). */
export const REPEATED_FAILURES_COHORT = 'users.repeated_event_failures';

export const EVENT_FEATURES = ['registration', 'reset'] as const;
type EventFeature = (typeof EVENT_FEATURES)[number];
/** distinct (feature, failureReason) pairs remembered; hostile data may send a new reason on every row */
const MAX_REASONS = 10_000;
const TOP_REASONS = 10;
const OTHER_REASON = '(other reasons)';

export interface EventsSummary {
  /** the snapshot source the events came from */
  source: string;
  rows: number;
  invalidRows: number;
  /** earliest and latest eventDateTime (ISO), null without events */
  from: string | null;
  to: string | null;
  /** the most frequent failure reasons, most frequent first */
  topFailureReasons: { feature: string; failureReason: string; count: number }[];
}

export interface RepeatedFailure {
  userPrincipalName: string;
  userDisplayName: string;
  failures: number;
}

/** Users with a failed event remembered by name in the first pass; past this, a second pass counts the candidates. */
const MAX_REMEMBERED_FAILED_USERS = 50_000;
/** failure buckets: a power of two between these, about one per event row (Uint16: 2 bytes each, 8 MiB at most) */
const MIN_BUCKETS = 1 << 12;
const MAX_BUCKETS = 1 << 22;

/** FNV-1a over the UTF-16 code units, with a final mix so that the low bits (the bucket) depend on every unit. */
function hashString(s: string): number {
  let h = fnv1a(s);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A failed registration or reset event's user: lower-cased UPN, and the row (null when the row is not one). */
function failedEventUser(raw: unknown): { key: string; row: Record<string, unknown> & { userPrincipalName: string } } | null {
  if (!isObj(raw) || (raw.feature !== 'registration' && raw.feature !== 'reset') || raw.isSuccess !== false) return null;
  if (typeof raw.userPrincipalName !== 'string' || raw.userPrincipalName === '') return null;
  return { key: raw.userPrincipalName.toLowerCase(), row: raw as Record<string, unknown> & { userPrincipalName: string } };
}

export interface EventsFoldOptions {
  /** event rows expected (the source's record count): sizes the failure buckets */
  expectedRows?: number;
  /** users with a failed event remembered by name in the first pass (default 50,000) */
  maxRememberedUsers?: number;
}

/**
 * Events in one pass, or two for many failing users. Who failed repeatedly needs a count per user: the first pass
 * remembers each user with a failed event until there are too many (a tenant of millions has hundreds of thousands),
 * and counts failed events per hash bucket of the UPN in any case. A user's failures are at most their bucket's
 * count, so after too many users, only those whose bucket reached the minimum are counted again, exactly, in a second
 * pass (beginRecount / recount): the same users, names and order (first failed event) as one pass would give.
 */
export class EventsFold {
  private rows = 0;
  private invalid = 0;
  private from: string | null = null;
  private to: string | null = null;
  /** feature → method → [attempts, failures] */
  private readonly byMethod = new Map<EventFeature, Map<string, [number, number]>>();
  private readonly reasons = new Map<string, number>();
  /** lower-cased UPN → failures: every user with a failed event, or after a recount, every candidate */
  private failedUsers = new Map<string, RepeatedFailure>();
  /** failedUsers holds every user with at least this many failures (Infinity: the first pass forgot them) */
  private completeFrom = 1;
  private readonly maxRemembered: number;
  /** failed events per bucket of hashString(lower-cased UPN), saturating */
  private readonly buckets: Uint16Array;
  /** during a recount: the least bucket count of a candidate */
  private candidateMin = 0;

  constructor(opts: EventsFoldOptions = {}) {
    this.maxRemembered = opts.maxRememberedUsers ?? MAX_REMEMBERED_FAILED_USERS;
    let size = MIN_BUCKETS;
    while (size < (opts.expectedRows ?? 0) && size < MAX_BUCKETS) size *= 2;
    this.buckets = new Uint16Array(size);
  }

  add(raw: unknown): void {
    this.rows++;
    if (!isObj(raw) || (raw.feature !== 'registration' && raw.feature !== 'reset') || typeof raw.isSuccess !== 'boolean') {
      this.invalid++;
      return;
    }
    const feature = raw.feature as EventFeature;
    const method = typeof raw.authMethod === 'string' && raw.authMethod !== '' ? raw.authMethod : 'unknown';
    const m = this.byMethod.get(feature) ?? new Map<string, [number, number]>();
    const c = m.get(method) ?? [0, 0];
    c[0]++;
    if (!raw.isSuccess) c[1]++;
    m.set(method, c);
    this.byMethod.set(feature, m);
    if (typeof raw.eventDateTime === 'string' && !Number.isNaN(Date.parse(raw.eventDateTime))) {
      if (this.from === null || raw.eventDateTime < this.from) this.from = raw.eventDateTime;
      if (this.to === null || raw.eventDateTime > this.to) this.to = raw.eventDateTime;
    }
    if (raw.isSuccess) return;
    const reason = typeof raw.failureReason === 'string' && raw.failureReason !== '' ? raw.failureReason.slice(0, 512) : '(no reason given)';
    const key = `${feature}\u0000${reason}`;
    if (this.reasons.has(key) || this.reasons.size < MAX_REASONS) this.reasons.set(key, (this.reasons.get(key) ?? 0) + 1);
    else this.reasons.set(`${feature}\u0000${OTHER_REASON}`, (this.reasons.get(`${feature}\u0000${OTHER_REASON}`) ?? 0) + 1);
    const failed = failedEventUser(raw);
    if (!failed) return;
    const b = hashString(failed.key) & (this.buckets.length - 1);
    if (this.buckets[b]! < 0xffff) this.buckets[b]!++;
    if (this.completeFrom !== 1) return;
    this.countFailure(failed.key, failed.row);
    if (this.failedUsers.size > this.maxRemembered) {
      this.failedUsers = new Map();
      this.completeFrom = Infinity;
    }
  }

  private countFailure(key: string, row: Record<string, unknown> & { userPrincipalName: string }): void {
    const u = this.failedUsers.get(key) ?? {
      userPrincipalName: row.userPrincipalName,
      userDisplayName: typeof row.userDisplayName === 'string' ? row.userDisplayName : '',
      failures: 0,
    };
    u.failures++;
    this.failedUsers.set(key, u);
  }

  /**
   * After add() saw every row: true when the users with at least `min` failures must be counted again, by passing
   * every row, in the same order, to recount(); false when the first pass remembered them (or nobody can have them).
   */
  beginRecount(min: number): boolean {
    if (this.completeFrom <= min) return false;
    // a bucket count saturates at 0xffff, which then stands for "at least"
    this.candidateMin = Math.min(min, 0xffff);
    this.completeFrom = min;
    return this.buckets.some((n) => n >= this.candidateMin);
  }

  /** The second pass (see beginRecount): exact counts for the users whose bucket reached the minimum. */
  recount(raw: unknown): void {
    const failed = failedEventUser(raw);
    if (!failed || this.buckets[hashString(failed.key) & (this.buckets.length - 1)]! < this.candidateMin) return;
    this.countFailure(failed.key, failed.row);
  }

  /** Users held by name now: every user with a failed event up to the bound, then none until the recount. */
  get rememberedUsers(): number {
    return this.failedUsers.size;
  }

  private complete(min: number): void {
    if (min < this.completeFrom) throw new Error(`users with ${min} failures are not known: call beginRecount(${min}) and recount() first`);
  }

  /** Users (by lower-cased UPN) with at least `min` failed registration or reset events, by first failed event. */
  repeatedFailures(min: number): Map<string, RepeatedFailure> {
    this.complete(min);
    return new Map([...this.failedUsers].filter(([, u]) => u.failures >= min));
  }

  summary(source: string): EventsSummary {
    const top = [...this.reasons]
      .map(([k, n]) => {
        const [feature, failureReason] = k.split('\u0000') as [string, string];
        return { feature, failureReason, count: n };
      })
      .sort((a, b) => b.count - a.count || a.feature.localeCompare(b.feature) || (a.failureReason < b.failureReason ? -1 : 1))
      .slice(0, TOP_REASONS);
    return { source, rows: this.rows, invalidRows: this.invalid, from: this.from, to: this.to, topFailureReasons: top };
  }

  /** `events.<feature>.failure_rate` (and `.<method>`), `events.users_repeated_failures`, `events.invalid_rows`. */
  result(source: string | null, minFailures: number): MetricSet {
    const values: Record<string, MetricValue> = {};
    const info: MetricInfo[] = [];
    for (const feature of EVENT_FEATURES) {
      const words = feature === 'reset' ? 'self-service password reset' : 'method registration';
      const methods = this.byMethod.get(feature) ?? new Map<string, [number, number]>();
      let attempts = 0;
      let failures = 0;
      for (const method of [...methods.keys()].sort()) {
        const [a, f] = methods.get(method)!;
        attempts += a;
        failures += f;
        const id = `events.${feature}.failure_rate.${idPart(method)}`;
        values[id] = ratio(f, a);
        info.push({ id, title: `${feature === 'reset' ? 'Reset' : 'Registration'} failure rate (events): ${method}`, kind: 'ratio', source,
          description: `Failed ${words} events with authMethod "${method}" over all such events in the collected period.` });
      }
      const id = `events.${feature}.failure_rate`;
      values[id] = source === null ? missingRatio() : ratio(failures, attempts);
      info.push({ id, title: `${feature === 'reset' ? 'Reset' : 'Registration'} failure rate (events)`, kind: 'ratio', source,
        description: `Failed ${words} events (isSuccess false) over all ${words} events in the collected period, per user event.` });
    }
    let repeated = 0;
    if (source !== null) this.complete(minFailures);
    for (const u of this.failedUsers.values()) if (u.failures >= minFailures) repeated++;
    values['events.users_repeated_failures'] = count(source === null ? null : repeated);
    info.push({ id: 'events.users_repeated_failures', title: 'Users with repeated failures', kind: 'count', source,
      description: `Users (by UPN) with at least ${minFailures} failed registration or reset events in the collected period.` });
    values['events.invalid_rows'] = count(source === null ? null : this.invalid);
    info.push({ id: 'events.invalid_rows', title: 'Invalid event rows', kind: 'count', source,
      description: 'Event rows without a known feature (registration, reset) or a boolean isSuccess; not counted in the rates.' });
    return { values, info };
  }
}

// --- userMfaSignInSummary ---------------------------------------------------------------------------------------

export interface SignInDay {
  date: string;
  total: number;
  singleFactor: number;
  multiFactor: number;
}

/** Days kept for the pack's chart (the report covers about 30). */
const MAX_DAYS = 400;

export class SignInSummaryFold {
  private readonly days: SignInDay[] = [];
  private invalid = 0;
  private total = 0;
  private single = 0;

  /** A day is valid when its counts are non-negative integers with singleFactor + multiFactor = total. */
  add(raw: unknown): void {
    const r = isObj(raw) ? raw : {};
    const total = toCount(r.totalSignIns);
    const single = toCount(r.singleFactorSignIns);
    const multi = toCount(r.multiFactorSignIns);
    const date = typeof r.createdDateTime === 'string' && !Number.isNaN(Date.parse(r.createdDateTime)) ? r.createdDateTime : null;
    if (total === null || single === null || multi === null || date === null || single + multi !== total) {
      this.invalid++;
      return;
    }
    this.total += total;
    this.single += single;
    if (this.days.length < MAX_DAYS) this.days.push({ date, total, singleFactor: single, multiFactor: multi });
  }

  series(): SignInDay[] {
    return [...this.days].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  }

  get invalidRows(): number {
    return this.invalid;
  }

  result(source: string | null): MetricSet {
    const SRC = source;
    return {
      values: {
        'usage.single_factor_signin_share': source === null ? missingRatio() : ratio(this.single, this.total),
        'usage.days': count(source === null ? null : this.days.length),
        'usage.invalid_rows': count(source === null ? null : this.invalid),
      },
      info: [
        { id: 'usage.single_factor_signin_share', title: 'Single-factor sign-in share', kind: 'ratio', source: SRC,
          description: 'Σ singleFactorSignIns / Σ totalSignIns over the valid days of userMfaSignInSummary (beta).' },
        { id: 'usage.days', title: 'Days of sign-in summary', kind: 'count', source: SRC, description: 'Valid days in userMfaSignInSummary.' },
        { id: 'usage.invalid_rows', title: 'Invalid sign-in summary days', kind: 'count', source: SRC,
          description: 'Days whose counts are not non-negative integers adding up (singleFactorSignIns + multiFactorSignIns ≠ totalSignIns): reported, not used.' },
      ],
    };
  }
}
