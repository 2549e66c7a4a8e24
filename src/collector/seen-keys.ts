/**
 * Duplicate-row detection for one source in memory that does not grow with the tenant (issue #16).
 *
 * Graph's paging overlap (a row repeated at the top of the next page, graph-api.md; the simulator's `dup` fault) is
 * caught at once by the exact keys of the last two pages, held as strings. Every other key is remembered as a 64-bit
 * hash in a fixed-size buffer; a full buffer is sorted and written as a run file next to the snapshot, so memory is
 * one buffer (8 MB by default) whatever the row count: a table of every key took 256 MB at 10,000,000 users, 384 MB
 * while it doubled.
 *
 * A repeat further back is found when the source ends (commit): the runs are merged, and a hash found twice is only a
 * candidate. One pass over the file then compares the exact keys of the candidates' rows and drops a row whose key is
 * already in an earlier row, so a hash collision never drops a distinct row, and the first row of a key is the one
 * kept, as when every duplicate was dropped at once. The file is rewritten only when a row is dropped (bytes and
 * SHA-256 are those of the rewritten file); with no candidate, commit costs one in-memory sort of the last buffer and
 * a merge of the runs, each read once.
 *
 * Until commit, rows repeated from far back count as written (records, the row ceilings); commit returns how many it
 * dropped. The run files are not part of the checkpoint: a resumed run rebuilds them from the committed rows
 * (`remember`), as it rebuilt the table before.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { fmix32 } from '../hash.js';
import type { NdjsonWriter } from '../snapshot/writer.js';

/** Writes the key's 64-bit hash into out: out[0] the high 32 bits, out[1] the low 32 bits. */
export type KeyHash = (key: string, out: Uint32Array) => void;

export interface SeenKeysOptions {
  /** a folder of its own for the run files and a rewritten file (created when needed, removed by commit) */
  tmpDir: string;
  /** the key of a stored row, as the collector computed it before writing the row */
  keyOf: (row: Record<string, unknown>) => string | undefined;
  /** hashes held in memory before a sorted run is written: 8 bytes each (default 1,048,576: 8 MB) */
  chunkKeys?: number;
  /** runs merged at once; more runs are first merged into bigger runs (default 16) */
  fanIn?: number;
  /** hashes read at a time from each run while merging: 8 bytes each (default 32,768: 256 KB) */
  blockKeys?: number;
  /** distinct candidate hashes confirmed by one pass over the file (default 65,536) */
  candidateBatch?: number;
  /** for tests: a weaker hash, to force collisions */
  hash?: KeyHash;
}

/** What the in-memory structures hold now, for tests that bound them. */
export interface SeenKeysFootprint {
  /** exact keys of the current and previous page */
  recentKeys: number;
  /** hashes waiting in the buffer */
  bufferedHashes: number;
  /** bytes allocated for the buffer (never more than 8 × chunkKeys) */
  bufferBytes: number;
  /** sorted run files written so far */
  runs: number;
}

export interface SeenKeysCommit {
  bytes: number;
  sha256: string;
  /** rows dropped by commit (repeats of a key written more than two pages before); 0 when the file was not rewritten */
  duplicatesDropped: number;
}

const DEFAULT_CHUNK_KEYS = 1 << 20;
const DEFAULT_FAN_IN = 16;
const DEFAULT_BLOCK_KEYS = 1 << 15;
const DEFAULT_CANDIDATE_BATCH = 1 << 16;
const FIRST_CAPACITY = 1 << 12;

/**
 * Where the high and low halves of a hash sit in a Uint32Array pair, so that the same bytes read as a BigUint64Array
 * (whose native sort orders the buffer) order by (high, low).
 */
const HI = endianness() === 'LE' ? 1 : 0;
const LO = 1 - HI;

export class SeenKeys {
  private current = new Set<string>();
  private previous = new Set<string>();
  private buf = new Uint32Array(0);
  private count = 0;
  private readonly runs: string[] = [];
  private runSeq = 0;
  private dirReady = false;
  private readonly scratch = new Uint32Array(2);
  private readonly hash: KeyHash;
  private readonly chunkKeys: number;
  private readonly fanIn: number;
  private readonly blockKeys: number;
  private readonly candidateBatch: number;

