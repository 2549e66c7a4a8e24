/**
 * The enforcement model (issue #14; docs/enforcement.md): which Conditional Access policies (or security defaults)
 * require MFA of a user, and whether the user's registered methods can satisfy what is required. Pure: policy rows
 * in, per-user answers out; no I/O, no clock.
 *
 * A user's coverage is the best of the policies that apply to them:
 * - enforced: an `enabled` policy includes the user (All users, the user, a group they are a transitive member of,
 *   a directory role they hold actively, guests), does not exclude them, targets All resources with no exclusion,
 *   every client app type, has no location / platform / device / risk / authentication-context condition, and its
 *   grant requires MFA or an authentication strength (operator AND, or MFA as the only control);
 * - conditional: only policies with such a narrowing condition, or whose grant can be met by another control
 *   (operator OR with a compliant device, an approved app…);
 * - report_only: only `enabledForReportingButNotEnforced` policies;
 * - none.
 */
import { isObj } from './types.js';

export type Coverage = 'enforced' | 'conditional' | 'report_only' | 'none';
export const COVERAGES: readonly Coverage[] = ['enforced', 'conditional', 'report_only', 'none'];

/** Strength levels, weakest first. */
export type StrengthLevel = 'mfa' | 'passwordless' | 'phishing_resistant';
export const LEVELS: readonly StrengthLevel[] = ['mfa', 'passwordless', 'phishing_resistant'];
/** 0 for no requirement, then 1, 2, 3 from the weakest level up. */
export const rank = (l: StrengthLevel | null): number => (l === null ? 0 : LEVELS.indexOf(l) + 1);
export const stronger = (a: StrengthLevel | null, b: StrengthLevel | null): StrengthLevel | null => (rank(b) > rank(a) ? b : a);

/** authenticationMethodModes of the phishing-resistant built-in strength (graph-api.md §F; authenticationStrengthPolicy). */
const PHISHING_RESISTANT_MODES = new Set(['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor']);
const PASSWORDLESS_MODES = new Set([...PHISHING_RESISTANT_MODES, 'deviceBasedPush']);

/**
 * The built-in "Multifactor authentication" strength (…0002), for a grant of the built-in control `mfa` when the
 * strengths source did not answer it: its allowedCombinations as Microsoft documents them.
 */
export const BUILT_IN_MFA_COMBINATIONS: readonly string[] = [
  'windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor', 'deviceBasedPush', 'temporaryAccessPassOneTime',
  'temporaryAccessPassMultiUse', 'password,microsoftAuthenticatorPush', 'password,softwareOath', 'password,hardwareOath',
  'password,sms', 'password,voice', 'federatedMultiFactor', 'microsoftAuthenticatorPush,federatedSingleFactor',
  'softwareOath,federatedSingleFactor', 'hardwareOath,federatedSingleFactor', 'sms,federatedSingleFactor', 'voice,federatedSingleFactor',
];
export const BUILT_IN_MFA_STRENGTH_ID = '00000000-0000-0000-0000-000000000002';

/** The level of a set of allowed combinations: phishing-resistant when every one is, passwordless when every one is. */
export function strengthLevel(combinations: readonly string[]): StrengthLevel {
  const parts = combinations.map((c) => c.split(',').map((p) => p.trim()));
  if (parts.length > 0 && parts.every((c) => c.every((p) => PHISHING_RESISTANT_MODES.has(p)))) return 'phishing_resistant';
  if (parts.length > 0 && parts.every((c) => c.every((p) => PASSWORDLESS_MODES.has(p)))) return 'passwordless';
  return 'mfa';
}

/**
 * userRegistrationDetails methodsRegistered tokens → the authenticationMethodModes they can provide. A password is
 * taken as present (the report lists users who sign in); `macOsSecureEnclaveKey`, `email`, `securityQuestion`,
 * `appPassword` and `externalAuthMethod` satisfy no combination here.
 */
