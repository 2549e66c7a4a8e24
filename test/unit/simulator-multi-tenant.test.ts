/**
 * The simulator serving many tenants (SimulatorOptions.tenants): each under /tenants/{id} with its own report
 * window, every tenant's report requests also counted against one per-app window (graph-api.md §C.2).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, tenantUrl, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';

const AM = '/reports/authenticationMethods';
const tenants = [1, 2, 3].map((seed) => createTenant({ seed, users: 150, asOf: '2026-01-15T00:00:00Z' }));
let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const get = async (url: string) => {
  const res = await fetch(url, { headers: { Authorization: 'Bearer t' } });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
};

describe('simulator: many tenants', () => {
  it('serves each tenant under its prefix, with nextLinks that keep it', async () => {
    sim = await startSimulator({ tenant: tenants[0]!, tenants });
    const base = tenantUrl(sim.url, tenants[1]!.tenantId);
    const first = await get(`${base}/v1.0${AM}/userRegistrationDetails?$top=100`);
    expect(first.status).toBe(200);
    const link = first.body['@odata.nextLink'] as string;
    expect(link.startsWith(`${base}/v1.0${AM}/userRegistrationDetails?`)).toBe(true);
    const second = await get(link);
    expect(second.status).toBe(200);
    expect((second.body.value as unknown[]).length).toBe(50);
    // the tenants differ: another seed, other users
    const other = await get(`${tenantUrl(sim.url, tenants[2]!.tenantId)}/v1.0${AM}/userRegistrationDetails?$top=1`);
    expect((other.body.value as { id: string }[])[0]!.id).not.toBe((first.body.value as { id: string }[])[0]!.id);
    // the root still serves the first tenant, as a single-tenant simulator does
    expect((await get(`${sim.url}/v1.0${AM}/userRegistrationDetails?$top=1`)).status).toBe(200);
    expect(sim.stats.byTenant[tenants[1]!.tenantId]).toBe(2);
    expect(sim.stats.reportsByTenant[tenants[2]!.tenantId]).toBe(1);
  });

  it('answers 400 for a tenant it does not serve', async () => {
    sim = await startSimulator({ tenant: tenants[0]!, tenants });
    const res = await get(`${tenantUrl(sim.url, '00000000-0000-0000-0000-000000000000')}/v1.0${AM}/userRegistrationDetails`);
    expect(res.status).toBe(400);
    expect((res.body.error as { code: string }).code).toBe('InvalidTenant');
  });

  it('keeps a report window per tenant and one per app across tenants', async () => {
    sim = await startSimulator({
      tenant: tenants[0]!,
      tenants,
      rateLimit: { requests: 2, windowMs: 60_000 },
      appRateLimit: { requests: 5, windowMs: 60_000 },
    });
    const at = (i: number) => `${tenantUrl(sim!.url, tenants[i]!.tenantId)}/v1.0${AM}/usersRegisteredByMethod()`;
    const statuses: number[] = [];
    // tenant 0: 2 then its own limit; tenant 1: 2; tenant 2: 1, then the app's limit (5 across tenants)
    for (const i of [0, 0, 0, 1, 1, 2, 2]) statuses.push((await get(at(i))).status);
    expect(statuses).toEqual([200, 200, 429, 200, 200, 200, 429]);
    expect(sim.stats.throttled).toEqual({ tenant: 1, directory: 0, app: 1 });
    const refused = await get(at(2));
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    // the directory routes take no slot of the report windows
    const roles = await get(`${tenantUrl(sim.url, tenants[2]!.tenantId)}/v1.0/roleManagement/directory/roleDefinitions`);
    expect(roles.status).toBe(200);
  });

  it('gives the tenant slot back when the app window refuses a request', async () => {
    sim = await startSimulator({
      tenant: tenants[0]!,
      tenants,
      rateLimit: { requests: 1, windowMs: 300 },
      appRateLimit: { requests: 1, windowMs: 300 },
    });
    const at = (i: number) => `${tenantUrl(sim!.url, tenants[i]!.tenantId)}/v1.0${AM}/usersRegisteredByMethod()`;
    expect((await get(at(0))).status).toBe(200);
    expect((await get(at(1))).status).toBe(429); // the app's window: tenant 1's own slot is given back
    await new Promise((r) => setTimeout(r, 350));
    expect((await get(at(1))).status).toBe(200);
    expect(sim.stats.throttled).toEqual({ tenant: 0, directory: 0, app: 1 });
  });
});
