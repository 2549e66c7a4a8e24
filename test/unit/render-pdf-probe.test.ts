/**
 * The cheaper PDF path (issue #16): a layout probe (nothing painted) lands everything where the real print does, and
 * page numbers written into the loaded contents print the same file as the document loaded with those numbers.
 * fitBudget's hint changes the prints made, never the budget found.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fitBudget } from '../../src/render/budget.js';
import { chartBoxes, renderPack, tocPagesOnlyDiffer } from '../../src/render/index.js';
import { PdfSession, SharedPdfBrowser, readPdfLayout } from '../../src/render/pdf.js';
import { BRANDING, SAMPLE_DIR, loadSample, scratch } from '../fixtures/results-sample/load.js';
import { hasBrowser } from '../helpers/browser.js';

function timeless(pdf: Uint8Array): string {
  const text = Buffer.from(pdf).toString('latin1').replace(/\/(CreationDate|ModDate) \(D:[^)]*\)/g, '');
  return createHash('sha256').update(text, 'latin1').digest('hex');
}

describe('fitBudget with a hint', () => {
  const search = async (pages: number[], hint?: number, limit = 30) => {
    const tried: number[] = [];
    const out = await fitBudget(pages.length, async (i) => (tried.push(i), pages[i]!), (p) => p <= limit, { size: (p) => p, limit }, hint);
    return { index: out.index, result: out.result, tried };
  };
  /** non-increasing page counts over 1–9 budgets */
  const profile = fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 9 }).chain((drops) =>
    fc.integer({ min: 10, max: 60 }).map((start) => drops.map((_, i) => start - drops.slice(0, i).reduce((a, b) => a + b, 0))),
  );

  it('finds the budget the search without a hint finds, for any hint', async () => {
    await fc.assert(
      fc.asyncProperty(profile, fc.integer({ min: -2, max: 12 }), async (pages, hint) => {
        const plain = await search(pages);
        const hinted = await search(pages, hint);
        expect(hinted.index).toBe(plain.index);
        expect(hinted.result).toBe(plain.result);
        // the result is the print made last whenever the hint is right
        const h = Math.min(Math.max(hint, 0), pages.length - 1);
        if (h === plain.index && pages[h]! <= 30) expect(hinted.tried.at(-1)).toBe(h);
        // a right hint costs two prints at most, one a budget off three (a hint of 0 is the search without one); any
        // other no more than the hint's prints, its neighbour's and the bisection of what is left
        if (h === plain.index) expect(hinted.tried.length).toBeLessThanOrEqual(2);
        if (h > 0 && Math.abs(h - plain.index) === 1) expect(hinted.tried.length).toBeLessThanOrEqual(3);
        expect(hinted.tried.length).toBeLessThanOrEqual(3 + Math.ceil(Math.log2(pages.length)));
      }),
      { numRuns: 400 },
    );
  });

  it('takes two prints for the simulated 1,000-user tenants when the previous pack needed the same budget', async () => {
    const pages = [40, 35, 33, 30, 28, 25, 20];
    expect((await search(pages, 3)).tried).toEqual([2, 3]);
    expect((await search(pages)).tried).toEqual([0, 3, 2]);
    // the previous pack needed a budget more or less (the simulated tenants need budget 3 or 4): the neighbour next
    expect((await search(pages, 4)).tried).toEqual([3, 2]);
    expect((await search([40, 35, 33, 31, 30, 25, 20], 3)).tried).toEqual([2, 3, 4]);
    // a small tenant after a large one, and a large one after a small one
    expect((await search([29, 27, 26, 25, 24, 23, 22], 3)).index).toBe(0);
    expect((await search([60, 55, 50, 45, 40, 33, 31], 1)).index).toBe(6);
  });
});

describe('tocPagesOnlyDiffer', () => {
  const doc = (a: string, b: string) => `<ol><li><a href="#x"><span class="toc-page">${a}</span></a></li><li><span class="toc-page">${b}</span></li></ol>`;
  it('returns the numbers when only the page cells differ, and null otherwise', () => {
    expect(tocPagesOnlyDiffer(doc('0', '0'), doc('3', '12'))).toEqual(['3', '12']);
    expect(tocPagesOnlyDiffer(doc('0', '0'), doc('3', '12') + ' ')).toBeNull();
    expect(tocPagesOnlyDiffer('<p>no contents</p>', '<p>no contents</p>')).toBeNull();
  });
});

