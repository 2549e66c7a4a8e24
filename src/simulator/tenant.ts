/**
 * A seeded synthetic Entra tenant for the Graph simulator.
 *
 * Nothing is stored per user: row i is regenerated from (seed, i) on every call, so a tenant of 1,000,000 users
 * costs no memory. The only state is a small cache of aggregates (one pass over all users, computed on first
 * use) that keeps the summary reports consistent with the rows, which the doc samples are not (graph-api.md §5),
 * and, on first use of role data, the indices of the role holders (≈ 1 % of users; roles.ts).
 *
 * isAdmin against directory roles (graph-api.md §D.2; see RoleHoldingKind): drawn admins hold their role actively at
 * tenant scope, except ~7.5 % eligible-only with isAdmin true, ~7.5 % eligible-only with isAdmin false, ~10 % only
 * through a role-assignable group and ~5 % at administrative-unit scope (both isAdmin true); ~0.03 % of non-admin
 * members hold an active role although isAdmin is false (report lag). ROLE_SPECIALS fix one of each kind at small
 * indices. Of the group holders of the two groups managed by PIM for Groups, ~40 % are eligible members instead of
 * members (isAdmin true), and one plain member from index 22 on is an eligible member the report does not flag.
 *
 * Profiles and quarters (SimTenantOptions.profile, .quarter) change how well users are registered, never who they
 * are: identity and role draws come first in their streams and do not depend on either. Quarter q replays q
 * improvement steps per user on top of the baseline draw (improveOneQuarter), so a row stays a pure function of
 * (seed, profile, quarter, i) and every derived report (summaries, legacy rows, events, roles) follows it.
 */
import type {
  CredentialUsageSummary,
  CredentialUserRegistrationCount,
  CredentialUserRegistrationDetails,
  IncludedUserRoles,
  IncludedUserTypes,
  UserCredentialUsageDetails,
  UserRegistrationDetails,
  UserRegistrationFeatureSummary,
  UserRegistrationMethodSummary,
} from '../graph/types.js';
import { INCLUDED_USER_ROLES, INCLUDED_USER_TYPES } from '../graph/types.js';
import { syntheticName } from './names.js';
import { buildPolicies, type SimPolicies } from './policies.js';
import { hashString, pick, rngFor, streamKey, uuidFor, weighted, type Rng } from './prng.js';
import {
  AU_SCOPABLE_ROLE_IDS,
  buildRoleModel,
  EXTRA_ELIGIBLE_ROLE_IDS,
  GROUP_BLUEPRINTS,
  GROUP_WEIGHTS,
  PIM_GROUP_ELIGIBLE_SHARE,
  PIM_ONLY_GROUP,
  ROLE,
  ROLE_SPECIALS,
  roleIds,
  type RoleHolding,
  type RoleModel,
  type RoleSpecial,
  type SimAdministrativeUnit,
  type SimGroup,
  type SimGroupEligibility,
  type SimList,
  type SimPrincipal,
  type SimRoleAssignment,
  type SimRoleDefinition,
  type SimRoleEligibility,
  type SimServicePrincipal,
} from './roles.js';

export type { SimPolicies, SimPolicyGroup, SimPolicyUser } from './policies.js';
export {
  BUILT_IN_ROLES,
  CUSTOM_ROLE_NAME,
  ENTRA_PRIVILEGED_ROLE_IDS,
  ROLE_SPECIALS,
  type PrincipalType,
  type RoleHolding,
  type RoleHoldingKind,
  type RoleSpecial,
  type SimAdministrativeUnit,
  type SimGroup,
  type SimGroupEligibility,
  type SimList,
  type SimPrincipal,
  type SimRoleAssignment,
  type SimRoleDefinition,
  type SimRoleEligibility,
  type SimServicePrincipal,
} from './roles.js';

/**
 * How well the tenant is run (see PROFILES): 'typical' (the default; the shares the tests and docs quote),
 * 'clean' (a well-run tenant on which most checks pass) or 'poor' (worse than typical everywhere). The profile
 * changes methods, policies and event outcomes only: the same seed gives the same people (ids, names, UPNs,
 * userType, roles) whatever the profile.
 */
export type TenantProfile = 'typical' | 'clean' | 'poor';
export const TENANT_PROFILES: readonly TenantProfile[] = ['typical', 'clean', 'poor'];
/** A quarter, as the default asOf moves by it: 91 days. */
export const QUARTER_DAYS = 91;
/** Quarters after the baseline a tenant can be observed at. */
export const MAX_QUARTER = 40;

export interface SimTenantOptions {
  seed?: number;
  users: number;
  /**
   * ISO date-time the tenant is observed at; default '2026-11-01T00:00:00Z' plus QUARTER_DAYS per quarter. Report
   * timestamps, events and role schedules are relative to it.
   */
  asOf?: string;
  tenantId?: string;
  /** Default 'typical'. */
  profile?: TenantProfile;
  /**
   * Quarters after the baseline (0, the default). Quarter q has the same users as quarter 0, each one's
   * registration improved by q steps towards the clean profile (QUARTER_STEP); nobody gets worse: every method,
   * capability and policy a user has in quarter q, they keep in q+1. Profile 'typical' at quarter 0 is the tenant
   * of earlier versions, byte for byte.
   */
  quarter?: number;
}

export interface SimTenant {
  readonly seed: number;
  readonly userCount: number;
  readonly tenantId: string;
  readonly asOf: string;
  readonly profile: TenantProfile;
  readonly quarter: number;
  /**
   * The userRegistrationDetails row of user i (0 <= i < userCount), beta shape (includes defaultMfaMethod).
   * Pure function of (seed, profile, quarter, i).
   */
  user(i: number): UserRegistrationDetails;
  /**
   * Role template id by which the report counts user i as an admin: non-null exactly when isAdmin is true. A user
   * can hold a role with isAdmin false (eligible-only, report lag): see roleHoldingOf.
   */
  roleOf(i: number): string | null;
  /** How user i holds a directory role (kind, role, scope, group), or null; pure function of (seed, i). */
  roleHoldingOf(i: number): RoleHolding | null;
  /** The 22 built-in roles of graph-api.md §D.1 plus one custom role. */
  roleDefinitions(): SimRoleDefinition[];
  /** Active assignments as served by roleAssignments: service principals, groups, then users by index. */
  roleAssignments(): SimList<SimRoleAssignment>;
  /** PIM eligibility instances as served by roleEligibilityScheduleInstances: groups, then users by index. */
  roleEligibilities(): SimList<SimRoleEligibility>;
  /** The three role-assignable groups, with direct and transitive members (the third is nested in the first). */
  groups(): SimGroup[];
  /**
   * PIM for Groups eligibility instances (eligible members and owners of the groups managed by PIM), as served by
   * /identityGovernance/privilegedAccess/group/eligibilityScheduleInstances: per group, members then owners.
   */
  groupEligibilities(): SimList<SimGroupEligibility>;
  servicePrincipals(): SimServicePrincipal[];
  administrativeUnits(): SimAdministrativeUnit[];
  /**
   * Every user index holding at least one role of the set (active or eligible, direct or through nested groups or as
   * an eligible member through PIM for Groups, any scope), ascending, and the service principals that do. Computed from the generator, not the records.
   */
  privilegedHolders(roleIds: ReadonlySet<string>): { userIndexes: number[]; servicePrincipalIds: string[] };
  featureSummary(types: IncludedUserTypes, roles: IncludedUserRoles): UserRegistrationFeatureSummary;
  methodSummary(types: IncludedUserTypes, roles: IncludedUserRoles): UserRegistrationMethodSummary;
  credentialUserRegistrationCount(): CredentialUserRegistrationCount;
  readonly eventCount: number;
  /**
   * Event j of userEventsSummary / userCredentialUsageDetails, 0 <= j < eventCount; pure function of
   * (seed, profile, quarter, j). Each quarter has its own 30 days of events.
   */
  event(j: number): UserCredentialUsageDetails;
  /** Aggregated from the events inside the period (d1|d7|d30 before asOf): one row per (feature, authMethod). */
  registrationActivity(period: 'd1' | 'd7' | 'd30'): CredentialUsageSummary[];
  /** credentialUserRegistrationDetails row for user i (legacy report), consistent with user(i). */
  legacyCredentialRow(i: number): CredentialUserRegistrationDetails;
  /**
   * Conditional Access, authentication strengths, the authentication methods policy and security defaults, and the
   * groups the CA policies name (policies.ts); built on first use, then cached.
   */
  policies(): SimPolicies;
}

