import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { IncludedUserRoles, IncludedUserTypes, UserRegistrationDetails } from '../../src/graph/types.js';
import { INCLUDED_USER_ROLES, INCLUDED_USER_TYPES } from '../../src/graph/types.js';
import {
  createTenant,
  OTHER_ADMIN_ROLE_IDS,
  PRIVILEGED_ADMIN_ROLE_IDS,
  SPECIAL_USERS,
  UNKNOWN_METHOD_TOKEN,
} from '../../src/simulator/tenant.js';

const NON_MFA = new Set(['email', 'securityQuestion', 'password', 'appPassword']);
const PHONE = new Set(['mobilePhone', 'alternateMobilePhone', 'officePhone']);
const SSPR = new Set([...PHONE, 'email', 'securityQuestion', 'microsoftAuthenticatorPush', 'softwareOneTimePasscode']);
const PASSWORDLESS = new Set([
  'fido2SecurityKey', 'passKeyDeviceBound', 'passKeyDeviceBoundAuthenticator', 'passKeyDeviceBoundWindowsHello',
  'passKeySynced', 'windowsHelloForBusiness', 'macOsSecureEnclaveKey', 'microsoftAuthenticatorPasswordless',
  'x509CertificateMultiFactor',
]);
const PHISHING_RESISTANT = new Set([...PASSWORDLESS].filter((t) => t !== 'microsoftAuthenticatorPasswordless'));
const NONE_FORMS: unknown[] = ['', null, 'none'];
// graph-api.md §4 enums.
const PREFERRED = ['push', 'oath', 'voiceMobile', 'voiceAlternateMobile', 'voiceOffice', 'sms', ...NONE_FORMS];
const DEFAULT_MFA = [
  'mobilePhone', 'alternateMobilePhone', 'officePhone', 'microsoftAuthenticatorPush', 'softwareOneTimePasscode',
  ...NONE_FORMS,
];
const SYSTEM_PREFERRED = ['push', 'oath', 'voiceMobile', 'voiceAlternateMobile', 'voiceOffice', 'sms'];
// usageAuthMethod (§2), including the members after unknownFutureValue.
const USAGE_AUTH_METHODS = new Set([
  'email', 'mobileSMS', 'mobileCall', 'officePhone', 'securityQuestion', 'appNotification', 'appCode',
  'alternateMobileCall', 'fido', 'appPassword', 'unknownFutureValue', 'externalAuthMethod', 'hardwareOneTimePasscode',
  'windowsHelloForBusiness', 'microsoftAuthenticatorPasswordless', 'temporaryAccessPass', 'macOsSecureEnclaveKey',
  'passKeyDeviceBound', 'passKeyDeviceBoundAuthenticator', 'passKeyDeviceBoundWindowsHello', 'softwareOneTimePasscode',
  'microsoftAuthenticatorPush', 'mobilePhone', 'sms', 'alternateMobilePhone', 'fido2SecurityKey', 'oneTimePasscode',
  'passKeySynced', 'qrCode',
]);

const N = 20_000;
const tenant = createTenant({ seed: 42, users: N });
const rows: UserRegistrationDetails[] = Array.from({ length: N }, (_, i) => tenant.user(i));
const isMember = (u: UserRegistrationDetails): boolean => u.userType !== 'guest';
const mfaTokens = (u: UserRegistrationDetails): string[] => u.methodsRegistered.filter((t) => !NON_MFA.has(t));
const share = (pred: (u: UserRegistrationDetails) => boolean, of: UserRegistrationDetails[] = rows): number =>
  of.filter(pred).length / of.length;

function inSlice(i: number, types: IncludedUserTypes, roles: IncludedUserRoles): boolean {
  const u = rows[i] as UserRegistrationDetails;
  if (types === 'member' && !isMember(u)) return false;
  if (types === 'guest' && isMember(u)) return false;
  const role = tenant.roleOf(i);
  if (roles === 'admin') return u.isAdmin === true;
  if (roles === 'privilegedAdmin') return u.isAdmin === true && role !== null && PRIVILEGED_ADMIN_ROLE_IDS.includes(role);
  if (roles === 'user') return u.isAdmin !== true;
  return true;
}