  constructor(private readonly opts: SeenKeysOptions) {
    this.hash = opts.hash ?? hash64;
    this.chunkKeys = Math.max(2, opts.chunkKeys ?? DEFAULT_CHUNK_KEYS);
    this.fanIn = Math.max(2, opts.fanIn ?? DEFAULT_FAN_IN);
    this.blockKeys = Math.max(1, opts.blockKeys ?? DEFAULT_BLOCK_KEYS);
    this.candidateBatch = Math.max(1, opts.candidateBatch ?? DEFAULT_CANDIDATE_BATCH);
  }

  /**
   * true when the key is in the current or the previous page (a duplicate: drop the row); otherwise records it and
   * returns false. A key repeated from further back is found by commit.
   */
  seen(key: string): boolean {
    if (this.current.has(key) || this.previous.has(key)) return true;
    this.current.add(key);
    this.record(key);
    return false;
  }

  /** Records the key of a row already in the file (rebuilding state on resume). */
  remember(key: string): void {
    this.record(key);
  }

  /** Call after each page: exact keys are kept for the last two pages only. */
  endPage(): void {
    this.previous = this.current;
    this.current = new Set();
  }

  footprint(): SeenKeysFootprint {
    return { recentKeys: this.current.size + this.previous.size, bufferedHashes: this.count, bufferBytes: this.buf.byteLength, runs: this.runs.length };
  }

  /**
   * Drops the rows whose key an earlier row of the file already has, then commits the writer's file (flushed,
   * renamed into place). Returns the committed file's size and hash and how many rows were dropped here.
   */
  async commit(writer: NdjsonWriter): Promise<SeenKeysCommit> {
    const partial = `${writer.path}.partial`;
    let content = partial;
    let rewritten: { bytes: number; sha256: string } | null = null;
    let dropped = 0;
    let pass = 0;
    let batch = new Set<string>();
    const confirm = async () => {
      const out = join(this.opts.tmpDir, `pass-${pass++}.ndjson`);
      this.ensureDir();
      const result = await dropRepeats(content, out, batch, this.opts.keyOf, this.hash);
      batch = new Set();
      if (result.dropped === 0) {
        await rm(out, { force: true });
        return;
      }
      if (content !== partial) await rm(content, { force: true });
      content = out;
      rewritten = result;
      dropped += result.dropped;
    };
    await this.forEachRepeatedHash((hi, lo) => {
      batch.add(`${hi}:${lo}`);
      return batch.size >= this.candidateBatch ? confirm() : undefined;
    });
    if (batch.size > 0) await confirm();
    const committed = await writer.commit();
    const final: { bytes: number; sha256: string } | null = rewritten;
    if (final !== null) await rename(content, writer.path);
    await rm(this.opts.tmpDir, { recursive: true, force: true });
    this.buf = new Uint32Array(0);
    this.count = 0;
    this.runs.length = 0;
    return { ...(final ?? committed), duplicatesDropped: dropped };
  }

  private record(key: string): void {
    this.hash(key, this.scratch);
    if (this.count === this.buf.length >> 1) {
      if (this.count < this.chunkKeys) {
        const grown = new Uint32Array(2 * Math.min(this.chunkKeys, Math.max(FIRST_CAPACITY, this.count * 2)));
        grown.set(this.buf);
        this.buf = grown;
      } else {
        this.spill();
      }
    }
    const i = 2 * this.count++;
    this.buf[i + HI] = this.scratch[0]!;
    this.buf[i + LO] = this.scratch[1]!;
  }

  /** Sorts the buffer and writes it as a run file (synchronously: `record` has no await, and runs are rare). */
  private spill(): void {
    this.ensureDir();
    const path = join(this.opts.tmpDir, `run-${this.runSeq++}.bin`);
    writeFileSync(path, this.sortedBuffer());
    this.runs.push(path);
    this.count = 0;
  }

