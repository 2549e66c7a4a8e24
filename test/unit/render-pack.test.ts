import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBrowser, renderPack } from '../../src/render/index.js';
import { BRANDING, SAMPLE_DIR, loadSample, scratch } from '../fixtures/results-sample/load.js';

describe('renderPack', () => {
  it('embeds an SVG logo as a data: URI', async () => {
    const out = await scratch('logo');
    await renderPack(await loadSample(), {
      resultsDir: SAMPLE_DIR,
      outDir: out,
      branding: { ...BRANDING, logoFile: join(SAMPLE_DIR, 'logo.svg') },
      pdf: false,
    });
    const html = await readFile(join(out, 'audit.html'), 'utf8');
    expect(html).toMatch(/<img class="cover-logo" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/]+=*"/);
  });

  it('refuses a logo that is neither SVG nor PNG, and a colour that is not #rrggbb', async () => {
    const dir = await scratch('bad-branding');
    await writeFile(join(dir, 'logo.gif'), 'GIF89a');
    const results = await loadSample();
    const base = { resultsDir: SAMPLE_DIR, outDir: dir, pdf: false };
    await expect(renderPack(results, { ...base, branding: { ...BRANDING, logoFile: join(dir, 'logo.gif') } })).rejects.toThrow(
      /neither SVG nor PNG/,
    );
    await expect(renderPack(results, { ...base, branding: { ...BRANDING, primaryColor: 'blue' } })).rejects.toThrow(/#rrggbb/);
  });

  it('refuses a sidecar that does not match results.json, and leaves no partial worklist', async () => {
    const dir = await scratch('tampered');
    await cp(SAMPLE_DIR, dir, { recursive: true });
    const sidecar = join(dir, 'affected', 'users.not_mfa_capable.ndjson');
    const lines = (await readFile(sidecar, 'utf8')).trim().split('\n');
    await writeFile(sidecar, lines.slice(1).join('\n') + '\n');
    const out = join(dir, 'out');
    await expect(renderPack(await loadSample(), { resultsDir: dir, outDir: out, branding: BRANDING, pdf: false })).rejects.toThrow(
      /does not match results\.json/,
    );
    const left = await readdir(join(out, 'worklists'));
    expect(left.filter((f) => f.startsWith('mfa-capable-below-target') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a sidecar path that leaves the results folder', async () => {
    const results = await loadSample();
    results.findings[0]!.affected!.file = '../../../etc/passwd';
    await expect(
      renderPack(results, { resultsDir: SAMPLE_DIR, outDir: await scratch('escape'), branding: BRANDING, pdf: false }),
    ).rejects.toThrow(/outside the results folder/);
  });
});

describe('findBrowser', () => {
  it('prefers an explicit executable and explains how to get one when it is missing', () => {
    expect(findBrowser(process.execPath)).toBe(process.execPath);
    expect(() => findBrowser('/nonexistent/chromium')).toThrow(
      'No Chromium found for PDF output. Install it (Debian/Ubuntu: apt-get install -y chromium fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji), set PUPPETEER_EXECUTABLE_PATH, or pass --no-pdf.',
    );
  });

  it('throws the install hint when nothing is found', () => {
    const saved = { path: process.env.PATH, env: process.env.PUPPETEER_EXECUTABLE_PATH };
    try {
      process.env.PATH = '/nonexistent';
      delete process.env.PUPPETEER_EXECUTABLE_PATH;
      let message = '';
      try {
        findBrowser();
      } catch (err) {
        message = (err as Error).message;
      }
      // on a machine with /usr/bin/chromium it is found regardless of PATH
      if (message) expect(message).toMatch(/^No Chromium found for PDF output\. .* or pass --no-pdf\.$/);
      else expect(findBrowser()).toMatch(/chromium/);
    } finally {
      process.env.PATH = saved.path;
      if (saved.env !== undefined) process.env.PUPPETEER_EXECUTABLE_PATH = saved.env;
    }
  });
});

describe('renderPack on sparse results', () => {
  it('renders a tenant where nothing could be collected without inventing numbers', async () => {
    const results = await loadSample();
    for (const m of Object.values(results.metrics)) {
      m.value = null;
      if (m.denominator !== undefined) {
        m.numerator = 0;
        m.denominator = 0;
      }
    }
    results.findings = results.findings.map((f) => ({
      ...f,
      status: 'error' as const,
      affected: null,
      errorReason: 'Source userRegistrationDetails is unavailable: HTTP 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant',
    }));
    results.summary = { byStatus: { error: results.findings.length }, failedBySeverity: {}, worstFailure: null };
    results.snapshot.complete = false;
    const out = await scratch('sparse');
    const { files } = await renderPack(results, {
      resultsDir: SAMPLE_DIR,
      outDir: out,
      branding: { organisation: 'شركة كونتوسو \u202Eltd', primaryColor: '#ffffff' },
      pdf: false,
    });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['audit.html', 'pack-manifest.json', 'summary.md']);
    const html = await readFile(join(out, 'audit.html'), 'utf8');
    expect(html).not.toMatch(/NaN|undefined|Infinity/);
    // the report body shows no ratio without data; only the appendix lists the raw recorded 0 / 0
    expect(html.slice(0, html.indexOf('id="appendix-metrics"'))).not.toContain('0 / 0');
    expect(html.match(/could not be evaluated/gi)?.length).toBeGreaterThanOrEqual(7);
    expect(html).toContain('Incomplete snapshot');
    expect(html).toContain('No data: the sources for this chart were not available.');
    expect(html).toContain('شركة كونتوسو [U+202E]ltd');
    expect(html).not.toMatch(/<article class="finding finding-(pass|fail)"/);
    expect(html.match(/<article class="finding finding-error"/g)).toHaveLength(8);
    // the enforcement section has nothing to count either
    const enforcement = html.slice(html.indexOf('id="enforcement"'), html.indexOf('</section>', html.indexOf('id="enforcement"')));
    expect(enforcement).not.toMatch(/\d\.\d%|enf-cross/);
    expect(enforcement).toContain('no value: see the notes');
  });

  it('renders results with no findings, sources or metrics at all', async () => {
    const results = await loadSample();
    results.findings = [];
    results.sources = [];
    results.metrics = {};
    results.metricInfo = [];
    results.summary = { byStatus: {}, failedBySeverity: {}, worstFailure: null };
    const out = await scratch('empty');
    await renderPack(results, { resultsDir: SAMPLE_DIR, outDir: out, branding: BRANDING, pdf: false });
    const html = await readFile(join(out, 'audit.html'), 'utf8');
    expect(html).toContain('Of 0 checks run, none failed.');
    expect(html).not.toMatch(/NaN|undefined/);
  });
});
