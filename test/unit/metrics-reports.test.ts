/** Issue #15: the seed reports beside userRegistrationDetails, pure folds (src/metrics/reports.ts). */
import { describe, expect, it } from 'vitest';
import { credentialCountMetrics, EventsFold, methodSliceMetrics, SignInSummaryFold, type PerUserCounts } from '../../src/metrics/reports.js';

const perUser: PerUserCounts = {
  rows: { member: 90, guest: 10 },
  methods: { member: new Map([['mobilePhone', 50], ['fido2', 30]]), guest: new Map([['mobilePhone', 10]]) },
  flags: { ssprRegistered: 70, ssprEnabled: 80, ssprCapable: 60, mfaRegistered: 85 },
};
const slice = (userTypes: string, userRoles: string, total: number, counts: Record<string, number>) => ({
  userTypes,
  userRoles,
  totalUserCount: total,
  userRegistrationMethodCounts: Object.entries(counts).map(([authenticationMethod, userCount]) => ({ authenticationMethod, userCount })),
});

describe('usersRegisteredByMethod', () => {
  it('one count per slice and method, and a slice total; ids cannot be broken by the data', () => {
    const m = methodSliceMetrics([slice('all', 'privilegedAdmin', 3, { fido2: 2 }), slice('a.b', 'x y', 1, { 'evil.id': 1 })], null);
    expect(m.values['aggregate.by_method.all_privilegedAdmin.fido2']).toEqual({ value: 2 });
    expect(m.values['aggregate.by_method_total.all_privilegedAdmin']).toEqual({ value: 3 });
    expect(m.values['aggregate.by_method.a_b_x_y.evil_id']).toEqual({ value: 1 });
    expect(m.values['data.aggregate_method_mismatch']).toEqual({ value: null });
  });
  it('agrees with the per-user rows (all, member and guest slices; password is not compared)', () => {
    const rows = [
      slice('all', 'all', 100, { mobilePhone: 60, fido2: 30, password: 100 }),
      slice('member', 'all', 90, { mobilePhone: 50, fido2: 30 }),
      slice('guest', 'all', 10, { mobilePhone: 10 }),
      slice('all', 'admin', 5, { fido2: 99 }), // role slices are not compared: the rows carry no roles
    ];
    expect(methodSliceMetrics(rows, perUser).values['data.aggregate_method_mismatch']).toEqual({ value: 0 });
  });
  it('finds the largest difference, ignoring counts under 20', () => {
    const rows = [slice('all', 'all', 100, { mobilePhone: 48, fido2: 30, sms: 5 }), slice('member', 'all', 90, { mobilePhone: 50, fido2: 24 })];
    // mobilePhone 48 vs 60 = 20 %; fido2 24 vs 30 = 20 %; sms 5 vs 0 ignored (under 20)
    expect(methodSliceMetrics(rows, perUser).values['data.aggregate_method_mismatch']).toEqual({ value: 0.2 });
  });
});

describe('credentialUserRegistrationCount', () => {
  const row = (counts: Record<string, number>, total = 100) => [
    { id: 'x', totalUserCount: total, userRegistrationCounts: Object.entries(counts).map(([registrationStatus, registrationCount]) => ({ registrationStatus, registrationCount })) },
  ];
  it('counts per status, compared with the SSPR and MFA flags of the rows', () => {
    const m = credentialCountMetrics(row({ registered: 70, enabled: 80, capable: 60, mfaRegistered: 85 }), perUser);
    expect(m.values['aggregate.credential_registration.registered']).toEqual({ value: 70 });
    expect(m.values['aggregate.credential_registration.total']).toEqual({ value: 100 });
    expect(m.values['data.credential_count_mismatch']).toEqual({ value: 0 });
    const off = credentialCountMetrics(row({ registered: 70, enabled: 40, capable: 60, mfaRegistered: 85 }), perUser);
    expect(off.values['data.credential_count_mismatch']).toEqual({ value: 0.5 });
  });
  it('null when the report did not answer; a count given as a string is read, a negative one is not', () => {
    const none = credentialCountMetrics(null, perUser);
    expect(none.values['aggregate.credential_registration.total']).toEqual({ value: null });
    expect(none.values['data.credential_count_mismatch']).toEqual({ value: null });
    const odd = credentialCountMetrics([{ totalUserCount: '100', userRegistrationCounts: [{ registrationStatus: 'registered', registrationCount: -1 }] }], perUser);
    expect(odd.values['aggregate.credential_registration.total']).toEqual({ value: 100 });
    expect(odd.values['aggregate.credential_registration.registered']).toEqual({ value: null });
  });
});

