/**
 * results.json → plain view data for the templates, the charts and summary.md.
 * Pure: no I/O, no clock, no randomness; every string is formatted here so templates only place values.
 */
import type {
  AffectedUser,
  AuditResult,
  Finding,
  FindingStatus,
  MetricInfo,
  MetricValue,
  ResultSource,
  Severity,
  SourceStatus,
} from '../engine/results.js';
import { SEVERITIES } from '../engine/results.js';

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

const SOURCE_STATUS_LABEL: Record<SourceStatus, string> = {
  ok: 'OK',
  unavailable: 'Unavailable',
  forbidden: 'Forbidden',
  retired: 'Retired',
  error: 'Error',
  not_collected: 'Not collected',
};

/** The metrics on the executive summary's score cards, in display order. */
export const HEADLINE_METRICS: ReadonlyArray<{ id: string; title: string; of: string; lowerIsBetter: boolean }> = [
  { id: 'mfa.capable', title: 'MFA capable', of: 'users', lowerIsBetter: false },
  { id: 'phishing_resistant.registered', title: 'Phishing-resistant method', of: 'users', lowerIsBetter: false },
  { id: 'passwordless.capable', title: 'Passwordless capable', of: 'users', lowerIsBetter: false },
  { id: 'admins.phishing_resistant', title: 'Admins phishing-resistant', of: 'administrators', lowerIsBetter: false },
  { id: 'mfa.phone_only', title: 'Phone-only MFA', of: 'users', lowerIsBetter: true },
  { id: 'sspr.capable', title: 'SSPR capable', of: 'users', lowerIsBetter: false },
];

export const METHOD_METRIC_PREFIX = 'methods.registered.';
const POPULATION_METRIC = 'users.in_scope';

/**
 * Readable names for methodsRegistered tokens (graph-api.md §4 and §D.3). Tokens not listed are shown verbatim:
 * the list is free text and Microsoft adds values.
 */
const METHOD_LABEL: Record<string, string> = {
  email: 'Email',
  mobilePhone: 'Mobile phone',
  alternateMobilePhone: 'Alternate mobile phone',
  officePhone: 'Office phone',
  securityQuestion: 'Security questions',
  microsoftAuthenticatorPush: 'Authenticator push',
  microsoftAuthenticatorPasswordless: 'Authenticator passwordless',
  softwareOneTimePasscode: 'Software OATH token',
  hardwareOneTimePasscode: 'Hardware OATH token',
  windowsHelloForBusiness: 'Windows Hello for Business',
  fido2SecurityKey: 'FIDO2 security key',
  fido2: 'FIDO2 security key',
  passKeyDeviceBound: 'Passkey (device-bound)',
  passKeyDeviceBoundAuthenticator: 'Passkey in Authenticator',
  passKeyDeviceBoundWindowsHello: 'Passkey in Windows Hello',
  passKeySynced: 'Passkey (synced)',
  temporaryAccessPass: 'Temporary Access Pass',
  macOsSecureEnclaveKey: 'macOS Platform Credential',
  externalAuthMethod: 'External authentication method',
};

// ---------------------------------------------------------------------------------------------------------------
// Text hygiene

/**
 * Bidi embedding/override/isolate controls (U+202A–U+202E, U+2066–U+2069) can make a name read differently from
 * what it is ("Invoice\u202Egpj.exe" shows as "Invoiceexe.jpg"). We show them as visible markers instead.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
/** C0 and C1 control characters and DEL. */
const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F]/g;
const CONTROL_CHARS_EXCEPT_TAB_NL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

function marker(ch: string): string {
  return `[U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`;
}

/** For identifiers and names from the tenant: every control and bidi character becomes a visible marker. */
export function visibleText(s: string): string {
  return s.replace(BIDI_CONTROLS, marker).replace(CONTROL_CHARS, marker);
}

/** For prose (messages, rationale, reasons): keeps tabs and line breaks, marks every other control character. */
export function cleanProse(s: string): string {
  return s.replace(BIDI_CONTROLS, marker).replace(CONTROL_CHARS_EXCEPT_TAB_NL, marker);
}

