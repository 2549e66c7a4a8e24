/**
 * Reads a snapshot: validates manifest.json (zod), then streams a source's NDJSON lines while hashing them; a hash
 * or size that does not match the manifest is a SnapshotError naming the file, raised before any result is written.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
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
  const digest = hash.digest('hex');
  if (digest !== source.sha256 || bytes !== source.bytes) {
    throw new SnapshotError(
      `${path}: SHA-256 ${digest} (${bytes} bytes) does not match the manifest (${source.sha256}, ${source.bytes} bytes). ` +
        `The file was changed after collection; restore it from the evidence archive or collect again.`,
    );
  }
}

/**
 * Streams the JSON values of an NDJSON file, one per line. Lines are split on the raw bytes so multi-byte
 * characters that straddle chunks are handled; onChunk sees every byte (for hashing).
 */
export async function* readNdjson(path: string, onChunk?: (chunk: Buffer) => void): AsyncGenerator<unknown> {
  let lineNo = 0;
  let rest: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      onChunk?.(chunk);
      const buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0) break;
        lineNo++;
        if (nl > start) yield parseLine(buf.toString('utf8', start, nl), path, lineNo);
        start = nl + 1;
      }
      rest = start < buf.length ? buf.subarray(start) : Buffer.alloc(0);
    }
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  if (rest.length > 0) {
    lineNo++;
    yield parseLine(rest.toString('utf8'), path, lineNo);
  }
}

function parseLine(line: string, path: string, lineNo: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new SnapshotError(`${path}:${lineNo}: not a JSON value; the file is corrupt. Collect again.`);
  }
}