export const DEFAULT_AS_OF = '2026-11-01T00:00:00Z';
export const DEFAULT_SEED = 1;

/** The 9 roles of the reports' `privilegedAdmin` set (graph-api.md §5, ★ in §D.1). */
export const PRIVILEGED_ADMIN_ROLE_IDS: readonly string[] = [
  '62e90394-69f5-4237-9190-012177145e10', // Global Administrator
  '194ae4cb-b126-40b2-bd5b-6091b380977d', // Security Administrator
  'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', // Conditional Access Administrator
  '29232cdf-9323-42fd-ade2-1d097af3e4de', // Exchange Administrator
  'f28a1f50-f6e7-4571-818b-6a12f2af6b6c', // SharePoint Administrator
  '729827e3-9c14-49f7-bb1b-9608f156bbb8', // Helpdesk Administrator
  'b0f54661-2d74-4c50-afa3-1ec803f12efe', // Billing Administrator
  'fe930be7-5e62-47db-91af-98c3a49a38b1', // User Administrator
  'c4e39bd9-1100-46d3-8c65-fb160da0071f', // Authentication Administrator
];

/** Other built-in admin roles (graph-api.md §D.1): admins in the `admin` slice but not in `privilegedAdmin`. */
export const OTHER_ADMIN_ROLE_IDS: readonly string[] = [
  'e8611ab8-c189-46e8-94e1-60213ab1f814', // Privileged Role Administrator
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', // Privileged Authentication Administrator
  '0526716b-113d-4c15-b2c8-68e3c22b9f80', // Authentication Policy Administrator
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', // Application Administrator
  '158c047a-c907-4556-b7ef-446551a6b5f7', // Cloud Application Administrator
  '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2', // Hybrid Identity Administrator
  '3a2c62db-5318-420d-8d74-23affee5d9d5', // Intune Administrator
  '966707d0-3269-4727-9be2-8c3a10f19b9d', // Password Administrator
  '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f', // Security Operator
  '5d6b6bb7-de71-4623-b4af-96380a352509', // Security Reader
  'f2ef992c-3afb-46b9-b7cf-a126ee74c451', // Global Reader
  '4a5d8f65-41da-4de4-8968-e035b65339cf', // Reports Reader
  '9360feb5-f418-4baa-8175-e2a00bac4301', // Directory Writers
];

const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
const SECURITY_ADMINISTRATOR = '194ae4cb-b126-40b2-bd5b-6091b380977d';
const PRIVILEGED_SET = new Set(PRIVILEGED_ADMIN_ROLE_IDS);

/** A methodsRegistered token no documentation knows: the collector must keep it verbatim (graph-api.md §4). */
export const UNKNOWN_METHOD_TOKEN = 'futureQuantumKey';

/** Not MFA: SSPR-only methods and passwords (graph-api.md §D.3). Every other token, unknown ones included, is. */
const NON_MFA_TOKENS = new Set(['email', 'securityQuestion', 'password', 'appPassword']);
/**
 * What isPasswordlessCapable counts (§4, §D.3): FIDO2/passkeys, WHfB, Platform Credential, Authenticator
 * passwordless and CBA.
 */
const PASSWORDLESS_TOKENS = new Set([
  'fido2SecurityKey', 'passKeyDeviceBound', 'passKeyDeviceBoundAuthenticator', 'passKeyDeviceBoundWindowsHello',
  'passKeySynced', 'windowsHelloForBusiness', 'macOsSecureEnclaveKey', 'microsoftAuthenticatorPasswordless',
  'x509CertificateMultiFactor',
]);
/** Methods that can satisfy SSPR (§4 isSsprRegistered). */
const SSPR_TOKENS = new Set([
  'mobilePhone', 'alternateMobilePhone', 'officePhone', 'email', 'securityQuestion', 'microsoftAuthenticatorPush',
  'softwareOneTimePasscode',
]);

/** Canonical order of methodsRegistered, so a row is byte-stable; the unknown token sorts last. */
const TOKEN_ORDER = [
  'email', 'mobilePhone', 'alternateMobilePhone', 'officePhone', 'securityQuestion', 'microsoftAuthenticatorPush',
  'microsoftAuthenticatorPasswordless', 'softwareOneTimePasscode', 'hardwareOneTimePasscode', 'windowsHelloForBusiness',
  'fido2SecurityKey', 'passKeyDeviceBound', 'passKeyDeviceBoundAuthenticator', 'passKeyDeviceBoundWindowsHello',
  'passKeySynced', 'macOsSecureEnclaveKey', 'x509CertificateMultiFactor', 'temporaryAccessPass', 'externalAuthMethod',
  UNKNOWN_METHOD_TOKEN,
];
const TOKEN_RANK = new Map(TOKEN_ORDER.map((t, k) => [t, k]));

export interface SpecialUser {
  index: number;
  why: string;
  displayName: string;
  /** ASCII UPN stem; the UPN is `<stem>.<index>@contoso-sim.example` (guests: the #EXT# form). */
  upnStem: string;
  userType: 'member' | 'guest';
  role: string | null;
  methods: readonly string[];
}

/**
 * Fixed users at small indices (present when index < userCount): hostile display names for every output format,
 * and the admin/phone-only cases the checks must find. Their policy flags are fixed too (MFA allowed), so each
 * one is the exact case named, and they obey the same invariants as every other row.
 */
export const SPECIAL_USERS: readonly SpecialUser[] = [
  { index: 7, why: 'Global Administrator with no MFA method; HTML-injection display name',
    displayName: '<img src=x onerror=alert(1)>', upnStem: 'no.mfa.admin', userType: 'member',
    role: GLOBAL_ADMINISTRATOR, methods: [] },
  { index: 13, why: 'member whose only MFA method is mobilePhone; spreadsheet-formula display name',
    displayName: '=HYPERLINK("http://evil.example","click")', upnStem: 'phone.only', userType: 'member',
    role: null, methods: ['mobilePhone'] },
  { index: 21, why: 'Security Administrator with phone-only methods; spreadsheet-formula display name',
    displayName: '+SUM(1,2)', upnStem: 'phone.admin', userType: 'member', role: SECURITY_ADMINISTRATOR,
    methods: ['mobilePhone', 'officePhone'] },
  { index: 34, why: 'member whose display name has a right-to-left override and a zero-width space',
    displayName: 'Invoice\u200B Mallory \u202Egnp.exe', upnStem: 'bidi.name', userType: 'member', role: null,
    methods: ['microsoftAuthenticatorPush', 'softwareOneTimePasscode'] },
  { index: 55, why: 'guest whose display name has @, double quotes and a comma',
    displayName: '@guest "quoted", comma', upnStem: 'quoted.guest', userType: 'guest', role: null,
    methods: ['email', 'mobilePhone'] },
];
const SPECIAL_BY_INDEX = new Map(SPECIAL_USERS.map((s) => [s.index, s]));
const ROLE_SPECIAL_BY_INDEX = new Map<number, RoleSpecial>(ROLE_SPECIALS.map((s) => [s.index, s]));