// ---------------------------------------------------------------------------------------------------------------
// Number and date formatting (no Intl/locale dependence, so output is the same on every machine)

export function formatInt(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = Math.round(Math.abs(n)).toString();
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return formatInt(n);
  const [int = '0', frac = ''] = Math.abs(n).toString().split('.');
  return (n < 0 ? '-' : '') + formatInt(Number(int)) + (frac ? `.${frac}` : '');
}

export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'n/a';
  return `${(Math.round(ratio * 1000) / 10).toFixed(1)}%`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "27 Nov 2026, 09:14 UTC" from an ISO timestamp; the input string itself when it does not parse. */
export function formatDateTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  const pad = (n: number) => n.toString().padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/**
 * A long identifier split after ".", "@", "_" and "/", so the template can offer a line break there (<wbr>)
 * instead of the browser cutting "onmicrosoft.com" into "onmicrosoft.co" + "m". Joined, the parts are the input.
 */
export function breakParts(s: string): string[] {
  return s.split(/(?<=[.@_/])/);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const SEVERITY_RANK: Record<Severity, number> = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<
  Severity,
  number
>;

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || compareStrings(a.checkId, b.checkId),
  );
}

/** A check id as a file name: anything but [A-Za-z0-9._-] becomes "_" and no leading dot, so it stays in worklists/. */
export function worklistName(checkId: string): string {
  const safe = checkId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return `${safe || '_'}.csv`;
}

export function methodLabel(token: string): string {
  return METHOD_LABEL[token] ?? token;
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

export interface ChartData {
  id: 'methods' | 'funnel' | 'admins';
  title: string;
  caption: string;
  /** what the bar length means */
  measure: 'count' | 'share';
  /** headings of the label and key columns in the data table */
  labelHeading: string;
  keyHeading: string;
  /** the data table has a group column (more than one series) */
  showGroup: boolean;
  rows: ChartRow[];
  empty: boolean;
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

export interface FindingView {
  checkId: string;
  anchor: string;
  version: number;
  title: string;
  severity: Severity;
  severityLabel: string;
  status: FindingStatus;
  statusLabel: string;
  isFail: boolean;
  isError: boolean;
  isPass: boolean;
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
  } | null;
  remediation: { summary: string; steps: string[]; links: LinkView[] };
  controls: Array<{ framework: string; id: string; title: string }>;
  requires: string[];
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
  httpStatus: string;
  errorCode: string;
  errorMessage: string;
  pages: string;
  records: string;
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
  eligibleIncluded: string;
  note: string | null;
  servicePrincipals: PrincipalRow[];
  servicePrincipalsMore: string | null;
  notAssessable: PrincipalRow[];
  notAssessableMore: string | null;
}

export interface ReportView {
  title: string;
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
    toolName: string;
    toolVersion: string;
    schemaVersion: number;
    manifestSha256: string;
    complete: boolean;
  };
  summary: {
    scoreCards: ScoreCard[];
    severityCounts: SeverityCount[];
    statusCounts: StatusCount[];
    totalFindings: number;
    failing: number;
    errors: number;
    worstFailure: string | null;
    headline: string;
    keyFindings: FindingView[];
  };
  charts: ChartData[];
  findings: FindingView[];
  definitions: {
    population: string;
    admins: string;
    tokenSets: Array<{ name: string; tokens: string[] }>;
    privileged: PrivilegedView;
    thresholds: Array<{ key: string; keyParts: string[]; value: string }>;
  };
  appendix: {
    sources: SourceView[];
    metrics: MetricRow[];
    manifestSha256: string;
    schemaVersion: number;
  };
}

