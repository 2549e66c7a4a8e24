/**
 * Issue #8 §2, property-based: every escaping path of the renderer, for any string — random code units (lone
 * surrogates included) and strings built from the characters that matter to each format.
 * - CSV (render/csv.ts csvCell, csvRow): parses back as exactly one cell / six cells; no cell starts a formula;
 *   control characters become visible, one for one; nothing else changes.
 * - Markdown (render/markdown.ts md): round-trips exactly (line breaks become spaces), no raw < >, and a table row
 *   built from escaped cells always has its number of cells.
 * - HTML (view model + Handlebars templates, and the PDF footer template): data never adds an element or an
 *   attribute, never leaves a raw bidi or control character, and the reader sees the value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AffectedUser, AuditResult } from '../../src/results/schema.js';
import { csvCell, csvRow } from '../../src/render/csv.js';
import { marker } from '../../src/text/visible.js';
import { renderHtml } from '../../src/render/html.js';
import { md } from '../../src/render/markdown.js';
import { footerTemplate } from '../../src/render/pdf.js';
import { buildViewModel, visibleText } from '../../src/render/view-model.js';
import { BRANDING, loadSample } from '../fixtures/results-sample/load.js';
import { BIDI_CONTROL, CONTROL, FORMULA_START, INVISIBLE, htmlProblems, htmlTags, htmlText, markdownCells, parseCsv, unescapeMarkdown } from './inspect.js';

/** Characters and fragments each format gives a meaning to, plus scripts, emoji and the invisible and bidi controls. */
const FRAGMENTS = [
  '<', '>', '&', '"', "'", '`', '=', '|', '\\', '*', '_', '[', ']', '(', ')', '#', '!', '~', ',', ';', ':', '/', ' ',
  '\n', '\r', '\r\n', '\t', '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u009b', '\u00a0', '\u2028',
  '\u202a', '\u202e', '\u2066', '\u2069', '\u200b', '\u200d', '\u200e', '\ufeff', '\ud800', '\udc00', '\ud83d\udcbb',
  '<script>', '</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>', 'javascript:', '{{', '}}',
  '&lt;', '&amp;', '&#x3C;', '=cmd|', '+1', '-1', '@SUM(1)', 'https://evil.example/', '](x)', '![a](b)', '王', 'ثبت', 'A',
];
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
/** Hostile strings: random UTF-16 (lone surrogates, controls, anything) or fragments that mean something somewhere. */
const hostile = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }).map((xs) => xs.join('')),
);
const RUNS = { numRuns: 400 };

/** The control characters render/csv.ts shows as control pictures (all C0/C1 but tab, LF, CR). */
const CSV_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** Bidi controls and invisible characters (src/text/visible.ts): marked in CSV cells as visibleText marks them. */
const isBidiOrInvisible = (s: string) => BIDI_CONTROL.test(s) || INVISIBLE.test(s);

describe('CSV cells', () => {
  it('parse back as one cell that starts no formula; controls replaced, bidi and invisible characters marked', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        // after a first cell, so a value starting with U+FEFF is not taken for the file's byte-order mark
        const rows = parseCsv(`id,${csvCell(s)}\r\n`);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toHaveLength(2);
        const cell = rows[0]![1]!;
        expect(FORMULA_START.test(cell)).toBe(false);
        expect(CONTROL.test(cell)).toBe(false);
        expect(isBidiOrInvisible(cell)).toBe(false);
        // the expected body, character by character: a bidi or invisible character becomes its [U+XXXX] marker
        // (as visibleText shows it), a control character something that is not a control, the rest stays
        let expected = '';
        const controls: number[] = [];
        for (const ch of s) {
          if (isBidiOrInvisible(ch)) expected += marker(ch);
          else {
            if (CSV_CONTROL.test(ch)) controls.push(expected.length);
            expected += ch;
          }
        }
        const prefixed = cell.length === expected.length + 1;
        const body = prefixed ? cell.slice(1) : cell;
        expect(body).toHaveLength(expected.length);
        if (prefixed) expect(cell[0]).toBe("'");
        // the apostrophe is added exactly when the (cleaned) value would start a formula
        expect(prefixed).toBe(FORMULA_START.test(body));
        for (let i = 0; i < expected.length; i++) {
          if (controls.includes(i)) expect(CSV_CONTROL.test(body[i]!)).toBe(false);
          else expect(body[i]).toBe(expected[i]);
        }
      }),
      RUNS,
    );
  });

  it('a worklist row always has exactly six cells, none starting a formula', () => {
    const user = fc.record({
      id: hostile,
      userPrincipalName: hostile,
      userDisplayName: hostile,
      userType: hostile,
      isAdmin: fc.option(fc.boolean(), { nil: null }),
      methodsRegistered: fc.array(hostile, { maxLength: 4 }),
    });
    fc.assert(
      fc.property(user, (u: AffectedUser) => {
        const rows = parseCsv(`x,${csvRow(u)}`);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toHaveLength(7);
        for (const cell of rows[0]!.slice(1)) expect(FORMULA_START.test(cell)).toBe(false);
      }),
      RUNS,
    );
  });
});

