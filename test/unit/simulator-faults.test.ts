import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  parseFault,
  parseThrottle,
  startSimulator,
  type RunningSimulator,
  type SimulatorMode,
  type SimulatorOptions,
} from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';

const AUTH = { Authorization: 'Bearer any-token' };
const AM = '/reports/authenticationMethods';
const URD = `/beta${AM}/userRegistrationDetails`;
const tenant = createTenant({ seed: 21, users: 700 });

interface Page {
  '@odata.nextLink'?: string;
  value: Record<string, unknown>[];
}

async function get(sim: RunningSimulator, path: string) {
  const res = await fetch(path.startsWith('http') ? path : `${sim.url}${path}`, { headers: AUTH });
  const text = await res.text();
  return { res, json: JSON.parse(text) as Page & { error?: { code: string; message: string } } };
}

async function withSim<T>(opts: Omit<SimulatorOptions, 'tenant'>, fn: (sim: RunningSimulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ tenant, ...opts });
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

/** Raw HTTP, to see exactly what arrives on a connection that dies. */
function rawGet(sim: RunningSimulator, path: string) {
  return new Promise<{ status?: number; contentLength?: number; received: Buffer; complete: boolean; error?: string }>(
    (resolve) => {
      const chunks: Buffer[] = [];
      const req = httpRequest(`${sim.url}${path}`, { headers: AUTH, agent: false }, (res) => {
        res.on('data', (c: Buffer) => chunks.push(c));
        const done = (error?: string) =>
          resolve({ status: res.statusCode, contentLength: Number(res.headers['content-length']),
            received: Buffer.concat(chunks), complete: res.complete, ...(error ? { error } : {}) });
        res.on('end', () => done());
        res.on('aborted', () => done('aborted'));
        res.on('error', (e) => done(e.message));
      });
      req.on('error', (e) => resolve({ received: Buffer.concat(chunks), complete: false, error: e.message }));
      req.end();
    },
  );
}

