/** run --tenants: how the per-app budget is shared (lanes) and the limiter's lane order. */
import { describe, expect, it } from 'vitest';
import { collectParallelFor, lanePlan } from '../../src/cli/multi-tenant.js';
import { RateLimiter, type Release } from '../../src/graph/rate-limiter.js';

describe('lanePlan', () => {
  const tenant = { requests: 5, seconds: 10 };
  const app = { requests: 122, seconds: 10 };
  it('splits tenants into lanes of at least app ÷ tenant budget', () => {
    expect(lanePlan(50, tenant, app)).toEqual({ laneSize: 25, lanes: 2 });
    expect(lanePlan(10, tenant, app)).toEqual({ laneSize: 10, lanes: 1 });
    expect(lanePlan(100, tenant, app)).toEqual({ laneSize: 25, lanes: 4 });
    expect(lanePlan(60, tenant, app)).toEqual({ laneSize: 30, lanes: 2 });
    // the same ratio at scaled budgets
    expect(lanePlan(50, { requests: 5, seconds: 0.1 }, { requests: 122, seconds: 0.1 })).toEqual({ laneSize: 25, lanes: 2 });
  });
  it('keeps file order when tenants are not paced, and one lane without an app budget', () => {
    expect(lanePlan(5, null, app)).toEqual({ laneSize: 1, lanes: 5 });
    expect(lanePlan(5, tenant, null)).toEqual({ laneSize: 5, lanes: 1 });
  });
  it('collects two lanes at once when paced, --parallel otherwise', () => {
    expect(collectParallelFor(50, 2, 25, true)).toBe(50);
    expect(collectParallelFor(100, 2, 25, true)).toBe(50);
    expect(collectParallelFor(3, 2, 3, true)).toBe(3);
    expect(collectParallelFor(50, 2, 25, false)).toBe(2);
  });
});

describe('RateLimiter lanes', () => {
  it('grants a lower lane first, then priority, then arrival; lanes share one budget', async () => {
    let now = 0;
    const sleeps: (() => void)[] = [];
    const limiter = new RateLimiter({ requests: 1, seconds: 1 }, () => now, () => new Promise<void>((r) => sleeps.push(r)));
    const laneOne = limiter.lane(1);
    const laneZero = limiter.lane(0);
    const order: string[] = [];
    const releases: Release[] = [await laneOne.acquire()];
    const wait = (view: RateLimiter, priority: number, name: string) =>
      void view.acquire(priority).then((r) => {
        order.push(name);
        releases.push(r);
      });
    wait(laneOne, 5, 'lane1-p5');
    wait(laneZero, 0, 'lane0-p0-a');
    wait(laneZero, 0, 'lane0-p0-b');
    wait(laneZero, 3, 'lane0-p3');
    for (let k = 0; k < 4; k++) {
      releases[k]!(); // the answer came: the slot frees a window later
      now += 1000;
      await new Promise((r) => setImmediate(r));
      sleeps.shift()?.();
      await new Promise((r) => setImmediate(r));
      expect(order.length).toBe(k + 1);
    }
    expect(order).toEqual(['lane0-p3', 'lane0-p0-a', 'lane0-p0-b', 'lane1-p5']);
  });
});
