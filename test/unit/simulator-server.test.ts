import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/simulator/tenant.js';
import { parseFault, startSimulator, type RunningSimulator } from '../../src/simulator/server.js';

const TOKEN = 'sim-test-token';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const AM = '/reports/authenticationMethods';
const tenant = createTenant({ seed: 5, users: 1234 });

interface Page {
  '@odata.context'?: string;
  '@odata.nextLink'?: string;
  value: Record<string, unknown>[];
}
interface ErrorBody {
  error: { code: string; message: string; innerError: Record<string, string> };
}

async function get(sim: RunningSimulator, path: string, headers: Record<string, string> = AUTH) {
  const res = await fetch(path.startsWith('http') ? path : `${sim.url}${path}`, { headers });
  const text = await res.text();
  return { res, text, json: JSON.parse(text) as unknown };
}

/** Follows nextLink to the end, checking each link is absolute and on the simulator's host. */
async function readAll(sim: RunningSimulator, path: string, headers: Record<string, string> = AUTH) {
  const rows: Record<string, unknown>[] = [];
  let next: string | undefined = `${sim.url}${path}`;
  let pages = 0;
  while (next) {
    expect(next.startsWith(`${sim.url}/`)).toBe(true);
    const { res, json } = await get(sim, next, headers);
    expect(res.status).toBe(200);
    const page = json as Page;
    rows.push(...page.value);
    next = page['@odata.nextLink'];
    pages++;
  }
  return { rows, pages };
}

