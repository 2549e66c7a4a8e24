import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/engine/results.js';
import { md, renderMarkdown } from '../../src/render/markdown.js';
import {
  buildViewModel,
  formatDateTime,
  formatInt,
  formatPercent,
  sortFindings,
  visibleText,
  worklistName,
  type ViewModelOptions,
} from '../../src/render/view-model.js';
import { loadSample } from '../fixtures/results-sample/load.js';

const OPTS: ViewModelOptions = {
  branding: { organisation: 'Contoso Ltd', primaryColor: '#1f4e79' },
  logoDataUri: null,
  maxAffectedInPdf: 3,
  affectedHead: new Map(),
  worklists: new Map([['mfa-capable-below-target', 'worklists/mfa-capable-below-target.csv']]),
};

describe('formatting', () => {
  it('formats numbers without depending on the locale', () => {
    expect(formatInt(1284)).toBe('1,284');
    expect(formatInt(1234567)).toBe('1,234,567');
    expect(formatPercent(0.8551)).toBe('85.5%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(null)).toBe('n/a');
    expect(formatDateTime('2026-11-27T09:14:41.087Z')).toBe('27 Nov 2026, 09:14 UTC');
    expect(formatDateTime('not a date')).toBe('not a date');
  });

  it('makes bidi and control characters visible', () => {
    expect(visibleText('Invoice\u202Egpj.exe')).toBe('Invoice[U+202E]gpj.exe');
    expect(visibleText('\u2067x\u2069')).toBe('[U+2067]x[U+2069]');
    expect(visibleText('a\u0000b\nc')).toBe('a[U+0000]b[U+000A]c');
    expect(visibleText('王小明 👩🏽‍💻')).toBe('王小明 👩🏽‍💻');
  });

  it('turns any check id into a file name inside worklists/', () => {
    expect(worklistName('mfa-capable-below-target')).toBe('mfa-capable-below-target.csv');
    expect(worklistName('../../etc/passwd')).toBe('__.._etc_passwd.csv');
    expect(worklistName('a/b\\c')).toBe('a_b_c.csv');
  });
});

describe('buildViewModel', () => {
  it('sorts findings by severity, then check id', async () => {
    const results = await loadSample();
    const shuffled = [...results.findings].reverse();
    expect(sortFindings(shuffled).map((f: Finding) => f.checkId)).toEqual([
      'admins-without-phishing-resistant-method',
      'mfa-capable-below-target',
      'passwordless-below-target',
      'phone-only-mfa-users',
      'registration-failures-spike',
    ]);
  });

  it('builds score cards for the six headline metrics', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    expect(view.summary.scoreCards.map((c) => [c.id, c.value, c.fraction])).toEqual([
      ['mfa.capable', '85.5%', '1,098 / 1,284'],
      ['phishing_resistant.registered', '23.2%', '298 / 1,284'],
      ['passwordless.capable', '32.1%', '412 / 1,284'],
      ['admins.phishing_resistant', '60.9%', '14 / 23'],
      ['mfa.phone_only', '14.6%', '187 / 1,284'],
      ['sspr.capable', '76.9%', '987 / 1,284'],
    ]);
    expect(view.summary.severityCounts.map((s) => s.count)).toEqual([1, 1, 1, 0, 0]);
    expect(view.summary.headline).toBe('Of 5 checks run, 3 failed (highest severity: critical); 1 could not be evaluated.');
  });

  it('caps the affected list and counts the rest', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const f = view.findings.find((x) => x.checkId === 'mfa-capable-below-target');
    expect(f?.affected?.rows).toHaveLength(3);
    expect(f?.affected?.more).toBe(183);
    expect(f?.affected?.worklist).toBe('worklists/mfa-capable-below-target.csv');
    expect(f?.affected?.rows[0]?.userDisplayName).toBe('<img src=x onerror=alert(1)>'); // escaped by the template
  });

  it('sorts the method chart by users, descending', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const counts = view.charts[0]!.rows.map((r) => r.count ?? -1);
    expect(counts).toHaveLength(12);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    expect(view.charts[0]!.rows[0]!.label).toBe('Authenticator push');
  });

  it('marks charts without data as empty instead of drawing zeros', async () => {
    const results = await loadSample();
    for (const m of Object.values(results.metrics)) m.value = null;
    const view = buildViewModel(results, OPTS);
    expect(view.charts.find((c) => c.id === 'funnel')?.empty).toBe(true);
    expect(view.summary.scoreCards.every((c) => c.missing && c.value === 'n/a')).toBe(true);
  });
});

describe('summary.md', () => {
  it('escapes table-breaking and markup characters in data', () => {
    expect(md('a|b')).toBe('a\\|b');
    expect(md('<img src=x>')).toBe('&lt;img src=x&gt;');
    expect(md('`code`')).toBe('\\`code\\`');
    expect(md('# heading')).toBe('\\# heading');
    expect(md('line\nbreak')).toBe('line break');
    expect(md('back\\|slash')).toBe('back\\\\\\|slash');
    expect(md('[link](javascript:x)')).toBe('\\[link\\](javascript:x)');
  });

  it('has the headline metrics and a findings table with one row per finding', async () => {
    const results = await loadSample();
    results.findings[0]!.title = 'Pipe | <b>bold</b> `tick`\n# not a heading';
    const text = renderMarkdown(buildViewModel(results, OPTS));
    expect(text).toContain('| MFA capable | 85.5% | 1,098 / 1,284 |');
    const findingsTable = text.slice(text.indexOf('## Findings'));
    const rows = findingsTable.split('\n').filter((l) => /^\| (Critical|High|Medium|Low|Info) \|/.test(l));
    expect(rows).toHaveLength(5);
    for (const r of rows) expect(r.split(/(?<!\\)\|/).length).toBe(8); // 6 cells, no stray pipe
    expect(text).toContain('Pipe \\| &lt;b&gt;bold&lt;/b&gt; \\`tick\\` # not a heading');
    expect(text).toContain('Could not be evaluated: Required source userEventsSummary is unavailable');
    expect(text).not.toMatch(/<(?!br>)[a-z]/i);
  });
});