  private sortedBuffer(): Uint8Array {
    new BigUint64Array(this.buf.buffer, 0, this.count).sort();
    return new Uint8Array(this.buf.buffer, 0, this.count * 8);
  }

  /** A fresh folder on first use: run files left by a killed run are stale (resume rebuilds them from the rows). */
  private ensureDir(): void {
    if (this.dirReady) return;
    rmSync(this.opts.tmpDir, { recursive: true, force: true });
    mkdirSync(this.opts.tmpDir, { recursive: true });
    this.dirReady = true;
  }

  /** Calls onRepeat once with each hash recorded more than once, in increasing order. */
  private async forEachRepeatedHash(onRepeat: (hi: number, lo: number) => void | Promise<void>): Promise<void> {
    if (this.runs.length === 0) {
      const sorted = new Uint32Array(this.sortedBuffer().buffer, 0, this.count * 2);
      let last = -1;
      for (let i = 2; i < sorted.length; i += 2) {
        if (sorted[i + HI] === sorted[i - 2 + HI] && sorted[i + LO] === sorted[i - 2 + LO]) {
          if (last !== i - 2) await onRepeat(sorted[i + HI]!, sorted[i + LO]!);
          last = i;
        }
      }
      return;
    }
    if (this.count > 0) this.spill();
    // At most fanIn runs are merged at once (memory: fanIn blocks, whatever the number of runs); beyond that, runs
    // are first merged into bigger ones.
    while (this.runs.length > this.fanIn) {
      const inputs = this.runs.splice(0, this.fanIn);
      const path = join(this.opts.tmpDir, `run-${this.runSeq++}.bin`);
      const out = await open(path, 'w');
      const block = new Uint32Array(2 * this.blockKeys);
      let n = 0;
      try {
        await mergeRuns(inputs, this.blockKeys, (hi, lo) => {
          block[2 * n + HI] = hi;
          block[2 * n + LO] = lo;
          if (++n < this.blockKeys) return undefined;
          n = 0;
          return out.write(new Uint8Array(block.buffer)).then(() => undefined);
        });
        if (n > 0) await out.write(new Uint8Array(block.buffer, 0, n * 8));
      } finally {
        await out.close();
      }
      for (const input of inputs) await rm(input, { force: true });
      this.runs.push(path);
    }
    let prevHi = -1;
    let prevLo = -1;
    let reported = false;
    await mergeRuns(this.runs, this.blockKeys, (hi, lo) => {
      if (hi !== prevHi || lo !== prevLo) {
        prevHi = hi;
        prevLo = lo;
        reported = false;
        return undefined;
      }
      if (reported) return undefined;
      reported = true;
      return onRepeat(hi, lo);
    });
  }
}

/** One sorted run, read a block at a time. */
class RunReader {
  private readonly block: Uint32Array;
  private n = 0;
  private i = 0;
  hi = 0;
  lo = 0;

  private constructor(
    private readonly fh: FileHandle,
    blockKeys: number,
  ) {
    this.block = new Uint32Array(2 * blockKeys);
  }

  static async open(path: string, blockKeys: number): Promise<RunReader> {
    return new RunReader(await open(path, 'r'), blockKeys);
  }

  /** Moves to the next hash; false at the end of the run. */
  async next(): Promise<boolean> {
    if (++this.i >= this.n) {
      const { bytesRead } = await this.fh.read(new Uint8Array(this.block.buffer), 0, this.block.byteLength, null);
      this.n = bytesRead >> 3;
      this.i = 0;
      if (this.n === 0) return false;
    }
    this.hi = this.block[2 * this.i + HI]!;
    this.lo = this.block[2 * this.i + LO]!;
    return true;
  }

