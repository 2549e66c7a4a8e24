/**
 * results.json → plain view data for the templates, the charts and summary.md.
 * Pure: no I/O, no clock, no randomness; every string is formatted here so templates only place values.
 */
import type {
  AffectedUser,
  AuditResult,
  ControlStatus,
  Finding,
  FindingStatus,
  MetricInfo,
  MetricValue,
  ResultSource,
  Severity,
  SourceStatus,
} from '../results/schema.js';
import { CONTROL_STATUSES, SEVERITIES } from '../results/schema.js';
import {
  anchorFor,
  breakParts,
  cleanProse,
  compareStrings,
  formatDate,
  formatDateTime,
  formatDuration,
  formatInt,
  formatNumber,
  formatPercent,
  formatPoints,
  formatSignedInt,
  frameworkShort,
  lookup,
  visibleText,
  worklistName,
} from './format.js';
import { charts, fraction, metricTitle, thresholdValue, type ChartData, type Info } from './view-charts.js';
import { enforcementView, type EnforcementView } from './view-enforcement.js';
import { activityView, crossChecks, methodAdoptionChart, signInTrendChart, type ActivityView, type CrossCheckView } from './view-reports.js';
import { ENFORCEMENT_MODEL, GLOSSARY, SCORE_CARDS, SOURCE_KIND, THRESHOLD_TEXT, type GlossaryEntry } from './view-text.js';

/** Metric families of one value per method, slice or configuration (many rows each): listed after the others. */
const METRIC_DETAIL = /^(aggregate\.by_method\.|aggregate\.by_method_total\.|events\.(registration|reset)\.failure_rate\.|methods\.registered\.|policy\.methods\.enabled\.|sspr\.reset\.failure_rate\.|registration\.failure_rate\.)/;

// kept importable from here: summary, step summary and verify use them
export {
  breakParts,
  cleanProse,
  formatDate,
  formatDateTime,
  formatDuration,
  formatInt,
  formatNumber,
  formatPercent,
  formatPoints,
  methodLabel,
  visibleText,
  worklistName,
} from './format.js';
export { CHART_ROW_CAP, METHOD_METRIC_PREFIX, REGISTRATION_FAILURE_PREFIX, SSPR_FAILURE_PREFIX } from './view-charts.js';
export type { ChartData, ChartId, ChartRow, TableCell, TrendSeries } from './view-charts.js';
export type { EnforcementView } from './view-enforcement.js';
export type { ActivityView, CrossCheckView, FailureReasonRow, KeyFigure } from './view-reports.js';

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

export const STATUS_LABEL: Record<FindingStatus, string> = {
  pass: 'Pass',
  fail: 'Fail',
  error: 'Not evaluated',
  not_applicable: 'Not applicable',
  excepted: 'Excepted',
};

/** A control's status: a finding status, or not assessable (the evidence its testing checks need is missing). */
export const CONTROL_STATUS_LABEL: Record<ControlStatus, string> = { ...STATUS_LABEL, not_assessable: 'Not assessable' };
/** A control only supporting checks cite: no verdict (its status is not_applicable). */
const NOT_TESTED_LABEL = 'Not tested';

const SOURCE_STATUS_LABEL: Record<SourceStatus, string> = {
  ok: 'OK',
  unavailable: 'Unavailable',
  forbidden: 'Forbidden',
  retired: 'Retired',
  error: 'Error',
  not_collected: 'Not collected',
};

/** The headline metrics (summary.md and the CI step summary), in display order. */
export const HEADLINE_METRICS: ReadonlyArray<{ id: string; title: string; of: string; lowerIsBetter: boolean }> = [
  { id: 'mfa.capable', title: 'MFA capable', of: 'users', lowerIsBetter: false },
  { id: 'phishing_resistant.registered', title: 'Phishing-resistant method', of: 'users', lowerIsBetter: false },
  { id: 'passwordless.capable', title: 'Passwordless capable', of: 'users', lowerIsBetter: false },
  { id: 'admins.phishing_resistant', title: 'Admins phishing-resistant', of: 'administrators', lowerIsBetter: false },
  { id: 'mfa.phone_only', title: 'Phone-only MFA', of: 'users', lowerIsBetter: true },
  { id: 'sspr.capable', title: 'SSPR capable', of: 'users', lowerIsBetter: false },
  // what the policies require, beside what users registered (n/a when the policies could not be read)
  { id: 'enforcement.mfa.enforced', title: 'MFA enforced by policy', of: 'users', lowerIsBetter: false },
  { id: 'enforcement.admins.mfa_enforced', title: 'Admins MFA enforced by policy', of: 'administrators', lowerIsBetter: false },
];


/** Longest list of any kind the report prints (chart bars, metrics, role ids …); the rest is in results.json. */
export const LIST_CAP = 40;

const SEVERITY_RANK: Record<Severity, number> = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<
  Severity,
  number
>;

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || compareStrings(a.checkId, b.checkId),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// View types

export interface Branding {
  organisation: string;
  /** #rrggbb */
  primaryColor: string;
  /** SVG or PNG path, embedded as a data URI */
  logoFile?: string;
  /** e.g. 'Confidential' */
  classification?: string;
}

/** Document control of the pack (config `report` section). */
export interface ReportMeta {
  /** draft adds a DRAFT watermark on every page */
  status: 'draft' | 'final';
  version: string;
  preparer?: string;
  reviewer?: string;
  /** e.g. "Q4 2026" */
  auditPeriod?: string;
  /** text in the PDF footer of every page */
  footer?: string;
  pageSize: 'A4' | 'Letter';
}

export const DEFAULT_REPORT_META: ReportMeta = { status: 'draft', version: '1.0', pageSize: 'A4' };

export interface TrendView {
  /** ▲ / ▼ / ▶ */
  arrow: string;
  /** "+2.1 pts" */
  delta: string;
  /** better | worse | same: the colour of the arrow */
  tone: 'better' | 'worse' | 'same';
  /** "since 30 Sep 2026" */
  since: string;
  /** "up 2.1 points since 30 Sep 2026 (better)" for screen readers and text extraction */
  text: string;
}

export interface ScoreCard {
  id: string;
  title: string;
  value: string;
  fraction: string;
  of: string;
  /** 0–100, width of the card's bar */
  barPercent: number;
  missing: boolean;
  lowerIsBetter: boolean;
  description: string;
  /** "≥ 95.0%"; null when no check judges the metric */
  target: string | null;
  /** 0–100, position of the target tick on the bar */
  targetPercent: number | null;
  /** met | missed | unknown (no value or no target) */
  verdict: 'met' | 'missed' | 'none';
  verdictText: string;
  trend: TrendView | null;
}

export interface SeverityCount {
  severity: Severity;
  label: string;
  count: number;
  zero: boolean;
}

export interface StatusCount {
  status: FindingStatus;
  label: string;
  count: number;
}

