import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/index.js';
import { resolveControl } from '../../src/frameworks/catalogue.js';
import { DEFAULT_THRESHOLDS } from '../../src/metrics/definitions.js';
import type { MetricValue } from '../../src/results/schema.js';
import type { CheckContext } from '../../src/checks/index.js';
import { NotAssessableError } from '../../src/checks/types.js';

const base: Record<string, MetricValue> = {
  'users.in_scope': { value: 100 },
  'mfa.capable': { value: 0.99, numerator: 99, denominator: 100 },
  'mfa.registered': { value: 1, numerator: 100, denominator: 100 },
  'passwordless.capable': { value: 0.3, numerator: 30, denominator: 100 },
  'mfa.phone_only': { value: 0, numerator: 0, denominator: 100 },
  'admins.total': { value: 2 },
  'admins.mfa_capable': { value: 1, numerator: 2, denominator: 2 },
  'admins.phishing_resistant': { value: 1, numerator: 2, denominator: 2 },
  'admins.without_phishing_resistant': { value: 0 },
  'data.admin_flag_mismatch': { value: 0 },
  'phishing_resistant.registered': { value: 0.5, numerator: 50, denominator: 100 },
  'mfa.registered_not_capable': { value: 0, numerator: 0, denominator: 100 },
  'sspr.enabled_not_registered': { value: 0, numerator: 0, denominator: 100 },
  'sspr.reset.failure_rate': { value: 0.05, numerator: 5, denominator: 100 },
  'sspr.reset.failure_rate.email': { value: 0.05, numerator: 5, denominator: 100 },
  'registration.failure_rate': { value: 0.05, numerator: 5, denominator: 100 },
  'users.guests': { value: 10 },
  'guests.mfa_capable': { value: 1, numerator: 10, denominator: 10 },
  'system_preferred.enabled': { value: 0.99, numerator: 99, denominator: 100 },
  'data.stale_rows': { value: 0, numerator: 0, denominator: 110 },
  'data.aggregate_mismatch': { value: 0.001 },
  'methods.unknown_tokens': { value: 0 },
  'methods.users_with_unknown_tokens': { value: 0 },
  'breakglass.configured': { value: 2 },
  'breakglass.found': { value: 2 },
  'breakglass.compliant': { value: 1, numerator: 2, denominator: 2 },
  'enforcement.mfa.enforced': { value: 1, numerator: 110, denominator: 110 },
  'enforcement.mfa.conditional': { value: 0, numerator: 0, denominator: 110 },
  'enforcement.mfa.report_only': { value: 0, numerator: 0, denominator: 110 },
  'enforcement.mfa.none': { value: 0, numerator: 0, denominator: 110 },
  'enforcement.admins.mfa_enforced': { value: 1, numerator: 2, denominator: 2 },
  'enforcement.admins.phishing_resistant_enforced': { value: 1, numerator: 2, denominator: 2 },
  'enforcement.admins.report_only_gap': { value: 0 },
  'enforcement.excluded_users': { value: 2 },
  'enforcement.excluded_users_undeclared': { value: 0 },
  'enforcement.required_not_satisfiable': { value: 0 },
  'policy.security_defaults': { value: 0 },
  'policy.ca.mfa_enabled': { value: 2 },
  'policy.methods.enabled.Sms': { value: 0 },
  'policy.methods.enabled.Voice': { value: 0 },
  'policy.methods.enabled.Email': { value: 0 },
  'policy.methods.enabled.MicrosoftAuthenticator': { value: 1 },
  'policy.registration_campaign': { value: 1 },
  'policy.migration_complete': { value: 1 },
  'policy.system_preferred': { value: 1 },
  'policy.authenticator_context': { value: 1 },
  'events.users_repeated_failures': { value: 0 },
  'usage.days': { value: 30 },
  'usage.single_factor_signin_share': { value: 0.02, numerator: 20, denominator: 1000 },
  'data.aggregate_method_mismatch': { value: 0 },
  'data.credential_count_mismatch': { value: null },
};
const SOURCES: CheckContext['sources'] = {
  userRegistrationDetails: { status: 'ok', records: 110, retiredSuccessor: null },
  credentialUsageSummary: { status: 'retired', records: 0, retiredSuccessor: 'userRegistrationActivity' },
  userRegistrationActivity: { status: 'ok', records: 10, retiredSuccessor: null },
  conditionalAccessPolicies: { status: 'ok', records: 4, retiredSuccessor: null },
  securityDefaults: { status: 'ok', records: 1, retiredSuccessor: null },
  userEventsSummary: { status: 'ok', records: 120, retiredSuccessor: null },
};
const ASSESSABLE: CheckContext['enforcement'] = { assessable: true, reason: null };
const ctx = (
  over: Record<string, MetricValue> = {},
  sources: CheckContext['sources'] = SOURCES,
  enforcement: CheckContext['enforcement'] = ASSESSABLE,
): CheckContext => ({ metrics: { ...base, ...over }, thresholds: DEFAULT_THRESHOLDS, sources, enforcement });
const byId = Object.fromEntries(CHECKS.map((c) => [c.meta.id, c]));

