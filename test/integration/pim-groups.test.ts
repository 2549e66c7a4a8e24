/**
 * Issue #13 §3.1 acceptance: eligible members of role-assignable groups (PIM for Groups) are privileged. Collected
 * from the simulator through the real CLI and Graph client, then analysed:
 * - with the source answering, a user eligible only through a PIM group counts as an admin and every metric
 *   equals the generator's (test/helpers/expected.ts counts them through tenant.privilegedHolders);
 * - with the permission missing (403 on that route only), the analysis says the PIM-for-Groups part is not
 *   assessed, and those users are not counted;
 * - without Entra ID P2 (400 AadPremiumLicenseRequired on both PIM routes), both eligible parts are named.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { analyze } from '../../src/engine/analyze.js';
import type { AuditResult } from '../../src/results/schema.js';
import { ENTRA_PRIVILEGED_ROLE_IDS } from '../../src/simulator/roles.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { runCli } from '../helpers/cli.js';
import { expectedMetrics } from '../helpers/expected.js';

const TOKEN = 'test-token-pim-groups';
const SOURCE = 'groupEligibilityScheduleInstances';
const tenant = createTenant({ seed: 42, users: 1500 });
const ENTRA = new Set(ENTRA_PRIVILEGED_ROLE_IDS);
const instances = [...tenant.groupEligibilities()];
/** Users privileged only as eligible members of a PIM group (their holding kind says so). */
const onlyThroughPim = new Set(
  instances
    .filter((e) => e.accessId === 'member' && tenant.roleHoldingOf(e.principal.userIndex ?? -1)?.kind === 'groupEligible')
    .filter((e) => {
      const g = tenant.groups().find((x) => x.id === e.groupId)!;
      return [...g.activeRoleIds, ...g.eligibleRoleIds].some((r) => ENTRA.has(r));
    })
    .map((e) => e.principal.userIndex!),
);
let dir: string;

async function collectAndAnalyze(name: string, opts: Omit<SimulatorOptions, 'tenant' | 'token'>) {
  const sim: RunningSimulator = await startSimulator({ tenant, token: TOKEN, ...opts });
  try {
    const snap = join(dir, `${name}-snap`);
    const res = await runCli(['collect', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', sim.url, '--out', snap, '--allow-partial'], {
      ENTRA_AUTH_AUDIT_TOKEN: TOKEN,
    });
    expect(res.code, res.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(snap, 'manifest.json'), 'utf8')) as { sources: { id: string; status: string; httpStatus: number | null; errorCode: string | null; records: number; pages: number }[] };
    const { results } = await analyze({ snapshotDir: snap, outDir: join(dir, `${name}-out`), config: ConfigSchema.parse({}) });
    return { manifest, results, out: join(dir, `${name}-out`), source: manifest.sources.find((s) => s.id === SOURCE) };
  } finally {
    await sim.close();
  }
}

async function cohortIds(results: AuditResult, out: string, checkId: string): Promise<Set<string>> {
  const f = results.findings.find((x) => x.checkId === checkId)!;
  if (!f.affected) return new Set();
  const text = await readFile(join(out, f.affected.file), 'utf8');
  return new Set(text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-pim-groups-'));
});

describe('PIM for Groups: collect → analyze', () => {
  let ok: Awaited<ReturnType<typeof collectAndAnalyze>>;
  beforeAll(async () => {
    ok = await collectAndAnalyze('ok', {});
  }, 120_000);

  it('the tenant has a user privileged only through a PIM group, whom isAdmin does not flag', () => {
    expect(onlyThroughPim.size).toBeGreaterThan(0);
    expect([...onlyThroughPim].some((i) => tenant.user(i).isAdmin === false)).toBe(true);
  });

  it('collects one request per role-holding group and counts those users as admins', async () => {
    expect(ok.source).toMatchObject({ status: 'ok', records: instances.length });
    expect(ok.source!.pages).toBeGreaterThanOrEqual(tenant.groups().length);
    const { results } = ok;
    expect(results.privileged).toMatchObject({ basis: 'roles', eligibleIncluded: true, note: null });
    expect(results.definitions.admins).toContain('eligible members through PIM for Groups');
    const expected = expectedMetrics(tenant);
    const got = Object.fromEntries(Object.keys(expected).map((id) => [id, results.metrics[id]]));
    expect(got).toEqual(expected);

    // The PIM-only users are in the admin cohorts exactly as their methods say.
    const noPr = await cohortIds(results, ok.out, 'admins-without-phishing-resistant-method');
    const prTokens = new Set(ConfigSchema.parse({}).methods.phishingResistant);
    for (const i of onlyThroughPim) {
      const u = tenant.user(i);
      expect(noPr.has(u.id), `user ${i}`).toBe(!u.methodsRegistered.some((m) => prTokens.has(m) || m.startsWith('x509Certificate')));
    }
  });

  it('missing permission on that source: the PIM-for-Groups part is named as not assessed, its users not counted', async () => {
    const denied = await collectAndAnalyze('denied', {
      faults: [{ path: 'privilegedAccess/group/eligibilityScheduleInstances', status: 403, code: 'Authorization_RequestDenied', times: Infinity }],
    });
    expect(denied.source).toMatchObject({ status: 'forbidden', httpStatus: 403, errorCode: 'Authorization_RequestDenied' });
    const p = denied.results.privileged;
    expect(p.basis).toBe('roles');
    expect(p.eligibleIncluded).toBe(false);
    expect(p.note).toMatch(/^eligible members of role-holding groups \(PIM for Groups\) not assessed: source groupEligibilityScheduleInstances forbidden/);
    expect(p.note).toContain('PrivilegedEligibilitySchedule.Read.AzureADGroup');
    expect(denied.results.definitions.admins).toContain('not assessed');
    expect(denied.results.metrics['admins.total']!.value).toBe((ok.results.metrics['admins.total']!.value as number) - onlyThroughPim.size);
    // the other role data is unaffected
    expect(denied.manifest.sources.find((s) => s.id === 'roleEligibilityScheduleInstances')?.status).toBe('ok');
  }, 120_000);

  it('no Entra ID P2: both eligible parts are named, PIM for Groups after the directory roles', async () => {
    const noP2 = await collectAndAnalyze('no-p2', { mode: 'no-p2' });
    expect(noP2.source).toMatchObject({ status: 'unavailable', httpStatus: 400, errorCode: 'AadPremiumLicenseRequired' });
    const p = noP2.results.privileged;
    expect(p.eligibleIncluded).toBe(false);
    expect(p.note).toMatch(/^eligible \(PIM\) assignments not included: source roleEligibilityScheduleInstances .*; eligible members of role-holding groups \(PIM for Groups\) not assessed: source groupEligibilityScheduleInstances /);
    expect(p.note).toContain('source groupEligibilityScheduleInstances unavailable (no Microsoft Entra ID P2 / ID Governance licence) HTTP 400 AadPremiumLicenseRequired');
  }, 120_000);
});
