/**
 * Issue #15 (source): userMfaSignInSummary collected from the simulator through the real CLI and Graph client —
 * 30 daily rows ending at the tenant's asOf, stored as served, consistent totals, a single-factor share that
 * follows the tenant's registration (poor ≫ clean) and reaches the analysis — and the statuses of the status model
 * when the tenant has no Entra ID P1 ('unavailable') or the app lacks AuditLog.Read.All ('forbidden', naming it).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { createTenant, type SimTenant, type TenantProfile } from '../../src/simulator/tenant.js';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'test-token-mfa-sign-in-summary';
const ID = 'userMfaSignInSummary';
const DAY = 86_400_000;
type Source = { id: string; status: string; path: string; httpStatus: number | null; errorCode: string | null; errorMessage: string | null; records: number; pages: number; file: string };
type Day = { id: string; createdDateTime: string; totalSignIns: number; singleFactorSignIns: number; multiFactorSignIns: number };
let dir: string;

const tenantOf = (profile: TenantProfile): SimTenant => createTenant({ seed: 11, users: 700, profile });

async function collect(name: string, tenant: SimTenant, opts: Omit<SimulatorOptions, 'tenant' | 'token'>, exitCode = 0) {
  const sim = await startSimulator({ tenant, token: TOKEN, ...opts });
  try {
    const snap = join(dir, name);
    const res = await runCli(['collect', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', sim.url, '--out', snap, '--allow-partial'], { ENTRA_AUTH_AUDIT_TOKEN: TOKEN });
    expect(res.code, res.stderr).toBe(exitCode);
    const manifest = JSON.parse(await readFile(join(snap, 'manifest.json'), 'utf8')) as { sources: Source[] };
    const source = manifest.sources.find((s) => s.id === ID)!;
    const rows = source.status === 'ok'
      ? (await readFile(join(snap, source.file), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Day)
      : [];
    return { snap, source, rows, stats: sim.stats };
  } finally {
    await sim.close();
  }
}

const share = (rows: Day[]) => rows.reduce((a, r) => a + r.singleFactorSignIns, 0) / rows.reduce((a, r) => a + r.totalSignIns, 0);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-mfa-sign-in-summary-'));
});

describe('userMfaSignInSummary: collect from the simulator', () => {
  it('collects 30 consistent days ending at asOf, verbatim; the poor tenant signs in with one factor far more often', async () => {
    const clean = tenantOf('clean');
    const poor = tenantOf('poor');
    const a = await collect('clean', clean, {});
    const b = await collect('poor', poor, {});
    for (const [t, got] of [[clean, a], [poor, b]] as const) {
      expect(got.source).toMatchObject({ status: 'ok', httpStatus: 200, records: 30, pages: 1, path: '/reports/authenticationMethods/userMfaSignInSummary' });
      expect(got.rows).toEqual(t.mfaSignInSummary());
      // the 30 UTC days before the tenant's asOf (midnight), one a day, oldest first
      const last = Date.parse(t.asOf) - DAY;
      expect(got.rows.map((r) => Date.parse(r.createdDateTime))).toEqual(Array.from({ length: 30 }, (_, k) => last - (29 - k) * DAY));
      for (const r of got.rows) {
        expect(r.singleFactorSignIns + r.multiFactorSignIns, r.createdDateTime).toBe(r.totalSignIns);
        expect(r.totalSignIns).toBeGreaterThan(0);
      }
    }
    expect(share(b.rows)).toBeGreaterThan(share(a.rows) * 10);
    expect(share(a.rows)).toBeLessThan(0.05);
    expect(share(b.rows)).toBeGreaterThan(0.2);

    // the analysis reads it: the single-factor share over the period
    const res = await runCli(['analyze', b.snap, '--out', join(dir, 'poor-out')]);
    expect(res.code, res.stderr).toBe(0);
    const results = JSON.parse(await readFile(join(dir, 'poor-out', 'results.json'), 'utf8')) as { metrics: Record<string, { numerator?: number; denominator?: number }> };
    expect(results.metrics['usage.single_factor_signin_share']).toMatchObject({
      numerator: b.rows.reduce((s, r) => s + r.singleFactorSignIns, 0),
      denominator: b.rows.reduce((s, r) => s + r.totalSignIns, 0),
    });
  }, 180_000);

  it('without Entra ID P1: unavailable', async () => {
    const { source, rows } = await collect('unlicensed', tenantOf('typical'), { mode: 'unlicensed' });
    expect(source).toMatchObject({
      status: 'unavailable',
      httpStatus: 403,
      errorCode: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
      errorMessage: expect.stringContaining('(needs Microsoft Entra ID P1 or P2)'),
    });
    expect(rows).toEqual([]);
  }, 120_000);

  it('without AuditLog.Read.All: forbidden, naming the permission', async () => {
    const { source } = await collect('denied', tenantOf('typical'), { mode: 'no-permission' }, 4);
    expect(source).toMatchObject({
      status: 'forbidden',
      httpStatus: 403,
      errorCode: 'Authentication_MSGraphPermissionMissing',
      errorMessage: 'Calling principal does not have required MSGraph permissions AuditLog.Read.All (needs AuditLog.Read.All)',
    });
  }, 120_000);
});
