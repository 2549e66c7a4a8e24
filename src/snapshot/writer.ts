/**
 * Streams one source to `<file>.partial` with a running SHA-256, then flushes and renames it.
 * Memory is one page at a time whatever the tenant size. A killed run leaves the .partial file and a checkpoint;
 * resume() truncates the file to the last committed page, verifies that prefix's hash, and appends from there.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, type Manifest } from './schema.js';

export class NdjsonWriter {
  private constructor(
    private readonly fh: FileHandle,
    private readonly tmpPath: string,
    readonly path: string,
    private readonly hash: Hash,
    private bytes: number,
  ) {}

  /** Where writeLines encodes a page (grown as needed, reused: no per-page allocation of its size). */
  private scratch: Buffer = Buffer.alloc(0);
  private writing = false;

  static async create(dir: string, file: string): Promise<NdjsonWriter> {
    const path = join(dir, file);
    const tmpPath = `${path}.partial`;
    const fh = await open(tmpPath, 'w');
    return new NdjsonWriter(fh, tmpPath, path, createHash('sha256'), 0);
  }

  /**
   * Reopens `<file>.partial` after a killed run: cuts it to `bytes` (a page written after the last checkpoint is
   * dropped), checks the prefix against `prefixSha256`, and calls onLine for every line kept (to rebuild state).
   */
  static async resume(
    dir: string,
    file: string,
    bytes: number,
    prefixSha256: string,
    onLine: (line: string) => void,
  ): Promise<NdjsonWriter> {
    const path = join(dir, file);
    const tmpPath = `${path}.partial`;
    await truncate(tmpPath, bytes);
    const hash = createHash('sha256');
    let rest = '';
    for await (const chunk of createReadStream(tmpPath) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      const text = rest + chunk.toString('utf8');
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) onLine(line);
    }
    if (rest) onLine(rest);
    const got = hash.copy().digest('hex');
    if (got !== prefixSha256) {
      throw new Error(`${tmpPath}: the committed part does not match the checkpoint (SHA-256 ${got}); collect again without --resume`);
    }
    const fh = await open(tmpPath, 'a');
    return new NdjsonWriter(fh, tmpPath, path, hash, bytes);
  }

  /** Appends rows as NDJSON lines in one write. */
  async write(rows: readonly unknown[]): Promise<void> {
    await this.writeLines(rows.map((row) => JSON.stringify(row)));
  }

  /** Appends already serialised JSON values, one per line, in one write. */
  async writeLines(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    // Each line is encoded straight into one buffer: joining a page's lines into one string and encoding that
    // cost more than the JSON.stringify of its rows (the string must be flattened, then transcoded).
    let bound = lines.length;
    for (const line of lines) bound += line.length * 3; // UTF-8 needs at most 3 bytes per UTF-16 unit
    // the scratch buffer is reused by the next page; a write started while one is in flight gets its own buffer
    const own = this.writing;
    if (!own && this.scratch.length < bound) this.scratch = Buffer.allocUnsafeSlow(Math.max(bound, this.scratch.length * 2));
    const buf = own ? Buffer.allocUnsafeSlow(bound) : this.scratch;
    let off = 0;
    for (const line of lines) {
      off += buf.write(line, off, 'utf8');
      buf[off++] = 0x0a;
    }
    if (own) return this.writeBytes(buf.subarray(0, off));
    this.writing = true;
    try {
      await this.writeBytes(buf.subarray(0, off));
    } finally {
      this.writing = false;
    }
  }

  /** Appends text as it is, in one write (the same hashed, atomically committed file for a CSV). */
  async writeText(text: string): Promise<void> {
    if (text.length === 0) return;
    await this.writeBytes(Buffer.from(text, 'utf8'));
  }

  /** Appends bytes (complete lines) in one write. */
  async writeBytes(buf: Buffer): Promise<void> {
    if (buf.length === 0) return;
    this.hash.update(buf);
    this.bytes += buf.length;
    await this.fh.write(buf);
  }

  /** Flushes to disk and returns what a checkpoint records: committed bytes and their hash. */
  async sync(): Promise<{ bytes: number; sha256: string }> {
    await this.fh.datasync();
    return { bytes: this.bytes, sha256: this.hash.copy().digest('hex') };
  }

  /** fsync, close and rename into place. */
  async commit(): Promise<{ bytes: number; sha256: string }> {
    await this.fh.sync();
    await this.fh.close();
    await rename(this.tmpPath, this.path);
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Canonical JSON for manifests and results: two-space indent, trailing newline. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** Atomic write: temp file, fsync, rename. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.partial`;
  await writeFile(tmp, text, { encoding: 'utf8', flush: true });
  await rename(tmp, path);
}

export async function writeManifest(dir: string, manifest: Manifest): Promise<string> {
  const text = toJsonText(manifest);
  await writeFileAtomic(join(dir, MANIFEST_FILE), text);
  return sha256Hex(text);
}