export interface AffectedRow {
  id: string;
  userPrincipalName: string;
  /** userPrincipalName split at its natural break points */
  userPrincipalNameParts: string[];
  userDisplayName: string;
  userType: string;
  admin: string;
  methods: string;
}

export interface LinkView {
  href: string;
  /** only https links become anchors; anything else is shown as text */
  isHttps: boolean;
}

export interface EvidenceRow {
  metricId: string;
  metricIdParts: string[];
  title: string;
  value: string;
}

export interface ExceptionView {
  check: string;
  checkAnchor: string | null;
  /** "whole check" or the users/patterns it names */
  scope: string;
  scopeParts: string[][];
  /** "and 12 more" when the list was cut */
  scopeMore: string;
  wholeCheck: boolean;
  owner: string;
  reason: string;
  expires: string;
  expiresIso: string;
  matched: string;
}

export interface FindingTrendView {
  change: 'new' | 'resolved' | 'persisting' | 'unchanged';
  label: string;
  previous: string;
  /** "+12 users since 30 Sep 2026, 4 left"; '' when unknown */
  movement: string;
}

export interface FindingView {
  checkId: string;
  anchor: string;
  version: number;
  title: string;
  severity: Severity;
  severityLabel: string;
  severityOverridden: boolean;
  status: FindingStatus;
  statusLabel: string;
  isFail: boolean;
  isError: boolean;
  isPass: boolean;
  isExcepted: boolean;
  isNotApplicable: boolean;
  /** a failing low or info finding: printed in the compact layout (rationale, evidence and remediation run on; an excepted one keeps its exceptions table) */
  compact: boolean;
  message: string;
  rationale: string;
  errorReason: string;
  evidence: EvidenceRow[];
  threshold: string | null;
  affected: {
    count: number;
    countText: string;
    rows: AffectedRow[];
    more: number;
    moreText: string;
    worklist: string | null;
    /** rows are not printed (aggregate-only redaction) */
    withheld: boolean;
  } | null;
  excepted: { countText: string; wholeCheck: boolean; exceptions: ExceptionView[]; more: string | null } | null;
  trend: FindingTrendView | null;
  remediation: { summary: string; steps: string[]; links: LinkView[] };
  controls: Array<{ framework: string; id: string; title: string }>;
  /** control ids grouped by framework, for one compact line each */
  controlGroups: Array<{ framework: string; ids: string }>;
  /** controls the check supports without testing them, grouped the same way */
  supportGroups: Array<{ framework: string; ids: string }>;
  requires: string[];
}

export interface FindingGroup {
  id: string;
  title: string;
  intro: string;
  findings: FindingView[];
  /** compact rendering (one short block per finding) */
  brief: boolean;
}

export interface SourceView {
  id: string;
  title: string;
  status: SourceStatus;
  statusLabel: string;
  apiVersion: string;
  path: string;
  /** the request path (/{apiVersion}{path}) split at its natural break points */
  requestParts: string[];
  /** endpoint + request, split */
  urlParts: string[];
  httpStatus: string;
  errorCode: string;
  errorMessage: string;
  pages: string;
  records: string;
  bytes: string;
  sha256: string;
  retiredSuccessor: string;
}

export interface MetricRow {
  id: string;
  idParts: string[];
  title: string;
  kind: string;
  value: string;
  fraction: string;
  source: string;
}

export interface PrincipalRow {
  id: string;
  userPrincipalName: string;
  userPrincipalNameParts: string[];
  displayName: string;
  holds: string[];
}

export interface PrivilegedView {
  basisText: string;
  roleSetName: string;
  roleSetDescription: string;
  roleCount: string;
  roleIds: string[];
  roleIdsMore: string | null;
  eligibleIncluded: string;
  note: string | null;
  servicePrincipalCount: string;
  servicePrincipals: PrincipalRow[];
  servicePrincipalsMore: string | null;
  notAssessableCount: string;
  notAssessable: PrincipalRow[];
  notAssessableMore: string | null;
}

export interface CoverageCheckRef {
  checkId: string;
  anchor: string;
  status: FindingStatus;
  statusLabel: string;
}

export interface CoverageControlView {
  id: string;
  title: string;
  version: string;
  status: ControlStatus;
  statusLabel: string;
  /** at least one check tests it (otherwise it is only supported: no verdict) */
  tested: boolean;
  /** checks whose evidence tests the control */
  checks: CoverageCheckRef[];
  checksMore: string | null;
  /** checks that support it without testing it */
  supportedBy: CoverageCheckRef[];
  supportedByMore: string | null;
  /** snapshot sources the testing checks relied on */
  sources: string[];
  /** the same, as kinds of evidence ("Conditional Access, registration report") for the printed line */
  data: string;
}

export interface CoverageCount {
  status: ControlStatus;
  label: string;
  count: number;
}

export interface CoverageView {
  framework: string;
  short: string;
  title: string;
  anchor: string;
  counts: CoverageCount[];
  /** controls with at least one testing check, and those only supported */
  testedCount: number;
  supportedOnlyCount: number;
  /** the edition when every control shares it (printed once, above the table); null when they differ */
  edition: string | null;
  controls: CoverageControlView[];
  controlsMore: string | null;
}

/** Checks × frameworks: which controls each check tests, and which it only supports. */
export interface CoverageMatrix {
  frameworks: Array<{ short: string; title: string }>;
  rows: Array<{
    checkId: string;
    title: string;
    anchor: string;
    status: FindingStatus;
    statusLabel: string;
    /** ids: controls tested; supported: controls only supported */
    cells: Array<{ ids: string; supported: string }>;
  }>;
}

export interface TocEntry {
  no: string;
  title: string;
  anchor: string;
  /** 1 = section, 2 = finding */
  level: number;
  /** printed page number (PDF only; '' in the HTML) */
  page: string;
  /** a finding's severity and status, shown beside its title */
  severity: Severity | null;
  severityLabel: string;
  status: FindingStatus | null;
  statusLabel: string;
}

export interface KeyValue {
  label: string;
  value: string;
  mono: boolean;
}

