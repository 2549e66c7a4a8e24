/**
 * The data behind each chart of the metrics section (bars, rows of the data table, text alternative). Pure, like
 * view-model.ts; charts.ts turns it into Vega-Lite specs and SVG.
 */
import type { AuditResult, MetricInfo, MetricValue } from '../results/schema.js';
import { compareStrings, formatDate, formatDateTime, formatInt, formatPercent, formatPoints, methodLabel, visibleText } from './format.js';
import { SCORE_CARDS } from './view-text.js';

export const METHOD_METRIC_PREFIX = 'methods.registered.';
export const SSPR_FAILURE_PREFIX = 'sspr.reset.failure_rate.';
export const REGISTRATION_FAILURE_PREFIX = 'registration.failure_rate.';
const POPULATION_METRIC = 'users.in_scope';
/** Bars in one chart: more would not be readable on a page. */
export const CHART_ROW_CAP = 24;

export interface ChartRow {
  label: string;
  /** raw token or metric id, for the data table */
  key: string;
  /** share of the denominator, 0–1; null when unknown */
  share: number | null;
  count: number | null;
  denominator: number | null;
  /** colour group (series) */
  group: string;
  shareText: string;
  countText: string;
}

export interface TableCell {
  text: string;
  num: boolean;
  mono: boolean;
}

export interface TrendSeries {
  key: string;
  label: string;
  points: Array<{ asOf: string; dateLabel: string; value: number | null }>;
}

export type ChartId =
  | 'methods'
  | 'funnel'
  | 'admins'
  | 'method-adoption'
  | 'strength'
  | 'sspr-failure'
  | 'registration-failure'
  | 'sign-in-trend'
  | 'trend';