describe('createTenant: determinism', () => {
  it('gives the same rows and events for the same seed', () => {
    const again = createTenant({ seed: 42, users: N });
    for (const i of [0, 1, 7, 999, 12_345, N - 1]) expect(again.user(i)).toEqual(rows[i]);
    for (const j of [0, 5, again.eventCount - 1]) expect(again.event(j)).toEqual(tenant.event(j));
    expect(again.featureSummary('all', 'all')).toEqual(tenant.featureSummary('all', 'all'));
    expect(again.tenantId).toBe(tenant.tenantId);
  });

  it('gives different rows for a different seed', () => {
    const other = createTenant({ seed: 43, users: N });
    let differing = 0;
    for (let i = 100; i < 200; i++) if (JSON.stringify(other.user(i)) !== JSON.stringify(rows[i])) differing++;
    expect(differing).toBeGreaterThan(95);
    expect(other.user(0).id).not.toBe(rows[0]?.id);
    expect(other.tenantId).not.toBe(tenant.tenantId);
  });

  it('does not depend on the tenant size for a given index', () => {
    const small = createTenant({ seed: 42, users: 100 });
    expect(small.user(50)).toEqual(rows[50]);
  });

  it('rejects bad options and out-of-range indices', () => {
    expect(() => createTenant({ users: -1 })).toThrow(/users/);
    expect(() => createTenant({ users: 1.5 })).toThrow(/users/);
    expect(() => createTenant({ users: 10, seed: -3 })).toThrow(/seed/);
    expect(() => createTenant({ users: 10, asOf: 'yesterday' })).toThrow(/asOf/);
    expect(() => tenant.user(N)).toThrow(RangeError);
    expect(() => tenant.user(-1)).toThrow(RangeError);
    expect(() => tenant.event(tenant.eventCount)).toThrow(RangeError);
  });
});