export interface ReportView {
  title: string;
  meta: ReportMeta & {
    isDraft: boolean;
    statusLabel: string;
    /** document date: the snapshot date */
    date: string;
  };
  cover: {
    organisation: string;
    logoDataUri: string | null;
    classification: string | null;
    tenantId: string;
    cloud: string;
    endpoint: string;
    collectedAt: string;
    collectedAtIso: string;
    asOf: string;
    auditPeriod: string | null;
    toolName: string;
    toolVersion: string;
    schemaVersion: number;
    manifestSha256: string;
    complete: boolean;
  };
  documentControl: KeyValue[];
  toc: TocEntry[];
  summary: {
    scoreCards: ScoreCard[];
    severityCounts: SeverityCount[];
    statusCounts: StatusCount[];
    totalFindings: number;
    failing: number;
    errors: number;
    worstFailure: string | null;
    headline: string;
    posture: { label: string; tone: Severity | 'ok' | 'unknown'; text: string };
    /** "Compared with the baseline of 30 Sep 2026" */
    baselineNote: string | null;
    topRisks: FindingView[];
    keyFindings: FindingView[];
  };
  charts: ChartData[];
  /** key figures of the usage and event reports, and the top failure reasons (section 2) */
  activity: ActivityView;
  findings: FindingView[];
  findingGroups: FindingGroup[];
  coverage: CoverageView[];
  coverageMatrix: CoverageMatrix;
  enforcement: EnforcementView;
  definitions: {
    population: string;
    admins: string;
    includeGuests: string;
    excludeUpnPatterns: string[];
    excludeUpnPatternsMore: string | null;
    breakGlassAccounts: string[];
    breakGlassAccountsMore: string | null;
    tokenSets: Array<{ name: string; tokens: string[] }>;
    privileged: PrivilegedView;
    thresholds: Array<{ key: string; keyParts: string[]; label: string; value: string }>;
    freshness: KeyValue[];
    exceptions: ExceptionView[];
    exceptionsMore: string | null;
    /** how each user's MFA enforcement is decided (fixed prose) */
    enforcementModel: ReadonlyArray<{ term: string; text: string }>;
  };
  appendix: {
    sources: SourceView[];
    metrics: MetricRow[];
    /** the same rows, grouped by the source they were computed from */
    metricGroups: Array<{ source: string; rows: MetricRow[] }>;
    metricsMore: string | null;
    manifestSha256: string;
    schemaVersion: number;
    integrity: KeyValue[];
    /** the aggregate reports beside the per-user rows */
    crossChecks: CrossCheckView[];
  };
  glossary: GlossaryEntry[];
  redaction: { mode: 'pseudonymise' | 'aggregate'; text: string } | null;
  /** print the later sections without a page break before each (a crowded pack, budget.ts) */
  flowSections: boolean;
}

