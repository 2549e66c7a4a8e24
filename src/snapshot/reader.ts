/**
 * Reads a snapshot: validates manifest.json (zod), then streams a source's NDJSON lines while hashing them; a hash
 * or size that does not match the manifest is a SnapshotError naming the file, raised before any result is written.
 */
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SnapshotError } from '../errors.js';
import { MANIFEST_FILE, ManifestSchema, SNAPSHOT_SCHEMA_VERSION, type Manifest, type SourceRecord } from './schema.js';
import { sha256Hex } from './writer.js';

export interface LoadedSnapshot {
  dir: string;
  manifest: Manifest;
  manifestSha256: string;
}

export async function loadSnapshot(dir: string): Promise<LoadedSnapshot> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    let hint = 'Is this the folder given to `collect --out`?';
    try {
      if ((await stat(dir)).isDirectory()) hint = 'The collection was interrupted or is still running; collect again.';
    } catch {
      hint = 'The folder does not exist.';
    }
    throw new SnapshotError(`${path}: no snapshot manifest. ${hint}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SnapshotError(`${path}: not valid JSON (${(e as Error).message}).`);
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== SNAPSHOT_SCHEMA_VERSION) {
    throw new SnapshotError(
      `${path}: snapshot schemaVersion ${JSON.stringify(version)} is not supported by this version of entra-auth-audit ` +
        `(it reads ${SNAPSHOT_SCHEMA_VERSION}). Use the version that wrote it, or collect again.`,
    );
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SnapshotError(`${path}: invalid manifest at '${issue.path.join('.')}': ${issue.message}.`);
  }
  for (const s of parsed.data.sources) {
    if (s.file.includes('/') || s.file.includes('\\') || s.file.startsWith('.')) {
      throw new SnapshotError(`${path}: source ${s.id} names file '${s.file}' outside the snapshot folder.`);
    }
  }
  return { dir, manifest: parsed.data, manifestSha256: sha256Hex(text) };
}

export function sourceById(snapshot: LoadedSnapshot, id: string): SourceRecord | undefined {
  return snapshot.manifest.sources.find((s) => s.id === id);
}

/**
 * Streams the JSON values of a source file, one per line, verifying its SHA-256 and size at the end.
 */
export async function* readRows(snapshot: LoadedSnapshot, source: SourceRecord): AsyncGenerator<unknown> {
  const path = join(snapshot.dir, source.file);
  const hash = createHash('sha256');
  let bytes = 0;
  yield* readNdjson(path, (chunk) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  checkDigest(path, source, hash.digest('hex'), bytes);
}

function checkDigest(path: string, source: SourceRecord, digest: string, bytes: number): void {
  if (digest !== source.sha256 || bytes !== source.bytes) {
    throw new SnapshotError(
      `${path}: SHA-256 ${digest} (${bytes} bytes) does not match the manifest (${source.sha256}, ${source.bytes} bytes). ` +
        `The file was changed after collection; restore it from the evidence archive or collect again.`,
    );
  }
}

/**
 * Calls onRow with each JSON value of a source file, in order, verifying its SHA-256 and size at the end; awaits
 * `between` after each chunk read (about 1 MiB). For folds over large files: each row is handled as soon as it is
 * parsed, so it dies young (cheap to collect), and there is one await per chunk instead of one per row.
 */
/** Every row of a source that is `ok`, in memory, else null: for the small sources (policies, summaries). */
export async function readOkRows(snapshot: LoadedSnapshot, id: string): Promise<unknown[] | null> {
  const source = sourceById(snapshot, id);
  if (source?.status !== 'ok') return null;
  const rows: unknown[] = [];
  for await (const row of readRows(snapshot, source)) rows.push(row);
  return rows;
}

export async function forEachRow(
  snapshot: LoadedSnapshot,
  source: SourceRecord,
  onRow: (row: unknown) => void,
  between?: () => Promise<void>,
): Promise<void> {
  const path = join(snapshot.dir, source.file);
  const hash = createHash('sha256');
  let bytes = 0;
  await scanNdjson(
    path,
    (chunk) => {
      hash.update(chunk);
      bytes += chunk.length;
    },
    onRow,
    between,
  );
  checkDigest(path, source, hash.digest('hex'), bytes);
}

/**
 * Streams the JSON values of an NDJSON file, one per line (see scanNdjson). `chunkBytes` is how much is read (and
 * parsed) at a time: small for a reader that wants only the first lines of a large file.
 */
export async function* readNdjson(path: string, onChunk?: (chunk: Buffer) => void, chunkBytes = 1 << 20): AsyncGenerator<unknown> {
  let rest: Buffer = Buffer.alloc(0);
  const state = { lineNo: 0 };
  try {
    for await (const chunk of fileChunks(path, chunkBytes)) {
      onChunk?.(chunk);
      const batch: unknown[] = [];
      rest = scanChunk(rest, chunk, path, state, (row) => batch.push(row));
      yield* batch;
    }
  } catch (e) {
    throw asSnapshotError(e, path);
  }
  if (rest.length > 0) yield parseLine(rest.toString('utf8'), path, ++state.lineNo);
}

/**
 * Reads an NDJSON file chunk by chunk and calls onRow with each value. Lines are split on the raw bytes, so a
 * multi-byte character that straddles two chunks is decoded whole, and each line is decoded on its own (a line of
 * ASCII stays a one-byte string, faster to parse, even when another line holds a name in another script). onChunk
 * sees every byte (for hashing). Blank lines are skipped; a line that is not JSON is a SnapshotError naming the file
 * and line.
 */
export async function scanNdjson(
  path: string,
  onChunk: ((chunk: Buffer) => void) | undefined,
  onRow: (row: unknown) => void,
  between?: () => Promise<void>,
): Promise<void> {
  let rest: Buffer = Buffer.alloc(0);
  const state = { lineNo: 0 };
  // errors of the caller's callbacks (a fold, a write of the results) are theirs, not a damaged snapshot's: only
  // parseLine throws a SnapshotError in scanChunk, anything else came from onRow
  try {
    for await (const chunk of fileChunks(path, 1 << 20)) {
      onChunk?.(chunk);
      try {
        rest = scanChunk(rest, chunk, path, state, onRow);
      } catch (e) {
        throw e instanceof SnapshotError ? e : new CallerError(e);
      }
      if (between) await between().catch((e: unknown) => Promise.reject(new CallerError(e)));
    }
  } catch (e) {
    if (e instanceof CallerError) throw e.error;
    throw asSnapshotError(e, path);
  }
  if (rest.length > 0) onRow(parseLine(rest.toString('utf8'), path, ++state.lineNo));
}

class CallerError {
  constructor(readonly error: unknown) {}
}

/**
 * Parses the complete lines of rest + chunk; returns the incomplete tail (a copy: the chunk's memory is reused for
 * the next read). Only the line that straddles the two is joined, not the whole chunk.
 */
function scanChunk(rest: Buffer, chunk: Buffer, path: string, state: { lineNo: number }, onRow: (row: unknown) => void): Buffer {
  let start = 0;
  if (rest.length > 0) {
    const nl = chunk.indexOf(10);
    if (nl < 0) return Buffer.concat([rest, chunk]); // a line longer than a chunk: keep gathering it
    state.lineNo++;
    onRow(parseLine(Buffer.concat([rest, chunk.subarray(0, nl)]).toString('utf8'), path, state.lineNo));
    start = nl + 1;
  }
  for (;;) {
    const nl = chunk.indexOf(10, start);
    if (nl < 0) break;
    state.lineNo++;
    if (nl > start) onRow(parseLine(chunk.toString('utf8', start, nl), path, state.lineNo));
    start = nl + 1;
  }
  return start < chunk.length ? Buffer.from(chunk.subarray(start)) : Buffer.alloc(0);
}

/**
 * A file's bytes in chunks of up to `size`, the next one read while the caller works on this one. Two buffers take
 * turns, so a chunk is valid only until the next is asked for: a reader of gigabytes allocating a new buffer per
 * chunk (as a read stream does) made V8 run full garbage collections several times a second to free them.
 */
async function* fileChunks(path: string, size: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
  let turn = 0;
  let position = 0;
  let next: Promise<{ bytesRead: number }> | null = fh.read(buffers[0]!, 0, size, position);
  try {
    for (;;) {
      const { bytesRead } = await next;
      next = null;
      if (bytesRead === 0) return;
      const chunk = buffers[turn]!.subarray(0, bytesRead);
      position += bytesRead;
      turn ^= 1;
      next = fh.read(buffers[turn]!, 0, size, position);
      yield chunk;
    }
  } finally {
    // a caller that stopped early leaves a read in flight: let it end before the file is closed
    await next?.catch(() => undefined);
    await fh.close();
  }
}

function asSnapshotError(e: unknown, path: string): SnapshotError {
  if (e instanceof SnapshotError) return e;
  return new SnapshotError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
}

function parseLine(line: string, path: string, lineNo: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new SnapshotError(`${path}:${lineNo}: not a JSON value; the file is corrupt. Collect again.`);
  }
}
