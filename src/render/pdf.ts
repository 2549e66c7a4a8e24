/**
 * HTML → PDF with the system Chromium (the only module that imports puppeteer). The page is offline: every
 * request is aborted and recorded, DNS resolves nothing, and a fresh profile is thrown away afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer';
import { findBrowser } from './browser.js';

/** Flags for a root, offline, headless run (design.md §6); the resolver rule stops Chromium's own DNS look-ups. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--disable-component-update',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND',
];

export interface PdfOptions {
  browserPath?: string;
  /** shown in the footer of every page */
  organisation: string;
  classification?: string;
}

export interface PdfResult {
  pdf: Uint8Array;
  /** every request the page attempted (all aborted); data: URLs are served inline by Chromium and not listed */
  blockedRequests: string[];
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const FOOTER_FONT = '"Liberation Sans", "DejaVu Sans", "Noto Sans", "Noto Sans CJK SC", "Noto Sans Arabic", "Noto Sans Hebrew", sans-serif';

/** Chromium's footer is a separate document: it needs its own font and an explicit size, or it prints at ~0. */
export function footerTemplate(organisation: string, classification?: string): string {
  const cell = 'flex: 1 1 0; overflow: hidden; white-space: nowrap; text-overflow: ellipsis;';
  return (
    `<div style="width: 100%; margin: 0 16mm; font-family: ${escapeHtml(FOOTER_FONT)}; font-size: 7.5pt; color: #52606d; display: flex; gap: 6mm; align-items: center;">` +
    `<span style="${cell} text-align: left;"><bdi>${escapeHtml(organisation)}</bdi></span>` +
    `<span style="${cell} text-align: center; font-weight: bold; letter-spacing: 0.06em; text-transform: uppercase;">${classification ? `<bdi>${escapeHtml(classification)}</bdi>` : ''}</span>` +
    `<span style="${cell} text-align: right;">Page <span class="pageNumber"></span> of <span class="totalPages"></span></span>` +
    `</div>`
  );
}

export async function htmlToPdf(html: string, opts: PdfOptions): Promise<PdfResult> {
  const executablePath = findBrowser(opts.browserPath);
  const userDataDir = await mkdtemp(join(tmpdir(), 'entra-auth-audit-chromium-'));
  const blockedRequests: string[] = [];
  try {
    const browser = await puppeteer.launch({
      executablePath,
      headless: true,
      userDataDir,
      args: CHROMIUM_ARGS,
      // our own temp profile; Puppeteer's default extra flags stay
      timeout: 60_000,
    });
    try {
      const page = await browser.newPage();
      await page.setJavaScriptEnabled(false);
      await page.setRequestInterception(true);
      page.on('request', (request) => {
        const url = request.url();
        if (url.startsWith('data:')) {
          void request.continue();
          return;
        }
        blockedRequests.push(url);
        void request.abort('blockedbyclient');
      });
      await page.setContent(html, { waitUntil: 'load', timeout: 60_000 });
      const pdf = await page.pdf({
        format: 'A4',
        printBackground: true,
        tagged: false,
        displayHeaderFooter: true,
        // an empty header: Chromium's default prints the date and the URL
        headerTemplate: '<span></span>',
        footerTemplate: footerTemplate(opts.organisation, opts.classification),
        margin: { top: '16mm', right: '16mm', bottom: '18mm', left: '16mm' },
        preferCSSPageSize: false,
        timeout: 120_000,
      });
      return { pdf, blockedRequests };
    } finally {
      await browser.close();
    }
  } finally {
    await rm(userDataDir, { recursive: true, force: true });
  }
}
