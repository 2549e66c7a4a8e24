/**
 * HTML → PDF with the system Chromium (the only module that imports puppeteer). The page is offline: every
 * request is aborted and recorded, DNS resolves nothing, JavaScript is off, and a fresh profile is thrown away
 * afterwards. Chromium keeps its sandbox wherever it can use one (browser.ts, chromiumSandbox). One session serves
 * several prints (layout probes, then the print itself); one browser may serve many sessions (SharedPdfBrowser).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { chromiumSandboxHere, findBrowser, launchWithSandbox } from './browser.js';
import { PAGE_MARGIN_MM, PAGE_SIZES, type PageSize } from './html.js';

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
  // Chromium (new headless is the full browser) preloads its address-bar popup, two chrome:// pages in a renderer of
  // their own, for the first context and again for every browser context: 0.3–0.9 s of CPU per pack of run
  // --tenants that prints nothing (BENCHMARKS.md, session 9). puppeteer adds its own --disable-features to this list.
  '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,PreloadTopChromeWebUI',
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

/** A running Chromium with its throwaway profile. */
export interface LaunchedBrowser {
  readonly browser: Browser;
  /** whether Chromium runs sandboxed, and why (for a caller to report) */
  readonly sandbox: { sandboxed: boolean; reason: string };
  /** closes the browser (or what is left of it) and removes its profile */
  close(): Promise<void>;
}

/** How a browser is started: launchBrowser, or a wrapper of it (a test counting launches). */
export type BrowserLauncher = (browserPath?: string) => Promise<LaunchedBrowser>;

