/**
 * Runs every source against Graph and writes a snapshot. One source failing never stops the others: its status,
 * HTTP status and Graph error code and message are recorded. Sources run concurrently and share the tenant's
 * request budget (the limiter inside the transport).
 *
 * Crash safety: pages are committed (the source's file flushed to disk, then checkpoint.json rewritten atomically
 * with the next link, rows, bytes and hash of the committed prefix) whenever the next page keeps the collector
 * waiting, and at least every 250 ms, so at Graph's pace every page; `collect --resume DIR` continues from the last
 * commit without fetching committed pages again. The manifest is written last, so a folder without manifest.json is
 * never taken for a complete snapshot.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { graphErrorCode, graphErrorMessage, LICENCE_CODE, PIM_LICENCE_CODE } from '../graph/errors.js';
import { TruncatedBodyError, type GraphResponse, type GraphTransport } from '../graph/client.js';
import {
  CHECKPOINT_FILE,
  CheckpointSchema,
  MANIFEST_FILE,
  SNAPSHOT_SCHEMA_VERSION,
  type Checkpoint,
  type Manifest,
  type SourceProgress,
  type SourceRecord,
} from '../snapshot/schema.js';
import { readNdjson } from '../snapshot/reader.js';
import { NdjsonWriter, toJsonText, writeFileAtomic, writeManifest } from '../snapshot/writer.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { SeenKeys } from './seen-keys.js';
import { SOURCES, type SourceDef } from './sources/index.js';

export interface CollectOptions {
  transport: GraphTransport;
  tenantId: string;
  cloud: string;
  outDir: string;
  sources?: readonly SourceDef[];
  /** continue the run recorded in OUT/checkpoint.json */
  resume?: boolean;
  /** sources fetched at the same time (they share the request budget) */
  concurrency?: number;
  /** attempts of one page on a connection reset or a cut body (429/503/504 are retried inside the client) */
  pageAttempts?: number;
  /** most pages one source may take (default DEFAULT_MAX_PAGES): a source that pages on past it ends as error */
  maxPages?: number;
  /** most rows one source may write (default DEFAULT_MAX_ROWS; tighter once the tenant's user count is known) */
  maxRows?: number;
  clock?: () => Date;
  onProgress?: (event: ProgressEvent) => void;
  /**
   * Told, as the collection learns of them, how many more report requests it will send (RequestPlan): the per-app
   * budget of run --tenants orders the tenants by the work they have left (RateLimiter.expect).
   */
  onPlanned?: (requests: number) => void;
}

export interface ProgressEvent {
  source: string;
  pages: number;
  records: number;
  /** pages this source should take in all, when the tenant's user count is known (one row per user sources) */
  expectedPages?: number;
  /** pages committed by the interrupted run this one resumes (0 in a fresh run) */
  pagesBefore?: number;
  /** set once, when the source has finished */
  status?: SourceRecord['status'];
}

export interface CollectOutcome {
  manifest: Manifest;
  manifestSha256: string;
}

interface Failure {
  status: SourceRecord['status'];
  httpStatus: number | null;
  errorCode: string | null;
  errorMessage: string;
}

type Running = Extract<SourceProgress, { state: 'running' }>;

/** What the sources tell about the tenant as they arrive (for progress only). */
interface TenantFacts {
  /** the user count stated by a summary report, once one has answered */
  users: number | null;
}

