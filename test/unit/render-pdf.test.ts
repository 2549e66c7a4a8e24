import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findBrowser, renderPack } from '../../src/render/index.js';
import { htmlToPdf } from '../../src/render/pdf.js';
import { BRANDING, SAMPLE_DIR, loadSample, scratch } from '../fixtures/results-sample/load.js';

function hasBrowser(): boolean {
  try {
    findBrowser();
    return true;
  } catch {
    return false;
  }
}

function tool(name: string): boolean {
  try {
    execFileSync(name, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function pageCount(pdfPath: string, bytes: Buffer): number {
  if (tool('pdfinfo')) {
    const info = execFileSync('pdfinfo', [pdfPath], { encoding: 'utf8' });
    return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
  }
  return bytes.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g)?.length ?? 0;
}

describe.skipIf(!hasBrowser())('audit.pdf', () => {
  let out: string;
  let pdf: Buffer;

  beforeAll(async () => {
    out = await scratch('pdf');
    const { files } = await renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: out, branding: BRANDING });
    expect(files).toContain(join(out, 'audit.pdf'));
    pdf = await readFile(join(out, 'audit.pdf'));
  });

  it('is an A4 PDF with a sane number of pages', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = pageCount(join(out, 'audit.pdf'), pdf);
    // cover, summary, 3 chart pages, 5 findings, definitions, 2-3 appendix pages
    expect(pages).toBeGreaterThanOrEqual(10);
    expect(pages).toBeLessThanOrEqual(25);
    if (tool('pdfinfo')) expect(execFileSync('pdfinfo', [join(out, 'audit.pdf')], { encoding: 'utf8' })).toMatch(/Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
  });

  it.skipIf(!tool('pdffonts'))('sets every script of the sample names in a font made for it (no boxes)', () => {
    const fonts = execFileSync('pdffonts', [join(out, 'audit.pdf')], { encoding: 'utf8' });
    for (const face of ['LiberationSans', 'NotoSansArabic', 'NotoSansHebrew', 'NotoSansThai', 'NotoSansDevanagari']) {
      expect(fonts).toContain(face);
    }
  });

  it.skipIf(!tool('pdftotext'))('carries the footer and hostile names as text', () => {
    const text = execFileSync('pdftotext', ['-layout', join(out, 'audit.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toMatch(/Page 1 of \d+/);
    expect(text).toContain('CONFIDENTIAL');
    expect(text).toContain('<img src=x onerror=alert(1)>');
    expect(text).toContain('王小明');
  });

  it('makes no network request while printing the report', async () => {
    const html = await readFile(join(out, 'audit.html'), 'utf8');
    const result = await htmlToPdf(html, { organisation: 'Contoso Ltd' });
    expect(result.blockedRequests).toEqual([]);
    expect(Buffer.from(result.pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('aborts and records every request a page attempts', async () => {
    const probe = `<!DOCTYPE html><html><head><link rel="stylesheet" href="https://example.com/a.css"></head>
      <body><p>probe</p><img src="https://example.org/pixel.png"><img src="http://203.0.113.7/x.png"></body></html>`;
    const result = await htmlToPdf(probe, { organisation: 'probe' });
    expect([...result.blockedRequests].sort()).toEqual(
      ['http://203.0.113.7/x.png', 'https://example.com/a.css', 'https://example.org/pixel.png'].sort(),
    );
    expect(Buffer.from(result.pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});
