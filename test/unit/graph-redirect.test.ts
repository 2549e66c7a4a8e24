/**
 * Issue #13 (security): a redirect from Graph never carries the bearer token off Graph, and one response body is
 * read only up to a byte ceiling (GraphTransportOptions.maxResponseBytes).
 *
 * Redirects: global fetch is stubbed (it stands in for the real one, resolving a URL without a base, as undici
 * does), so every request the transport makes is seen with its URL and headers; with an endpoint override a real
 * loopback server answers instead. Hostile Locations include the forms the SDK's RedirectHandler took for relative
 * (`https:evil.example/x`, `https:/\evil.example/x`, `https:\\evil.example/x`) that fetch resolves to another host.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { collect } from '../../src/collector/collect.js';
import { SOURCES } from '../../src/collector/sources/index.js';
import { GraphTransport, TruncatedBodyError } from '../../src/graph/client.js';
import { CLOUDS } from '../../src/graph/clouds.js';

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eaaRedirectTestToken7c4a9e.c2lnbmF0dXJlLXJlZGlyZWN0';
const authProvider = { getAccessToken: async () => TOKEN };
const ROOTS = Object.values(CLOUDS).map((c) => c.graphRoot);
const HOSTILE = ['https:evil.example/x', 'https:/\\evil.example/x', 'https:\\\\evil.example/x', 'https://evil.example/x'];
const STATUSES = [301, 302, 307, 308];
// not "bearer token": redact() would turn the words after "Bearer" into "[redacted]" in the recorded message
const REFUSED = /\); redirects are not followed, so that the access token never leaves Graph$/;

interface Seen {
  url: string;
  origin: string;
  authorization: string | null;
}

function seenOf(input: unknown, init?: RequestInit): Seen {
  const url = input instanceof Request ? input.url : String(input);
  const headers = new Headers(input instanceof Request ? input.headers : undefined);
  new Headers(init?.headers).forEach((v, k) => headers.set(k, v));
  let origin = 'unparseable';
  try {
    origin = new URL(url).origin; // no base, as fetch resolves it
  } catch {
    /* recorded as unparseable */
  }
  return { url, origin, authorization: headers.get('authorization') };
}

/**
 * Stub fetch: the first request gets `status` with `location`; anything after it (a followed redirect) gets a
 * 200 Graph-shaped page, which must never be accepted.
 */
function stubRedirect(status: number, location: string | null): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: unknown, init?: RequestInit) => {
      const s = seenOf(input, init);
      seen.push(s);
      if (seen.length === 1) {
        const res = new Response('{"error":{"message":"moved"}}', { status, headers: location === null ? {} : { location } });
        Object.defineProperty(res, 'url', { value: s.url });
        return res;
      }
      return new Response('{"value":[{"id":"stolen"}]}', { status: 200, headers: { 'content-type': 'application/json' } });
    }),
  );
  return seen;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

const CASES = ROOTS.flatMap((root) => STATUSES.flatMap((status) => HOSTILE.map((location) => ({ root, status, location }))));

