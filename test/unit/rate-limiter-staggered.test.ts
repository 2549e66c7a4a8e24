/**
 * run --tenants shares the per-app budget staggered (RateLimiter.staggered, multi-tenant.ts STAGGER_LAG): on a fake
 * clock, tenants paced at 5 / 10 s each and 122 / 10 s together finish one after another instead of in two groups,
 * the budgets are never exceeded, the app budget is not left unused while a request waits, and every tenant finishes.
 * Told the work each tenant has left (RateLimiter.expect, as the collector does), the run with its packs ends
 * sooner than in the order of the work done.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STAGGER_LAG } from '../../src/cli/multi-tenant.js';
import { RateLimiter } from '../../src/graph/rate-limiter.js';

/** A virtual clock: sleep() resolves when run() advances time to it; nothing waits for real time. */
class FakeClock {
  t = 0;
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;
  now = (): number => this.t;
  sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      this.timers.push({ at: this.t + ms, seq: this.seq++, resolve });
    });
  /** Runs until `done` settles: microtasks first, then the earliest timer. */
  async run(done: Promise<unknown>): Promise<void> {
    let finished = false;
    void done.then(() => (finished = true));
    for (let guard = 0; guard < 1_000_000; guard++) {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      if (finished) return;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) throw new Error('deadlock: nothing to wait for');
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    throw new Error('did not finish');
  }
}

interface Run {
  /** when each tenant's last response arrived, ms */
  finished: number[];
  /** [tenant, grant time ms] of every report request the app budget admitted */
  grants: [number, number][];
}

/**
 * `tenants` tenants of `requests` report requests each, up to 5 in flight (as the collector), each answered `latency`
 * ms after it is sent; the tenant's own limiter first, then its view of the app limiter.
 */
async function collect(
  tenants: number[],
  view: (app: RateLimiter, i: number) => RateLimiter,
  latency = 30,
  settleMs = 5,
  /** tell each view its tenant's requests before the first (RateLimiter.expect), as the collector does */
  tell = false,
): Promise<Run> {
  const clock = new FakeClock();
  const app = new RateLimiter({ requests: 122, seconds: 10 }, clock.now, clock.sleep).settle(settleMs);
  const finished: number[] = [];
  const grants: [number, number][] = [];
  const tenant = async (i: number, requests: number) => {
    const own = new RateLimiter({ requests: 5, seconds: 10 }, clock.now, clock.sleep);
    const shared = view(app, i);
    if (tell) shared.expect(requests);
    let next = 0;
    const worker = async () => {
      while (next < requests) {
        next++;
        const release = await own.acquire();
        const releaseApp = await shared.acquire();
        grants.push([i, clock.now()]);
        await clock.sleep(latency);
        releaseApp();
        release();
      }
    };
    await Promise.all(Array.from({ length: 5 }, worker));
    finished[i] = clock.now();
  };
  await clock.run(Promise.all(tenants.map((r, i) => tenant(i, r))));
  return { finished, grants };
}

/** When the last of the tenants' packs is written, each `cpuMs` of work, `cores` at a time, in the order they finished. */
function packsEnd(finished: number[], cpuMs: number, cores = 2): number {
  const free = Array.from({ length: cores }, () => 0);
  for (const f of [...finished].sort((a, b) => a - b)) {
    free.sort((a, b) => a - b);
    free[0] = Math.max(free[0]!, f) + cpuMs;
  }
  return Math.max(...free);
}

/** The production view: tenant i's lag, in blocks of its own budget (5 / 10 s), told its requests. */
const production = (app: RateLimiter, i: number) => app.staggered(i * STAGGER_LAG, 5);

/** The most grants of `who` (all when undefined) inside any window of `ms`. */
function busiestWindow(grants: [number, number][], ms: number, who?: number): number {
  const times = grants.filter(([i]) => who === undefined || i === who).map(([, t]) => t).sort((a, b) => a - b);
  let most = 0;
  for (let a = 0, b = 0; b < times.length; b++) {
    while (times[b]! - times[a]! >= ms) a++;
    most = Math.max(most, b - a + 1);
  }
  return most;
}

