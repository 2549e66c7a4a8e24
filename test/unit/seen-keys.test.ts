import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { hash64, SeenKeys, type KeyHash, type SeenKeysOptions } from '../../src/collector/seen-keys.js';
import { NdjsonWriter } from '../../src/snapshot/writer.js';

type Row = { id?: string; n: number };
const keyOf = (row: Record<string, unknown>) => (typeof row.id === 'string' ? row.id : undefined);

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-seen-keys-'));
});

/** A source as collect.ts runs one: each page's rows checked, the fresh ones written, endPage, then commit. */
async function collectPages(pages: Row[][], options: Partial<SeenKeysOptions> = {}) {
  const writer = await NdjsonWriter.create(dir, 'rows.ndjson');
  const seen = new SeenKeys({ tmpDir: join(dir, 'rows.ndjson.seen-keys'), keyOf, ...options });
  let droppedAtOnce = 0;
  let written = 0;
  for (const page of pages) {
    const fresh: Row[] = [];
    for (const row of page) {
      const key = keyOf(row);
      if (key !== undefined && seen.seen(key)) droppedAtOnce++;
      else fresh.push(row);
    }
    seen.endPage();
    await writer.write(fresh);
    written += fresh.length;
  }
  const footprint = seen.footprint();
  const result = await seen.commit(writer);
  const text = await readFile(join(dir, 'rows.ndjson'), 'utf8');
  const rows = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
  return { result, droppedAtOnce, written, rows, text, footprint };
}

