/**
 * The simulator's userMfaSignInSummary (beta; graph-api.md §S, §F; issue #15): 30 daily rows ending with the
 * tenant's asOf (never today's date), totals from the user count and a per-user daily rate with weekday/weekend
 * variation, the single-factor share from the users whose registration row is not MFA capable, and the route's
 * auth, licence, permission, query-option and fault behaviour, like the other reports.
 */
import { describe, expect, it } from 'vitest';
import { parseFault, startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { createTenant, SIGN_IN_SUMMARY_DAYS, type SimMfaSignInDay, type SimTenant } from '../../src/simulator/tenant.js';

const PATH = '/beta/reports/authenticationMethods/userMfaSignInSummary';
const DAY = 86_400_000;
const USERS = 700;

const share = (rows: SimMfaSignInDay[]) => sum(rows, 'singleFactorSignIns') / sum(rows, 'totalSignIns');
const sum = (rows: SimMfaSignInDay[], key: 'totalSignIns' | 'singleFactorSignIns') => rows.reduce((a, r) => a + r[key], 0);
const notCapableShare = (t: SimTenant) => {
  let n = 0;
  for (let i = 0; i < t.userCount; i++) if (!t.user(i).isMfaCapable) n++;
  return n / t.userCount;
};
const isWeekend = (r: SimMfaSignInDay) => [0, 6].includes(new Date(r.createdDateTime).getUTCDay());

async function withSim<T>(tenant: SimTenant, opts: Omit<SimulatorOptions, 'tenant'>, fn: (sim: RunningSimulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ tenant, token: 't', ...opts });
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}
async function get(sim: RunningSimulator, path: string) {
  const res = await fetch(`${sim.url}${path}`, { headers: { Authorization: 'Bearer t' } });
  return { status: res.status, json: (await res.json()) as { value?: SimMfaSignInDay[]; error?: { code: string; message: string } } };
}

describe('userMfaSignInSummary rows', () => {
  it('has one row per UTC day, the 30 days before a midnight asOf, oldest first', () => {
    const rows = createTenant({ seed: 11, users: USERS }).mfaSignInSummary();
    expect(rows).toHaveLength(SIGN_IN_SUMMARY_DAYS);
    expect(rows[0]!.createdDateTime).toBe('2026-10-02T00:00:00Z');
    expect(rows.at(-1)!.createdDateTime).toBe('2026-10-31T00:00:00Z'); // default asOf 2026-11-01T00:00:00Z
    rows.forEach((r, k) => expect(Date.parse(r.createdDateTime) - Date.parse(rows[0]!.createdDateTime)).toBe(k * DAY));
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(Object.keys(rows[0]!).sort()).toEqual(['@odata.type', 'createdDateTime', 'id', 'multiFactorSignIns', 'singleFactorSignIns', 'totalSignIns']);
  });

  it('follows asOf, not the clock: a mid-day asOf ends with its own, partial day', () => {
    const rows = createTenant({ seed: 11, users: USERS, asOf: '2025-02-04T06:00:00Z' }).mfaSignInSummary();
    expect(rows).toHaveLength(SIGN_IN_SUMMARY_DAYS);
    expect(rows.at(-1)!.createdDateTime).toBe('2025-02-04T00:00:00Z');
    expect(rows[0]!.createdDateTime).toBe('2025-01-06T00:00:00Z');
    // a quarter of Tuesday 4 February has passed: about a quarter of Monday's sign-ins
    const monday = rows.at(-2)!.totalSignIns;
    expect(rows.at(-1)!.totalSignIns / monday).toBeGreaterThan(0.2);
    expect(rows.at(-1)!.totalSignIns / monday).toBeLessThan(0.3);
    // a later quarter moves the window with its asOf
    const q1 = createTenant({ seed: 11, users: USERS, quarter: 1 });
    expect(q1.mfaSignInSummary().at(-1)!.createdDateTime).toBe(new Date(Date.parse(q1.asOf) - DAY).toISOString().replace('.000Z', 'Z'));
  });

  it('is consistent: non-negative integers, single + multi = total, never multi > total; deterministic from the seed', () => {
    for (const profile of ['typical', 'clean', 'poor'] as const) {
      for (const r of createTenant({ seed: 5, users: USERS, profile }).mfaSignInSummary()) {
        for (const v of [r.totalSignIns, r.singleFactorSignIns, r.multiFactorSignIns]) expect(Number.isInteger(v) && v >= 0).toBe(true);
        expect(r.singleFactorSignIns + r.multiFactorSignIns).toBe(r.totalSignIns);
        expect(r.multiFactorSignIns).toBeLessThanOrEqual(r.totalSignIns);
      }
    }
    expect(createTenant({ seed: 5, users: USERS }).mfaSignInSummary()).toEqual(createTenant({ seed: 5, users: USERS }).mfaSignInSummary());
    expect(createTenant({ seed: 6, users: USERS }).mfaSignInSummary()).not.toEqual(createTenant({ seed: 5, users: USERS }).mfaSignInSummary());
    expect(createTenant({ seed: 5, users: 0 }).mfaSignInSummary().every((r) => r.totalSignIns === 0)).toBe(true);
  });

  it('totals scale with the users at a per-user daily rate, lower at weekends', () => {
    const small = createTenant({ seed: 5, users: USERS }).mfaSignInSummary();
    const large = createTenant({ seed: 5, users: USERS * 10 }).mfaSignInSummary();
    expect(sum(large, 'totalSignIns') / sum(small, 'totalSignIns')).toBeCloseTo(10, 1);
    const weekdays = small.filter((r) => !isWeekend(r));
    const weekends = small.filter(isWeekend);
    expect(weekends.length).toBeGreaterThanOrEqual(8);
    const perUser = (rows: SimMfaSignInDay[]) => sum(rows, 'totalSignIns') / rows.length / USERS;
    expect(perUser(weekdays)).toBeGreaterThan(1.4);
    expect(perUser(weekdays)).toBeLessThan(3.8);
    expect(perUser(weekends)).toBeLessThan(perUser(weekdays) / 2);
    expect(perUser(weekends)).toBeGreaterThan(0);
  });

  it('single-factor share = the share of users not MFA capable in the registration rows; poor ≫ typical ≫ clean', () => {
    const shares: Record<string, number> = {};
    for (const profile of ['clean', 'typical', 'poor'] as const) {
      const t = createTenant({ seed: 11, users: USERS, profile });
      const expected = notCapableShare(t);
      shares[profile] = share(t.mfaSignInSummary());
      expect(Math.abs(shares[profile]! - expected), profile).toBeLessThanOrEqual(Math.max(0.002, expected * 0.05));
    }
    expect(shares.poor).toBeGreaterThan(2 * shares.typical!);
    expect(shares.typical).toBeGreaterThan(5 * shares.clean!);
    expect(shares.clean).toBeLessThan(0.05); // the default singleFactorSignInsMax: the clean tenant passes
    expect(shares.poor).toBeGreaterThan(0.2);
  });

  it('improves with the quarters, as registration does', () => {
    const q0 = createTenant({ seed: 11, users: USERS, profile: 'poor' });
    const q4 = createTenant({ seed: 11, users: USERS, profile: 'poor', quarter: 4 });
    expect(share(q4.mfaSignInSummary())).toBeLessThan(share(q0.mfaSignInSummary()));
  });
});

