import { describe, expect, it } from 'vitest';
import { PAGE_BUDGETS, affectedCaps, fitBudget } from '../../src/render/budget.js';

describe('affectedCaps', () => {
  it('gives every finding the configured cap when the rows fit the budget', () => {
    const caps = affectedCaps([{ checkId: 'a', count: 3 }, { checkId: 'b', count: 500 }], 25, 120);
    expect([...caps]).toEqual([['a', 3], ['b', 25]]);
  });

  it('lowers one common cap until the rows fit; small findings leave their share to the others', () => {
    const findings = [
      { checkId: 'big1', count: 200_000 },
      { checkId: 'big2', count: 1_000_000 },
      { checkId: 'small', count: 2 },
      { checkId: 'big3', count: 5_000 },
    ];
    const caps = affectedCaps(findings, 200, 120);
    expect([...caps]).toEqual([['big1', 39], ['big2', 39], ['small', 2], ['big3', 39]]);
    expect([...caps.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(120);
  });

  it('lists nothing with a zero budget or a zero cap, and copes with no findings', () => {
    expect([...affectedCaps([{ checkId: 'a', count: 10 }], 25, 0).values()]).toEqual([0]);
    expect([...affectedCaps([{ checkId: 'a', count: 10 }], 0, 120).values()]).toEqual([0]);
    expect(affectedCaps([], 25, 120).size).toBe(0);
  });

  it('tries budgets that only ever shrink', () => {
    for (let i = 1; i < PAGE_BUDGETS.length; i++) {
      expect(PAGE_BUDGETS[i]!.affectedRows).toBeLessThanOrEqual(PAGE_BUDGETS[i - 1]!.affectedRows);
      expect(PAGE_BUDGETS[i]!.listCap).toBeLessThan(PAGE_BUDGETS[i - 1]!.listCap);
    }
    expect(PAGE_BUDGETS.at(-1)!.affectedRows).toBe(0);
    // the first budgets keep every section on its own page; once sections run on, they keep doing so
    expect(PAGE_BUDGETS[0]!.flowSections).toBe(false);
    for (let i = 1; i < PAGE_BUDGETS.length; i++) {
      if (PAGE_BUDGETS[i - 1]!.flowSections) expect(PAGE_BUDGETS[i]!.flowSections).toBe(true);
      // and once every failing finding is compact, it stays compact
      if (PAGE_BUDGETS[i - 1]!.compactFindings === 'all') expect(PAGE_BUDGETS[i]!.compactFindings).toBe('all');
    }
    expect(PAGE_BUDGETS[0]!.compactFindings).toBe('lowInfo');
  });
});

describe('fitBudget', () => {
  // pages printed at each of 7 budgets (non-increasing, as the budgets only shrink)
  const run = async (pages: number[], limit = 30) => {
    const tried: number[] = [];
    const out = await fitBudget(pages.length, async (i) => (tried.push(i), pages[i]!), (p) => p <= limit);
    return { ...out, tried };
  };

  it('prints once when the first budget fits', async () => {
    expect(await run([28, 27, 26, 25, 24, 23, 22])).toEqual({ index: 0, result: 28, tried: [0] });
  });

  it('finds the least aggressive fitting budget, whichever it is, in at most four prints', async () => {
    for (let fit = 1; fit < 7; fit++) {
      const pages = Array.from({ length: 7 }, (_, i) => (i < fit ? 40 - i : 30 - i));
      const r = await run(pages);
      expect(r.index).toBe(fit);
      expect(r.result).toBe(pages[fit]);
      expect(r.tried.length).toBeLessThanOrEqual(4);
      expect(r.tried[0]).toBe(0);
    }
  });

  it('returns the last budget, printed, when none fits', async () => {
    const r = await run([90, 80, 70, 60, 50, 40, 35]);
    expect(r.index).toBe(6);
    expect(r.result).toBe(35);
    expect(r.tried.at(-1)).toBe(6);
  });

  it('with the page counts as a guide, finds the same budget in no more prints in the worst case, and fewer overall', async () => {
    const guided = async (pages: number[], limit = 30) => {
      const tried: number[] = [];
      const out = await fitBudget(pages.length, async (i) => (tried.push(i), pages[i]!), (p) => p <= limit, { size: (p) => p, limit });
      return { ...out, tried };
    };
    // monotone page profiles over 7 budgets: 34–44 pages at budget 0, falling 0–6 pages a step, with one drop of 3
    let plainPrints = 0;
    let guidedPrints = 0;
    for (let start = 34; start <= 44; start += 2) {
      for (let step = 0; step <= 6; step++) {
        for (let bump = 0; bump < 7; bump++) {
          const pages = Array.from({ length: 7 }, (_, i) => start - step * i - (i >= bump ? 3 : 0));
          const plain = await run(pages);
          const g = await guided(pages);
          expect(g.index, JSON.stringify(pages)).toBe(plain.index);
          expect(g.result).toBe(plain.result);
          expect(g.tried.length, JSON.stringify(pages)).toBeLessThanOrEqual(4);
          plainPrints += plain.tried.length;
          guidedPrints += g.tried.length;
        }
      }
    }
    expect(guidedPrints).toBeLessThan(plainPrints);
    // the simulated 1,000-user tenants: 40, 35, 33, 30 pages at budgets 0–3 → 0, 3, 2 (3 prints, not 4)
    expect((await guided([40, 35, 33, 30, 28, 25, 20])).tried).toEqual([0, 3, 2]);
    expect((await run([40, 35, 33, 30, 28, 25, 20])).tried).toEqual([0, 3, 1, 2]);
    // nothing fits: no fitting print to guide by, so the search still ends on the last budget
    expect((await guided([90, 80, 70, 60, 50, 40, 35])).tried.at(-1)).toBe(6);
  });

  it('works with a single budget and refuses none', async () => {
    expect((await run([50])).index).toBe(0);
    await expect(fitBudget(0, async () => 0, () => true)).rejects.toThrow(RangeError);
  });
});
