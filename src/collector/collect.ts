/**
 * Runs every source against Graph and writes a snapshot. One source failing never stops the others: its status,
 * HTTP status and Graph error code and message are recorded. The manifest is written last (atomic), so a folder
 * without manifest.json is never taken for a complete snapshot.
 */
import { mkdir } from 'node:fs/promises';
import { TruncatedBodyError, type GraphResponse, type GraphTransport } from '../graph/client.js';
import { SNAPSHOT_SCHEMA_VERSION, type Manifest, type SourceRecord } from '../snapshot/schema.js';
import { NdjsonWriter, writeManifest } from '../snapshot/writer.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { SOURCES, type SourceDef } from './sources/index.js';

export interface CollectOptions {
  transport: GraphTransport;
  tenantId: string;
  cloud: string;
  outDir: string;
  sources?: readonly SourceDef[];
  /** attempts of one page on a connection reset or a cut body (429/503/504 are retried inside the client) */
  pageAttempts?: number;
  clock?: () => Date;
  onProgress?: (event: { source: string; pages: number; records: number; status?: string }) => void;
}

export interface CollectOutcome {
  manifest: Manifest;
  manifestSha256: string;
}

const LICENCE_CODE = 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';

interface Failure {
  status: SourceRecord['status'];
  httpStatus: number | null;
  errorCode: string | null;
  errorMessage: string;
}

export async function collect(opts: CollectOptions): Promise<CollectOutcome> {
  const clock = opts.clock ?? (() => new Date());
  await mkdir(opts.outDir, { recursive: true });
  const startedAt = clock().toISOString();
  const records: SourceRecord[] = [];
  for (const def of opts.sources ?? SOURCES) {
    records.push(await collectSource(def, opts, clock));
  }
  const manifest: Manifest = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    tenantId: opts.tenantId,
    cloud: opts.cloud,
    endpoint: opts.transport.endpoint,
    startedAt,
    finishedAt: clock().toISOString(),
    complete: true,
    partial: records.some((r) => r.status !== 'ok' && r.status !== 'retired'),
    sources: records,
  };
  const manifestSha256 = await writeManifest(opts.outDir, manifest);
  return { manifest, manifestSha256 };
}

async function collectSource(def: SourceDef, opts: CollectOptions, clock: () => Date): Promise<SourceRecord> {
  const startedAt = clock().toISOString();
  const file = `${def.id}.ndjson`;
  const writer = await NdjsonWriter.create(opts.outDir, file);
  let pages = 0;
  let deprecation: string | null = null;
  let sunset: string | null = null;
  let failure: Failure | null = null;

  outer: for (const first of def.requests) {
    let next: string | null = first;
    const seenLinks = new Set<string>();
    while (next !== null) {
      let res: GraphResponse;
      try {
        res = await fetchPage(opts.transport, next, def.apiVersion, opts.pageAttempts ?? 3);
      } catch (e) {
        failure = { status: 'error', httpStatus: null, errorCode: null, errorMessage: describeError(e) };
        break outer;
      }
      deprecation ??= res.headers.get('deprecation');
      sunset ??= res.headers.get('sunset');
      if (res.status === 403 && graphErrorCode(res.body) === LICENCE_CODE) {
        // Graph sometimes answers the licence error transiently on licensed tenants (graph-api.md §0): retry once.
        res = await fetchPage(opts.transport, next, def.apiVersion, 1).catch(() => res);
      }
      if (res.status < 200 || res.status > 299) {
        failure = classifyFailure(def, res);
        break outer;
      }
      const rows = rowsOf(res.body);
      if (rows === null) {
        failure = { status: 'error', httpStatus: res.status, errorCode: null, errorMessage: 'response is not a JSON object' };
        break outer;
      }
      await writer.write(rows);
      pages++;
      opts.onProgress?.({ source: def.id, pages, records: 0 });
      const link = nextLinkOf(res.body);
      if (link === null) {
        next = null;
      } else {
        let canonical: string;
        try {
          canonical = opts.transport.canonicalLink(link);
        } catch (e) {
          failure = { status: 'error', httpStatus: res.status, errorCode: null, errorMessage: (e as Error).message };
          break outer;
        }
        if (seenLinks.has(canonical)) {
          failure = {
            status: 'error',
            httpStatus: res.status,
            errorCode: null,
            errorMessage: `@odata.nextLink repeats after page ${pages}: paging loop stopped, rows so far kept but not used`,
          };
          break outer;
        }
        seenLinks.add(canonical);
        next = canonical;
      }
    }
  }

  const { bytes, records, sha256 } = await writer.commit();
  let status: SourceRecord['status'] = failure?.status ?? 'ok';
  let errorMessage = failure?.errorMessage ?? null;
  if (!failure && def.retired && records === 0) {
    // Past its retirement date Graph answers an empty collection (graph-api.md §0, §S).
    status = 'retired';
    errorMessage = `retired by Microsoft on ${def.retired.since}: no data; metrics use ${def.retired.successor}`;
  }
  opts.onProgress?.({ source: def.id, pages, records, status });
  return {
    id: def.id,
    title: def.title,
    apiVersion: def.apiVersion,
    path: def.requests[0]!,
    status,
    httpStatus: failure ? failure.httpStatus : 200,
    errorCode: failure?.errorCode ?? null,
    errorMessage,
    pages,
    records,
    file,
    bytes,
    sha256,
    deprecation,
    sunset,
    retiredSuccessor: def.retired?.successor ?? null,
    startedAt,
    finishedAt: clock().toISOString(),
  };
}

