import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readNdjson } from '../../src/snapshot/reader.js';

/** Open file descriptors of this process (Linux), to see that a reader closes its file. */
async function openFds(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

describe('readNdjson: two reused read buffers, any chunk size', () => {
  it('yields every line whole, whatever the chunk size (lines longer than several chunks, multi-byte characters)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eaa-chunks-'));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ id: fc.nat(), name: fc.string({ maxLength: 60, unit: 'grapheme' }) }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 200 }),
        fc.boolean(),
        async (rows, chunkBytes, blankLines) => {
          const path = join(dir, 'rows.ndjson');
          await writeFile(path, rows.map((r) => JSON.stringify(r) + (blankLines ? '\n\n' : '\n')).join(''));
          const got: unknown[] = [];
          let bytes = 0;
          for await (const row of readNdjson(path, (chunk) => (bytes += chunk.length), chunkBytes)) got.push(row);
          expect(got).toEqual(rows);
          expect(bytes).toBe(Buffer.byteLength(rows.map((r) => JSON.stringify(r) + (blankLines ? '\n\n' : '\n')).join('')));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a row yielded earlier is not changed when the next chunk is read into the same memory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eaa-chunks-'));
    const path = join(dir, 'rows.ndjson');
    const rows = Array.from({ length: 50 }, (_, i) => ({ i, s: String.fromCharCode(97 + (i % 26)).repeat(30) }));
    await writeFile(path, rows.map((r) => JSON.stringify(r)).join('\n'));
    const got: unknown[] = [];
    for await (const row of readNdjson(path, undefined, 16)) got.push(row);
    expect(got).toEqual(rows); // the last line has no newline: it is the tail, read whole
  });

  it('closes the file when the caller stops early, with a read still in flight', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eaa-chunks-'));
    const path = join(dir, 'rows.ndjson');
    await writeFile(path, Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i })).join('\n') + '\n');
    const before = await openFds();
    for (let k = 0; k < 20; k++) {
      for await (const row of readNdjson(path, undefined, 64)) {
        expect(row).toEqual({ i: 0 });
        break;
      }
    }
    expect(await openFds()).toBe(before);
  });
});
