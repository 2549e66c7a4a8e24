import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderPack } from '../../src/render/index.js';
import { CONTENT_SECURITY_POLICY, TEMPLATES_DIR, brandCss } from '../../src/render/html.js';
import { BRANDING, SAMPLE_DIR, loadSample, scratch } from '../fixtures/results-sample/load.js';

let html: string;
let out: string;

beforeAll(async () => {
  out = await scratch('html');
  await renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: out, branding: BRANDING, pdf: false });
  html = await readFile(join(out, 'audit.html'), 'utf8');
});

describe('audit.html', () => {
  it('has no script anywhere and carries the CSP meta tag', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`);
    // the CSP comes before anything it governs
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
  });

  it('shows a hostile display name as text, never as markup', () => {
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;b&gt;Helpdesk&lt;/b&gt; Admin');
    expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i); // no event-handler attribute on any tag
  });

  it('loads nothing from outside the file', () => {
    expect(html).not.toMatch(/\s(src|srcset|poster|data)\s*=\s*"(?!data:)/i);
    expect(html).not.toMatch(/<link\b|@import|url\(\s*['"]?(?!#|data:)/i);
    expect(html).not.toMatch(/<(iframe|object|embed|form|base)\b/i);
  });

  it('makes bidi override characters visible instead of letting them flip text', () => {
    expect(html).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(html).toContain('Invoice[U+202E]gpj.exe');
    expect(html).toMatch(/<bdi>Invoice\[U\+202E\]gpj\.exe<\/bdi>/);
  });

  it('links only https remediation links, with rel="noopener noreferrer"', () => {
    const anchors = [...html.matchAll(/<a\s[^>]*href="([^"]*)"[^>]*>/g)];
    const external = anchors.filter((m) => !m[1]!.startsWith('#'));
    expect(external.length).toBeGreaterThan(0);
    for (const m of external) {
      expect(m[1]).toMatch(/^https:\/\//);
      expect(m[0]).toContain('rel="noopener noreferrer"');
    }
    expect(html).not.toMatch(/href="(javascript|http):/i);
    expect(html).toContain('javascript:alert(1)</span> <span class="muted">(not a secure link; shown as text)');
  });

  it('shows an error finding as not evaluated, with its reason, never as pass or fail', () => {
    const start = html.indexOf('id="finding-registration-failures-spike"');
    expect(start).toBeGreaterThan(0);
    const article = html.slice(start, html.indexOf('</article>', start));
    expect(article).toMatch(/could not be evaluated/i);
    expect(article).toContain('Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    expect(article).toContain('Not evaluated');
    expect(article).not.toMatch(/status-(pass|fail)/);
  });

  it('orders findings by severity, then check id', () => {
    const ids = [...html.matchAll(/<article class="finding [^"]*" id="finding-([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual([
      'admins-without-phishing-resistant-method',
      'mfa-capable-below-target',
      'passwordless-below-target',
      'phone-only-mfa-users',
      'registration-failures-spike',
    ]);
  });

  it('caps the affected table and points to the complete worklist', () => {
    const start = html.indexOf('id="finding-mfa-capable-below-target"');
    const article = html.slice(start, html.indexOf('</article>', start));
    expect(article.match(/<tr><td><bdi>/g)).toHaveLength(25);
    expect(article).toContain('161 more in <span class="mono">worklists/mfa-capable-below-target.csv</span>');
  });

  it('lists affected users for a failing finding only: a pass shows the count, no table, no worklist', () => {
    const start = html.indexOf('id="finding-phone-only-mfa-users"');
    const article = html.slice(start, html.indexOf('</article>', start));
    expect(article).toContain('status-pass');
    expect(article).toMatch(/Affected users<\/th><td class="num">187</);
    expect(article).not.toContain('class="data affected"');
    expect(article).not.toContain('worklists/');
  });

  it('states who counts as an admin and lists role holders outside the metrics as text', () => {
    const start = html.indexOf('id="definitions"');
    const section = html.slice(start, html.indexOf('</section>', start));
    expect(section).toContain('Who counts as an administrator');
    expect(section).toContain('entra-privileged');
    expect(section).toContain('&lt;svg onload=alert(1)&gt; legacy sync');
    expect(section).toContain('former.<wbr>admin@<wbr>contoso.<wbr>com');
  });

  it('has every section, the score cards and the charts inline', () => {
    for (const id of ['summary', 'registration', 'findings', 'definitions', 'appendix-sources', 'appendix-metrics']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('85.5%');
    expect(html).toContain('1,098 / 1,284');
    expect(html).toContain('72f988bf-86f1-41af-91ab-2d7cd011db47');
    expect(html).toContain('2026-11-27T09:14:41.087Z');
  });

  it('is byte-identical when rendered twice, into another folder', async () => {
    const again = await scratch('html-again');
    await renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: again, branding: BRANDING, pdf: false });
    expect(await readFile(join(again, 'audit.html'))).toEqual(await readFile(join(out, 'audit.html')));
    expect(await readFile(join(again, 'summary.md'))).toEqual(await readFile(join(out, 'summary.md')));
  });

  it('writes the pack and leaves no temporary file behind', async () => {
    expect((await readdir(out)).sort()).toEqual(['audit.html', 'summary.md', 'worklists']);
    expect((await readdir(join(out, 'worklists'))).sort()).toEqual([
      'admins-without-phishing-resistant-method.csv',
      'mfa-capable-below-target.csv',
    ]);
  });
});

describe('templates', () => {
  it('never triple-stash and quote every attribute value', async () => {
    const dirs = [TEMPLATES_DIR, join(TEMPLATES_DIR, 'partials')];
    for (const dir of dirs) {
      for (const file of (await readdir(dir)).filter((f) => f.endsWith('.hbs'))) {
        const text = await readFile(join(dir, file), 'utf8');
        expect(text, file).not.toContain('{{{');
        // html.ts prints Handlebars' escaped "=" as "=": safe only inside quoted attribute values
        expect(text, file).not.toMatch(/=\s*\{\{/);
      }
    }
  });
});

describe('branding', () => {
  it('accepts only #rrggbb, so the colour cannot inject CSS', () => {
    expect(brandCss('#1F4E79')).toContain('--brand: #1f4e79');
    for (const bad of ['red', '#fff', '#1f4e79; } body { display: none', 'url(https://x)']) {
      expect(() => brandCss(bad)).toThrow(/#rrggbb/);
    }
  });

  it('darkens a light brand colour for headings so text keeps its contrast', () => {
    const css = brandCss('#f0e442');
    const ink = /--brand-ink: (#[0-9a-f]{6})/.exec(css)?.[1];
    expect(ink).toBeDefined();
    expect(ink).not.toBe('#f0e442');
    expect(css).toContain('--brand-on: #111827');
  });
});
