/**
 * Issue #8 §2 and §3: the hostile corpus (test/fixtures/hostile) served by a Graph-compatible fixture server on
 * 127.0.0.1 goes through collect → analyze → render (HTML, PDF, CSV, summary.md) with the real CLI. Every value
 * renders as inert text, and every row served is counted in the metrics or reported invalid — none dropped silently.
 * The tenant id and every other route's error answer are hostile too: they are printed in the pack.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/results/schema.js';
import { visibleText } from '../../src/render/view-model.js';
import { HOSTILE_CA_POLICIES, HOSTILE_ERROR, HOSTILE_TENANT, expectedCounts, hostileRows, isValidRow } from '../fixtures/hostile/index.js';
import { startHostileGraph, type HostileGraph } from '../fixtures/hostile/server.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import {
  BIDI_CONTROL,
  CONTROL,
  FORMULA_START,
  INVISIBLE,
  cspProblems,
  htmlProblems,
  htmlTags,
  htmlText,
  markdownCells,
  parseCsv,
  unescapeMarkdown,
} from './inspect.js';
import { hasBrowser } from '../helpers/browser.js';

const TOKEN = 'hostile-fixture-token';

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
const ROWS = hostileRows();
const EXPECTED = expectedCounts(ROWS);

const PDF = hasBrowser();

let graph: HostileGraph;
let dir: string;
let steps: Record<'collect' | 'analyze' | 'render', CliResult>;
let results: AuditResult;
let html: string;
let markdown: string;

beforeAll(async () => {
  graph = await startHostileGraph({ rows: ROWS, token: TOKEN, pageSize: 10 });
  dir = await mkdtemp(join(tmpdir(), 'eaa-hostile-'));
  const snap = join(dir, 'snapshot');
  const pack = join(dir, 'pack');
  // only userRegistrationDetails answers (every other route is a hostile 404): a partial collection, accepted
  const collect = await runCli(['collect', '--tenant', HOSTILE_TENANT, '--auth', 'token', '--graph-url', graph.url, '--out', snap, '--allow-partial'], {
    ENTRA_AUTH_AUDIT_TOKEN: TOKEN,
  });
  // with the CI outputs too: JUnit XML and the GitHub step summary carry the same hostile values
  const analyze = await runCli(['analyze', snap, '--out', pack, '--junit', join(dir, 'junit.xml')], {
    GITHUB_STEP_SUMMARY: join(dir, 'step-summary.md'),
  });
  const render = await runCli(['render', join(pack, 'results.json'), '--out', pack, ...(PDF ? [] : ['--no-pdf'])]);
  steps = { collect, analyze, render };
  if (analyze.code === 0) results = JSON.parse(await readFile(join(pack, 'results.json'), 'utf8')) as AuditResult;
  if (render.code === 0) {
    html = await readFile(join(pack, 'audit.html'), 'utf8');
    markdown = await readFile(join(pack, 'summary.md'), 'utf8');
  }
}, 60_000);
afterAll(async () => {
  await graph?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the pipeline survives the corpus', () => {
  it('collect, analyze and render each succeed (no crash, no internal error)', () => {
    expect(steps.collect.code, steps.collect.stderr).toBe(0);
    expect(steps.analyze.code, steps.analyze.stderr).toBe(0);
    expect(steps.render.code, steps.render.stderr).toBe(0);
    for (const s of Object.values(steps)) expect(s.stderr).not.toMatch(/internal error/);
  });

  it('stores every row served, in order, with nothing deduplicated away', async () => {
    expect(graph.served.rows).toBe(EXPECTED.rows);
    const manifest = JSON.parse(await readFile(join(dir, 'snapshot', 'manifest.json'), 'utf8'));
    const urd = manifest.sources.find((s: { id: string }) => s.id === 'userRegistrationDetails');
    expect(urd).toMatchObject({ status: 'ok', records: EXPECTED.rows, duplicatesDropped: 0, pages: Math.ceil(EXPECTED.rows / 10) });
    const lines = (await readFile(join(dir, 'snapshot', urd.file), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(EXPECTED.rows);
    // what was stored is what was served (JSON round trip: lone surrogates stay escaped, nothing re-encoded)
    expect(lines.map((l) => JSON.parse(l))).toEqual(JSON.parse(JSON.stringify(ROWS)));
  });

  it('counts every row: in scope + guests + excluded + break-glass + invalid = rows served', () => {
    const m = results.metrics;
    const v = (id: string) => m[id]?.value ?? 0;
    expect(v('users.invalid_rows')).toBe(EXPECTED.invalid);
    expect(v('users.guests')).toBe(EXPECTED.guests);
    expect(v('users.in_scope')).toBe(EXPECTED.members);
    expect(v('users.in_scope') + v('users.guests') + v('users.excluded') + v('breakglass.found') + v('users.invalid_rows')).toBe(EXPECTED.rows);
    // and the pack says so: the invalid rows are a metric an auditor sees
    expect(htmlText(html)).toMatch(/Invalid rows/);
  });

  it('keeps every ratio in [0, 1] with numerator ≤ denominator', () => {
    for (const [id, mv] of Object.entries(results.metrics)) {
      if (mv.denominator === undefined) continue;
      expect(mv.numerator!, id).toBeLessThanOrEqual(mv.denominator);
      if (mv.value !== null) {
        expect(mv.value, id).toBeGreaterThanOrEqual(0);
        expect(mv.value, id).toBeLessThanOrEqual(1);
      }
    }
  });

  it('reports the unknown method tokens verbatim instead of failing on them', () => {
    const tokens = Object.keys(results.metrics).filter((id) => id.startsWith('methods.registered.')).map((id) => id.slice('methods.registered.'.length));
    for (const t of ['quantumEntanglementKey', '<script>alert(1)</script>', '__proto__', 'constructor', '=1+1']) expect(tokens).toContain(t);
  });
});

describe('audit.html is inert', () => {
  it('has no script, event handler, javascript: URL, loading element, stray tag or raw control character', () => {
    const links = new Set(results.findings.flatMap((f) => f.remediation.links.filter((l) => l.startsWith('https://'))));
    expect(htmlProblems(html, { allowedLinks: links })).toEqual([]);
  });

  it('carries a CSP that forbids scripts and every remote load', () => {
    expect(cspProblems(html)).toEqual([]);
  });

  it('shows no invisible character from the data raw (zero-width, LRM/RLM, BOM)', () => {
    expect(INVISIBLE.test(html.replace(/^\uFEFF/, ''))).toBe(false);
  });

  it('shows every listed affected user, escaped: the reader sees the name, the parser sees text', () => {
    const text = htmlText(html);
    let shown = 0;
    for (const f of results.findings) {
      if (!f.affected || (f.status !== 'fail' && f.status !== 'excepted')) continue;
      for (const u of f.affected.sample.slice(0, 25)) {
        shown++;
        expect(text, `${f.checkId}: ${u.id}`).toContain(visibleText(u.userDisplayName));
        expect(text, `${f.checkId}: ${u.id}`).toContain(visibleText(u.userPrincipalName));
        // a name with markup characters never appears unescaped
        if (/[<>&"]/.test(u.userDisplayName)) expect(html.includes(u.userDisplayName), u.id).toBe(false);
      }
    }
    expect(shown).toBeGreaterThan(20);
    // the markup rows are among them (the corpus serves them first)
    const listed = new Set(results.findings.flatMap((f) => f.affected?.sample.map((u) => u.id) ?? []));
    for (const row of ROWS) if (isValidRow(row) && row.id.startsWith('html-')) expect(listed, row.id).toContain(row.id);
  });

  it('shows the hostile tenant id and error answers as text', () => {
    const text = htmlText(html);
    expect(text).toContain(visibleText(HOSTILE_TENANT));
    expect(text).toContain(visibleText(HOSTILE_ERROR.code));
    expect(html).not.toContain(HOSTILE_ERROR.code);
  });

  it('keeps the hostile Conditional Access policy names verbatim in results.json and shows them as text (issue #14)', () => {
    expect(results.enforcement.assessable).toBe(true);
    expect(results.enforcement.policies.map((p) => p.displayName).sort()).toEqual(HOSTILE_CA_POLICIES.map((p) => p.displayName).sort());
    const text = htmlText(html);
    for (const p of HOSTILE_CA_POLICIES) expect(text).toContain(visibleText(p.displayName).slice(0, 40));
    expect(html).not.toContain("<script>alert('ca')");
  });
});

describe('the CSV worklists are inert and complete', () => {
  it('no cell starts with = + - @ tab or CR; each file lists exactly the affected users', async () => {
    const files = (await readdir(join(dir, 'pack', 'worklists'))).sort();
    expect(files.length).toBeGreaterThan(0);
    let cells = 0;
    let neutralised = 0;
    for (const f of results.findings.filter((x) => x.status === 'fail' && x.affected)) {
      const name = `${f.checkId}.csv`;
      expect(files).toContain(name);
      const rows = parseCsv(await readFile(join(dir, 'pack', 'worklists', name), 'utf8'));
      expect(rows[0]).toEqual(['id', 'userPrincipalName', 'userDisplayName', 'userType', 'isAdmin', 'methodsRegistered']);
      expect(rows.length - 1, name).toBe(f.affected!.count);
      for (const row of rows.slice(1)) {
        expect(row, name).toHaveLength(6);
        for (const cell of row) {
          cells++;
          expect(FORMULA_START.test(cell), `${name}: ${JSON.stringify(cell.slice(0, 40))}`).toBe(false);
          expect(CONTROL.test(cell), `${name}: control character in ${JSON.stringify(cell.slice(0, 40))}`).toBe(false);
          if (/^'[=+\-@\t\r]/.test(cell)) neutralised++;
        }
      }
    }
    expect(cells).toBeGreaterThan(100);
    expect(neutralised).toBeGreaterThan(5); // the formula rows were there and were neutralised, not dropped
  });
});

describe('summary.md is inert', () => {
  it('has no raw < and no table row broken by a | from the data', () => {
    expect(markdown).not.toContain('<');
    expect(BIDI_CONTROL.test(markdown)).toBe(false);
    expect(CONTROL.test(markdown)).toBe(false);
    // every row of a table has its header's number of cells
    let columns = 0;
    let tableRows = 0;
    markdown.split('\n').forEach((line, i, lines) => {
      if (!line.startsWith('|')) return;
      if (!lines[i - 1]?.startsWith('|')) columns = markdownCells(line).length;
      tableRows++;
      expect(markdownCells(line), `line ${i + 1}: ${line.slice(0, 120)}`).toHaveLength(columns);
    });
    expect(tableRows).toBeGreaterThan(10);
    // no link or image syntax survives from the data
    expect(markdown).not.toMatch(/(^|[^\\])\]\(/);
  });

  it('prints the hostile values so that they read back exactly', () => {
    expect(unescapeMarkdown(markdown)).toContain(visibleText(HOSTILE_TENANT));
    expect(unescapeMarkdown(markdown)).toContain(visibleText(HOSTILE_ERROR.code));
  });
});

describe('the CI outputs are inert', () => {
  it('junit.xml is well-formed XML with only JUnit elements, no script and no character XML 1.0 forbids', async () => {
    const xmlText = await readFile(join(dir, 'junit.xml'), 'utf8');
    const names = new Set(htmlTags(xmlText).map((t) => t.name));
    for (const n of names) expect(['testsuites', 'testsuite', 'testcase', 'failure', 'error', 'skipped', 'properties', 'property', 'system-out', 'system-err']).toContain(n);
    expect(xmlText).not.toMatch(/<script|<!\[CDATA\[|<!DOCTYPE|<!ENTITY/i);
    expect(xmlText).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    expect(BIDI_CONTROL.test(xmlText)).toBe(false);
    expect(xmlText).toContain(xmlEscape(visibleText(HOSTILE_ERROR.code)).slice(0, 12));
    try {
      execFileSync('xmllint', ['--noout', join(dir, 'junit.xml')], { stdio: 'pipe' });
    } catch (e) {
      const err = e as { code?: string; stderr?: Buffer };
      if (err.code !== 'ENOENT') throw new Error(`xmllint: ${err.stderr?.toString() ?? String(e)}`);
    }
  });

  it('the step summary has no raw markup and no table row broken by the data', async () => {
    const summary = await readFile(join(dir, 'step-summary.md'), 'utf8');
    expect(summary).not.toMatch(/<(?!\/?(details|summary|br|sub|sup|b|strong|em|code)>)/i); // only inline tags of our own
    expect(BIDI_CONTROL.test(summary)).toBe(false);
    expect(CONTROL.test(summary)).toBe(false);
    let columns = 0;
    summary.split('\n').forEach((line, i, lines) => {
      if (!line.startsWith('|')) return;
      if (!lines[i - 1]?.startsWith('|')) columns = markdownCells(line).length;
      expect(markdownCells(line), `line ${i + 1}: ${line.slice(0, 120)}`).toHaveLength(columns);
    });
    expect(summary).not.toMatch(/(^|[^\\])\]\(/);
  });
});

describe.skipIf(!PDF)('audit.pdf is inert', () => {
  it('has no JavaScript, launch action or link to anywhere but the remediation pages', async () => {
    const pdf = (await readFile(join(dir, 'pack', 'audit.pdf'))).toString('latin1');
    expect(pdf.startsWith('%PDF-')).toBe(true);
    expect(pdf).not.toMatch(/\/(JavaScript|JS|Launch|SubmitForm|ImportData|RichMedia|EmbeddedFile)\b/);
    const links = new Set(results.findings.flatMap((f) => f.remediation.links));
    const uris = [...pdf.matchAll(/\/URI\s*\(([^)]*)\)/g)].map((m) => m[1]!);
    for (const uri of uris) expect(links, uri).toContain(uri);
  });

  it('keeps a sane size: long values are clipped in the report, complete in the CSV', async () => {
    const path = join(dir, 'pack', 'audit.pdf');
    expect((await stat(path)).size).toBeLessThan(20 * 1024 * 1024);
    let info: string;
    try {
      info = execFileSync('pdfinfo', [path], { encoding: 'utf8' });
    } catch {
      return; // no poppler-utils to count pages
    }
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
    expect(pages).toBeGreaterThan(5);
    expect(pages).toBeLessThan(150);
  });
});
