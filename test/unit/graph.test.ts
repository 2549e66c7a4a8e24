import { describe, expect, it } from 'vitest';
import { normaliseEndpoint } from '../../src/graph/client.js';
import { CLOUDS } from '../../src/graph/clouds.js';
import { parseRate, RateLimiter } from '../../src/graph/rate-limiter.js';

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
  it('never lets more than N requests into any window (virtual clock)', async () => {
    let now = 0;
    const times: number[] = [];
    const limiter = new RateLimiter({ requests: 5, seconds: 10 }, () => now, async (ms) => {
      now += ms;
    });
    for (let i = 0; i < 23; i++) {
      await limiter.acquire();
      times.push(now);
    }
    for (let i = 5; i < times.length; i++) expect(times[i]! - times[i - 5]!).toBeGreaterThanOrEqual(10_000);
    // and no slower than needed: 23 requests fit in 4 full windows
    expect(times.at(-1)!).toBeLessThan(4 * 10_000 + 10);
  });
});
