import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActivityFold } from '../../src/metrics/activity.js';
import { defaultDefinitions } from '../../src/metrics/definitions.js';
import { COHORTS, RegistrationFold } from '../../src/metrics/registration.js';
import type { AffectedUser } from '../../src/metrics/types.js';

const row = (over: Record<string, unknown> = {}) => ({
  id: 'u', userPrincipalName: 'u@x', userDisplayName: 'U', userType: 'member', isAdmin: false,
  isMfaCapable: true, isMfaRegistered: true, isPasswordlessCapable: false, isSsprCapable: true, isSsprEnabled: true,
  isSsprRegistered: true, isSystemPreferredAuthenticationMethodEnabled: true, methodsRegistered: ['microsoftAuthenticatorPush'],
  ...over,
});

function fold(rows: unknown[], defs = defaultDefinitions('2026-11-01T00:00:00Z')) {
  const cohorts: Record<string, AffectedUser[]> = {};
  const f = new RegistrationFold((c, u) => (cohorts[c] ??= []).push(u), {}, defs);
  rows.forEach((r) => f.add(r));
  return { ...f.result(), cohorts };
}

const prShare = (methods: string[]) => fold([row({ methodsRegistered: methods })]).values['phishing_resistant.registered']?.value;
const isPhoneOnly = (methods: string[]) => new RegistrationFold(() => undefined).isPhoneOnly(methods);

describe('method classification', () => {
  it('knows the phishing-resistant tokens and the CBA prefix', () => {
    for (const t of ['fido2SecurityKey', 'passKeyDeviceBound', 'windowsHelloForBusiness', 'x509CertificateMultiFactor', 'macOsSecureEnclaveKey', 'passKeySynced'])
      expect(prShare([t]), t).toBe(1);
    for (const t of ['microsoftAuthenticatorPush', 'microsoftAuthenticatorPasswordless', 'mobilePhone', 'softwareOneTimePasscode', 'temporaryAccessPass', 'email'])
      expect(prShare([t]), t).toBe(0);
  });
  it('phone-only: every MFA method is a phone method, at least one; email and security questions are not MFA', () => {
    expect(isPhoneOnly(['mobilePhone'])).toBe(true);
    expect(isPhoneOnly(['mobilePhone', 'email', 'securityQuestion', 'officePhone'])).toBe(true);
    expect(isPhoneOnly(['mobilePhone', 'microsoftAuthenticatorPush'])).toBe(false);
    expect(isPhoneOnly(['mobilePhone', 'futureQuantumKey'])).toBe(false); // unknown token = MFA, not phone
    expect(isPhoneOnly(['email'])).toBe(false);
    expect(isPhoneOnly([])).toBe(false);
  });
});