function expectGraphError(res: Response, json: unknown, status: number, code: string): ErrorBody['error'] {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  const { error } = json as ErrorBody;
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe('string');
  expect(error.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(error.innerError['client-request-id']).toBeTruthy();
  expect(error.innerError['date']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  return error;
}

describe('startSimulator: main routes', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ tenant, token: TOKEN });
  });
  afterAll(() => sim.close());

  it('listens on loopback with an ephemeral port', () => {
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
    expect(sim.port).toBeGreaterThan(0);
  });

  it('pages userRegistrationDetails with $top and absolute nextLinks, every user exactly once', async () => {
    const { rows, pages } = await readAll(sim, `/beta${AM}/userRegistrationDetails?$top=100`);
    expect(pages).toBe(13);
    expect(rows.map((r) => r['id'])).toEqual(Array.from({ length: tenant.userCount }, (_, i) => tenant.user(i).id));
    expect(rows[7]).toEqual(tenant.user(7));
  });

  it('keeps $top in the nextLink, uses the default page size and clamps $top to 1000', async () => {
    const first = (await get(sim, `/v1.0${AM}/userRegistrationDetails`)).json as Page;
    expect(first.value).toHaveLength(100);
    expect(first['@odata.context']).toBe(`${sim.url}/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails`);
    const big = (await get(sim, `/v1.0${AM}/userRegistrationDetails?$top=5000`)).json as Page;
    expect(big.value).toHaveLength(1000);
    expect(big['@odata.nextLink']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.0\/reports\/authenticationMethods\/userRegistrationDetails\?\$top=1000&\$skiptoken=[\w-]+$/);
    const rest = (await get(sim, big['@odata.nextLink'] ?? '')).json as Page;
    expect(rest.value).toHaveLength(234);
    expect(rest['@odata.nextLink']).toBeUndefined();
  });

  it('omits defaultMfaMethod on v1.0 and includes it on beta', async () => {
    const v1 = (await get(sim, `/v1.0${AM}/userRegistrationDetails?$top=3`)).json as Page;
    const beta = (await get(sim, `/beta${AM}/userRegistrationDetails?$top=3`)).json as Page;
    expect(v1.value.every((r) => !('defaultMfaMethod' in r))).toBe(true);
    expect(beta.value.every((r) => 'defaultMfaMethod' in r)).toBe(true);
  });

  it('rejects a bad $top, a tampered $skiptoken and unsupported options with 400', async () => {
    for (const top of ['0', '-1', 'abc', '1.5', '']) {
      const { res, json } = await get(sim, `/v1.0${AM}/userRegistrationDetails?$top=${top}`);
      expectGraphError(res, json, 400, 'BadRequest');
    }
    const page = (await get(sim, `/v1.0${AM}/userRegistrationDetails?$top=10`)).json as Page;
    const link = page['@odata.nextLink'] ?? '';
    const token = new URL(link).searchParams.get('$skiptoken') ?? '';
    const forged = Buffer.from('20:00000000').toString('base64url');
    for (const bad of ['abc', forged, `${token}x`, token.slice(0, -2)]) {
      const { res, json } = await get(sim, link.replace(token, bad));
      expectGraphError(res, json, 400, 'BadRequest');
    }
    // A token is bound to its route and filter.
    const moved = await get(sim, `/beta${AM}/userEventsSummary?$skiptoken=${token}`);
    expectGraphError(moved.res, moved.json, 400, 'BadRequest');
    const filtered = await get(sim, `/v1.0${AM}/userRegistrationDetails?$filter=isAdmin eq true&$skiptoken=${token}`);
    expectGraphError(filtered.res, filtered.json, 400, 'BadRequest');
    const orderby = await get(sim, `/v1.0${AM}/userRegistrationDetails?$orderby=userPrincipalName`);
    expect(expectGraphError(orderby.res, orderby.json, 400, 'BadRequest').message).toContain('$orderby');
  });

  it('supports the documented $filter forms and carries the filter into nextLink', async () => {
    const expected = (pred: (i: number) => boolean): string[] =>
      Array.from({ length: tenant.userCount }, (_, i) => i).filter(pred).map((i) => tenant.user(i).id);

    const admins = await readAll(sim, `/beta${AM}/userRegistrationDetails?$top=5&$filter=isAdmin eq true`);
    expect(admins.rows.map((r) => r['id'])).toEqual(expected((i) => tenant.user(i).isAdmin === true));
    expect(admins.pages).toBeGreaterThan(1);

    const capable = await readAll(sim, `/beta${AM}/userRegistrationDetails?$top=999&$filter=isMfaCapable eq false`);
    expect(capable.rows.map((r) => r['id'])).toEqual(expected((i) => !tenant.user(i).isMfaCapable));

    const phone = await readAll(sim, `/beta${AM}/userRegistrationDetails?$filter=${encodeURIComponent("methodsRegistered/any(x:x eq 'mobilePhone') and isAdmin eq true")}`);
    expect(phone.rows.map((r) => r['id'])).toEqual(
      expected((i) => tenant.user(i).methodsRegistered.includes('mobilePhone') && tenant.user(i).isAdmin === true),
    );

    const prefix = await readAll(sim, `/beta${AM}/userRegistrationDetails?$filter=startswith(userPrincipalName,%27PHONE.%27)`);
    expect(prefix.rows.map((r) => r['userPrincipalName'])).toEqual(['phone.only.13@contoso-sim.example', 'phone.admin.21@contoso-sim.example']);

    for (const bad of ['isAdmin ne true', "userPrincipalName eq phone", 'isAdmin eq 1', "nope eq 'x'", "startswith(isAdmin,'t')"]) {
      const { res, json } = await get(sim, `/beta${AM}/userRegistrationDetails?$filter=${encodeURIComponent(bad)}`);
      expectGraphError(res, json, 400, 'BadRequest');
    }
  });

  it('answers usersRegisteredBy* with quoted or %27-quoted arguments and the () overload', async () => {
    const feature = await get(sim, `/v1.0${AM}/usersRegisteredByFeature(includedUserTypes=%27member%27,includedUserRoles='privilegedAdmin')`);
    expect(feature.res.status).toBe(200);
    expect(feature.json).toEqual({
      '@odata.context': `${sim.url}/v1.0/$metadata#microsoft.graph.userRegistrationFeatureSummary`,
      '@odata.type': '#microsoft.graph.userRegistrationFeatureSummary',
      ...tenant.featureSummary('member', 'privilegedAdmin'),
    });
    const method = await get(sim, `/beta${AM}/usersRegisteredByMethod()`);
    expect(method.json).toMatchObject(tenant.methodSummary('all', 'all'));
    const spaced = await get(sim, `/beta${AM}/usersRegisteredByMethod(includedUserTypes = 'guest', includedUserRoles = 'user')`);
    expect(spaced.json).toMatchObject(tenant.methodSummary('guest', 'user'));
    // Graph is case-insensitive on path segments (graph-api.md §E.1).
    const cased = await get(sim, `/V1.0/Reports/AuthenticationMethods/UsersRegisteredByFeature()`);
    expect(cased.json).toMatchObject(tenant.featureSummary('all', 'all'));

    const badEnum = await get(sim, `/v1.0${AM}/usersRegisteredByFeature(includedUserTypes='robots',includedUserRoles='all')`);
    expect(expectGraphError(badEnum.res, badEnum.json, 400, 'BadRequest').message).toContain('robots');
    for (const args of ["includedUserTypes='all'", 'includedUserTypes=all,includedUserRoles=all', "colour='red',includedUserRoles='all'"]) {
      const { res, json } = await get(sim, `/v1.0${AM}/usersRegisteredByMethod(${args})`);
      expectGraphError(res, json, 400, 'BadRequest');
    }
  });

  it('serves getCredentialUserRegistrationCount as a one-element collection, beta only', async () => {
    for (const path of ['/beta/reports/getCredentialUserRegistrationCount', '/beta/reports/getCredentialUserRegistrationCount()']) {
      const page = (await get(sim, path)).json as Page;
      expect(page.value).toEqual([tenant.credentialUserRegistrationCount()]);
    }
    const v1 = await get(sim, '/v1.0/reports/getCredentialUserRegistrationCount');
    expectGraphError(v1.res, v1.json, 404, 'Request_ResourceNotFound');
  });

  it('pages userEventsSummary and hides later enum members unless asked for them', async () => {
    const plain = await readAll(sim, `/beta${AM}/userEventsSummary?$top=1000`);
    expect(plain.rows).toHaveLength(tenant.eventCount);
    const base = ['email', 'mobileSMS', 'mobileCall', 'officePhone', 'securityQuestion', 'appNotification', 'appCode',
      'alternateMobileCall', 'fido', 'appPassword', 'unknownFutureValue'];
    expect(plain.rows.every((e) => base.includes(e['authMethod'] as string))).toBe(true);

    const prefer = { ...AUTH, Prefer: 'include-unknown-enum-members' };
    const full = await readAll(sim, `/beta${AM}/userEventsSummary?$top=1000`, prefer);
    expect(full.rows).toEqual(Array.from({ length: tenant.eventCount }, (_, j) => tenant.event(j)));
    const res = await fetch(`${sim.url}/beta${AM}/userEventsSummary?$top=1`, { headers: prefer });
    expect(res.headers.get('preference-applied')).toBe('include-unknown-enum-members');

    const failures = await readAll(sim, `/beta${AM}/userEventsSummary?$filter=isSuccess eq false and feature eq 'reset'`, prefer);
    expect(failures.rows).toEqual(full.rows.filter((e) => e['isSuccess'] === false && e['feature'] === 'reset'));
  });

  it('serves userRegistrationActivity for d1/d7/d30 and rejects other periods', async () => {
    const prefer = { ...AUTH, Prefer: 'include-unknown-enum-members' };
    for (const period of ['d1', 'd7', 'd30'] as const) {
      const page = (await get(sim, `/beta${AM}/userRegistrationActivity(period='${period}')`, prefer)).json as Page;
      expect(page.value).toEqual(tenant.registrationActivity(period));
    }
    const masked = (await get(sim, `/beta${AM}/userRegistrationActivity(period=%27d30%27)`)).json as Page;
    const total = (rows: readonly object[]): number =>
      rows.reduce((n: number, r) => n + Object.entries(r).reduce((m, [k, v]) => (k.endsWith('ActivityCount') ? m + Number(v) : m), 0), 0);
    expect(total(masked.value)).toBe(total(tenant.registrationActivity('d30')));
    expect(masked.value.some((r) => r['authMethod'] === 'unknownFutureValue')).toBe(true);

    const filtered = (await get(sim, `/beta${AM}/userRegistrationActivity(period='d7')?$filter=feature eq 'registration'`)).json as Page;
    expect(filtered.value.length).toBeGreaterThan(0);
    expect(filtered.value.every((r) => r['feature'] === 'registration')).toBe(true);

    for (const args of ["period='d90'", '', "period='D7x'"]) {
      const { res, json } = await get(sim, `/beta${AM}/userRegistrationActivity(${args})`);
      expectGraphError(res, json, 400, 'BadRequest');
    }
  });

  it('answers 404 in the Graph error shape for unknown routes and 405 for other methods', async () => {
    const { res, json } = await get(sim, '/v1.0/reports/authenticationMethods/nothingHere');
    expect(expectGraphError(res, json, 404, 'Request_ResourceNotFound').message).toContain('nothingHere');
    const post = await fetch(`${sim.url}/v1.0${AM}/userRegistrationDetails`, { method: 'POST', headers: AUTH });
    expect(post.status).toBe(405);
    expect(((await post.json()) as ErrorBody).error.code).toBe('Request_BadRequest');
  });

  it('answers 401 without a token or with a wrong one, never echoing it', async () => {
    const missing: Record<string, string>[] = [{}, { Authorization: '' }, { Authorization: 'Bearer ' }, { Authorization: 'Basic abc' }];
    for (const headers of missing) {
      const { res, json } = await get(sim, `/v1.0${AM}/userRegistrationDetails`, headers);
      expectGraphError(res, json, 401, 'InvalidAuthenticationToken');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
    const wrong = await get(sim, `/v1.0${AM}/userRegistrationDetails`, { Authorization: 'Bearer leaked-secret-value' });
    expectGraphError(wrong.res, wrong.json, 401, 'InvalidAuthenticationToken');
    expect(wrong.text).not.toContain('leaked-secret-value');
    expect([...wrong.res.headers.values()].join(' ')).not.toContain('leaked-secret-value');
  });

  it('echoes a well-formed client-request-id', async () => {
    const id = '3f1a2b4c-0000-4000-8000-123456789abc';
    const { res } = await get(sim, `/v1.0${AM}/nothing`, { ...AUTH, 'client-request-id': id });
    expect(res.headers.get('client-request-id')).toBe(id);
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts requests by status and by route name', () => {
    expect(sim.stats.requests).toBeGreaterThan(50);
    expect(sim.stats.byRoute['userRegistrationDetails']).toBeGreaterThan(10);
    expect(sim.stats.byRoute['usersRegisteredByFeature']).toBeGreaterThan(0);
    expect(sim.stats.byRoute['notFound']).toBeGreaterThan(0);
    expect(sim.stats.byStatus['401']).toBe(5);
    const total = Object.values(sim.stats.byStatus).reduce((a, b) => a + b, 0);
    expect(total).toBe(sim.stats.requests);
  });
});

