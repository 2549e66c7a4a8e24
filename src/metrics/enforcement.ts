/**
 * Enforcement metrics (issue #14): the coverage model of enforcement-model.ts joined to every userRegistrationDetails
 * row in the same streaming pass as the registration fold. Pure: rows in, metrics and cohorts out. Memory: the
 * policies, the CA-group members and the role holders, never the rows.
 */
import { upnMatcher, type Definitions } from './definitions.js';
import { COVERAGES, coverageOf, modesOf, rank, type Coverage, type PolicyModel, type UserCoverage } from './enforcement-model.js';
import { keyFilter } from './key-filter.js';
import { affectedUser, stringsOf, type AdminDefinition } from './registration.js';
import { count, missingRatio, ratio, type AffectedUser, type CohortSink, type MetricInfo, type MetricSet } from './types.js';

export const ENFORCEMENT_COHORTS = {
  usersNotEnforced: 'users.mfa_not_enforced',
  adminsNotEnforced: 'admins.mfa_not_enforced',
  adminsPhishingResistantNotEnforced: 'admins.phishing_resistant_not_enforced',
  adminsReportOnlyGap: 'admins.report_only_gap',
  usersExcludedUndeclared: 'users.mfa_excluded_undeclared',
  usersRequiredNotSatisfiable: 'users.required_not_satisfiable',
} as const;

/** What the join needs beyond the rows; null when the enforcement cannot be assessed (see notes). */
export interface EnforcementInputs {
  /** Conditional Access policies (none when the tenant has no CA licence) */
  policies: readonly PolicyModel[];
  /** security defaults on */
  securityDefaults: boolean;
  /** authentication methods policy configurations that are disabled (their methods cannot be used) */
  disabledConfigs: ReadonlySet<string>;
  /** user id (lower-cased) → CA groups (lower-cased) the user is a transitive member of */
  groupsOfUser: ReadonlyMap<string, ReadonlySet<string>>;
  /** user id (lower-cased) → role template ids (lower-cased) held actively */
  rolesOfUser: ReadonlyMap<string, ReadonlySet<string>>;
  /** user id (lower-cased) → role ids held through PIM eligibility (usable once activated) */
  eligibleRolesOfUser: ReadonlyMap<string, ReadonlySet<string>>;
}

const SOURCE = 'conditionalAccessPolicies';
const MAX_PLAIN_COMBINATIONS = 4096;
/** distinct method tokens with a bit in plainCoverage's combinations (bit 0 is guest; the number stays a small integer) */
const MAX_TOKEN_BITS = 29;

/** plainCoverage's answer for one combination of guest or member and methods */
interface PlainCoverage {
  modes: ReadonlySet<string>;
  coverage: UserCoverage;
  /** indexes of the policies that include such a user, and of those that exclude them */
  applied: number[];
  excludes: number[];
}

export class EnforcementFold {
  private population = 0;
  private readonly byCoverage = new Float64Array(COVERAGES.length);
  private capableNotEnforced = 0;
  private enforcedNotCapable = 0;
  private admins = 0;
  private adminsEnforced = 0;
  private adminsPhishingResistant = 0;
  private adminsReportOnlyGap = 0;
  private excluded = 0;
  private excludedUndeclared = 0;
  private notSatisfiable = 0;
  /** per policy (inputs.policies order): users it applies to, users it excludes (every valid row) */
  readonly appliesTo: Float64Array;
  readonly excludes: Float64Array;
  private readonly isExcluded: (upn: string) => boolean;
  private readonly breakGlass: ReadonlySet<string>;
  private readonly isPhishingResistant: (token: string) => boolean;
  /** false for a lower-cased user id in none of the id-keyed inputs (key-filter.ts) */
  private readonly mayBeListed: (key: string) => boolean;
  /** user ids (lower-cased) that some policy includes or excludes by name */
  private readonly policyUsers: ReadonlySet<string>;
  /** plainCoverage's answers by combination (guest bit | a bit per token), and each token's bit */
  private readonly plain = new Map<number, PlainCoverage>();
  private readonly tokenBits = new Map<string, number>();

