/**
 * How well a synthetic tenant is run: the numbers each profile draws users' methods, policy flags and event outcomes
 * with (users.ts, events.ts). The draws happen in the same order whatever the profile.
 */

/**
 * How well the tenant is run (see PROFILES): 'typical' (the default; the shares the tests and docs quote),
 * 'clean' (a well-run tenant on which most checks pass) or 'poor' (worse than typical everywhere). The profile
 * changes methods, policies and event outcomes only: the same seed gives the same people (ids, names, UPNs,
 * userType, roles) whatever the profile.
 */
export type TenantProfile = 'typical' | 'clean' | 'poor';
export const TENANT_PROFILES: readonly TenantProfile[] = ['typical', 'clean', 'poor'];

export type MethodProfile = 'none' | 'nonMfa' | 'phoneOnly' | 'standard' | 'passwordless' | 'phishingResistant';

/** Shares (percent) of method profiles for non-admins: ~3 % none, ~6.5 % phone-only, ~15 % passwordless. */
const USER_PROFILES: readonly (readonly [MethodProfile, number])[] = [
  ['none', 3], ['nonMfa', 2.5], ['phoneOnly', 6.5], ['standard', 73], ['passwordless', 15],
];
/** Admins: ~35 % without a phishing-resistant method, some of them with no MFA at all. */
const ADMIN_PROFILES: readonly (readonly [MethodProfile, number])[] = [
  ['none', 5], ['phoneOnly', 8], ['standard', 22], ['phishingResistant', 65],
];

/** What a profile draws. The draws happen in the same order for every profile; only these numbers differ. */
export interface ProfileParams {
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
  /**
   * Share of users who, besides their ordinary events, fail to register or reset several times in a row in the period
   * (3 to 5 attempts, at least 3 failed: events.ts); at least one user whenever the share is above 0.
   */
  repeatedFailures: number;
  /** Whether SPECIAL_USERS keep their fixed methods (the exact cases the checks must find). */
  fixedSpecials: boolean;
}

/**
 * typical: the shares quoted above (USER_PROFILES, ADMIN_PROFILES), 0.3 % of users failing again and again. clean: ≈ 99.5 % of members MFA capable, ≈ 68 %
 * with a phishing-resistant method, ≈ 69 % passwordless capable, no phone-only member, every role holder with a
 * phishing-resistant method and MFA capable, nobody registered but blocked, system-preferred MFA on and SSPR enabled
 * and registered for everyone, 0.5 % stale rows, no unknown token, nobody failing again and again; the special users
 * draw like everyone else.
 * poor: ≈ 70 % of members MFA capable, ≈ 2 % phishing-resistant, 15 % phone-only, about half the admins not MFA
 * capable, system-preferred MFA on for 55 %, 8 % stale rows, one event in five failing, 0.8 % of users failing again
 * and again.
 */
export const PROFILES: Record<TenantProfile, ProfileParams> = {
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
    repeatedFailures: 0.003,
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
    repeatedFailures: 0,
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
    repeatedFailures: 0.008,
    fixedSpecials: true,
  },
};