describe('createTenant: row invariants on 20,000 users', () => {
  it('has unique UUID-shaped ids and unique ASCII UPNs', () => {
    expect(new Set(rows.map((u) => u.id)).size).toBe(N);
    expect(new Set(rows.map((u) => u.userPrincipalName)).size).toBe(N);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(rows.filter((u) => !uuid.test(u.id))).toEqual([]);
    expect(rows.filter((u) => !/^[\x21-\x7e]+@contoso-sim\.example$/.test(u.userPrincipalName))).toEqual([]);
    expect(rows.filter((u) => u.userType === 'guest' && !u.userPrincipalName.includes('#EXT#@'))).toEqual([]);
  });

  it('keeps every flag consistent with the methods and the other flags', () => {
    const asOf = Date.parse(tenant.asOf);
    // Collect violations instead of asserting per row: 20,000 rows × 20 expect() calls would dominate the run.
    const violations: string[] = [];
    const check = (ok: boolean, i: number, what: string): void => {
      if (!ok) violations.push(`user ${i}: ${what}`);
    };
    for (const [i, u] of rows.entries()) {
      const methods = u.methodsRegistered;
      check(u.isMfaRegistered === mfaTokens(u).length > 0, i, 'isMfaRegistered = has an MFA method');
      check(!u.isMfaCapable || u.isMfaRegistered, i, 'mfaCapable => mfaRegistered');
      check(!u.isPasswordlessCapable || (u.isMfaCapable && methods.some((t) => PASSWORDLESS.has(t))), i,
        'passwordlessCapable => MFA capable with a passwordless method');
      check(u.isSsprRegistered === methods.some((t) => SSPR.has(t)), i, 'ssprRegistered = has an SSPR method');
      check(u.isSsprCapable === (u.isSsprEnabled && u.isSsprRegistered), i, 'ssprCapable = enabled && registered');
      check(new Set(methods).size === methods.length, i, 'no duplicate methods');
      check((u.isAdmin === true) === (tenant.roleOf(i) !== null), i, 'admins and only admins have a role');
      check([true, false, null].includes(u.isAdmin), i, 'isAdmin boolean or null');
      check([true, false, null].includes(u.isSystemPreferredAuthenticationMethodEnabled), i, 'system-preferred flag');
      check(['member', 'guest', 'unknownFutureValue', null].includes(u.userType), i, 'userType enum');
      check(PREFERRED.includes(u.userPreferredMethodForSecondaryAuthentication), i, 'preferred method enum');
      check(DEFAULT_MFA.includes(u.defaultMfaMethod), i, 'defaultMfaMethod enum');
      check(u.systemPreferredAuthenticationMethods.every((m) => SYSTEM_PREFERRED.includes(m)), i, 'system-preferred enum');
      if (methods.length === 0) {
        check(NONE_FORMS.includes(u.userPreferredMethodForSecondaryAuthentication), i, 'no method: preferred is none');
        check(NONE_FORMS.includes(u.defaultMfaMethod), i, 'no method: default is none');
        check(u.systemPreferredAuthenticationMethods.length === 0, i, 'no method: no system-preferred method');
      }
      check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/.test(u.lastUpdatedDateTime), i, 'Graph timestamp format');
      check(Date.parse(u.lastUpdatedDateTime) < asOf, i, 'lastUpdatedDateTime before asOf');
    }
    expect(violations).toEqual([]);
  });

  it('uses all three spellings of "no method" in both fields', () => {
    const noMethod = rows.filter((u) => u.methodsRegistered.length === 0);
    for (const form of NONE_FORMS) {
      expect(noMethod.some((u) => u.defaultMfaMethod === form)).toBe(true);
      expect(noMethod.some((u) => u.userPreferredMethodForSecondaryAuthentication === form)).toBe(true);
    }
  });

  it('gives admins documented role template ids, mostly from the privilegedAdmin set', () => {
    const roles = rows.map((_, i) => tenant.roleOf(i)).filter((r): r is string => r !== null);
    for (const r of roles) expect([...PRIVILEGED_ADMIN_ROLE_IDS, ...OTHER_ADMIN_ROLE_IDS]).toContain(r);
    const privileged = roles.filter((r) => PRIVILEGED_ADMIN_ROLE_IDS.includes(r)).length / roles.length;
    expect(privileged).toBeGreaterThan(0.65);
    expect(privileged).toBeLessThan(0.95);
  });

  it('has realistic distributions', () => {
    const members = rows.filter(isMember);
    const admins = rows.filter((u) => u.isAdmin === true);
    const between = (value: number, lo: number, hi: number): void => {
      expect(value).toBeGreaterThanOrEqual(lo);
      expect(value).toBeLessThanOrEqual(hi);
    };
    between(share((u) => u.userType === 'guest'), 0.07, 0.09);
    between(share((u) => u.userType === null), 0.005, 0.015);
    expect(rows.some((u) => u.userType === 'unknownFutureValue')).toBe(true);
    between(admins.length / N, 0.007, 0.013);
    between(share((u) => u.isMfaCapable, members), 0.85, 0.92);
    between(share((u) => u.isPasswordlessCapable), 0.1, 0.2);
    between(share((u) => mfaTokens(u).length > 0 && mfaTokens(u).every((t) => PHONE.has(t)), members), 0.05, 0.08);
    between(share((u) => u.methodsRegistered.length === 0), 0.02, 0.04);
    between(share((u) => u.methodsRegistered.length > 0 && mfaTokens(u).length === 0), 0.01, 0.04);
    between(share((u) => u.methodsRegistered.includes(UNKNOWN_METHOD_TOKEN)), 0.002, 0.01);
    between(share((u) => u.isMfaRegistered && !u.isMfaCapable), 0.02, 0.06);
    between(share((u) => u.isSsprEnabled), 0.75, 0.85);
    between(share((u) => u.isSystemPreferredAuthenticationMethodEnabled === true), 0.8, 0.9);
    expect(rows.some((u) => u.isSystemPreferredAuthenticationMethodEnabled === null)).toBe(true);
    expect(rows.some((u) => u.methodsRegistered.includes('x509CertificateMultiFactor'))).toBe(true);
    for (const token of PHISHING_RESISTANT) expect(rows.some((u) => u.methodsRegistered.includes(token))).toBe(true);
    between(share((u) => !u.methodsRegistered.some((t) => PHISHING_RESISTANT.has(t)), admins), 0.3, 0.42);
    expect(admins.some((u) => !u.isMfaRegistered)).toBe(true);
    const stale = share((u) => Date.parse(tenant.asOf) - Date.parse(u.lastUpdatedDateTime) > 30 * 86_400_000);
    between(stale, 0.01, 0.05);
  });

  it('writes display names in many scripts', () => {
    const names = rows.map((u) => u.userDisplayName).join('\n');
    const scripts: [string, RegExp][] = [
      ['Latin diacritics', /[À-ɏ]/u], ['Cyrillic', /\p{Script=Cyrillic}/u], ['Greek', /\p{Script=Greek}/u],
      ['Han', /\p{Script=Han}/u], ['Kana', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
      ['Hangul', /\p{Script=Hangul}/u], ['Arabic', /\p{Script=Arabic}/u], ['Hebrew', /\p{Script=Hebrew}/u],
      ['Thai', /\p{Script=Thai}/u], ['Devanagari', /\p{Script=Devanagari}/u], ['emoji', /\p{Extended_Pictographic}/u],
    ];
    for (const [, pattern] of scripts) expect(names).toMatch(pattern);
  });

  it('places the special users at their fixed indices', () => {
    const byIndex = new Map(SPECIAL_USERS.map((s) => [s.index, s]));
    expect([...byIndex.keys()]).toEqual([7, 13, 21, 34, 55]);
    const u7 = rows[7] as UserRegistrationDetails;
    expect(u7).toMatchObject({ userDisplayName: '<img src=x onerror=alert(1)>', isAdmin: true, methodsRegistered: [],
      isMfaRegistered: false, isMfaCapable: false });
    expect(tenant.roleOf(7)).toBe('62e90394-69f5-4237-9190-012177145e10');
    expect(rows[13]).toMatchObject({ userDisplayName: '=HYPERLINK("http://evil.example","click")', isAdmin: false,
      userType: 'member', isMfaRegistered: true });
    expect(mfaTokens(rows[13] as UserRegistrationDetails)).toEqual(['mobilePhone']);
    const u21 = rows[21] as UserRegistrationDetails;
    expect(u21).toMatchObject({ userDisplayName: '+SUM(1,2)', isAdmin: true });
    expect(mfaTokens(u21).length).toBeGreaterThan(0);
    expect(mfaTokens(u21).every((t) => PHONE.has(t))).toBe(true);
    expect(rows[34]?.userDisplayName).toContain('\u202Egnp.exe');
    expect(rows[34]?.userDisplayName).toContain('\u200B');
    expect(rows[34]?.userType).toBe('member');
    expect(rows[55]).toMatchObject({ userDisplayName: '@guest "quoted", comma', userType: 'guest' });
    // A tenant too small for an index simply has no such special.
    expect(createTenant({ seed: 42, users: 10 }).user(7).userDisplayName).toBe(u7.userDisplayName);
  });
});