  constructor(
    private readonly sink: CohortSink,
    private readonly inputs: EnforcementInputs,
    private readonly adminDef: AdminDefinition,
    defs: Pick<Definitions, 'excludeUpnPatterns' | 'breakGlassUpns' | 'phishingResistantTokens' | 'phishingResistantPrefixes'>,
  ) {
    const pr = new Set(defs.phishingResistantTokens);
    this.isPhishingResistant = (t) => pr.has(t) || defs.phishingResistantPrefixes.some((p) => t.startsWith(p));
    this.isExcluded = upnMatcher(defs.excludeUpnPatterns);
    this.breakGlass = new Set(defs.breakGlassUpns.map((u) => u.toLowerCase()));
    this.appliesTo = new Float64Array(inputs.policies.length);
    this.excludes = new Float64Array(inputs.policies.length);
    this.policyUsers = new Set(inputs.policies.flatMap((p) => [...p.targets.includeUsers, ...p.targets.excludeUsers]));
    this.mayBeListed = keyFilter(
      inputs.groupsOfUser,
      inputs.rolesOfUser,
      inputs.eligibleRolesOfUser,
      [...(adminDef.adminIds ?? [])].map((id) => id.toLowerCase()),
      this.policyUsers,
    );
  }

  /**
   * The join of a user in no CA group, with no role and named in no policy (nearly every user of a large tenant)
   * depends only on guest or member and the set of registered methods (modesOf is a union over the tokens):
   * computed once per such combination, then replayed with its per-policy tallies. The combination is a number, a
   * bit per distinct token of the tenant, so a row costs one lookup per token (no key string to build and hash).
   * Bounded, since hostile rows may each carry other methods: tokens past the first MAX_TOKEN_BITS, and combinations
   * past MAX_PLAIN_COMBINATIONS, are joined row by row.
   */
  private plainCoverage(guest: boolean, methods: readonly string[]): PlainCoverage {
    let combination = guest ? 1 : 0;
    for (let i = 0; i < methods.length && combination >= 0; i++) {
      const m = methods[i]!;
      let bit = this.tokenBits.get(m);
      if (bit === undefined && this.tokenBits.size < MAX_TOKEN_BITS) {
        bit = 2 << this.tokenBits.size;
        this.tokenBits.set(m, bit);
      }
      combination = bit === undefined ? -1 : combination | bit;
    }
    let entry = combination >= 0 ? this.plain.get(combination) : undefined;
    if (!entry) {
      const n = this.inputs.policies.length;
      const tally = { appliesTo: new Float64Array(n), excludes: new Float64Array(n) };
      const modes = modesOf(methods, this.inputs.disabledConfigs, this.isPhishingResistant);
      const coverage = coverageOf(this.inputs.policies, this.inputs.securityDefaults, { id: '', guest, groups: undefined, roles: undefined }, modes, tally);
      entry = { modes, coverage, applied: [], excludes: [] };
      for (let i = 0; i < n; i++) {
        if (tally.appliesTo[i]) entry.applied.push(i);
        if (tally.excludes[i]) entry.excludes.push(i);
      }
      if (combination >= 0 && this.plain.size < MAX_PLAIN_COMBINATIONS) this.plain.set(combination, entry);
    }
    for (const i of entry.applied) this.appliesTo[i]!++;
    for (const i of entry.excludes) this.excludes[i]!++;
    return entry;
  }

