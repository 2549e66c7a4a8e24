/**
 * Issue #13 §2: the CSV worklists mark bidi controls and invisible characters the way the HTML does
 * (visibleText: "[U+202E]"), so "Invoice\u202Egpj.exe" cannot read as "Invoiceexe.jpg" in a spreadsheet and
 * "ad\u200Bmin" cannot pass for "admin". Formula neutralisation and control pictures stay as they were. Both
 * writers are covered: analysis (engine/cohort-files.ts through engine/worklist-csv.ts) and render (render/csv.ts).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/results/schema.js';
import { csvCell, writeWorklistCsv } from '../../src/render/csv.js';
import { visibleText } from '../../src/render/view-model.js';
import { startHostileGraph, type HostileGraph } from '../fixtures/hostile/server.js';
import { runCli } from '../helpers/cli.js';
import { BIDI_CONTROL, INVISIBLE, parseCsv } from './inspect.js';

const BIDI_AND_INVISIBLE = [0x061c, 0x200b, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff];

describe('csvCell', () => {
  it.each(BIDI_AND_INVISIBLE.map((cp) => [cp.toString(16).toUpperCase().padStart(4, '0'), cp]))('marks U+%s as visibleText does', (_hex, cp) => {
    const ch = String.fromCodePoint(cp as number);
    expect(csvCell(`a${ch}b`)).toBe(`a${visibleText(ch)}b`);
  });

  it('marks a right-to-left override in a file name and a zero-width space in a look-alike', () => {
    expect(csvCell('Invoice\u202Egpj.exe')).toBe('Invoice[U+202E]gpj.exe');
    expect(csvCell('ad\u200Bmin')).toBe('ad[U+200B]min');
    expect(csvCell('\u2067isolated\u2069')).toBe('[U+2067]isolated[U+2069]');
  });

  it('keeps ZWNJ and ZWJ (scripts and emoji need them), as the HTML does', () => {
    expect(csvCell('می\u200Cخواهم')).toBe('می\u200Cخواهم');
    expect(csvCell('👩\u200D💻')).toBe('👩\u200D💻');
  });

  it('still neutralises formulas, quotes, and shows control pictures alongside the markers', () => {
    expect(csvCell('=1+1\u202E')).toBe(`'=1+1[U+202E]`);
    expect(csvCell('@x,\u200By')).toBe(`"'@x,[U+200B]y"`);
    expect(csvCell('\u202E=HYPERLINK("x")')).toBe('"[U+202E]=HYPERLINK(""x"")"');
    expect(csvCell('Bell\u0007\u202E')).toBe('Bell\u2407[U+202E]');
  });
});

const TOKEN = 'csv-bidi-token';
const NAMES = ['Invoice\u202Egpj.exe', 'ad\u200Bmin', '\u2066=1+1\u2069', 'plain\uFEFFbom'];
const row = (i: number, name: string) => ({
  id: `00000000-0000-4000-a000-00000000000${i}`,
  userPrincipalName: `user${i}\u202E@contoso.example`,
  userDisplayName: name,
  userType: 'member',
  isAdmin: false,
  isMfaCapable: false,
  isMfaRegistered: false,
  isPasswordlessCapable: false,
  isSsprCapable: false,
  isSsprEnabled: false,
  isSsprRegistered: false,
  isSystemPreferredAuthenticationMethodEnabled: false,
  lastUpdatedDateTime: '2026-10-30T08:00:00Z',
  methodsRegistered: ['mobilePhone', 'x\u200Btoken'],
});

describe('worklists written by analyze and by render', () => {
  let graph: HostileGraph;
  let dir: string;
  let results: AuditResult;

  beforeAll(async () => {
    graph = await startHostileGraph({ rows: NAMES.map((n, i) => row(i + 1, n)), token: TOKEN });
    dir = await mkdtemp(join(tmpdir(), 'eaa-csv-bidi-'));
    const collect = await runCli(['collect', '--tenant', 'contoso.onmicrosoft.com', '--auth', 'token', '--graph-url', graph.url, '--out', join(dir, 'snap'), '--allow-partial'], {
      ENTRA_AUTH_AUDIT_TOKEN: TOKEN,
    });
    expect(collect.code, collect.stderr).toBe(0);
    const analyze = await runCli(['analyze', join(dir, 'snap'), '--out', join(dir, 'out')]);
    expect(analyze.code, analyze.stderr).toBe(0);
    results = JSON.parse(await readFile(join(dir, 'out', 'results.json'), 'utf8')) as AuditResult;
  }, 60_000);
  afterAll(async () => {
    await graph?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('carry no raw bidi or invisible character, and show each as its marker', async () => {
    const lists = results.findings.filter((f) => f.affected?.worklist && f.affected.count > 0);
    expect(lists.length).toBeGreaterThan(0);
    for (const f of lists) {
      const analysed = await readFile(join(dir, 'out', f.affected!.worklist!.file), 'utf8');
      const rebuilt = join(dir, `rebuilt-${f.checkId}.csv`);
      await writeWorklistCsv(join(dir, 'out', f.affected!.file), rebuilt, 0);
      for (const [label, text] of [
        ['analyze', analysed],
        ['render', await readFile(rebuilt, 'utf8')],
      ] as const) {
        const body = text.slice(1); // the file's own byte-order mark
        expect(BIDI_CONTROL.test(body), `${label} ${f.checkId}`).toBe(false);
        expect(INVISIBLE.test(body), `${label} ${f.checkId}`).toBe(false);
        const cells = parseCsv(text).slice(1).flat();
        expect(cells).toContain('user1[U+202E]@contoso.example');
        expect(cells).toContain('mobilePhone;x[U+200B]token');
        for (const name of NAMES) expect(cells, `${label} ${f.checkId}`).toContain(visibleText(name));
      }
      expect(analysed).toBe(await readFile(rebuilt, 'utf8'));
    }
  });
});