/**
 * Role holders among the drawn admins (isAdmin true before this split; ≈ 1 % of members). Cumulative shares:
 * 7.5 % eligible-only and reported as admin, 7.5 % eligible-only and not reported, 10 % only through a group,
 * 5 % at administrative-unit scope, the rest active at tenant scope (10 % of those also eligible for a second role).
 */
const HOLDING_SHARES = { eligibleReported: 0.075, eligibleUnreported: 0.15, group: 0.25, administrativeUnit: 0.3 };
/**
 * The fixed PIM-for-Groups-only user: the first plain member (no role, no special, isAdmin false) at or after this
 * index becomes an eligible member of PIM_ONLY_GROUP that the report does not flag. A plain member keeps exactly the
 * row it had (typical profile): only the role data (and the PIM-for-Groups route) know about the eligibility.
 */
const PIM_ONLY_FROM = 22;
/** Non-admin members whose adminDraw falls in [0.013, 0.0133) (≈ 0.03 %) hold an active role the report misses. */
const REPORT_LAG_BAND = 0.0133;

/** The first draws of the user-core stream: type and admin band. Shared by core() and the cheap holder scan. */
interface BaseDraw {
  userType: string | null;
  band: 'admin' | 'null' | 'lag' | 'none';
  /** Drawn role of the 'admin' band. */
  role: string | null;
}

function baseDraw(rng: Rng): BaseDraw {
  const typeDraw = rng();
  // ~8 % guests; ~1 % null and a few unknownFutureValue, which the tool counts as members (§4 signInUserType).
  const userType: string | null =
    typeDraw < 0.08 ? 'guest' : typeDraw < 0.09 ? null : typeDraw < 0.093 ? 'unknownFutureValue' : 'member';
  const adminDraw = rng();
  if (userType === 'guest') return { userType, band: 'none', role: null };
  if (adminDraw < 0.011) {
    const role = rng() < 0.8 ? pick(rng, PRIVILEGED_ADMIN_ROLE_IDS) : pick(rng, OTHER_ADMIN_ROLE_IDS);
    return { userType, band: 'admin', role };
  }
  // isAdmin is nullable in the CSDL (§4): readers must not take null for true.
  if (adminDraw < 0.013) return { userType, band: 'null', role: null };
  if (adminDraw < REPORT_LAG_BAND) return { userType, band: 'lag', role: null };
  return { userType, band: 'none', role: null };
}

const UPN_DOMAIN = 'contoso-sim.example';
const GUEST_HOME_DOMAIN = 'fabrikam.example';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type MethodProfile = 'none' | 'nonMfa' | 'phoneOnly' | 'standard' | 'passwordless' | 'phishingResistant';

/** Shares (percent) of method profiles for non-admins: ~3 % none, ~6.5 % phone-only, ~15 % passwordless. */
const USER_PROFILES: readonly (readonly [MethodProfile, number])[] = [
  ['none', 3], ['nonMfa', 2.5], ['phoneOnly', 6.5], ['standard', 73], ['passwordless', 15],
];
/** Admins: ~35 % without a phishing-resistant method, some of them with no MFA at all. */
const ADMIN_PROFILES: readonly (readonly [MethodProfile, number])[] = [
  ['none', 5], ['phoneOnly', 8], ['standard', 22], ['phishingResistant', 65],
];
const PASSWORDLESS_PICKS: readonly (readonly [string, number])[] = [
  ['windowsHelloForBusiness', 30], ['passKeyDeviceBoundAuthenticator', 18], ['microsoftAuthenticatorPasswordless', 18],
  ['fido2SecurityKey', 10], ['passKeySynced', 8], ['passKeyDeviceBound', 5], ['passKeyDeviceBoundWindowsHello', 4],
  ['macOsSecureEnclaveKey', 4], ['x509CertificateMultiFactor', 3],
];
/** Phishing-resistant only (§D.3): Authenticator passwordless is phishable, so it is not here. */
const PHISHING_RESISTANT_PICKS: readonly (readonly [string, number])[] = [
  ['fido2SecurityKey', 25], ['windowsHelloForBusiness', 20], ['passKeyDeviceBoundAuthenticator', 20],
  ['x509CertificateMultiFactor', 10], ['passKeyDeviceBound', 10], ['passKeyDeviceBoundWindowsHello', 5],
  ['passKeySynced', 5], ['macOsSecureEnclaveKey', 5],
];
const PHONE_PICKS: readonly (readonly [string, number])[] = [
  ['mobilePhone', 85], ['officePhone', 10], ['alternateMobilePhone', 5],
];

/** What a profile draws. The draws happen in the same order for every profile; only these numbers differ. */
interface ProfileParams {
  /** Method profiles of members and guests who hold no role. */
  users: readonly (readonly [MethodProfile, number])[];
  /** Guests, when they differ from `users`. */
  guests?: readonly (readonly [MethodProfile, number])[];
  /** Role holders (see `adminsBy`). */
  admins: readonly (readonly [MethodProfile, number])[];
  /**
   * Who draws from `admins`: 'band' = the users the report flags (the drawn admin band; report-lag holders look like
   * users, as in the typical tenant); 'holding' = everyone holding a directory role in any way.
   */
  adminsBy: 'band' | 'holding';
  /** Share whose registered MFA the policy blocks ("registered but not capable"), users and admins. */
  mfaBlocked: number;
  passwordlessBlocked: number;
  /** isSystemPreferredAuthenticationMethodEnabled: true below the first, false below the second, else null. */
  systemPreferred: readonly [number, number];
  /** Share with SSPR enabled by policy (admins always are). */
  ssprEnabled: number;
  /** Share of users with the undocumented method token, among users drawing everyday methods. */
  unknownToken: number;
  /** Share of report rows last refreshed more than 30 days before asOf. */
  stale: number;
  /** Share of successful registration and reset events. */
  eventSuccess: number;
  /** Whether SPECIAL_USERS keep their fixed methods (the exact cases the checks must find). */
  fixedSpecials: boolean;
}

/**
 * typical: the shares quoted above (USER_PROFILES, ADMIN_PROFILES). clean: ≈ 99.5 % of members MFA capable, ≈ 68 %
 * with a phishing-resistant method, ≈ 69 % passwordless capable, no phone-only member, every role holder with a
 * phishing-resistant method and MFA capable, nobody registered but blocked, system-preferred MFA on and SSPR enabled
 * and registered for everyone, 0.5 % stale rows, no unknown token; the special users draw like everyone else.
 * poor: ≈ 70 % of members MFA capable, ≈ 2 % phishing-resistant, 15 % phone-only, about half the admins not MFA
 * capable, system-preferred MFA on for 55 %, 8 % stale rows, one event in five failing.
 */
