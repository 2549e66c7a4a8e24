import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult, Finding } from '../../src/results/schema.js';
import { appendStepSummary, cell, STEP_SUMMARY_MAX_BYTES, stepSummaryMarkdown } from '../../src/render/step-summary.js';
import { SAMPLE_DIR, scratch } from '../fixtures/results-sample/load.js';

/**
 * The shared sample, read without the zod parse: these renderers use only long-stable fields, and their tests
 * should not break while other fields of the contract evolve.
 */
async function loadSample(): Promise<AuditResult> {
  return JSON.parse(await readFile(join(SAMPLE_DIR, 'results.json'), 'utf8')) as AuditResult;
}

/**
 * GFM table cells as GitHub splits them: on every "|" not preceded by a backslash (GFM applies this even inside
 * code spans), after dropping the leading and trailing pipe.
 */
function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim());
}

/** Every table in the document: consecutive lines starting with "|". */
function tables(doc: string): string[][] {
  const out: string[][] = [];
  let current: string[] | null = null;
  for (const line of doc.split('\n')) {
    if (line.startsWith('|')) (current ??= []).push(line);
    else if (current) {
      out.push(current);
      current = null;
    }
  }
  if (current) out.push(current);
  return out;
}

/** The structural promises: every row of a table has the header's cell count; the delimiter row is well formed. */
function expectWellFormed(doc: string): void {
  for (const t of tables(doc)) {
    const width = cells(t[0]!).length;
    expect(t[1]).toMatch(/^\|( ---:? \|)+$/);
    for (const row of t) expect(cells(row), row).toHaveLength(width);
  }
  // nothing that starts HTML, a code span, a heading we did not write, or breaks a cell
  const data = doc.split('\n').filter((l) => !/^#{2,3} /.test(l));
  for (const line of data) {
    expect(line).not.toMatch(/<|(?<!\\)`/);
    expect(line).not.toMatch(/^\s*#/);
  }
}

let sample: AuditResult;
beforeAll(async () => {
  sample = await loadSample();
});

describe('stepSummaryMarkdown', () => {
  it('shows the tenant, snapshot time, headline metrics, failing checks by severity and errors with reasons', () => {
    const doc = stepSummaryMarkdown(sample);
    expectWellFormed(doc);
    expect(doc).toMatch(/^## Entra authentication-methods audit\n/);
    expect(doc).toContain(`- **Tenant:** ${sample.tenant.id} (global)`);
    expect(doc).toContain('- **Snapshot:** 27 Nov 2026, 09:14 UTC');
    expect(doc).toContain(sample.snapshot.manifestSha256);
    expect(doc).toContain('| MFA capable | 85.5% | 1,098 / 1,284 |');
    expect(doc).toContain('Phone-only MFA (lower is better)');
    expect(doc).toContain('worst failure: **Critical**');

    const [metrics, failing, errors] = tables(doc);
    expect(metrics!.slice(2)).toHaveLength(8);
    expect(doc).toContain('| MFA enforced by policy | 86.3% | 1,190 / 1,379 |');
    expect(doc).toContain('| Admins MFA enforced by policy | 87.0% | 20 / 23 |');
    const failingRows = failing!.slice(2).map(cells);
    const expected = sample.findings.filter((f) => f.status === 'fail');
    expect(failingRows).toHaveLength(expected.length);
    expect(failingRows.map((r) => r[0])).toEqual(['Critical', 'High', 'High', 'Medium']);
    expect(failingRows[0]![1]).toContain('(admins-without-phishing-resistant-method)');
    expect(failingRows[0]![3]).toBe('9');
    expect(failingRows[1]![3]).toBe('186');
    expect(failingRows[2]![1]).toContain('(mfa-not-enforced-for-all-users)');
    expect(failingRows[3]![3]).toBe('—');

    const errorRows = errors!.slice(2).map(cells);
    const err = sample.findings.find((f) => f.status === 'error')!;
    expect(errorRows).toHaveLength(1);
    expect(errorRows[0]![2]).toContain('Authentication\\_RequestFromNonPremiumTenantOrB2CTenant');
    expect(errorRows[0]![2]).toContain('Microsoft Entra ID P1 or P2');
    expect(err.errorReason).toContain('Authentication_RequestFromNonPremiumTenantOrB2CTenant');
  });

  it('is deterministic and independent of the findings order', () => {
    expect(stepSummaryMarkdown({ ...sample, findings: [...sample.findings].reverse() })).toBe(stepSummaryMarkdown(sample));
  });

  it('says so plainly when nothing failed and nothing errored, and warns on an incomplete snapshot', () => {
    const clean: AuditResult = {
      ...sample,
      snapshot: { ...sample.snapshot, complete: false },
      findings: sample.findings.map((f): Finding => ({ ...f, status: 'pass' })),
      summary: { ...sample.summary, worstFailure: null },
    };
    const doc = stepSummaryMarkdown(clean);
    expect(doc).toContain('No check failed.');
    expect(doc).not.toContain('### Not evaluated');
    expect(doc).not.toContain('worst failure');
    expect(doc).toContain('the snapshot is incomplete');
  });

  it('escapes hostile data: pipes, line breaks, backticks, HTML, headings, strikethrough, math, controls', () => {
    const evil = '# Title | a\nb\r\n`code` <script>alert(1)</script> ~~gone~~ $x$ *em* [l](javascript:x) \u0000 \uD800 \u202E';
    const base = sample.findings[0]!;
    const results: AuditResult = {
      ...sample,
      tenant: { ...sample.tenant, id: evil },
      findings: [
        { ...base, status: 'fail', title: evil, checkId: `id|${evil}`, message: evil },
        { ...base, status: 'error', checkId: 'e', title: evil, errorReason: evil },
      ],
    };
    const doc = stepSummaryMarkdown(results);
    expectWellFormed(doc);
    expect(doc).toContain('\\# Title \\| a b \\`code\\` &lt;script&gt;alert(1)&lt;/script&gt; \\~\\~gone\\~\\~ \\$x\\$ \\*em\\* \\[l\\](javascript:x) \\[U+0000\\] \\[U+D800\\] \\[U+202E\\]');
    expect(doc).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u202e]/);
  });

  it('keeps every table well formed for arbitrary strings (property)', () => {
    const base = sample.findings[0]!;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), (a, b) => {
        const results: AuditResult = {
          ...sample,
          findings: [
            { ...base, status: 'fail', title: a, message: b },
            { ...base, status: 'error', checkId: b, title: b, errorReason: a },
          ],
        };
        const doc = stepSummaryMarkdown(results);
        expectWellFormed(doc);
        // no lone surrogate survives: the document encodes to UTF-8 and back unchanged
        expect(Buffer.from(doc, 'utf8').toString('utf8')).toBe(doc);
      }),
      { numRuns: 300 },
    );
  });

  it('cuts very long cells before escaping', () => {
    const long = `${'|'.repeat(1000)}`;
    const c = cell(long);
    expect(c.endsWith('…')).toBe(true);
    expect(c).toBe(`${'\\|'.repeat(399)}…`);
  });

  it('links the pack only for an http(s) URL, with parentheses encoded', () => {
    expect(stepSummaryMarkdown(sample, 'https://contoso.github.io/audit/(q4)/audit.html')).toContain(
      '- **Audit pack:** [audit pack](https://contoso.github.io/audit/%28q4%29/audit.html)',
    );
    expect(stepSummaryMarkdown(sample, 'javascript:alert(1)')).not.toContain('Audit pack');
    expect(stepSummaryMarkdown(sample, 'not a url')).not.toContain('Audit pack');
  });
});

describe('appendStepSummary', () => {
  it('does nothing outside GitHub Actions', async () => {
    expect(await appendStepSummary(sample, {})).toBe(false);
    expect(await appendStepSummary(sample, { GITHUB_STEP_SUMMARY: '' })).toBe(false);
  });

  it('appends to $GITHUB_STEP_SUMMARY, keeping what earlier steps wrote, and links the workflow run', async () => {
    const dir = await scratch('step-summary');
    const file = join(dir, 'summary.md');
    await writeFile(file, 'earlier step output');
    const env = {
      GITHUB_STEP_SUMMARY: file,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'contoso/audits',
      GITHUB_RUN_ID: '123',
    };
    expect(await appendStepSummary(sample, env)).toBe(true);
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('earlier step output\n## Entra authentication-methods audit')).toBe(true);
    expect(text).toContain('[audit pack](https://github.com/contoso/audits/actions/runs/123)');
    expect(await appendStepSummary(sample, env, 'https://contoso.github.io/audit/')).toBe(true);
    const twice = await readFile(file, 'utf8');
    expect(twice.match(/## Entra authentication-methods audit/g)).toHaveLength(2);
    expect(twice).toContain('[audit pack](https://contoso.github.io/audit/)');
  });

  it('stays under the step-summary size limit with a huge number of findings', async () => {
    const base = sample.findings[0]!;
    const many: AuditResult = {
      ...sample,
      findings: Array.from({ length: 3000 }, (_, i) => ({ ...base, checkId: `c${i}`, status: 'fail' as const, message: 'x'.repeat(400) })),
    };
    const dir = await scratch('step-summary-big');
    const file = join(dir, 'summary.md');
    await appendStepSummary(many, { GITHUB_STEP_SUMMARY: file });
    const text = await readFile(file, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThan(STEP_SUMMARY_MAX_BYTES);
    expect(text).toContain('3,000 checks failed; see the audit pack for the list.');
  });
});
