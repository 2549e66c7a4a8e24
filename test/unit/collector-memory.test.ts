/**
 * Issue #16: duplicate rows are found in constant memory (seen-keys.ts). Through the real collector against a small
 * Graph-shaped server whose report repeats rows from the previous page and from several pages back: the snapshot
 * keeps the first row of each id, counts every repeat once, hashes the file it keeps, and a run resumed after a
 * kill ends with the same file and counts as one that was never interrupted.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../src/collector/collect.js';
import { userRegistrationDetails } from '../../src/collector/sources/user-registration-details.js';
import { GraphTransport } from '../../src/graph/client.js';
import type { SourceRecord } from '../../src/snapshot/schema.js';

const URD = '/v1.0/reports/authenticationMethods/userRegistrationDetails';
const PAGES = 10;
const TENANT = 'memory.example';

/** Page p: 20 new rows, then repeats: the previous page's last row (page 4), and rows from 3 to 9 pages back. */
function page(p: number): { id: string; page: number }[] {
  const rows = Array.from({ length: 20 }, (_, i) => ({ id: `u-${p}-${i}`, page: p }));
  const repeat = (id: string) => ({ id, page: p });
  if (p === 4) rows.unshift(repeat('u-3-19'));
  if (p === 6) rows.splice(7, 0, repeat('u-1-3'));
  if (p === 8) rows.push(repeat('u-5-0'));
  if (p === 9) rows.push(repeat('u-0-0'));
  return rows;
}
const REPEATS = 4;

let base = '';
let closeServer: () => Promise<void>;
let transport: GraphTransport;

beforeAll(async () => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    res.writeHead(url.pathname === URD ? 200 : 404, { 'content-type': 'application/json' });
    if (url.pathname !== URD) return res.end(JSON.stringify({ error: { code: 'NotFound', message: 'no such route' } }));
    const p = Number(url.searchParams.get('$skiptoken') ?? '0');
    const next = p + 1 < PAGES ? { '@odata.nextLink': `${base}${URD}?$skiptoken=${p + 1}` } : {};
    res.end(JSON.stringify({ value: page(p), ...next }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${addr.port}`;
  closeServer = () => new Promise<void>((r) => server.close(() => r()));
  transport = new GraphTransport({ authProvider: { getAccessToken: async () => 't' }, graphRoot: 'https://graph.microsoft.com', endpoint: base });
});
afterAll(async () => closeServer?.());

async function run(dir: string, resume = false): Promise<{ record: SourceRecord; text: string }> {
  const { manifest } = await collect({ transport, tenantId: TENANT, cloud: 'global', outDir: dir, sources: [userRegistrationDetails], concurrency: 1, resume });
  const record = manifest.sources[0]!;
  return { record, text: await readFile(join(dir, record.file), 'utf8') };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const ids = (text: string) => text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string; page: number }));

describe('duplicate rows at 10 M-user scale, in constant memory', () => {
  let uninterrupted: { record: SourceRecord; text: string };

  it('drops every repeat, near or far, keeps the first row of each id and hashes the file it keeps', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'eaa-memory-')), 'snap');
    uninterrupted = await run(dir);
    const { record, text } = uninterrupted;
    const rows = ids(text);
    expect(record.status).toBe('ok');
    expect(record.records).toBe(PAGES * 20);
    expect(record.duplicatesDropped).toBe(REPEATS);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(rows.find((r) => r.id === 'u-1-3')?.page).toBe(1); // the first row of an id is the one kept
    expect(rows.find((r) => r.id === 'u-0-0')?.page).toBe(0);
    expect(record.bytes).toBe(Buffer.byteLength(text));
    expect(record.sha256).toBe(sha256(text));
    expect((await readdir(dir)).filter((f) => f.includes('seen-keys') || f.endsWith('.partial'))).toEqual([]);
  });

  it('resumed after a kill (committed pages, a page past the checkpoint, stale temporary files), ends as if never interrupted', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'eaa-memory-resume-')), 'snap');
    await mkdir(dir, { recursive: true });
    // pages 0-4 committed (the row page 4 repeats from page 3 already dropped), then part of page 5 written past it
    const committedRows = [0, 1, 2, 3, 4].flatMap((p) => page(p).filter((r) => !(p === 4 && r.id === 'u-3-19')));
    const committed = committedRows.map((r) => JSON.stringify(r) + '\n').join('');
    await writeFile(join(dir, 'userRegistrationDetails.ndjson.partial'), committed + JSON.stringify(page(5)[0]) + '\n{"id":"u-5');
    await mkdir(join(dir, 'userRegistrationDetails.ndjson.seen-keys'));
    await writeFile(join(dir, 'userRegistrationDetails.ndjson.seen-keys', 'run-0.bin'), Buffer.alloc(800, 0xab));
    const checkpoint = {
      schemaVersion: 1,
      tenantId: TENANT,
      cloud: 'global',
      endpoint: transport.endpoint,
      startedAt: '2026-01-01T00:00:00.000Z',
      sources: {
        userRegistrationDetails: {
          state: 'running',
          requestIndex: 0,
          next: transport.canonicalLink(`${base}${URD}?$skiptoken=5`),
          seenLinks: [],
          loopGuard: null,
          pages: 5,
          records: committedRows.length,
          duplicatesDropped: 1,
          bytes: Buffer.byteLength(committed),
          prefixSha256: sha256(committed),
          deprecation: null,
          sunset: null,
          startedAt: '2026-01-01T00:00:00.000Z',
        },
      },
    };
    await writeFile(join(dir, 'checkpoint.json'), JSON.stringify(checkpoint));
    const resumed = await run(dir, true);
    expect(resumed.text).toBe(uninterrupted.text);
    expect(resumed.record.records).toBe(uninterrupted.record.records);
    expect(resumed.record.duplicatesDropped).toBe(REPEATS);
    expect(resumed.record.pages).toBe(PAGES);
    expect(resumed.record.sha256).toBe(uninterrupted.record.sha256);
    expect(existsSync(join(dir, 'userRegistrationDetails.ndjson.seen-keys'))).toBe(false);
  });
});