describe('createTenant: summaries agree with the rows', () => {
  it('feature and method summaries match counts from the rows for every slice', () => {
    for (const types of INCLUDED_USER_TYPES) {
      for (const roles of INCLUDED_USER_ROLES) {
        const slice = rows.filter((_, i) => inSlice(i, types, roles));
        const features = tenant.featureSummary(types, roles);
        expect(features.totalUserCount).toBe(slice.length);
        expect(features.userTypes).toBe(types);
        expect(features.userRoles).toBe(roles);
        const count = (pred: (u: UserRegistrationDetails) => boolean): number => slice.filter(pred).length;
        expect(features.userRegistrationFeatureCounts).toEqual([
          { feature: 'ssprRegistered', userCount: count((u) => u.isSsprRegistered) },
          { feature: 'ssprEnabled', userCount: count((u) => u.isSsprEnabled) },
          { feature: 'ssprCapable', userCount: count((u) => u.isSsprCapable) },
          { feature: 'passwordlessCapable', userCount: count((u) => u.isPasswordlessCapable) },
          { feature: 'mfaCapable', userCount: count((u) => u.isMfaCapable) },
        ]);

        const methods = tenant.methodSummary(types, roles);
        expect(methods.totalUserCount).toBe(slice.length);
        const expected = new Map<string, number>([['password', slice.length]]);
        for (const u of slice) for (const t of u.methodsRegistered) expected.set(t, (expected.get(t) ?? 0) + 1);
        const sorted = [...expected.keys()].sort();
        expect(methods.userRegistrationMethodCounts).toEqual(
          sorted.map((authenticationMethod) => ({ authenticationMethod, userCount: expected.get(authenticationMethod) })),
        );
      }
    }
    expect(tenant.featureSummary('guest', 'privilegedAdmin').totalUserCount).toBe(0);
  });

  it('credentialUserRegistrationCount matches the rows', () => {
    const c = tenant.credentialUserRegistrationCount();
    expect(c.totalUserCount).toBe(N);
    expect(c.userRegistrationCounts).toEqual([
      { registrationStatus: 'registered', registrationCount: rows.filter((u) => u.isSsprRegistered).length },
      { registrationStatus: 'enabled', registrationCount: rows.filter((u) => u.isSsprEnabled).length },
      { registrationStatus: 'capable', registrationCount: rows.filter((u) => u.isSsprCapable).length },
      { registrationStatus: 'mfaRegistered', registrationCount: rows.filter((u) => u.isMfaRegistered).length },
    ]);
  });

  it('legacy credentialUserRegistrationDetails rows agree with the user rows', () => {
    const legacyEnum = ['email', 'mobilePhone', 'officePhone', 'securityQuestion', 'appNotification', 'appCode',
      'alternateMobilePhone', 'fido', 'appPassword', 'unknownFutureValue'];
    for (let i = 0; i < 2000; i++) {
      const u = rows[i] as UserRegistrationDetails;
      const legacy = tenant.legacyCredentialRow(i);
      expect(legacy).toMatchObject({ id: u.id, userPrincipalName: u.userPrincipalName, userDisplayName: u.userDisplayName,
        isRegistered: u.isSsprRegistered, isEnabled: u.isSsprEnabled, isCapable: u.isSsprCapable,
        isMfaRegistered: u.isMfaRegistered });
      for (const m of legacy.authMethods) expect(legacyEnum).toContain(m);
      if (u.methodsRegistered.includes('microsoftAuthenticatorPush')) expect(legacy.authMethods).toContain('appNotification');
    }
  });
});

