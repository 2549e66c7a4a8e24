/**
 * results.json → plain view data for the templates, the charts and summary.md.
 * Pure: no I/O, no clock, no randomness; every string is formatted here so templates only place values.
 *
 * This module holds the public view types and assembles the report (buildViewModel); each section has its own
 * builder module: view-cover (cover, document control, contents), view-summary (executive summary, score cards),
 * view-charts and view-reports (metrics), view-enforcement, view-findings, view-coverage, view-methodology
 * (definitions, privileged roles, thresholds, freshness) and view-appendix (sources, metrics, integrity);
 * view-shared holds the labels and helpers several of them need, view-text the fixed prose.
 */
import type { AffectedUser, AuditResult, ControlStatus, FindingStatus, Severity, SourceStatus } from '../results/schema.js';
import { anchorFor } from './format.js';
import { charts, type ChartData } from './view-charts.js';
import { appendixView } from './view-appendix.js';
import { documentView, tocEntries } from './view-cover.js';
import { coverageMatrix, coverageView } from './view-coverage.js';
import { enforcementView, type EnforcementView } from './view-enforcement.js';
import { findingGroups, findingView } from './view-findings.js';
import { definitionsView } from './view-methodology.js';
import { activityView, methodAdoptionChart, signInTrendChart, type ActivityView, type CrossCheckView } from './view-reports.js';
import { LIST_CAP, sortFindings } from './view-shared.js';
import { summaryView } from './view-summary.js';
import { GLOSSARY, type GlossaryEntry } from './view-text.js';

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
export { DEFAULT_REPORT_META } from './view-cover.js';
export { CONTROL_STATUS_LABEL } from './view-coverage.js';
export { LIST_CAP, SEVERITY_LABEL, sortFindings, STATUS_LABEL } from './view-shared.js';
export { HEADLINE_METRICS } from './view-summary.js';

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
  /** a failing low or info finding (any failing finding in a crowded pack): printed in the compact layout (rationale, evidence and remediation run on; an excepted one keeps its exceptions table) */
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
  /** failing findings printed in the compact layout: low and info only (default), or all (a crowded pack, budget.ts) */
  compactFindings?: 'lowInfo' | 'all';
  /** document control; defaults to DEFAULT_REPORT_META */
  report?: Partial<ReportMeta>;
  /** the names in `results` were already replaced (redact.ts); aggregate also withholds per-user rows */
  redaction?: 'pseudonymise' | 'aggregate' | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Assembly

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
  const coverage = coverageView(results, anchors);
  const chartList = withReportCharts(charts(results, info), results);
  const listCap = Math.max(0, opts.listCap ?? LIST_CAP);
  const doc = documentView(results, opts);

  return {
    title: doc.title,
    meta: doc.meta,
    cover: doc.cover,
    documentControl: doc.documentControl,
    toc: tocEntries(groups, coverage, chartList.length > 0),
    summary: summaryView(results, info, findings),
    charts: chartList,
    activity: activityView(results),
    findings,
    findingGroups: groups,
    coverage,
    coverageMatrix: coverageMatrix(results, anchors),
    enforcement: enforcementView(results, info, listCap),
    definitions: definitionsView(results, info, opts, anchors, listCap),
    appendix: appendixView(results, info, listCap),
    glossary: [...GLOSSARY],
    redaction: doc.redaction,
    flowSections: opts.flowSections === true,
  };
}
