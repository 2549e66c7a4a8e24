/**
 * The collector asks for a report's next page as soon as the first bytes of the current page name it (Graph writes
 * @odata.nextLink before the rows), not after the whole page has arrived and been parsed; the link it follows is
 * still the parsed body's. Against a Graph-compatible server on 127.0.0.1 that sends each page's head at once and
 * holds back its rows until the next page is asked for (or a second has passed).
 */
import { createServer, type ServerResponse } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collect } from '../../src/collector/collect.js';
import { userRegistrationDetails } from '../../src/collector/sources/user-registration-details.js';
import { GraphTransport } from '../../src/graph/client.js';
import { readNdjson } from '../../src/snapshot/reader.js';

const URD = '/v1.0/reports/authenticationMethods/userRegistrationDetails';
const HOLD_MS = 1_000;

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

interface Page {
  /** control members written before "value" */
  head: Record<string, unknown>;
  rows: Record<string, unknown>[];
  /** members written after the rows */
  tail?: Record<string, unknown>;
}

/**
 * Serves `pages` by $skiptoken (none = page 0). Each page's head goes out at once; its rows wait until a request for
 * another page arrives or HOLD_MS pass. `early[k]` says whether page k's rows were released by the next request.
 */
async function serve(pages: (base: string) => Record<string, Page>): Promise<{ url: string; requests: string[]; early: Record<string, boolean> }> {
  const requests: string[] = [];
  const early: Record<string, boolean> = {};
  const waiting = new Set<() => void>();
  let base = '';
  const server = createServer((req, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    requests.push(decodeURIComponent(url.search));
    for (const release of [...waiting]) release();
    const token = url.searchParams.get('$skiptoken') ?? '0';
    const page = url.pathname === URD ? pages(base)[token] : undefined;
    if (!page) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NotFound', message: 'no such page' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    const head = Object.entries(page.head).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)},`).join('');
    res.write(`{${head}"value":[`);
    const finish = (byRequest: boolean) => {
      waiting.delete(release);
      clearTimeout(timer);
      early[token] = byRequest;
      const tail = Object.entries(page.tail ?? {}).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('');
      res.end(`${page.rows.map((r) => JSON.stringify(r)).join(',')}]${tail}}`);
    };
    const release = () => finish(true);
    const timer = setTimeout(() => finish(false), HOLD_MS);
    waiting.add(release);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${addr.port}`;
  close = () => new Promise<void>((r) => server.close(() => r()));
  return { url: base, requests, early };
}

const rowsOf = (page: number, n = 3) => Array.from({ length: n }, (_, i) => ({ id: `u-${page}-${i}`, userPrincipalName: `u${page}.${i}@x.example` }));
const link = (base: string, token: string) => `${base}${URD}?$skiptoken=${token}`;

async function collectUrd(endpoint: string) {
  const transport = new GraphTransport({ authProvider: { getAccessToken: async () => 't' }, graphRoot: 'https://graph.microsoft.com', endpoint });
  const dir = join(await mkdtemp(join(tmpdir(), 'eaa-early-')), 'snap');
  const { manifest } = await collect({ transport, tenantId: 'early.example', cloud: 'global', outDir: dir, sources: [userRegistrationDetails], concurrency: 1 });
  const record = manifest.sources[0]!;
  const rows: string[] = [];
  for await (const row of readNdjson(join(dir, record.file))) rows.push((row as { id: string }).id);
  return { record, rows };
}

describe('the next page is asked for from the first bytes of the current one', () => {
  it('requests page k+1 while page k is still arriving, and collects every row once, in order', async () => {
    const sim = await serve((base) => ({
      '0': { head: { '@odata.context': 'x', '@odata.nextLink': link(base, '1') }, rows: rowsOf(0) },
      '1': { head: { '@odata.context': 'x', '@odata.nextLink': link(base, '2') }, rows: rowsOf(1) },
      '2': { head: { '@odata.context': 'x', '@odata.nextLink': link(base, '3') }, rows: rowsOf(2) },
      '3': { head: { '@odata.context': 'x' }, rows: rowsOf(3) },
    }));
    const { record, rows } = await collectUrd(sim.url);
    expect(record.status).toBe('ok');
    expect(record.pages).toBe(4);
    expect(rows).toEqual([0, 1, 2, 3].flatMap((p) => rowsOf(p).map((r) => r.id)));
    // each page's rows were released by the request for the next page: the collector did not wait for them
    expect(sim.early).toEqual({ '0': true, '1': true, '2': true, '3': false });
    expect(sim.requests).toEqual(['?$top=999', '?$skiptoken=1', '?$skiptoken=2', '?$skiptoken=3']);
  });

  it('a link only after the rows (OData 4.01 order) is followed once the page is parsed, as before', async () => {
    const sim = await serve((base) => ({
      '0': { head: {}, rows: rowsOf(0), tail: { '@odata.nextLink': link(base, '1') } },
      '1': { head: {}, rows: rowsOf(1) },
    }));
    const { record, rows } = await collectUrd(sim.url);
    expect(record.status).toBe('ok');
    expect(rows).toEqual([...rowsOf(0), ...rowsOf(1)].map((r) => r.id));
    expect(sim.early['0']).toBe(false); // nothing early to follow: page 1 was asked for after page 0 had arrived
  });

  it('follows the parsed body’s link when the first bytes announced another (a repeated key: the last one wins)', async () => {
    const sim = await serve((base) => ({
      '0': { head: { '@odata.nextLink': link(base, 'decoy') }, rows: rowsOf(0), tail: { '@odata.nextLink': link(base, '1') } },
      decoy: { head: {}, rows: [{ id: 'decoy-row', userPrincipalName: 'decoy@x.example' }] },
      '1': { head: {}, rows: rowsOf(1) },
    }));
    const { record, rows } = await collectUrd(sim.url);
    expect(record.status).toBe('ok');
    expect(record.pages).toBe(2);
    expect(rows).toEqual([...rowsOf(0), ...rowsOf(1)].map((r) => r.id));
    expect(rows).not.toContain('decoy-row');
    expect(sim.requests).toContain('?$skiptoken=1');
  });

  it('never asks early for a link on another host; the parsed link then stops the source with the usual error', async () => {
    const sim = await serve(() => ({
      '0': { head: { '@odata.nextLink': `https://evil.example${URD}?$skiptoken=1` }, rows: rowsOf(0) },
    }));
    const { record } = await collectUrd(sim.url);
    expect(record.status).toBe('error');
    expect(record.errorMessage).toMatch(/another host/);
    expect(sim.requests).toEqual(['?$top=999']);
  });
});