describe('RegistrationFold', () => {
  it('splits population and guests; null and unknown userType count as members', () => {
    const r = fold([row({ id: 'a' }), row({ id: 'b', userType: null }), row({ id: 'c', userType: 'unknownFutureValue' }), row({ id: 'g', userType: 'guest', isMfaCapable: false })]);
    expect(r.values['users.in_scope']).toEqual({ value: 3 });
    expect(r.values['users.guests']).toEqual({ value: 1 });
    expect(r.values['guests.mfa_capable']).toEqual({ value: 0, numerator: 0, denominator: 1 });
    expect(r.values['mfa.capable']).toEqual({ value: 1, numerator: 3, denominator: 3 });
  });
  it('rounds ratios to 4 decimals and gives null for an empty denominator', () => {
    const r = fold([row({ id: 'a' }), row({ id: 'b', isMfaCapable: false }), row({ id: 'c', isMfaCapable: false })]);
    expect(r.values['mfa.capable']).toEqual({ value: 0.3333, numerator: 1, denominator: 3 });
    expect(r.values['admins.mfa_capable']).toEqual({ value: null, numerator: 0, denominator: 0 });
  });
  it('counts admins of any userType, and lists those without MFA or a phishing-resistant method', () => {
    const r = fold([
      row({ id: 'a1', isAdmin: true, methodsRegistered: ['fido2SecurityKey'] }),
      row({ id: 'a2', isAdmin: true, isMfaCapable: false, methodsRegistered: [] }),
      row({ id: 'a3', isAdmin: true, userType: 'guest', methodsRegistered: ['mobilePhone'] }),
    ]);
    expect(r.values['admins.total']).toEqual({ value: 3 });
    expect(r.values['admins.phishing_resistant']).toEqual({ value: 0.3333, numerator: 1, denominator: 3 });
    expect(r.values['admins.without_phishing_resistant']).toEqual({ value: 2 });
    expect(r.cohorts[COHORTS.adminsNotMfaCapable]?.map((u) => u.id)).toEqual(['a2']);
    expect(r.cohorts[COHORTS.adminsWithoutPhishingResistant]?.map((u) => u.id)).toEqual(['a2', 'a3']);
  });
  it('treats nulls where booleans are expected as false, keeps unknown tokens, counts invalid rows', () => {
    const r = fold([row({ id: 'a', isMfaCapable: null, methodsRegistered: ['futureQuantumKey', 42] }), null, 'x', { noId: true }]);
    expect(r.values['users.invalid_rows']).toEqual({ value: 3 });
    expect(r.values['mfa.capable']).toEqual({ value: 0, numerator: 0, denominator: 1 });
    expect(r.values['methods.registered.futureQuantumKey']).toEqual({ value: 1 });
  });
  it('applies configured definitions: guests in scope, excluded UPNs, break-glass accounts, stale rows', () => {
    const defs = { ...defaultDefinitions('2026-11-01T00:00:00Z'), includeGuests: true, excludeUpnPatterns: ['room-*@x'], breakGlassUpns: ['bg1@x', 'bg2@x'] };
    const r = fold([
      row({ id: 'a', userPrincipalName: 'a@x', lastUpdatedDateTime: '2026-10-30T00:00:00Z' }),
      row({ id: 'g', userPrincipalName: 'g@x', userType: 'guest', lastUpdatedDateTime: '2026-08-01T00:00:00Z' }),
      row({ id: 'r', userPrincipalName: 'ROOM-1@x' }),
      row({ id: 'b1', userPrincipalName: 'bg1@x', methodsRegistered: ['fido2SecurityKey'] }),
      row({ id: 'b2', userPrincipalName: 'BG2@x', methodsRegistered: ['fido2SecurityKey', 'mobilePhone'] }),
    ], defs);
    expect(r.values['users.in_scope']).toEqual({ value: 2 });
    expect(r.values['users.excluded']).toEqual({ value: 1 });
    expect(r.values['breakglass.found']).toEqual({ value: 2 });
    expect(r.values['breakglass.compliant']).toEqual({ value: 0.5, numerator: 1, denominator: 2 });
    expect(r.cohorts[COHORTS.breakGlassNonCompliant]?.map((u) => u.id)).toEqual(['b2']);
    expect(r.values['data.stale_rows']).toEqual({ value: 0.2, numerator: 1, denominator: 5 });
  });
  it('lists registered-not-capable, SSPR enabled-not-registered and unknown tokens', () => {
    const r = fold([
      row({ id: 'a', isMfaCapable: false, isMfaRegistered: true }),
      row({ id: 'b', isSsprEnabled: true, isSsprRegistered: false }),
      row({ id: 'c', methodsRegistered: ['futureQuantumKey'] }),
    ]);
    expect(r.values['mfa.registered_not_capable']).toEqual({ value: 0.3333, numerator: 1, denominator: 3 });
    expect(r.values['sspr.enabled_not_registered']).toEqual({ value: 0.3333, numerator: 1, denominator: 3 });
    expect(r.values['methods.unknown_tokens']).toEqual({ value: 1 });
    expect(r.cohorts[COHORTS.usersUnknownTokens]?.map((u) => u.id)).toEqual(['c']);
  });
  it('counts each token once per user', () => {
    const r = fold([row({ methodsRegistered: ['mobilePhone', 'mobilePhone'] })]);
    expect(r.values['methods.registered.mobilePhone']).toEqual({ value: 1 });
  });
  it('missing() has the same ids with null values', () => {
    const m = RegistrationFold.missing();
    expect(m.values['mfa.capable']).toEqual({ value: null, numerator: 0, denominator: 0 });
    expect(m.values['admins.total']).toEqual({ value: null });
    expect(m.info.every((i) => i.source === null)).toBe(true);
  });
});

