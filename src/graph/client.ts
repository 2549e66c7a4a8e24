/**
 * The Graph client: the real @microsoft/microsoft-graph-client with its retry middleware, plus an endpoint
 * handler that can send every request to another Graph-compatible endpoint (--graph-url).
 *
 * Why a custom last middleware: the client attaches the bearer token only to https URLs on a Graph host and only
 * parses absolute https nextLinks (design.md §6, graph-api.md §C.6). So requests keep their canonical Graph URL
 * through the chain, and only the last hop rewrites the origin to the configured endpoint; nextLinks the endpoint
 * returns are mapped back to the canonical root before they are followed.
 *
 * No redirect is ever followed (issue #13): the SDK's RedirectHandler is not in the chain, since it takes Locations
 * such as `https:evil.example/x` for relative and keeps the Authorization header on a request fetch then sends to
 * another host. The last hop fetches with redirect:'manual', and get() turns any 3xx into a RedirectRefusedError.
 * One response body is read only up to maxResponseBytes.
 */
import {
  AuthenticationHandler,
  Client,
  ResponseType,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type AuthenticationProvider,
  type AuthenticationProviderOptions,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { UsageError } from '../errors.js';
import { SCAN_LIMIT, scanNextLink } from './next-link-scan.js';
import { RateLimiter, type RateBudget } from './rate-limiter.js';

export interface GraphResponse {
  status: number;
  headers: Headers;
  /** parsed JSON body, or undefined when the body was empty */
  body: unknown;
}

export interface GraphTransportOptions {
  authProvider: AuthenticationProvider;
  /** canonical Graph root of the cloud, e.g. https://graph.microsoft.com */
  graphRoot: string;
  /** where requests really go; defaults to graphRoot */
  endpoint?: string;
  limiter?: RateLimiter;
  /**
   * the tenant's budget for directory sources (role management, groups), paced by their own, higher limits
   * (Graph's identity-and-access resource units, not the 5 / 10 s of the reports); none = unpaced
   */
  directoryLimiter?: RateLimiter;
  /** a second budget shared by every tenant the process audits (Graph: 122 requests / 10 s per app) */
  appLimiter?: RateLimiter;
  /** per-request timeout, ms */
  timeoutMs?: number;
  /** retries of 429/503/504 inside the client's RetryHandler (honours Retry-After) */
  maxRetries?: number;
  /** seconds; base delay when no Retry-After is sent */
  retryDelay?: number;
  /** called once per HTTP request actually sent (for progress and tests); never given headers */
  onRequest?: (info: { url: string; status: number }) => void;
  /** secret values (client secret, certificate password, static token) that redact() removes from any text */
  secrets?: readonly (string | undefined)[];
  /** ceiling on one response body, bytes; a longer body is refused unread past it (default 64 MiB) */
  maxResponseBytes?: number;
}

/** 64 MiB: a 1,000-row userRegistrationDetails page is ~1 MB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Remembers every access token handed to the client, so redact() can remove it from recorded text. */
class RecordingAuthProvider implements AuthenticationProvider {
  readonly issued = new Set<string>();
  constructor(private readonly inner: AuthenticationProvider) {}
  async getAccessToken(options?: AuthenticationProviderOptions): Promise<string> {
    const token = await this.inner.getAccessToken(options);
    if (token) this.issued.add(token);
    return token;
  }
}

const BEARER = /\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi;
/** three base64url segments starting with a JSON header: an access or ID token */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

export function normaliseEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--graph-url '${raw}' is not a URL; give e.g. http://127.0.0.1:8080 or https://graph.microsoft.com.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--graph-url '${raw}' must start with http:// or https://.`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new UsageError(
      `--graph-url '${raw}' uses plain http to a non-loopback host, which would send the bearer token in clear; use https.`,
    );
  }
  if (url.search || url.hash) throw new UsageError(`--graph-url '${raw}' must not carry a query or fragment.`);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Last middleware: sends the request, to the configured endpoint when it differs from the canonical root. */
export class EndpointHandler implements Middleware {
  constructor(private readonly opts: GraphTransportOptions) {}