const PROFILES: Record<TenantProfile, ProfileParams> = {
  typical: {
    users: USER_PROFILES,
    admins: ADMIN_PROFILES,
    adminsBy: 'band',
    mfaBlocked: 0.04,
    passwordlessBlocked: 0.05,
    systemPreferred: [0.85, 0.95],
    ssprEnabled: 0.8,
    unknownToken: 0.006,
    stale: 0.03,
    eventSuccess: 0.9,
    fixedSpecials: true,
  },
  clean: {
    users: [['nonMfa', 0.5], ['standard', 29.5], ['passwordless', 15], ['phishingResistant', 55]],
    guests: [['standard', 85], ['passwordless', 15]],
    admins: [['phishingResistant', 100]],
    adminsBy: 'holding',
    mfaBlocked: 0,
    passwordlessBlocked: 0.02,
    systemPreferred: [1, 1],
    ssprEnabled: 1,
    unknownToken: 0,
    stale: 0.005,
    eventSuccess: 0.97,
    fixedSpecials: false,
  },
  poor: {
    users: [['none', 14], ['nonMfa', 11], ['phoneOnly', 15], ['standard', 57.5], ['passwordless', 2.5]],
    admins: [['none', 45], ['nonMfa', 5], ['phoneOnly', 15], ['standard', 30], ['phishingResistant', 5]],
    adminsBy: 'holding',
    mfaBlocked: 0.06,
    passwordlessBlocked: 0.1,
    systemPreferred: [0.55, 0.85],
    ssprEnabled: 0.6,
    unknownToken: 0.006,
    stale: 0.08,
    eventSuccess: 0.8,
    fixedSpecials: true,
  },
};

/**
 * One quarter's improvement, per user, drawn from the user's own stream for that quarter. Each rule only adds a
 * method or lifts a restriction, so a quarter never undoes an earlier one (monotonic).
 */
const QUARTER_STEP = {
  /** No MFA method → registers the Authenticator app (sometimes with a TOTP code). */
  gainMfa: 0.3,
  /** Phone is the only MFA method → adds the Authenticator app. */
  leavePhoneOnly: 0.35,
  /** Role holder without a phishing-resistant method → registers one (mostly passkeys). */
  adminGainsPhishingResistant: 0.5,
  /** Anyone else without a passwordless method → registers one. */
  gainPasswordless: 0.1,
  /** The policy blocking a user's registered MFA / passwordless method is lifted. */
  unblockMfa: 0.5,
  unblockPasswordless: 0.3,
  /** System-preferred MFA off or unset → on. */
  enableSystemPreferred: 0.4,
  /** SSPR not enabled → enabled. */
  enableSspr: 0.3,
} as const;
/** Passkeys first: what an admin-hardening campaign hands out. */
const ADMIN_PASSKEY_PICKS: readonly (readonly [string, number])[] = [
  ['passKeyDeviceBoundAuthenticator', 45], ['fido2SecurityKey', 30], ['windowsHelloForBusiness', 15],
  ['passKeyDeviceBound', 10],
];

/** The part of a user that the aggregates need: no names, no dates. */
interface CoreUser {
  userType: string | null;
  isAdmin: boolean | null;
  role: string | null;
  methods: string[];
  isMfaRegistered: boolean;
  isMfaCapable: boolean;
  isPasswordlessCapable: boolean;
  isSsprEnabled: boolean;
  isSsprRegistered: boolean;
  isSsprCapable: boolean;
  isSystemPreferredAuthenticationMethodEnabled: boolean | null;
}

/** Adds `token` with probability p. A plain function, not a closure per call: rows are generated by the million. */
function maybeAdd(rng: Rng, out: Set<string>, token: string, p: number): void {
  if (rng() < p) out.add(token);
}

function drawMethods(rng: Rng, profile: MethodProfile, unknownToken: number): Set<string> {
  const out = new Set<string>();
  switch (profile) {
    case 'none':
      break;
    case 'nonMfa':
      maybeAdd(rng, out, 'email', 0.8);
      maybeAdd(rng, out, 'securityQuestion', 0.4);
      if (out.size === 0) out.add('email');
      break;
    case 'phoneOnly':
      out.add(weighted(rng, PHONE_PICKS));
      maybeAdd(rng, out, 'alternateMobilePhone', 0.15);
      maybeAdd(rng, out, 'officePhone', 0.1);
      maybeAdd(rng, out, 'email', 0.4);
      maybeAdd(rng, out, 'securityQuestion', 0.05);
      break;
    case 'passwordless':
    case 'phishingResistant': {
      const picks = profile === 'passwordless' ? PASSWORDLESS_PICKS : PHISHING_RESISTANT_PICKS;
      out.add(weighted(rng, picks));
      if (rng() < 0.15) out.add(weighted(rng, picks));
      drawEverydayMethods(rng, out, unknownToken);
      break;
    }
    case 'standard':
      drawEverydayMethods(rng, out, unknownToken);
      break;
  }
  return out;
}

const byTokenRank = (a: string, b: string): number => (TOKEN_RANK.get(a) ?? 0) - (TOKEN_RANK.get(b) ?? 0);

/** The Authenticator app plus the usual companions; never phone-only, so the phone-only share stays its profile's. */
function drawEverydayMethods(rng: Rng, out: Set<string>, unknownToken: number): void {
  out.add(rng() < 0.8 ? 'microsoftAuthenticatorPush' : 'softwareOneTimePasscode');
  maybeAdd(rng, out, 'softwareOneTimePasscode', 0.35);
  maybeAdd(rng, out, 'mobilePhone', 0.6);
  maybeAdd(rng, out, 'alternateMobilePhone', 0.05);
  maybeAdd(rng, out, 'officePhone', 0.05);
  maybeAdd(rng, out, 'email', 0.3);
  maybeAdd(rng, out, 'securityQuestion', 0.05);
  maybeAdd(rng, out, 'hardwareOneTimePasscode', 0.02);
  maybeAdd(rng, out, 'temporaryAccessPass', 0.01);
  maybeAdd(rng, out, 'externalAuthMethod', 0.01);
  maybeAdd(rng, out, UNKNOWN_METHOD_TOKEN, unknownToken);
}

const PHONE_TOKENS = new Set(['mobilePhone', 'alternateMobilePhone', 'officePhone']);
const PHISHING_RESISTANT_TOKENS = new Set([...PASSWORDLESS_TOKENS].filter((t) => t !== 'microsoftAuthenticatorPasswordless'));

/** A user's registration before the flags are derived: what a quarter's improvement works on. */
interface RegistrationState {
  methods: Set<string>;
  mfaBlocked: boolean;
  passwordlessBlocked: boolean;
  systemPreferred: boolean | null;
  ssprEnabled: boolean;
}

/**
 * One quarter of improvement for one user (QUARTER_STEP). The draws are made in a fixed order whether or not a
 * rule applies, so a user's later quarters do not depend on which rules fired earlier, only on the state.
 */
