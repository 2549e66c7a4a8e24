import { mkdtemp, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot, readRows, scanNdjson } from '../../src/snapshot/reader.js';
import { SNAPSHOT_SCHEMA_VERSION, type Manifest } from '../../src/snapshot/schema.js';
import { NdjsonWriter, writeManifest } from '../../src/snapshot/writer.js';

async function makeSnapshot(rows: unknown[]) {
  const dir = await mkdtemp(join(tmpdir(), 'eaa-snap-'));
  const w = await NdjsonWriter.create(dir, 'userRegistrationDetails.ndjson');
  await w.write(rows.slice(0, 1));
  await w.write(rows.slice(1));
  const { bytes, sha256 } = await w.commit();
  const records = rows.length;
  const manifest: Manifest = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION, tool: { name: 'entra-auth-audit', version: '0' }, tenantId: 't', cloud: 'global',
    endpoint: 'http://127.0.0.1:1', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', complete: true, partial: false,
    sources: [{ id: 'userRegistrationDetails', title: 'x', apiVersion: 'v1.0', path: '/x', status: 'ok', httpStatus: 200, errorCode: null,
      errorMessage: null, pages: 2, records, duplicatesDropped: 0, file: 'userRegistrationDetails.ndjson', bytes, sha256, deprecation: null, sunset: null,
      retiredSuccessor: null, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z' }],
  };
  await writeManifest(dir, manifest);
  return dir;
}

const read = async (dir: string) => {
  const snap = await loadSnapshot(dir);
  const out: unknown[] = [];
  for await (const r of readRows(snap, snap.manifest.sources[0]!)) out.push(r);
  return out;
};

describe('snapshot round trip', () => {
  const rows = [{ id: '1', n: 'Zoë 张伟 😀' }, { id: '2', n: 'x'.repeat(200_000) }, { id: '3', n: '\u202e\u0000' }];
  it('reads back exactly what was written, across chunk boundaries and multi-byte characters', async () => {
    const dir = await makeSnapshot(rows);
    expect(await read(dir)).toEqual(rows);
    expect((await readdir(dir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
  it('a changed byte is an error naming the file', async () => {
    const dir = await makeSnapshot(rows);
    const p = join(dir, 'userRegistrationDetails.ndjson');
    await writeFile(p, (await readFile(p, 'utf8')).replace('"1"', '"9"'));
    await expect(read(dir)).rejects.toThrow(/userRegistrationDetails\.ndjson: SHA-256 .* does not match/);
  });
  it('an unknown schema version is a clear error', async () => {
    const dir = await makeSnapshot(rows);
    const p = join(dir, 'manifest.json');
    const m = JSON.parse(await readFile(p, 'utf8'));
    m.schemaVersion = 99;
    await writeFile(p, JSON.stringify(m));
    await expect(loadSnapshot(dir)).rejects.toThrow(/manifest\.json: snapshot schemaVersion 99 is not supported/);
  });
  it('a folder without manifest is an interrupted collection, not a snapshot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eaa-empty-'));
    await expect(loadSnapshot(dir)).rejects.toThrow(/no snapshot manifest.*interrupted/);
  });
  it('a manifest naming a file outside the folder is refused', async () => {
    const dir = await makeSnapshot(rows);
    const p = join(dir, 'manifest.json');
    const m = JSON.parse(await readFile(p, 'utf8'));
    m.sources[0].file = '../../etc/passwd';
    await writeFile(p, JSON.stringify(m));
    await expect(loadSnapshot(dir)).rejects.toThrow(/outside the snapshot folder/);
  });
});

describe('scanNdjson', () => {
  it('parses every line across chunk boundaries, multi-byte characters included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eaa-scan-'));
    const rows = Array.from({ length: 30_000 }, (_, i) => ({ i, name: `名前 ${'é'.repeat(i % 7)} 🙂` }));
    await writeFile(join(dir, 'a.ndjson'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n\n');
    const got: unknown[] = [];
    let chunks = 0;
    await scanNdjson(join(dir, 'a.ndjson'), () => chunks++, (r) => got.push(r));
    expect(chunks).toBeGreaterThan(1);
    expect(got).toEqual(rows);
  });

  it("passes the caller's own errors through, and names the file and line of a damaged one", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eaa-scan-'));
    await writeFile(join(dir, 'ok.ndjson'), '{"a":1}\n{"a":2}\n');
    await writeFile(join(dir, 'bad.ndjson'), '{"a":1}\n{"a":2}\n{oops\n');
    const bug = new TypeError('a bug in a fold');
    await expect(scanNdjson(join(dir, 'ok.ndjson'), undefined, () => { throw bug; })).rejects.toBe(bug);
    await expect(scanNdjson(join(dir, 'ok.ndjson'), undefined, () => undefined, () => Promise.reject(bug))).rejects.toBe(bug);
    await expect(scanNdjson(join(dir, 'bad.ndjson'), undefined, () => undefined)).rejects.toThrow(/bad\.ndjson:3: not a JSON value/);
  });
});

describe('NdjsonWriter encoding', () => {
  it('writes every line as UTF-8 bytes, hashed as written, whatever the page size or script', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eaa-writer-'));
    const w = await NdjsonWriter.create(dir, 'x.ndjson');
    const pages = [
      ['{"a":"plain"}', '{"b":"Zoë Ünïcode"}'],
      ['{"c":"山田 太郎"}', '{"d":"emoji 🛡️ and \\u0000"}'],
      Array.from({ length: 2_000 }, (_, i) => JSON.stringify({ i, n: 'ä'.repeat(i % 50) })), // grows the scratch buffer
      ['{"e":"after the big page"}'],
    ];
    for (const lines of pages) await w.writeLines(lines);
    const { sha256, bytes } = await w.commit();
    const expected =
      pages.flat().map((l) => l + '\n').join('');
    const written = await readFile(join(dir, 'x.ndjson'));
    expect(written.toString('utf8')).toBe(expected);
    expect(bytes).toBe(Buffer.byteLength(expected));
    const { createHash } = await import('node:crypto');
    expect(sha256).toBe(createHash('sha256').update(Buffer.from(expected, 'utf8')).digest('hex'));
  });
});