export interface ViewModelOptions {
  branding: Branding;
  /** data: URI of the logo, already read and checked */
  logoDataUri: string | null;
  maxAffectedInPdf: number;
  /** first rows of each worklist read from the sidecar, by checkId; falls back to affected.sample */
  affectedHead: ReadonlyMap<string, readonly AffectedUser[]>;
  /** worklist file (relative to outDir) written for a checkId */
  worklists: ReadonlyMap<string, string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Builders

function metricTitle(info: ReadonlyMap<string, MetricInfo>, id: string, fallback?: string): string {
  return info.get(id)?.title ?? fallback ?? id;
}

function fraction(m: MetricValue | undefined): string {
  if (!m || m.numerator === undefined || m.denominator === undefined) return '';
  return `${formatInt(m.numerator)} / ${formatInt(m.denominator)}`;
}

function metricValueText(m: MetricValue | undefined, kind: MetricInfo['kind'] | undefined): string {
  if (!m || m.value === null) return 'n/a';
  if (kind === 'ratio' || kind === 'share' || (kind === undefined && m.denominator !== undefined)) return formatPercent(m.value);
  return formatNumber(m.value);
}

function scoreCards(results: AuditResult, info: ReadonlyMap<string, MetricInfo>): ScoreCard[] {
  return HEADLINE_METRICS.map((h) => {
    const m = results.metrics[h.id];
    const value = m?.value ?? null;
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
    };
  });
}

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
  info: ReadonlyMap<string, MetricInfo>,
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
    countText: count === null || (share === null && denominator !== null) ? 'n/a' : denominator === null ? formatInt(count) : `${formatInt(count)} / ${formatInt(denominator)}`,
  };
}

function charts(results: AuditResult, info: ReadonlyMap<string, MetricInfo>): ChartData[] {
  // method metrics are counts; their share is of the population (users.in_scope)
  const population = results.metrics[POPULATION_METRIC]?.value ?? null;
  const methodRows = Object.keys(results.metrics)
    .filter((id) => id.startsWith(METHOD_METRIC_PREFIX) && id.length > METHOD_METRIC_PREFIX.length)
    .map((id) => {
      const token = id.slice(METHOD_METRIC_PREFIX.length);
      const row = chartRow(results, info, id, visibleText(methodLabel(token)), 'users', population);
      return { ...row, key: visibleText(token) };
    })
    .filter((r) => r.count !== null || r.share !== null);
  const useCounts = methodRows.length > 0 && methodRows.every((r) => r.count !== null);
  methodRows.sort(
    (a, b) =>
      (useCounts ? (b.count ?? 0) - (a.count ?? 0) : (b.share ?? 0) - (a.share ?? 0)) || compareStrings(a.key, b.key),
  );

  const funnel: Array<[string, string, string]> = [
    ['mfa.registered', 'MFA registered', 'MFA'],
    ['mfa.capable', 'MFA capable', 'MFA'],
    ['sspr.registered', 'SSPR registered', 'SSPR'],
    ['sspr.capable', 'SSPR capable', 'SSPR'],
    ['passwordless.capable', 'Passwordless capable', 'Passwordless'],
    ['phishing_resistant.registered', 'Phishing-resistant registered', 'Phishing-resistant'],
  ];
  const funnelRows = funnel.map(([id, label, group]) => chartRow(results, info, id, label, group));

  const admin: Array<[string, string, string]> = [
    ['admins.mfa_capable', 'MFA capable', 'Administrators'],
    ['mfa.capable', 'MFA capable', 'All users'],
    ['admins.phishing_resistant', 'Phishing-resistant method', 'Administrators'],
    ['phishing_resistant.registered', 'Phishing-resistant method', 'All users'],
  ];
  const adminRows = admin.map(([id, label, group]) => chartRow(results, info, id, label, group));

  return [
    {
      id: 'methods',
      title: 'Users per registered method',
      caption: useCounts
        ? 'Users in scope with each method in methodsRegistered, most common first. A user with several methods counts once per method.'
        : 'Share of users in scope with each method in methodsRegistered, most common first.',
      measure: useCounts ? 'count' : 'share',
      labelHeading: 'Method',
      keyHeading: 'Token (methodsRegistered)',
      showGroup: false,
      rows: methodRows,
      empty: methodRows.length === 0,
    },
    {
      id: 'funnel',
      title: 'Registration and capability',
      caption:
        'Share of users in scope. "Registered" means the methods are on the account; "capable" means they are also allowed by the authentication methods policy.',
      measure: 'share',
      labelHeading: 'Measure',
      keyHeading: 'Metric',
      showGroup: false,
      rows: funnelRows,
      empty: funnelRows.every((r) => r.share === null),
    },
    {
      id: 'admins',
      title: 'Administrator coverage',
      caption: 'Administrators compared with all users in scope: MFA capable and holding a phishing-resistant method.',
      measure: 'share',
      labelHeading: 'Measure',
      keyHeading: 'Metric',
      showGroup: true,
      rows: adminRows,
      empty: adminRows.every((r) => r.share === null),
    },
  ];
}

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