function improveOneQuarter(rng: Rng, state: RegistrationState, holdsRole: boolean): void {
  const { methods } = state;
  const gainMfa = rng() < QUARTER_STEP.gainMfa;
  const withCode = rng() < 0.35;
  const leavePhoneOnly = rng() < QUARTER_STEP.leavePhoneOnly;
  const gainPhishingResistant = rng() < QUARTER_STEP.adminGainsPhishingResistant;
  const passkey = weighted(rng, ADMIN_PASSKEY_PICKS);
  const gainPasswordless = rng() < QUARTER_STEP.gainPasswordless;
  const passwordless = weighted(rng, PASSWORDLESS_PICKS);
  const unblockMfa = rng() < QUARTER_STEP.unblockMfa;
  const unblockPasswordless = rng() < QUARTER_STEP.unblockPasswordless;
  const enableSystemPreferred = rng() < QUARTER_STEP.enableSystemPreferred;
  const enableSspr = rng() < QUARTER_STEP.enableSspr;

  let mfa = 0;
  let phones = 0;
  let phishingResistant = false;
  let hasPasswordless = false;
  for (const t of methods) {
    if (NON_MFA_TOKENS.has(t)) continue;
    mfa++;
    if (PHONE_TOKENS.has(t)) phones++;
    if (PHISHING_RESISTANT_TOKENS.has(t)) phishingResistant = true;
    if (PASSWORDLESS_TOKENS.has(t)) hasPasswordless = true;
  }
  if (mfa === 0 && gainMfa) {
    methods.add('microsoftAuthenticatorPush');
    if (withCode) methods.add('softwareOneTimePasscode');
  } else if (mfa > 0 && phones === mfa && leavePhoneOnly) {
    methods.add('microsoftAuthenticatorPush');
  }
  if (holdsRole) {
    if (!phishingResistant && gainPhishingResistant) methods.add(passkey);
  } else if (!hasPasswordless && gainPasswordless) {
    methods.add(passwordless);
  }
  if (state.mfaBlocked && unblockMfa) state.mfaBlocked = false;
  if (state.passwordlessBlocked && unblockPasswordless) state.passwordlessBlocked = false;
  if (state.systemPreferred !== true && enableSystemPreferred) state.systemPreferred = true;
  if (!state.ssprEnabled && enableSspr) state.ssprEnabled = true;
}

/** Flags derived from methods and policy, with the report's invariants (§4): capable ⇒ registered, etc. */
function deriveFlags(
  methods: readonly string[],
  policy: { mfaBlocked: boolean; passwordlessBlocked: boolean; ssprEnabled: boolean },
): Omit<CoreUser, 'userType' | 'isAdmin' | 'role' | 'methods' | 'isSystemPreferredAuthenticationMethodEnabled'> {
  const isMfaRegistered = methods.some((t) => !NON_MFA_TOKENS.has(t));
  const isMfaCapable = isMfaRegistered && !policy.mfaBlocked;
  const isPasswordlessCapable =
    isMfaCapable && !policy.passwordlessBlocked && methods.some((t) => PASSWORDLESS_TOKENS.has(t));
  const isSsprRegistered = methods.some((t) => SSPR_TOKENS.has(t));
  return {
    isMfaRegistered,
    isMfaCapable,
    isPasswordlessCapable,
    isSsprEnabled: policy.ssprEnabled,
    isSsprRegistered,
    isSsprCapable: policy.ssprEnabled && isSsprRegistered,
  };
}

/**
 * userPreferredMethodForSecondaryAuthentication (userDefaultAuthenticationMethod) and the beta defaultMfaMethod
 * (defaultMfaMethodType) each method maps to (§4 enums). Phishing-resistant-only users have no value in either.
 */
const SECONDARY_CHOICES: readonly (readonly [token: string, preferred: readonly string[], defaultMfa: string])[] = [
  ['microsoftAuthenticatorPush', ['push'], 'microsoftAuthenticatorPush'],
  ['microsoftAuthenticatorPasswordless', ['push'], 'microsoftAuthenticatorPush'],
  ['softwareOneTimePasscode', ['oath'], 'softwareOneTimePasscode'],
  ['hardwareOneTimePasscode', ['oath'], 'softwareOneTimePasscode'],
  ['mobilePhone', ['sms', 'sms', 'voiceMobile'], 'mobilePhone'],
  ['alternateMobilePhone', ['voiceAlternateMobile'], 'alternateMobilePhone'],
  ['officePhone', ['voiceOffice'], 'officePhone'],
];
/** System-preferred MFA picks the strongest available, in this order (documented enum values only). */
const SYSTEM_PREFERRED_ORDER: readonly (readonly [token: string, value: string])[] = [
  ['microsoftAuthenticatorPush', 'push'], ['microsoftAuthenticatorPasswordless', 'push'],
  ['softwareOneTimePasscode', 'oath'], ['hardwareOneTimePasscode', 'oath'], ['mobilePhone', 'sms'],
  ['alternateMobilePhone', 'voiceAlternateMobile'], ['officePhone', 'voiceOffice'],
];
/** The three spellings of "no method" seen in the report (§4): every collector must treat them alike. */
const NO_METHOD_FORMS: readonly (string | null)[] = ['', null, 'none'];

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

/** registrationAuthMethod of the legacy report (§7) for each methodsRegistered token; absent = no legacy value. */
const LEGACY_AUTH_METHOD: Record<string, string> = {
  email: 'email', mobilePhone: 'mobilePhone', officePhone: 'officePhone', securityQuestion: 'securityQuestion',
  microsoftAuthenticatorPush: 'appNotification', microsoftAuthenticatorPasswordless: 'appNotification',
  softwareOneTimePasscode: 'appCode', hardwareOneTimePasscode: 'appCode', alternateMobilePhone: 'alternateMobilePhone',
  fido2SecurityKey: 'fido', passKeyDeviceBound: 'fido', passKeyDeviceBoundAuthenticator: 'fido',
  passKeyDeviceBoundWindowsHello: 'fido', passKeySynced: 'fido', [UNKNOWN_METHOD_TOKEN]: 'unknownFutureValue',
};
const LEGACY_ORDER = [
  'email', 'mobilePhone', 'officePhone', 'securityQuestion', 'appNotification', 'appCode', 'alternateMobilePhone',
  'fido', 'appPassword', 'unknownFutureValue',
];

const PERIOD_DAYS = { d1: 1, d7: 7, d30: 30 } as const;
const FEATURES = ['ssprRegistered', 'ssprEnabled', 'ssprCapable', 'passwordlessCapable', 'mfaCapable'] as const;

interface SliceCounts {
  total: number;
  features: Record<(typeof FEATURES)[number], number>;
  methods: Map<string, number>;
}

interface Aggregates {
  slices: Map<string, SliceCounts>;
  mfaRegistered: number;
}

/** An ISO date-time without fraction when whole seconds, as DEFAULT_AS_OF is written. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, k) => String(k).padStart(2, '0'));
/** `YYYY-MM-DDT` by day number since 1970: report rows of one tenant fall on a few hundred days. */
const DAY_PREFIX = new Map<number, string>();

/**
 * Graph writes 7 fractional digits (e.g. 2023-03-13T19:15:41.6195833Z, §4): so does the simulator. Equal to
 * `new Date(ms).toISOString()` with the ticks appended, without a Date per row (it was a sixth of a row's cost).
 */
