import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CollectProgress, duration } from '../../src/cli/progress.js';
import { collect, type ProgressEvent } from '../../src/collector/collect.js';
import { GraphTransport } from '../../src/graph/client.js';
import { startSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';

function fake(budget: { requests: number; seconds: number } | null, columns = 200) {
  let now = 0;
  const out: string[] = [];
  const p = new CollectProgress({ write: (t) => out.push(t), sources: 14, budget, now: () => now, minIntervalMs: 200, columns });
  return { p, out, tick: (ms: number) => (now += ms) };
}

describe('collect progress line', () => {
  it('shows the longest running source, pages of expected pages, rows, sources done, rate and an ETA at its pace', () => {
    const { p, tick } = fake({ requests: 5, seconds: 10 });
    tick(1000);
    p.update({ source: 'usersRegisteredByFeature', pages: 12, records: 12, status: 'ok' });
    tick(59_000);
    p.update({ source: 'userRegistrationDetails', pages: 20, records: 19_980, expectedPages: 1002 });
    // 982 pages left at its own 20 pages / 60 s (the budget's 0.5/s is shared with the other reports)
    expect(p.line()).toBe(
      'collecting · userRegistrationDetails page 20/1,002 · 19,980 rows · 1/14 sources done · 32 requests, 0.5/s · ETA 49m06s',
    );
  });

  it('never counts faster than the budget, and leaves out the pages of the run it resumes', () => {
    const { p, tick } = fake({ requests: 5, seconds: 10 });
    tick(10_000);
    // a resumed run: 900 pages were committed before; 10 more in 10 s would be 1/s, above the budget's 0.5/s
    p.update({ source: 'userRegistrationDetails', pages: 910, records: 909_090, expectedPages: 1002, pagesBefore: 900 });
    expect(p.line()).toBe(
      'collecting · userRegistrationDetails page 910/1,002 · 909,090 rows · 0/14 sources done · 10 requests, 1.0/s · ETA 3m04s',
    );
  });

  it('uses the observed rate when there is no budget or when it is slower, and shows no ETA before the user count is known', () => {
    const { p, tick } = fake(null);
    tick(10_000);
    p.update({ source: 'userRegistrationDetails', pages: 10, records: 9_990 });
    expect(p.line()).not.toContain('ETA');
    p.update({ source: 'userRegistrationDetails', pages: 10, records: 9_990, expectedPages: 110 });
    expect(p.line()).toContain('ETA 1m40s'); // 100 pages at 1 page/s observed
  });

  it('redraws in place at most every 200 ms, clears before a log line, and never wraps', () => {
    const { p, out, tick } = fake({ requests: 5, seconds: 10 }, 40);
    p.update({ source: 'userRegistrationDetails', pages: 1, records: 999 });
    p.update({ source: 'userRegistrationDetails', pages: 2, records: 1998 });
    tick(250);
    p.update({ source: 'userRegistrationDetails', pages: 3, records: 2997 });
    expect(out).toHaveLength(2);
    for (const o of out) {
      expect(o.startsWith('\r')).toBe(true);
      expect(o.endsWith('\x1b[K')).toBe(true);
      expect(o.length - 4).toBeLessThanOrEqual(39);
    }
    p.clear();
    expect(out.at(-1)).toBe('\r\x1b[K');
    p.clear(); // nothing drawn: nothing written
    expect(out).toHaveLength(3);
  });

  it('formats durations', () => {
    expect([duration(5), duration(95), duration(3725)]).toEqual(['5s', '1m35s', '1h02m']);
  });
});

describe('collector progress events', () => {
  it('give userRegistrationDetails its expected pages once a summary report has stated the user count', async () => {
    const tenant = createTenant({ seed: 5, users: 2500 });
    const sim = await startSimulator({ tenant, token: 't' });
    const events: ProgressEvent[] = [];
    try {
      const transport = new GraphTransport({
        authProvider: { getAccessToken: async () => 't' },
        graphRoot: 'https://graph.microsoft.com',
        endpoint: sim.url,
      });
      const out = await mkdtemp(join(tmpdir(), 'eaa-progress-'));
      // one source at a time, the summaries first, so the count is known before the paged report starts
      const { SOURCES } = await import('../../src/collector/sources/index.js');
      const order = ['usersRegisteredByFeature', 'userRegistrationDetails'];
      const sources = order.map((id) => SOURCES.find((s) => s.id === id)!);
      await collect({ transport, tenantId: tenant.tenantId, cloud: 'global', outDir: join(out, 'snap'), sources, concurrency: 1, onProgress: (e) => events.push(e) });
    } finally {
      await sim.close();
    }
    const pages = events.filter((e) => e.source === 'userRegistrationDetails' && !e.status);
    expect(pages.length).toBe(3);
    expect(pages.map((e) => e.expectedPages)).toEqual([3, 3, 3]); // 2,500 users, 999 a page
  });
});