  async execute(context: Context): Promise<void> {
    const canonical = typeof context.request === 'string' ? context.request : context.request.url;
    const target = this.mapToEndpoint(canonical);
    const priority = Number(takeHeader(context, PRIORITY_HEADER) ?? 0) || 0;
    const directory = takeHeader(context, BUDGET_HEADER) === 'directory';
    // The report budgets (per tenant, and per app across tenants) count report requests only (graph-api.md §C.2).
    const release = await (directory ? this.opts.directoryLimiter : this.opts.limiter)?.acquire(priority);
    const releaseApp = directory ? undefined : await this.opts.appLimiter?.acquire(priority);
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 120_000);
    const init: RequestInit = { ...(context.options ?? {}), signal: timeout, redirect: 'manual' };
    try {
      context.response = await fetch(target, init);
    } catch (e) {
      // The Graph client keeps only an error's name and message, so say here what happened, for the retry and the log.
      throw new NetworkError(describeNetworkError(e, this.opts.timeoutMs ?? 120_000));
    } finally {
      releaseApp?.();
      release?.();
    }
    this.opts.onRequest?.({ url: target, status: context.response.status });
  }

  private mapToEndpoint(url: string): string {
    const { graphRoot, endpoint } = this.opts;
    if (!endpoint || endpoint === graphRoot) return url;
    if (!url.startsWith(graphRoot + '/')) {
      throw new Error(`refusing to send a request outside the Graph root: ${url}`);
    }
    return endpoint + url.slice(graphRoot.length);
  }
}

export class GraphTransport {
  private readonly client: Client;
  private readonly auth: RecordingAuthProvider;
  readonly graphRoot: string;
  readonly endpoint: string;
  readonly maxResponseBytes: number;

  /** the tenant's request budget, when requests are paced */
  get budget(): RateBudget | null {
    return this.opts.limiter?.budget ?? null;
  }