describe('RateLimiter.staggered, 50 tenants of 33 report requests', () => {
  it('finishes tenants one after another, where lanes finish them in two groups, in no more time', async () => {
    const sizes = Array.from({ length: 50 }, () => 33);
    const staggered = await collect(sizes, production, 30, 5, true);
    const lanes = await collect(sizes, (app, i) => app.lane(Math.floor(i / 25)));
    const end = (r: Run) => Math.max(...r.finished);
    const lastWindow = (r: Run) => r.finished.filter((t) => t > end(r) - 10_000).length;
    // lanes: 25 tenants end within the last window (their packs all render after the collection)
    expect(lastWindow(lanes)).toBeGreaterThanOrEqual(20);
    // staggered: a few per window, from the first at about 66 s on
    expect(lastWindow(staggered)).toBeLessThanOrEqual(12);
    const perWindow = new Map<number, number>();
    for (const t of staggered.finished) perWindow.set(Math.floor(t / 10_000), (perWindow.get(Math.floor(t / 10_000)) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(12);
    expect(Math.min(...staggered.finished)).toBeLessThan(75_000);
    // at most one window longer than lanes (the tail is no longer full: the price of finishing staggered)
    expect(end(staggered)).toBeLessThanOrEqual(end(lanes) + 10_500);
  });
});

describe('RateLimiter.staggered, told the work left', () => {
  it('ends the run with its packs sooner than the order of the work done, for equal and for mixed tenants', async () => {
    // packs of 2.1 CPU-seconds, two at a time (a 1,000-user pack with its PDF on the 2-core machine, BENCHMARKS.md)
    const mixed = Array.from({ length: 50 }, (_, i) => 33 + ((i * 17) % 28)); // 33–60 requests, in no order
    for (const sizes of [Array.from({ length: 50 }, () => 33), mixed]) {
      const told = await collect(sizes, production, 30, 5, true);
      const done = await collect(sizes, (app, i) => app.staggered(i * 0.65), 30, 5, false); // the order until session 10
      const floor = Math.max(sizes.reduce((a, b) => a + b, 0) / 122, Math.max(...sizes) / 5) * 10_000;
      const ratio = (r: Run) => packsEnd(r.finished, 2_100) / floor;
      expect(ratio(told)).toBeLessThan(ratio(done) - 0.015);
      expect(ratio(told)).toBeLessThan(1.09);
    }
  });

  it('serves the view with the most blocks of work left first, then the lower lag, a whole block at a time', async () => {
    const clock = new FakeClock();
    const app = new RateLimiter({ requests: 1, seconds: 1 }, clock.now, clock.sleep);
    const a = app.staggered(0, 5);
    const b = app.staggered(1, 5);
    const c = app.staggered(2, 5);
    a.expect(6); // 2 blocks left: place 0 - 10
    b.expect(10); // 2 blocks: 1 - 10
    c.expect(11); // 3 blocks: 2 - 15
    const order: string[] = [];
    const waiting: Promise<void>[] = [];
    const hold = await app.acquire(); // the one slot, until every request waits
    for (const [name, view, n] of [['a', a, 6], ['b', b, 10], ['c', c, 11]] as const) {
      for (let k = 0; k < n; k++) {
        waiting.push(
          view.acquire().then((release) => {
            order.push(name);
            release();
          }),
        );
      }
    }
    hold();
    await clock.run(Promise.all(waiting));
    // c (3 blocks left) once, to 2 like the others; a (2 blocks, lag 0) down to 1; b, c likewise; then by lag again
    expect(order.join('')).toBe('c' + 'a' + 'bbbbb' + 'ccccc' + 'aaaaa' + 'bbbbb' + 'ccccc');
  });
});

describe('RateLimiter.staggered, any tenants', () => {
  it('keeps both budgets, never leaves the app budget unused while a tenant could send, and finishes every tenant', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.boolean(),
        async (sizes, lag, tell) => {
        // told or not the work left (and in blocks of the tenant's 5 when told)
        const run = await collect(sizes, (app, i) => app.staggered(i * lag, tell ? 5 : 1), 20, 5, tell);
        expect(run.finished.filter((t) => t !== undefined)).toHaveLength(sizes.length);
        expect(run.grants).toHaveLength(sizes.reduce((a, b) => a + b, 0));
        expect(busiestWindow(run.grants, 10_000)).toBeLessThanOrEqual(122);
        for (let i = 0; i < sizes.length; i++) expect(busiestWindow(run.grants, 10_000, i)).toBeLessThanOrEqual(5);
        // work-conserving: the whole collection takes no longer than the busiest of the two floors allows, plus the
        // answer delays and one window (each tenant's own 5 / 10 s, and the app's 122 / 10 s)
        const windows = Math.max(Math.ceil(sizes.reduce((a, b) => a + b, 0) / 122), ...sizes.map((n) => Math.ceil(n / 5)));
        expect(Math.max(...run.finished)).toBeLessThanOrEqual(windows * 10_000 + windows * 40 + 10_000);
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);

  it('serves the least granted + lag first, and priority only within one view', async () => {
    const clock = new FakeClock();
    const app = new RateLimiter({ requests: 1, seconds: 1 }, clock.now, clock.sleep);
    const a = app.staggered(0);
    const b = app.staggered(1.5);
    const order: string[] = [];
    const releases: (() => void)[] = [];
    const first = await a.acquire(); // a: granted 1
    const wait = (view: RateLimiter, priority: number, name: string) =>
      void view.acquire(priority).then((r) => {
        order.push(name);
        releases.push(r);
      });
    wait(b, 0, 'b1'); // b key 1.5
    wait(a, 0, 'a2'); // a key 1
    wait(a, 9, 'a3'); // a key 1, higher priority
    const done = (async () => {
      first();
      while (order.length < 3) {
        await clock.sleep(1_000);
        releases.shift()?.();
      }
    })();
    await clock.run(done);
    // a (key 1), the higher priority of its two first; then b (key 1.5) before a again (key 2)
    expect(order).toEqual(['a3', 'b1', 'a2']);
  });
});
