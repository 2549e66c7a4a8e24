import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/index.js';
import { resolveControl } from '../../src/frameworks/catalogue.js';
import { DEFAULT_THRESHOLDS } from '../../src/metrics/definitions.js';
import type { MetricValue } from '../../src/engine/results.js';

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
};
const ctx = (over: Record<string, MetricValue> = {}) => ({ metrics: { ...base, ...over }, thresholds: DEFAULT_THRESHOLDS });
const byId = Object.fromEntries(CHECKS.map((c) => [c.meta.id, c]));

describe('check catalogue', () => {
  it('has unique kebab-case ids, controls that resolve, and complete prose', () => {
    const ids = CHECKS.map((c) => c.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of CHECKS) {
      expect(c.meta.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(c.meta.controls.length).toBeGreaterThan(0);
      for (const key of c.meta.controls) expect(resolveControl(key), `${c.meta.id} cites ${key}`).toBeDefined();
      expect(c.meta.rationale.length).toBeGreaterThan(80);
      expect(c.meta.remediation.steps.length).toBeGreaterThan(0);
      expect(c.meta.requires).toContain('userRegistrationDetails');
      expect(c.meta.evidence.length).toBeGreaterThan(0);
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
  it('a check never passes on a missing metric: it throws, and the engine turns that into error', () => {
    expect(() => byId['mfa-capable-below-target']!.evaluate(ctx({ 'mfa.capable': { value: null, numerator: 0, denominator: 0 } }))).toThrow();
  });
});