export async function collect(opts: CollectOptions): Promise<CollectOutcome> {
  const clock = opts.clock ?? (() => new Date());
  const sources = opts.sources ?? SOURCES;
  await mkdir(opts.outDir, { recursive: true });
  if (existsSync(join(opts.outDir, MANIFEST_FILE))) {
    throw new UsageError(
      `${opts.outDir} already holds a complete snapshot (manifest.json). Collect into a new folder; snapshots are evidence and are never overwritten.`,
    );
  }
  const checkpoint = opts.resume ? await loadCheckpoint(opts) : freshCheckpoint(opts, clock);
  const saver = new CheckpointSaver(join(opts.outDir, CHECKPOINT_FILE), checkpoint);
  await saver.save();

  const records = new Map<string, SourceRecord>();
  const done = new Map<string, { promise: Promise<SourceRecord>; resolve: (r: SourceRecord) => void }>();
  for (const s of sources) {
    let resolve!: (r: SourceRecord) => void;
    const promise = new Promise<SourceRecord>((r) => (resolve = r));
    done.set(s.id, { promise, resolve });
  }
  const tenant: TenantFacts = { users: null };
  const plan = new RequestPlan(opts.onPlanned);
  for (const s of sources) {
    const prior = checkpoint.sources[s.id];
    if ((s.budget ?? 'reports') !== 'reports' || prior?.state === 'done') continue;
    plan.expect(s.id, s.requests.length - (prior?.state === 'running' ? prior.requestIndex : 0));
  }
  // Sources that depend on others go last, so a worker never waits while independent work is queued.
  const queue = [...sources.filter((s) => !s.dependsOn), ...sources.filter((s) => s.dependsOn)];
  const worker = async () => {
    for (let def = queue.shift(); def; def = queue.shift()) {
      const deps = await Promise.all((def.dependsOn ?? []).map((id) => done.get(id)?.promise ?? Promise.resolve(undefined)));
      const record = await collectSource(def, opts, clock, saver, deps, tenant, plan);
      records.set(def.id, record);
      done.get(def.id)!.resolve(record);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 3, sources.length)) }, worker));

  const ordered = sources.map((s) => records.get(s.id)!);
  const manifest: Manifest = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    tenantId: opts.tenantId,
    cloud: opts.cloud,
    endpoint: opts.transport.endpoint,
    startedAt: checkpoint.startedAt,
    finishedAt: clock().toISOString(),
    complete: true,
    partial: ordered.some((r) => r.status !== 'ok' && r.status !== 'retired'),
    sources: ordered,
  };
  const manifestSha256 = await writeManifest(opts.outDir, manifest);
  await rm(join(opts.outDir, CHECKPOINT_FILE), { force: true });
  return { manifest, manifestSha256 };
}

function freshCheckpoint(opts: CollectOptions, clock: () => Date): Checkpoint {
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    tenantId: opts.tenantId,
    cloud: opts.cloud,
    endpoint: opts.transport.endpoint,
    startedAt: clock().toISOString(),
    sources: {},
  };
}

