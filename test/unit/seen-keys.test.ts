import { describe, expect, it } from 'vitest';
import { hash52, SeenKeys } from '../../src/collector/seen-keys.js';

describe('SeenKeys', () => {
  it('finds duplicates in the same page, the previous page, and far back (confirmed against the file)', async () => {
    const written = new Set<string>();
    let confirmations = 0;
    const seen = new SeenKeys(async (k) => {
      confirmations++;
      return written.has(k);
    });
    const page = async (keys: string[]) => {
      const fresh: string[] = [];
      for (const k of keys) if (!(await seen.seen(k))) fresh.push(k);
      for (const k of fresh) written.add(k);
      seen.endPage();
      return fresh;
    };
    expect(await page(['a', 'b', 'a'])).toEqual(['a', 'b']);
    expect(await page(['c', 'b'])).toEqual(['c']);
    expect(confirmations).toBe(0); // the last two pages are checked exactly, without the file
    await page(['d']);
    await page(['e']);
    expect(await page(['a', 'f'])).toEqual(['f']);
    expect(confirmations).toBe(1);
  });
  it('never drops a new key on a hash hit that the file does not confirm', async () => {
    const seen = new SeenKeys(async () => false);
    seen.remember('x');
    seen.endPage();
    expect(await seen.seen('x')).toBe(false); // "x" hashed as seen but not in the file: kept
  });
  it('holds 200,000 keys without losing any and hashes to distinct non-zero 52-bit integers', async () => {
    const seen = new SeenKeys(async () => true);
    for (let i = 0; i < 200_000; i++) seen.remember(`id-${i}`);
    let hits = 0;
    for (let i = 0; i < 200_000; i++) if (await seen.seen(`id-${i}`)) hits++;
    expect(hits).toBe(200_000);
    const h = hash52('00000000-0000-0000-0000-000000000001');
    expect(Number.isSafeInteger(h) && h > 0 && h < 2 ** 52 + 1).toBe(true);
    expect(hash52('a')).not.toBe(hash52('b'));
  });
});
