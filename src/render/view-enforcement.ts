/**
 * The "MFA enforcement" section: what the Conditional Access policies (or security defaults) require of whom, the
 * registered-versus-enforced cross-tab, the policies and the authentication methods policy. Pure, like
 * view-model.ts; every tenant string (policy names, targets, notes) goes through visibleText or cleanProse here.
 */
import type { AuditResult, Enforcement, MetricValue } from '../results/schema.js';
import { cleanProse, formatInt, formatPercent, lookup, visibleText } from './format.js';
import { fraction, type Info } from './view-charts.js';
import { POLICY_METHOD_LABEL } from './view-text.js';

type Coverage = 'enforced' | 'conditional' | 'report_only' | 'none';
const COVERAGES: readonly Coverage[] = ['enforced', 'conditional', 'report_only', 'none'];
type Role = Enforcement['policies'][number]['role'];
type Level = NonNullable<Enforcement['policies'][number]['required']>;

const COVERAGE_TEXT: Record<Coverage, { label: string; meaning: string }> = {
  enforced: { label: 'Enforced', meaning: 'an enabled policy requires MFA at every sign-in' },
  conditional: { label: 'Conditional', meaning: 'only narrowed policies (location, app, platform, risk, or MFA OR another control)' },
  report_only: { label: 'Report-only', meaning: 'only report-only policies would require MFA' },
  none: { label: 'None', meaning: 'no policy requires MFA' },
};

const ROLE_LABEL: Record<Role, string> = {
  enforcing: 'Enforces MFA',
  conditional: 'Conditional',
  report_only: 'Report-only',
  no_mfa: 'No MFA grant',
  disabled: 'Off',
};
/** MFA-relevant policies first when the list is cut */
const ROLE_ORDER: readonly Role[] = ['enforcing', 'conditional', 'report_only', 'no_mfa', 'disabled'];

const LEVEL_LABEL: Record<Level, string> = { mfa: 'MFA', passwordless: 'Passwordless', phishing_resistant: 'Phishing-resistant' };

const STATE_LABEL: Readonly<Record<string, string>> = {
  enabled: 'On',
  report_only: 'Report-only',
  enabledForReportingButNotEnforced: 'Report-only',
  disabled: 'Off',
};

export interface CoverageClassView {
  key: Coverage;
  label: string;
  meaning: string;
  share: string;
  count: string;
  /** 0–100, width of its segment in the stacked bar */
  percent: number;
}

export interface EnforcementLine {
  label: string;
  value: string;
  detail: string;
  /** a gap an auditor should look at (shown in the failure colour) */
  gap: boolean;
}

export interface CrossTabView {
  /** rows: enforced, not enforced, total; columns: capable, not capable, total */
  rows: Array<{ label: string; cells: string[] }>;
  /** "2,000 users" */
  population: string;
  /** mfa.capable over the registration population, for comparison */
  registrationNote: string | null;
}

export interface PolicyRow {
  name: string;
  state: string;
  role: Role;
  roleLabel: string;
  targets: string;
  grant: string;
  required: string;
  narrowing: string[];
  appliesTo: string;
  excludes: string;
}

export interface EnforcementView {
  assessable: boolean;
  /** why the coverage could not be decided (assessable false) */
  notAssessable: string | null;
  basis: string;
  notes: string[];
  notesMore: string | null;
  /** the enforcement population in words, with its size */
  population: string;
  classes: CoverageClassView[];
  /** the stacked bar's text alternative */
  barText: string;
  admins: EnforcementLine[];
  users: EnforcementLine[];
  crossTab: CrossTabView | null;
  policies: PolicyRow[];
  policiesMore: string | null;
  policiesNone: string;
  methods: Array<{ id: string; label: string; state: string; enabled: boolean; targets: string }>;
  methodsMore: string | null;
  settings: Array<{ label: string; value: string; detail: string }>;
}

const ADMIN_METRICS: ReadonlyArray<{ id: string; label: string; target: string }> = [
  { id: 'enforcement.admins.mfa_enforced', label: 'Admins with MFA enforced', target: 'all admins' },
  { id: 'enforcement.admins.phishing_resistant_enforced', label: 'Admins with phishing-resistant MFA enforced', target: 'all admins' },
];

