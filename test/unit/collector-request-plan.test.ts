/**
 * The collector tells the per-app budget the report requests it will send (CollectOptions.onPlanned, RequestPlan):
 * run --tenants orders the tenants by the work they have left (RateLimiter.staggered + expect). Against the
 * simulator: what it told adds up to the report requests the simulator saw, is never behind what was sent, tells
 * the pages of userRegistrationDetails ahead once the user count is known, and leaves directory requests out. And
 * it asks for the next slices of a source ahead, so that they wait for the budget together, written in slice order.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect } from '../../src/collector/collect.js';
import { SOURCES } from '../../src/collector/sources/index.js';
import { GraphTransport } from '../../src/graph/client.js';
import { RateLimiter } from '../../src/graph/rate-limiter.js';
import { startSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';

interface Sent {
  /** requests told when this one was granted */
  told: number;
  /** requests granted with this one */
  granted: number;
  path: string;
}

async function run(users: number, sources = SOURCES, concurrency?: number) {
  const tenant = createTenant({ seed: 11, users });
  const sim = await startSimulator({ tenant, token: 't' });
  try {
    let told = 0;
    const view = new RateLimiter({ requests: 1_000_000, seconds: 1 }).staggered(0, 5);
    const sent: Sent[] = [];
    const transport = new GraphTransport({
      authProvider: { getAccessToken: async () => 't' },
      graphRoot: 'https://graph.microsoft.com',
      endpoint: sim.url,
      appLimiter: view,
      onRequest: ({ url }) => sent.push({ told, granted: view.grantedCount, path: new URL(url).pathname }),
    });
    const out = await mkdtemp(join(tmpdir(), 'eaa-plan-'));
    await collect({
      transport,
      tenantId: tenant.tenantId,
      cloud: 'global',
      outDir: join(out, 'snap'),
      sources,
      concurrency,
      onPlanned: (n) => {
        expect(n).toBeGreaterThan(0);
        told += n;
        view.expect(n);
      },
    });
    return { told, sent, granted: view.grantedCount, reportsSeen: sim.stats.reportsByTenant[tenant.tenantId] ?? 0, allSeen: sim.stats.requests };
  } finally {
    await sim.close();
  }
}

describe('collector: the report requests it plans (onPlanned)', () => {
  it('tells exactly the report requests it sends, never fewer than it has sent, and no directory request', async () => {
    const r = await run(2_500);
    // every report request told, and only those: the simulator counted them apart from the directory's
    expect(r.reportsSeen).toBeGreaterThan(30);
    expect(r.granted).toBe(r.reportsSeen);
    expect(r.told).toBe(r.reportsSeen);
    expect(r.allSeen).toBeGreaterThan(r.reportsSeen); // directory requests were sent, and not told
    // the slices of every report source at once, before any request
    const slices = SOURCES.filter((s) => (s.budget ?? 'reports') === 'reports').reduce((n, s) => n + s.requests.length, 0);
    expect(r.sent[0]!.told).toBe(slices);
    for (const s of r.sent) expect(s.told).toBeGreaterThanOrEqual(s.granted);
  });

  it('tells the pages of userRegistrationDetails ahead, once a summary report has stated the user count', async () => {
    // one source at a time, the summary first: 5,000 users at 999 a page are 6 pages (the last one short)
    const order = ['usersRegisteredByFeature', 'userRegistrationDetails'];
    const r = await run(5_000, order.map((id) => SOURCES.find((s) => s.id === id)!), 1);
    const details = r.sent.filter((s) => s.path.endsWith('/userRegistrationDetails'));
    expect(details).toHaveLength(6);
    expect(r.told).toBe(r.reportsSeen);
    // before the count was known, only what could be known: the summary's 12 slices and the first page
    expect(r.sent[0]!.told).toBe(13);
    // when its first page went, every page was told: the work left was known, not found a page at a time
    expect(details[0]!.told).toBe(r.told);
  });
});

describe('collector: slices asked for ahead', () => {
  it('has the next four slices of a source out at once after one has answered, and writes their rows in slice order', async () => {
    const tenant = createTenant({ seed: 12, users: 300 });
    const sim = await startSimulator({ tenant, token: 't' });
    const def = SOURCES.find((s) => s.id === 'usersRegisteredByFeature')!;
    try {
      // the tenant's budget (big enough never to hold a request back): how many of its requests are out at once
      const limiter = new RateLimiter({ requests: 1_000, seconds: 1 });
      const acquire = limiter.acquire.bind(limiter);
      let out = 0;
      let most = 0;
      limiter.acquire = async (priority?: number) => {
        const release = await acquire(priority);
        most = Math.max(most, ++out);
        return () => {
          out--;
          release();
        };
      };
      const transport = new GraphTransport({ authProvider: { getAccessToken: async () => 't' }, graphRoot: 'https://graph.microsoft.com', endpoint: sim.url, limiter });
      const dir = join(await mkdtemp(join(tmpdir(), 'eaa-ahead-')), 'snap');
      await collect({ transport, tenantId: tenant.tenantId, cloud: 'global', outDir: dir, sources: [def] });
      expect(def.requests).toHaveLength(12);
      expect(most).toBe(4); // once the first slice has answered: the next four
      // one row per slice, in the order of the slices whatever order the answers came in
      const rows = (await readFile(join(dir, 'usersRegisteredByFeature.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { userTypes: string; userRoles: string });
      expect(rows.map((r) => `includedUserTypes='${r.userTypes}',includedUserRoles='${r.userRoles}'`)).toEqual(
        def.requests.map((r) => /includedUserTypes='[^']*',includedUserRoles='[^']*'/.exec(r)![0]),
      );
    } finally {
      await sim.close();
    }
  });

  it('asks for no slice ahead of a first one the token may not read (a delegated-only report, an application token)', async () => {
    const tenant = createTenant({ seed: 12, users: 300 });
    const sim = await startSimulator({ tenant, token: 't', mode: 'app-only' });
    const def = SOURCES.find((s) => s.id === 'usersRegisteredByFeature')!;
    try {
      const transport = new GraphTransport({ authProvider: { getAccessToken: async () => 't' }, graphRoot: 'https://graph.microsoft.com', endpoint: sim.url });
      const { manifest } = await collect({ transport, tenantId: tenant.tenantId, cloud: 'global', outDir: join(await mkdtemp(join(tmpdir(), 'eaa-ahead-')), 'snap'), sources: [def] });
      expect(manifest.sources[0]!.status).not.toBe('ok');
      expect(sim.stats.requests).toBe(1);
    } finally {
      await sim.close();
    }
  });
});