describe('startSimulator: faults and throttling', () => {
  it('answers 429 with Retry-After and the throttling body, then succeeds', async () => {
    const sim = await startSimulator({
      tenant,
      faults: [parseFault('status=429,path=userregistrationdetails,nth=2,retryAfter=0.2,times=1')],
    });
    try {
      const path = `/beta${AM}/userRegistrationDetails?$top=1`;
      expect((await get(sim, path)).res.status).toBe(200);
      const throttled = await get(sim, path);
      const error = expectGraphError(throttled.res, throttled.json, 429, 'TooManyRequests');
      expect(throttled.res.headers.get('retry-after')).toBe('0.2');
      expect(error.message).toBe('Please retry again later.');
      expect(error.innerError).toMatchObject({ code: '429', status: '429', message: 'Please retry after' });
      expect((await get(sim, path)).res.status).toBe(200);
      // Other routes do not count towards the rule.
      expect((await get(sim, `/beta${AM}/usersRegisteredByMethod()`)).res.status).toBe(200);
      expect(sim.stats.byStatus).toEqual({ '200': 3, '429': 1 });
    } finally {
      await sim.close();
    }
  });

  it('fires licence-gate 403s and transient 503s as configured', async () => {
    const sim = await startSimulator({
      tenant,
      faults: [
        { path: 'credentialUserRegistrationDetails', status: 403, code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', times: Infinity },
        { path: 'usersRegisteredByFeature', status: 503, times: 2, retryAfter: '1' },
      ],
    });
    try {
      for (let k = 0; k < 3; k++) {
        const { res, json } = await get(sim, '/beta/reports/credentialUserRegistrationDetails');
        const error = expectGraphError(res, json, 403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant');
        expect(error.message).toBe("Neither tenant is B2C or tenant doesn't have premium license");
      }
      const path = `/v1.0${AM}/usersRegisteredByFeature()`;
      for (let k = 0; k < 2; k++) {
        const { res, json } = await get(sim, path);
        expectGraphError(res, json, 503, 'ServiceUnavailable');
        expect(res.headers.get('retry-after')).toBe('1');
      }
      expect((await get(sim, path)).res.status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('enforces an optional request-rate limit with Retry-After', async () => {
    const sim = await startSimulator({ tenant, rateLimit: { requests: 5, windowMs: 10_000 } });
    try {
      const statuses: number[] = [];
      for (let k = 0; k < 6; k++) statuses.push((await get(sim, `/v1.0${AM}/usersRegisteredByMethod()`)).res.status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const { res } = await get(sim, `/v1.0${AM}/usersRegisteredByMethod()`);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await sim.close();
    }
  });

  it('parses the CLI fault syntax and names what is wrong', () => {
    expect(parseFault('status=429,path=userRegistrationDetails,nth=2,retryAfter=0.2,times=1')).toEqual({
      status: 429, path: 'userRegistrationDetails', nth: 2, retryAfter: '0.2', times: 1,
    });
    expect(parseFault('status=503, times=inf')).toEqual({ status: 503, times: Infinity });
    expect(parseFault('status=403,code=Authentication_MSGraphPermissionMissing')).toEqual({
      status: 403, code: 'Authentication_MSGraphPermissionMissing',
    });
    expect(() => parseFault('status=429,colour=red')).toThrow(/unknown key 'colour'/);
    expect(() => parseFault('status=abc')).toThrow(/status='abc'/);
    expect(() => parseFault('status=200')).toThrow(/status=200/);
    expect(() => parseFault('path=x')).toThrow(/status is required/);
    expect(() => parseFault('status=429,nth=0')).toThrow(/nth='0'/);
    expect(() => parseFault('status=429,times=-2')).toThrow(/times='-2'/);
    expect(() => parseFault('status=429,retryAfter=soon')).toThrow(/retryAfter='soon'/);
    expect(() => parseFault('status=429,status=503')).toThrow(/status is given twice/);
    expect(() => parseFault('status=429,nth=')).toThrow(/nth needs a value/);
  });
});

describe('startSimulator: retired reports', () => {
  const RETIRED = [
    ['/beta/reports/userCredentialUsageDetails', 'Fri, 01 Aug 2025 00:00:00 GMT'],
    ["/beta/reports/getCredentialUsageSummary(period='D30')", 'Fri, 01 Aug 2025 00:00:00 GMT'],
    ['/beta/reports/credentialUserRegistrationDetails', 'Sun, 30 Jun 2024 00:00:00 GMT'],
  ] as const;

  it("'empty' (default) answers 200 with no rows and Deprecation/Sunset headers", async () => {
    const sim = await startSimulator({ tenant });
    try {
      for (const [path, date] of RETIRED) {
        const { res, json } = await get(sim, path);
        expect(res.status).toBe(200);
        expect((json as Page).value).toEqual([]);
        expect(res.headers.get('sunset')).toBe(date);
        expect(res.headers.get('deprecation')).toBe(date);
      }
      const bad = await get(sim, "/beta/reports/getCredentialUsageSummary(period='D2')");
      expectGraphError(bad.res, bad.json, 400, 'BadRequest');
    } finally {
      await sim.close();
    }
  });

  it("'gone' answers 410 in the Graph error shape", async () => {
    const sim = await startSimulator({ tenant, retired: 'gone' });
    try {
      for (const [path, date] of RETIRED) {
        const { res, json } = await get(sim, path);
        expectGraphError(res, json, 410, 'Gone');
        expect(res.headers.get('sunset')).toBe(date);
      }
      expect(sim.stats.byRoute).toEqual({ userCredentialUsageDetails: 1, credentialUsageSummary: 1, credentialUserRegistrationDetails: 1 });
    } finally {
      await sim.close();
    }
  });

  it("'legacy' serves the data, still with the deprecation headers", async () => {
    const sim = await startSimulator({ tenant, retired: 'legacy', defaultPageSize: 500 });
    try {
      const legacy = await readAll(sim, '/beta/reports/credentialUserRegistrationDetails');
      expect(legacy.pages).toBe(3);
      expect(legacy.rows).toEqual(Array.from({ length: tenant.userCount }, (_, i) => tenant.legacyCredentialRow(i)));

      const prefer = { ...AUTH, Prefer: 'include-unknown-enum-members' };
      const events = await readAll(sim, '/beta/reports/userCredentialUsageDetails', prefer);
      expect(events.rows).toHaveLength(tenant.eventCount);

      // The period is case-insensitive (graph-api.md §3) and the numbers equal the successor's.
      const summary = await get(sim, "/beta/reports/getCredentialUsageSummary(period='d7')", prefer);
      expect(summary.res.headers.get('sunset')).toBe('Fri, 01 Aug 2025 00:00:00 GMT');
      expect((summary.json as Page).value).toEqual(tenant.registrationActivity('d7'));
    } finally {
      await sim.close();
    }
  });
});

describe('startSimulator: lifecycle', () => {
  it('closes promptly even with an idle keep-alive connection', async () => {
    const sim = await startSimulator({ tenant });
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${sim.url}/v1.0${AM}/usersRegisteredByMethod()`, { headers: { ...AUTH, Connection: 'keep-alive' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(`${sim.url}/v1.0${AM}/usersRegisteredByMethod()`, { headers: AUTH })).rejects.toThrow();
  });

  it('rejects invalid options', async () => {
    await expect(startSimulator({ tenant, defaultPageSize: 0 })).rejects.toThrow(/defaultPageSize/);
    await expect(startSimulator({ tenant, faults: [{ status: 200 }] })).rejects.toThrow(/status=200/);
  });
});
