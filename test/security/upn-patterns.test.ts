/**
 * Issue #8 §2: population.excludeUpnPatterns (config) are matched against userPrincipalName (tenant data). A glob
 * compiled to a backtracking regex (`*` → `.*`) takes quadratic time or worse on a long hostile UPN: with the
 * pattern `*u*@contoso.com`, a 20,000-character UPN took ~0.6 s and a 100 kB one ~15 s per row; every extra `*`
 * multiplies it. The matcher must be linear, and mean what the config documents: `*` is any run of characters
 * (line breaks included), everything else literal, case-insensitive.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { upnMatcher } from '../../src/metrics/definitions.js';

/** The documented meaning, as a regex (fine for the short strings of the property). */
function reference(patterns: readonly string[]): (upn: string) => boolean {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const res = patterns.map((p) => new RegExp(`^${p.toLowerCase().split('*').map(esc).join('[\\s\\S]*')}$`));
  return (upn) => res.some((r) => r.test(upn.toLowerCase()));
}

const piece = fc.constantFrom('a', 'b', 'ab', '@', '.', '#ext#', '*', '**', '\n', 'A', '$', '(', '\\', '[');
const glob = fc.array(piece, { maxLength: 6 }).map((xs) => xs.join(''));
const upn = fc.array(fc.constantFrom('a', 'b', 'A', '@', '.', '#', 'e', 'x', 't', '\n', '$', '('), { maxLength: 14 }).map((xs) => xs.join(''));

describe('excludeUpnPatterns matching', () => {
  it('means what the config documents: * is any run of characters, the rest literal, case-insensitive', () => {
    fc.assert(
      fc.property(fc.array(glob, { minLength: 1, maxLength: 3 }), upn, (patterns, u) => {
        expect(upnMatcher(patterns)(u)).toBe(reference(patterns)(u));
      }),
      { numRuns: 2000 },
    );
  });

  it('takes linear time on a long hostile UPN (no catastrophic backtracking)', () => {
    // two stars only: with three, a backtracking matcher would not finish this test in hours
    const match = upnMatcher(['*u*@contoso.com']);
    const hostile = `${'u'.repeat(20_000)}@hostile.example`;
    const started = performance.now();
    for (let i = 0; i < 3; i++) expect(match(hostile)).toBe(false);
    // the backtracking matcher needs about 0.6 s per call here; a linear one well under a millisecond
    expect(performance.now() - started).toBeLessThan(150);
    expect(match(`${'u'.repeat(20_000)}@contoso.com`)).toBe(true);
  });
});