function thresholdText(f: Finding, info: ReadonlyMap<string, MetricInfo>): string | null {
  if (f.threshold === null) return null;
  const ratioEvidence = Object.keys(f.evidence).some((id) => info.get(id)?.kind === 'ratio');
  return ratioEvidence && f.threshold >= 0 && f.threshold <= 1 ? formatPercent(f.threshold) : formatNumber(f.threshold);
}

function findingView(f: Finding, results: AuditResult, info: ReadonlyMap<string, MetricInfo>, opts: ViewModelOptions): FindingView {
  let affected: FindingView['affected'] = null;
  if (f.affected) {
    const head = opts.affectedHead.get(f.checkId) ?? f.affected.sample;
    // the list matters where the requirement is not met (or met only by exception); a pass shows the count only
    const listed = f.status === 'fail' || f.status === 'excepted';
    const rows = listed ? head.slice(0, Math.max(0, opts.maxAffectedInPdf)).map(affectedRow) : [];
    const worklist = opts.worklists.get(f.checkId) ?? null;
    const more = listed ? Math.max(0, f.affected.count - rows.length) : 0;
    affected = {
      count: f.affected.count,
      countText: formatInt(f.affected.count),
      rows,
      more,
      moreText: formatInt(more),
      worklist,
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
          : kind === 'ratio'
            ? `${formatPercent(v)}${m && m.value === v && fraction(m) ? ` (${fraction(m)})` : ''}`
            : formatNumber(v);
      return { metricId: visibleText(id), metricIdParts: breakParts(visibleText(id)), title: cleanProse(metricTitle(info, id)), value: text };
    });
  return {
    checkId: cleanProse(f.checkId),
    anchor: `finding-${worklistName(f.checkId).slice(0, -4)}`,
    version: f.version,
    title: cleanProse(f.title),
    severity: f.severity,
    severityLabel: SEVERITY_LABEL[f.severity],
    status: f.status,
    statusLabel: STATUS_LABEL[f.status],
    isFail: f.status === 'fail',
    isError: f.status === 'error',
    isPass: f.status === 'pass',
    message: cleanProse(f.message),
    rationale: cleanProse(f.rationale),
    errorReason: cleanProse(f.errorReason ?? 'No reason was recorded.'),
    evidence,
    threshold: thresholdText(f, info),
    affected,
    remediation: {
      summary: cleanProse(f.remediation.summary),
      steps: f.remediation.steps.map(cleanProse),
      links: f.remediation.links.map((href) => ({ href: visibleText(href), isHttps: isHttpsUrl(href) })),
    },
    controls: f.controls.map((c) => ({ framework: cleanProse(c.framework), id: cleanProse(c.id), title: cleanProse(c.title) })),
    requires: f.requires.map(visibleText),
  };
}

function sourceView(s: ResultSource): SourceView {
  return {
    id: visibleText(s.id),
    title: cleanProse(s.title),
    status: s.status,
    statusLabel: SOURCE_STATUS_LABEL[s.status],
    apiVersion: visibleText(s.apiVersion),
    path: visibleText(s.path),
    requestParts: breakParts(visibleText(`/${s.apiVersion}${s.path}`)),
    httpStatus: s.httpStatus === null ? '—' : String(s.httpStatus),
    errorCode: s.errorCode === null ? '' : visibleText(s.errorCode),
    errorMessage: s.errorMessage === null ? '' : cleanProse(s.errorMessage),
    pages: formatInt(s.pages),
    records: formatInt(s.records),
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
    holds: p.holds.map(cleanProse),
  };
}