describe('modes', () => {
  const ROUTES = {
    report: URD,
    retired: '/beta/reports/credentialUserRegistrationDetails',
    delegatedOnly: `/v1.0${AM}/usersRegisteredByFeature()`,
    activity: `/beta${AM}/userRegistrationActivity(period='d7')`,
    definitions: '/beta/roleManagement/directory/roleDefinitions',
    assignments: '/v1.0/roleManagement/directory/roleAssignments',
    eligibility: '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances',
    members: `/v1.0/groups/${tenant.groups()[0]?.id ?? ''}/transitiveMembers`,
    pimGroups: `/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '${tenant.groups()[1]?.id ?? ''}'`,
  } as const;
  type R = keyof typeof ROUTES;
  const ok = 200;
  const LICENCE = [403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant'] as const;
  const P2 = [400, 'AadPremiumLicenseRequired'] as const;
  const PERMISSION = [403, 'Authentication_MSGraphPermissionMissing'] as const;
  const DENIED = [403, 'Authorization_RequestDenied'] as const;
  const EXPECTED: Record<SimulatorMode, Record<R, number | readonly [number, string]>> = {
    unlicensed: { report: LICENCE, retired: LICENCE, delegatedOnly: LICENCE, activity: LICENCE, definitions: ok,
      assignments: ok, eligibility: P2, members: ok, pimGroups: P2 },
    'no-p2': { report: ok, retired: ok, delegatedOnly: ok, activity: ok, definitions: ok, assignments: ok,
      eligibility: P2, members: ok, pimGroups: P2 },
    'no-permission': { report: PERMISSION, retired: PERMISSION, delegatedOnly: PERMISSION, activity: PERMISSION,
      definitions: DENIED, assignments: DENIED, eligibility: DENIED, members: DENIED, pimGroups: DENIED },
    'app-only': { report: ok, retired: ok, delegatedOnly: DENIED, activity: DENIED, definitions: ok, assignments: ok,
      eligibility: ok, members: ok, pimGroups: ok },
  };

  for (const [mode, expected] of Object.entries(EXPECTED) as [SimulatorMode, (typeof EXPECTED)[SimulatorMode]][]) {
    it(`${mode}: answers the right code on the right routes only`, async () => {
      await withSim({ mode }, async (sim) => {
        for (const [route, want] of Object.entries(expected) as [R, number | readonly [number, string]][]) {
          const { res, json } = await get(sim, ROUTES[route]);
          if (typeof want === 'number') {
            expect(res.status, `${mode} ${route}`).toBe(want);
          } else {
            expect([res.status, json.error?.code], `${mode} ${route}`).toEqual([...want]);
            expect(json.error?.message.length).toBeGreaterThan(10);
          }
        }
      });
    });
  }

  it('words the errors as Graph does', async () => {
    await withSim({ mode: 'no-permission' }, async (sim) => {
      expect((await get(sim, URD)).json.error?.message).toBe(
        'Calling principal does not have required MSGraph permissions AuditLog.Read.All');
    });
    await withSim({ mode: 'unlicensed' }, async (sim) => {
      expect((await get(sim, URD)).json.error?.message).toBe("Neither tenant is B2C or tenant doesn't have premium license");
    });
    // PIM without P2 (maester365/maester#1421): a 400, not the 403 licence gate of the reports.
    await withSim({ mode: 'no-p2' }, async (sim) => {
      for (const path of [ROUTES.eligibility, ROUTES.pimGroups]) {
        const { res, json } = await get(sim, path);
        expect([res.status, json.error?.code, json.error?.message], path).toEqual([400, 'AadPremiumLicenseRequired',
          'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.']);
      }
    });
  });

  it('rejects an unknown mode', async () => {
    await expect(startSimulator({ tenant, mode: 'sleepy' as SimulatorMode })).rejects.toThrow(/unknown mode 'sleepy'/);
  });
});

describe('throttling', () => {
  it('lets exactly 5 of 20 simultaneous requests through at 5/100ms; the rest get 429 with Retry-After <= 0.1', async () => {
    await withSim({ rateLimit: parseThrottle('5/0.1') }, async (sim) => {
      const results = await Promise.all(Array.from({ length: 20 }, () => get(sim, `/v1.0${AM}/usersRegisteredByMethod()`)));
      const statuses = results.map((r) => r.res.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
      const waits: number[] = [];
      for (const { res, json } of results.filter((r) => r.res.status === 429)) {
        const header = res.headers.get('retry-after') ?? '';
        expect(header).toMatch(/^\d+(\.\d{1,3})?$/);
        waits.push(Number(header));
        expect(json.error?.code).toBe('TooManyRequests');
      }
      expect(Math.max(...waits)).toBeLessThanOrEqual(0.1);
      expect(Math.min(...waits)).toBeGreaterThan(0);
      expect(sim.stats.byStatus).toEqual({ '200': 5, '429': 15 });
      // Honouring Retry-After is enough: the window has a free slot again.
      await new Promise((r) => setTimeout(r, Math.max(...waits) * 1000 + 5));
      expect((await get(sim, `/v1.0${AM}/usersRegisteredByMethod()`)).res.status).toBe(200);
    });
  });

  it('parses --throttle N/S and names a bad value', () => {
    expect(parseThrottle('5/0.1')).toEqual({ requests: 5, windowMs: 100 });
    expect(parseThrottle('5/10')).toEqual({ requests: 5, windowMs: 10_000 });
    expect(parseThrottle(' 122 / 2.3 ')).toEqual({ requests: 122, windowMs: 2300 });
    for (const bad of ['5', '0/1', '5/0', 'a/b', '5/-1', '5/0.0001', '', '1.5/10']) {
      expect(() => parseThrottle(bad), bad).toThrow(`'${bad}'`);
    }
    expect(() => parseThrottle('5')).toThrow(/expected N\/S/);
  });
});

describe('fault actions', () => {
  it('drop: destroys the connection unanswered at the nth request', async () => {
    await withSim({ faults: [parseFault('action=drop,path=userRegistrationDetails,nth=3')] }, async (sim) => {
      expect((await get(sim, `${URD}?$top=1`)).res.status).toBe(200);
      expect((await get(sim, `${URD}?$top=1`)).res.status).toBe(200);
      const dropped = await rawGet(sim, `${URD}?$top=1`);
      expect(dropped.status).toBeUndefined();
      expect(dropped.received.length).toBe(0);
      expect(dropped.error).toMatch(/socket hang up|ECONNRESET/);
      expect((await get(sim, `${URD}?$top=1`)).res.status).toBe(200);
      expect(sim.stats.byStatus).toEqual({ '200': 3, drop: 1 });
    });
    // status=0 is the same fault.
    await withSim({ faults: [{ status: 0 }] }, async (sim) => {
      await expect(fetch(`${sim.url}${URD}`, { headers: AUTH })).rejects.toThrow();
    });
  });

  it('cut: sends the headers and half the body, then the connection dies', async () => {
    await withSim({ faults: [{ action: 'cut', path: 'userRegistrationDetails' }] }, async (sim) => {
      // A page is streamed (chunked, no Content-Length): half of the body the same request gets uncut.
      const cut = await rawGet(sim, `${URD}?$top=20`);
      expect(cut.status).toBe(200);
      expect(cut.contentLength).toBeNaN();
      expect(cut.complete).toBe(false);
      expect(cut.received.length).toBeGreaterThan(1000);
      expect(() => JSON.parse(cut.received.toString('utf8'))).toThrow();
      const whole = await rawGet(sim, `${URD}?$top=20`);
      expect(whole.complete).toBe(true);
      expect((JSON.parse(whole.received.toString('utf8')) as Page).value).toHaveLength(20);
      expect(cut.received.length).toBe(Math.floor(whole.received.length / 2));
      expect(cut.received).toEqual(whole.received.subarray(0, cut.received.length));
      expect(sim.stats.byStatus).toEqual({ cut: 1, '200': 1 });
    });
    // A single-object answer keeps its Content-Length, which promises the full body.
    await withSim({ faults: [{ action: 'cut', path: 'usersRegisteredByMethod' }] }, async (sim) => {
      const cut = await rawGet(sim, `/v1.0${AM}/usersRegisteredByMethod()`);
      expect(cut.status).toBe(200);
      expect(cut.complete).toBe(false);
      expect(cut.received.length).toBe(Math.floor((cut.contentLength ?? 0) / 2));
      expect(cut.received.length).toBeGreaterThan(100);
    });
  });

  it('slow: answers after delayMs, normally or with the given status; close() does not wait for it', async () => {
    await withSim({ faults: [parseFault('action=slow,delayMs=120,path=usersRegisteredByMethod'),
      parseFault('action=slow,delayMs=80,status=504,path=usersRegisteredByFeature')] }, async (sim) => {
      let started = Date.now();
      const slow = await get(sim, `/v1.0${AM}/usersRegisteredByMethod()`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(115);
      expect(slow.res.status).toBe(200);
      expect(slow.json).toMatchObject(tenant.methodSummary('all', 'all'));
      started = Date.now();
      const timeout = await get(sim, `/v1.0${AM}/usersRegisteredByFeature()`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(75);
      expect([timeout.res.status, timeout.json.error?.code]).toEqual([504, 'GatewayTimeout']);
    });
    const sim = await startSimulator({ tenant, faults: [{ action: 'slow', delayMs: 60_000 }] });
    const pending = fetch(`${sim.url}${URD}`, { headers: AUTH }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    expect(sim.stats.byStatus).toEqual({});

    // A client that gives up during the wait is counted as abandoned, so byStatus still sums to requests.
    await withSim({ faults: [{ action: 'slow', delayMs: 100 }] }, async (s2) => {
      const controller = new AbortController();
      const gone = fetch(`${s2.url}${URD}`, { headers: AUTH, signal: controller.signal }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 30));
      controller.abort();
      expect(await gone).toBeInstanceOf(Error);
      await new Promise((r) => setTimeout(r, 120));
      expect(s2.stats.byStatus).toEqual({ abandoned: 1 });
      expect(s2.stats.requests).toBe(1);
    });
  });

  it('loop: the page at nth repeats the nextLink that led to it', async () => {
    await withSim({ faults: [parseFault('action=loop,path=userRegistrationDetails,nth=2')] }, async (sim) => {
      const first = (await get(sim, `${URD}?$top=100`)).json;
      const link = first['@odata.nextLink'] ?? '';
      const second = (await get(sim, link)).json;
      expect(second['@odata.nextLink']).toBe(link);
      expect(Object.keys(second)).toEqual(['@odata.context', '@odata.nextLink', 'value']);
      // times=1: following the link again yields the same page, now with a forward link.
      const again = (await get(sim, link)).json;
      expect(again.value).toEqual(second.value);
      expect(again['@odata.nextLink']).not.toBe(link);
    });
    // Even the last page (no nextLink of its own) loops.
    await withSim({ faults: [{ action: 'loop', path: 'userRegistrationDetails', nth: 1 }] }, async (sim) => {
      const only = (await get(sim, `${URD}?$top=1000`)).json;
      expect(only.value).toHaveLength(tenant.userCount);
      expect(only['@odata.nextLink']).toBe(`${sim.url}${URD}?$top=1000`);
    });
  });

  it('dup: the page at nth starts with the previous page’s last row, and no row is lost', async () => {
    await withSim({ faults: [parseFault('action=dup,path=userRegistrationDetails,nth=2')] }, async (sim) => {
      const rows: Record<string, unknown>[] = [];
      const pages: Page[] = [];
      let next: string | undefined = `${sim.url}${URD}?$top=100`;
      while (next) {
        const page: Page = (await get(sim, next)).json;
        pages.push(page);
        rows.push(...page.value);
        next = page['@odata.nextLink'];
      }
      expect(pages[1]?.value).toHaveLength(100);
      expect(pages[1]?.value[0]).toEqual(pages[0]?.value[99]);
      const ids = rows.map((r) => r['id']);
      expect(ids).toHaveLength(tenant.userCount + 1);
      expect(new Set(ids).size).toBe(tenant.userCount);
    });
    // With a $filter the repeated row is the previous matching one.
    await withSim({ faults: [{ action: 'dup', path: 'userRegistrationDetails', nth: 2 }] }, async (sim) => {
      const filter = `$filter=${encodeURIComponent('isMfaCapable eq false')}&$top=10`;
      const first = (await get(sim, `${URD}?${filter}`)).json;
      const second = (await get(sim, first['@odata.nextLink'] ?? '')).json;
      expect(second.value[0]).toEqual(first.value[9]);
      expect(second.value.every((r) => r['isMfaCapable'] === false)).toBe(true);
    });
  });

  it('parses the new fault forms and names what is wrong', () => {
    expect(parseFault('action=drop,path=userRegistrationDetails,nth=3')).toEqual({
      action: 'drop', path: 'userRegistrationDetails', nth: 3,
    });
    expect(parseFault('status=0,times=inf')).toEqual({ status: 0, times: Infinity });
    expect(parseFault('action=slow,delayMs=1500,status=504')).toEqual({ action: 'slow', delayMs: 1500, status: 504 });
    expect(parseFault('action=cut,path=roleAssignments')).toEqual({ action: 'cut', path: 'roleAssignments' });
    expect(parseFault('action=loop,nth=2')).toEqual({ action: 'loop', nth: 2 });
    expect(parseFault('action=dup,nth=2')).toEqual({ action: 'dup', nth: 2 });
    expect(() => parseFault('action=explode')).toThrow(/action='explode'/);
    expect(() => parseFault('action=slow')).toThrow(/needs delayMs/);
    expect(() => parseFault('action=slow,delayMs=soon')).toThrow(/delayMs='soon'/);
    expect(() => parseFault('action=cut,status=500')).toThrow(/takes no status/);
    expect(() => parseFault('status=429,delayMs=5')).toThrow(/delayMs is only for action=slow/);
    expect(() => parseFault('status=0,action=loop')).toThrow(/takes no status/);
    expect(() => parseFault('path=x')).toThrow(/status is required/);
  });
});
