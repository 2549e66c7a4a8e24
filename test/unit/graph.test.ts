import { describe, expect, it } from 'vitest';
import { normaliseEndpoint } from '../../src/graph/client.js';
import { CLOUDS } from '../../src/graph/clouds.js';
import { parseRate, preciseSleep, RateLimiter } from '../../src/graph/rate-limiter.js';

describe('normaliseEndpoint', () => {
  it('accepts loopback http and https, strips trailing slashes', () => {
    expect(normaliseEndpoint('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(normaliseEndpoint('https://graph.example.org/')).toBe('https://graph.example.org');
    expect(normaliseEndpoint('http://localhost:9')).toBe('http://localhost:9');
  });
  it('refuses plain http elsewhere, other schemes and junk, naming the option', () => {
    expect(() => normaliseEndpoint('http://10.0.0.5')).toThrow(/--graph-url/);
    expect(() => normaliseEndpoint('ftp://x')).toThrow(/--graph-url/);
    expect(() => normaliseEndpoint('not a url')).toThrow(/--graph-url/);
    expect(() => normaliseEndpoint('https://x/?a=1')).toThrow(/query/);
  });
});

describe('clouds', () => {
  it('maps each cloud to its Graph root, authority and scope (graph-api.md §C.1)', () => {
    expect(CLOUDS.global.scope).toBe('https://graph.microsoft.com/.default');
    expect(CLOUDS.usgov.authorityHost).toBe('https://login.microsoftonline.us');
    expect(CLOUDS['usgov-dod'].graphRoot).toBe('https://dod-graph.microsoft.us');
    expect(CLOUDS.china.authorityHost).toBe('https://login.chinacloudapi.cn');
  });
});

describe('RateLimiter', () => {
  it('parses N/S and rejects nonsense', () => {
    expect(parseRate('5/10')).toEqual({ requests: 5, seconds: 10 });
    expect(parseRate('5/0.1')).toEqual({ requests: 5, seconds: 0.1 });
    expect(() => parseRate('0/10')).toThrow();
    expect(() => parseRate('five')).toThrow();
  });
  it('never lets a request start within a window of an earlier response (virtual clock)', async () => {
    let now = 0;
    const starts: number[] = [];
    const ends: number[] = [];
    const limiter = new RateLimiter({ requests: 5, seconds: 10 }, () => now, async (ms) => {
      now += ms;
    });
    for (let i = 0; i < 23; i++) {
      const release = await limiter.acquire();
      starts.push(now);
      now += 40; // the request takes 40 ms
      ends.push(now);
      release();
    }
    // request i may start only when request i-5's slot has freed: its response time + the window
    for (let i = 5; i < starts.length; i++) expect(starts[i]! - ends[i - 5]!).toBeGreaterThanOrEqual(10_000);
    // and no slower than needed: 23 requests in 5 batches need 4 waits of a window
    expect(starts.at(-1)!).toBeLessThanOrEqual(4 * (10_000 + 5 * 40) + 10);
  });
  it('sleeps never less than asked (the last milliseconds in event-loop turns), and serves I/O meanwhile', async () => {
    for (const ms of [0, 0.3, 1.7, 2, 2.5, 7.25, 15]) {
      const t0 = performance.now();
      await preciseSleep(ms);
      expect(performance.now() - t0, `${ms} ms`).toBeGreaterThanOrEqual(ms);
    }
    // the turns let other callbacks run: an immediate scheduled now runs before a 5 ms sleep ends
    let ran = false;
    const sleeping = preciseSleep(5);
    setImmediate(() => (ran = true));
    await sleeping;
    expect(ran).toBe(true);
  });
  it('holds a slot while its request is in flight', async () => {
    const limiter = new RateLimiter({ requests: 1, seconds: 0.01 });
    const first = await limiter.acquire();
    let second = false;
    const p = limiter.acquire().then((r) => {
      second = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(second).toBe(false);
    first();
    (await p)();
    expect(second).toBe(true);
  });
});