  /** Synchronous step inside the current block; false when the block is used up (then call next()). */
  step(): boolean {
    if (this.i + 1 >= this.n) return false;
    this.i++;
    this.hi = this.block[2 * this.i + HI]!;
    this.lo = this.block[2 * this.i + LO]!;
    return true;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Calls emit with every hash of the sorted runs, in increasing order (a k-way merge; k is at most fanIn). */
async function mergeRuns(paths: readonly string[], blockKeys: number, emit: (hi: number, lo: number) => void | Promise<void>): Promise<void> {
  const live: RunReader[] = [];
  try {
    for (const path of paths) {
      const reader = await RunReader.open(path, blockKeys);
      live.push(reader);
      if (!(await reader.next())) await live.pop()!.close();
    }
    while (live.length > 0) {
      let min = 0;
      for (let r = 1; r < live.length; r++) {
        const a = live[r]!;
        const b = live[min]!;
        if (a.hi < b.hi || (a.hi === b.hi && a.lo < b.lo)) min = r;
      }
      const reader = live[min]!;
      const pending = emit(reader.hi, reader.lo);
      if (pending) await pending;
      if (!reader.step() && !(await reader.next())) {
        await reader.close();
        live.splice(min, 1);
      }
    }
  } finally {
    await Promise.all(live.map((r) => r.close()));
  }
}

/**
 * Copies `input` to `output` without the rows whose key an earlier row has, among the rows whose key hashes to a
 * candidate. Returns the rows dropped and the output's size and SHA-256 (output flushed to disk).
 */
async function dropRepeats(
  input: string,
  output: string,
  candidates: ReadonlySet<string>,
  keyOf: (row: Record<string, unknown>) => string | undefined,
  hash: KeyHash,
): Promise<{ dropped: number; bytes: number; sha256: string }> {
  const highs = new Set<number>();
  for (const c of candidates) highs.add(Number(c.slice(0, c.indexOf(':'))));
  const keysByHash = new Map<string, Set<string>>();
  const scratch = new Uint32Array(2);
  const sha = createHash('sha256');
  let bytes = 0;
  let dropped = 0;
  const repeats = (line: string): boolean => {
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      return false; // kept as it is: the reader reports a line that is not JSON
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) return false;
    const key = keyOf(row as Record<string, unknown>);
    if (key === undefined) return false;
    hash(key, scratch);
    if (!highs.has(scratch[0]!)) return false;
    const id = `${scratch[0]}:${scratch[1]}`;
    if (!candidates.has(id)) return false;
    let keys = keysByHash.get(id);
    if (!keys) keysByHash.set(id, (keys = new Set()));
    if (keys.has(key)) return true;
    keys.add(key);
    return false;
  };
  const inFh = await open(input, 'r');
  const outFh = await open(output, 'w');
  try {
    const emit = async (part: Buffer) => {
      if (part.length === 0) return;
      sha.update(part);
      bytes += part.length;
      await outFh.write(part);
    };
    let rest: Buffer = Buffer.alloc(0);
    for (;;) {
      const chunk = Buffer.allocUnsafe(1 << 20);
      const { bytesRead } = await inFh.read(chunk, 0, chunk.length, null);
      const data = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      const last = bytesRead === 0;
      let pos = 0;
      let kept = 0;
      for (;;) {
        let end = data.indexOf(0x0a, pos);
        if (end < 0) {
          if (!last || pos >= data.length) break;
          end = data.length; // a last line without its newline
        }
        if (repeats(data.toString('utf8', pos, end))) {
          await emit(data.subarray(kept, pos));
          kept = Math.min(end + 1, data.length);
          dropped++;
        }
        pos = end + 1;
      }
      const through = Math.min(pos, data.length);
      await emit(data.subarray(kept, through));
      if (last) break;
      rest = Buffer.from(data.subarray(through));
    }
    await outFh.sync();
  } finally {
    await outFh.close();
    await inFh.close();
  }
  return { dropped, bytes, sha256: sha.digest('hex') };
}

/**
 * A 64-bit hash of a key in two 32-bit lanes (FNV-1a and a Murmur-multiplier variant, each finished with Murmur3's
 * fmix32). Any hash keeps the result exact (candidates are confirmed on the keys); a good one keeps candidates rare:
 * about 3 × 10⁻⁶ expected collisions among 10,000,000 keys.
 */
export function hash64(s: string, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  out[0] = fmix32(a ^ Math.imul(b, 0x9e3779b1));
  out[1] = fmix32(b);
}
