/**
 * Streams one source to `<file>.partial` with a running SHA-256, then flushes and renames it.
 * Memory is one page at a time whatever the tenant size.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, type Manifest } from './schema.js';

export class NdjsonWriter {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private records = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmpPath: string,
    readonly path: string,
  ) {}

  static async create(dir: string, file: string): Promise<NdjsonWriter> {
    const path = join(dir, file);
    const tmpPath = `${path}.partial`;
    const fh = await open(tmpPath, 'w');
    return new NdjsonWriter(fh, tmpPath, path);
  }

  /** Appends rows as NDJSON lines in one write. */
  async write(rows: readonly unknown[]): Promise<void> {
    if (rows.length === 0) return;
    let chunk = '';
    for (const row of rows) chunk += JSON.stringify(row) + '\n';
    const buf = Buffer.from(chunk, 'utf8');
    this.hash.update(buf);
    this.bytes += buf.length;
    this.records += rows.length;
    await this.fh.write(buf);
  }

  /** fsync, close and rename into place; returns what the manifest records. */
  async commit(): Promise<{ bytes: number; records: number; sha256: string }> {
    await this.fh.sync();
    await this.fh.close();
    await rename(this.tmpPath, this.path);
    return { bytes: this.bytes, records: this.records, sha256: this.hash.digest('hex') };
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
