/**
 * One Chromium for many packs (SharedPdfBrowser, run --tenants): one launch serves concurrent sessions, each in a
 * browser context of its own; a browser that died is launched again for the next session; and the way a page is
 * prepared for printing (print media, a page-wide viewport, layout-only trial prints) changes no byte of the PDF.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'puppeteer';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderPack } from '../../src/render/index.js';
import { footerTemplate, headerTemplate, launchBrowser, PdfSession, readPdfLayout, SharedPdfBrowser, type LaunchedBrowser } from '../../src/render/pdf.js';
import { PAGE_MARGIN_MM } from '../../src/render/html.js';
import { BRANDING, SAMPLE_DIR, loadSample, scratch } from '../fixtures/results-sample/load.js';
import { hasBrowser } from '../helpers/browser.js';

/** The PDF without the times Chromium stamps into it (/CreationDate, /ModDate). */
function timeless(pdf: Uint8Array): string {
  const text = Buffer.from(pdf).toString('latin1').replace(/\/(CreationDate|ModDate) \(D:[^)]*\)/g, '');
  return createHash('sha256').update(text, 'latin1').digest('hex');
}

/** launchBrowser, counting its launches and keeping what it started. */
function countingLauncher(): { launch: (path?: string) => Promise<LaunchedBrowser>; launched: LaunchedBrowser[] } {
  const launched: LaunchedBrowser[] = [];
  return {
    launched,
    launch: async (path) => {
      const l = await launchBrowser(path);
      launched.push(l);
      return l;
    },
  };
}

async function killed(browser: Browser): Promise<void> {
  const gone = new Promise<void>((resolve) => browser.once('disconnected', () => resolve()));
  browser.process()!.kill('SIGKILL');
  await gone;
}

describe.skipIf(!hasBrowser())('SharedPdfBrowser', () => {
  let html: string;

  beforeAll(async () => {
    const out = await scratch('shared-html');
    await renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: out, branding: BRANDING, pdf: false });
    html = await readFile(join(out, 'audit.html'), 'utf8');
  });

  it('serves concurrent sessions from one launch, each in a browser context of its own, closed with its session', async () => {
    const counting = countingLauncher();
    const shared = new SharedPdfBrowser(undefined, counting.launch);
    try {
      const [a, b] = await Promise.all([shared.session({ organisation: 'Tenant A' }), shared.session({ organisation: 'Tenant B' })]);
      expect(shared.launches).toBe(1);
      expect(counting.launched).toHaveLength(1);
      const browser = counting.launched[0]!.browser;
      // the default context (puppeteer's first blank page) and one incognito context per session
      expect(browser.browserContexts()).toHaveLength(3);
      const contexts = new Set((await browser.pages()).filter((p) => p.browserContext() !== browser.defaultBrowserContext()).map((p) => p.browserContext()));
      expect(contexts.size).toBe(2);
      const [pa, pb] = await Promise.all([a.print('<!DOCTYPE html><p>alpha</p>'), b.print('<!DOCTYPE html><p>bravo</p>')]);
      expect(Buffer.from(pa).subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(Buffer.from(pb).subarray(0, 5).toString('latin1')).toBe('%PDF-');
      await a.close();
      await b.close();
      expect(browser.browserContexts()).toHaveLength(1);
      expect(browser.connected).toBe(true);
    } finally {
      await shared.close();
    }
    expect(counting.launched[0]!.browser.connected).toBe(false);
    await expect(shared.session({ organisation: 'late' })).rejects.toThrow(/closed/);
  });

  it("starts no chrome:// page of the browser's own beside the packs' pages (its address-bar popup cost 0.3–0.9 s of CPU per context)", async () => {
    const counting = countingLauncher();
    const shared = new SharedPdfBrowser(undefined, counting.launch);
    try {
      const session = await shared.session({ organisation: 'Tenant A' });
      await session.print('<!DOCTYPE html><p>alpha</p>');
      const browser = counting.launched[0]!.browser;
      // what Chromium itself lists, hidden browser UI included (puppeteer's targets() leaves some out)
      const cdp = await browser.target().createCDPSession();
      const { targetInfos } = await cdp.send('Target.getTargets', {});
      await cdp.detach();
      const urls = targetInfos.map((t) => t.url);
      expect(urls.length).toBeGreaterThan(0);
      // without the --disable-features of CHROMIUM_ARGS: chrome://omnibox-popup.top-chrome/ twice per context
      expect(urls.filter((u) => u.startsWith('chrome://'))).toEqual([]);
      await session.close();
    } finally {
      await shared.close();
    }
  });

  it('launches a new browser for the next session when the last one died, once however many sessions find it dead', async () => {
    const counting = countingLauncher();
    const shared = new SharedPdfBrowser(undefined, counting.launch);
    try {
      const first = await shared.session({ organisation: 'before' });
      await killed(counting.launched[0]!.browser);
      expect(shared.losses).toBe(1);
      await expect(first.print('<p>x</p>')).rejects.toThrow();
      await first.close(); // its browser is gone: nothing to close, and no error
      const [c, d] = await Promise.all([shared.session({ organisation: 'after' }), shared.session({ organisation: 'after' })]);
      expect(shared.launches).toBe(2);
      const pdf = await c.print('<!DOCTYPE html><p>after</p>');
      expect(readPdfLayout(pdf).pageCount).toBe(1);
      await c.close();
      await d.close();
    } finally {
      await shared.close();
    }
    expect(counting.launched.map((l) => l.browser.connected)).toEqual([false, false]);
  });

  it('prints the same PDF as a plain page of a browser of its own, and a layout probe lands everything on the same pages', async () => {
    const opts = { organisation: 'Contoso Ltd', classification: 'Confidential', documentLabel: 'Authentication methods audit · v1.0 · DRAFT', footer: 'Snapshot' };
    // the page as it was printed before sessions prepared it: the default context, media and viewport
    const launched = await launchBrowser();
    let plain: Uint8Array;
    try {
      const page = await launched.browser.newPage();
      await page.setJavaScriptEnabled(false);
      await page.setContent(html, { waitUntil: 'load' });
      const m = PAGE_MARGIN_MM;
      plain = await page.pdf({
        format: 'A4',
        printBackground: true,
        tagged: false,
        outline: false,
        displayHeaderFooter: true,
        headerTemplate: headerTemplate(opts.organisation, opts.classification, opts.documentLabel),
        footerTemplate: footerTemplate(opts.organisation, opts.classification, opts.footer),
        margin: { top: `${m.top}mm`, right: `${m.right}mm`, bottom: `${m.bottom}mm`, left: `${m.left}mm` },
        preferCSSPageSize: false,
      });
    } finally {
      await launched.close();
    }
    const own = await PdfSession.open(opts);
    let ownPdf: Uint8Array;
    try {
      ownPdf = await own.print(html);
    } finally {
      await own.close();
    }
    const shared = new SharedPdfBrowser();
    try {
      const session = await shared.session(opts);
      const full = await session.print(html);
      await session.load(html);
      const b = await session.probe();
      await session.close();
      expect(timeless(full)).toBe(timeless(plain));
      expect(timeless(ownPdf)).toBe(timeless(plain));
      const a = readPdfLayout(full);
      expect(b.pageCount).toBe(a.pageCount);
      expect([...b.destinations].sort()).toEqual([...a.destinations].sort());
      expect(a.destinations.size).toBeGreaterThan(10);
    } finally {
      await shared.close();
    }
  });
});