describe('a 3xx from Graph (no endpoint override) is a source error, never followed', () => {
  it.each(CASES)('$root answers $status to $location', async ({ root, status, location }) => {
    const seen = stubRedirect(status, location);
    const transport = new GraphTransport({ authProvider, graphRoot: root, maxRetries: 0 });
    const err = await transport.get('/reports/authenticationMethods/userRegistrationDetails', 'beta').then(
      () => null,
      (e: unknown) => e as Error,
    );
    const graphOrigin = new URL(root).origin;
    // (a) nothing was sent anywhere but Graph
    expect(seen.map((s) => s.origin).filter((o) => o !== graphOrigin)).toEqual([]);
    // (b) only the first request carried Authorization (and it did: the stub sees headers)
    expect(seen[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen.slice(1).filter((s) => s.authorization !== null)).toEqual([]);
    expect(seen).toHaveLength(1);
    // (c) a clear refusal naming the status and only the origin of the Location
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(new RegExp(`^Graph answered HTTP ${status} \\(a redirect to https://evil\\.example\\); `));
    expect(err!.message).toMatch(REFUSED);
    expect(err!.message).not.toContain('evil.example/x');
    // (d) no token in it, before or after redact
    expect(err!.message).not.toContain(TOKEN);
    expect(transport.redact(err!.message)).toBe(err!.message);
  });

  it('the endpoint equal to the Graph root is the same as no override; a relative Location or none is refused too', async () => {
    for (const [location, where] of [
      ['/beta/somewhere/else', 'a redirect to https://graph.microsoft.com'],
      [null, 'no Location'],
    ] as const) {
      const seen = stubRedirect(302, location);
      const transport = new GraphTransport({ authProvider, graphRoot: CLOUDS.global.graphRoot, endpoint: CLOUDS.global.graphRoot, maxRetries: 0 });
      await expect(transport.get('/users', 'v1.0')).rejects.toThrow(`Graph answered HTTP 302 (${where}); redirects are not followed`);
      expect(seen).toHaveLength(1);
      vi.unstubAllGlobals();
    }
  });

  it('the collector records it as an error, not retried, with no token in the manifest', async () => {
    const seen = stubRedirect(302, 'https:evil.example/x');
    const transport = new GraphTransport({ authProvider, graphRoot: CLOUDS.global.graphRoot, maxRetries: 0 });
    const outDir = join(await mkdtemp(join(tmpdir(), 'eaa-redirect-')), 'snap');
    const sources = SOURCES.filter((s) => s.id === 'userRegistrationDetails');
    const { manifest } = await collect({ transport, tenantId: '0f4a8b52-6c1d-4e7a-9b3e-2d5c7f901a44', cloud: 'global', outDir, sources, concurrency: 1, pageAttempts: 3 });
    const urd = manifest.sources.find((s) => s.id === 'userRegistrationDetails')!;
    expect(urd.status).toBe('error');
    expect(urd.errorMessage).toMatch(/^Graph answered HTTP 302 \(a redirect to https:\/\/evil\.example\); redirects are not followed/);
    expect(urd.errorMessage).toMatch(REFUSED); // intact after redact()
    expect(JSON.stringify(manifest)).not.toContain(TOKEN);
    expect(seen).toHaveLength(1); // not transient: fetchPage did not try again
  });
});

describe('with an endpoint override (loopback server)', () => {
  let graph: Server;
  let thief: Server;
  let graphUrl = '';
  let thiefUrl = '';
  const thiefSaw: string[] = [];
  let answer: { status: number; location: string } = { status: 302, location: '/' };

  async function listen(server: Server): Promise<string> {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no port');
    return `http://127.0.0.1:${addr.port}`;
  }

  beforeAll(async () => {
    thief = createServer((req, res) => {
      thiefSaw.push(`${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"value":[{"id":"stolen"}]}');
    });
    thiefUrl = await listen(thief);
    graph = createServer((req, res) => {
      res.writeHead(answer.status, { location: answer.location });
      res.end();
    });
    graphUrl = await listen(graph);
  });
  afterAll(async () => {
    await new Promise((r) => graph.close(r));
    await new Promise((r) => thief.close(r));
  });

  const LOCATIONS = [...HOSTILE, 'THIEF/x', 'ENDPOINT/beta/other', '/beta/other'];
  it.each(STATUSES.flatMap((status) => LOCATIONS.map((location) => ({ status, location }))))(
    'the endpoint answers $status to $location',
    async ({ status, location }) => {
      answer = { status, location: location.replace('THIEF', thiefUrl).replace('ENDPOINT', graphUrl) };
      thiefSaw.length = 0;
      const realFetch = globalThis.fetch;
      const seen: Seen[] = [];
      vi.stubGlobal(
        'fetch',
        vi.fn(async (input: unknown, init?: RequestInit) => {
          const s = seenOf(input, init);
          seen.push(s);
          // loopback goes to the real servers; evil.example has no DNS here, so it "answers" like the thief would
          if (s.origin.startsWith('http://127.0.0.1:')) return realFetch(input as string, init);
          return new Response('{"value":[{"id":"stolen"}]}', { status: 200 });
        }),
      );
      const transport = new GraphTransport({ authProvider, graphRoot: CLOUDS.global.graphRoot, endpoint: graphUrl, maxRetries: 0 });
      const err = await transport.get('/reports/authenticationMethods/userRegistrationDetails', 'beta').then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(seen.map((s) => s.origin).filter((o) => o !== graphUrl)).toEqual([]);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.authorization).toBe(`Bearer ${TOKEN}`);
      expect(thiefSaw).toEqual([]);
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toMatch(new RegExp(`^Graph answered HTTP ${status} \\(a redirect to (https://evil\\.example|http://127\\.0\\.0\\.1:\\d+)\\); `));
      expect(err!.message).toMatch(REFUSED);
      expect(err!.message).not.toMatch(/\/x\b|\/other\b/);
      expect(err!.message).not.toContain(TOKEN);
    },
  );
});

/** A body of `chunks` chunks of `size` bytes each; counts how many were pulled and whether it was cancelled. */
function countingBody(chunks: number, size: number, byte = 0x20): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const chunk = new Uint8Array(size).fill(byte);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) {
        controller.close();
        return;
      }
      pulled++;
      controller.enqueue(chunk.slice());
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

function stubBody(body: () => BodyInit, headers: Record<string, string> = {}): { calls: () => number } {
  let calls = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => {
      calls++;
      return new Response(body(), { status: 200, headers: { 'content-type': 'application/json', ...headers } });
    }),
  );
  return { calls: () => calls };
}

const MiB = 1024 * 1024;

describe('maxResponseBytes: one response body is read only up to the ceiling', () => {
  it('a 100 MB body is refused after a few chunks, the stream cancelled, with a clear message', async () => {
    let body: ReturnType<typeof countingBody> | undefined;
    stubBody(() => {
      body = countingBody(100, MiB);
      return body.stream;
    });
    const transport = new GraphTransport({ authProvider, graphRoot: CLOUDS.global.graphRoot, maxResponseBytes: 4 * MiB });
    await expect(transport.get('/users', 'v1.0')).rejects.toThrow('response body exceeds 4 MiB (maxResponseBytes); not read further');
    expect(body!.pulled()).toBeLessThan(10);
    expect(body!.cancelled()).toBe(true);
  });

  it('the default ceiling is 64 MiB', async () => {
    let body: ReturnType<typeof countingBody> | undefined;
    stubBody(() => {
      body = countingBody(100, MiB);
      return body.stream;
    });
    const transport = new GraphTransport({ authProvider, graphRoot: CLOUDS.global.graphRoot });
    await expect(transport.get('/users', 'v1.0')).rejects.toThrow('response body exceeds 64 MiB (maxResponseBytes); not read further');
    expect(body!.pulled()).toBeLessThan(70);
  });

  it('a Content-Length above the ceiling is refused without reading the body', async () => {
    let body: ReturnType<typeof countingBody> | undefined;
    stubBody(
      () => {
        body = countingBody(100, MiB);
        return body.stream;
      },
      { 'content-length': String(100 * MiB) },
    );
    const transport = new GraphTransport({ authProvider, graphRoot: CLOUDS.global.graphRoot, maxResponseBytes: 4 * MiB });
    await expect(transport.get('/users', 'v1.0')).rejects.toThrow('response body exceeds 4 MiB (maxResponseBytes); not read further');
    expect(body!.pulled()).toBeLessThanOrEqual(1); // at most what the stream pulls ahead on its own
  });

  it('a body of exactly the ceiling parses (multi-byte UTF-8 split across chunks); one byte more is refused', async () => {
    const max = 64 * 1024;
    const name = 'Zoë Ångström 名前 🙂';
    const prefix = `{"value":[{"id":"u1","displayName":"${name}","pad":"`;
    const suffix = '"}]}';
    const padLength = max - Buffer.byteLength(prefix + suffix);
    const exact = Buffer.from(prefix + ' '.repeat(padLength) + suffix);
    expect(exact.length).toBe(max);
    // 7-byte chunks: every multi-byte character of the name straddles a chunk boundary somewhere
    const chunked = (bytes: Buffer) => () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 7) controller.enqueue(new Uint8Array(bytes.subarray(i, i + 7)));
          controller.close();
        },
      });
    const transport = new GraphTransport({ authProvider, graphRoot: CLOUDS.global.graphRoot, maxResponseBytes: max });
    stubBody(chunked(exact));
    const ok = await transport.get('/users', 'v1.0');
    expect((ok.body as { value: { displayName: string }[] }).value[0]!.displayName).toBe(name);

    const over = Buffer.from(prefix + ' '.repeat(padLength + 1) + suffix);
    const stub = stubBody(chunked(over));
    await expect(transport.get('/users', 'v1.0')).rejects.toThrow('response body exceeds 65536 bytes (maxResponseBytes); not read further');
    expect(stub.calls()).toBe(1);
  });

  it('over the ceiling is not transient: the collector records an error after one request; invalid JSON under it stays a TruncatedBodyError', async () => {
    const stub = stubBody(() => countingBody(100, MiB).stream);
    const transport = new GraphTransport({ authProvider, graphRoot: CLOUDS.global.graphRoot, maxResponseBytes: MiB });
    const outDir = join(await mkdtemp(join(tmpdir(), 'eaa-ceiling-')), 'snap');
    const sources = SOURCES.filter((s) => s.id === 'userRegistrationDetails');
    const { manifest } = await collect({ transport, tenantId: '0f4a8b52-6c1d-4e7a-9b3e-2d5c7f901a44', cloud: 'global', outDir, sources, concurrency: 1, pageAttempts: 3 });
    const urd = manifest.sources.find((s) => s.id === 'userRegistrationDetails')!;
    expect(urd.status).toBe('error');
    expect(urd.errorMessage).toBe('response body exceeds 1 MiB (maxResponseBytes); not read further');
    expect(stub.calls()).toBe(1);

    stubBody(() => '{"value":[{"id":"u1"');
    const err = await transport.get('/users', 'v1.0').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TruncatedBodyError);
    expect((err as Error).message).toBe('response body is not valid JSON (HTTP 200, 20 bytes): truncated or corrupt');
  });
});
