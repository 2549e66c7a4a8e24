/**
 * HTML → PDF with the system Chromium (the only module that imports puppeteer). The page is offline: every
 * request is aborted and recorded, DNS resolves nothing, JavaScript is off, and a fresh profile is thrown away
 * afterwards. Chromium keeps its sandbox wherever it can use one (browser.ts, chromiumSandbox). One browser serves
 * several prints (the contents page needs two passes).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { chromiumSandboxHere, findBrowser, launchWithSandbox } from './browser.js';
import { PAGE_MARGIN_MM, type PageSize } from './html.js';

/**
 * Flags for an offline, headless run (design.md §6); the resolver rule stops Chromium's own DNS look-ups.
 * --no-sandbox is not among them: chromiumArgs adds it only where the sandbox cannot be had (browser.ts).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--disable-component-update',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND',
];

export function chromiumArgs(sandbox: boolean): string[] {
  return sandbox ? [...CHROMIUM_ARGS] : ['--no-sandbox', ...CHROMIUM_ARGS];
}

export interface PdfOptions {
  browserPath?: string;
  /** shown in the header of every page */
  organisation: string;
  classification?: string;
  /** right of the header, e.g. "Authentication methods audit · v1.0 · Draft" */
  documentLabel?: string;
  /** left of the footer */
  footer?: string;
  pageSize?: PageSize;
  /** an accessible (tagged) PDF: 2× slower and much larger (design.md §6) */
  tagged?: boolean;
}

export interface PdfResult {
  pdf: Uint8Array;
  /** every request the page attempted (all aborted); data: URLs are served inline by Chromium and not listed */
  blockedRequests: string[];
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const MARGIN_FONT = '"Liberation Sans", "DejaVu Sans", "Noto Sans", "Noto Sans CJK SC", "Noto Sans Arabic", "Noto Sans Hebrew", sans-serif';

/**
 * Chromium's header and footer are separate documents: they need their own font and an explicit size, or they
 * print at ~0. Three cells each; a cell too long for its third is cut with "…" rather than overlapping another.
 */
function marginBand(left: string, centre: string, right: string, position: 'top' | 'bottom', grow: [number, number, number] = [1, 1, 1]): string {
  const cell = (g: number) => `flex: ${g} 1 0; min-width: 0; overflow: hidden; white-space: nowrap; text-overflow: ellipsis;`;
  const pad = position === 'top' ? 'padding-top: 6mm;' : 'padding-bottom: 6mm;';
  const rule = position === 'top' ? 'border-bottom: 0.5pt solid #c5ccd3; padding-bottom: 1.2mm;' : 'border-top: 0.5pt solid #c5ccd3; padding-top: 1.2mm;';
  return (
    `<div style="width: 100%; ${pad} margin: 0 ${PAGE_MARGIN_MM.left}mm; font-family: ${escapeHtml(MARGIN_FONT)}; font-size: 7.5pt; color: #52606d; -webkit-print-color-adjust: exact;">` +
    `<div style="display: flex; gap: 6mm; align-items: center; ${rule}">` +
    `<span style="${cell(grow[0])} text-align: left;">${left}</span>` +
    `<span style="${cell(grow[1])} text-align: center; font-weight: bold; letter-spacing: 0.06em; text-transform: uppercase; color: #8e1b1b;">${centre}</span>` +
    `<span style="${cell(grow[2])} text-align: right;">${right}</span>` +
    `</div></div>`
  );
}

export function headerTemplate(organisation: string, classification?: string, documentLabel?: string): string {
  return marginBand(
    `<bdi>${escapeHtml(organisation)}</bdi>`,
    classification ? `<bdi>${escapeHtml(classification)}</bdi>` : '',
    documentLabel ? `<bdi>${escapeHtml(documentLabel)}</bdi>` : '',
    'top',
    [1.2, 0.8, 1.4],
  );
}

export function footerTemplate(organisation: string, classification?: string, footer?: string): string {
  return marginBand(
    `<bdi>${escapeHtml(footer ?? organisation)}</bdi>`,
    classification ? `<bdi>${escapeHtml(classification)}</bdi>` : '',
    'Page <span class="pageNumber"></span> of <span class="totalPages"></span>',
    'bottom',
    [1.7, 0.8, 0.7],
  );
}

/** A browser with one offline page; print() may be called several times. */
export class PdfSession {
  readonly blockedRequests: string[] = [];
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    private readonly userDataDir: string,
    private readonly opts: PdfOptions,
    /** whether Chromium runs sandboxed, and why (for a caller to report) */
    readonly sandbox: { sandboxed: boolean; reason: string },
  ) {}