const TOKEN_MODES: Record<string, readonly string[]> = {
  windowsHelloForBusiness: ['windowsHelloForBusiness'],
  passKeyDeviceBoundWindowsHello: ['fido2'],
  fido2: ['fido2'],
  fido2SecurityKey: ['fido2'],
  passKeyDeviceBound: ['fido2'],
  passKeyDeviceBoundAuthenticator: ['fido2'],
  passKeySynced: ['fido2'],
  certificateBasedAuthentication: ['x509CertificateMultiFactor'],
  microsoftAuthenticatorPasswordless: ['deviceBasedPush'],
  microsoftAuthenticatorPush: ['microsoftAuthenticatorPush'],
  softwareOneTimePasscode: ['softwareOath'],
  hardwareOneTimePasscode: ['hardwareOath'],
  mobilePhone: ['sms', 'voice'],
  sms: ['sms'],
  alternateMobilePhone: ['voice'],
  officePhone: ['voice'],
  voice: ['voice'],
  temporaryAccessPass: ['temporaryAccessPassOneTime', 'temporaryAccessPassMultiUse'],
  // authentication strengths list "Windows Hello for Business / Platform Credential" as one combination
  macOsSecureEnclaveKey: ['windowsHelloForBusiness'],
  x509CertificateMultiFactor: ['x509CertificateMultiFactor'],
  x509CertificateSingleFactor: ['x509CertificateSingleFactor'],
};

/** The authentication methods policy configuration each mode depends on (a disabled configuration cannot be used). */
const MODE_CONFIG: Record<string, string> = {
  fido2: 'Fido2',
  deviceBasedPush: 'MicrosoftAuthenticator',
  microsoftAuthenticatorPush: 'MicrosoftAuthenticator',
  softwareOath: 'SoftwareOath',
  hardwareOath: 'HardwareOath',
  sms: 'Sms',
  voice: 'Voice',
  temporaryAccessPassOneTime: 'TemporaryAccessPass',
  temporaryAccessPassMultiUse: 'TemporaryAccessPass',
  x509CertificateMultiFactor: 'X509Certificate',
};

/**
 * The modes a user's registered methods provide, without those whose method configuration is disabled. A token this
 * table does not know but the config counts as phishing-resistant (`isPhishingResistant`) provides the
 * phishing-resistant modes, so a new token can be classified in the config without a release.
 */
export function modesOf(
  methods: readonly string[],
  disabledConfigs: ReadonlySet<string>,
  isPhishingResistant: (token: string) => boolean = () => false,
): Set<string> {
  const modes = new Set<string>(['password']);
  for (const m of methods) {
    // own properties only: a hostile token such as "constructor" or "__proto__" must not reach Object.prototype
    const known = Object.hasOwn(TOKEN_MODES, m) ? TOKEN_MODES[m] : undefined;
    for (const mode of known ?? (isPhishingResistant(m) ? PHISHING_RESISTANT_MODES : [])) {
      const config = Object.hasOwn(MODE_CONFIG, mode) ? MODE_CONFIG[mode] : undefined;
      if (config === undefined || !disabledConfigs.has(config)) modes.add(mode);
    }
  }
  return modes;
}

/**
 * Each combination's modes, split once: satisfies() runs for every user and policy, and splitting there was the
 * costliest step of the whole analysis. Bounded, as hostile policies may carry any number of combinations.
 */
const combinationModes = new Map<string, readonly string[]>();
const MAX_REMEMBERED_COMBINATIONS = 1024;

function modesOfCombination(combination: string): readonly string[] {
  let parts = combinationModes.get(combination);
  if (parts === undefined) {
    parts = combination.split(',').map((p) => p.trim());
    if (combinationModes.size < MAX_REMEMBERED_COMBINATIONS) combinationModes.set(combination, parts);
  }
  return parts;
}

/** True when one allowed combination is made only of modes the user has (federated factors are never satisfied). */
export function satisfies(combinations: readonly string[], modes: ReadonlySet<string>): boolean {
  for (const c of combinations) {
    const parts = modesOfCombination(c);
    let all = true;
    for (let i = 0; i < parts.length && all; i++) all = modes.has(parts[i]!);
    if (all) return true;
  }
  return false;
}

// --- policies ---------------------------------------------------------------------------------------------------

export type PolicyState = 'enabled' | 'report_only' | 'disabled';

export interface PolicyTargets {
  includeAll: boolean;
  includeGuests: boolean;
  excludeGuests: boolean;
  includeUsers: ReadonlySet<string>;
  excludeUsers: ReadonlySet<string>;
  includeGroups: ReadonlySet<string>;
  excludeGroups: ReadonlySet<string>;
  includeRoles: ReadonlySet<string>;
  excludeRoles: ReadonlySet<string>;
}

