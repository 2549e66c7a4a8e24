/**
 * Issue #14 (sources) acceptance: the policy sources are collected from the simulator through the real CLI and
 * Graph client — CA policies over several pages, the members of the groups they name, the methods policy on v1.0
 * and beta, strengths, security defaults — with the statuses of the status model when the tenant has no Entra ID
 * P1 (Conditional Access 'unavailable', its group members 'not_collected', the rest ok) or the app lacks the
 * permissions ('forbidden', naming the permission). The demo still renders with them.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'test-token-policy-sources';
const tenant = createTenant({ seed: 11, users: 700 });
const POLICY_SOURCES = ['authenticationMethodsPolicy', 'authenticationMethodsPolicyBeta', 'conditionalAccessPolicies', 'authenticationStrengthPolicies', 'securityDefaults', 'caGroupMembers'];
type Source = { id: string; status: string; httpStatus: number | null; errorCode: string | null; errorMessage: string | null; records: number; pages: number; file: string };
let dir: string;

async function collect(name: string, opts: Omit<SimulatorOptions, 'tenant' | 'token'>, exitCode = 0) {
  const sim = await startSimulator({ tenant, token: TOKEN, ...opts });
  try {
    const snap = join(dir, name);
    const res = await runCli(['collect', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', sim.url, '--out', snap, '--allow-partial'], { ENTRA_AUTH_AUDIT_TOKEN: TOKEN });
    expect(res.code, res.stderr).toBe(exitCode);
    const manifest = JSON.parse(await readFile(join(snap, 'manifest.json'), 'utf8')) as { sources: Source[] };
    const byId = new Map(manifest.sources.map((s) => [s.id, s]));
    const rows = async (id: string) =>
      (await readFile(join(snap, byId.get(id)!.file), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    return { snap, byId, rows };
  } finally {
    await sim.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-policy-sources-'));
});

describe('policy sources: collect from the simulator', () => {
  it('collects all of them, CA policies over pages, and the members of every group they name', async () => {
    const { byId, rows } = await collect('ok', { defaultPageSize: 2 });
    const p = tenant.policies();
    for (const id of POLICY_SOURCES) expect(byId.get(id)?.status, id).toBe('ok');
    expect(byId.get('conditionalAccessPolicies')).toMatchObject({ records: p.conditionalAccessPolicies.length, pages: Math.ceil(p.conditionalAccessPolicies.length / 2) });
    expect(await rows('conditionalAccessPolicies')).toEqual(p.conditionalAccessPolicies);
    expect(await rows('authenticationStrengthPolicies')).toEqual(p.authenticationStrengthPolicies);

    // single objects: one row each, without the OData control fields
    const [methods] = await rows('authenticationMethodsPolicy');
    expect(await rows('authenticationMethodsPolicy')).toHaveLength(1);
    expect(methods!['@odata.context']).toBeUndefined();
    expect(methods!.policyMigrationState).toBe('migrationInProgress');
    expect(methods!.authenticationMethodConfigurations.find((c: { id: string }) => c.id === 'Sms').state).toBe('enabled');
    expect(methods!.systemCredentialPreferences).toBeUndefined();
    const [beta] = await rows('authenticationMethodsPolicyBeta');
    expect(beta!.systemCredentialPreferences).toBeDefined();
    expect(await rows('securityDefaults')).toEqual([{ ...p.securityDefaults }]);

    // every group named in an include or exclude, with its transitive users (the nested group's members too)
    const named = new Set(p.conditionalAccessPolicies.flatMap((x: Record<string, any>) => [...x.conditions.users.includeGroups, ...x.conditions.users.excludeGroups]));
    const members = await rows('caGroupMembers');
    expect(new Set(members.map((m) => m.groupId))).toEqual(named);
    const expected = p.groups
      .filter((g) => named.has(g.id))
      .sort((a, b) => (a.id < b.id ? -1 : 1)) // one request per group, in id order
      .flatMap((g) => g.transitiveUserIndexes.map((i) => ({ groupId: g.id, userId: tenant.user(i).id, userPrincipalName: tenant.user(i).userPrincipalName, displayName: tenant.user(i).userDisplayName })));
    expect(members).toEqual(expected);
  }, 120_000);

  it('without Entra ID P1: Conditional Access is unavailable, its group members not collected, the other policies ok', async () => {
    const { byId } = await collect('unlicensed', { mode: 'unlicensed' });
    expect(byId.get('conditionalAccessPolicies')).toMatchObject({
      status: 'unavailable',
      httpStatus: 403,
      errorCode: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
      errorMessage: expect.stringContaining('(needs Microsoft Entra ID P1 or P2)'),
    });
    expect(byId.get('caGroupMembers')).toMatchObject({ status: 'not_collected', errorMessage: 'needs conditionalAccessPolicies, which could not be collected' });
    for (const id of ['authenticationMethodsPolicy', 'authenticationMethodsPolicyBeta', 'authenticationStrengthPolicies', 'securityDefaults']) expect(byId.get(id)?.status, id).toBe('ok');
  }, 120_000);

  it('without the permissions: forbidden, naming the permission each needs', async () => {
    // the reports are refused too in this mode: collect exits 4 (collection failed) and still writes the snapshot
    const { byId } = await collect('denied', { mode: 'no-permission' }, 4);
    expect(byId.get('conditionalAccessPolicies')).toMatchObject({ status: 'forbidden', errorCode: 'AccessDenied', errorMessage: expect.stringContaining('(needs Policy.Read.All)') });
    expect(byId.get('securityDefaults')).toMatchObject({ status: 'forbidden', errorMessage: expect.stringContaining('(needs Policy.Read.All)') });
    for (const id of ['authenticationMethodsPolicy', 'authenticationMethodsPolicyBeta', 'authenticationStrengthPolicies']) {
      expect(byId.get(id), id).toMatchObject({ status: 'forbidden', errorCode: 'Authorization_RequestDenied', errorMessage: expect.stringContaining('(needs Policy.Read.AuthenticationMethod)') });
    }
    expect(byId.get('caGroupMembers')?.status).toBe('not_collected');
  }, 120_000);

  it('the demo still renders, and its appendix lists the policy sources', async () => {
    const out = join(dir, 'demo');
    const res = await runCli(['demo', '--users', '300', '--no-pdf', '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    const html = await readFile(join(out, 'audit.html'), 'utf8');
    for (const id of POLICY_SOURCES) expect(html, id).toContain(id);
  }, 180_000);
});