/** Starts Chromium offline, sandboxed wherever it can be (browser.ts), with a fresh profile removed on close. */
export async function launchBrowser(browserPath?: string): Promise<LaunchedBrowser> {
  const executablePath = findBrowser(browserPath);
  const decision = chromiumSandboxHere();
  const userDataDir = await mkdtemp(join(tmpdir(), 'entra-auth-audit-chromium-'));
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
    const browser = launched.browser;
    return {
      browser,
      sandbox: { sandboxed: launched.sandboxed, reason: launched.reason },
      close: async () => {
        try {
          await browser.close();
        } catch (err) {
          // a browser that died already has nothing to close; one that is alive but refused is stopped
          if (browser.connected) throw err;
          browser.process()?.kill('SIGKILL');
        } finally {
          await rm(userDataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
}

/** probe(): every box laid out as it is, none painted. */
const PROBE_RULE = 'html, html *, html *::before, html *::after { visibility: hidden !important; }';
/** The id of the style element that carries PROBE_RULE in a document loaded for probing (load(html, { forProbe })). */
const PROBE_STYLE_ID = 'entra-auth-audit-probe-only';

/** CSS px per mm (CSS pixels are 1/96 in). */
const PX_PER_MM = 96 / 25.4;

/** One offline page; print() may be called several times. */
export class PdfSession {
  readonly blockedRequests: string[] = [];
  private constructor(
    private readonly page: Page,
    private readonly opts: PdfOptions,
    /** whether Chromium runs sandboxed, and why (for a caller to report) */
    readonly sandbox: { sandboxed: boolean; reason: string },
    private readonly dispose: () => Promise<void>,
  ) {}

  /** A browser of its own (single-tenant run and render), closed with the session. */
  static async open(opts: PdfOptions): Promise<PdfSession> {
    const launched = await launchBrowser(opts.browserPath);
    return PdfSession.start(() => launched.browser.newPage(), opts, launched.sandbox, () => launched.close());
  }

  /**
   * A page in a new browser context of `launched` (an incognito profile: no cookie, storage, cache or page is
   * shared with any other context), closed with the session; the browser stays up for the next one.
   */
  static async inContext(launched: LaunchedBrowser, opts: PdfOptions): Promise<PdfSession> {
    const context = await launched.browser.createBrowserContext();
    // a browser that died meanwhile has taken its contexts with it
    const closeContext = () => context.close().catch((err: unknown) => (launched.browser.connected ? Promise.reject(err) : undefined));
    return PdfSession.start(() => context.newPage(), opts, launched.sandbox, closeContext);
  }

  /** A configured session on a new page; `dispose` (what the session owns) runs if that fails, else on close(). */
  private static async start(
    newPage: () => Promise<Page>,
    opts: PdfOptions,
    sandbox: PdfSession['sandbox'],
    dispose: () => Promise<void>,
  ): Promise<PdfSession> {
    try {
      const session = new PdfSession(await newPage(), opts, sandbox, dispose);
      await session.configure();
      return session;
    } catch (err) {
      await dispose().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Offline and inert: no JavaScript, every request but data: URLs aborted and recorded. The page is laid out as it
   * will print (print media, the width of the page's text block) so that the print itself restyles and relays less:
   * the PDF is the same, about a fifth less of Chromium's time per print.
   */
  private async configure(): Promise<void> {
    const page = this.page;
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = request.url();
      if (url.startsWith('data:')) {
        void request.continue();
        return;
      }
      this.blockedRequests.push(url);
      void request.abort('blockedbyclient');
    });
    await page.emulateMediaType('print');
    const size = PAGE_SIZES[this.opts.pageSize === 'Letter' ? 'Letter' : 'A4'];
    const m = PAGE_MARGIN_MM;
    await page.setViewport({
      width: Math.round((size.width - m.left - m.right) * PX_PER_MM),
      height: Math.round((size.height - m.top - m.bottom) * PX_PER_MM),
    });
  }

  /** Loads `html` and prints it (load, then printLoaded). */
  async print(html: string): Promise<Uint8Array> {
    await this.load(html);
    return this.printLoaded();
  }

  /** Whether the loaded document carries the probe's style element (load with forProbe), not yet removed. */
  private probeStyled = false;

  /**
   * Loads `html` into the page without printing it: probe(), setTexts() and printLoaded() then work on it.
   * `forProbe`: the document is about to be probed, perhaps only probed (a budget that is tried and does not fit):
   * it is loaded with the probe's rule in a style element of its own at the end of its head, so that it is styled once
   * for the probe, instead of once on loading, again when probe() adds its style sheet and again when it removes it
   * (three full style passes over ~9,000 elements for a 1,000-user pack). printLoaded() removes the element first.
   */
  async load(html: string, how: { forProbe?: boolean } = {}): Promise<void> {
    const end = how.forProbe ? html.search(/<\/head\s*>/i) : -1;
    const doc = end < 0 ? html : `${html.slice(0, end)}<style id="${PROBE_STYLE_ID}">${PROBE_RULE}</style>${html.slice(end)}`;
    this.probeStyled = false;
    await this.page.setContent(doc, { waitUntil: 'load', timeout: 60_000 });
    this.probeStyled = end >= 0;
  }

  /** Prints the document loaded last (as it is now, after any setTexts()). */
  async printLoaded(): Promise<Uint8Array> {
    const o = this.opts;
    if (this.probeStyled) {
      // the probe's rule goes before anything is painted: the one element load() added, and it must be gone
      const removed = await this.page.evaluate((id: string) => {
        const found = document.head.querySelectorAll(`style#${id}`);
        found.forEach((el) => el.remove());
        return found.length;
      }, PROBE_STYLE_ID);
      if (removed !== 1) throw new Error(`the probe's style element was found ${removed} times in the loaded document; not printing it`);
      this.probeStyled = false;
    }
    return this.page.pdf({
      ...this.pageGeometry(),
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: headerTemplate(o.organisation, o.classification, o.documentLabel),
      footerTemplate: footerTemplate(o.organisation, o.classification, o.footer),
    });
  }

  /**
   * What decides where boxes, lines and page breaks fall, the same for the print and for probe() (a probe that laid
   * the page out otherwise would pick the wrong budget).
   */
  private pageGeometry() {
    const o = this.opts;
    const m = PAGE_MARGIN_MM;
    return {
      format: o.pageSize === 'Letter' ? ('Letter' as const) : ('A4' as const),
      tagged: o.tagged === true,
      // Chromium's outline needs a tagged PDF; pdf-outline.ts adds ours, built from the contents, to any print
      outline: false,
      margin: { top: `${m.top}mm`, right: `${m.right}mm`, bottom: `${m.bottom}mm`, left: `${m.left}mm` },
      preferCSSPageSize: false,
      timeout: 120_000,
    };
  }

  /**
   * Where everything of the loaded document lands in print (page count, the page of each named destination),
   * without painting it: for this one print, a style sheet of ours (adopted through DevTools, not part of the
   * document, and removed afterwards; or, in a document loaded with forProbe, the style element load() added) makes
   * every element `visibility: hidden`, which changes no box, no line and no page break but leaves nothing to paint,
   * and backgrounds, header and footer are left out. About a third of the
   * CPU of a print that paints (measured: 0.3–0.45 s against 1.0–1.8 s for a 40-page pack).
   */
  async probe(): Promise<PdfLayout> {
    // header and footer are drawn inside the fixed page margins and move nothing in the body
    const layoutPrint = async () => readPdfLayout(await this.page.pdf({ ...this.pageGeometry(), printBackground: false, displayHeaderFooter: false }));
    // loaded with the rule in place already (load with forProbe)
    if (this.probeStyled) return layoutPrint();
    // the page's own JavaScript is off; DevTools evaluation still runs (our code, in our session, never the pack's)
    await this.page.evaluate((rule: string) => {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(rule);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }, PROBE_RULE);
    try {
      return await layoutPrint();
    } finally {
      await this.page.evaluate(() => {
        document.adoptedStyleSheets = document.adoptedStyleSheets.slice(0, -1);
      });
    }
  }

  /**
   * Sets the text of the elements `selector` matches in the loaded document, in document order, to `texts`; false
   * (and nothing changed) when their number differs. Text only (textContent), never markup.
   */
  async setTexts(selector: string, texts: readonly string[]): Promise<boolean> {
    return this.page.evaluate(
      (sel: string, values: readonly string[]) => {
        const found = document.querySelectorAll(sel);
        if (found.length !== values.length) return false;
        found.forEach((el, i) => {
          el.textContent = values[i] ?? '';
        });
        return true;
      },
      selector,
      texts,
    );
  }

  async close(): Promise<void> {
    await this.dispose();
  }
}

/**
 * One Chromium for the packs of a run (run --tenants), instead of one per pack (a launch costs 1–2 s of the 2-core
 * machine's time): launched when the first PDF is needed, each pack printed in a browser context of its own
 * (PdfSession.inContext), so that no page, cache or storage of one tenant's pack — hostile data — is visible to
 * another's, and closed when the run ends. A browser that died (a crash, the OOM killer) is launched again for the
 * next pack rather than failing every later one.
 */
export class SharedPdfBrowser {
  /** browsers started so far */
  launches = 0;
  /** browsers that went away while in use (disconnected without close()) */
  losses = 0;
  private current: { launch: Promise<LaunchedBrowser>; closing: boolean } | null = null;
  private closed = false;

  constructor(
    private readonly browserPath?: string,
    private readonly launcher: BrowserLauncher = launchBrowser,
  ) {}

  /** A session in a fresh browser context, on the running browser or, if there is none or it died, a new one. */
  async session(opts: PdfOptions): Promise<PdfSession> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new Error('the shared browser was closed');
      const slot = this.slot();
      const launched = await slot.launch;
      if (launched.browser.connected) {
        try {
          return await PdfSession.inContext(launched, opts);
        } catch (err) {
          // died while the context opened: once more on a new browser; any other failure is the caller's
          if (launched.browser.connected || attempt > 0) throw err;
        }
      } else if (attempt > 0) {
        throw new Error('Chromium exited right after it was started');
      }
      await this.retire(slot, launched);
    }
  }

  /** The current browser, launching one if there is none; concurrent callers share one launch. */
  private slot(): { launch: Promise<LaunchedBrowser>; closing: boolean } {
    if (this.current) return this.current;
    this.launches++;
    const slot = { launch: this.launcher(this.browserPath), closing: false };
    this.current = slot;
    slot.launch.then(
      (launched) =>
        launched.browser.once('disconnected', () => {
          if (!slot.closing) this.losses++;
        }),
      // a failed start is tried again by the next pack (and fails the same way when there is no browser at all)
      () => {
        if (this.current === slot) this.current = null;
      },
    );
    return slot;
  }

  /** Forgets a dead browser (once, however many packs found it dead) and removes what is left of it. */
  private async retire(slot: { launch: Promise<LaunchedBrowser>; closing: boolean }, launched: LaunchedBrowser): Promise<void> {
    if (this.current !== slot) return;
    this.current = null;
    slot.closing = true;
    await launched.close().catch(() => undefined);
  }

  /**
   * The page budget (budget.ts PAGE_BUDGETS index) the last pack printed here needed: the next pack's search starts
   * there (fitBudget's hint). The packs of one run are usually alike (same config, similar tenants), so this
   * saves the prints of the budgets before it; it changes which prints are made, never the budget found.
   */
  budgetHint = 0;

  /** Closes the browser; later session() calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    const slot = this.current;
    this.current = null;
    if (!slot) return;
    slot.closing = true;
    const launched = await slot.launch.catch(() => null);
    await launched?.close();
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
