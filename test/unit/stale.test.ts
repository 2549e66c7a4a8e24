/**
 * staleBefore (src/metrics/stale.ts) answers from the day for Graph's timestamp form; its answer must always be
 * Date.parse's, for any string near that form and any cutoff, including the cutoff's own day.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { staleBefore } from '../../src/metrics/stale.js';

const reference = (cutoff: number) => (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v)) && Date.parse(v) < cutoff;
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Graph-like timestamps, with fields sometimes out of range and other separators, fractions and suffixes. */
const timestamp = fc
  .record({
    y: fc.oneof(fc.integer({ min: 2020, max: 2030 }), fc.integer({ min: 0, max: 9999 })),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }),
    mi: fc.integer({ min: 0, max: 61 }),
    s: fc.integer({ min: 0, max: 61 }),
    frac: fc.oneof(fc.constant(''), fc.stringMatching(/^\.[0-9]{0,12}$/), fc.constant('.x')),
    zone: fc.constantFrom('Z', 'Z', 'Z', '', '+01:00', 'z', ' Z'),
    sep: fc.constantFrom('T', 'T', 'T', ' ', 't'),
  })
  .map((t) => `${pad(t.y, 4)}-${pad(t.mo, 2)}-${pad(t.d, 2)}${t.sep}${pad(t.h, 2)}:${pad(t.mi, 2)}:${pad(t.s, 2)}${t.frac}${t.zone}`);

describe('staleBefore', () => {
  it("gives Date.parse's answer for timestamps near Graph's form, whatever the cutoff", () => {
    fc.assert(
      fc.property(
        fc.array(timestamp, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 29 }),
        fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }),
        (values, pick, shift) => {
          // a cutoff near one of the values, often inside its day
          const base = Date.parse(values[pick % values.length]!);
          const cutoff = Number.isNaN(base) ? Date.UTC(2026, 0, 1) + shift : base + shift;
          const fast = staleBefore(cutoff);
          const slow = reference(cutoff);
          for (const v of values) expect([v, fast(v)]).toEqual([v, slow(v)]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the cutoff to the millisecond, other types, and a cutoff Date.parse could not read', () => {
    const cutoff = Date.parse('2026-11-06T12:00:00.500Z');
    const stale = staleBefore(cutoff);
    expect(stale('2026-11-06T12:00:00.499Z')).toBe(true);
    expect(stale('2026-11-06T12:00:00.5Z')).toBe(false);
    expect(stale('2026-11-06T12:00:00.4999999Z')).toBe(true);
    expect(stale('2026-11-05T23:59:59.9999999Z')).toBe(true);
    expect(stale('2026-11-07T00:00:00Z')).toBe(false);
    expect(stale('2026-11-05T24:00:00Z')).toBe(true); // hour 24: Date.parse's next midnight
    expect(stale('2026-11-05T23:60:00Z')).toBe(false); // refused by Date.parse
    expect(stale('2026-13-01T00:00:00Z')).toBe(false);
    expect(stale(null)).toBe(false);
    expect(stale(1)).toBe(false);
    expect(stale('')).toBe(false);
    // a cutoff one millisecond before midnight: the last millisecond of the day before is not before it
    const late = staleBefore(Date.parse('2026-11-07T00:00:00Z') - 1);
    expect(late('2026-11-06T23:59:59.999Z')).toBe(false);
    expect(late('2026-11-06T23:59:59.9989999Z')).toBe(true);
    // Date.parse rolls a day past the month's end over (2026-02-31 is 3 March): such a day is not before 2 March
    const march = staleBefore(Date.parse('2026-03-02T00:00:00Z'));
    expect(march('2026-02-31T10:00:00Z')).toBe(false);
    expect(march('2026-02-29T00:00:00Z')).toBe(true); // 1 March
    expect(march('2026-02-28T23:59:59Z')).toBe(true);
    expect(staleBefore(Date.parse('2026-05-01T00:00:00Z'))('2026-04-31T00:00:00Z')).toBe(false);
    const never = staleBefore(Number.NaN);
    expect(never('2000-01-01T00:00:00Z')).toBe(false);
  });
});