describe('ActivityFold', () => {
  it('computes failure rates per feature and accepts Int64 as numeric strings', () => {
    const f = new ActivityFold();
    f.add({ feature: 'reset', successfulActivityCount: 90, failureActivityCount: 10 });
    f.add({ feature: 'reset', successfulActivityCount: '0', failureActivityCount: '0' });
    f.add({ feature: 'registration', successfulActivityCount: 3, failureActivityCount: 1 });
    f.add({ feature: 'reset', successfulActivityCount: -1, failureActivityCount: 1 });
    const r = f.result('userRegistrationActivity');
    expect(r.values['sspr.reset.failure_rate']).toEqual({ value: 0.1, numerator: 10, denominator: 100 });
    expect(r.values['sspr.reset.failure_rate.unknown']).toEqual({ value: 0.1, numerator: 10, denominator: 100 });
    expect(r.values['registration.failure_rate']).toEqual({ value: 0.25, numerator: 1, denominator: 4 });
    expect(f.invalidRows).toBe(1);
    expect(new ActivityFold().result(null).values['sspr.reset.failure_rate']?.value).toBeNull();
  });
});

describe('RegistrationFold on a hostile row', () => {
  it('counts each method once per user, also with thousands of repeated tokens', () => {
    const fold = new RegistrationFold(() => undefined);
    const many = [...Array.from({ length: 50_000 }, () => 'mobilePhone'), 'fido2', 'mobilePhone'];
    fold.add(row({ methodsRegistered: many }));
    fold.add(row({ id: 'other', methodsRegistered: ['mobilePhone', 'mobilePhone'] }));
    const r = fold.result();
    expect(r.values['methods.registered.mobilePhone']).toEqual({ value: 2 });
    expect(r.values['methods.registered.fido2']).toEqual({ value: 1 });
  });
});

describe('RegistrationFold token counts', () => {
  /** what the counts are: per population user / per valid row by user type, each distinct token once */
  function reference(rows: { guest: boolean; methods: string[] }[]) {
    const population = new Map<string, number>();
    const byType = { member: new Map<string, number>(), guest: new Map<string, number>() };
    for (const r of rows) {
      for (const m of new Set(r.methods)) {
        population.set(m, (population.get(m) ?? 0) + 1);
        byType[r.guest ? 'guest' : 'member'].set(m, (byType[r.guest ? 'guest' : 'member'].get(m) ?? 0) + 1);
      }
    }
    return { population, byType };
  }
  const sorted = (m: ReadonlyMap<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  it('equal a naive count, with repeats, and past the bounded token table (1,024 tokens)', () => {
    // a few known tokens and 1,500 others: rows late in the tenant carry tokens the table no longer takes
    const pool = ['mobilePhone', 'email', 'fido2SecurityKey', 'microsoftAuthenticatorPush', ...Array.from({ length: 1500 }, (_, i) => `t${i}`)];
    fc.assert(
      fc.property(
        fc.array(fc.record({ guest: fc.boolean(), methods: fc.array(fc.constantFrom(...pool), { maxLength: 40 }) }), { maxLength: 120 }),
        (rows) => {
          const defs = { ...defaultDefinitions('2026-11-01T00:00:00Z'), includeGuests: true };
          const f = new RegistrationFold(() => undefined, {}, defs);
          rows.forEach((r, i) => f.add(row({ id: `u${i}`, userPrincipalName: `u${i}@x`, userType: r.guest ? 'guest' : 'member', methodsRegistered: r.methods })));
          const ref = reference(rows);
          const values = f.result().values;
          const got = new Map(
            Object.entries(values)
              .filter(([k]) => k.startsWith('methods.registered.'))
              .map(([k, v]) => [k.slice('methods.registered.'.length), (v as { value: number }).value]),
          );
          expect(sorted(got)).toEqual(sorted(ref.population));
          const per = f.perUserCounts();
          expect(sorted(per.methods.member)).toEqual(sorted(ref.byType.member));
          expect(sorted(per.methods.guest)).toEqual(sorted(ref.byType.guest));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps counting tokens after the table is full', () => {
    const f = new RegistrationFold(() => undefined);
    f.add(row({ id: 'a', methodsRegistered: Array.from({ length: 1100 }, (_, i) => `t${i}`) }));
    f.add(row({ id: 'b', methodsRegistered: ['t1099', 't1099', 't5', 'mobilePhone'] }));
    const v = f.result().values;
    expect(v['methods.registered.t1099']).toEqual({ value: 2 });
    expect(v['methods.registered.t5']).toEqual({ value: 2 });
    expect(v['methods.registered.mobilePhone']).toEqual({ value: 1 });
    expect(v['methods.unknown_tokens']?.value).toBe(1100);
  });
});