describe.skipIf(!hasBrowser())('PdfSession probe and page numbers written in place', () => {
  let placeholder = '';
  let numbered = '';
  const shared = new SharedPdfBrowser();
  beforeAll(async () => {
    // the HTML a render loads: first with '0' for every page number, last with the numbers
    const loaded: string[] = [];
    const load = PdfSession.prototype.load;
    PdfSession.prototype.load = function (this: PdfSession, html: string, how?: { forProbe?: boolean }) {
      loaded.push(html);
      return load.call(this, html, how);
    };
    try {
      await renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: await scratch('probe'), branding: BRANDING });
    } finally {
      PdfSession.prototype.load = load;
    }
    placeholder = loaded[0]!;
    numbered = placeholder.replace(/<span class="toc-page">0<\/span>/g, (_m, offset: number) => `<span class="toc-page">${(offset % 17) + 2}</span>`);
  }, 120_000);
  afterAll(async () => {
    await shared.close();
  });

  it('a probe lands every destination on the page the painted print does', async () => {
    const session = await shared.session({ organisation: 'Contoso Ltd', footer: 'Snapshot' });
    try {
      await session.load(placeholder);
      const probed = await session.probe();
      const printed = readPdfLayout(await session.printLoaded());
      expect(probed.pageCount).toBe(printed.pageCount);
      expect([...probed.destinations].sort()).toEqual([...printed.destinations].sort());
      expect(printed.destinations.size).toBeGreaterThan(10);
      // the probe's style sheet is gone again: a second painted print is the same file
      const again = await session.printLoaded();
      await session.load(placeholder);
      expect(timeless(again)).toBe(timeless(await session.printLoaded()));
    } finally {
      await session.close();
    }
  });

  it('a document loaded for probing lands everything where the probe of a plain load does, and prints the same PDF', async () => {
    const session = await shared.session({ organisation: 'Contoso Ltd', footer: 'Snapshot' });
    try {
      await session.load(placeholder);
      const plainLayout = await session.probe();
      const plainPdf = await session.printLoaded();
      await session.load(placeholder, { forProbe: true });
      const styled = await session.probe();
      expect(styled.pageCount).toBe(plainLayout.pageCount);
      expect([...styled.destinations].sort()).toEqual([...plainLayout.destinations].sort());
      // probed twice, then printed: the probe's element is removed before painting, the file is the plain one
      expect((await session.probe()).pageCount).toBe(plainLayout.pageCount);
      const printed = await session.printLoaded();
      expect(timeless(printed)).toBe(timeless(plainPdf));
      expect(timeless(await session.printLoaded())).toBe(timeless(plainPdf));
      // a probe of what is painted now paints nothing again (the adopted sheet path) and finds the same pages
      expect((await session.probe()).pageCount).toBe(plainLayout.pageCount);
      // numbers written into a document loaded for probing print as the numbered document
      const pages = tocPagesOnlyDiffer(placeholder, numbered)!;
      await session.load(numbered);
      const reloaded = await session.printLoaded();
      await session.load(placeholder, { forProbe: true });
      await session.probe();
      expect(await session.setTexts('span.toc-page', pages)).toBe(true);
      expect(timeless(await session.printLoaded())).toBe(timeless(reloaded));
    } finally {
      await session.close();
    }
  });

  it('charts reduced to empty boxes of their own size (chartBoxes) land everything on the pages the drawn charts do', async () => {
    const svgs = [...placeholder.matchAll(/<svg\b[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs.length).toBeGreaterThanOrEqual(8);
    const boxes = chartBoxes(Object.fromEntries(svgs.map((svg, i) => [String(i), svg])));
    let n = 0;
    const boxed = placeholder.replace(/<svg\b[\s\S]*?<\/svg>/g, () => boxes[String(n++)]!);
    expect(boxed.length).toBeLessThan(placeholder.length - 100_000);
    expect(boxed).not.toMatch(/<path|<text/);
    const session = await shared.session({ organisation: 'Contoso Ltd', footer: 'Snapshot' });
    try {
      await session.load(placeholder, { forProbe: true });
      const drawn = await session.probe();
      await session.load(boxed, { forProbe: true });
      const empty = await session.probe();
      expect(empty.pageCount).toBe(drawn.pageCount);
      expect([...empty.destinations].sort()).toEqual([...drawn.destinations].sort());
      expect(drawn.destinations.size).toBeGreaterThan(10);
    } finally {
      await session.close();
    }
    // the <svg> element keeps every attribute; anything that is not one whole <svg> element is left as it is
    expect(chartBoxes({ a: '<svg width="660" height="170" viewBox="0 0 660 170"><g><text>x</text></g></svg>', b: '<p>no chart</p>' })).toEqual({
      a: '<svg width="660" height="170" viewBox="0 0 660 170"></svg>',
      b: '<p>no chart</p>',
    });
  });

  it('numbers written into the loaded contents print the same PDF as the document loaded with them', async () => {
    const pages = tocPagesOnlyDiffer(placeholder, numbered);
    expect(pages).not.toBeNull();
    expect(pages!.length).toBeGreaterThan(5);
    const session = await shared.session({ organisation: 'Contoso Ltd', footer: 'Snapshot' });
    try {
      await session.load(numbered);
      const reloaded = await session.printLoaded();
      await session.load(placeholder);
      await session.probe();
      expect(await session.setTexts('span.toc-page', pages!)).toBe(true);
      const inPlace = await session.printLoaded();
      expect(timeless(inPlace)).toBe(timeless(reloaded));
      // a count that does not match changes nothing
      expect(await session.setTexts('span.toc-page', pages!.slice(1))).toBe(false);
    } finally {
      await session.close();
    }
  });
});