function privilegedView(p: AuditResult['privileged'], cap: number): PrivilegedView {
  const capped = <T>(xs: readonly T[]) => xs.slice(0, Math.max(0, cap));
  const more = (n: number) => (n > cap ? `${formatInt(n - cap)} more in results.json` : null);
  const sps = p.servicePrincipals.map((sp) => principalRow({ ...sp, userPrincipalName: '' }));
  return {
    basisText:
      p.basis === 'roles'
        ? 'Directory role assignments (active and, where collected, eligible; direct and through groups)'
        : "The report's isAdmin flag (role data was not available)",
    roleSetName: visibleText(p.roleSet.name),
    roleSetDescription: cleanProse(p.roleSet.description),
    roleCount: p.roleSet.roleIds === null ? 'all admin roles' : `${formatInt(p.roleSet.roleIds.length)} roles`,
    eligibleIncluded: p.eligibleIncluded ? 'Yes' : 'No',
    note: p.note === null ? null : cleanProse(p.note),
    servicePrincipals: capped(sps),
    servicePrincipalsMore: more(sps.length),
    notAssessable: capped(p.notAssessable).map(principalRow),
    notAssessableMore: more(p.notAssessable.length),
  };
}

function headline(total: number, failing: number, errors: number, worst: Severity | null): string {
  const checks = `${formatInt(total)} check${total === 1 ? '' : 's'}`;
  const failText =
    failing === 0
      ? 'none failed'
      : `${formatInt(failing)} failed${worst ? ` (highest severity: ${SEVERITY_LABEL[worst].toLowerCase()})` : ''}`;
  const errorText = errors === 0 ? '' : `; ${formatInt(errors)} could not be evaluated`;
  return `Of ${checks} run, ${failText}${errorText}.`;
}

export function buildViewModel(results: AuditResult, opts: ViewModelOptions): ReportView {
  const info = new Map(results.metricInfo.map((m) => [m.id, m]));
  const findings = sortFindings(results.findings).map((f) => findingView(f, results, info, opts));
  const countStatus = (s: FindingStatus) => results.findings.filter((f) => f.status === s).length;
  const failing = countStatus('fail');
  const errors = countStatus('error');
  const organisation = cleanProse(opts.branding.organisation);
  const classification = opts.branding.classification ? cleanProse(opts.branding.classification) : null;
  const defs = results.definitions;
  const sorted = (xs: readonly string[]) => [...xs].sort(compareStrings).map(visibleText);

  return {
    title: `${organisation}: Authentication methods audit`,
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
      toolName: visibleText(results.tool.name),
      toolVersion: visibleText(results.tool.version),
      schemaVersion: results.schemaVersion,
      manifestSha256: visibleText(results.snapshot.manifestSha256),
      complete: results.snapshot.complete,
    },
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
      keyFindings: findings.filter((f) => f.status === 'fail' || f.status === 'error'),
    },
    charts: charts(results, info),
    findings,
    definitions: {
      population: cleanProse(defs.population),
      admins: cleanProse(defs.admins),
      tokenSets: [
        { name: 'Phishing-resistant tokens', tokens: sorted(defs.phishingResistantTokens) },
        { name: 'Phishing-resistant token prefixes', tokens: sorted(defs.phishingResistantPrefixes) },
        { name: 'Phone tokens (SMS / voice)', tokens: sorted(defs.phoneTokens) },
        { name: 'Tokens that are not MFA', tokens: sorted(defs.nonMfaTokens) },
      ],
      privileged: privilegedView(results.privileged, opts.maxAffectedInPdf),
      thresholds: Object.keys(defs.thresholds)
        .sort(compareStrings)
        .map((key) => ({
          key: visibleText(key),
          keyParts: breakParts(visibleText(key)),
          value: formatNumber(defs.thresholds[key] ?? 0),
        })),
    },
    appendix: {
      sources: [...results.sources].sort((a, b) => compareStrings(a.id, b.id)).map(sourceView),
      metrics: Object.keys(results.metrics)
        .sort(compareStrings)
        .map((id) => {
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
        }),
      manifestSha256: visibleText(results.snapshot.manifestSha256),
      schemaVersion: results.schemaVersion,
    },
  };
}