async function loadCheckpoint(opts: CollectOptions): Promise<Checkpoint> {
  const path = join(opts.outDir, CHECKPOINT_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new UsageError(`--resume ${opts.outDir}: no readable ${CHECKPOINT_FILE}; there is no interrupted collection to continue there.`);
  }
  const parsed = CheckpointSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${path}: not a checkpoint of this version; collect again into a new folder.`);
  const cp = parsed.data;
  for (const [key, want] of [
    ['tenant', opts.tenantId],
    ['cloud', opts.cloud],
    ['endpoint', opts.transport.endpoint],
  ] as const) {
    const had = key === 'tenant' ? cp.tenantId : cp[key];
    if (had !== want) throw new UsageError(`--resume ${opts.outDir}: the interrupted run used ${key} '${had}', not '${want}'.`);
  }
  return cp;
}

/** Serialises checkpoint writes (sources run concurrently) and writes each atomically. */
class CheckpointSaver {
  private chain: Promise<void> = Promise.resolve();
  constructor(
    private readonly path: string,
    readonly checkpoint: Checkpoint,
  ) {}

  update(id: string, progress: SourceProgress): Promise<void> {
    this.checkpoint.sources[id] = progress;
    return this.save();
  }

  save(): Promise<void> {
    const text = toJsonText(this.checkpoint);
    this.chain = this.chain.then(() => writeFileAtomic(this.path, text));
    return this.chain;
  }
}

async function collectSource(
  def: SourceDef,
  opts: CollectOptions,
  clock: () => Date,
  saver: CheckpointSaver,
  deps: (SourceRecord | undefined)[],
  tenant: TenantFacts,
  plan: RequestPlan,
): Promise<SourceRecord> {
  const prior = saver.checkpoint.sources[def.id];
  if (prior?.state === 'done') {
    const { pages, records, status } = prior.record;
    opts.onProgress?.({ source: def.id, pages, records, status, pagesBefore: pages });
    return prior.record;
  }
  const file = `${def.id}.ndjson`;
  let requests = def.requests;
  let skipped: Failure | null = null;
  if (def.requestsFrom) {
    const usable = deps.filter((d): d is SourceRecord => d !== undefined && d.status === 'ok');
    if (usable.length === 0) {
      skipped = { status: 'not_collected', httpStatus: null, errorCode: null, errorMessage: `needs ${def.dependsOn?.join(' or ')}, which could not be collected` };
      requests = [];
    } else {
      const ids = new Set(usable.map((d) => d.id));
      requests = await def.requestsFrom(async function* (id) {
        if (ids.has(id)) yield* readNdjson(join(opts.outDir, usable.find((d) => d.id === id)!.file));
      });
    }
  }
  const keyOf = def.rowKey ?? ((row: Record<string, unknown>) => (typeof row.id === 'string' ? row.id : undefined));
  const seenIds = new SeenKeys({ tmpDir: join(opts.outDir, `${file}.seen-keys`), keyOf });
  let writer: NdjsonWriter;
  let state: Running;
  if (prior?.state === 'running') {
    writer = await NdjsonWriter.resume(opts.outDir, file, prior.bytes, prior.prefixSha256, (line) => {
      const row = JSON.parse(line) as unknown;
      const key = row !== null && typeof row === 'object' && !Array.isArray(row) ? keyOf(row as Record<string, unknown>) : undefined;
      if (key !== undefined) seenIds.remember(key);
    });
    state = { ...prior };
  } else {
    writer = await NdjsonWriter.create(opts.outDir, file);
    state = {
      state: 'running',
      requestIndex: 0,
      next: null,
      seenLinks: [],
      loopGuard: null,
      pages: 0,
      records: 0,
      duplicatesDropped: 0,
      bytes: 0,
      prefixSha256: (await writer.sync()).sha256,
      deprecation: null,
      sunset: null,
      startedAt: clock().toISOString(),
    };
  }

  const pagesBefore = state.pages; // committed by an interrupted run (--resume)
  const reports = (def.budget ?? 'reports') === 'reports';
  /** the pages a per-user report takes in all, once the tenant's user count is known */
  const pagesExpected = () => (def.usersPerPage && tenant.users !== null ? Math.ceil(tenant.users / def.usersPerPage) || 1 : undefined);
  /** a per-user report, once the tenant's user count is known: the pages it has still to send (`ahead`: asked already) */
  const tellPagesLeft = (ahead: number) => {
    const pages = pagesExpected();
    if (reports && pages !== undefined) plan.expect(def.id, plan.sentBy(def.id) + Math.max(0, pages - state.pages - ahead));
  };
  tellPagesLeft(0);
  let chainPages = 0; // pages of the current slice's chain of nextLinks (its limiter priority)
  let failure: Failure | null = skipped;
  const loops = new LoopGuard(state.seenLinks.map((l) => (l.startsWith('https://') ? linkKey(l) : l)), state.loopGuard);
  const ceiling = new Ceiling(def, opts, tenant);
  // a slice whose first request Graph refused with 400 for its $top, asked again without it (issue #13 §3)
  const withoutTop = new Map<number, string>();
  // The next page is requested as soon as its link is known, while this one is written and flushed: on a long
  // paged report that work is otherwise on the critical path between two requests. The link is known early: from
  // the first bytes of the page's body (EarlyLink), checked against the parsed body's own link before it is used.
  let prefetched: PageFetch | null = null;
  const attempts = opts.pageAttempts ?? 3;
  /** every request of this source goes through here: told to the plan (a report request) when it is sent */
  const send = (target: string, tries: number, priority: number, onNextLink?: (link: string) => void) =>
    fetchPage(opts.transport, def, target, tries, priority, onNextLink, reports ? () => plan.sent(def.id) : undefined);
  const start = (target: string, tries: number, priority: number): PageFetch => {
    const early = new EarlyLink();
    const response = send(target, tries, priority, early.found);
    response.catch(() => undefined); // awaited (and its error handled) on its turn of the loop, or dropped unused
    return { target, response, early };
  };
  /**
   * The canonical form of a page's nextLink if it may be followed after `pagesSoFar` pages, else why not: a link
   * on another host, one that comes round again, or past the page ceiling. `remember` records it for loop detection
   * (the parsed body's link); an early link is only checked.
   */
  const followable = (link: string, pagesSoFar: number, remember: boolean): { next: string } | { refused: string } => {
    let next: string;
    try {
      next = opts.transport.canonicalLink(link);
    } catch (e) {
      return { refused: (e as Error).message };
    }
    if (remember ? loops.repeats(linkKey(next)) : loops.peek(linkKey(next))) {
      return { refused: `@odata.nextLink repeats after page ${pagesSoFar}: paging loop stopped; the rows are incomplete and are not used` };
    }
    const over = ceiling.pagesExceeded(pagesSoFar);
    return over ? { refused: over } : { next };
  };
  /** On the page now awaited announcing its nextLink: ask for that page at once, if the parsed link could be followed. */
  const speculate = (link: string, pagesSoFar: number, nextChainPages: number) => {
    if (prefetched !== null) return;
    const checked = followable(link, pagesSoFar, false);
    if ('next' in checked) prefetched = start(checked.next, attempts, chainPriority(checked.next, nextChainPages));
  };
  // The first requests of the next slices (a report of one object per parameter set: usersRegisteredByFeature and
  // Method, 12 each; the groups of a group source) are asked for ahead, up to SLICE_LOOKAHEAD, once a slice has
  // answered, and their answers taken in order: a tenant's requests then wait for its budget together, so that a
  // window's worth goes in one window instead of one request per answer (at the end of a collection, the slices
  // are what is left).
  const ahead = new Map<number, PageFetch>();
  const askAhead = (from: number) => {
    for (let k = from + 1; k < Math.min(requests.length, from + 1 + SLICE_LOOKAHEAD); k++) {
      if (!ahead.has(k)) ahead.set(k, start(requests[k]!, attempts, 0));
    }
  };
  let lastCommit = performance.now();
  let uncommitted = false;
  const commit = async () => {
    const { bytes, sha256 } = await writer.sync();
    state.bytes = bytes;
    state.prefixSha256 = sha256;
    state.seenLinks = loops.recent();
    state.loopGuard = loops.far();
    await saver.update(def.id, { ...state });
    lastCommit = performance.now();
    uncommitted = false;
  };
  pages: while (state.requestIndex < requests.length) {
    const slice = withoutTop.get(state.requestIndex) ?? requests[state.requestIndex]!;
    const target = state.next ?? slice;
    let res: GraphResponse;
    if (uncommitted && prefetched?.target === target && !(await arrivesWithin(prefetched.response, COMMIT_EVERY_MS - (performance.now() - lastCommit)))) {
      await commit(); // nothing to do until the next page comes: commit what we have
    }
    try {
      const early = state.next === null ? ahead.get(state.requestIndex) : undefined;
      ahead.delete(state.requestIndex);
      const current =
        prefetched?.target === target ? prefetched : early?.target === target ? early : start(target, attempts, chainPriority(target, chainPages));
      prefetched = null;
      const pagesSoFar = state.pages + 1;
      const nextChainPages = chainPages + 1;
      current.early.arm((link) => speculate(link, pagesSoFar, nextChainPages));
      res = await current.response;
      current.early.disarm();
      if (res.status === 403 && graphErrorCode(res.body) === LICENCE_CODE) {
        // Graph sometimes answers the licence error transiently on licensed tenants (graph-api.md §0): retry once.
        res = await send(target, 1, chainPriority(target, chainPages));
      } else if (res.status === 401 && state.pages + state.requestIndex > 0) {
        // A token that expired mid-run: the auth provider is asked again for this retry (a fresh token).
        res = await send(target, 1, chainPriority(target, chainPages));
      }
    } catch (e) {
      failure = { status: 'error', httpStatus: null, errorCode: null, errorMessage: opts.transport.redact(describeError(e)) };
      break;
    }
    state.deprecation ??= res.headers.get('deprecation');
    state.sunset ??= res.headers.get('sunset');
    if (res.status === 400 && state.next === null && def.retryWithoutTop && !withoutTop.has(state.requestIndex)) {
      // Some tenants answer 400 to a $top the report documents (graph-api.md §4): ask once more with Graph's own page size.
      const plain = dropTop(slice);
      if (plain !== slice) {
        withoutTop.set(state.requestIndex, plain);
        continue;
      }
    }
    if (res.status === 404 && state.next === null && def.goneRow) {
      // One request per item (a group named by a role or a policy): a 404 means the item was deleted since it was
      // named. That is a fact about the tenant, recorded as a row, not a failure of the whole source.
      await writer.write([def.goneRow(slice, graphErrorCode(res.body))]);
      state.records++;
      state.requestIndex++;
      loops.reset();
      chainPages = 0;
      await commit();
      continue;
    }
    if (res.status < 200 || res.status > 299) {
      failure = classifyFailure(def, res, clock());
      // an endpoint may echo the request (Authorization header included) in its error text
      failure.errorMessage = opts.transport.redact(failure.errorMessage);
      if (failure.errorCode !== null) failure.errorCode = opts.transport.redact(failure.errorCode);
      break;
    }
    const rows = rowsOf(res.body);
    if (rows === null) {
      failure = { status: 'error', httpStatus: res.status, errorCode: null, errorMessage: 'the response is not a JSON object' };
      break;
    }
    // the slices after this one, once one has answered (a source the token may not read, e.g. a delegated-only
    // report with an application token, fails on its first request without spending the budget on the others)
    askAhead(state.requestIndex);
    // the next page is asked for first: it is the critical path; this page's rows are checked while it comes
    let next: string | null = null;
    const link = nextLinkOf(res.body);
    if (link !== null) {
      const checked = followable(link, state.pages + 1, true);
      if ('refused' in checked) {
        failure = { status: 'error', httpStatus: res.status, errorCode: null, errorMessage: checked.refused };
        break;
      }
      next = checked.next;
      // (speculate() may have set prefetched while the page was awaited: the compiler's narrowing cannot see that)
      if ((prefetched as PageFetch | null)?.target !== next) prefetched = start(next, attempts, chainPriority(next, chainPages + 1));
    } else {
      prefetched = null; // a link the first bytes announced and the parsed body does not have: not followed
    }
    // Let the event loop run before this page's rows are checked and written: an answer whose headers came while
    // the page was parsed releases its rate-limiter slot now, not after the write (the slot's window starts then).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const fresh: unknown[] = [];
    for (const wire of rows) {
      const isObject = wire !== null && typeof wire === 'object' && !Array.isArray(wire);
      const row = isObject && def.mapRow ? def.mapRow(wire as Record<string, unknown>, slice) : wire;
      const key = isObject ? keyOf(row as Record<string, unknown>) : undefined;
      if (key !== undefined && seenIds.seen(key)) {
        state.duplicatesDropped++;
        continue;
      }
      fresh.push(row);
    }
    seenIds.endPage();
    if (def.userCountOf) {
      for (const row of fresh) {
        const users = row !== null && typeof row === 'object' ? def.userCountOf(row as Record<string, unknown>) : undefined;
        if (users !== undefined) tenant.users = Math.max(tenant.users ?? 0, users);
      }
    }
    const tooMany = ceiling.rowsExceeded(state.records + fresh.length);
    if (tooMany) {
      prefetched = null;
      failure = { status: 'error', httpStatus: res.status, errorCode: null, errorMessage: tooMany };
      break;
    }
    await writer.write(fresh);
    state.pages++;
    chainPages = next === null ? 0 : chainPages + 1;
    state.records += fresh.length;
    if (next === null) {
      state.requestIndex++;
      state.next = null;
      loops.reset();
    } else {
      state.next = next;
    }
    // Group commit: flushed to disk and checkpointed at the end of each slice, every COMMIT_EVERY_MS, and whenever
    // the next page keeps us waiting (below) — so every page at Graph's real pace of one request per 2 s, and a
    // killed run fetches again at most the pages of the last COMMIT_EVERY_MS.
    uncommitted = true;
    if (next === null || performance.now() - lastCommit >= COMMIT_EVERY_MS) await commit();
    const pages = pagesExpected();
    const expectedPages = pages === undefined ? undefined : Math.max(state.pages, pages);
    tellPagesLeft(prefetched === null ? 0 : 1);
    opts.onProgress?.({ source: def.id, pages: state.pages, records: state.records, expectedPages, pagesBefore });
  }

  // rows repeating a key from more than two pages back are found and dropped here, in constant memory (seen-keys.ts)
  const { bytes, sha256, duplicatesDropped } = await seenIds.commit(writer);
  state.records -= duplicatesDropped;
  state.duplicatesDropped += duplicatesDropped;
  let status: SourceRecord['status'] = failure?.status ?? 'ok';
  let errorMessage = failure?.errorMessage ?? null;
  if (!failure && def.retired && state.records === 0) {
    // Past its retirement date Graph answers an empty collection (graph-api.md §0, §S).
    status = 'retired';
    errorMessage = `retired by Microsoft on ${def.retired.since}: no data; metrics use ${def.retired.successor}`;
  }
  const record: SourceRecord = {
    id: def.id,
    title: def.title,
    apiVersion: def.apiVersion,
    path: def.requests[0] ?? (requests[0] ? `${requests[0]} (+${requests.length - 1} more)` : '(no request: nothing to collect)'),
    status,
    httpStatus: failure ? failure.httpStatus : requests.length > 0 ? 200 : null,
    errorCode: failure?.errorCode ?? null,
    errorMessage,
    pages: state.pages,
    records: state.records,
    duplicatesDropped: state.duplicatesDropped,
    file,
    bytes,
    sha256,
    deprecation: state.deprecation,
    sunset: state.sunset,
    retiredSuccessor: def.retired?.successor ?? null,
    startedAt: state.startedAt,
    finishedAt: clock().toISOString(),
  };
  await saver.update(def.id, { state: 'done', record });
  opts.onProgress?.({ source: def.id, pages: record.pages, records: record.records, status, pagesBefore });
  return record;
}

/**
 * The report requests a collection will send, told ahead through CollectOptions.onPlanned: every slice of every
 * report source at the start, the pages of a per-user report once the tenant's user count is known, and any other
 * request (a further page, a retry of this collector's) at the latest when it is sent. What is told is never taken
 * back; a request the Graph client retries by itself (429, 503, 504) is not told, so a tenant with retries looks that
 * much nearer its end. Only the order in which tenants share the per-app budget depends on it.
 */
class RequestPlan {
  private readonly told = new Map<string, number>();
  private readonly sentCount = new Map<string, number>();
  constructor(private readonly tell: ((requests: number) => void) | undefined) {}

  /** Source `id` will send at least `requests` report requests in all (in this run of the collector). */
  expect(id: string, requests: number): void {
    const before = this.told.get(id) ?? 0;
    if (requests <= before) return;
    this.told.set(id, requests);
    this.tell?.(requests - before);
  }

  /** Source `id` sends a report request now. */
  sent(id: string): void {
    const n = this.sentBy(id) + 1;
    this.sentCount.set(id, n);
    this.expect(id, n);
  }

  sentBy(id: string): number {
    return this.sentCount.get(id) ?? 0;
  }
}

/** First requests of the next slices of a source asked for while one is answered (collectSource). */
const SLICE_LOOKAHEAD = 4;

/** Longest time between two commits (flush + checkpoint) of a source's pages. */
const COMMIT_EVERY_MS = 250;

/** A page's request and the nextLink its first bytes announced. */
interface PageFetch {
  target: string;
  response: Promise<GraphResponse>;
  early: EarlyLink;
}

/**
 * The nextLink a page's first bytes announced (GraphTransport.get's onNextLink), handed to whoever armed it: the
 * collector arms only the page it is waiting for, so at most one page beyond it is ever requested ahead.
 */
class EarlyLink {
  private link: string | null = null;
  private go: ((link: string) => void) | null = null;

  readonly found = (link: string): void => {
    if (this.link !== null) return; // a retried request announces it again
    this.link = link;
    this.fire();
  };

  arm(go: (link: string) => void): void {
    this.go = go;
    this.fire();
  }

  disarm(): void {
    this.go = null;
  }

  private fire(): void {
    if (this.link === null || this.go === null) return;
    const go = this.go;
    this.go = null;
    go(this.link);
  }
}

/** true if the promise settles within ms (rejections count: the caller handles them when it awaits). */
async function arrivesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([p.then(() => true as const, () => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A nextLink as remembered for loop detection: 64 bits of its SHA-256. The checkpoint is rewritten after every
 * page; full links (~150 bytes each) made it grow with the chain and cost O(pages²) over a 1,000-page report.
 */
function linkKey(link: string): string {
  return createHash('sha256').update(link).digest('hex').slice(0, 16);
}

/**
 * The limiter priority of a request: 0 for a source's first requests; for a nextLink, the number of pages of its
 * chain already fetched. A chain of dependent pages is the critical path of a collection and the longest one
 * matters most, so the further a chain has gone, the sooner its next page goes (rate-limiter.ts).
 */
function chainPriority(pathOrUrl: string, pagesBefore: number): number {
  return pathOrUrl.startsWith('https://') ? Math.max(1, pagesBefore) : 0;
}

/** One page, retried on a connection reset, a timeout or a body cut mid-stream (the client retries only 429/503/504). */
async function fetchPage(
  transport: GraphTransport,
  def: SourceDef,
  pathOrUrl: string,
  attempts: number,
  priority: number,
  onNextLink?: (link: string) => void,
  onSend?: () => void,
): Promise<GraphResponse> {
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      onSend?.();
      return await transport.get(pathOrUrl, def.apiVersion, priority, def.budget ?? 'reports', onNextLink);
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
  // Errors thrown inside the Graph client's middleware come back as GraphError with the original name as `code`.
  if ((e as { code?: unknown } | null)?.code === 'NetworkError') return true;
  const err = e as { name?: string; cause?: { code?: string }; code?: string } | null;
  if (!err) return false;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true;
  const code = err.cause?.code ?? err.code;
  return ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT'].includes(code ?? '');
}

export function classifyFailure(def: SourceDef, res: Pick<GraphResponse, 'status' | 'body'>, now: Date): Failure {
  const code = graphErrorCode(res.body);
  const message = graphErrorMessage(res.body) ?? `HTTP ${res.status}`;
  const base = { httpStatus: res.status, errorCode: code, errorMessage: message };
  if (res.status === 403 && code === LICENCE_CODE) {
    return { ...base, status: 'unavailable', errorMessage: `${message} (needs Microsoft Entra ID P1 or P2)` };
  }
  if (res.status === 400 && code === PIM_LICENCE_CODE) {
    return { ...base, status: 'unavailable', errorMessage: `${message} (needs Microsoft Entra ID P2 or Microsoft Entra ID Governance for Privileged Identity Management)` };
  }
  if (def.retired && (res.status === 404 || res.status === 410)) {
    return { ...base, status: 'retired', errorMessage: `retired by Microsoft on ${def.retired.since}: ${message}` };
  }
  // Past its retirement date a retired report answers real tenants with other 4xx too (400 "not supported",
  // 403): that is the retirement, not a fault of this tenant; Graph's code and message are kept.
  if (def.retired && res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 429 && now.getTime() >= Date.parse(def.retired.since)) {
    return { ...base, status: 'retired', errorMessage: `retired by Microsoft on ${def.retired.since}: ${message}` };
  }
  if (res.status === 401 || res.status === 403) {
    const hint = def.delegatedOnly ? `needs ${def.permission}; not supported with application permissions` : `needs ${def.permission}`;
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

function describeError(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err?.cause?.code ?? err?.cause?.message;
  return `${err?.message ?? String(e)}${cause ? ` (${cause})` : ''}`;
}

/** Most pages one source may take when nothing tighter is known: a 10,000,000-user tenant at 100 rows a page. */
export const DEFAULT_MAX_PAGES = 100_000;
/** Most rows one source may write when the tenant's user count is not known: five times the largest tenant. */
export const DEFAULT_MAX_ROWS = 50_000_000;

/**
 * The ceilings that stop a source paging for ever (a fresh $skiptoken on every page, issue #13 §2): the configured
 * or default page and row ceilings, and, for a one-row-per-user report once a summary report has stated the
 * tenant's user count, rows ≤ 2 × users + 10,000 and pages ≤ a tenth of that (Graph pages are rarely under 100 rows).
 */
class Ceiling {
  constructor(
    private readonly def: SourceDef,
    private readonly opts: CollectOptions,
    private readonly tenant: TenantFacts,
  ) {}

  private derivedRows(): number | null {
    return this.def.usersPerPage && this.tenant.users !== null && this.opts.maxRows === undefined ? 2 * this.tenant.users + 10_000 : null;
  }

  pagesExceeded(pages: number): string | null {
    const max = this.opts.maxPages ?? DEFAULT_MAX_PAGES;
    if (pages > max) return `still paging after ${max.toLocaleString('en-US')} pages (--max-pages): paging stopped; the rows are incomplete and are not used`;
    const rows = this.derivedRows();
    if (rows !== null && this.opts.maxPages === undefined && pages > Math.ceil(rows / 10)) {
      return `still paging after ${(pages - 1).toLocaleString('en-US')} pages, more than a tenant of ${this.tenant.users!.toLocaleString('en-US')} users needs: paging stopped; the rows are incomplete and are not used (--max-pages sets another ceiling)`;
    }
    return null;
  }

  rowsExceeded(rows: number): string | null {
    const derived = this.derivedRows();
    if (derived !== null && rows > derived) {
      return `more than ${derived.toLocaleString('en-US')} rows for a tenant of ${this.tenant.users!.toLocaleString('en-US')} users (twice its user count, plus 10,000): paging stopped; the rows are incomplete and are not used (--max-rows sets another ceiling)`;
    }
    const max = this.opts.maxRows ?? DEFAULT_MAX_ROWS;
    if (rows > max) return `more than ${max.toLocaleString('en-US')} rows (--max-rows): paging stopped; the rows are incomplete and are not used`;
    return null;
  }
}

/** How many of the latest nextLinks are remembered exactly (in memory and in the checkpoint). */
const RECENT_LINKS = 256;

/**
 * Detects a nextLink that comes round again, in constant memory and a checkpoint of constant size: the latest
 * RECENT_LINKS link keys exactly (a server repeating a recent link is caught at once), and Brent's cycle
 * detection for longer cycles (one saved key, compared with every new link; saved again after 1, 2, 4, 8… links),
 * which catches any cycle within twice its length plus the pages before it. A full set of every link followed
 * grew the checkpoint by a key per page and made rewriting it quadratic.
 */
class LoopGuard {
  /** the latest keys, oldest first, each once (a key is only added when it is not already there) */
  private readonly ring: string[] = [];
  private readonly inRing = new Set<string>();
  private saved: string | null;
  private power: number;
  private steps: number;

  constructor(recent: readonly string[], far: { saved: string; power: number; steps: number } | null | undefined) {
    for (const key of recent) if (!this.inRing.has(key)) this.push(key);
    this.saved = far?.saved ?? null;
    this.power = far?.power ?? 1;
    this.steps = far?.steps ?? 0;
  }

  /** true if `key` would repeat; remembers nothing. */
  peek(key: string): boolean {
    return this.inRing.has(key) || key === this.saved;
  }

  /** true if `key` was seen (recently, or as part of a cycle); otherwise remembers it. */
  repeats(key: string): boolean {
    if (this.inRing.has(key) || key === this.saved) return true;
    this.push(key);
    if (++this.steps >= this.power) {
      this.saved = key;
      this.power *= 2;
      this.steps = 0;
    }
    return false;
  }

  recent(): string[] {
    return [...this.ring];
  }

  far(): { saved: string; power: number; steps: number } | null {
    return this.saved === null ? null : { saved: this.saved, power: this.power, steps: this.steps };
  }

  reset(): void {
    this.ring.length = 0;
    this.inRing.clear();
    this.saved = null;
    this.power = 1;
    this.steps = 0;
  }

  private push(key: string): void {
    this.ring.push(key);
    this.inRing.add(key);
    if (this.ring.length > RECENT_LINKS) this.inRing.delete(this.ring.shift()!);
  }
}

/** The request without its $top option (the rest of the query kept as it was). */
function dropTop(request: string): string {
  const q = request.indexOf('?');
  if (q < 0) return request;
  const kept = request
    .slice(q + 1)
    .split('&')
    .filter((p) => !/^(\$|%24)top=/i.test(p));
  return kept.length > 0 ? `${request.slice(0, q)}?${kept.join('&')}` : request.slice(0, q);
}