function graphTimestamp(ms: number, ticks: number): string {
  const day = Math.floor(ms / DAY);
  let prefix = DAY_PREFIX.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY).toISOString().slice(0, 11);
    if (DAY_PREFIX.size < 10_000) DAY_PREFIX.set(day, prefix);
  }
  let rest = ms - day * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${prefix}${TWO_DIGITS[hours] ?? ''}:${TWO_DIGITS[minutes] ?? ''}:${TWO_DIGITS[seconds] ?? ''}.${String(millis).padStart(3, '0')}${String(ticks).padStart(4, '0')}Z`;
}

/** A holding at tenant scope, not through a group. (A module function: holdingFor runs once per generated row.) */
function plain(kind: RoleHolding['kind'], roleId: string, reportedAsAdmin: boolean): RoleHolding {
  return { kind, roleId, directoryScopeId: '/', groupId: null, extraEligibleRoleId: null, reportedAsAdmin };
}

const sliceKey = (types: IncludedUserTypes, roles: IncludedUserRoles): string => `${types}/${roles}`;

function assertSlice(types: IncludedUserTypes, roles: IncludedUserRoles): void {
  if (!INCLUDED_USER_TYPES.includes(types)) throw new RangeError(`unknown includedUserTypes '${String(types)}'`);
  if (!INCLUDED_USER_ROLES.includes(roles)) throw new RangeError(`unknown includedUserRoles '${String(roles)}'`);
}

export function createTenant(opts: SimTenantOptions): SimTenant {
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 4294967295], got ${String(opts.seed)}`);
  }
  const userCount = opts.users;
  // The id scheme is a bijection on uint32 indices; far below that, 50 M rows is already days of paging.
  if (!Number.isInteger(userCount) || userCount < 0 || userCount > 50_000_000) {
    throw new RangeError(`users must be an integer in [0, 50000000], got ${String(opts.users)}`);
  }
  const profile = opts.profile ?? 'typical';
  if (!TENANT_PROFILES.includes(profile)) {
    throw new RangeError(`unknown profile '${String(opts.profile)}' (expected ${TENANT_PROFILES.join(', ')})`);
  }
  const params = PROFILES[profile];
  const quarter = opts.quarter ?? 0;
  if (!Number.isInteger(quarter) || quarter < 0 || quarter > MAX_QUARTER) {
    throw new RangeError(`quarter must be an integer in [0, ${MAX_QUARTER}], got ${String(opts.quarter)}`);
  }
  const asOf = opts.asOf ?? (quarter === 0 ? DEFAULT_AS_OF : isoSeconds(Date.parse(DEFAULT_AS_OF) + quarter * QUARTER_DAYS * DAY));
  const asOfMs = Date.parse(asOf);
  if (Number.isNaN(asOfMs)) throw new RangeError(`asOf is not an ISO date-time: '${asOf}'`);

  const keys = {
    core: streamKey(seed, 'user-core'),
    detail: streamKey(seed, 'user-detail'),
    userId: streamKey(seed, 'user-id'),
    // Each quarter has its own 30 days of activity; quarter 0 keeps the original streams.
    event: streamKey(seed, quarter === 0 ? 'event' : `event-q${quarter}`),
    eventId: streamKey(seed, quarter === 0 ? 'event-id' : `event-id-q${quarter}`),
    roleClass: streamKey(seed, 'role-class'),
    lagRole: streamKey(seed, 'report-lag-role'),
  };
  /** The improvement stream of each quarter after the baseline (QUARTER_STEP). */
  const quarterKeys = Array.from({ length: quarter }, (_, q) => streamKey(seed, `quarter-${q + 1}`));
  const tenantId = opts.tenantId ?? uuidFor(streamKey(seed, 'tenant'), 0);
  const eventCount = userCount === 0 ? 0 : Math.max(20, Math.round(userCount * 0.3));

  const checkIndex = (i: number, count: number, what: string): void => {
    if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`${what} index ${i} out of [0, ${count})`);
  };

  const ids = roleIds(seed);

  function auScope(k: number): string {
    return `/administrativeUnits/${ids.administrativeUnitIds[k] ?? ''}`;
  }

  /** The index of the fixed PIM-for-Groups-only user (see PIM_ONLY_FROM), -1 if the tenant has none. */
  let pimOnly: number | undefined;
  function pimOnlyIndex(): number {
    if (pimOnly !== undefined) return pimOnly;
    pimOnly = -1;
    for (let i = PIM_ONLY_FROM; i < userCount; i++) {
      if (ROLE_SPECIAL_BY_INDEX.has(i) || SPECIAL_BY_INDEX.has(i)) continue;
      const base = baseDraw(rngFor(keys.core, i));
      if (base.userType === 'member' && base.band === 'none') {
        pimOnly = i;
        break;
      }
    }
    return pimOnly;
  }

  /** How user i holds a role, from its base draw and the role-class stream; specials first. */
  function holdingFor(i: number, base: BaseDraw): RoleHolding | null {
    const roleSpecial = ROLE_SPECIAL_BY_INDEX.get(i);
    if (roleSpecial) {
      const h = plain(roleSpecial.kind, roleSpecial.roleId,
        roleSpecial.kind !== 'eligibleUnreported' && roleSpecial.kind !== 'reportLag');
      if (roleSpecial.group !== undefined) h.groupId = ids.groupIds[roleSpecial.group] ?? null;
      if (roleSpecial.administrativeUnit !== undefined) h.directoryScopeId = auScope(roleSpecial.administrativeUnit);
      return h;
    }
    const special = SPECIAL_BY_INDEX.get(i);
    if (special) return special.role === null ? null : plain('active', special.role, true);
    if (i === pimOnlyIndex()) {
      const blueprint = GROUP_BLUEPRINTS[PIM_ONLY_GROUP];
      const roleId = blueprint?.activeRoleIds[0] ?? blueprint?.eligibleRoleIds[0] ?? ROLE.securityAdministrator;
      return { ...plain('groupEligible', roleId, false), groupId: ids.groupIds[PIM_ONLY_GROUP] ?? null };
    }
    if (base.band === 'lag') {
      const rng = rngFor(keys.lagRole, i);
      const r = rng();
      const roleId = r < 0.5 ? pick(rng, PRIVILEGED_ADMIN_ROLE_IDS) : r < 0.75 ? ROLE.reportsReader : ids.customRoleId;
      return plain('reportLag', roleId, false);
    }
    if (base.band !== 'admin' || base.role === null) return null;
    const rng = rngFor(keys.roleClass, i);
    const r = rng();
    if (r < HOLDING_SHARES.eligibleReported) return plain('eligibleReported', base.role, true);
    if (r < HOLDING_SHARES.eligibleUnreported) return plain('eligibleUnreported', base.role, false);
    if (r < HOLDING_SHARES.group) {
      const g = weighted(rng, GROUP_WEIGHTS);
      const blueprint = GROUP_BLUEPRINTS[g];
      const roleId = blueprint?.activeRoleIds[0] ?? blueprint?.eligibleRoleIds[0] ?? base.role;
      // Groups managed by PIM for Groups: some holders are eligible members instead of members (a later draw of
      // the same stream, so the group and role above do not change).
      const kind = blueprint?.pimForGroups === true && rng() < PIM_GROUP_ELIGIBLE_SHARE ? 'groupEligible' : 'group';
      return { ...plain(kind, roleId, true), groupId: ids.groupIds[g] ?? null };
    }
    if (r < HOLDING_SHARES.administrativeUnit) {
      const roleId = pick(rng, AU_SCOPABLE_ROLE_IDS);
      return { ...plain('administrativeUnit', roleId, true), directoryScopeId: auScope(Math.floor(rng() * 2)) };
    }
    const h = plain('active', base.role, true);
    if (rng() < 0.1) {
      const extra = pick(rng, EXTRA_ELIGIBLE_ROLE_IDS);
      h.extraEligibleRoleId = extra !== base.role ? extra : ROLE.globalReader === base.role ? ROLE.securityReader : ROLE.globalReader;
    }
    return h;
  }

  /** userType of user i: the first draw of the core stream, or the special's. Cheap: no methods are drawn. */
  function userTypeOf(i: number): string | null {
    const special = SPECIAL_BY_INDEX.get(i);
    if (special) return special.userType;
    if (ROLE_SPECIAL_BY_INDEX.has(i)) return 'member';
    return baseDraw(rngFor(keys.core, i)).userType;
  }

  function core(i: number): CoreUser {
    const rng = rngFor(keys.core, i);
    const base = baseDraw(rng);
    let userType = base.userType;
    const holding = holdingFor(i, base);
    const special = SPECIAL_BY_INDEX.get(i);
    if (special) userType = special.userType;
    if (ROLE_SPECIAL_BY_INDEX.has(i)) userType = 'member';
    // typical: methods follow the drawn admin band, so an eligible-only admin the report misses still looks like an
    // admin, and a report-lag holder like a user. The other profiles go by the holding itself.
    const admin = params.adminsBy === 'band' ? base.band === 'admin' : holding !== null;
    const table = admin ? params.admins : userType === 'guest' ? (params.guests ?? params.users) : params.users;
    const state: RegistrationState = {
      methods: drawMethods(rng, weighted(rng, table), params.unknownToken),
      // "Registered but not capable" (§4): the authentication methods policy blocks what the user registered.
      mfaBlocked: rng() < params.mfaBlocked,
      passwordlessBlocked: rng() < params.passwordlessBlocked,
      systemPreferred: null,
      ssprEnabled: false,
    };
    const systemPreferredDraw = rng();
    const ssprPolicyDraw = rng();

    let isAdmin: boolean | null = holding ? holding.reportedAsAdmin : base.band === 'null' ? null : false;
    if (special) {
      isAdmin = special.role !== null;
      if (params.fixedSpecials) {
        state.methods = new Set(special.methods);
        state.mfaBlocked = false;
        state.passwordlessBlocked = false;
      }
    }
    const [preferredTrue, preferredFalse] = params.systemPreferred;
    state.systemPreferred =
      systemPreferredDraw < preferredTrue ? true : systemPreferredDraw < preferredFalse ? false : null;
    // Admins always have SSPR enabled: Entra applies its own SSPR policy to admin roles.
    state.ssprEnabled = isAdmin === true || ssprPolicyDraw < params.ssprEnabled;
    for (let q = 1; q <= quarter; q++) improveOneQuarter(rngFor(quarterKeys[q - 1] ?? 0, i), state, holding !== null);

    const methods = [...state.methods].sort(byTokenRank);
    return {
      userType,
      isAdmin,
      role: isAdmin === true && holding ? holding.roleId : null,
      methods,
      ...deriveFlags(methods, state),
      isSystemPreferredAuthenticationMethodEnabled: state.systemPreferred,
    };
  }

  function roleHoldingOf(i: number): RoleHolding | null {
    return holdingFor(i, baseDraw(rngFor(keys.core, i)));
  }

  /**
   * Built on first use: one pass over the first draws of every user (no names, no methods) collects the holder
   * indices, ≈ 1 % of users; everything else is regenerated per record.
   */
  let roleModel: RoleModel | undefined;
  function roles(): RoleModel {
    if (roleModel) return roleModel;
    const found: number[] = [];
    for (let i = 0; i < userCount; i++) {
      if (ROLE_SPECIAL_BY_INDEX.has(i) || SPECIAL_BY_INDEX.get(i)?.role || i === pimOnlyIndex()) {
        found.push(i);
        continue;
      }
      const band = baseDraw(rngFor(keys.core, i)).band;
      if (band === 'admin' || band === 'lag') found.push(i);
    }
    roleModel = buildRoleModel({
      seed,
      asOfMs,
      holders: Int32Array.from(found),
      holding: roleHoldingOf,
      userPrincipal: (i): SimPrincipal => {
        const who = identity(i, rngFor(keys.detail, i), userTypeOf(i) === 'guest');
        return {
          type: 'user',
          id: uuidFor(keys.userId, i),
          displayName: who.displayName,
          userPrincipalName: who.upn,
          userIndex: i,
        };
      },
    });
    return roleModel;
  }

  /** Name and UPN of user i: the first draws of the detail stream, shared by user(i) and the events. */
  function identity(i: number, rng: Rng, guest: boolean): { displayName: string; upn: string } {
    const special = SPECIAL_BY_INDEX.get(i);
    const generated = syntheticName(rng);
    const stem = `${special?.upnStem ?? generated.asciiStem}.${i}`;
    return {
      displayName: special?.displayName ?? generated.displayName,
      // Guests carry their home UPN in the #EXT# form, as in real tenants (and '#' tests every URL/CSV writer).
      upn: guest ? `${stem}_${GUEST_HOME_DOMAIN}#EXT#@${UPN_DOMAIN}` : `${stem}@${UPN_DOMAIN}`,
    };
  }

  function user(i: number): UserRegistrationDetails {
    checkIndex(i, userCount, 'user');
    const c = core(i);
    const rng = rngFor(keys.detail, i);
    const who = identity(i, rng, c.userType === 'guest');

    const choices = SECONDARY_CHOICES.filter(([token]) => c.methods.includes(token));
    let preferred: string | null;
    let defaultMfa: string | null;
    const choice = choices.length > 0 ? pick(rng, choices) : undefined;
    if (choice) {
      preferred = pick(rng, choice[1]);
      defaultMfa = choice[2];
    } else {
      // Cycle the three "none" spellings independently, so every combination of the two fields occurs.
      preferred = NO_METHOD_FORMS[i % 3] ?? null;
      defaultMfa = NO_METHOD_FORMS[Math.floor(i / 3) % 3] ?? null;
    }
    const systemPreferred = SYSTEM_PREFERRED_ORDER.find(([token]) => c.methods.includes(token));

    // Report rows are refreshed every few hours to days; ~3 % (typical) are stale by more than 30 days.
    const age = rng() < params.stale ? 31 * DAY + rng() * 90 * DAY : 2 * HOUR + rng() * (4 * DAY - 2 * HOUR);
    const lastUpdatedDateTime = graphTimestamp(Math.floor(asOfMs - age), Math.floor(rng() * 10_000));

    return {
      id: uuidFor(keys.userId, i),
      userPrincipalName: who.upn,
      userDisplayName: who.displayName,
      userType: c.userType,
      isAdmin: c.isAdmin,
      isSsprRegistered: c.isSsprRegistered,
      isSsprEnabled: c.isSsprEnabled,
      isSsprCapable: c.isSsprCapable,
      isMfaRegistered: c.isMfaRegistered,
      isMfaCapable: c.isMfaCapable,
      isPasswordlessCapable: c.isPasswordlessCapable,
      isSystemPreferredAuthenticationMethodEnabled: c.isSystemPreferredAuthenticationMethodEnabled,
      methodsRegistered: c.methods,
      systemPreferredAuthenticationMethods: systemPreferred ? [systemPreferred[1]] : [],
      userPreferredMethodForSecondaryAuthentication: preferred,
      defaultMfaMethod: defaultMfa,
      lastUpdatedDateTime,
    };
  }

  let aggregates: Aggregates | undefined;
  function aggregate(): Aggregates {
    if (aggregates) return aggregates;
    const slices = new Map<string, SliceCounts>();
    for (const t of INCLUDED_USER_TYPES) {
      for (const r of INCLUDED_USER_ROLES) {
        slices.set(sliceKey(t, r), {
          total: 0,
          features: { ssprRegistered: 0, ssprEnabled: 0, ssprCapable: 0, passwordlessCapable: 0, mfaCapable: 0 },
          methods: new Map(),
        });
      }
    }
    let mfaRegistered = 0;
    for (let i = 0; i < userCount; i++) {
      const c = core(i);
      if (c.isMfaRegistered) mfaRegistered++;
      // Slices as the report defines them (§5): member = not guest; admin = any admin role; user = no admin role.
      const types: IncludedUserTypes[] = ['all', c.userType === 'guest' ? 'guest' : 'member'];
      const roles: IncludedUserRoles[] = ['all'];
      if (c.isAdmin === true) {
        roles.push('admin');
        if (c.role !== null && PRIVILEGED_SET.has(c.role)) roles.push('privilegedAdmin');
      } else {
        roles.push('user');
      }
      for (const t of types) {
        for (const r of roles) {
          const s = slices.get(sliceKey(t, r));
          if (!s) continue;
          s.total++;
          if (c.isSsprRegistered) s.features.ssprRegistered++;
          if (c.isSsprEnabled) s.features.ssprEnabled++;
          if (c.isSsprCapable) s.features.ssprCapable++;
          if (c.isPasswordlessCapable) s.features.passwordlessCapable++;
          if (c.isMfaCapable) s.features.mfaCapable++;
          for (const m of c.methods) s.methods.set(m, (s.methods.get(m) ?? 0) + 1);
        }
      }
    }
    aggregates = { slices, mfaRegistered };
    return aggregates;
  }

  function slice(types: IncludedUserTypes, roles: IncludedUserRoles): SliceCounts {
    assertSlice(types, roles);
    const s = aggregate().slices.get(sliceKey(types, roles));
    if (!s) throw new Error(`missing slice ${sliceKey(types, roles)}`);
    return s;
  }

  /** Everything of event j but the user's name and UPN: what the activity summaries need. */
  function eventDraw(j: number): { user: number; feature: string; authMethod: string; isSuccess: boolean;
    failureReason: string; atMs: number } {
    const rng = rngFor(keys.event, j);
    const user = Math.floor(rng() * userCount);
    const featureDraw = rng();
    const feature = featureDraw < 0.002 ? 'unknownFutureValue' : featureDraw < 0.55 ? 'registration' : 'reset';
    const authMethod = weighted(rng, feature === 'registration' ? REGISTRATION_AUTH_METHODS : RESET_AUTH_METHODS);
    const isSuccess = rng() < params.eventSuccess;
    const failureReasons = feature === 'registration' ? REGISTRATION_FAILURES : RESET_FAILURES;
    // "" on success, as in the userEventsSummary example (not null).
    const failureReason = isSuccess ? '' : pick(rng, failureReasons);
    // Spread over the 30 days before asOf, whole seconds like the doc example (§2).
    const atMs = asOfMs - Math.floor(rng() * 30 * 86_400) * 1000;
    return { user, feature, authMethod, isSuccess, failureReason, atMs };
  }

  function event(j: number): UserCredentialUsageDetails {
    checkIndex(j, eventCount, 'event');
    const e = eventDraw(j);
    const who = identity(e.user, rngFor(keys.detail, e.user), userTypeOf(e.user) === 'guest');
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

  function legacyCredentialRow(i: number): CredentialUserRegistrationDetails {
    const row = user(i);
    const mapped = new Set(row.methodsRegistered.map((t) => LEGACY_AUTH_METHOD[t]).filter((m) => m !== undefined));
    return {
      id: row.id,
      userPrincipalName: row.userPrincipalName,
      userDisplayName: row.userDisplayName,
      authMethods: LEGACY_ORDER.filter((m) => mapped.has(m)),
      // §7: isRegistered/isEnabled are the SSPR registration and policy; isCapable follows them, as in the
      // 'capable' count of getCredentialUserRegistrationCount (§1), so both legacy reports agree.
      isRegistered: row.isSsprRegistered,
      isEnabled: row.isSsprEnabled,
      isCapable: row.isSsprCapable,
      isMfaRegistered: row.isMfaRegistered,
    };
  }

  let policies: SimPolicies | undefined;
  const tenant: SimTenant = {
    seed,
    userCount,
    tenantId,
    asOf,
    profile,
    quarter,
    eventCount,
    user,
    roleOf(i: number): string | null {
      checkIndex(i, userCount, 'user');
      return core(i).role;
    },
    roleHoldingOf(i: number): RoleHolding | null {
      checkIndex(i, userCount, 'user');
      return roleHoldingOf(i);
    },
    roleDefinitions: () =>
      roles().definitions.map((d) => ({
        ...d,
        resourceScopes: [...d.resourceScopes],
        rolePermissions: d.rolePermissions.map((p) => ({ ...p, allowedResourceActions: [...p.allowedResourceActions] })),
      })),
    roleAssignments: () => roles().assignments,
    roleEligibilities: () => roles().eligibilities,
    groups: () =>
      roles().groups.map((g) => ({
        ...g,
        activeRoleIds: [...g.activeRoleIds],
        eligibleRoleIds: [...g.eligibleRoleIds],
        memberUserIndexes: [...g.memberUserIndexes],
        memberGroupIds: [...g.memberGroupIds],
        transitiveUserIndexes: [...g.transitiveUserIndexes],
        eligibleMemberUserIndexes: [...g.eligibleMemberUserIndexes],
        eligibleOwnerUserIndexes: [...g.eligibleOwnerUserIndexes],
      })),
    groupEligibilities: () => roles().groupEligibilities,
    servicePrincipals: () => roles().servicePrincipals.map((sp) => ({ ...sp, activeRoleIds: [...sp.activeRoleIds] })),
    administrativeUnits: () => roles().administrativeUnits.map((au) => ({ ...au })),
    privilegedHolders: (roleIdSet) => roles().privilegedHolders(roleIdSet),
    featureSummary(types, roles) {
      const s = slice(types, roles);
      return {
        totalUserCount: s.total,
        userRegistrationFeatureCounts: FEATURES.map((feature) => ({ feature, userCount: s.features[feature] })),
        userTypes: types,
        userRoles: roles,
      };
    },
    methodSummary(types, roles) {
      const s = slice(types, roles);
      // Everyone in the slice has a password (§6 example counts 'password' like any method).
      const counts = [...s.methods.entries(), ['password', s.total] as const]
        .map(([authenticationMethod, userCount]) => ({ authenticationMethod, userCount }))
        .sort((a, b) => (a.authenticationMethod < b.authenticationMethod ? -1 : 1));
      return { totalUserCount: s.total, userRegistrationMethodCounts: counts, userTypes: types, userRoles: roles };
    },
    credentialUserRegistrationCount() {
      const { slices, mfaRegistered } = aggregate();
      const all = slices.get(sliceKey('all', 'all'));
      if (!all) throw new Error('missing slice all/all');
      return {
        id: uuidFor(streamKey(seed, 'credential-count'), 0),
        totalUserCount: userCount,
        userRegistrationCounts: [
          { registrationStatus: 'registered', registrationCount: all.features.ssprRegistered },
          { registrationStatus: 'enabled', registrationCount: all.features.ssprEnabled },
          { registrationStatus: 'capable', registrationCount: all.features.ssprCapable },
          { registrationStatus: 'mfaRegistered', registrationCount: mfaRegistered },
        ],
      };
    },
    event,
    registrationActivity,
    legacyCredentialRow,
    policies: () => (policies ??= buildPolicies(tenant, PRIVILEGED_ADMIN_ROLE_IDS, new Set([...SPECIAL_BY_INDEX.keys(), ...ROLE_SPECIAL_BY_INDEX.keys()]))),
  };
  return tenant;
}
