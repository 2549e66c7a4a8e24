/**
 * Issue #14 acceptance, through the real CLI and Graph client against the simulator: the enforcement join of the
 * demo-like (typical) tenant shows its exclusions, its report-only admin policy, its location-conditioned policy and
 * SMS enabled, and agrees with the simulator's ground truth (who the policies exclude); without the policy sources
 * the enforcement controls are "not assessable", never pass.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFault } from '../../src/simulator/faults.js';
import { startSimulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'test-token-enforcement';
const tenant = createTenant({ seed: 11, users: 700 });
let dir: string;

type Results = {
  enforcement: { assessable: boolean; notes: string[]; policies: { displayName: string; role: string; appliesTo: number | null; excludes: number | null; narrowing: string[] }[] };
  metrics: Record<string, { value: number | null; numerator?: number; denominator?: number }>;
  findings: { checkId: string; status: string; message: string; errorReason: string | null; affected: { count: number; file: string } | null; requires: string[] }[];
  coverage: { framework: string; controls: { id: string; status: string; checks: { checkId: string }[]; supportedBy: { checkId: string }[]; sources: string[] }[] }[];
};

async function collectAndAnalyze(name: string, opts: Omit<SimulatorOptions, 'tenant' | 'token'>, config?: object): Promise<{ results: Results; out: string }> {
  const sim = await startSimulator({ tenant, token: TOKEN, ...opts });
  const snap = join(dir, `${name}-snap`);
  const out = join(dir, `${name}-out`);
  try {
    const res = await runCli(['collect', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', sim.url, '--out', snap, '--allow-partial'], { ENTRA_AUTH_AUDIT_TOKEN: TOKEN });
    expect([0, 4], res.stderr).toContain(res.code);
  } finally {
    await sim.close();
  }
  const args = ['analyze', snap, '--out', out];
  if (config) {
    const path = join(dir, `${name}-config.json`);
    await writeFile(path, JSON.stringify(config));
    args.push('--config', path);
  }
  const res = await runCli(args);
  expect(res.code, res.stderr).toBe(0);
  return { results: JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as Results, out };
}

async function affectedUpns(out: string, f: Results['findings'][number] | undefined): Promise<Set<string>> {
  if (!f?.affected) return new Set();
  const text = await readFile(join(out, f.affected.file), 'utf8');
  return new Set(text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { userPrincipalName: string }).userPrincipalName));
}

const finding = (r: Results, id: string) => r.findings.find((f) => f.checkId === id);
const control = (r: Results, fw: string, id: string) => r.coverage.find((c) => c.framework === fw)?.controls.find((c) => c.id === id);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-enforcement-'));
});

describe('enforcement join on the typical tenant', () => {
  let r: Results;
  let out: string;
  beforeAll(async () => {
    ({ results: r, out } = await collectAndAnalyze('typical', {}));
  }, 180_000);

  it('is assessable and shows each kind of policy', () => {
    expect(r.enforcement.assessable).toBe(true);
    const roles = Object.fromEntries(r.enforcement.policies.map((p) => [p.displayName.slice(0, 5), p.role]));
    expect(roles).toEqual({ CA001: 'enforcing', CA002: 'report_only', CA003: 'conditional', CA004: 'disabled' });
    expect(r.enforcement.policies.find((p) => p.displayName.startsWith('CA003'))!.narrowing).toEqual(['a location condition']);
    for (const k of ['enforced', 'conditional', 'report_only', 'none']) {
      expect(r.metrics[`enforcement.mfa.${k}`]!.denominator, k).toBeGreaterThan(0);
    }
    const sum = ['enforced', 'conditional', 'report_only', 'none'].reduce((a, k) => a + r.metrics[`enforcement.mfa.${k}`]!.numerator!, 0);
    expect(sum).toBe(r.metrics['enforcement.mfa.enforced']!.denominator);
  });

  it('the users excluded from the all-users policy are exactly those the simulator excludes (user, nested group), conditional through CA003', async () => {
    const p = tenant.policies();
    const group = p.groups.find((g) => g.displayName === 'CA - MFA exclusions')!;
    const expected = new Set([p.breakGlass!, p.exemptUser!, ...group.transitiveUserIndexes.map((i) => tenant.user(i))].map((u) => u.userPrincipalName));
    const excluded = finding(r, 'mfa-exclusions-not-break-glass')!;
    expect(excluded.status).toBe('fail');
    expect(await affectedUpns(out, excluded)).toEqual(expected);
    expect(r.metrics['enforcement.excluded_users']!.value).toBe(expected.size);
    // excluded from CA001 but covered by the location-conditioned CA003 (the break-glass account is excluded there too)
    expect(r.metrics['enforcement.mfa.conditional']!.numerator).toBe(expected.size - 1);
    expect(r.metrics['enforcement.mfa.none']!.numerator).toBe(1);
  });

  it('a declared break-glass account is not an undeclared exclusion, and leaves the population', async () => {
    const p = tenant.policies();
    const { results, out: out2 } = await collectAndAnalyze('declared', {}, { population: { breakGlassAccounts: [p.breakGlass!.userPrincipalName] } });
    const excluded = finding(results, 'mfa-exclusions-not-break-glass')!;
    expect(await affectedUpns(out2, excluded)).not.toContain(p.breakGlass!.userPrincipalName);
    expect(results.metrics['enforcement.excluded_users_undeclared']!.value).toBe(r.metrics['enforcement.excluded_users']!.value! - 1);
    expect(results.metrics['enforcement.mfa.none']!.numerator).toBe(0);
  }, 180_000);

  it('the report-only phishing-resistant admin policy and SMS enabled are findings', () => {
    expect(finding(r, 'admins-stronger-policy-report-only')!.status).toBe('fail');
    expect(finding(r, 'admins-phishing-resistant-not-enforced')!.status).toBe('fail');
    expect(r.metrics['enforcement.admins.phishing_resistant_enforced']!.numerator).toBe(0);
    expect(finding(r, 'sms-voice-enabled')!.message).toBe('SMS is enabled in the authentication methods policy.');
    expect(r.metrics['policy.methods.enabled.Sms']!.value).toBe(1);
    expect(r.metrics['policy.methods.enabled.Voice']!.value).toBe(0);
    expect(r.metrics['policy.migration_complete']!.value).toBe(0);
    expect(r.metrics['policy.security_defaults']!.value).toBe(0);
    expect(r.metrics['policy.registration_campaign']!.value).toBe(0);
  });

  it('controls: enforcement checks test CIS 5.2.2.1, registration checks only support it; the sources are listed', () => {
    const c = control(r, 'cis-m365', '5.2.2.1')!;
    expect(c.checks.map((x) => x.checkId)).toContain('admins-mfa-not-enforced');
    expect(c.checks.map((x) => x.checkId)).not.toContain('admins-without-mfa');
    expect(c.supportedBy.map((x) => x.checkId)).toContain('admins-without-mfa');
    expect(c.sources).toContain('conditionalAccessPolicies');
  });
});

describe('without the policy sources the enforcement controls are not assessable', () => {
  it('Conditional Access forbidden: enforcement metrics null, the checks error, the controls "not_assessable"', async () => {
    const faults = [parseFault('status=403,code=AccessDenied,path=conditionalAccess,times=inf')];
    const { results: r } = await collectAndAnalyze('ca-forbidden', { faults });
    expect(r.enforcement.assessable).toBe(false);
    expect(r.enforcement.notes[0]).toMatch(/^Enforcement not assessable: source conditionalAccessPolicies forbidden/);
    expect(r.metrics['enforcement.mfa.enforced']!.value).toBeNull();
    for (const id of ['mfa-not-enforced-for-all-users', 'admins-mfa-not-enforced', 'admins-phishing-resistant-not-enforced', 'no-baseline-mfa-policy']) {
      expect(finding(r, id), id).toMatchObject({ status: 'error', message: 'Not evaluated: required data is missing.' });
    }
    for (const [fw, id] of [['cis-m365', '5.2.2.1'], ['cis-m365', '5.2.2.2'], ['cisa-scuba', 'MS.AAD.3.2v2'], ['cis-m365', '5.2.2.5']] as const) {
      expect(control(r, fw, id)?.status, `${fw} ${id}`).toBe('not_assessable');
    }
    // the methods policy still answered: its checks are evaluated
    expect(finding(r, 'sms-voice-enabled')!.status).toBe('fail');
  }, 180_000);
});