  add(raw: unknown): void {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || typeof (raw as { id?: unknown }).id !== 'string') return;
    const row = raw as Record<string, unknown>;
    const id = row.id as string;
    const key = id.toLowerCase();
    const listed = this.mayBeListed(key);
    const upn = typeof row.userPrincipalName === 'string' ? row.userPrincipalName : '';
    const methods = stringsOf(row.methodsRegistered);
    const facts = {
      id: key,
      guest: row.userType === 'guest',
      groups: listed ? this.inputs.groupsOfUser.get(key) : undefined,
      roles: listed ? this.inputs.rolesOfUser.get(key) : undefined,
    };
    let modes: ReadonlySet<string>;
    let c: UserCoverage;
    if (!facts.groups && !facts.roles && !(listed && this.policyUsers.has(key))) {
      ({ modes, coverage: c } = this.plainCoverage(facts.guest, methods));
    } else {
      modes = modesOf(methods, this.inputs.disabledConfigs, this.isPhishingResistant);
      c = coverageOf(this.inputs.policies, this.inputs.securityDefaults, facts, modes, { appliesTo: this.appliesTo, excludes: this.excludes });
    }
    let user: AffectedUser | undefined;
    const asUser = () => (user ??= affectedUser(row, id, upn, methods));
    const declaredBreakGlass = this.breakGlass.size > 0 && this.breakGlass.has(upn.toLowerCase());
    if (c.excluded) {
      this.excluded++;
      if (!declaredBreakGlass) {
        this.excludedUndeclared++;
        this.sink(ENFORCEMENT_COHORTS.usersExcludedUndeclared, asUser());
      }
    }
    if (c.notSatisfiable) {
      this.notSatisfiable++;
      this.sink(ENFORCEMENT_COHORTS.usersRequiredNotSatisfiable, asUser());
    }
    // Declared break-glass accounts are left out of CA by design (CIS 5.2.2.2 v7) and assessed on their own.
    if (declaredBreakGlass) return;
    const isAdmin = this.adminDef.adminIds ? listed && this.adminDef.adminIds.has(id) : row.isAdmin === true;
    if (isAdmin) {
      // An admin's privileged sessions: with the eligible roles activated, as role conditions then match them.
      const eligible = listed ? this.inputs.eligibleRolesOfUser.get(key) : undefined;
      const a = eligible
        ? coverageOf(this.inputs.policies, this.inputs.securityDefaults, { ...facts, roles: new Set([...(facts.roles ?? []), ...eligible]) }, modes)
        : c;
      this.admins++;
      if (a.coverage === 'enforced') this.adminsEnforced++;
      else this.sink(ENFORCEMENT_COHORTS.adminsNotEnforced, asUser());
      if (a.enforcedLevel === 'phishing_resistant') this.adminsPhishingResistant++;
      else this.sink(ENFORCEMENT_COHORTS.adminsPhishingResistantNotEnforced, asUser());
      if (rank(a.reportOnlyLevel) > rank(a.enforcedLevel)) {
        this.adminsReportOnlyGap++;
        this.sink(ENFORCEMENT_COHORTS.adminsReportOnlyGap, asUser());
      }
    }
    if (this.isExcluded(upn)) return;
    this.population++;
    this.byCoverage[COVERAGES.indexOf(c.coverage)]!++;
    if (c.coverage !== 'enforced') this.sink(ENFORCEMENT_COHORTS.usersNotEnforced, asUser());
    const capable = row.isMfaCapable === true;
    if (capable && c.coverage !== 'enforced') this.capableNotEnforced++;
    if (!capable && c.coverage === 'enforced') this.enforcedNotCapable++;
  }

  result(): MetricSet {
    return enforcementMetrics({
      population: this.population,
      byCoverage: Object.fromEntries(COVERAGES.map((c, i) => [c, this.byCoverage[i]!])) as Record<Coverage, number>,
      capableNotEnforced: this.capableNotEnforced,
      enforcedNotCapable: this.enforcedNotCapable,
      admins: this.admins,
      adminsEnforced: this.adminsEnforced,
      adminsPhishingResistant: this.adminsPhishingResistant,
      adminsReportOnlyGap: this.adminsReportOnlyGap,
      excluded: this.excluded,
      excludedUndeclared: this.excludedUndeclared,
      notSatisfiable: this.notSatisfiable,
    });
  }

  /** The same metric ids with null values: the enforcement could not be assessed. */
  static missing(): MetricSet {
    return enforcementMetrics(null);
  }
}


