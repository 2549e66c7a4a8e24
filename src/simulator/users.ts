/**
 * User rows of the synthetic tenant: userRegistrationDetails (graph-api.md §4, beta shape) and the legacy
 * credentialUserRegistrationDetails rows (§7) derived from them, plus how each user holds a directory role (the
 * draws roles.ts builds the role data from).
 *
 * Row i is a pure function of (seed, profile, quarter, i): nothing is stored per user. Identity and role draws come
 * first in their streams and do not depend on the profile or quarter; quarter q replays q improvement steps
 * (improveOneQuarter) on top of the baseline draw.
 */
import type { CredentialUserRegistrationDetails, UserRegistrationDetails } from '../graph/types.js';
import { syntheticName } from './names.js';
import type { MethodProfile, ProfileParams } from './profiles.js';
import { pick, rngFor, streamKey, uuidFor, weighted, type Rng } from './prng.js';
import {
  AU_SCOPABLE_ROLE_IDS,
  EXTRA_ELIGIBLE_ROLE_IDS,
  GROUP_BLUEPRINTS,
  GROUP_WEIGHTS,
  PIM_GROUP_ELIGIBLE_SHARE,
  PIM_ONLY_GROUP,
  ROLE,
  ROLE_SPECIALS,
  roleIds,
  type RoleHolding,
  type RoleSpecial,
  type SimPrincipal,
} from './roles.js';

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
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

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
export interface CoreUser {
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

/** Throws a RangeError unless 0 <= i < count (an integer). */
export function checkIndex(i: number, count: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`${what} index ${i} out of [0, ${count})`);
}

export interface UserRowsOptions {
  seed: number;
  userCount: number;
  params: ProfileParams;
  quarter: number;
  asOfMs: number;
}

/** The per-user generators of one tenant. */
export interface UserRows {
  /** The userRegistrationDetails row of user i, beta shape (includes defaultMfaMethod). */
  user(i: number): UserRegistrationDetails;
  /** The part of user i the aggregates need (no names, no dates). */
  core(i: number): CoreUser;
  /** Name and UPN of user i, as in user(i). */
  nameOf(i: number): { displayName: string; upn: string };
  /** How user i holds a directory role, or null. */
  roleHoldingOf(i: number): RoleHolding | null;
  /** Every user index that may hold a role (≈ 1 % of users), ascending: one pass over the first draws only. */
  roleHolderIndexes(): Int32Array;
  /** User i as a role principal (roles.ts). */
  principal(i: number): SimPrincipal;
  /** credentialUserRegistrationDetails row for user i (legacy report), consistent with user(i). */
  legacyCredentialRow(i: number): CredentialUserRegistrationDetails;
}

export function createUserRows({ seed, userCount, params, quarter, asOfMs }: UserRowsOptions): UserRows {
  const keys = {
    core: streamKey(seed, 'user-core'),
    detail: streamKey(seed, 'user-detail'),
    userId: streamKey(seed, 'user-id'),
    roleClass: streamKey(seed, 'role-class'),
    lagRole: streamKey(seed, 'report-lag-role'),
  };
  /** The improvement stream of each quarter after the baseline (QUARTER_STEP). */
  const quarterKeys = Array.from({ length: quarter }, (_, q) => streamKey(seed, `quarter-${q + 1}`));

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
  /** The first draws of every user (no names, no methods): the role holders, ≈ 1 % of users. */
  function roleHolderIndexes(): Int32Array {
    const found: number[] = [];
    for (let i = 0; i < userCount; i++) {
      if (ROLE_SPECIAL_BY_INDEX.has(i) || SPECIAL_BY_INDEX.get(i)?.role || i === pimOnlyIndex()) {
        found.push(i);
        continue;
      }
      const band = baseDraw(rngFor(keys.core, i)).band;
      if (band === 'admin' || band === 'lag') found.push(i);
    }
    return Int32Array.from(found);
  }

  function principal(i: number): SimPrincipal {
    const who = identity(i, rngFor(keys.detail, i), userTypeOf(i) === 'guest');
    return {
      type: 'user',
      id: uuidFor(keys.userId, i),
      displayName: who.displayName,
      userPrincipalName: who.upn,
      userIndex: i,
    };
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

  const nameOf = (i: number): { displayName: string; upn: string } =>
    identity(i, rngFor(keys.detail, i), userTypeOf(i) === 'guest');
  return { user, core, nameOf, roleHoldingOf, roleHolderIndexes, principal, legacyCredentialRow };
}