/** One page, retried on a connection reset, a timeout or a body cut mid-stream (the client retries only 429/503/504). */
async function fetchPage(
  transport: GraphTransport,
  pathOrUrl: string,
  apiVersion: 'v1.0' | 'beta',
  attempts: number,
): Promise<GraphResponse> {
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await transport.get(pathOrUrl, apiVersion);
    } catch (e) {
      last = e;
      if (!isTransient(e) || attempt === attempts) break;
      await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1)));
    }
  }
  throw last;
}

function isTransient(e: unknown): boolean {
  if (e instanceof TruncatedBodyError) return true;
  const err = e as { name?: string; cause?: { code?: string }; code?: string } | null;
  if (!err) return false;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true;
  const code = err.cause?.code ?? err.code;
  return ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT'].includes(code ?? '');
}

function classifyFailure(def: SourceDef, res: GraphResponse): Failure {
  const code = graphErrorCode(res.body);
  const message = graphErrorMessage(res.body) ?? `HTTP ${res.status}`;
  const base = { httpStatus: res.status, errorCode: code, errorMessage: message };
  if (res.status === 403 && code === LICENCE_CODE) {
    return { ...base, status: 'unavailable', errorMessage: `${message} (needs Microsoft Entra ID P1 or P2)` };
  }
  if (def.retired && (res.status === 404 || res.status === 410)) {
    return { ...base, status: 'retired', errorMessage: `retired by Microsoft on ${def.retired.since}: ${message}` };
  }
  if (res.status === 401 || res.status === 403) {
    const hint = def.delegatedOnly
      ? `needs ${def.permission}; not supported with application permissions`
      : `needs ${def.permission}`;
    return { ...base, status: 'forbidden', errorMessage: `${message} (${hint})` };
  }
  return { ...base, status: 'error' };
}

function rowsOf(body: unknown): unknown[] | null {
  if (body === undefined) return [];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const obj = body as Record<string, unknown>;
  if (Array.isArray(obj.value)) return obj.value;
  // A single-object answer (usersRegisteredBy*): keep it without OData control fields.
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!k.startsWith('@odata.')) row[k] = v;
  return [row];
}

function nextLinkOf(body: unknown): string | null {
  const link = (body as Record<string, unknown> | null)?.['@odata.nextLink'];
  return typeof link === 'string' && link.length > 0 ? link : null;
}

function graphErrorCode(body: unknown): string | null {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : null;
}

function graphErrorMessage(body: unknown): string | null {
  const msg = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof msg === 'string' ? msg.slice(0, 500) : null;
}

function describeError(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err?.cause?.code ?? err?.cause?.message;
  return `${err?.message ?? String(e)}${cause ? ` (${cause})` : ''}`;
}