/** `gap`: a count above zero needs looking at (break-glass accounts are excluded by design, so the total is not one) */
const USER_COUNTS: ReadonlyArray<{ id: string; label: string; detail: string; gap: boolean }> = [
  { id: 'enforcement.admins.report_only_gap', label: 'Admins whose stronger policy is only report-only', detail: 'a report-only policy would require more of them than any enforced one does', gap: true },
  { id: 'enforcement.excluded_users', label: 'Users excluded from every MFA policy that includes them', detail: 'break-glass accounts included', gap: false },
  { id: 'enforcement.excluded_users_undeclared', label: 'Of whom not declared break-glass', detail: 'excluded users the config does not list as break-glass accounts', gap: true },
  { id: 'enforcement.required_not_satisfiable', label: 'Users whose required strength none of their methods satisfies', detail: 'they are blocked or asked to register at sign-in', gap: true },
];

const SETTINGS: ReadonlyArray<{ id: string; raw: (e: Enforcement) => string | null }> = [
  { id: 'policy.security_defaults', raw: (e) => (e.securityDefaults === null ? null : e.securityDefaults ? 'enabled' : 'disabled') },
  { id: 'policy.registration_campaign', raw: (e) => e.registrationCampaign },
  { id: 'policy.migration_complete', raw: (e) => e.migrationState },
  { id: 'policy.system_preferred', raw: (e) => e.systemPreferred },
  { id: 'policy.authenticator_context', raw: () => null },
];

const ratioOk = (m: MetricValue | undefined): m is MetricValue & { value: number; numerator: number; denominator: number } =>
  m !== undefined && m.value !== null && m.numerator !== undefined && m.denominator !== undefined;


/**
 * Registered (isMfaCapable) against enforced, over the enforcement population: every cell derives from the
 * enforcement metrics' own numerators over one denominator. Null when they are missing or do not agree.
 */
function crossTab(results: AuditResult): CrossTabView | null {
  const m = (id: string) => results.metrics[id];
  const enforced = m('enforcement.mfa.enforced');
  const cne = m('enforcement.mfa.capable_not_enforced');
  const enc = m('enforcement.mfa.enforced_not_capable');
  if (!ratioOk(enforced) || !ratioOk(cne) || !ratioOk(enc)) return null;
  const p = enforced.denominator;
  if (cne.denominator !== p || enc.denominator !== p || p === 0) return null;
  const e = enforced.numerator;
  const both = e - enc.numerator;
  const neither = p - e - cne.numerator;
  if (both < 0 || neither < 0) return null;
  const cell = (n: number) => `${formatInt(n)} (${formatPercent(n / p)})`;
  const capable = both + cne.numerator;
  const registration = m('mfa.capable');
  return {
    rows: [
      { label: 'MFA enforced', cells: [cell(both), cell(enc.numerator), cell(e)] },
      { label: 'MFA not enforced', cells: [cell(cne.numerator), cell(neither), cell(p - e)] },
      { label: 'Total', cells: [cell(capable), cell(p - capable), formatInt(p)] },
    ],
    population: `${formatInt(p)} ${p === 1 ? 'user' : 'users'}`,
    registrationNote: ratioOk(registration)
      ? `The registration metric mfa.capable, ${formatPercent(registration.value)} (${fraction(registration)}), counts another population (users in scope, section 6), so its capable total can differ.`
      : null,
  };
}

function policyRow(p: Enforcement['policies'][number], conditionCap: number): PolicyRow {
  const count = (n: number | null) => (n === null ? 'n/a' : formatInt(n));
  const shown = p.narrowing.length > conditionCap ? Math.max(1, conditionCap - 1) : p.narrowing.length;
  return {
    name: visibleText(p.displayName),
    state: lookup(STATE_LABEL, p.state) ?? visibleText(p.state),
    role: p.role,
    roleLabel: ROLE_LABEL[p.role],
    targets: cleanProse(p.targets),
    grant: cleanProse(p.grant),
    required: p.required === null ? '' : LEVEL_LABEL[p.required],
    narrowing: p.narrowing.slice(0, shown).map(cleanProse).concat(p.narrowing.length > shown ? [`and ${formatInt(p.narrowing.length - shown)} more`] : []),
    appliesTo: count(p.appliesTo),
    excludes: count(p.excludes),
  };
}

/** 0/1 policy metric as words */
function flag(m: MetricValue | undefined): string {
  if (!m || m.value === null) return 'n/a';
  return m.value === 1 ? 'Yes' : m.value === 0 ? 'No' : formatInt(m.value);
}