describe('userMfaSignInSummary route', () => {
  const tenant = createTenant({ seed: 11, users: USERS });

  it('answers the rows on beta, rejects query options ("Not supported") and is not on v1.0', async () => {
    await withSim(tenant, {}, async (sim) => {
      const ok = await get(sim, PATH);
      expect(ok.status).toBe(200);
      expect(ok.json.value).toEqual(tenant.mfaSignInSummary());
      expect((ok.json as Record<string, unknown>)['@odata.nextLink']).toBeUndefined();
      const top = await get(sim, `${PATH}?$top=10`);
      expect(top.status).toBe(400);
      expect(top.json.error?.code).toBe('BadRequest');
      expect((await get(sim, PATH.replace('/beta/', '/v1.0/'))).status).toBe(404);
      expect(sim.stats.byRoute['userMfaSignInSummary']).toBe(2);
    });
  });

  it('needs a bearer token', async () => {
    await withSim(tenant, {}, async (sim) => {
      const res = await fetch(`${sim.url}${PATH}`);
      expect(res.status).toBe(401);
    });
  });

  it('licence, permission and app-only modes answer as for the other reports', async () => {
    const unlicensed = await withSim(tenant, { mode: 'unlicensed' }, (sim) => get(sim, PATH));
    expect(unlicensed).toMatchObject({ status: 403, json: { error: { code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant' } } });
    const denied = await withSim(tenant, { mode: 'no-permission' }, (sim) => get(sim, PATH));
    expect(denied).toMatchObject({ status: 403, json: { error: { code: 'Authentication_MSGraphPermissionMissing', message: expect.stringContaining('AuditLog.Read.All') } } });
    // application permission AuditLog.Read.All is supported (§S): app-only callers get the rows
    expect((await withSim(tenant, { mode: 'app-only' }, (sim) => get(sim, PATH))).status).toBe(200);
    expect((await withSim(tenant, { mode: 'no-p2' }, (sim) => get(sim, PATH))).status).toBe(200);
  });

  it('takes injected faults and a report slot of the rate limit', async () => {
    await withSim(tenant, { faults: [parseFault('status=503,path=userMfaSignInSummary,nth=1,times=1')] }, async (sim) => {
      expect((await get(sim, PATH)).status).toBe(503);
      expect((await get(sim, PATH)).status).toBe(200);
    });
    await withSim(tenant, { rateLimit: { requests: 1, windowMs: 60_000 } }, async (sim) => {
      expect((await get(sim, '/beta/reports/authenticationMethods/userEventsSummary?$top=1')).status).toBe(200);
      expect((await get(sim, PATH)).status).toBe(429);
    });
  });
});