interface Counts {
  population: number;
  byCoverage: Record<Coverage, number>;
  capableNotEnforced: number;
  enforcedNotCapable: number;
  admins: number;
  adminsEnforced: number;
  adminsPhishingResistant: number;
  adminsReportOnlyGap: number;
  excluded: number;
  excludedUndeclared: number;
  notSatisfiable: number;
}

const COVERAGE_WORDS: Record<Coverage, [string, string]> = {
  enforced: ['MFA enforced', 'an enabled policy requires MFA (or a strength) with no narrowing condition'],
  conditional: ['MFA conditional', 'only policies with a narrowing condition (locations, apps, platforms, risk, or MFA replaceable by another control) require MFA'],
  report_only: ['MFA report-only', 'only report-only policies would require MFA'],
  none: ['MFA not required', 'no policy requires MFA'],
};

function enforcementMetrics(c: Counts | null): MetricSet {
  const values: MetricSet['values'] = {};
  const info: MetricInfo[] = [];
  const put = (id: string, v: MetricSet['values'][string], title: string, kind: MetricInfo['kind'], description: string) => {
    values[id] = v;
    info.push({ id, title, kind, description, source: c ? SOURCE : null });
  };
  const r = (n: (x: Counts) => number, d: (x: Counts) => number) => (c ? ratio(n(c), d(c)) : missingRatio());
  const n = (f: (x: Counts) => number) => count(c ? f(c) : null);
  const POP =
    'the enforcement population: every valid userRegistrationDetails row, members and guests, except the configured break-glass accounts and UPN-pattern exclusions';
  for (const cov of COVERAGES) {
    const [title, words] = COVERAGE_WORDS[cov];
    put(`enforcement.mfa.${cov}`, r((x) => x.byCoverage[cov], (x) => x.population), title, 'ratio', `Share of ${POP}, for whom ${words}.`);
  }
  put('enforcement.mfa.capable_not_enforced', r((x) => x.capableNotEnforced, (x) => x.population), 'MFA capable but not enforced', 'ratio',
    `Share of ${POP} with isMfaCapable true whose MFA is not enforced (conditional, report-only or none).`);
  put('enforcement.mfa.enforced_not_capable', r((x) => x.enforcedNotCapable, (x) => x.population), 'MFA enforced but not capable', 'ratio',
    `Share of ${POP} whose MFA is enforced but whose isMfaCapable is false (they must register at their next sign-in).`);
  put('enforcement.admins.mfa_enforced', r((x) => x.adminsEnforced, (x) => x.admins), 'Admins with MFA enforced', 'ratio',
    'Share of admins (definitions.admins, with a report row, break-glass accounts left out) for whom an enabled, unconditional policy requires MFA.');
  put('enforcement.admins.phishing_resistant_enforced', r((x) => x.adminsPhishingResistant, (x) => x.admins), 'Admins with phishing-resistant MFA enforced', 'ratio',
    'Share of admins (as above) for whom an enabled, unconditional policy requires an authentication strength whose every combination is phishing-resistant.');
  put('enforcement.admins.report_only_gap', n((x) => x.adminsReportOnlyGap), 'Admins whose stronger policy is report-only', 'count',
    'Admins (as above) for whom a report-only policy would require a stronger level than any enabled, unconditional policy does.');
  put('enforcement.excluded_users', n((x) => x.excluded), 'Users excluded from MFA enforcement', 'count',
    'Valid rows (any user, break-glass included) excluded from every enabled, unconditional MFA policy that includes them, with at least one such policy.');
  put('enforcement.excluded_users_undeclared', n((x) => x.excludedUndeclared), 'Excluded users not declared break-glass', 'count',
    'enforcement.excluded_users without the break-glass accounts declared in the config.');
  put('enforcement.required_not_satisfiable', n((x) => x.notSatisfiable), 'Required strength not satisfiable', 'count',
    'Valid rows for whom an enabled policy that applies requires a strength that none of their registered, policy-enabled methods satisfies.');
  return { values, info };
}