describe('createTenant: events', () => {
  const events = Array.from({ length: tenant.eventCount }, (_, j) => tenant.event(j));

  it('has about 0.3 events per user, then the repeated-failure bursts, with valid fields over the last 30 days', () => {
    // 6,000 ordinary events, then 60 users (0.3 %) × 3 to 5 attempts (issue #15)
    expect(tenant.eventCount).toBe(6000 + 240);
    expect(createTenant({ users: 10 }).eventCount).toBe(20 + 3);
    expect(createTenant({ users: 10, profile: 'clean' }).eventCount).toBe(20);
    const asOf = Date.parse(tenant.asOf);
    const upns = new Set(rows.map((u) => u.userPrincipalName));
    const invalid = events.filter((e) => {
      const t = Date.parse(e.eventDateTime);
      return !['registration', 'reset', 'unknownFutureValue'].includes(e.feature) || !USAGE_AUTH_METHODS.has(e.authMethod) ||
        !upns.has(e.userPrincipalName) || (e.failureReason === '') !== e.isSuccess || typeof e.failureReason !== 'string' ||
        t > asOf || t <= asOf - 30 * 86_400_000;
    });
    expect(invalid).toEqual([]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const ordinary = events.slice(0, 6000);
    const success = ordinary.filter((e) => e.isSuccess).length / ordinary.length;
    expect(success).toBeGreaterThan(0.87);
    expect(success).toBeLessThan(0.93);
    expect(events.some((e) => e.authMethod === 'fido2SecurityKey')).toBe(true);
  });

  it('registrationActivity aggregates exactly the events of each period', () => {
    const asOf = Date.parse(tenant.asOf);
    let previousTotal = 0;
    for (const [period, days] of [['d1', 1], ['d7', 7], ['d30', 30]] as const) {
      const summary = tenant.registrationActivity(period);
      const inPeriod = events.filter((e) => Date.parse(e.eventDateTime) > asOf - days * 86_400_000);
      for (const row of summary) {
        const matching = inPeriod.filter((e) => e.feature === row.feature && e.authMethod === row.authMethod);
        expect(row.successfulActivityCount).toBe(matching.filter((e) => e.isSuccess).length);
        expect(row.failureActivityCount).toBe(matching.filter((e) => !e.isSuccess).length);
      }
      const total = summary.reduce((n, r) => n + r.successfulActivityCount + r.failureActivityCount, 0);
      expect(total).toBe(inPeriod.length);
      expect(total).toBeGreaterThan(previousTotal);
      previousTotal = total;
      const keys = summary.map((r) => `${r.feature}/${r.authMethod}`);
      expect(keys).toEqual([...keys].sort());
      expect(new Set(summary.map((r) => r.id)).size).toBe(summary.length);
      expect(tenant.registrationActivity(period)).toEqual(summary);
    }
  });
});

describe('createTenant: 1,000,000 users', () => {
  it('generates any row lazily without growing the heap', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const big = createTenant({ seed: 9, users: 1_000_000 });
    const last = big.user(999_999);
    expect(last.userPrincipalName).toContain('.999999');
    expect(big.eventCount).toBe(300_000 + 12_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    let admins = 0;
    for (let i = 900_000; i < 1_000_000; i++) if (big.user(i).isAdmin === true) admins++;
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(admins).toBeGreaterThan(500);
    expect(grown).toBeLessThan(4 * 1024 * 1024);
  });
});
