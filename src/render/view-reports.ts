/**
 * What the aggregate, event and usage reports add to the pack (issue #15): the method adoption of privileged admins
 * against all users (usersRegisteredByMethod), the daily MFA vs single-factor sign-ins (userMfaSignInSummary), the
 * registration and reset events (userEventsSummary, or the retired userCredentialUsageDetails) and the cross-checks
 * of the aggregate reports against the per-user rows (Appendix A). Pure, like view-model.ts.
 *
 * Every one of these sources may be missing (unlicensed, forbidden, delegated only, not collected): each builder
 * then says so in words and never draws zeros.
 */
import type { AuditResult, MetricValue, ResultSource, SourceStatus } from '../results/schema.js';
import { clip, compareStrings, formatDate, formatInt, formatPercent, methodLabel, visibleText } from './format.js';
import { cell, fraction, thresholdValue, uniqueLabels, type ChartData, type ChartRow } from './view-charts.js';

export const BY_METHOD_PREFIX = 'aggregate.by_method.';
export const BY_METHOD_TOTAL_PREFIX = 'aggregate.by_method_total.';
/** usersRegisteredByMethod slices the adoption chart compares (includedUserTypes_includedUserRoles). */
const ADMIN_SLICE = 'all_privilegedAdmin';
const ALL_SLICE = 'all_all';
/** Every user holds a password: a bar at 100 % in both groups says nothing about adoption. */
const NOT_ADOPTION = new Set(['password']);
/** Methods drawn in the adoption chart (two bars each); the rest are in Appendix B. */
const ADOPTION_METHOD_CAP = 10;
/** Days drawn in the sign-in trend (the report covers about 30); older days are left out. */
export const SIGN_IN_DAY_CAP = 92;
/** Longest failure reason printed: a reason is tenant text (an admin can write any string) and the table has one line for it. */
export const FAILURE_REASON_CHARS = 160;

const ADMINS_GROUP = 'Privileged admins';
const ALL_GROUP = 'All users';
export const SIGN_IN_GROUPS = { mfa: 'MFA sign-ins', single: 'Single-factor sign-ins' } as const;

const SOURCE_STATUS_TEXT: Record<SourceStatus, string> = {
  ok: 'collected',
  unavailable: 'unavailable',
  forbidden: 'forbidden',
  retired: 'retired by Microsoft',
  error: 'failed',
  not_collected: 'not collected',
};

function metric(results: AuditResult, id: string): MetricValue | undefined {
  return Object.hasOwn(results.metrics, id) ? results.metrics[id] : undefined;
}

function value(results: AuditResult, id: string): number | null {
  return metric(results, id)?.value ?? null;
}

function source(results: AuditResult, id: string): ResultSource | undefined {
  return results.sources.find((s) => s.id === id);
}

/** "userEventsSummary was not collected" / "… unavailable (HTTP 403 Authentication_…)". */
export function notCollectedText(results: AuditResult, ids: readonly string[]): string {
  const parts = ids.map((id) => {
    const s = source(results, id);
    if (!s) return `${visibleText(id)} was not collected`;
    const how = SOURCE_STATUS_TEXT[s.status];
    const detail = [s.httpStatus === null ? '' : `HTTP ${s.httpStatus}`, s.errorCode === null ? '' : visibleText(s.errorCode)].filter(Boolean).join(' ');
    return `${visibleText(id)} was ${s.status === 'ok' ? 'collected but gave no usable rows' : how}${detail ? ` (${detail})` : ''}`;
  });
  return `Not collected: ${parts.join('; ')}. See Appendix A.`;
}

// ---------------------------------------------------------------------------------------------------------------
// usersRegisteredByMethod: adoption by privileged admins vs all users

function sliceCounts(results: AuditResult, slice: string): Map<string, number> {
  const prefix = `${BY_METHOD_PREFIX}${slice}.`;
  const out = new Map<string, number>();
  for (const id of Object.keys(results.metrics)) {
    if (!id.startsWith(prefix) || id.length === prefix.length) continue;
    const v = results.metrics[id]?.value;
    if (typeof v === 'number') out.set(id.slice(prefix.length), v);
  }
  return out;
}