  static async open(opts: PdfOptions): Promise<PdfSession> {
    const executablePath = findBrowser(opts.browserPath);
    const decision = chromiumSandboxHere();
    const userDataDir = await mkdtemp(join(tmpdir(), 'entra-auth-audit-chromium-'));
    let browser: Browser | undefined;
    try {
      const launched = await launchWithSandbox(decision, (sandbox) =>
        puppeteer.launch({
          executablePath,
          headless: true,
          userDataDir,
          args: chromiumArgs(sandbox),
          timeout: 60_000,
        }),
      );
      browser = launched.browser;
      const page = await browser.newPage();
      const session = new PdfSession(browser, page, userDataDir, opts, { sandboxed: launched.sandboxed, reason: launched.reason });
      await page.setJavaScriptEnabled(false);
      await page.setRequestInterception(true);
      page.on('request', (request) => {
        const url = request.url();
        if (url.startsWith('data:')) {
          void request.continue();
          return;
        }
        session.blockedRequests.push(url);
        void request.abort('blockedbyclient');
      });
      return session;
    } catch (err) {
      await browser?.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
      throw err;
    }
  }

  async print(html: string): Promise<Uint8Array> {
    const o = this.opts;
    await this.page.setContent(html, { waitUntil: 'load', timeout: 60_000 });
    const m = PAGE_MARGIN_MM;
    return this.page.pdf({
      format: o.pageSize === 'Letter' ? 'Letter' : 'A4',
      printBackground: true,
      tagged: o.tagged === true,
      // Chromium's outline needs a tagged PDF; pdf-outline.ts adds ours, built from the contents, to any print
      outline: false,
      displayHeaderFooter: true,
      headerTemplate: headerTemplate(o.organisation, o.classification, o.documentLabel),
      footerTemplate: footerTemplate(o.organisation, o.classification, o.footer),
      margin: { top: `${m.top}mm`, right: `${m.right}mm`, bottom: `${m.bottom}mm`, left: `${m.left}mm` },
      preferCSSPageSize: false,
      timeout: 120_000,
    });
  }

  async close(): Promise<void> {
    try {
      await this.browser.close();
    } finally {
      await rm(this.userDataDir, { recursive: true, force: true });
    }
  }
}

/** One print in its own browser. */
export async function htmlToPdf(html: string, opts: PdfOptions): Promise<PdfResult> {
  const session = await PdfSession.open(opts);
  try {
    const pdf = await session.print(html);
    return { pdf, blockedRequests: [...session.blockedRequests] };
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading back where things landed

export interface PdfLayout {
  pageCount: number;
  /** named destination (an element id that a link points to) → 1-based page number */
  destinations: Map<string, number>;
}

/** `N G obj … endobj` bodies by object number (Chromium/Skia writes no object streams). */
function objects(text: string): Map<number, string> {
  const out = new Map<number, string>();
  const re = /(\d+) (\d+) obj\b([\s\S]*?)endobj/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.set(Number(m[1]), m[3] ?? '');
  return out;
}

function refs(s: string): number[] {
  return [...s.matchAll(/(\d+) \d+ R/g)].map((m) => Number(m[1]));
}

/** Names in a PDF literal string: Chromium writes ids as (name) or as /Name objects. */
function pdfName(raw: string): string {
  return raw.replace(/#([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * Page count and the page of each named destination, read from Chromium's PDF: the page tree gives the page
 * order; the catalogue's /Dests dictionary maps every linked element id to [page-ref /XYZ x y z]. Chromium
 * writes a destination for each element that an internal link (<a href="#id">) points to.
 */
export function readPdfLayout(pdf: Uint8Array): PdfLayout {
  const text = Buffer.from(pdf).toString('latin1');
  const objs = objects(text);
  // the catalogue the (last) trailer names; later definitions of an object replace earlier ones in objects()
  const rootId = [...text.matchAll(/\/Root\s+(\d+) \d+ R/g)].at(-1)?.[1];
  const catalogue = rootId !== undefined ? objs.get(Number(rootId)) : [...objs.values()].find((o) => /\/Type\s*\/Catalog\b/.test(o));
  const rootRef = catalogue ? /\/Pages\s+(\d+) \d+ R/.exec(catalogue)?.[1] : undefined;
  const order: number[] = [];
  const walk = (n: number, depth: number) => {
    const o = objs.get(n);
    if (!o || depth > 64) return;
    if (/\/Type\s*\/Pages\b/.test(o)) {
      const kids = /\/Kids\s*\[([^\]]*)\]/.exec(o)?.[1] ?? '';
      for (const k of refs(kids)) walk(k, depth + 1);
    } else if (/\/Type\s*\/Page\b/.test(o)) {
      order.push(n);
    }
  };
  if (rootRef) walk(Number(rootRef), 0);
  const pageOf = new Map(order.map((n, i) => [n, i + 1]));
  const destinations = new Map<string, number>();
  const destsRef = catalogue ? /\/Dests\s+(\d+) \d+ R/.exec(catalogue)?.[1] : undefined;
  const dests = destsRef ? objs.get(Number(destsRef)) : undefined;
  if (dests) {
    const re = /\/([^\s/[\]()<>]+)\s*\[\s*(\d+) \d+ R/g;
    for (let m = re.exec(dests); m !== null; m = re.exec(dests)) {
      const page = pageOf.get(Number(m[2]));
      if (page !== undefined && m[1]) destinations.set(pdfName(m[1]), page);
    }
  }
  return { pageCount: order.length, destinations };
}
