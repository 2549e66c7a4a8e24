/**
 * Issue #13 §3: the 5 requests / 10 s budget is the identity-and-access reports'; role-management and group sources
 * are paced by their own budget, so they never queue behind the reports (and never spend the per-app reports budget).
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../src/collector/sources/index.js';
import { GraphTransport } from '../../src/graph/client.js';
import { RateLimiter } from '../../src/graph/rate-limiter.js';
import { DIRECTORY_BUDGET, limiterFor, REPORTS_BUDGET } from '../../src/cli/pipeline.js';

let url = '';
let close: () => Promise<void>;
beforeAll(async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"value":[]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  url = `http://127.0.0.1:${addr.port}`;
  close = () => new Promise<void>((r) => server.close(() => r()));
});
afterAll(async () => close?.());

/** A budget of one request per 60 s: a second request on it would wait a minute. */
const slow = () => new RateLimiter({ requests: 1, seconds: 60 });

describe('request budgets', () => {
  it('a directory request does not wait for the reports budget, nor take from the per-app reports budget', async () => {
    const limiter = slow();
    const appLimiter = slow();
    const transport = new GraphTransport({
      authProvider: { getAccessToken: async () => 't' },
      graphRoot: 'https://graph.microsoft.com',
      endpoint: url,
      limiter,
      appLimiter,
      directoryLimiter: new RateLimiter({ requests: 50, seconds: 10 }),
    });
    await transport.get('/reports/authenticationMethods/userRegistrationDetails', 'v1.0'); // takes the only report slot
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) await transport.get('/roleManagement/directory/roleAssignments', 'v1.0', 0, 'directory');
    expect(performance.now() - t0).toBeLessThan(5_000);
    // the report budgets are still exhausted: a report request waits (checked without waiting a minute)
    let reportDone = false;
    void transport.get('/reports/authenticationMethods/userRegistrationDetails', 'v1.0').then(() => (reportDone = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(reportDone).toBe(false);
  });

  it('every role and group source is paced by the directory budget; every report by the reports budget', () => {
    const directory = SOURCES.filter((s) => s.budget === 'directory').map((s) => s.id);
    expect(directory).toEqual(expect.arrayContaining(['roleDefinitions', 'roleAssignments', 'roleEligibilityScheduleInstances', 'roleGroupMembers']));
    for (const s of SOURCES) {
      const isDirectory = /^\/(roleManagement|groups|identityGovernance|identity|policies)\//.test(s.requests[0] ?? '') || s.dependsOn !== undefined;
      expect(s.budget ?? 'reports', s.id).toBe(isDirectory ? 'directory' : 'reports');
    }
  });

  it('on Microsoft Graph the defaults are 5 / 10 s for the reports and 50 / 10 s for the directory; none on a custom endpoint', () => {
    expect(limiterFor(undefined, false)?.budget).toEqual(REPORTS_BUDGET);
    expect(limiterFor(undefined, false, DIRECTORY_BUDGET, '--directory-rate')?.budget).toEqual(DIRECTORY_BUDGET);
    expect(limiterFor(undefined, true, DIRECTORY_BUDGET, '--directory-rate')).toBeUndefined();
    expect(limiterFor('off', false, DIRECTORY_BUDGET, '--directory-rate')).toBeUndefined();
    expect(() => limiterFor('fast', false, DIRECTORY_BUDGET, '--directory-rate')).toThrow(/^--directory-rate: rate 'fast'/);
  });
});