function adoptionRow(token: string, group: string, count: number | undefined, total: number | null): ChartRow {
  const known = count !== undefined && total !== null && total > 0;
  const share = known ? count / total : null;
  return {
    label: visibleText(methodLabel(token)),
    key: visibleText(token),
    share,
    count: known ? count : null,
    denominator: known ? total : null,
    group,
    shareText: formatPercent(share),
    countText: known ? `${formatInt(count)} / ${formatInt(total)}` : 'n/a',
  };
}

export function methodAdoptionChart(results: AuditResult): ChartData {
  const adminTotal = value(results, `${BY_METHOD_TOTAL_PREFIX}${ADMIN_SLICE}`);
  const allTotal = value(results, `${BY_METHOD_TOTAL_PREFIX}${ALL_SLICE}`);
  const admins = sliceCounts(results, ADMIN_SLICE);
  const all = sliceCounts(results, ALL_SLICE);
  const share = (m: Map<string, number>, total: number | null, t: string) => (total && total > 0 ? (m.get(t) ?? 0) / total : 0);
  const tokens = [...new Set([...admins.keys(), ...all.keys()])]
    .filter((t) => !NOT_ADOPTION.has(t) && ((admins.get(t) ?? 0) > 0 || (all.get(t) ?? 0) > 0))
    // most adopted by all users first, then by admins, then by token
    .sort((a, b) => share(all, allTotal, b) - share(all, allTotal, a) || share(admins, adminTotal, b) - share(admins, adminTotal, a) || compareStrings(a, b));
  const shown = tokens.slice(0, ADOPTION_METHOD_CAP);
  // a slice the report answered counts a method it does not list as 0 users
  const countIn = (m: Map<string, number>, total: number | null, t: string) => (total === null ? undefined : (m.get(t) ?? 0));
  const rows = uniqueLabels(
    shown.flatMap((t) => [adoptionRow(t, ADMINS_GROUP, countIn(admins, adminTotal, t), adminTotal), adoptionRow(t, ALL_GROUP, countIn(all, allTotal, t), allTotal)]),
  );
  const rest = tokens.length - shown.length;
  const byToken = (group: string) => new Map(rows.filter((r) => r.group === group).map((r) => [r.key, r]));
  const adminRows = byToken(ADMINS_GROUP);
  const allRows = byToken(ALL_GROUP);
  const empty = rows.every((r) => r.share === null);
  const missing = [adminTotal === null || adminTotal === 0 ? 'the privileged-admin slice' : '', allTotal === null || allTotal === 0 ? 'the all-users slice' : ''].filter(Boolean);
  const pairs = shown.slice(0, 4).map((t) => {
    const a = adminRows.get(visibleText(t));
    const u = allRows.get(visibleText(t));
    return `${a?.label ?? visibleText(t)}: admins ${a?.shareText ?? 'n/a'}, all users ${u?.shareText ?? 'n/a'}`;
  });
  return {
    id: 'method-adoption',
    title: 'Method adoption: privileged admins vs all users',
    caption:
      `Share of each group with the method registered, from usersRegisteredByMethod (includedUserTypes all; includedUserRoles privilegedAdmin: ${adminTotal === null ? 'n/a' : formatInt(adminTotal)} users, all: ${allTotal === null ? 'n/a' : formatInt(allTotal)} users), most adopted by all users first. ` +
      `The report counts every user Microsoft lists, members and guests, so its groups differ from the population of section 6; password (held by everyone) is left out.` +
      (missing.length && !empty ? ` No data for ${missing.join(' and ')}.` : ''),
    alt: empty ? 'No data.' : `Grouped bar chart of method adoption, privileged admins against all users: ${pairs.join('; ')}${shown.length > 4 ? `; and ${shown.length - 4} more methods in the table` : ''}.`,
    measure: 'share',
    labelHeading: 'Method',
    keyHeading: 'Method (report)',
    showGroup: true,
    rows,
    table: {
      head: [cell('Method'), cell('Method (report)'), cell(`${ADMINS_GROUP}`, true), cell('Share', true), cell(ALL_GROUP, true), cell('Share', true)],
      rows: shown.map((t) => {
        const a = adminRows.get(visibleText(t));
        const u = allRows.get(visibleText(t));
        return [
          cell(a?.label ?? visibleText(t)),
          cell(visibleText(t), false, true),
          cell(a?.countText ?? 'n/a', true),
          cell(a?.shareText ?? 'n/a', true),
          cell(u?.countText ?? 'n/a', true),
          cell(u?.shareText ?? 'n/a', true),
        ];
      }),
    },
    threshold: null,
    series: [],
    omitted: rest > 0 ? `${formatInt(rest)} less adopted ${rest === 1 ? 'method is' : 'methods are'} listed in Appendix B.` : null,
    empty,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// userMfaSignInSummary: daily MFA vs single-factor sign-ins

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "5 Nov" (UTC) for an axis label; the input when it does not parse. */
function shortDate(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return visibleText(iso);
  const d = new Date(t);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** The single-factor share over the period: "10.4% (8,908 / 85,777 sign-ins over 30 days)", or why there is none. */
export function singleFactorText(results: AuditResult): string {
  const m = metric(results, 'usage.single_factor_signin_share');
  if (!results.usage || !m || m.value === null) return notCollectedText(results, ['userMfaSignInSummary']);
  const days = value(results, 'usage.days');
  return `${formatPercent(m.value)} (${fraction(m)} sign-ins${days === null ? '' : ` over ${formatInt(days)} ${days === 1 ? 'day' : 'days'}`})`;
}

export function signInTrendChart(results: AuditResult): ChartData {
  const usage = results.usage;
  const days = usage ? [...usage.days].sort((a, b) => compareStrings(a.date, b.date)) : [];
  const shown = days.slice(-SIGN_IN_DAY_CAP);
  // two days with the same label (a repeated date) would share one bar: the key keeps them apart
  const labels = new Map<string, number>();
  const labelOf = (d: string) => {
    const base = shortDate(d);
    const n = (labels.get(base) ?? 0) + 1;
    labels.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  };
  const rows: ChartRow[] = [];
  for (const d of shown) {
    const label = labelOf(d.date);
    const share = d.total > 0 ? d.singleFactor / d.total : null;
    const row = (group: string, count: number, s: number | null): ChartRow => ({
      label,
      key: visibleText(d.date),
      share: s,
      count,
      denominator: d.total,
      group,
      shareText: formatPercent(s),
      countText: `${formatInt(count)} / ${formatInt(d.total)}`,
    });
    rows.push(row(SIGN_IN_GROUPS.mfa, d.multiFactor, d.total > 0 ? d.multiFactor / d.total : null), row(SIGN_IN_GROUPS.single, d.singleFactor, share));
  }
  const limit = thresholdValue(results, 'singleFactorSignInsMax');
  const overall = singleFactorText(results);
  const worst = [...shown].filter((d) => d.total > 0).sort((a, b) => b.singleFactor / b.total - a.singleFactor / a.total || compareStrings(a.date, b.date))[0];
  const from = shown[0]?.date;
  const to = shown.at(-1)?.date;
  const invalid = usage?.invalidRows ?? 0;
  return {
    id: 'sign-in-trend',
    title: 'Daily sign-ins: MFA vs single-factor',
    caption: usage
      ? `Single-factor share over the period: ${overall}${limit === null ? '' : `; target at most ${formatPercent(limit)}`}. Daily totals from userMfaSignInSummary (beta)${from && to ? `, ${formatDate(from)} to ${formatDate(to)}` : ''}; single-factor sign-ins are stacked on MFA sign-ins.` +
        (invalid > 0 ? ` ${formatInt(invalid)} ${invalid === 1 ? 'day was' : 'days were'} left out: the counts did not add up.` : '')
      : notCollectedText(results, ['userMfaSignInSummary']),
    alt: shown.length
      ? `Stacked bar chart of daily sign-ins over ${formatInt(shown.length)} days. Single-factor share over the period ${overall}.${worst ? ` Highest daily share ${formatPercent(worst.singleFactor / worst.total)} on ${formatDate(worst.date)}.` : ''}`
      : 'No data.',
    measure: 'count',
    labelHeading: 'Day',
    keyHeading: 'Date (report)',
    showGroup: true,
    rows,
    table: {
      head: [cell('Day'), cell('Sign-ins', true), cell('MFA', true), cell('Single-factor', true), cell('Single-factor share', true)],
      rows: shown.map((d) => [
        cell(formatDate(d.date)),
        cell(formatInt(d.total), true),
        cell(formatInt(d.multiFactor), true),
        cell(formatInt(d.singleFactor), true),
        cell(formatPercent(d.total > 0 ? d.singleFactor / d.total : null), true),
      ]),
    },
    threshold: limit === null ? null : { value: limit, label: `Target ${formatPercent(limit)}` },
    series: [],
    omitted: days.length > shown.length ? `${formatInt(days.length - shown.length)} earlier days are in results.json.` : null,
    empty: rows.length === 0,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The activity block of section 2: key figures of the usage and event reports, and the top failure reasons

export interface KeyFigure {
  label: string;
  value: string;
  /** where the number comes from, or why there is none */
  note: string;
  missing: boolean;
}

export interface FailureReasonRow {
  feature: string;
  reason: string;
  count: string;
}

export interface ActivityView {
  figures: KeyFigure[];
  /** "userEventsSummary, 624 rows (2 invalid), 5 Nov 2026 to 4 Dec 2026"; null without events */
  eventsBasis: string | null;
  failureReasons: FailureReasonRow[];
  /** why the table is empty */
  failureReasonsNote: string | null;
}

const FEATURE_LABEL: Readonly<Record<string, string>> = { registration: 'Registration', reset: 'Password reset' };

function rateFigure(results: AuditResult, id: string, label: string, what: string, limitKey: string | null): KeyFigure {
  const m = metric(results, id);
  const limit = limitKey === null ? null : thresholdValue(results, limitKey);
  if (!results.events || !m || m.value === null) {
    return { label, value: 'n/a', note: results.events ? `No ${what} events in the period.` : notCollectedText(results, ['userEventsSummary']), missing: true };
  }
  return { label, value: formatPercent(m.value), note: `${fraction(m)} ${what} events failed${limit === null ? '' : ` (limit ${formatPercent(limit)} per method in the charts above)`}`, missing: false };
}

export function activityView(results: AuditResult): ActivityView {
  const ev = results.events;
  const limit = thresholdValue(results, 'singleFactorSignInsMax');
  const sf = metric(results, 'usage.single_factor_signin_share');
  const repeated = value(results, 'events.users_repeated_failures');
  const minFailures = thresholdValue(results, 'repeatedFailuresMin') ?? 3;
  const figures: KeyFigure[] = [
    {
      label: 'Single-factor sign-ins',
      value: results.usage && sf && sf.value !== null ? formatPercent(sf.value) : 'n/a',
      note:
        results.usage && sf && sf.value !== null
          ? `${fraction(sf)} sign-ins over ${formatInt(value(results, 'usage.days') ?? results.usage.days.length)} days used a single factor${limit === null ? '' : `; target at most ${formatPercent(limit)}`}`
          : notCollectedText(results, ['userMfaSignInSummary']),
      missing: !(results.usage && sf && sf.value !== null),
    },
    rateFigure(results, 'events.registration.failure_rate', 'Registration failures (events)', 'method registration', null),
    rateFigure(results, 'events.reset.failure_rate', 'Password reset failures (events)', 'self-service password reset', null),
    {
      label: 'Users with repeated failures',
      value: ev && repeated !== null ? formatInt(repeated) : 'n/a',
      note: ev && repeated !== null ? `users with ${formatInt(minFailures)} or more failed registration or reset events in the period (worklist in the finding)` : notCollectedText(results, ['userEventsSummary']),
      missing: !(ev && repeated !== null),
    },
  ];
  const basis = ev
    ? `${visibleText(ev.source)}: ${formatInt(ev.rows)} event ${ev.rows === 1 ? 'row' : 'rows'}${ev.invalidRows > 0 ? ` (${formatInt(ev.invalidRows)} invalid, not counted)` : ''}${ev.from && ev.to ? `, ${formatDate(ev.from)} to ${formatDate(ev.to)}` : ''}.`
    : null;
  const failureReasons = (ev?.topFailureReasons ?? []).slice(0, 10).map((r) => ({
    feature: Object.hasOwn(FEATURE_LABEL, r.feature) ? (FEATURE_LABEL[r.feature] ?? r.feature) : visibleText(clip(r.feature, 40)),
    // clipped before the markers are added, so a cut never splits one
    reason: r.failureReason.trim() === '' ? '(no reason given)' : visibleText(clip(r.failureReason, FAILURE_REASON_CHARS)),
    count: formatInt(r.count),
  }));
  return {
    figures,
    eventsBasis: basis,
    failureReasons,
    failureReasonsNote: !ev ? notCollectedText(results, ['userEventsSummary']) : failureReasons.length === 0 ? 'No failed event in the period.' : null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Appendix A: the aggregate reports beside the per-user rows

export interface CrossCheckRow {
  figure: string;
  report: string;
  perUser: string;
  /** metric ids of the two numbers */
  ids: string;
}

export interface CrossCheckView {
  source: string;
  title: string;
  collected: boolean;
  rows: CrossCheckRow[];
  /** the engine's comparison (largest relative difference) against the tolerance, or why there is none */
  result: string;
  tone: 'ok' | 'warn' | 'unknown';
}

function countText(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : formatInt(v);
}

/** The population count of a ratio metric (its numerator), or its value when it is a count. */
function perUserCount(results: AuditResult, id: string): number | null {
  const m = metric(results, id);
  if (!m || m.value === null) return null;
  return m.numerator ?? m.value;
}

function mismatchText(results: AuditResult, id: string, what: string): { result: string; tone: CrossCheckView['tone'] } {
  const v = value(results, id);
  const tol = thresholdValue(results, 'aggregateTolerance');
  if (v === null) return { result: `No comparison (${visibleText(id)} is n/a): ${what} or the per-user rows are missing.`, tone: 'unknown' };
  const within = tol === null || v <= tol;
  return {
    result: `Largest relative difference against every per-user row: ${formatPercent(v)}${tol === null ? '' : `, tolerance ${formatPercent(tol)} (${within ? 'within' : 'exceeded'})`}; metric ${visibleText(id)}.`,
    tone: within ? 'ok' : 'warn',
  };
}

export function crossChecks(results: AuditResult): CrossCheckView[] {
  const out: CrossCheckView[] = [];
  const row = (figure: string, reportId: string, perUserId: string | null, perUser: number | null = perUserId ? perUserCount(results, perUserId) : null): CrossCheckRow => ({
    figure,
    report: countText(value(results, reportId)),
    perUser: perUserId === null ? '—' : countText(perUser),
    ids: `${reportId}${perUserId ? ` · ${perUserId}` : ''}`,
  });
  const byMethod = source(results, 'usersRegisteredByMethod');
  if (byMethod) {
    const collected = value(results, `${BY_METHOD_TOTAL_PREFIX}${ALL_SLICE}`) !== null;
    const t = (slice: string) => `${BY_METHOD_TOTAL_PREFIX}${slice}`;
    out.push({
      source: 'usersRegisteredByMethod',
      title: 'Users registered by method (per includedUserTypes × includedUserRoles)',
      collected,
      rows: collected
        ? [
            row('Users (all types, all roles)', t(ALL_SLICE), null),
            row('Members, all roles', t('member_all'), results.definitions.includeGuests ? null : 'users.in_scope'),
            row('Guests, all roles', t('guest_all'), 'users.guests'),
            row('Privileged admins (Microsoft’s role set)', t(ADMIN_SLICE), 'admins.total'),
          ]
        : [],
      ...(collected ? mismatchText(results, 'data.aggregate_method_mismatch', 'usersRegisteredByMethod') : { result: notCollectedText(results, ['usersRegisteredByMethod']), tone: 'unknown' as const }),
    });
  }
  const cred = source(results, 'credentialUserRegistrationCount');
  if (cred) {
    const c = (k: string) => `aggregate.credential_registration.${k}`;
    const collected = value(results, c('total')) !== null;
    out.push({
      source: 'credentialUserRegistrationCount',
      title: 'Credential user registration count (beta)',
      collected,
      rows: collected
        ? [
            row('Users', c('total'), 'users.in_scope'),
            row('Registered for SSPR', c('registered'), 'sspr.registered'),
            row('Enabled for SSPR', c('enabled'), 'sspr.enabled'),
            row('SSPR capable', c('capable'), 'sspr.capable'),
            row('MFA registered', c('mfaRegistered'), 'mfa.registered'),
          ]
        : [],
      ...(collected ? mismatchText(results, 'data.credential_count_mismatch', 'credentialUserRegistrationCount') : { result: notCollectedText(results, ['credentialUserRegistrationCount']), tone: 'unknown' as const }),
    });
  }
  return out;
}
