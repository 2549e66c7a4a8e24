/**
 * Issue #13 §1: nothing from the tenant or the endpoint reaches the terminal as a control sequence. A Graph endpoint
 * on 127.0.0.1 answers every route with an error whose code and message carry an ANSI colour sequence (ESC [31m),
 * a carriage return that would overwrite the line, the 8-bit CSI U+009B, a right-to-left override U+202E, a
 * zero-width space U+200B and a line break followed by a forged "error:" line. The real CLI prints those values in
 * the per-source warnings and in its final error line; stderr must show each character as a visible [U+XXXX]
 * marker (the HTML's convention), in text and in JSON logs. The progress line is held to the same rule, except for
 * its own carriage return and erase-to-end-of-line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLogLine, terminalLine } from '../../src/cli/output.js';
import { CollectProgress } from '../../src/cli/progress.js';
import { visibleText } from '../../src/render/view-model.js';
import { markAll, terminalText } from '../../src/text/visible.js';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'terminal-escape-token';
const ESC = '\u001b';
const CSI8 = '\u009b';
const HOSTILE = `${ESC}[31mred${ESC}[0m\rOVERWRITTEN${CSI8}2J \u202Egnp.exe zero\u200Bwidth`;
const ERROR = { code: `Bad${ESC}[31mCode\r${CSI8}\u202E\u200B`, message: `${HOSTILE}\nerror: forged line` };
/** every character that must never reach stderr raw */
const RAW = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u061C\u200B\u200E\u200F\u2060-\u2064\uFEFF]/;
const MARKERS = ['[U+001B][31m', '[U+000D]', '[U+009B]', '[U+202E]', '[U+200B]'];

let server: Server;
let url: string;
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(req.headers.authorization === `Bearer ${TOKEN}` ? 403 : 401, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: ERROR }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  url = `http://127.0.0.1:${addr.port}`;
  dir = await mkdtemp(join(tmpdir(), 'eaa-terminal-'));
});
afterAll(async () => {
  await new Promise<void>((r) => server?.close(() => r()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const collect = (name: string, extra: string[] = []) =>
  runCli(['collect', '--tenant', 'contoso.onmicrosoft.com', '--auth', 'token', '--graph-url', url, '--out', join(dir, name), ...extra], {
    ENTRA_AUTH_AUDIT_TOKEN: TOKEN,
  });

describe('stderr of a collection against a hostile endpoint', () => {
  it('text logs: no raw control, bidi or invisible character; each one shown as a marker; no forged line', async () => {
    const r = await collect('text');
    expect(r.code, r.stderr).toBe(4); // nothing could be collected: the final error line quotes the endpoint too
    expect(r.stderr).toMatch(/^warning: userRegistrationDetails: forbidden/m);
    expect(r.stderr).toMatch(/^error: nothing could be collected/m);
    const raw = RAW.exec(r.stderr);
    expect(raw, raw ? `raw U+${raw[0].codePointAt(0)!.toString(16)} at ${raw.index}: ${JSON.stringify(r.stderr.slice(raw.index - 40, raw.index + 40))}` : '').toBeNull();
    for (const m of MARKERS) expect(r.stderr).toContain(m);
    // the endpoint's line break cannot start a line of its own that reads like ours
    expect(r.stderr).not.toMatch(/^error: forged line/m);
    expect(r.stderr).toContain('\n  error: forged line');
    // every line still ends with the newline that ends it
    expect(r.stderr.endsWith('\n')).toBe(true);
  });

  it('JSON logs: every line is JSON, and no msg carries a raw C1, bidi or invisible character for a consumer to print', async () => {
    const r = await collect('json', ['--log-format', 'json']);
    expect(r.code, r.stderr).toBe(4);
    expect(RAW.test(r.stderr)).toBe(false);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    const records = lines.map((l) => JSON.parse(l) as { level: string; msg: string; exitCode?: number });
    const warned = records.filter((x) => x.level === 'warn' && x.msg.startsWith('userRegistrationDetails: forbidden'));
    expect(warned).toHaveLength(1);
    const final = records.at(-1)!;
    expect(final).toMatchObject({ level: 'error', exitCode: 4 });
    for (const rec of [warned[0]!, final]) {
      const raw = RAW.exec(rec.msg);
      expect(raw, rec.msg).toBeNull();
      for (const m of MARKERS) expect(rec.msg).toContain(m);
    }
  });
});

describe('the output boundary', () => {
  it('marks what visibleText marks, keeping only line breaks and tabs (which cannot move the cursor back)', () => {
    for (let cp = 0; cp < 0x3000; cp++) {
      const ch = String.fromCodePoint(cp);
      const expected = ch === '\n' || ch === '\t' ? ch : visibleText(ch);
      expect(terminalText(ch), `U+${cp.toString(16)}`).toBe(expected);
      expect(markAll(ch), `U+${cp.toString(16)}`).toBe(visibleText(ch));
    }
    expect(terminalText('\uFEFF\u2060x')).toBe('[U+FEFF][U+2060]x');
  });

  it('a text log line ends in exactly one newline; continuation lines are indented', () => {
    expect(formatLogLine('text', 'warn', `a${ESC}[2Kb\r\nc`)).toBe('warning: a[U+001B][2Kb[U+000D]\n  c\n');
    expect(formatLogLine('text', 'info', 'one\n  already indented')).toBe('one\n  already indented\n');
    expect(terminalLine(`internal error: x${CSI8}\n    at f`)).toBe('internal error: x[U+009B]\n    at f');
  });

  it('a JSON log line is one line of JSON with the message marked', () => {
    const line = formatLogLine('json', 'error', `m${CSI8}\u202E\nnext`, { exitCode: 4 });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const rec = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(rec)).toEqual(['level', 'msg', 'exitCode', 'time']);
    expect(rec).toMatchObject({ level: 'error', msg: 'm[U+009B][U+202E]\nnext', exitCode: 4 });
  });
});

describe('the progress line', () => {
  it('keeps its own carriage return and erase-to-end-of-line, and marks everything from the data', () => {
    const out: string[] = [];
    let now = 0;
    const p = new CollectProgress({ write: (t) => out.push(t), sources: 2, budget: null, now: () => now, minIntervalMs: 0, columns: 400 });
    now = 1000;
    p.update({ source: `src${ESC}[31m\r${CSI8}\u202E\u200B\nname`, pages: 1, records: 10 });
    p.clear();
    expect(out).toHaveLength(2);
    const [drawn, cleared] = out as [string, string];
    expect(drawn.startsWith('\r')).toBe(true);
    expect(drawn.endsWith(`${ESC}[K`)).toBe(true);
    const inner = drawn.slice(1, -3);
    expect(RAW.test(inner) || inner.includes('\n'), JSON.stringify(inner)).toBe(false);
    expect(inner).toContain('src[U+001B][31m[U+000D][U+009B][U+202E][U+200B][U+000A]name page 1');
    expect(cleared).toBe(`\r${ESC}[K`);
  });
});
