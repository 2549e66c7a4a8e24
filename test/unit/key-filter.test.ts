import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyFilter } from '../../src/metrics/key-filter.js';

/** A GUID-like id from a counter, as the report rows carry (lower-case hex). */
function guid(n: number): string {
  const hex = (n * 2654435761 + 0x9e3779b9).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${String(n % 1000).padStart(3, '0')}-8abc-${String(n).padStart(12, '0')}`;
}

describe('keyFilter: "certainly in none of these" before the lookups', () => {
  const admins = new Set(Array.from({ length: 20_000 }, (_, i) => guid(i * 3)));
  const roles = new Map(Array.from({ length: 20_000 }, (_, i) => [guid(i * 3 + 1), i] as const));
  const absent = Array.from({ length: 40_000 }, (_, i) => guid(i * 3 + 2));

  it('never says no for a key of any of its collections (sets, maps, arrays)', () => {
    const extra = ['Upper-Case-Id', 'ünïcödé@example.org'];
    const mayHave = keyFilter(admins, roles, extra);
    expect([...admins].every(mayHave)).toBe(true);
    expect([...roles.keys()].every(mayHave)).toBe(true);
    expect(extra.every(mayHave)).toBe(true);
  });

  it('says no for most other keys (that is its point), but not for all: the tables decide', () => {
    const mayHave = keyFilter(admins, roles);
    const passed = absent.filter(mayHave).length;
    expect(passed).toBeLessThan(absent.length * 0.1); // 40,000 keys in a 2^20-bit map: about 4 % pass
    expect(passed).toBeGreaterThan(0);
  });

  it('has no false negatives for any strings: empty, long, non-ASCII, alike in their first 24 characters', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 40, unit: 'grapheme' }), { maxLength: 200 }), (keys) => {
        const alike = Array.from({ length: 5000 }, (_, i) => `${'x'.repeat(24)}${i}`);
        const mayHave = keyFilter(new Set(keys), alike);
        expect(keys.every(mayHave)).toBe(true);
        expect(alike.every(mayHave)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('says "maybe" for everything when the collections are small (their lookups are cheap)', () => {
    const mayHave = keyFilter(new Set(['a']), new Map([['b', 1]]), []);
    expect(['a', 'b', 'c', ''].map(mayHave)).toEqual([true, true, true, true]);
  });
});