/**
 * Rows listed at the smallest list cap of the page budget: the methods policy has about ten configurations and an
 * auditor needs all of them; Conditional Access policies are listed MFA-relevant first.
 */
const MIN_METHODS = 10;
const MIN_POLICIES = 3;

export function enforcementView(results: AuditResult, info: Info, listCap: number): EnforcementView {
  const e = results.enforcement;
  const cap = Math.max(1, listCap);
  const policyCap = Math.max(MIN_POLICIES, cap);
  const methodCap = Math.max(MIN_METHODS, cap);
  const conditionCap = Math.max(2, Math.min(6, Math.ceil(cap / 4)));
  const metric = (id: string) => results.metrics[id];
  const enforced = metric('enforcement.mfa.enforced');
  const population = ratioOk(enforced) ? enforced.denominator : null;
  const classes: CoverageClassView[] = COVERAGES.map((key) => {
    const m = metric(`enforcement.mfa.${key}`);
    const ok = ratioOk(m);
    return {
      key,
      label: COVERAGE_TEXT[key].label,
      meaning: COVERAGE_TEXT[key].meaning,
      share: ok ? formatPercent(m.value) : 'n/a',
      count: ok ? formatInt(m.numerator) : 'n/a',
      percent: ok ? Math.max(0, Math.min(100, Math.round(m.value * 1000) / 10)) : 0,
    };
  });
  // the first note says why, when not assessable (engine/analyze.ts); the rest are listed below it
  const reason = e.assessable ? null : cleanProse(e.notes[0] ?? 'The policy data needed to decide enforcement is missing.');
  const notes = (e.assessable ? e.notes : e.notes.slice(1)).map(cleanProse);
  const policies = [...e.policies].sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
  const methods = e.methods;
  const admins: EnforcementLine[] = ADMIN_METRICS.map((a) => {
    const m = metric(a.id);
    return ratioOk(m)
      ? { label: a.label, value: formatPercent(m.value), detail: `${fraction(m)} admins · target: ${a.target}`, gap: m.value < 1 }
      : { label: a.label, value: 'n/a', detail: 'no value: see the notes', gap: false };
  });
  const users: EnforcementLine[] = USER_COUNTS.filter((u) => metric(u.id) !== undefined).map((u) => {
    const v = metric(u.id)?.value ?? null;
    return { label: u.label, value: v === null ? 'n/a' : formatInt(v), detail: u.detail, gap: u.gap && v !== null && v > 0 };
  });
  return {
    assessable: e.assessable,
    notAssessable: reason,
    basis: cleanProse(e.basis),
    notes: notes.slice(0, cap),
    notesMore: notes.length > cap ? `${formatInt(notes.length - cap)} more notes in results.json` : null,
    population:
      population === null
        ? 'Every valid userRegistrationDetails row, members and guests, except the configured break-glass accounts and UPN-pattern exclusions.'
        : `${formatInt(population)} ${population === 1 ? 'user' : 'users'}: every valid userRegistrationDetails row, members and guests, except the configured break-glass accounts and UPN-pattern exclusions.`,
    classes,
    barText: classes.map((c) => `${c.label} ${c.share}`).join(', '),
    admins,
    users,
    crossTab: e.assessable ? crossTab(results) : null,
    policies: policies.slice(0, policyCap).map((p) => policyRow(p, conditionCap)),
    policiesMore: policies.length > policyCap ? `${formatInt(policies.length - policyCap)} more in results.json` : null,
    policiesNone: e.assessable ? 'No Conditional Access policy was found.' : 'No Conditional Access policy could be read.',
    methods: methods.slice(0, methodCap).map((m) => ({
      id: visibleText(m.id),
      label: visibleText(lookup(POLICY_METHOD_LABEL, m.id) ?? m.id),
      state: m.state === 'enabled' ? 'Enabled' : m.state === 'disabled' ? 'Disabled' : visibleText(m.state),
      enabled: m.state === 'enabled',
      targets: cleanProse(m.targets),
    })),
    methodsMore: methods.length > methodCap ? `${formatInt(methods.length - methodCap)} more in results.json` : null,
    settings: SETTINGS.filter((s) => metric(s.id) !== undefined || s.raw(e) !== null).map((s) => {
      const raw = s.raw(e);
      return {
        label: cleanProse(info.get(s.id)?.title ?? s.id),
        value: flag(metric(s.id)),
        detail: raw === null ? '' : visibleText(raw),
      };
    }),
  };
}