/** What exact de-duplication gives: the first row of each key, in order; rows without a key all kept. */
function reference(pages: Row[][]): Row[] {
  const keys = new Set<string>();
  const out: Row[] = [];
  for (const row of pages.flat()) {
    if (row.id !== undefined) {
      if (keys.has(row.id)) continue;
      keys.add(row.id);
    }
    out.push(row);
  }
  return out;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('SeenKeys', () => {
  it('drops a repeat in the same or the previous page at once, and one from further back at commit', async () => {
    const pages: Row[][] = [
      [{ id: 'a', n: 1 }, { id: 'b', n: 2 }, { id: 'a', n: 3 }],
      [{ id: 'c', n: 4 }, { id: 'b', n: 5 }],
      [{ id: 'd', n: 6 }],
      [{ id: 'e', n: 7 }],
      [{ id: 'a', n: 8 }, { id: 'f', n: 9 }, { n: 10 }, { n: 10 }],
    ];
    const { result, droppedAtOnce, written, rows, text } = await collectPages(pages);
    expect(droppedAtOnce).toBe(2); // a (same page), b (previous page)
    expect(written).toBe(9); // a from four pages back is written first ...
    expect(result.duplicatesDropped).toBe(1); // ... and dropped by commit
    expect(rows).toEqual(reference(pages));
    expect(rows.map((r) => r.n)).toEqual([1, 2, 4, 6, 7, 9, 10, 10]); // the first row of a key is the one kept
    expect(result.bytes).toBe(Buffer.byteLength(text));
    expect(result.sha256).toBe(sha256(text));
  });

  it('never drops a distinct row on a hash collision (every key hashes alike)', async () => {
    const collide: KeyHash = (_key, out) => {
      out[0] = 7;
      out[1] = 7;
    };
    const pages = Array.from({ length: 20 }, (_, p) => Array.from({ length: 10 }, (_, i) => ({ id: `k-${p}-${i}`, n: p * 10 + i })));
    const { result, rows, text } = await collectPages(pages, { hash: collide });
    expect(result.duplicatesDropped).toBe(0);
    expect(rows).toHaveLength(200);
    expect(result.sha256).toBe(sha256(text));
  });

  it('is exact through spilled runs, merges of merges and several confirmation passes, with colliding hashes', async () => {
    // 64 hash values for thousands of keys: most hash hits are collisions, some are real repeats from far back
    const weak: KeyHash = (key, out) => {
      hash64(key, out);
      out[0] = 0;
      out[1] = out[1]! & 63;
    };
    const pages: Row[][] = [];
    let n = 0;
    for (let p = 0; p < 60; p++) {
      const page: Row[] = [];
      for (let i = 0; i < 50; i++) page.push({ id: `u-${p}-${i}`, n: n++ });
      if (p >= 5) for (let j = 0; j < 3; j++) page.push({ id: `u-${(p * 7 + j) % (p - 2)}-${(p + j) % 50}`, n: n++ }); // far back
      if (p > 0) page.push({ id: `u-${p - 1}-49`, n: n++ }); // the usual paging overlap
      page.push({ n: n++ }); // no key: always kept
      pages.push(page);
    }
    const options = { hash: weak, chunkKeys: 100, fanIn: 3, blockKeys: 7, candidateBatch: 5 };
    const { result, droppedAtOnce, rows, text, footprint } = await collectPages(pages, options);
    const expected = reference(pages);
    expect(rows).toEqual(expected);
    expect(droppedAtOnce + result.duplicatesDropped).toBe(pages.flat().length - expected.length);
    expect(result.duplicatesDropped).toBeGreaterThan(0);
    expect(footprint.runs).toBeGreaterThan(3); // spilled, and more runs than one merge takes
    expect(result.sha256).toBe(sha256(text));
    expect(existsSync(join(dir, 'rows.ndjson.seen-keys'))).toBe(false); // temporary files removed
  });

  it('keeps the file as written (no rewrite) when hashes repeat but no key does', async () => {
    const collide: KeyHash = (key, out) => {
      out[0] = 0;
      out[1] = key.length;
    };
    const pages = [[{ id: 'x1', n: 1 }], [{ id: 'x2', n: 2 }], [{ id: 'x3', n: 3 }], [{ id: 'x4', n: 4 }]];
    const { result, text } = await collectPages(pages, { hash: collide });
    expect(result.duplicatesDropped).toBe(0);
    expect(text).toBe(pages.map((p) => JSON.stringify(p[0])).join('\n') + '\n');
  });

  it('holds at most one buffer of hashes and two pages of keys, whatever the number of rows', async () => {
    const pages = Array.from({ length: 400 }, (_, p) => Array.from({ length: 500 }, (_, i) => ({ id: `user-${p}-${i}`, n: i })));
    const chunkKeys = 4096;
    const seen = new SeenKeys({ tmpDir: join(dir, 'tmp'), keyOf, chunkKeys });
    let maxBuffer = 0;
    let maxRecent = 0;
    for (const page of pages) {
      for (const row of page) seen.seen(row.id);
      seen.endPage();
      const f = seen.footprint();
      maxBuffer = Math.max(maxBuffer, f.bufferBytes);
      maxRecent = Math.max(maxRecent, f.recentKeys);
    }
    expect(maxBuffer).toBeLessThanOrEqual(chunkKeys * 8);
    expect(maxRecent).toBeLessThanOrEqual(2 * 500);
    const f = seen.footprint();
    expect(f.runs * chunkKeys + f.bufferedHashes).toBe(200_000); // every key is remembered, on disk
    // and still found at commit: a row written again after all that
    const writer = await NdjsonWriter.create(dir, 'big.ndjson');
    await writer.writeLines([JSON.stringify({ id: 'user-0-0' })]);
    seen.remember('user-0-0');
    const result = await seen.commit(writer);
    expect(result.duplicatesDropped).toBe(0); // one row of that key in this file: kept
  });

  it('rebuilt on resume from the committed rows, still drops a repeat of a row written before the kill', async () => {
    const before = [{ id: 'a', n: 1 }, { id: 'b', n: 2 }];
    // what a killed run leaves: the committed rows, then a page written after the last checkpoint (cut on resume)
    const committed = before.map((r) => JSON.stringify(r) + '\n').join('');
    await writeFile(join(dir, 'rows.ndjson.partial'), committed + JSON.stringify({ id: 'lost-after-checkpoint', n: 3 }) + '\n');
    const bytes = Buffer.byteLength(committed);
    const prefix = sha256(committed);
    // stale run files of the killed run are ignored and replaced
    await mkdir(join(dir, 'rows.ndjson.seen-keys'), { recursive: true });
    await writeFile(join(dir, 'rows.ndjson.seen-keys', 'run-0.bin'), Buffer.alloc(64, 0xff));
    const seen = new SeenKeys({ tmpDir: join(dir, 'rows.ndjson.seen-keys'), keyOf, chunkKeys: 2 });
    const writer = await NdjsonWriter.resume(dir, 'rows.ndjson', bytes, prefix, (line) => {
      const key = keyOf(JSON.parse(line) as Record<string, unknown>);
      if (key !== undefined) seen.remember(key);
    });
    const fresh = [{ id: 'c', n: 4 }, { id: 'a', n: 5 }, { id: 'lost-after-checkpoint', n: 6 }].filter((r) => !seen.seen(r.id));
    seen.endPage();
    await writer.write(fresh); // "a" is not in the last two pages of this run: written, found at commit
    const result = await seen.commit(writer);
    const text = await readFile(join(dir, 'rows.ndjson'), 'utf8');
    expect(text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as Row).n)).toEqual([1, 2, 4, 6]);
    expect(result.duplicatesDropped).toBe(1);
    expect(result.sha256).toBe(sha256(text));
  });

  it('hashes to 64 bits, the same for the same key', () => {
    const a = new Uint32Array(2);
    const b = new Uint32Array(2);
    hash64('00000000-0000-0000-0000-000000000001', a);
    hash64('00000000-0000-0000-0000-000000000001', b);
    expect([...a]).toEqual([...b]);
    hash64('00000000-0000-0000-0000-000000000002', b);
    expect([...a]).not.toEqual([...b]);
    const distinct = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      hash64(`id-${i}`, a);
      distinct.add(`${a[0]}:${a[1]}`);
    }
    expect(distinct.size).toBe(100_000);
  });
});
