/**
 * Issue #2 acceptance: the CLI collects from the simulator on loopback through the real Graph client — with a
 * 429 + Retry-After and several pages on the way — then analyzes, and every metric equals the value computed
 * straight from the simulator's generator.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { runCli } from '../helpers/cli.js';
import { expectedMetrics } from '../helpers/expected.js';

const TOKEN = 'test-token-collect-analyze';
const tenant = createTenant({ seed: 42, users: 2600 });
let sim: RunningSimulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({
    tenant,
    token: TOKEN,
    faults: [{ path: 'userRegistrationDetails', nth: 2, times: 1, status: 429, retryAfter: '0.3' }],
  });
  dir = await mkdtemp(join(tmpdir(), 'eaa-int-'));
});
afterAll(async () => {
  await sim?.close();
});

describe('collect → analyze against the simulator', () => {
  it('collects every source through paging and a 429', async () => {
    const res = await runCli(
      ['collect', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', sim.url, '--out', join(dir, 'snap')],
      { ENTRA_AUTH_AUDIT_TOKEN: TOKEN },
    );
    expect(res.stderr).not.toContain(TOKEN);
    expect(res.stdout).not.toContain(TOKEN);
    expect(res.code, res.stderr).toBe(0);
    expect(sim.stats.byStatus['429']).toBe(1);
    const manifest = JSON.parse(await readFile(join(dir, 'snap', 'manifest.json'), 'utf8'));
    const urd = manifest.sources.find((s: { id: string }) => s.id === 'userRegistrationDetails');
    expect(urd).toMatchObject({ status: 'ok', records: 2600, pages: 3, httpStatus: 200 });
    const byId = Object.fromEntries(manifest.sources.map((s: { id: string; status: string }) => [s.id, s.status]));
    expect(byId).toEqual({
      userRegistrationDetails: 'ok',
      usersRegisteredByFeature: 'ok',
      usersRegisteredByMethod: 'ok',
      credentialUserRegistrationCount: 'ok',
      userCredentialUsageDetails: 'retired',
      userEventsSummary: 'ok',
      credentialUsageSummary: 'retired',
      userRegistrationActivity: 'ok',
      userMfaSignInSummary: 'ok',
      credentialUserRegistrationDetails: 'retired',
      roleDefinitions: 'ok',
      roleAssignments: 'ok',
      roleEligibilityScheduleInstances: 'ok',
      roleGroupMembers: 'ok',
      groupEligibilityScheduleInstances: 'ok',
      authenticationMethodsPolicy: 'ok',
      authenticationMethodsPolicyBeta: 'ok',
      conditionalAccessPolicies: 'ok',
      authenticationStrengthPolicies: 'ok',
      securityDefaults: 'ok',
      caGroupMembers: 'ok',
    });
    expect(manifest.sources.find((s: { id: string }) => s.id === 'usersRegisteredByFeature').records).toBe(12);
    expect(manifest.partial).toBe(false);
    const files = await readdir(join(dir, 'snap'));
    expect(files.some((f) => f.endsWith('.partial'))).toBe(false);
    for (const f of files) expect(await readFile(join(dir, 'snap', f), 'utf8')).not.toContain(TOKEN);
  });

  it('analyzes to metrics equal to the generator’s', async () => {
    const res = await runCli(['analyze', join(dir, 'snap'), '--out', join(dir, 'out')]);
    expect(res.code, res.stderr).toBe(0);
    const results = JSON.parse(await readFile(join(dir, 'out', 'results.json'), 'utf8'));
    const expected = expectedMetrics(tenant);
    const got = Object.fromEntries(Object.keys(expected).map((id) => [id, results.metrics[id]]));
    expect(got).toEqual(expected);
    // every metric the generator knows about is present, and no method token is missing or extra
    const tokens = (m: Record<string, unknown>) => Object.keys(m).filter((k) => k.startsWith('methods.registered.')).sort();
    expect(tokens(results.metrics)).toEqual(tokens(expected));
    expect(results.privileged.basis).toBe('roles');
    expect(results.privileged.eligibleIncluded).toBe(true);
    expect(results.privileged.servicePrincipals.length).toBeGreaterThan(0);
    // sanity: the tenant is realistic enough that the checks mean something
    expect(results.metrics['admins.total'].value).toBeGreaterThan(10);
    expect(results.metrics['mfa.phone_only'].numerator).toBeGreaterThan(0);
    expect(results.metricInfo.find((m: { id: string }) => m.id === 'sspr.reset.failure_rate').source).toBe('userRegistrationActivity');
  });

  it('gives findings with affected lists that match their metrics', async () => {
    const results = JSON.parse(await readFile(join(dir, 'out', 'results.json'), 'utf8'));
    const byId = Object.fromEntries(results.findings.map((f: { checkId: string }) => [f.checkId, f]));
    expect(byId['admins-without-mfa'].status).toBe('fail'); // special user 7 is an admin with no method
    const m = results.metrics;
    expect(byId['admins-without-mfa'].affected.count).toBe(m['admins.total'].value - m['admins.mfa_capable'].numerator);
    expect(byId['admins-without-phishing-resistant-method'].affected.count).toBe(m['admins.without_phishing_resistant'].value);
    expect(byId['phone-only-mfa-users'].affected.count).toBe(m['mfa.phone_only'].numerator);
    const sidecar = await readFile(join(dir, 'out', byId['phone-only-mfa-users'].affected.file), 'utf8');
    expect(sidecar.trim().split('\n')).toHaveLength(m['mfa.phone_only'].numerator);
  });

  it('analyze twice gives byte-identical results.json', async () => {
    const res = await runCli(['analyze', join(dir, 'snap'), '--out', join(dir, 'out2')]);
    expect(res.code, res.stderr).toBe(0);
    expect(await readFile(join(dir, 'out2', 'results.json'))).toEqual(await readFile(join(dir, 'out', 'results.json')));
  });

  it('--fail-on exits 3 when a finding at or above the severity fails; --json prints one summary object', async () => {
    const res = await runCli(['analyze', join(dir, 'snap'), '--out', join(dir, 'out3'), '--fail-on', 'critical', '--json', '--quiet']);
    expect(res.code).toBe(3);
    const summary = JSON.parse(res.stdout);
    expect(summary).toMatchObject({ tenant: tenant.tenantId, exitCode: 3, partial: false });
    expect(summary.findings.find((f: { checkId: string }) => f.checkId === 'admins-without-mfa').status).toBe('fail');
    expect(summary.metrics['mfa.capable'].denominator).toBeGreaterThan(0);
  });

  it('a tampered snapshot file is a clear error naming the file (exit 5)', async () => {
    const { cp, appendFile } = await import('node:fs/promises');
    await cp(join(dir, 'snap'), join(dir, 'tampered'), { recursive: true });
    await appendFile(join(dir, 'tampered', 'userRegistrationDetails.ndjson'), '{"id":"forged"}\n');
    const res = await runCli(['analyze', join(dir, 'tampered'), '--out', join(dir, 'out4')]);
    expect(res.code).toBe(5);
    expect(res.stderr).toContain('userRegistrationDetails.ndjson');
    expect(res.stderr).toContain('does not match the manifest');
  });
});