describe('check catalogue', () => {
  it('has unique kebab-case ids, controls that resolve, and complete prose', () => {
    const ids = CHECKS.map((c) => c.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of CHECKS) {
      expect(c.meta.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(c.meta.controls.length + (c.meta.supports?.length ?? 0)).toBeGreaterThan(0);
      for (const key of [...c.meta.controls, ...(c.meta.supports ?? [])]) expect(resolveControl(key), `${c.meta.id} cites ${key}`).toBeDefined();
      expect(c.meta.controls.filter((k) => c.meta.supports?.includes(k)), `${c.meta.id} tests and supports the same control`).toEqual([]);
      expect(c.meta.rationale.length).toBeGreaterThan(80);
      expect(c.meta.remediation.steps.length).toBeGreaterThan(0);
      expect(c.meta.requires.length + (c.meta.requiresOneOf?.length ?? 0) + (c.meta.uses?.length ?? 0) + (c.meta.id === 'retired-source-in-use' ? 1 : 0)).toBeGreaterThan(0);
    }
  });
  it('every check passes on a compliant tenant', () => {
    for (const c of CHECKS) expect(c.evaluate(ctx()).status, c.meta.id).toBe('pass');
  });
});

describe('each check fails on its own failing state', () => {
  it('admins-without-mfa', () => {
    const r = byId['admins-without-mfa']!.evaluate(ctx({ 'admins.mfa_capable': { value: 0.5, numerator: 1, denominator: 2 } }));
    expect(r).toMatchObject({ status: 'fail' });
    expect(r.message).toContain('1 of 2 admins');
  });
  it('admins-without-phishing-resistant-method', () => {
    const r = byId['admins-without-phishing-resistant-method']!.evaluate(ctx({ 'admins.without_phishing_resistant': { value: 1 } }));
    expect(r.status).toBe('fail');
  });
  it('mfa-capable-below-target uses the configured threshold', () => {
    const low = { 'mfa.capable': { value: 0.94, numerator: 94, denominator: 100 } };
    expect(byId['mfa-capable-below-target']!.evaluate(ctx(low)).status).toBe('fail');
    expect(byId['mfa-capable-below-target']!.evaluate({ ...ctx(low), thresholds: { ...DEFAULT_THRESHOLDS, mfaCapableMin: 0.9 } }).status).toBe('pass');
  });
  it('phone-only-mfa-users', () => {
    expect(byId['phone-only-mfa-users']!.evaluate(ctx({ 'mfa.phone_only': { value: 0.01, numerator: 1, denominator: 100 } })).status).toBe('fail');
  });
  it('passwordless-below-target', () => {
    expect(byId['passwordless-below-target']!.evaluate(ctx({ 'passwordless.capable': { value: 0.2, numerator: 20, denominator: 100 } })).status).toBe('fail');
  });
  it('admin-flag-mismatch', () => {
    expect(byId['admin-flag-mismatch']!.evaluate(ctx({ 'data.admin_flag_mismatch': { value: 3 } })).status).toBe('fail');
    expect(() => byId['admin-flag-mismatch']!.evaluate(ctx({ 'data.admin_flag_mismatch': { value: null } }))).toThrow();
  });
  it('breakglass-without-phishing-resistant-method: not applicable without accounts, fails on a missing or weak one', () => {
    const c = byId['breakglass-without-phishing-resistant-method']!;
    expect(c.evaluate(ctx({ 'breakglass.configured': { value: 0 }, 'breakglass.found': { value: 0 } })).status).toBe('not_applicable');
    expect(c.evaluate(ctx({ 'breakglass.found': { value: 1 }, 'breakglass.compliant': { value: 1, numerator: 1, denominator: 1 } })).message).toContain('no report row');
    expect(c.evaluate(ctx({ 'breakglass.compliant': { value: 0.5, numerator: 1, denominator: 2 } })).status).toBe('fail');
  });
  it('phishing-resistant-below-target', () => {
    expect(byId['phishing-resistant-below-target']!.evaluate(ctx({ 'phishing_resistant.registered': { value: 0.1, numerator: 10, denominator: 100 } })).status).toBe('fail');
  });
  it('mfa-registered-not-capable and sspr-enabled-not-registered', () => {
    expect(byId['mfa-registered-not-capable']!.evaluate(ctx({ 'mfa.registered_not_capable': { value: 0.01, numerator: 1, denominator: 100 } })).status).toBe('fail');
    expect(byId['sspr-enabled-not-registered']!.evaluate(ctx({ 'sspr.enabled_not_registered': { value: 0.01, numerator: 1, denominator: 100 } })).status).toBe('fail');
  });
  it('sspr-reset-failure-rate-above-target: overall, and per method only with enough attempts', () => {
    const c = byId['sspr-reset-failure-rate-above-target']!;
    expect(c.evaluate(ctx({ 'sspr.reset.failure_rate': { value: 0.3, numerator: 30, denominator: 100 } })).status).toBe('fail');
    const sms = c.evaluate(ctx({ 'sspr.reset.failure_rate.mobileSMS': { value: 0.5, numerator: 15, denominator: 30 } }));
    expect(sms).toMatchObject({ status: 'fail' });
    expect(sms.message).toContain('mobileSMS');
    expect(c.evaluate(ctx({ 'sspr.reset.failure_rate.mobileSMS': { value: 0.5, numerator: 2, denominator: 4 } })).status).toBe('pass');
  });
  it('registration-failure-rate-above-target', () => {
    expect(byId['registration-failure-rate-above-target']!.evaluate(ctx({ 'registration.failure_rate': { value: 0.5, numerator: 5, denominator: 10 } })).status).toBe('fail');
  });
  it('guests-without-mfa: not applicable without guests', () => {
    const c = byId['guests-without-mfa']!;
    expect(c.evaluate(ctx({ 'users.guests': { value: 0 } })).status).toBe('not_applicable');
    expect(c.evaluate(ctx({ 'guests.mfa_capable': { value: 0.9, numerator: 9, denominator: 10 } })).message).toContain('1 of 10 guests');
  });
  it('system-preferred-mfa-disabled, stale-report-rows, aggregate-report-mismatch, unknown-method-tokens', () => {
    expect(byId['system-preferred-mfa-disabled']!.evaluate(ctx({ 'system_preferred.enabled': { value: 0.5, numerator: 50, denominator: 100 } })).status).toBe('fail');
    expect(byId['stale-report-rows']!.evaluate(ctx({ 'data.stale_rows': { value: 0.2, numerator: 22, denominator: 110 } })).status).toBe('fail');
    expect(byId['aggregate-report-mismatch']!.evaluate(ctx({ 'data.aggregate_mismatch': { value: 0.1 } })).status).toBe('fail');
    expect(byId['unknown-method-tokens']!.evaluate(ctx({ 'methods.unknown_tokens': { value: 1 }, 'methods.users_with_unknown_tokens': { value: 3 } })).status).toBe('fail');
  });
  it('retired-source-in-use: a retired report still answering, or a missing successor', () => {
    const c = byId['retired-source-in-use']!;
    expect(c.evaluate(ctx({}, { ...SOURCES, credentialUsageSummary: { status: 'ok', records: 5, retiredSuccessor: 'userRegistrationActivity' } })).status).toBe('fail');
    expect(c.evaluate(ctx({}, { ...SOURCES, userRegistrationActivity: { status: 'forbidden', records: 0, retiredSuccessor: null } })).message).toContain('forbidden');
  });
  it('a check never passes on a missing metric: it throws, and the engine turns that into error', () => {
    expect(() => byId['mfa-capable-below-target']!.evaluate(ctx({ 'mfa.capable': { value: null, numerator: 0, denominator: 0 } }))).toThrow();
  });
});

describe('honest control mapping (issue #14)', () => {
  const POLICY_SOURCES = ['conditionalAccessPolicies', 'securityDefaults', 'authenticationMethodsPolicy', 'authenticationMethodsPolicyBeta', 'authenticationStrengthPolicies'];
  it('a control about requiring MFA or a method policy is tested only by a check that reads policy', () => {
    const offenders: string[] = [];
    for (const c of CHECKS) {
      const reads = [...c.meta.requires, ...(c.meta.requiresOneOf ?? []), ...(c.meta.uses ?? [])];
      if (reads.some((s) => POLICY_SOURCES.includes(s))) continue;
      for (const key of c.meta.controls) if (resolveControl(key)!.policyEvidence) offenders.push(`${c.meta.id} -> ${key}`);
    }
    expect(offenders).toEqual([]);
  });
  it('the registration checks that used to claim enforcement controls now only support them', () => {
    const admins = byId['admins-without-mfa']!.meta;
    expect(admins.controls).not.toContain('cis-m365:5.2.2.1');
    expect(admins.supports).toContain('cis-m365:5.2.2.1');
    expect(byId['admins-mfa-not-enforced']!.meta.controls).toContain('cis-m365:5.2.2.1');
    expect(byId['mfa-capable-below-target']!.meta.controls).toContain('cis-m365:5.2.3.4');
    expect(byId['mfa-capable-below-target']!.meta.controls).not.toContain('cisa-scuba:MS.AAD.3.2v2');
    expect(byId['mfa-not-enforced-for-all-users']!.meta.controls).toContain('cisa-scuba:MS.AAD.3.2v2');
  });
});

describe('enforcement checks (issue #14)', () => {
  const NOT_ASSESSABLE: CheckContext['enforcement'] = { assessable: false, reason: 'Enforcement not assessable: source conditionalAccessPolicies forbidden.' };
  const perUser = [
    'mfa-not-enforced-for-all-users',
    'admins-mfa-not-enforced',
    'admins-phishing-resistant-not-enforced',
    'admins-stronger-policy-report-only',
    'mfa-exclusions-not-break-glass',
    'required-strength-not-satisfiable',
  ];
  it.each(perUser)('%s is not assessable (throws NotAssessableError, never passes) without the policy join', (id) => {
    expect(() => byId[id]!.evaluate(ctx({}, SOURCES, NOT_ASSESSABLE))).toThrow(NotAssessableError);
  });
  it('mfa-not-enforced-for-all-users names each coverage class', () => {
    const r = byId['mfa-not-enforced-for-all-users']!.evaluate(
      ctx({
        'enforcement.mfa.enforced': { value: 0.9, numerator: 99, denominator: 110 },
        'enforcement.mfa.conditional': { value: 0.0545, numerator: 6, denominator: 110 },
        'enforcement.mfa.report_only': { value: 0.0182, numerator: 2, denominator: 110 },
        'enforcement.mfa.none': { value: 0.0273, numerator: 3, denominator: 110 },
      }),
    );
    expect(r.status).toBe('fail');
    expect(r.message).toContain('not enforced for 11 of 110 users');
    expect(r.message).toMatch(/conditional 5\.5 % \(6 of 110\); report-only 1\.8 % \(2 of 110\); none 2\.7 % \(3 of 110\)/);
  });
  it('admin enforcement: MFA, phishing-resistant strength, report-only gap', () => {
    const half = { value: 0.5, numerator: 1, denominator: 2 };
    expect(byId['admins-mfa-not-enforced']!.evaluate(ctx({ 'enforcement.admins.mfa_enforced': half })).message).toBe(
      '1 of 2 admins have no enforced MFA. Admins with MFA enforced: 50.0 % (1 of 2).',
    );
    expect(byId['admins-phishing-resistant-not-enforced']!.evaluate(ctx({ 'enforcement.admins.phishing_resistant_enforced': half })).status).toBe('fail');
    expect(byId['admins-stronger-policy-report-only']!.evaluate(ctx({ 'enforcement.admins.report_only_gap': { value: 3 } })).message).toContain('For 3 admins');
    // no admins at all: nothing to enforce
    expect(byId['admins-mfa-not-enforced']!.evaluate(ctx({ 'enforcement.admins.mfa_enforced': { value: null, numerator: 0, denominator: 0 } })).status).toBe('not_applicable');
  });
  it('exclusions: declared break-glass accounts pass, any other exclusion fails', () => {
    const c = byId['mfa-exclusions-not-break-glass']!;
    expect(c.evaluate(ctx()).message).toContain('Only the 2 declared break-glass');
    expect(c.evaluate(ctx({ 'enforcement.excluded_users': { value: 5 }, 'enforcement.excluded_users_undeclared': { value: 3 } })).message).toMatch(/^3 users .* \(5 excluded in all, break-glass included\)/);
  });
  it('required-strength-not-satisfiable', () => {
    expect(byId['required-strength-not-satisfiable']!.evaluate(ctx({ 'enforcement.required_not_satisfiable': { value: 4 } })).status).toBe('fail');
  });
  it('no-baseline-mfa-policy: neither fails, both conflict, no P1 counts as no CA, a forbidden CA is not assessable', () => {
    const c = byId['no-baseline-mfa-policy']!;
    expect(c.evaluate(ctx({ 'policy.ca.mfa_enabled': { value: 0 } })).message).toContain('nothing requires MFA');
    expect(c.evaluate(ctx({ 'policy.security_defaults': { value: 1 } })).message).toContain('conflict');
    const noP1 = { ...SOURCES, conditionalAccessPolicies: { status: 'unavailable' as const, records: 0, retiredSuccessor: null } };
    expect(c.evaluate(ctx({ 'policy.security_defaults': { value: 1 }, 'policy.ca.mfa_enabled': { value: null } }, noP1)).status).toBe('pass');
    expect(c.evaluate(ctx({ 'policy.ca.mfa_enabled': { value: null } }, noP1)).message).toContain('Conditional Access is not licensed');
    const forbidden = { ...SOURCES, conditionalAccessPolicies: { status: 'forbidden' as const, records: 0, retiredSuccessor: null } };
    expect(() => c.evaluate(ctx({}, forbidden))).toThrow(NotAssessableError);
  });
  it('methods policy checks read the policy flags', () => {
    expect(byId['sms-voice-enabled']!.evaluate(ctx({ 'policy.methods.enabled.Sms': { value: 1 } })).message).toBe('SMS is enabled in the authentication methods policy.');
    expect(byId['sms-voice-enabled']!.evaluate(ctx({ 'policy.methods.enabled.Sms': { value: 1 }, 'policy.methods.enabled.Voice': { value: 1 } })).message).toContain('SMS and Voice call are');
    expect(byId['email-otp-enabled']!.evaluate(ctx({ 'policy.methods.enabled.Email': { value: 1 } })).status).toBe('fail');
    expect(byId['methods-migration-incomplete']!.evaluate(ctx({ 'policy.migration_complete': { value: 0 } })).status).toBe('fail');
    expect(byId['system-preferred-policy-off']!.evaluate(ctx({ 'policy.system_preferred': { value: 0 } })).status).toBe('fail');
    expect(byId['authenticator-context-hidden']!.evaluate(ctx({ 'policy.authenticator_context': { value: 0 } })).status).toBe('fail');
    expect(byId['authenticator-context-hidden']!.evaluate(ctx({ 'policy.methods.enabled.MicrosoftAuthenticator': { value: 0 } })).status).toBe('not_applicable');
  });
  it('registration-campaign-off fails only while users lack MFA', () => {
    const c = byId['registration-campaign-off']!;
    expect(c.evaluate(ctx({ 'policy.registration_campaign': { value: 0 } })).message).toContain('1 users are not MFA capable');
    expect(c.evaluate(ctx({ 'policy.registration_campaign': { value: 0 }, 'mfa.capable': { value: 1, numerator: 100, denominator: 100 } })).status).toBe('not_applicable');
  });
});

describe('usage report checks (issue #15)', () => {
  it('repeated-registration-or-reset-failures: fails on any listed user; not assessable without events', () => {
    const c = byId['repeated-registration-or-reset-failures']!;
    expect(c.evaluate(ctx({ 'events.users_repeated_failures': { value: 4 } })).message).toBe('4 users have 3 or more failed registration or reset events in the period.');
    const none = { ...SOURCES, userEventsSummary: { status: 'forbidden' as const, records: 0, retiredSuccessor: null } };
    expect(() => c.evaluate(ctx({}, none))).toThrow(NotAssessableError);
    const retiredWithData = { ...none, userCredentialUsageDetails: { status: 'ok' as const, records: 5, retiredSuccessor: null } };
    expect(c.evaluate(ctx({}, retiredWithData)).status).toBe('pass');
  });
  it('single-factor-sign-ins-above-target uses the configured threshold', () => {
    const c = byId['single-factor-sign-ins-above-target']!;
    const high = { 'usage.single_factor_signin_share': { value: 0.3, numerator: 300, denominator: 1000 } };
    expect(c.evaluate(ctx(high)).message).toBe('Single-factor sign-ins: 30.0 % (300 of 1,000); target at most 5.0 %.');
    expect(c.evaluate({ ...ctx(high), thresholds: { ...DEFAULT_THRESHOLDS, singleFactorSignInsMax: 0.5 } }).status).toBe('pass');
    expect(c.evaluate(ctx({ 'usage.days': { value: 0 } })).status).toBe('not_applicable');
  });
  it('aggregate-report-mismatch takes the worst comparison the snapshot allows and names the report', () => {
    const c = byId['aggregate-report-mismatch']!;
    const r = c.evaluate(ctx({ 'data.aggregate_method_mismatch': { value: 0.2 } }));
    expect(r).toMatchObject({ status: 'fail', message: 'usersRegisteredByMethod differs from the per-user rows by up to 20.0 %; tolerance 2.0 %.' });
    expect(c.evaluate(ctx()).message).toContain('(usersRegisteredByFeature, usersRegisteredByMethod compared)');
    expect(() => c.evaluate(ctx({ 'data.aggregate_mismatch': { value: null }, 'data.aggregate_method_mismatch': { value: null } }))).toThrow();
  });
});
