import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderPack, type RenderOutput } from '../../src/render/index.js';
import { PAGE_MARGIN_MM } from '../../src/render/html.js';
import { htmlToPdf, readPdfLayout } from '../../src/render/pdf.js';
import { BRANDING, SAMPLE_DIR, loadSample, scratch } from '../fixtures/results-sample/load.js';
import { hasBrowser } from '../helpers/browser.js';

function tool(name: string): boolean {
  try {
    execFileSync(name, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const POPPLER = tool('pdfinfo') && tool('pdftotext');
const PT_PER_MM = 72 / 25.4;

function pdfinfo(path: string): { pages: number; width: number; height: number } {
  const info = execFileSync('pdfinfo', [path], { encoding: 'utf8' });
  const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info);
  return { pages: Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]), width: Number(size?.[1]), height: Number(size?.[2]) };
}

function pageText(path: string, page: number): string {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', '-f', String(page), '-l', String(page), path, '-'], { encoding: 'utf8' });
}

interface Word {
  page: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  text: string;
}

/** Every word of the text layer with its box, from `pdftotext -bbox`. */
function words(path: string): { pages: Array<{ width: number; height: number }>; words: Word[] } {
  const html = execFileSync('pdftotext', ['-enc', 'UTF-8', '-bbox', path, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const pages: Array<{ width: number; height: number }> = [];
  const out: Word[] = [];
  const re = /<page width="([\d.]+)" height="([\d.]+)">|<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g;
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    if (m[1]) pages.push({ width: Number(m[1]), height: Number(m[2]) });
    else out.push({ page: pages.length, x0: Number(m[3]), y0: Number(m[4]), x1: Number(m[5]), y1: Number(m[6]), text: m[7] ?? '' });
  }
  return { pages, words: out };
}

describe.skipIf(!hasBrowser())('audit.pdf', () => {
  let out: string;
  let pdfPath: string;
  let pdf: Buffer;
  let output: RenderOutput;

  beforeAll(async () => {
    out = await scratch('pdf');
    output = await renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: out, branding: BRANDING, report: { footer: 'Contoso internal audit' } });
    pdfPath = join(out, 'audit.pdf');
    expect(output.files).toContain(pdfPath);
    pdf = await readFile(pdfPath);
  });

  it('is an A4 PDF whose page count stays in bounds', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const layout = readPdfLayout(pdf);
    expect(output.pdfPages).toBe(layout.pageCount);
    // cover, contents, summary, 3 metric pages, findings, coverage, methodology, appendices
    expect(layout.pageCount).toBeGreaterThanOrEqual(12);
    expect(layout.pageCount).toBeLessThanOrEqual(30);
    if (POPPLER) {
      const info = pdfinfo(pdfPath);
      expect(info.pages).toBe(layout.pageCount);
      expect([Math.round(info.width), Math.round(info.height)]).toEqual([596, 842]);
    }
  });

  it.skipIf(!POPPLER)('carries the key numbers, the header and the footer as extractable text', () => {
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', pdfPath, '-'], { encoding: 'utf8' });
    const { pages } = pdfinfo(pdfPath);
    for (const needle of [
      '85.5%', // MFA capable
      '1,098 / 1,284 users',
      'Target: ≥ 95.0% · missed',
      '60.9%', // admins phishing-resistant
      'Of 8 checks run, 4 failed (highest severity: critical); 1 could not be evaluated.',
      // the enforcement section: what the policies require, and a hostile policy name as text
      '1,095 (79.4%)',
      '<script>alert(1)</script>',
      'CA006 <b>Kiosk</b>[U+202E]: authentication strength',
      'NOT ASSESSABLE',
      '161 more in worklists/mfa-capable-below-target.csv',
      '72f988bf-86f1-41af-91ab-2d7cd011db47',
      'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
      '<img src=x onerror=alert(1)>',
      '王小明',
      'Contoso internal audit',
      'Authentication methods audit · v1.0 · DRAFT',
    ]) {
      expect(text, needle).toContain(needle);
    }
    expect(text).toContain(`Page 1 of ${pages}`);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    // header and footer on every page, with the classification
    expect(text.match(/CONFIDENTIAL/g)?.length).toBeGreaterThanOrEqual(2 * pages);
    // the draft watermark is drawn, not written: it adds no text
    expect(text).not.toMatch(/^\s*[DRAFT]\s*$/m);
  });

  it.skipIf(!POPPLER)('prints in the contents the page on which each section and finding starts', () => {
    const layout = readPdfLayout(pdf);
    const contents = pageText(pdfPath, 2);
    const sections: Array<[string, string]> = [
      ['summary', 'Executive summary'],
      ['metrics', 'Metrics'],
      ['enforcement', 'MFA enforcement'],
      ['findings', 'Findings'],
      ['coverage', 'Control coverage'],
      ['methodology', 'Methodology and definitions'],
      ['appendix-sources', 'Appendix: evidence of collection'],
      ['glossary', 'Glossary'],
    ];
    for (const [anchor, heading] of sections) {
      const page = layout.destinations.get(anchor);
      expect(page, anchor).toBeGreaterThan(2);
      // the contents line ends with that page number …
      expect(contents, anchor).toMatch(new RegExp(`${heading.replace('Appendix: evidence of collection', 'Evidence of collection')}\\s+${page}\\s*$`, 'm'));
      // … and that page shows the heading
      expect(pageText(pdfPath, page!), anchor).toContain(heading);
    }
    const finding = layout.destinations.get('finding-mfa-capable-below-target')!;
    expect(contents).toMatch(new RegExp(`Users who are not MFA capable\\s+Fail\\s+${finding}\\s*$`, 'm'));
    expect(pageText(pdfPath, finding)).toContain('mfa-capable-below-target · v2');
  });

  it.skipIf(!POPPLER)('keeps every word inside the page margins: body text in the text block, header and footer in their bands', () => {
    const { pages, words: all } = words(pdfPath);
    expect(all.length).toBeGreaterThan(3000);
    const problems: string[] = [];
    for (const w of all) {
      const p = pages[w.page - 1]!;
      const left = PAGE_MARGIN_MM.left * PT_PER_MM - 1;
      const right = p.width - PAGE_MARGIN_MM.right * PT_PER_MM + 1;
      const top = PAGE_MARGIN_MM.top * PT_PER_MM;
      const bottom = p.height - PAGE_MARGIN_MM.bottom * PT_PER_MM;
      const edge = 5 * PT_PER_MM;
      const inText = w.y0 >= top - 1.5 && w.y1 <= bottom + 1;
      const inHeader = w.y0 >= edge && w.y1 <= top - 3;
      const inFooter = w.y0 >= bottom + 3 && w.y1 <= p.height - edge;
      if (w.x0 < left || w.x1 > right || !(inText || inHeader || inFooter)) {
        problems.push(`page ${w.page}: "${w.text}" at x ${w.x0.toFixed(1)}–${w.x1.toFixed(1)}, y ${w.y0.toFixed(1)}–${w.y1.toFixed(1)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.skipIf(!POPPLER)('never ends a page with a heading (its content would be on the next page)', () => {
    const { pages, words: all } = words(pdfPath);
    const orphans: string[] = [];
    pages.forEach((p, i) => {
      const top = PAGE_MARGIN_MM.top * PT_PER_MM - 1.5;
      const bottom = p.height - PAGE_MARGIN_MM.bottom * PT_PER_MM + 1;
      const body = all.filter((w) => w.page === i + 1 && w.y0 >= top && w.y1 <= bottom);
      if (body.length === 0) return;
      const last = Math.max(...body.map((w) => w.y1));
      const line = body.filter((w) => Math.abs(w.y1 - last) < 2);
      // heading sizes (h2 17pt, h3 12pt, h4 11.5pt) give word boxes of 12.8 pt and more; body text (≤ 10pt) stays below 11.5.
      // Only Latin words count: an emoji's box is tall whatever the font size.
      const latin = line.filter((w) => /^[\x20-\x7e]+$/.test(w.text));
      const height = Math.max(0, ...latin.map((w) => w.y1 - w.y0));
      if (height >= 12.5) orphans.push(`page ${i + 1}: ${line.map((w) => w.text).join(' ')}`);
    });
    expect(orphans).toEqual([]);
  });

  it('has bookmarks (a document outline) mirroring the contents, and a title, without being tagged', () => {
    const raw = pdf.toString('latin1');
    expect(raw).toMatch(/\/Type \/Outlines/);
    expect(raw).toContain('/PageMode /UseOutlines');
    expect(raw).not.toContain('/StructTreeRoot');
    const utf16 = (s: string) => `<FEFF${[...s].map((c) => c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')).join('')}>`;
    for (const title of ['1 Executive summary', '3 MFA enforcement', '4 Findings', 'Users who are not MFA capable', 'C Glossary']) {
      expect(raw, title).toContain(`/Title ${utf16(title)}`);
    }
    expect(raw).toContain('/Title (Contoso Ltd: Authentication methods audit)');
    // the incremental update's cross-reference section points exactly at the objects it adds
    const update = raw.slice(raw.lastIndexOf('\nxref\n'), raw.lastIndexOf('trailer'));
    let checked = 0;
    for (const [, first, count, rows] of update.matchAll(/(\d+) (\d+)\n((?:\d{10} \d{5} [nf] \n)+)/g)) {
      rows!.trim().split('\n').forEach((row, i) => {
        const id = Number(first) + i;
        if (row.endsWith('f')) return;
        expect(raw.slice(Number(row.slice(0, 10)), Number(row.slice(0, 10)) + 12), `object ${id}`).toMatch(new RegExp(`^${id} 0 obj`));
        checked++;
      });
      expect(rows!.trim().split('\n')).toHaveLength(Number(count));
    }
    expect(checked).toBeGreaterThan(10);
    expect(readPdfLayout(pdf).destinations.get('summary')).toBe(3);
    // the update is readable: poppler sees every page and the outline's destinations
    if (POPPLER) {
      const dests = execFileSync('pdfinfo', ['-dests', pdfPath], { encoding: 'utf8' });
      expect(dests).toContain('summary');
      expect(dests).toContain('finding-mfa-capable-below-target');
    }
  });

  it.skipIf(!tool('pdffonts'))('sets every script of the sample names in a font made for it (no boxes)', () => {
    const fonts = execFileSync('pdffonts', [pdfPath], { encoding: 'utf8' });
    // CJK and colour emoji are embedded as Type 3 fonts (no name): the visual check covers them
    for (const face of ['LiberationSans', 'NotoSansArabic', 'NotoSansHebrew', 'NotoSansThai', 'NotoSansDevanagari']) {
      expect(fonts).toContain(face);
    }
  });

  it('prints Letter, and a tagged (accessible) PDF when asked', async () => {
    const html = '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><h1>Heading</h1><p>Body text.</p></body></html>';
    const letter = await htmlToPdf(html, { organisation: 'Contoso', pageSize: 'Letter' });
    expect(Buffer.from(letter.pdf).toString('latin1')).toMatch(/\/MediaBox \[0 0 612 792\]/);
    expect(Buffer.from(letter.pdf).toString('latin1')).not.toContain('/StructTreeRoot');
    const tagged = await htmlToPdf(html, { organisation: 'Contoso', tagged: true });
    expect(Buffer.from(tagged.pdf).toString('latin1')).toContain('/StructTreeRoot');
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