describe('Markdown', () => {
  it('round-trips exactly (line breaks become spaces) and leaves no raw < > or line break', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = md(s);
        expect(out).not.toMatch(/[<>\r\n]/);
        expect(out).not.toMatch(/^\s*#/);
        expect(unescapeMarkdown(out)).toBe(s.replace(/\r\n|\r|\n/g, ' '));
      }),
      RUNS,
    );
  });

  it('a table row of escaped cells keeps its number of cells and their values', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 5 }), (values) => {
        const line = `| ${values.map(md).join(' | ')} |`;
        const cells = markdownCells(line);
        expect(cells).toHaveLength(values.length);
        expect(cells.map(unescapeMarkdown)).toEqual(values.map((v) => v.replace(/\r\n|\r|\n/g, ' ').trim()));
      }),
      RUNS,
    );
  });
});

describe('HTML', () => {
  it('data never adds an element or attribute; the reader sees every value', async () => {
    const sample = await loadSample();
    const finding = sample.findings.find((f) => f.status === 'fail' && f.affected)!;
    const render = (r: AuditResult, organisation: string, users: readonly AffectedUser[]) =>
      renderHtml({
        view: buildViewModel(r, {
          branding: { ...BRANDING, organisation, classification: organisation },
          logoDataUri: null,
          maxAffectedInPdf: 25,
          affectedHead: new Map([[finding.checkId, users]]),
          worklists: new Map([[finding.checkId, `worklists/${finding.checkId}.csv`]]),
        }),
        charts: {},
        primaryColor: BRANDING.primaryColor,
      });
    const baselineTags = new Set(htmlTags(render(sample, BRANDING.organisation, finding.affected!.sample)).map((t) => t.name));
    const links = new Set(sample.findings.flatMap((f) => f.remediation.links.filter((l) => l.startsWith('https://'))));

    fc.assert(
      fc.property(fc.array(hostile, { minLength: 3, maxLength: 3 }), hostile, hostile, hostile, (names, org, tenant, message) => {
        const r = structuredClone(sample);
        r.tenant.id = tenant;
        r.sources[0]!.errorMessage = message;
        r.sources[0]!.errorCode = message;
        const users = names.map((n, i) => ({ id: `u${i}`, userPrincipalName: n, userDisplayName: n, userType: n, isAdmin: null, methodsRegistered: [n] }));
        const html = render(r, org, users);
        expect(htmlProblems(html, { allowedLinks: links })).toEqual([]);
        for (const t of htmlTags(html)) expect(baselineTags.has(t.name) || t.name === 'wbr', `new element <${t.name}>`).toBe(true);
        const text = htmlText(html);
        for (const n of names) expect(text).toContain(visibleText(n));
        expect(text).toContain(visibleText(tenant));
      }),
      { numRuns: 30 },
    );
  });

  it('the PDF footer (a separate document Chromium renders) holds the organisation and classification as text', () => {
    fc.assert(
      fc.property(hostile, hostile, (org, cls) => {
        const html = footerTemplate(org, cls);
        const tags = htmlTags(html);
        for (const t of tags) {
          expect(['div', 'span', 'bdi']).toContain(t.name);
          for (const a of t.attrs) expect(['style', 'class']).toContain(a.name);
        }
        expect(/<script/i.test(html)).toBe(false);
        expect(htmlText(html)).toContain(org);
        expect(htmlText(html)).toContain(cls);
      }),
      RUNS,
    );
  });
});