  constructor(private readonly opts: GraphTransportOptions) {
    const max = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxResponseBytes must be a positive integer, not ${String(opts.maxResponseBytes)}`);
    this.maxResponseBytes = max;
    this.graphRoot = opts.graphRoot;
    this.endpoint = opts.endpoint ?? opts.graphRoot;
    this.auth = new RecordingAuthProvider(opts.authProvider);
    const chain: Middleware[] = [
      new AuthenticationHandler(this.auth),
      new RetryHandler(new RetryHandlerOptions(opts.retryDelay ?? 3, opts.maxRetries ?? 5)),
      // no RedirectHandler: redirects are refused in get(), never followed (issue #13)
      new TelemetryHandler(),
      new EndpointHandler(opts),
    ];
    for (let i = 0; i < chain.length - 1; i++) chain[i]!.setNext?.(chain[i + 1]!);
    this.client = Client.initWithMiddleware({ middleware: chain[0]!, baseUrl: opts.graphRoot });
  }

  /**
   * Text from an endpoint or a credential library (error messages) is recorded in the snapshot and printed: remove
   * every token this transport sent, every configured secret, and anything shaped like a bearer token or a JWT,
   * whatever the endpoint chose to echo back (issue #8: secrets never leak).
   */
  redact(text: string): string {
    let out = text;
    const known = [...this.auth.issued, ...(this.opts.secrets ?? [])].filter((s): s is string => typeof s === 'string' && s.trim().length >= 6);
    for (const secret of known.sort((a, b) => b.length - a.length)) {
      for (const form of new Set([secret, secret.trim(), encodeURIComponent(secret.trim())])) out = out.split(form).join('[redacted]');
    }
    return out.replace(BEARER, 'Bearer [redacted]').replace(JWT, '[redacted JWT]');
  }

  /**
   * Map a nextLink from the endpoint back to the canonical Graph root, so the client treats it as a Graph URL
   * (token attached, version parsed). A link to any other host is refused: it would leak the token.
   */
  canonicalLink(link: string): string {
    if (link.startsWith(this.graphRoot + '/')) return link;
    if (link.startsWith(this.endpoint + '/')) return this.graphRoot + link.slice(this.endpoint.length);
    throw new Error(`the endpoint returned an @odata.nextLink on another host (${safeOrigin(link)}); not followed`);
  }

  /**
   * GET a path (with its query) under apiVersion, or an absolute canonical URL (a nextLink). `priority` orders
   * requests waiting for the rate limiter (higher first).
   * `onNextLink` is called, at most once, with the `@odata.nextLink` of a 2xx answer as soon as the first bytes of its
   * body hold it (next-link-scan.ts), while the rest is still arriving; the parsed body's link is the one to follow.
   */
  async get(
    pathOrUrl: string,
    apiVersion: 'v1.0' | 'beta',
    priority = 0,
    budget: Budget = 'reports',
    onNextLink?: (link: string) => void,
  ): Promise<GraphResponse> {
    const req = this.client
      .api(pathOrUrl)
      .version(apiVersion)
      .header('Prefer', 'include-unknown-enum-members')
      .header(PRIORITY_HEADER, String(priority))
      .header(BUDGET_HEADER, budget)
      .responseType(ResponseType.RAW);
    const res = (await req.get()) as Response;
    if (res.status >= 300 && res.status <= 399) {
      await res.body?.cancel().catch(() => undefined); // its body is not Graph data: not read
      throw new RedirectRefusedError(res.status, redirectTarget(res.headers.get('location'), res.url || this.endpoint + '/'));
    }
    const watch = onNextLink && res.status >= 200 && res.status <= 299 ? earlyLinkWatcher(onNextLink) : undefined;
    const bytes = await readCapped(res, this.maxResponseBytes, watch);
    let body: unknown;
    if (bytes.length > 0) {
      try {
        body = JSON.parse(UTF8.decode(bytes));
      } catch {
        throw new TruncatedBodyError(res.status, bytes.length);
      }
    }
    return { status: res.status, headers: res.headers, body };
  }
}

/** Decodes like Response.text(): UTF-8, a leading BOM dropped, malformed sequences replaced. */
const UTF8 = new TextDecoder('utf-8');

/**
 * The body as bytes, read as a stream and cancelled as soon as it exceeds `max`. Chunks are kept as they come and
 * joined once (no per-byte work), so pages still read at stream speed.
 */
async function readCapped(res: Response, max: number, watch?: (chunk: Uint8Array) => boolean): Promise<Uint8Array> {
  const stream = res.body;
  if (!stream) return new Uint8Array(0);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await stream.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(max);
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(max);
    }
    chunks.push(value);
    if (watch?.(value)) watch = undefined;
  }
  if (chunks.length === 1) return chunks[0]!;
  return Buffer.concat(chunks, total);
}

/**
 * Watches the first SCAN_LIMIT bytes of a body for its nextLink; returns true once there is nothing more to watch
 * for. A character cut between two chunks waits for its end (streaming decode).
 */
function earlyLinkWatcher(onLink: (link: string) => void): (chunk: Uint8Array) => boolean {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let fed = 0;
  return (chunk) => {
    const part = chunk.subarray(0, Math.max(0, SCAN_LIMIT - fed));
    fed += part.byteLength;
    text += decoder.decode(part, { stream: true });
    const found = scanNextLink(text);
    if (found === undefined && fed < SCAN_LIMIT) return false;
    if (typeof found === 'string') {
      try {
        onLink(found);
      } catch {
        // the caller's hint handling failed: the body is still read and parsed as usual
      }
    }
    return true;
  };
}

/** Where a redirect pointed, as an origin only (a Location's path or query may carry anything). */
function redirectTarget(location: string | null, requestUrl: string): string {
  if (location === null) return 'no Location';
  // Read it as fetch would if it were followed: on its own first (so `https:evil.example/x` is evil.example), then
  // relative to the request.
  for (const parse of [() => new URL(location), () => new URL(location, requestUrl)]) {
    try {
      const origin = parse().origin;
      if (origin !== 'null') return `a redirect to ${origin}`;
    } catch {
      /* try the next reading */
    }
  }
  return 'a redirect to an unparseable Location';
}

/** Which budget paces a request: the identity-and-access reports' (5 / 10 s), or the directory's (roles, groups). */
export type Budget = 'reports' | 'directory';

/** Our own request headers carrying the limiter priority and budget through the Graph client; removed before sending. */
const PRIORITY_HEADER = 'x-entra-auth-audit-priority';
const BUDGET_HEADER = 'x-entra-auth-audit-budget';

function takeHeader(context: Context, name: string): string | undefined {
  const headers = context.options?.headers;
  let value: string | null | undefined;
  if (headers instanceof Headers) {
    value = headers.get(name);
    headers.delete(name);
  } else if (headers && typeof headers === 'object') {
    const h = headers as Record<string, string>;
    value = h[name];
    delete h[name];
  }
  return value ?? undefined;
}

/** A request that got no HTTP answer: reset, refused, timed out. Retried by the collector. */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

function describeNetworkError(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s (request timed out)`;
  const cause = err?.cause?.code ?? err?.cause?.message;
  return `${err?.message ?? String(e)}${cause ? ` (${cause})` : ''}`;
}

/**
 * Graph (or the --graph-url endpoint) answered 3xx. Never followed, so the bearer token never goes with it; not
 * transient, so the collector records the source as an error instead of retrying.
 */
export class RedirectRefusedError extends Error {
  override name = 'RedirectRefusedError';
  constructor(
    readonly status: number,
    where: string,
  ) {
    super(`Graph answered HTTP ${status} (${where}); redirects are not followed, so that the access token never leaves Graph`);
  }
}

/** A response body longer than maxResponseBytes: not read further, and not retried (it would be as long again). */
export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`response body exceeds ${formatBytes(maxBytes)} (maxResponseBytes); not read further`);
  }
}

function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  return n % MiB === 0 ? `${n / MiB} MiB` : `${n} bytes`;
}

export class TruncatedBodyError extends Error {
  constructor(
    readonly status: number,
    readonly length: number,
  ) {
    super(`response body is not valid JSON (HTTP ${status}, ${length} bytes): truncated or corrupt`);
  }
}

function safeOrigin(link: string): string {
  try {
    return new URL(link).origin;
  } catch {
    return 'an unparseable URL';
  }
}
