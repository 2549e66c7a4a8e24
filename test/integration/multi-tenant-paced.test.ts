/**
 * run --tenants, paced, against one simulator serving three tenants and enforcing Graph's two report budgets
 * (graph-api.md §C.2), scaled: 5 / 0.1 s per tenant, and an app budget across tenants (8 / 0.1 s) below the
 * tenants' sum (15 / 0.1 s), so that the shared per-app limiter, not the tenants' own, decides the pace. A 429 would be
 * a pacing bug of the collector: none may come, and every tenant is audited. Behaviour only, no timing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, tenantUrl, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { runCli } from '../helpers/cli.js';

let sim: RunningSimulator;
let dir: string;
const tenants = [41, 42, 43].map((seed) => createTenant({ seed, users: 120 }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-multi-paced-'));
  sim = await startSimulator({
    tenant: tenants[0]!,
    tenants,
    token: 'tok-paced',
    rateLimit: { requests: 5, windowMs: 100 },
    directoryRateLimit: { requests: 50, windowMs: 100 },
    appRateLimit: { requests: 8, windowMs: 100 },
  });
  const lines = tenants.map((t, i) => `  - { id: ${t.tenantId}, name: T${i + 1}, auth: token, graphUrl: "${tenantUrl(sim.url, t.tenantId)}" }`);
  await writeFile(join(dir, 'tenants.yaml'), `tenants:\n${lines.join('\n')}\n`);
});
afterAll(async () => {
  await sim?.close();
});

it('paces every tenant to both budgets: no 429, every tenant audited, a portfolio of all', async () => {
  const out = join(dir, 'out');
  const res = await runCli(
    ['run', '--tenants', join(dir, 'tenants.yaml'), '--out', out, '--no-pdf', '--rate', '5/0.1', '--directory-rate', '50/0.1', '--app-rate', '8/0.1'],
    { ENTRA_AUTH_AUDIT_TOKEN: 'tok-paced' },
  );
  expect(res.code, res.stderr).toBe(0);
  expect(sim.stats.byStatus['429'] ?? 0, JSON.stringify(sim.stats.throttled)).toBe(0);
  expect(sim.stats.throttled).toEqual({ tenant: 0, directory: 0, app: 0 });
  for (const [i, t] of tenants.entries()) {
    // each tenant's requests reached its own prefix, and its snapshot is that tenant's
    expect(sim.stats.reportsByTenant[t.tenantId]).toBeGreaterThan(5);
    const results = JSON.parse(await readFile(join(out, `T${i + 1}`, 'results.json'), 'utf8')) as { tenant: { id: string }; sources: { status: string }[] };
    expect(results.tenant.id).toBe(t.tenantId);
    expect(results.sources.every((s) => s.status === 'ok' || s.status === 'retired')).toBe(true);
    expect(existsSync(join(out, `T${i + 1}`, 'audit.html'))).toBe(true);
  }
  expect(res.stderr).toMatch(/per-app budget 8 \/ 0\.1 s across tenants, 5 \/ 0\.1 s per tenant/);
  const portfolio = await readFile(join(out, 'portfolio', 'index.html'), 'utf8');
  for (const name of ['T1', 'T2', 'T3']) expect(portfolio).toContain(`href="../${name}/audit.html"`);
  expect(await readFile(join(out, 'portfolio', 'portfolio.md'), 'utf8')).toContain('| T3 |');
});

it('refuses --app-rate without --tenants, and a malformed one', async () => {
  const single = await runCli(['run', '--tenant', 'x', '--out', join(dir, 'never'), '--app-rate', '8/0.1']);
  expect(single.code).toBe(2);
  expect(single.stderr).toContain('--app-rate and --collect-parallel go with --tenants');
  const bad = await runCli(['run', '--tenants', join(dir, 'tenants.yaml'), '--out', join(dir, 'never2'), '--app-rate', 'fast'], { ENTRA_AUTH_AUDIT_TOKEN: 'tok-paced' });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--app-rate');
});
