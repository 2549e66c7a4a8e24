/**
 * The snapshot format — a public contract: evidence archives keep snapshots for years and re-analyse them.
 * A snapshot is a folder with manifest.json and one file per source (NDJSON: one JSON value per line).
 * manifest.json is written last, by atomic rename, once every file is flushed and hashed: a folder without it is
 * an interrupted collection, never a snapshot. Breaking changes bump SNAPSHOT_SCHEMA_VERSION (CHANGELOG.md).
 */
import { z } from 'zod';
import { SOURCE_STATUSES } from '../results/schema.js';

export const SNAPSHOT_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export const SourceRecordSchema = z.object({
  id: z.string(),
  title: z.string(),
  apiVersion: z.enum(['v1.0', 'beta']),
  /** request path and query of the first request, relative to the API version root */
  path: z.string(),
  /**
   * ok: every page answered. unavailable: licence gate (403 Authentication_RequestFromNonPremiumTenantOrB2CTenant).
   * forbidden: missing permission or role (401/403). retired: Microsoft no longer serves data for it.
   * error: any other failure (5xx after retries, network, invalid body). not_collected: skipped on purpose.
   */
  status: z.enum(SOURCE_STATUSES),
  httpStatus: z.number().int().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  pages: z.number().int().nonnegative(),
  /** rows written (each id once) */
  records: z.number().int().nonnegative(),
  /** rows whose id had already been written from an earlier page: detected, not written, never double-counted */
  duplicatesDropped: z.number().int().nonnegative(),
  /** file name inside the snapshot folder (NDJSON) */
  file: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Deprecation / Sunset response headers, verbatim, when Graph sent them */
  deprecation: z.string().nullable(),
  sunset: z.string().nullable(),
  /** for a retired report: the source id that replaces it */
  retiredSuccessor: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type SourceRecord = z.infer<typeof SourceRecordSchema>;

export const ManifestSchema = z.object({
  schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  tenantId: z.string(),
  cloud: z.string(),
  /** origin the requests were sent to (a Graph root, or --graph-url) */
  endpoint: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** true once every source reached a final status and its file was flushed and hashed */
  complete: z.literal(true),
  /** true when at least one source is not ok and not retired: some numbers may be missing */
  partial: z.boolean(),
  sources: z.array(SourceRecordSchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** Progress of a running collection, rewritten atomically after every committed page (collect --resume). */
export const CHECKPOINT_FILE = 'checkpoint.json';

export const SourceProgressSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('done'), record: SourceRecordSchema }),
  z.object({
    state: z.literal('running'),
    /** index into the source's request list (slices) */
    requestIndex: z.number().int().nonnegative(),
    /** the canonical URL or path of the next page to fetch; null = start request `requestIndex` */
    next: z.string().nullable(),
    /**
     * the latest nextLinks (at most 256) followed in this slice, for loop detection: the first 16 hex digits of each
     * link's SHA-256 (a full URL in checkpoints of 0.1.0, which resume still reads), so the file has a constant size
     */
    seenLinks: z.array(z.string()),
    /**
     * Brent's cycle detection for cycles longer than the recent links kept in seenLinks (collect.ts LoopGuard);
     * absent in checkpoints before 0.2.0
     */
    loopGuard: z.object({ saved: z.string(), power: z.number().int().positive(), steps: z.number().int().nonnegative() }).nullable().optional(),
    pages: z.number().int().nonnegative(),
    records: z.number().int().nonnegative(),
    duplicatesDropped: z.number().int().nonnegative(),
    /** committed bytes of `<file>.partial` and their SHA-256: a resumed run truncates to this and checks it */
    bytes: z.number().int().nonnegative(),
    prefixSha256: z.string(),
    deprecation: z.string().nullable(),
    sunset: z.string().nullable(),
    startedAt: z.string(),
  }),
]);
export type SourceProgress = z.infer<typeof SourceProgressSchema>;

export const CheckpointSchema = z.object({
  schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
  tenantId: z.string(),
  cloud: z.string(),
  endpoint: z.string(),
  startedAt: z.string(),
  sources: z.record(z.string(), SourceProgressSchema),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;