describe('events (userEventsSummary)', () => {
  const ev = (feature: string, ok: boolean, upn: string, authMethod = 'sms', failureReason = ok ? '' : 'Wrong code', eventDateTime = '2026-10-10T10:00:00Z') => ({
    id: Math.random().toString(36),
    feature,
    userPrincipalName: upn,
    userDisplayName: upn,
    isSuccess: ok,
    authMethod,
    failureReason,
    eventDateTime,
  });
  it('failure rates per feature and method, the period, and invalid rows counted apart', () => {
    const f = new EventsFold();
    for (const r of [ev('reset', false, 'a@x'), ev('reset', true, 'b@x', 'email'), ev('registration', false, 'a@x', 'fido2', 'Timeout', '2026-10-01T00:00:00Z'), ev('registration', true, 'c@x', 'fido2')]) f.add(r);
    f.add({ feature: 'signIn', isSuccess: true });
    f.add(null);
    const m = f.result('userEventsSummary', 3).values;
    expect(m['events.reset.failure_rate']).toEqual({ value: 0.5, numerator: 1, denominator: 2 });
    expect(m['events.reset.failure_rate.sms']).toEqual({ value: 1, numerator: 1, denominator: 1 });
    expect(m['events.registration.failure_rate.fido2']).toEqual({ value: 0.5, numerator: 1, denominator: 2 });
    expect(m['events.invalid_rows']).toEqual({ value: 2 });
    expect(f.summary('userEventsSummary')).toMatchObject({ rows: 6, invalidRows: 2, from: '2026-10-01T00:00:00Z', to: '2026-10-10T10:00:00Z' });
  });
  it('users with at least N failures, case-insensitive by UPN, across both features', () => {
    const f = new EventsFold();
    for (const r of [ev('reset', false, 'A@x'), ev('registration', false, 'a@x'), ev('reset', false, 'a@X'), ev('reset', false, 'b@x'), ev('reset', false, 'b@x')]) f.add(r);
    expect([...f.repeatedFailures(3).values()]).toEqual([{ userPrincipalName: 'A@x', userDisplayName: 'A@x', failures: 3 }]);
    expect(f.result('userEventsSummary', 2).values['events.users_repeated_failures']).toEqual({ value: 2 });
  });
  it('the top 10 failure reasons, most frequent first; a flood of distinct reasons stays bounded', () => {
    const f = new EventsFold();
    for (let i = 0; i < 5; i++) f.add(ev('reset', false, `u${i}@x`, 'sms', 'Wrong code'));
    for (let i = 0; i < 3; i++) f.add(ev('registration', false, `v${i}@x`, 'fido2', 'Timeout'));
    for (let i = 0; i < 20_000; i++) f.add(ev('reset', false, `w${i}@x`, 'sms', `<b>reason ${i}</b>`));
    const top = f.summary('userEventsSummary').topFailureReasons;
    expect(top).toHaveLength(10);
    expect(top[0]).toEqual({ feature: 'reset', failureReason: '(other reasons)', count: 20_000 - (10_000 - 2) });
    expect(top[1]).toEqual({ feature: 'reset', failureReason: 'Wrong code', count: 5 });
    expect(top[2]).toEqual({ feature: 'registration', failureReason: 'Timeout', count: 3 });
  });
});

describe('userMfaSignInSummary', () => {
  const day = (d: string, total: unknown, single: unknown, multi: unknown) => ({ id: d, createdDateTime: `${d}T00:00:00Z`, totalSignIns: total, singleFactorSignIns: single, multiFactorSignIns: multi });
  it('the single-factor share over valid days; inconsistent days (multi > total, as in the docs sample) are counted apart', () => {
    const f = new SignInSummaryFold();
    f.add(day('2026-10-02', 100, 10, 90));
    f.add(day('2026-10-01', 50, 40, 10));
    f.add(day('2026-10-03', 5, 2, 9)); // the documented sample's shape: not used
    f.add(day('2026-10-04', -1, 0, 0));
    f.add({ totalSignIns: 1 });
    const m = f.result('userMfaSignInSummary').values;
    expect(m['usage.single_factor_signin_share']).toEqual({ value: 0.3333, numerator: 50, denominator: 150 });
    expect(m['usage.days']).toEqual({ value: 2 });
    expect(m['usage.invalid_rows']).toEqual({ value: 3 });
    expect(f.series().map((x) => x.date)).toEqual(['2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z']);
  });
  it('null metrics when the report did not answer', () => {
    expect(new SignInSummaryFold().result(null).values['usage.single_factor_signin_share']).toEqual({ value: null, numerator: 0, denominator: 0 });
  });
});