export interface ChartData {
  id: ChartId;
  title: string;
  caption: string;
  /** one-sentence text alternative of the picture (the data table holds every value) */
  alt: string;
  /** what the bar length means */
  measure: 'count' | 'share';
  /** headings of the label and key columns in the data table */
  labelHeading: string;
  keyHeading: string;
  /** the data table has a group column (more than one series) */
  showGroup: boolean;
  rows: ChartRow[];
  /** the data table printed under the chart */
  table: { head: TableCell[]; rows: TableCell[][] };
  /** a reference line (target or limit) */
  threshold: { value: number; label: string } | null;
  /** trend chart only: one line per metric */
  series: TrendSeries[];
  /** rows left out of the picture (and listed in Appendix B) */
  omitted: string | null;
  empty: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Metric helpers (shared with view-model.ts and the section builders view-*.ts)

export type Info = ReadonlyMap<string, MetricInfo>;

export function metricTitle(info: Info, id: string, fallback?: string): string {
  return info.get(id)?.title ?? fallback ?? id;
}

export function fraction(m: MetricValue | undefined): string {
  if (!m || m.numerator === undefined || m.denominator === undefined) return '';
  return `${formatInt(m.numerator)} / ${formatInt(m.denominator)}`;
}

export function thresholdValue(results: AuditResult, key: string): number | null {
  const v = results.definitions.thresholds[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Builders: charts

function shareOf(m: MetricValue | undefined, kind: MetricInfo['kind'] | undefined): ChartRow['share'] {
  if (!m || m.value === null) return null;
  if (kind === 'count') return m.denominator ? m.value / m.denominator : null;
  return m.value;
}

function countOf(m: MetricValue | undefined, kind: MetricInfo['kind'] | undefined): number | null {
  if (!m) return null;
  if (m.numerator !== undefined) return m.numerator;
  return kind === 'count' ? m.value : null;
}

function chartRow(
  results: AuditResult,
  info: Info,
  metricId: string,
  label: string,
  group: string,
  /** denominator for a count metric that has none of its own */
  countBase: number | null = null,
): ChartRow {
  const m = results.metrics[metricId];
  const kind = info.get(metricId)?.kind;
  const count = countOf(m, kind);
  const ownShare = shareOf(m, kind);
  const useBase = ownShare === null && count !== null && countBase !== null && countBase > 0;
  const share = useBase ? count / (countBase ?? 1) : ownShare;
  const denominator = m?.denominator ?? (useBase ? countBase : null);
  return {
    label,
    key: metricId,
    share,
    count,
    denominator,
    group,
    shareText: formatPercent(share),
    // a ratio without a value (0 / 0, or no source) has nothing to count
    countText:
      count === null || (share === null && denominator !== null)
        ? 'n/a'
        : denominator === null
          ? formatInt(count)
          : `${formatInt(count)} / ${formatInt(denominator)}`,
  };
}

export const cell = (text: string, num = false, mono = false): TableCell => ({ text, num, mono });

/** The usual data table: label, key, [group], users, share. */
function standardTable(rows: readonly ChartRow[], labelHeading: string, keyHeading: string, showGroup: boolean, countHeading = 'Users'): ChartData['table'] {
  return {
    head: [cell(labelHeading), cell(keyHeading), ...(showGroup ? [cell('Group')] : []), cell(countHeading, true), cell('Share', true)],
    rows: rows.map((r) => [
      cell(r.label),
      cell(r.key, false, true),
      ...(showGroup ? [cell(r.group)] : []),
      cell(r.countText, true),
      cell(r.shareText, true),
    ]),
  };
}

export function listAlt(rows: readonly ChartRow[], value: (r: ChartRow) => string, limit = 6): string {
  const shown = rows.slice(0, limit).map((r) => `${r.label} ${value(r)}`);
  const rest = rows.length - shown.length;
  return shown.join('; ') + (rest > 0 ? `; and ${rest} more in the table` : '');
}

/**
 * Two tokens can share a readable name (fido and fido2SecurityKey are both "FIDO2 security key"); a chart draws
 * one bar per label, so a repeated label gets its token added.
 */
export function uniqueLabels(rows: ChartRow[]): ChartRow[] {
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(r.label, (seen.get(r.label) ?? 0) + 1);
  return rows.map((r) => ((seen.get(r.label) ?? 0) > 1 && r.label !== r.key ? { ...r, label: `${r.label} (${r.key})` } : r));
}

function capRows(rows: ChartRow[]): { rows: ChartRow[]; omitted: string | null } {
  if (rows.length <= CHART_ROW_CAP) return { rows, omitted: null };
  const rest = rows.length - CHART_ROW_CAP;
  return { rows: rows.slice(0, CHART_ROW_CAP), omitted: `${formatInt(rest)} less common ${rest === 1 ? 'entry is' : 'entries are'} listed in Appendix B.` };
}

function methodsChart(results: AuditResult, info: Info): ChartData {
  // method metrics are counts; their share is of the population (users.in_scope)
  const population = results.metrics[POPULATION_METRIC]?.value ?? null;
  const all = Object.keys(results.metrics)
    .filter((id) => id.startsWith(METHOD_METRIC_PREFIX) && id.length > METHOD_METRIC_PREFIX.length)
    .map((id) => {
      const token = id.slice(METHOD_METRIC_PREFIX.length);
      const row = chartRow(results, info, id, visibleText(methodLabel(token)), 'users', population);
      return { ...row, key: visibleText(token) };
    })
    .filter((r) => r.count !== null || r.share !== null);
  const useCounts = all.length > 0 && all.every((r) => r.count !== null);
  all.sort(
    (a, b) =>
      (useCounts ? (b.count ?? 0) - (a.count ?? 0) : (b.share ?? 0) - (a.share ?? 0)) || compareStrings(a.key, b.key),
  );
  const { rows, omitted } = capRows(uniqueLabels(all));
  return {
    id: 'methods',
    title: 'Users per registered method',
    caption: useCounts
      ? 'Users in scope with each method in methodsRegistered, most common first. A user with several methods counts once per method.'
      : 'Share of users in scope with each method in methodsRegistered, most common first.',
    alt: `Horizontal bar chart of users per registered method: ${listAlt(rows, (r) => (useCounts ? `${r.countText.split(' / ')[0]} users` : r.shareText))}.`,
    measure: useCounts ? 'count' : 'share',
    labelHeading: 'Method',
    keyHeading: 'Token (methodsRegistered)',
    showGroup: false,
    rows,
    table: standardTable(rows, 'Method', 'Token (methodsRegistered)', false),
    threshold: null,
    series: [],
    omitted,
    empty: rows.length === 0,
  };
}

function funnelChart(results: AuditResult, info: Info): ChartData {
  const funnel: Array<[string, string, string]> = [
    ['mfa.registered', 'MFA registered', 'MFA'],
    ['mfa.capable', 'MFA capable', 'MFA'],
    ['sspr.registered', 'SSPR registered', 'SSPR'],
    ['sspr.capable', 'SSPR capable', 'SSPR'],
    ['passwordless.capable', 'Passwordless capable', 'Passwordless'],
    ['phishing_resistant.registered', 'Phishing-resistant registered', 'Phishing-resistant'],
  ];
  const rows = funnel.map(([id, label, group]) => chartRow(results, info, id, label, group));
  return {
    id: 'funnel',
    title: 'Registration and capability',
    caption:
      'Share of users in scope. "Registered" means the methods are on the account; "capable" means they are also allowed by the authentication methods policy.',
    alt: `Bar chart of registration and capability: ${listAlt(rows, (r) => r.shareText)}.`,
    measure: 'share',
    labelHeading: 'Measure',
    keyHeading: 'Metric',
    showGroup: false,
    rows,
    table: standardTable(rows, 'Measure', 'Metric', false),
    threshold: null,
    series: [],
    omitted: null,
    empty: rows.every((r) => r.share === null),
  };
}

function adminsChart(results: AuditResult, info: Info): ChartData {
  const admin: Array<[string, string, string]> = [
    ['admins.mfa_capable', 'MFA capable', 'Administrators'],
    ['mfa.capable', 'MFA capable', 'All users'],
    ['admins.phishing_resistant', 'Phishing-resistant method', 'Administrators'],
    ['phishing_resistant.registered', 'Phishing-resistant method', 'All users'],
  ];
  const rows = admin.map(([id, label, group]) => chartRow(results, info, id, label, group));
  return {
    id: 'admins',
    title: 'Phishing-resistant coverage: administrators and all users',
    caption: 'Administrators compared with all users in scope: MFA capable and holding a phishing-resistant method. Every administrator should hold one.',
    alt: `Grouped bar chart: ${listAlt(rows, (r) => `(${r.group}) ${r.shareText}`)}.`,
    measure: 'share',
    labelHeading: 'Measure',
    keyHeading: 'Metric',
    showGroup: true,
    rows,
    table: standardTable(rows, 'Measure', 'Metric', true),
    threshold: null,
    series: [],
    omitted: null,
    empty: rows.every((r) => r.share === null),
  };
}

function strengthChart(results: AuditResult, info: Info): ChartData {
  const capable = chartRow(results, info, 'mfa.capable', 'MFA capable', 'MFA capable');
  const notCapableMetric = results.metrics['mfa.capable'];
  const notCapable: ChartRow =
    notCapableMetric && notCapableMetric.value !== null && notCapableMetric.numerator !== undefined && notCapableMetric.denominator !== undefined
      ? {
          label: 'Not MFA capable',
          key: '1 − mfa.capable',
          share: 1 - notCapableMetric.value,
          count: notCapableMetric.denominator - notCapableMetric.numerator,
          denominator: notCapableMetric.denominator,
          group: 'Weak or none',
          shareText: formatPercent(1 - notCapableMetric.value),
          countText: `${formatInt(notCapableMetric.denominator - notCapableMetric.numerator)} / ${formatInt(notCapableMetric.denominator)}`,
        }
      : { ...capable, label: 'Not MFA capable', key: '1 − mfa.capable', share: null, count: null, group: 'Weak or none', shareText: 'n/a', countText: 'n/a' };
  const rows = [
    chartRow(results, info, 'phishing_resistant.registered', 'Phishing-resistant method', 'Phishing-resistant'),
    capable,
    chartRow(results, info, 'mfa.phone_only', 'SMS/voice-only MFA', 'Weak or none'),
    notCapable,
  ];
  const phone = results.metrics['mfa.phone_only'];
  return {
    id: 'strength',
    title: 'SMS/voice-only share',
    caption:
      'Share of users in scope. SMS/voice-only users count as MFA capable, but every second factor they hold can be intercepted (SIM swap, real-time phishing); the target is no such user.',
    alt: `Bar chart of MFA strength: ${listAlt(rows, (r) => r.shareText)}.${phone?.value !== null && phone?.value !== undefined ? ` ${formatPercent(phone.value)} of users in scope rely on SMS or voice only.` : ''}`,
    measure: 'share',
    labelHeading: 'Measure',
    keyHeading: 'Metric',
    showGroup: false,
    rows,
    table: standardTable(rows, 'Measure', 'Metric', false),
    threshold: null,
    series: [],
    omitted: null,
    empty: rows.every((r) => r.share === null),
  };
}

/** Per-method failure rates: the bar is the rate, the label "rate (failed/attempts)"; thin samples are greyed. */
function failureChart(
  results: AuditResult,
  id: 'sspr-failure' | 'registration-failure',
  prefix: string,
  overallId: string,
  thresholdKey: string,
): ChartData {
  const limit = thresholdValue(results, thresholdKey);
  const minAttempts = thresholdValue(results, 'minAttemptsPerMethod') ?? 0;
  const all: ChartRow[] = Object.keys(results.metrics)
    .filter((k) => k.startsWith(prefix) && k.length > prefix.length)
    .map((k) => {
      const token = k.slice(prefix.length);
      const m = results.metrics[k];
      const attempts = m?.denominator ?? null;
      const failed = m?.numerator ?? null;
      const rate = m?.value ?? null;
      const judged = attempts !== null && attempts >= minAttempts;
      const group = !judged ? 'Too few attempts to judge' : limit !== null && rate !== null && rate > limit ? 'Above the limit' : 'Within the limit';
      return {
        label: visibleText(methodLabel(token)),
        key: visibleText(token),
        share: rate,
        count: failed,
        denominator: attempts,
        group,
        shareText: formatPercent(rate),
        countText: failed === null || attempts === null ? 'n/a' : `${formatInt(failed)} / ${formatInt(attempts)}`,
      };
    })
    .filter((r) => r.share !== null);
  all.sort((a, b) => (b.denominator ?? 0) - (a.denominator ?? 0) || (b.share ?? 0) - (a.share ?? 0) || compareStrings(a.key, b.key));
  const { rows, omitted } = capRows(uniqueLabels(all));
  const overall = results.metrics[overallId];
  const what = id === 'sspr-failure' ? 'SSPR reset' : 'Method registration';
  const overallText =
    overall && overall.value !== null ? `Overall: ${formatPercent(overall.value)} (${fraction(overall)} attempts failed).` : 'Overall: no data.';
  const limitText = limit === null ? '' : ` The dashed line is the limit of ${formatPercent(limit)}`;
  const minText = minAttempts > 0 ? `; methods with fewer than ${formatInt(minAttempts)} attempts are shown grey and not judged.` : '.';
  return {
    id,
    title: `${what} failure rate per method`,
    caption: `${overallText} Failed / attempted, last 30 days, most attempted first.${limitText}${limit === null ? '.' : minText}`,
    alt: `Bar chart of ${what.toLowerCase()} failure rate per method. ${overallText} ${listAlt(rows, (r) => `${r.shareText} (${r.countText})`)}.`,
    measure: 'share',
    labelHeading: 'Method',
    keyHeading: 'Method (report)',
    showGroup: true,
    rows,
    table: {
      head: [cell('Method'), cell('Method (report)'), cell('Failed / attempts', true), cell('Rate', true), cell('Judgement')],
      rows: rows.map((r) => [cell(r.label), cell(r.key, false, true), cell(r.countText, true), cell(r.shareText, true), cell(r.group)]),
    },
    threshold: limit === null ? null : { value: limit, label: `Limit ${formatPercent(limit)}` },
    series: [],
    omitted,
    empty: rows.length === 0,
  };
}

/** The quarter-over-quarter lines: the score-card shares over the baselines and this snapshot. */
function trendChart(results: AuditResult): ChartData | null {
  const t = results.trends;
  if (!t || t.baselines.length === 0) return null;
  const picks = SCORE_CARDS.filter((c) => c.id !== 'sspr.reset.failure_rate').slice(0, 7);
  const dates = [...t.baselines.map((b) => b.asOf), results.asOf];
  // snapshots taken the same day (a re-run) need the time to tell them apart on the axis
  const byDay = dates.map(formatDate);
  const label = new Set(byDay).size === byDay.length ? formatDate : formatDateTime;
  const series: TrendSeries[] = picks
    .map((c) => {
      const m = t.metrics[c.id];
      return {
        key: c.id,
        label: c.title,
        points: (m?.series ?? []).map((p) => ({ asOf: p.asOf, dateLabel: label(p.asOf), value: p.value })),
      };
    })
    .filter((s) => s.points.some((p) => p.value !== null));
  const head = [cell('Metric'), ...dates.map((d) => cell(label(d), true)), cell('Change', true)];
  const rows = series.map((s) => {
    const byDate = new Map(s.points.map((p) => [p.asOf, p.value]));
    const delta = t.metrics[s.key]?.delta ?? null;
    return [
      cell(s.label),
      ...dates.map((d) => cell(formatPercent(byDate.get(d) ?? null), true)),
      cell(delta === null ? 'n/a' : formatPoints(delta), true),
    ];
  });
  return {
    id: 'trend',
    title: 'Trend against the baselines',
    caption: `Headline shares at each baseline and in this snapshot (${formatDate(results.asOf)}). Change is against the latest baseline (${formatDate(dates.at(-2) ?? results.asOf)}).`,
    alt: `Line chart of headline shares over ${dates.length} snapshots: ${series
      .slice(0, 6)
      .map((s) => `${s.label} from ${formatPercent(s.points[0]?.value ?? null)} to ${formatPercent(s.points.at(-1)?.value ?? null)}`)
      .join('; ')}.`,
    measure: 'share',
    labelHeading: 'Metric',
    keyHeading: 'Metric id',
    showGroup: true,
    rows: [],
    table: { head, rows },
    threshold: null,
    series,
    omitted: null,
    empty: series.length === 0,
  };
}

export function charts(results: AuditResult, info: Info): ChartData[] {
  const out: ChartData[] = [
    methodsChart(results, info),
    funnelChart(results, info),
    adminsChart(results, info),
    strengthChart(results, info),
    failureChart(results, 'sspr-failure', SSPR_FAILURE_PREFIX, 'sspr.reset.failure_rate', 'ssprResetFailureMax'),
    failureChart(results, 'registration-failure', REGISTRATION_FAILURE_PREFIX, 'registration.failure_rate', 'registrationFailureMax'),
  ];
  const trend = trendChart(results);
  if (trend) out.push(trend);
  return out;
}
