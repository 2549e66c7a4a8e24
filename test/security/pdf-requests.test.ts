/**
 * Issue #8 §3, pack isolation: a pack whose names, tenant, organisation and remediation links are full of URLs —
 * all pointing at a listener on 127.0.0.1 that counts connections — is printed to PDF without a single request:
 * the page attempts none (htmlToPdf records every request it intercepts) and the listener sees no connection, both
 * in process and through `render` in the CLI. A positive control proves the observation works: a page that does
 * try to load things has every attempt recorded and aborted, and still nothing reaches the listener.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AffectedUserSchema, ResultsSchema, type AuditResult } from '../../src/results/schema.js';
import { renderPack } from '../../src/render/index.js';
import { CHROMIUM_ARGS, htmlToPdf } from '../../src/render/pdf.js';
import { BRANDING, SAMPLE_DIR, loadSample } from '../fixtures/results-sample/load.js';
import { runCli } from '../helpers/cli.js';
import { cspProblems, htmlProblems } from './inspect.js';
import { hasBrowser } from '../helpers/browser.js';

let listener: Server;
let probe = '';
const hits: string[] = [];
let connections = 0;
let dir: string;
let results: AuditResult;

/** The sample results, with URLs (and markup that would load them) in every place data reaches the pack. */
async function urlLadenPack(into: string): Promise<AuditResult> {
  await cp(SAMPLE_DIR, into, { recursive: true });
  const r = await loadSample();
  const host = probe.replace('http://', '');
  r.tenant.id = `${probe}/tenant`;
  r.tenant.endpoint = `${probe}/endpoint`;
  for (const f of r.findings) {
    f.remediation.links.push(`${probe}/remediation-http`, `https://${host}/remediation-https`, `//${host}/protocol-relative`, 'javascript:alert(1)', `data:text/html,<img src=${probe}/data>`);
    if (!f.affected) continue;
    const path = join(into, f.affected.file);
    const users = (await readFile(path, 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l, i) => {
        const u = AffectedUserSchema.parse(JSON.parse(l));
        return {
          ...u,
          userDisplayName: `${u.userDisplayName} <img src="${probe}/img-${i}.png"> ${probe}/name-${i} url(${probe}/css-${i})`,
          userPrincipalName: `${probe}/upn-${i}@example.com`,
          methodsRegistered: [...u.methodsRegistered, `<link rel=stylesheet href=${probe}/method.css>`],
        };
      });
    const text = users.map((u) => JSON.stringify(u) + '\n').join('');
    await writeFile(path, text);
    f.affected.sha256 = createHash('sha256').update(text).digest('hex');
    f.affected.count = users.length;
    f.affected.sample = users.slice(0, f.affected.sample.length);
  }
  const parsed = ResultsSchema.parse(r);
  await writeFile(join(into, 'results.json'), JSON.stringify(parsed, null, 2) + '\n');
  return parsed;
}

beforeAll(async () => {
  listener = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end();
  });
  listener.on('connection', () => connections++);
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const addr = listener.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  probe = `http://127.0.0.1:${addr.port}`;
  dir = await mkdtemp(join(tmpdir(), 'eaa-isolation-'));
  results = await urlLadenPack(join(dir, 'results'));
});
afterAll(async () => {
  await new Promise<void>((r) => (listener ? listener.close(() => r()) : r()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the HTML of a URL-laden pack', () => {
  it('has a CSP forbidding scripts and remote loads, and no URL attribute that leaves the document', async () => {
    const out = join(dir, 'html-only');
    await renderPack(results, { resultsDir: join(dir, 'results'), outDir: out, branding: { ...BRANDING, organisation: `Org ${probe}/org` }, pdf: false });
    const html = await readFile(join(out, 'audit.html'), 'utf8');
    expect(cspProblems(html)).toEqual([]);
    // only the https remediation links are links; the http, protocol-relative, javascript: and data: ones are text
    const allowed = new Set(results.findings.flatMap((f) => f.remediation.links.filter((l) => l.startsWith('https://'))));
    expect(htmlProblems(html, { allowedLinks: allowed })).toEqual([]);
    expect(html).toContain(`${probe}/name-0`); // the URLs are there, as text
  });
});

describe.skipIf(!hasBrowser())('printing to PDF', () => {
  it('runs Chromium with every host unresolvable', () => {
    expect(CHROMIUM_ARGS).toContain('--host-resolver-rules=MAP * ~NOTFOUND');
  });

  it('attempts zero requests for the URL-laden pack, and none reaches the listener', async () => {
    const out = join(dir, 'for-pdf');
    await renderPack(results, { resultsDir: join(dir, 'results'), outDir: out, branding: { ...BRANDING, organisation: `Org ${probe}/org` }, pdf: false });
    const html = await readFile(join(out, 'audit.html'), 'utf8');
    const before = connections;
    const { pdf, blockedRequests } = await htmlToPdf(html, { organisation: `Org ${probe}/org <img src="${probe}/footer.png">`, classification: `${probe}/class` });
    expect(blockedRequests).toEqual([]);
    expect(connections - before).toBe(0);
    expect(Buffer.from(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('through the CLI: render with PDF makes no connection to any URL in the data', async () => {
    const before = connections;
    const res = await runCli(['render', join(dir, 'results', 'results.json'), '--out', join(dir, 'cli-pack')]);
    expect(res.code, res.stderr).toBe(0);
    expect(connections - before).toBe(0);
    expect(hits).toEqual([]);
    expect(res.stderr).not.toMatch(/tried \d+ request/); // render warns when the page attempted any request
  });

  it('positive control: a page that tries to load has every attempt recorded and aborted, and none arrives', async () => {
    const before = connections;
    const page = `<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="${probe}/control.css">
      <style>@import url(${probe}/import.css); @font-face { font-family: x; src: url(${probe}/font.woff) } body { background: url(${probe}/bg.png); font-family: x }</style>
      </head><body><p>control</p><img src="${probe}/control.png"><iframe src="${probe}/frame"></iframe>
      <script src="${probe}/script.js"></script><object data="${probe}/object"></object>
      <img src="http://control.evil.example/x.png"></body></html>`;
    const { blockedRequests } = await htmlToPdf(page, { organisation: 'control' });
    expect(blockedRequests.length).toBeGreaterThanOrEqual(3);
    expect(blockedRequests.some((u) => u.startsWith(probe))).toBe(true);
    expect(connections - before).toBe(0);
  });
});