export interface PolicyModel {
  id: string;
  displayName: string;
  state: PolicyState;
  targets: PolicyTargets;
  /** the conditions that narrow the policy (empty = unconditional), in words */
  narrowing: string[];
  /** what the grant requires: null when it does not require MFA (block, terms of use only, no grant…) */
  required: StrengthLevel | null;
  /** the allowed combinations of the required strength (built-in MFA for the `mfa` control) */
  combinations: readonly string[];
  /** the grant in words, e.g. "authentication strength Phishing-resistant MFA" */
  grant: string;
  /** a note when the strength could not be resolved by id */
  unresolved: string | null;
}

export interface StrengthRow {
  id: string;
  displayName: string;
  allowedCombinations: string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const lowerSet = (v: unknown) => new Set(strings(v).map((s) => s.toLowerCase()));

/** Strength rows (authenticationStrengthPolicies) by lower-cased id. */
export function strengthsById(rows: Iterable<unknown>): Map<string, StrengthRow> {
  const out = new Map<string, StrengthRow>();
  for (const r of rows) {
    if (!isObj(r) || typeof r.id !== 'string') continue;
    out.set(r.id.toLowerCase(), {
      id: r.id,
      displayName: typeof r.displayName === 'string' ? r.displayName : r.id,
      allowedCombinations: strings(r.allowedCombinations),
    });
  }
  return out;
}

const ALL_CLIENT_TYPES = ['browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other'];
const OTHER_GRANTS: Record<string, string> = {
  compliantDevice: 'a compliant device',
  domainJoinedDevice: 'a hybrid-joined device',
  approvedApplication: 'an approved client app',
  compliantApplication: 'an app protection policy',
  passwordChange: 'a password change',
};

/** One CA policy row (v1.0 conditionalAccessPolicy) → the model; null for a row without an id. */
export function policyModel(raw: unknown, strengths: ReadonlyMap<string, StrengthRow>): PolicyModel | null {
  if (!isObj(raw) || typeof raw.id !== 'string') return null;
  const state: PolicyState =
    raw.state === 'enabled' ? 'enabled' : raw.state === 'enabledForReportingButNotEnforced' ? 'report_only' : 'disabled';
  const conditions = isObj(raw.conditions) ? raw.conditions : {};
  const users = isObj(conditions.users) ? conditions.users : {};
  const includeUsers = strings(users.includeUsers);
  const excludeUsers = strings(users.excludeUsers);
  const lowerIds = (xs: string[]) => new Set(xs.filter((x) => !/^(All|None|GuestsOrExternalUsers)$/i.test(x)).map((x) => x.toLowerCase()));
  const targets: PolicyTargets = {
    includeAll: includeUsers.some((u) => u.toLowerCase() === 'all'),
    includeGuests: includeUsers.some((u) => u === 'GuestsOrExternalUsers') || isObj(users.includeGuestsOrExternalUsers),
    excludeGuests: excludeUsers.some((u) => u === 'GuestsOrExternalUsers') || isObj(users.excludeGuestsOrExternalUsers),
    includeUsers: lowerIds(includeUsers),
    excludeUsers: lowerIds(excludeUsers),
    includeGroups: lowerSet(users.includeGroups),
    excludeGroups: lowerSet(users.excludeGroups),
    includeRoles: lowerSet(users.includeRoles),
    excludeRoles: lowerSet(users.excludeRoles),
  };

  const narrowing: string[] = [];
  const apps = isObj(conditions.applications) ? conditions.applications : {};
  const includeApps = strings(apps.includeApplications);
  if (!includeApps.some((a) => a.toLowerCase() === 'all')) {
    narrowing.push(includeApps.length ? `only ${includeApps.length} resource(s)` : 'user actions or authentication contexts, not resources');
  }
  if (strings(apps.excludeApplications).length) narrowing.push(`${strings(apps.excludeApplications).length} resource(s) excluded`);
  if (strings(apps.includeUserActions).length || strings(apps.includeAuthenticationContextClassReferences).length) {
    narrowing.push('user actions or authentication contexts');
  }
  if (apps.applicationFilter) narrowing.push('an application filter');
  const clientTypes = strings(conditions.clientAppTypes);
  if (clientTypes.length && !clientTypes.includes('all') && !ALL_CLIENT_TYPES.every((t) => clientTypes.includes(t))) {
    narrowing.push(`client app types ${clientTypes.join(', ')} only`);
  }
  if (conditions.locations) narrowing.push('a location condition');
  if (conditions.platforms) narrowing.push('a device platform condition');
  if (conditions.devices) narrowing.push('a device filter');
  for (const [key, what] of [
    ['userRiskLevels', 'user risk'],
    ['signInRiskLevels', 'sign-in risk'],
    ['servicePrincipalRiskLevels', 'service principal risk'],
  ] as const) {
    if (strings(conditions[key]).length) narrowing.push(`${what} ${strings(conditions[key]).join('/')}`);
  }
  if (conditions.insiderRiskLevels) narrowing.push('insider risk');
  if (conditions.authenticationFlows) narrowing.push('authentication flows');

  const grant = isObj(raw.grantControls) ? raw.grantControls : null;
  const builtIn = strings(grant?.builtInControls);
  const operator = typeof grant?.operator === 'string' ? grant.operator.toUpperCase() : 'OR';
  let required: StrengthLevel | null = null;
  let combinations: readonly string[] = [];
  let words = 'no grant control';
  let unresolved: string | null = null;
  const strength = isObj(grant?.authenticationStrength) ? grant.authenticationStrength : null;
  if (builtIn.includes('block')) {
    words = 'block access';
  } else if (strength && typeof strength.id === 'string') {
    const known = strengths.get(strength.id.toLowerCase());
    const embedded = strings(strength.allowedCombinations);
    combinations = known?.allowedCombinations ?? embedded;
    const name = known?.displayName ?? (typeof strength.displayName === 'string' ? strength.displayName : strength.id);
    if (!known) unresolved = `strength ${name} not in authenticationStrengthPolicies; ${embedded.length ? 'its combinations as the policy embeds them' : 'no combinations known'}`;
    required = combinations.length ? strengthLevel(combinations) : 'mfa';
    words = `authentication strength ${name}`;
  } else if (builtIn.includes('mfa')) {
    required = 'mfa';
    combinations = strengths.get(BUILT_IN_MFA_STRENGTH_ID)?.allowedCombinations ?? BUILT_IN_MFA_COMBINATIONS;
    words = 'multifactor authentication';
  } else if (builtIn.length) {
    words = builtIn.join(` ${operator} `);
  }
  if (required !== null) {
    const others = builtIn.filter((c) => c !== 'mfa' && c !== 'block');
    if (others.length) words += ` ${operator} ${others.join(` ${operator} `)}`;
    if (operator === 'OR' && others.length) {
      narrowing.push(`MFA can be replaced by ${others.map((o) => (Object.hasOwn(OTHER_GRANTS, o) ? OTHER_GRANTS[o] : o)).join(' or ')}`);
    }
  }
  return {
    id: raw.id,
    displayName: typeof raw.displayName === 'string' ? raw.displayName : raw.id,
    state,
    targets,
    narrowing,
    required,
    combinations,
    grant: words,
    unresolved,
  };
}

/** What is known of a user at the join. Ids lower-cased. */
export interface UserFacts {
  id: string;
  guest: boolean;
  /** CA groups (ids, lower-cased) the user is a transitive member of */
  groups: ReadonlySet<string> | undefined;
  /** role template ids (lower-cased) the user holds actively, directly or through a group */
  roles: ReadonlySet<string> | undefined;
}

export type Applies = 'included' | 'excluded' | 'not_targeted';

const anyIn = (ids: ReadonlySet<string> | undefined, set: ReadonlySet<string>): boolean => {
  if (!ids || set.size === 0) return false;
  for (const id of ids) if (set.has(id)) return true;
  return false;
};

export function applies(t: PolicyTargets, u: UserFacts): Applies {
  const included =
    t.includeAll || t.includeUsers.has(u.id) || (u.guest && t.includeGuests) || anyIn(u.groups, t.includeGroups) || anyIn(u.roles, t.includeRoles);
  if (!included) return 'not_targeted';
  const excluded =
    t.excludeUsers.has(u.id) || (u.guest && t.excludeGuests) || anyIn(u.groups, t.excludeGroups) || anyIn(u.roles, t.excludeRoles);
  return excluded ? 'excluded' : 'included';
}

/** Roles security defaults requires MFA of at every sign-in (Microsoft Learn, security-defaults "Protecting administrators"). */
export const SECURITY_DEFAULTS_ADMIN_ROLES: ReadonlySet<string> = new Set([
  '62e90394-69f5-4237-9190-012177145e10', // Global Administrator
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', // Application Administrator
  'c4e39bd9-1100-46d3-8c65-fb160da0071f', // Authentication Administrator
  'b0f54661-2d74-4c50-afa3-1ec803f12efe', // Billing Administrator
  '158c047a-c907-4556-b7ef-446551a6b5f7', // Cloud Application Administrator
  'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', // Conditional Access Administrator
  '29232cdf-9323-42fd-ade2-1d097af3e4de', // Exchange Administrator
  '729827e3-9c14-49f7-bb1b-9608f156bbb8', // Helpdesk Administrator
  '966707d0-3269-4727-9be2-8c3a10f19b9d', // Password Administrator
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', // Privileged Authentication Administrator
  'e8611ab8-c189-46e8-94e1-60213ab1f814', // Privileged Role Administrator
  '194ae4cb-b126-40b2-bd5b-6091b380977d', // Security Administrator
  'f28a1f50-f6e7-4571-818b-6a12f2af6b6c', // SharePoint Administrator
  'fe930be7-5e62-47db-91af-98c3a49a38b1', // User Administrator
]);

export interface UserCoverage {
  coverage: Coverage;
  /** strongest level an enforcing (unconditional, enabled) policy requires */
  enforcedLevel: StrengthLevel | null;
  /** strongest level a report-only policy would require */
  reportOnlyLevel: StrengthLevel | null;
  /** excluded from every enabled, unconditional MFA policy that includes them (and at least one does) */
  excluded: boolean;
  /** strongest level required by the enabled policies that apply (enforced or conditional) */
  required: StrengthLevel | null;
  /** an enabled policy that applies requires a strength none of the user's usable methods satisfies */
  notSatisfiable: boolean;
}

/** The per-user decision over every MFA-requiring policy; `modes` from modesOf(). */
export function coverageOf(
  policies: readonly PolicyModel[],
  securityDefaults: boolean,
  u: UserFacts,
  modes: ReadonlySet<string>,
  /** per policy index: users each policy applies to, and users it excludes (any state, any grant) */
  tally?: { appliesTo: Float64Array; excludes: Float64Array },
): UserCoverage {
  let enforcedLevel: StrengthLevel | null = null;
  let reportOnlyLevel: StrengthLevel | null = null;
  let required: StrengthLevel | null = null;
  let conditional = false;
  let unconditionalIncluding = 0;
  let unconditionalExcluding = 0;
  let notSatisfiable = false;
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i]!;
    if (!tally && (p.required === null || p.state === 'disabled')) continue;
    const a = applies(p.targets, u);
    if (a === 'not_targeted') continue;
    if (tally) {
      if (a === 'included') tally.appliesTo[i]!++;
      else tally.excludes[i]!++;
    }
    if (p.required === null || p.state === 'disabled') continue;
    if (p.state === 'report_only') {
      if (a === 'included') reportOnlyLevel = stronger(reportOnlyLevel, p.required);
      continue;
    }
    const unconditional = p.narrowing.length === 0;
    if (unconditional) {
      unconditionalIncluding++;
      if (a === 'excluded') unconditionalExcluding++;
    }
    if (a === 'excluded') continue;
    required = stronger(required, p.required);
    if (!satisfies(p.combinations, modes)) notSatisfiable = true;
    if (unconditional) enforcedLevel = stronger(enforcedLevel, p.required);
    else conditional = true;
  }
  if (securityDefaults) {
    // Security defaults: MFA at every sign-in for its administrator roles, "when necessary" for everyone else.
    required = stronger(required, 'mfa');
    if (!satisfies(BUILT_IN_MFA_COMBINATIONS, modes)) notSatisfiable = true;
    if (anyIn(u.roles, SECURITY_DEFAULTS_ADMIN_ROLES)) enforcedLevel = stronger(enforcedLevel, 'mfa');
    else conditional = true;
  }
  const coverage: Coverage =
    enforcedLevel !== null ? 'enforced' : conditional ? 'conditional' : reportOnlyLevel !== null ? 'report_only' : 'none';
  return {
    coverage,
    enforcedLevel,
    reportOnlyLevel,
    excluded: unconditionalIncluding > 0 && unconditionalExcluding === unconditionalIncluding,
    required,
    notSatisfiable,
  };
}