export interface ViewModelOptions {
  branding: Branding;
  /** data: URI of the logo, already read and checked */
  logoDataUri: string | null;
  /** affected users listed per finding (the configured cap) */
  maxAffectedInPdf: number;
  /** first rows of each worklist read from the sidecar, by checkId; falls back to affected.sample */
  affectedHead: ReadonlyMap<string, readonly AffectedUser[]>;
  /** worklist file (relative to outDir) written for a checkId */
  worklists: ReadonlyMap<string, string>;
  /** rows listed per finding after the page budget, by checkId (budget.ts); default maxAffectedInPdf */
  affectedCaps?: ReadonlyMap<string, number>;
  /** longest other list printed (budget.ts); default LIST_CAP */
  listCap?: number;
  /** the later sections follow on the same page in print (budget.ts); default false */
  flowSections?: boolean;
  /** document control; defaults to DEFAULT_REPORT_META */
  report?: Partial<ReportMeta>;
  /** the names in `results` were already replaced (redact.ts); aggregate also withholds per-user rows */
  redaction?: 'pseudonymise' | 'aggregate' | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Builders: metrics and score cards

function isShareKind(kind: MetricInfo['kind'] | undefined, m: MetricValue | undefined): boolean {
  return kind === 'ratio' || kind === 'share' || (kind === undefined && m?.denominator !== undefined);
}

function metricValueText(m: MetricValue | undefined, kind: MetricInfo['kind'] | undefined): string {
  if (!m || m.value === null) return 'n/a';
  if (isShareKind(kind, m)) return formatPercent(m.value);
  return formatNumber(m.value);
}

function baselineDate(results: AuditResult): string | null {
  const last = results.trends?.baselines.at(-1);
  return last ? formatDate(last.asOf) : null;
}

function trendOf(results: AuditResult, id: string, lowerIsBetter: boolean, asShare: boolean): TrendView | null {
  const t = results.trends?.metrics[id];
  const since = baselineDate(results);
  if (!t || t.delta === null || since === null) return null;
  const d = t.delta;
  const same = asShare ? Math.round(d * 1000) === 0 : d === 0;
  const better = same ? 'same' : (d > 0) !== lowerIsBetter ? 'better' : 'worse';
  const delta = asShare ? formatPoints(d) : formatSignedInt(d);
  const arrow = same ? '\u25B6' : d > 0 ? '\u25B2' : '\u25BC';
  const direction = same ? 'unchanged' : d > 0 ? 'up' : 'down';
  return {
    arrow,
    delta,
    tone: better,
    since: `since ${since}`,
    text: same ? `unchanged since ${since}` : `${direction} ${delta.replace(/^[+\u2212]/, '')} since ${since} (${better})`,
  };
}

function scoreCards(results: AuditResult, info: Info): ScoreCard[] {
  return SCORE_CARDS.map((h) => {
    const m = results.metrics[h.id];
    const value = m?.value ?? null;
    let target: number | null = null;
    if (h.target && 'threshold' in h.target) target = thresholdValue(results, h.target.threshold);
    else if (h.target) target = h.target.fixed;
    const cmp = h.lowerIsBetter ? '\u2264' : '\u2265';
    const targetText = target === null ? null : h.target && 'note' in h.target ? h.target.note : `${cmp} ${formatPercent(target)}`;
    const verdict: ScoreCard['verdict'] =
      value === null || target === null ? 'none' : (h.lowerIsBetter ? value <= target : value >= target) ? 'met' : 'missed';
    return {
      id: h.id,
      title: h.title,
      value: formatPercent(value),
      // "0 / 0" would read as a measurement; without a value there is nothing to count
      fraction: value === null ? '' : fraction(m),
      of: h.of,
      barPercent: value === null ? 0 : Math.max(0, Math.min(100, Math.round(value * 1000) / 10)),
      missing: value === null,
      lowerIsBetter: h.lowerIsBetter,
      description: cleanProse(info.get(h.id)?.description ?? ''),
      target: targetText,
      targetPercent: target === null ? null : Math.max(0, Math.min(100, Math.round(target * 1000) / 10)),
      verdict,
      verdictText:
        verdict === 'met'
          ? 'met'
          : verdict === 'missed'
            ? 'missed'
            : value === null
              ? h.id.startsWith('enforcement.') && !results.enforcement.assessable
                ? 'Not assessable (section 3)'
                : 'No data'
              : 'No target',
      trend: value === null ? null : trendOf(results, h.id, h.lowerIsBetter, true),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Builders: findings

function affectedRow(u: AffectedUser): AffectedRow {
  return {
    id: visibleText(u.id),
    userPrincipalName: visibleText(u.userPrincipalName),
    userPrincipalNameParts: breakParts(visibleText(u.userPrincipalName)),
    userDisplayName: visibleText(u.userDisplayName),
    userType: visibleText(u.userType),
    admin: u.isAdmin === null ? '—' : u.isAdmin ? 'Yes' : 'No',
    methods: u.methodsRegistered.length === 0 ? 'none' : u.methodsRegistered.map(visibleText).join(', '),
  };
}

function isHttpsUrl(s: string): boolean {
  try {
    return new URL(s).protocol === 'https:';
  } catch {
    return false;
  }
}

function thresholdText(f: Finding, info: Info): string | null {
  if (f.threshold === null) return null;
  const ratioEvidence = Object.keys(f.evidence).some((id) => {
    const kind = info.get(id)?.kind;
    return kind === 'ratio' || kind === 'share';
  });
  return ratioEvidence && f.threshold >= 0 && f.threshold <= 1 ? formatPercent(f.threshold) : formatNumber(f.threshold);
}

/** An exception in force; `scopeCap` users or patterns of its scope are listed (all are in results.json). */
function exceptionView(e: AuditResult['exceptions'][number], anchors: ReadonlyMap<string, string>, scopeCap: number): ExceptionView {
  const users = e.users ?? [];
  const shown = users.slice(0, Math.max(1, scopeCap)).map(visibleText);
  const rest = users.length - shown.length;
  return {
    check: visibleText(e.check),
    checkAnchor: anchors.get(e.check) ?? null,
    scope: e.users === null ? 'Whole check' : `${shown.join(', ')}${rest > 0 ? ` and ${formatInt(rest)} more` : ''}`,
    scopeParts: shown.map(breakParts),
    scopeMore: rest > 0 ? `and ${formatInt(rest)} more` : '',
    wholeCheck: e.users === null,
    owner: cleanProse(e.owner),
    reason: cleanProse(e.reason),
    expires: formatDate(e.expires),
    expiresIso: visibleText(e.expires),
    matched: formatInt(e.matched),
  };
}

function controlGroups(controls: Finding['controls']): FindingView['controlGroups'] {
  const byFramework = new Map<string, string[]>();
  for (const c of controls) {
    const ids = byFramework.get(c.framework) ?? [];
    ids.push(cleanProse(c.id));
    byFramework.set(c.framework, ids);
  }
  return [...byFramework].map(([fw, ids]) => ({ framework: cleanProse(frameworkShort(fw)), ids: ids.join(', ') }));
}

const CHANGE_LABEL: Record<FindingTrendView['change'], string> = {
  new: 'New since baseline',
  resolved: 'Resolved since baseline',
  persisting: 'Persisting',
  unchanged: 'Unchanged',
};

function findingTrend(results: AuditResult, f: Finding): FindingTrendView | null {
  const t = results.trends?.findings[f.checkId];
  const since = baselineDate(results);
  if (!t || since === null) return null;
  const parts: string[] = [];
  if (t.appeared !== null && t.appeared > 0) parts.push(`${formatInt(t.appeared)} affected ${t.appeared === 1 ? 'user' : 'users'} new since ${since}`);
  if (t.left !== null && t.left > 0) parts.push(`${formatInt(t.left)} no longer affected`);
  if (t.appeared === 0 && t.left === 0) parts.push(`same affected users as on ${since}`);
  return {
    change: t.change,
    label: CHANGE_LABEL[t.change],
    previous: t.previous === null ? 'not run' : STATUS_LABEL[t.previous],
    movement: parts.join('; '),
  };
}

function findingView(
  f: Finding,
  results: AuditResult,
  info: Info,
  opts: ViewModelOptions,
  anchors: ReadonlyMap<string, string>,
): FindingView {
  let affected: FindingView['affected'] = null;
  const withheld = opts.redaction === 'aggregate';
  if (f.affected) {
    const head = opts.affectedHead.get(f.checkId) ?? f.affected.sample;
    // the list matters where the requirement is not met (or met only by exception); a pass shows the count only
    const listed = (f.status === 'fail' || f.status === 'excepted') && !withheld;
    const cap = Math.max(0, Math.min(opts.affectedCaps?.get(f.checkId) ?? opts.maxAffectedInPdf, opts.maxAffectedInPdf));
    const rows = listed ? head.slice(0, cap).map(affectedRow) : [];
    const worklist = opts.worklists.get(f.checkId) ?? null;
    const more = listed ? Math.max(0, f.affected.count - rows.length) : 0;
    affected = {
      count: f.affected.count,
      countText: formatInt(f.affected.count),
      rows,
      more,
      moreText: formatInt(more),
      worklist,
      withheld: withheld && (f.status === 'fail' || f.status === 'excepted') && f.affected.count > 0,
    };
  }
  const evidence = Object.keys(f.evidence)
    .sort(compareStrings)
    .map((id) => {
      const v = f.evidence[id] ?? null;
      const kind = info.get(id)?.kind;
      const m = results.metrics[id];
      const text =
        v === null
          ? 'n/a (no data)'
          : kind === 'ratio' || kind === 'share'
            ? `${formatPercent(v)}${m && m.value === v && fraction(m) ? ` (${fraction(m)})` : ''}`
            : formatNumber(v);
      return { metricId: visibleText(id), metricIdParts: breakParts(visibleText(id)), title: cleanProse(metricTitle(info, id)), value: text };
    });
  let excepted: FindingView['excepted'] = null;
  if (f.excepted) {
    const listCap = opts.listCap ?? LIST_CAP;
    // a finding shows its first few exceptions, each with a short scope; section 6 and results.json have all
    const shown = Math.max(1, Math.min(5, Math.ceil(listCap / 8)));
    const all = f.excepted.exceptions.map((i) => results.exceptions[i]).filter((e): e is AuditResult['exceptions'][number] => e !== undefined);
    excepted = {
      countText: formatInt(f.excepted.count),
      wholeCheck: f.excepted.wholeCheck,
      exceptions: all.slice(0, shown).map((e) => exceptionView(e, anchors, listCap >= 20 ? 3 : 1)),
      more: all.length > shown ? `${formatInt(all.length - shown)} more ${all.length - shown === 1 ? 'exception applies' : 'exceptions apply'}; all are listed in section 6.` : null,
    };
  }
  return {
    checkId: cleanProse(f.checkId),
    anchor: anchorFor(f.checkId),
    version: f.version,
    title: cleanProse(f.title),
    severity: f.severity,
    severityLabel: SEVERITY_LABEL[f.severity],
    severityOverridden: f.severityOverridden,
    status: f.status,
    statusLabel: STATUS_LABEL[f.status],
    isFail: f.status === 'fail',
    isError: f.status === 'error',
    isPass: f.status === 'pass',
    isExcepted: f.status === 'excepted',
    isNotApplicable: f.status === 'not_applicable',
    compact: f.status === 'fail' && (f.severity === 'low' || f.severity === 'info'),
    message: cleanProse(f.message),
    rationale: cleanProse(f.rationale),
    errorReason: cleanProse(f.errorReason ?? 'No reason was recorded.'),
    evidence,
    threshold: thresholdText(f, info),
    affected,
    excepted,
    trend: findingTrend(results, f),
    remediation: {
      summary: cleanProse(f.remediation.summary),
      steps: f.remediation.steps.map(cleanProse),
      links: f.remediation.links.map((href) => ({ href: visibleText(href), isHttps: isHttpsUrl(href) })),
    },
    controls: f.controls.map((c) => ({ framework: cleanProse(c.framework), id: cleanProse(c.id), title: cleanProse(c.title) })),
    controlGroups: controlGroups(f.controls),
    supportGroups: controlGroups(f.supports),
    requires: f.requires.map(visibleText),
  };
}

function findingGroups(findings: readonly FindingView[]): FindingGroup[] {
  const pick = (...statuses: FindingStatus[]) => findings.filter((f) => statuses.includes(f.status));
  const groups: FindingGroup[] = [
    {
      id: 'findings-action',
      title: 'Requiring action',
      intro:
        'Failing checks, and checks that could not be evaluated because data was missing, by severity. Each lists the first affected users; the complete list is in the CSV worklist named beside it.',
      findings: pick('fail', 'error'),
      brief: false,
    },
    {
      id: 'findings-excepted',
      title: 'Accepted by exception',
      intro: 'The requirement is not met, but every affected user is covered by an exception in force: an accepted risk with an owner and an expiry date.',
      findings: pick('excepted'),
      brief: false,
    },
    {
      id: 'findings-passed',
      title: 'Passed',
      intro: 'The requirement is met; the evidence is the measured value against the target.',
      findings: pick('pass'),
      brief: true,
    },
    {
      id: 'findings-na',
      title: 'Not applicable',
      intro: 'The check does not apply to this tenant or configuration.',
      findings: pick('not_applicable'),
      brief: true,
    },
  ];
  return groups.filter((g) => g.findings.length > 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Builders: sources, privileged roles, coverage, methodology

function sourceView(s: ResultSource, endpoint: string): SourceView {
  const request = `/${s.apiVersion}${s.path}`;
  return {
    id: visibleText(s.id),
    title: cleanProse(s.title),
    status: s.status,
    statusLabel: SOURCE_STATUS_LABEL[s.status],
    apiVersion: visibleText(s.apiVersion),
    path: visibleText(s.path),
    requestParts: breakParts(visibleText(request)),
    urlParts: breakParts(visibleText(`${endpoint.replace(/\/+$/, '')}${request}`)),
    httpStatus: s.httpStatus === null ? '—' : String(s.httpStatus),
    errorCode: s.errorCode === null ? '' : visibleText(s.errorCode),
    errorMessage: s.errorMessage === null ? '' : cleanProse(s.errorMessage),
    pages: formatInt(s.pages),
    records: formatInt(s.records),
    bytes: formatInt(s.bytes),
    sha256: s.sha256 === null ? '—' : visibleText(s.sha256),
    retiredSuccessor: s.retiredSuccessor === null ? '' : visibleText(s.retiredSuccessor),
  };
}

function principalRow(p: AuditResult['privileged']['notAssessable'][number]): PrincipalRow {
  return {
    id: visibleText(p.id),
    userPrincipalName: visibleText(p.userPrincipalName),
    userPrincipalNameParts: breakParts(visibleText(p.userPrincipalName)),
    displayName: visibleText(p.displayName),
    holds: p.holds.slice(0, 4).map(cleanProse).concat(p.holds.length > 4 ? [`and ${p.holds.length - 4} more`] : []),
  };
}

function privilegedView(p: AuditResult['privileged'], cap: number, aggregate: boolean, listCap: number): PrivilegedView {
  const rowCap = aggregate ? 0 : Math.max(0, cap);
  const capped = <T>(xs: readonly T[]) => xs.slice(0, rowCap);
  const more = (n: number) => (n > rowCap && !aggregate ? `${formatInt(n - rowCap)} more in results.json` : null);
  const sps = p.servicePrincipals.map((sp) => principalRow({ ...sp, userPrincipalName: '' }));
  const roleIds = p.roleSet.roleIds ?? [];
  return {
    basisText:
      p.basis === 'roles'
        ? 'Directory role assignments (active and, where collected, eligible; direct and through groups)'
        : "The report's isAdmin flag (role data was not available)",
    roleSetName: visibleText(p.roleSet.name),
    roleSetDescription: cleanProse(p.roleSet.description),
    roleCount: p.roleSet.roleIds === null ? 'all admin roles' : `${formatInt(p.roleSet.roleIds.length)} roles`,
    roleIds: roleIds.slice(0, listCap).map(visibleText),
    roleIdsMore: roleIds.length > listCap ? `${formatInt(roleIds.length - listCap)} more in results.json` : null,
    eligibleIncluded: p.eligibleIncluded ? 'Yes' : 'No',
    note: p.note === null ? null : cleanProse(p.note),
    servicePrincipalCount: formatInt(sps.length),
    servicePrincipals: capped(sps),
    servicePrincipalsMore: more(sps.length),
    notAssessableCount: formatInt(p.notAssessable.length),
    notAssessable: capped(p.notAssessable).map(principalRow),
    notAssessableMore: more(p.notAssessable.length),
  };
}

/** Controls listed per framework (the catalogue holds about 50 in all); the rest are in results.json. */
const COVERAGE_CONTROL_CAP = 200;
/** Checks named per control before "and N more". */
const COVERAGE_CHECK_CAP = 12;

function checkRefs(
  refs: ReadonlyArray<{ checkId: string; status: FindingStatus }>,
  anchors: ReadonlyMap<string, string>,
): { refs: CoverageCheckRef[]; more: string | null } {
  return {
    refs: refs.slice(0, COVERAGE_CHECK_CAP).map((ch) => ({
      checkId: visibleText(ch.checkId),
      anchor: anchors.get(ch.checkId) ?? anchorFor(ch.checkId),
      status: ch.status,
      statusLabel: STATUS_LABEL[ch.status],
    })),
    more: refs.length > COVERAGE_CHECK_CAP ? `and ${formatInt(refs.length - COVERAGE_CHECK_CAP)} more` : null,
  };
}

const KIND_ORDER = [...new Set(Object.values(SOURCE_KIND))];

/** "Conditional Access, registration report" from source ids: each kind once, policy first, unknown ids last. */
function dataKinds(sources: readonly string[]): string {
  const rank = (k: string) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);
  const kinds = [...new Set(sources.map((id) => lookup(SOURCE_KIND, id) ?? visibleText(id)))];
  return kinds
    .sort((a, b) => rank(a) - rank(b) || compareStrings(a, b))
    .slice(0, COVERAGE_CHECK_CAP)
    .join(', ');
}

function coverageView(results: AuditResult, anchors: ReadonlyMap<string, string>): CoverageView[] {
  return results.coverage.map((fw) => {
    const controls = fw.controls.slice(0, COVERAGE_CONTROL_CAP).map((c): CoverageControlView => {
      const tested = c.checks.length > 0;
      const checks = checkRefs(c.checks, anchors);
      const supportedBy = checkRefs(c.supportedBy, anchors);
      return {
        id: cleanProse(c.id),
        title: cleanProse(c.title),
        version: cleanProse(c.version),
        status: c.status,
        statusLabel: !tested && c.status === 'not_applicable' ? NOT_TESTED_LABEL : CONTROL_STATUS_LABEL[c.status],
        tested,
        checks: checks.refs,
        checksMore: checks.more,
        supportedBy: supportedBy.refs,
        supportedByMore: supportedBy.more,
        sources: c.sources.slice(0, COVERAGE_CHECK_CAP).map(visibleText),
        data: dataKinds(c.sources),
      };
    });
    const editions = new Set(fw.controls.map((c) => c.version));
    const onlySupported = fw.controls.filter((c) => c.checks.length === 0 && c.status === 'not_applicable').length;
    const counts: CoverageCount[] = CONTROL_STATUSES.map((s) => ({
      status: s,
      label: CONTROL_STATUS_LABEL[s],
      count: fw.controls.filter((c) => c.status === s && (s !== 'not_applicable' || c.checks.length > 0)).length,
    }));
    counts.push({ status: 'not_applicable', label: NOT_TESTED_LABEL, count: onlySupported });
    return {
      framework: visibleText(fw.framework),
      short: cleanProse(frameworkShort(fw.framework)),
      title: cleanProse(fw.title),
      anchor: `coverage-${worklistName(fw.framework).slice(0, -4)}`,
      counts: counts.filter((c) => c.count > 0),
      testedCount: fw.controls.length - onlySupported,
      supportedOnlyCount: onlySupported,
      edition: editions.size === 1 && fw.controls[0] ? cleanProse(fw.controls[0].version) : null,
      controls,
      controlsMore: fw.controls.length > COVERAGE_CONTROL_CAP ? `${formatInt(fw.controls.length - COVERAGE_CONTROL_CAP)} more controls are in results.json.` : null,
    };
  });
}

function coverageMatrix(results: AuditResult, anchors: ReadonlyMap<string, string>): CoverageMatrix {
  const fws = results.coverage;
  // per check, per framework: the control ids it tests and those it only supports
  const byCheck = new Map<string, Array<{ tested: string[]; supported: string[] }>>();
  const cellsOf = (checkId: string) => {
    let cells = byCheck.get(checkId);
    if (!cells) byCheck.set(checkId, (cells = fws.map(() => ({ tested: [], supported: [] }))));
    return cells;
  };
  fws.forEach((fw, i) => {
    for (const c of fw.controls) {
      for (const ch of c.checks) cellsOf(ch.checkId)[i]?.tested.push(cleanProse(c.id));
      for (const ch of c.supportedBy) cellsOf(ch.checkId)[i]?.supported.push(cleanProse(c.id));
    }
  });
  const findingOf = new Map(results.findings.map((f) => [f.checkId, f]));
  const ordered = sortFindings(results.findings.filter((f) => byCheck.has(f.checkId))).map((f) => f.checkId);
  const unknown = [...byCheck.keys()].filter((id) => !findingOf.has(id)).sort(compareStrings);
  return {
    frameworks: fws.map((fw) => ({ short: cleanProse(frameworkShort(fw.framework)), title: cleanProse(fw.title) })),
    rows: [...ordered, ...unknown].map((checkId) => {
      const f = findingOf.get(checkId);
      const status: FindingStatus = f?.status ?? 'not_applicable';
      return {
        checkId: visibleText(checkId),
        title: cleanProse(f?.title ?? checkId),
        anchor: anchors.get(checkId) ?? anchorFor(checkId),
        status,
        statusLabel: STATUS_LABEL[status],
        cells: (byCheck.get(checkId) ?? []).map((c) => ({ ids: c.tested.join(', '), supported: c.supported.join(', ') })),
      };
    }),
  };
}

function thresholdRows(results: AuditResult): ReportView['definitions']['thresholds'] {
  const t = results.definitions.thresholds;
  return Object.keys(t)
    .sort(compareStrings)
    .map((key) => {
      const v = t[key] ?? 0;
      const text = lookup(THRESHOLD_TEXT, key);
      const value =
        text?.unit === 'share' ? formatPercent(v) : text?.unit === 'days' ? `${formatNumber(v)} days` : formatNumber(v);
      return { key: visibleText(key), keyParts: breakParts(visibleText(key)), label: text?.label ?? '', value };
    });
}

function freshness(results: AuditResult, info: Info): KeyValue[] {
  const s = results.snapshot;
  const kv = (label: string, value: string, mono = false): KeyValue => ({ label, value, mono });
  const stale = results.metrics['data.stale_rows'];
  const days = thresholdValue(results, 'staleRowDays');
  const ok = results.sources.filter((src) => src.status === 'ok').length;
  const duration = formatDuration(s.startedAt, s.finishedAt);
  const rows = [
    kv('Snapshot window', `${formatDateTime(s.startedAt)} to ${formatDateTime(s.finishedAt)}${duration ? ` (${duration})` : ''}`),
    kv('Analysis as of', `${formatDateTime(results.asOf)}: every time-based rule (stale rows, exception expiry) uses this moment, never the clock`),
    kv('Sources collected', `${formatInt(ok)} of ${formatInt(results.sources.length)} OK${s.complete ? '' : '; the snapshot is incomplete'}`),
  ];
  if (stale) {
    const f = fraction(stale);
    rows.push(
      kv(
        'Stale report rows',
        stale.value === null
          ? 'n/a (no data)'
          : `${formatPercent(stale.value)}${f ? ` (${f})` : ''} of rows not updated in the ${days === null ? 'configured number of' : formatNumber(days)} days before the snapshot`,
      ),
    );
  } else if (info.has('data.stale_rows')) {
    rows.push(kv('Stale report rows', 'n/a (no data)'));
  }
  rows.push(kv('Report lag', 'userRegistrationDetails is refreshed by Microsoft with a delay of hours and omits disabled accounts; changes made just before the snapshot may not show.'));
  return rows;
}

function tokens(xs: readonly string[]): string[] {
  return [...xs].sort(compareStrings).map(visibleText);
}

function cappedList(xs: readonly string[], cap = LIST_CAP): { items: string[]; more: string | null } {
  return { items: xs.slice(0, cap).map(visibleText), more: xs.length > cap ? `and ${formatInt(xs.length - cap)} more in results.json` : null };
}

// ---------------------------------------------------------------------------------------------------------------
// Summary

function headline(total: number, failing: number, errors: number, worst: Severity | null): string {
  const checks = `${formatInt(total)} check${total === 1 ? '' : 's'}`;
  const failText =
    failing === 0
      ? 'none failed'
      : `${formatInt(failing)} failed${worst ? ` (highest severity: ${SEVERITY_LABEL[worst].toLowerCase()})` : ''}`;
  const errorText = errors === 0 ? '' : `; ${formatInt(errors)} could not be evaluated`;
  return `Of ${checks} run, ${failText}${errorText}.`;
}

function posture(results: AuditResult): ReportView['summary']['posture'] {
  const failing = results.findings.filter((f) => f.status === 'fail');
  const count = (s: Severity) => failing.filter((f) => f.severity === s).length;
  const errors = results.findings.filter((f) => f.status === 'error').length;
  const worst = SEVERITIES.find((s) => count(s) > 0) ?? null;
  const parts = SEVERITIES.filter((s) => s !== 'info' && count(s) > 0).map((s) => `${count(s)} ${SEVERITY_LABEL[s].toLowerCase()}`);
  const failText = parts.length ? `${parts.join(', ')}-severity ${parts.length === 1 && count(worst ?? 'info') === 1 ? 'finding fails' : 'findings fail'}` : '';
  const errText = errors ? `${formatInt(errors)} ${errors === 1 ? 'check' : 'checks'} could not be evaluated` : '';
  const text = [failText, errText].filter(Boolean).join('; ');
  if (results.findings.length === 0) return { label: 'Not assessed', tone: 'unknown', text: 'No check was run.' };
  if (worst === 'critical' || worst === 'high') return { label: 'Significant gaps', tone: worst, text: `${text}.` };
  if (worst === 'medium') return { label: 'Moderate gaps', tone: 'medium', text: `${text}.` };
  if (worst === 'low' || worst === 'info') return { label: 'Minor gaps', tone: worst, text: text ? `${text}.` : 'Only informational findings fail.' };
  if (errors > 0) return { label: 'Incomplete', tone: 'unknown', text: `No check failed, but ${errText}.` };
  return { label: 'No gaps found', tone: 'ok', text: 'Every check that ran passed or is covered by an exception in force.' };
}

// ---------------------------------------------------------------------------------------------------------------
// Document

function tocEntries(groups: readonly FindingGroup[], coverage: readonly CoverageView[], hasCharts: boolean): TocEntry[] {
  const e = (no: string, title: string, anchor: string, level = 1, f?: FindingView): TocEntry => ({
    no,
    title,
    anchor,
    level,
    page: '',
    severity: f?.severity ?? null,
    severityLabel: f?.severityLabel ?? '',
    status: f?.status ?? null,
    statusLabel: f?.statusLabel ?? '',
  });
  const out: TocEntry[] = [e('1', 'Executive summary', 'summary')];
  if (hasCharts) out.push(e('2', 'Metrics', 'metrics'));
  out.push(e('3', 'MFA enforcement', 'enforcement'));
  out.push(e('4', 'Findings', 'findings'));
  for (const g of groups) {
    if (g.brief) out.push(e('', g.title, g.id, 2));
    else for (const f of g.findings) out.push(e('', f.title, f.anchor, 2, f));
  }
  if (coverage.length > 0) out.push(e('5', 'Control coverage', 'coverage'));
  out.push(e('6', 'Methodology and definitions', 'methodology'));
  out.push(e('A', 'Evidence of collection', 'appendix-sources'));
  out.push(e('B', 'All metrics', 'appendix-metrics'));
  out.push(e('C', 'Glossary', 'glossary'));
  return out;
}

/** The charts of the aggregate and usage reports in reading order: adoption beside the admins chart, sign-ins before the trend. */
function withReportCharts(list: ChartData[], results: AuditResult): ChartData[] {
  const out: ChartData[] = [];
  for (const c of list) {
    if (c.id === 'trend') out.push(signInTrendChart(results));
    out.push(c);
    if (c.id === 'admins') out.push(methodAdoptionChart(results));
  }
  if (!out.some((c) => c.id === 'sign-in-trend')) out.push(signInTrendChart(results));
  return out;
}

export function buildViewModel(results: AuditResult, opts: ViewModelOptions): ReportView {
  const info = new Map(results.metricInfo.map((m) => [m.id, m]));
  const anchors = new Map(results.findings.map((f) => [f.checkId, anchorFor(f.checkId)]));
  const findings = sortFindings(results.findings).map((f) => findingView(f, results, info, opts, anchors));
  const groups = findingGroups(findings);
  const countStatus = (s: FindingStatus) => results.findings.filter((f) => f.status === s).length;
  const failing = countStatus('fail');
  const errors = countStatus('error');
  const organisation = cleanProse(opts.branding.organisation);
  const classification = opts.branding.classification ? cleanProse(opts.branding.classification) : null;
  const defs = results.definitions;
  const aggregate = opts.redaction === 'aggregate';
  const report: ReportMeta = { ...DEFAULT_REPORT_META, ...Object.fromEntries(Object.entries(opts.report ?? {}).filter(([, v]) => v !== undefined)) };
  const auditPeriod = report.auditPeriod ? cleanProse(report.auditPeriod) : null;
  const coverage = coverageView(results, anchors);
  const chartList = withReportCharts(charts(results, info), results);
  const exceptions = results.exceptions.map((e) => exceptionView(e, anchors, Math.max(1, Math.ceil((opts.listCap ?? LIST_CAP) / 8))));
  const listCap = Math.max(0, opts.listCap ?? LIST_CAP);
  const exclude = cappedList(defs.excludeUpnPatterns, listCap);
  const breakGlass = cappedList(defs.breakGlassAccounts, listCap);
  // When the list is capped, the metrics the findings rest on come first and the per-method / per-slice detail
  // families last: a capped appendix shows the headline numbers, the rest stays in results.json.
  const evidenceIds = new Set(results.findings.flatMap((f) => Object.keys(f.evidence)));
  const rank = (id: string) => (evidenceIds.has(id) ? 0 : METRIC_DETAIL.test(id) ? 2 : 1);
  const metricIds = Object.keys(results.metrics).sort((a, b) => rank(a) - rank(b) || compareStrings(a, b));
  const metricCap = listCap * 5;
  const metricRows: MetricRow[] = metricIds.slice(0, metricCap).map((id) => {
    const m = results.metrics[id];
    const mi = info.get(id);
    return {
      id: visibleText(id),
      idParts: breakParts(visibleText(id)),
      title: cleanProse(mi?.title ?? id),
      kind: mi?.kind ?? '',
      value: metricValueText(m, mi?.kind),
      fraction: fraction(m),
      source: mi?.source ? visibleText(mi.source) : '—',
    };
  });
  const metricSources = [...new Set(metricRows.map((r) => r.source))].sort((a, b) => (a === '—' ? 1 : b === '—' ? -1 : compareStrings(a, b)));
  const date = formatDate(results.snapshot.finishedAt);
  const dash = (s: string | undefined) => (s ? cleanProse(s) : '—');
  const kv = (label: string, value: string, mono = false): KeyValue => ({ label, value, mono });
  const redaction: ReportView['redaction'] =
    opts.redaction === 'aggregate'
      ? { mode: 'aggregate', text: 'Aggregate-only copy: per-user rows are left out, and names and user principal names that remain are replaced by keyed pseudonyms.' }
      : opts.redaction === 'pseudonymise'
        ? { mode: 'pseudonymise', text: 'Pseudonymised copy: user principal names, display names and object ids are replaced by keyed pseudonyms (HMAC-SHA256). The same key gives the same pseudonyms in every quarter.' }
        : null;

  return {
    title: `${organisation}: Authentication methods audit`,
    meta: {
      ...report,
      version: cleanProse(report.version),
      preparer: report.preparer === undefined ? undefined : cleanProse(report.preparer),
      reviewer: report.reviewer === undefined ? undefined : cleanProse(report.reviewer),
      auditPeriod: auditPeriod ?? undefined,
      footer: report.footer === undefined ? undefined : cleanProse(report.footer),
      isDraft: report.status === 'draft',
      statusLabel: report.status === 'draft' ? 'Draft' : 'Final',
      date,
    },
    cover: {
      organisation,
      logoDataUri: opts.logoDataUri,
      classification,
      tenantId: visibleText(results.tenant.id),
      cloud: visibleText(results.tenant.cloud),
      endpoint: visibleText(results.tenant.endpoint),
      collectedAt: formatDateTime(results.snapshot.finishedAt),
      collectedAtIso: visibleText(results.snapshot.finishedAt),
      asOf: formatDateTime(results.asOf),
      auditPeriod,
      toolName: visibleText(results.tool.name),
      toolVersion: visibleText(results.tool.version),
      schemaVersion: results.schemaVersion,
      manifestSha256: visibleText(results.snapshot.manifestSha256),
      complete: results.snapshot.complete,
    },
    documentControl: [
      kv('Document', 'Authentication methods audit'),
      kv('Version', cleanProse(report.version)),
      kv('Status', report.status === 'draft' ? 'Draft: for review, not for reliance' : 'Final'),
      kv('Date', `${date} (snapshot date)`),
      kv('Audit period', auditPeriod ?? '—'),
      kv('Prepared by', dash(report.preparer)),
      kv('Reviewed by', dash(report.reviewer)),
      kv('Classification', classification ?? '—'),
      kv('Tenant', `${visibleText(results.tenant.id)} (${visibleText(results.tenant.cloud)})`, true),
      kv('Produced by', `${visibleText(results.tool.name)} ${visibleText(results.tool.version)}, results schema v${results.schemaVersion}`),
      kv('Snapshot manifest SHA-256', visibleText(results.snapshot.manifestSha256), true),
    ],
    toc: tocEntries(groups, coverage, chartList.length > 0),
    summary: {
      scoreCards: scoreCards(results, info),
      // counted from the findings themselves, so the cards always agree with the findings section
      severityCounts: SEVERITIES.map((s) => {
        const count = results.findings.filter((f) => f.status === 'fail' && f.severity === s).length;
        return { severity: s, label: SEVERITY_LABEL[s], count, zero: count === 0 };
      }),
      statusCounts: (['fail', 'error', 'pass', 'excepted', 'not_applicable'] as const).map((s) => ({
        status: s,
        label: STATUS_LABEL[s],
        count: countStatus(s),
      })),
      totalFindings: results.findings.length,
      failing,
      errors,
      worstFailure: results.summary.worstFailure ? SEVERITY_LABEL[results.summary.worstFailure] : null,
      headline: headline(results.findings.length, failing, errors, results.summary.worstFailure),
      posture: posture(results),
      baselineNote: baselineDate(results) ? `Arrows compare with the baseline of ${baselineDate(results)}.` : null,
      topRisks: findings.filter((f) => f.status === 'fail' && f.severity !== 'info').slice(0, 5),
      keyFindings: findings.filter((f) => f.status === 'fail' || f.status === 'error'),
    },
    charts: chartList,
    activity: activityView(results),
    findings,
    findingGroups: groups,
    coverage,
    coverageMatrix: coverageMatrix(results, anchors),
    enforcement: enforcementView(results, info, listCap),
    definitions: {
      population: cleanProse(defs.population),
      admins: cleanProse(defs.admins),
      includeGuests: defs.includeGuests ? 'Yes: guests count in the population' : 'No: guests are measured separately',
      excludeUpnPatterns: exclude.items,
      excludeUpnPatternsMore: exclude.more,
      breakGlassAccounts: aggregate ? [] : breakGlass.items,
      breakGlassAccountsMore: aggregate ? (defs.breakGlassAccounts.length ? `${formatInt(defs.breakGlassAccounts.length)} configured (not listed in an aggregate-only copy)` : null) : breakGlass.more,
      tokenSets: [
        { name: 'Phishing-resistant tokens', tokens: tokens(defs.phishingResistantTokens) },
        { name: 'Phishing-resistant token prefixes', tokens: tokens(defs.phishingResistantPrefixes) },
        { name: 'Phone tokens (SMS / voice)', tokens: tokens(defs.phoneTokens) },
        { name: 'Tokens that are not MFA', tokens: tokens(defs.nonMfaTokens) },
      ],
      privileged: privilegedView(results.privileged, Math.min(opts.maxAffectedInPdf, listCap), aggregate, listCap),
      thresholds: thresholdRows(results),
      freshness: freshness(results, info),
      exceptions: exceptions.slice(0, listCap),
      exceptionsMore: exceptions.length > listCap ? `${formatInt(exceptions.length - listCap)} more exceptions are in results.json.` : null,
      enforcementModel: ENFORCEMENT_MODEL,
    },
    appendix: {
      sources: [...results.sources].sort((a, b) => compareStrings(a.id, b.id)).map((s) => sourceView(s, results.tenant.endpoint)),
      metrics: metricRows,
      metricGroups: metricSources.map((source) => ({ source, rows: metricRows.filter((r) => r.source === source) })),
      metricsMore: metricIds.length > metricCap ? `${formatInt(metricIds.length - metricCap)} more metrics are in results.json.` : null,
      manifestSha256: visibleText(results.snapshot.manifestSha256),
      schemaVersion: results.schemaVersion,
      integrity: [
        kv('Snapshot manifest SHA-256', visibleText(results.snapshot.manifestSha256), true),
        kv('Collection window', `${formatDateTime(results.snapshot.startedAt)} to ${formatDateTime(results.snapshot.finishedAt)}`),
        kv('Graph endpoint', visibleText(results.tenant.endpoint), true),
        kv('Tenant', `${visibleText(results.tenant.id)} (${visibleText(results.tenant.cloud)})`, true),
        kv('Produced by', `${visibleText(results.tool.name)} ${visibleText(results.tool.version)}`),
        kv('Results schema version', String(results.schemaVersion)),
        ...(results.trends
          ? results.trends.baselines.map((b, i) => kv(`Baseline ${i + 1} (${formatDate(b.asOf)}) manifest`, visibleText(b.manifestSha256), true))
          : []),
      ],
      crossChecks: crossChecks(results),
    },
    glossary: [...GLOSSARY],
    redaction,
    flowSections: opts.flowSections === true,
  };
}
