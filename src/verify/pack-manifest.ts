/**
 * The pack manifest — a public contract like the snapshot manifest: `pack-manifest.json` in the pack folder lists
 * every file of the audit pack (path relative to the pack folder, size, SHA-256), so `verify` can tell a missing,
 * extra, renamed or changed file, and one detached signature (`pack-manifest.json.sig`, made by `sign PACK`) covers
 * the whole pack. render writes it last, by atomic rename, after every other file of the pack is in place.
 *
 * Deterministic: no timestamp, files sorted by path, so the same results rendered the same way by the same version
 * give a byte-identical manifest. Not listed: the manifest and its signature, the snapshot/ sub-folder (its own
 * manifest.json lists and hashes it; verify checks it), and a sub-folder holding its own pack-manifest.json (another
 * pack, such as the redacted/ copy of `run --redact`).
 * Breaking changes bump PACK_MANIFEST_SCHEMA_VERSION (CHANGELOG.md).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { z } from 'zod';

export const PACK_MANIFEST_FILE = 'pack-manifest.json';
export const PACK_SIGNATURE_FILE = 'pack-manifest.json.sig';
export const PACK_MANIFEST_SCHEMA_VERSION = 1;
/** the sub-folder of a pack that holds its snapshot (run, demo): covered by the snapshot's own manifest */
export const PACK_SNAPSHOT_FOLDER = 'snapshot';

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A path inside the pack as the manifest writes it: relative, '/'-separated, no '.', '..' or empty segment, no
 * backslash or control character. Anything else in a manifest is refused, never resolved.
 */
export function isPackPath(path: string): boolean {
  if (path === '' || path.length > 4096 || path.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(path)) return false;
  return path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

export const PackFileSchema = z.object({
  /** relative to the pack folder, '/'-separated */
  path: z.string().refine(isPackPath, { message: 'not a relative path inside the pack' }),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(HEX64),
});

export const PackManifestSchema = z.object({
  schemaVersion: z.literal(PACK_MANIFEST_SCHEMA_VERSION),
  /** the version of the tool that rendered the pack */
  tool: z.object({ name: z.string(), version: z.string() }),
  /** results.json's snapshot.manifestSha256: the snapshot manifest the pack was rendered from (audit.html prints it) */
  snapshotManifestSha256: z.string().regex(HEX64),
  /** a pseudonymised or aggregate-only copy (--redact), or null */
  redaction: z.enum(['pseudonymise', 'aggregate']).nullable(),
  /** every file of the pack, sorted by path (code-unit order), each path once */
  files: z.array(PackFileSchema),
});

export type PackFile = z.infer<typeof PackFileSchema>;
export type PackManifest = z.infer<typeof PackManifestSchema>;

export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The manifest's exact text (what is hashed and signed): fixed key order, files sorted, two-space JSON, final newline. */
export function packManifestText(m: PackManifest): string {
  const ordered: PackManifest = {
    schemaVersion: m.schemaVersion,
    tool: { name: m.tool.name, version: m.tool.version },
    snapshotManifestSha256: m.snapshotManifestSha256,
    redaction: m.redaction,
    files: [...m.files]
      .sort((a, b) => comparePaths(a.path, b.path))
      .map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** SHA-256 and size of a file, streamed (a worklist or sidecar may be hundreds of megabytes). */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export function sha256Of(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
