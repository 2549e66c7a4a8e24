/**
 * The Graph client: the real @microsoft/microsoft-graph-client with its retry middleware, plus an endpoint
 * handler that can send every request to another Graph-compatible endpoint (--graph-url).
 *
 * Why a custom last middleware: the client attaches the bearer token only to https URLs on a Graph host and only
 * parses absolute https nextLinks (design.md §6, graph-api.md §C.6). So requests keep their canonical Graph URL
 * through the chain, and only the last hop rewrites the origin to the configured endpoint; nextLinks the endpoint
 * returns are mapped back to the canonical root before they are followed.
 */
import {
  AuthenticationHandler,
  Client,
  RedirectHandler,
  RedirectHandlerOptions,
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
}

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
    const priority = takePriority(context);
    const release = await this.opts.limiter?.acquire(priority);
    const releaseApp = await this.opts.appLimiter?.acquire(priority);
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

  /** the tenant's request budget, when requests are paced */
  get budget(): RateBudget | null {
    return this.opts.limiter?.budget ?? null;
  }

  constructor(private readonly opts: GraphTransportOptions) {
    this.graphRoot = opts.graphRoot;
    this.endpoint = opts.endpoint ?? opts.graphRoot;
    this.auth = new RecordingAuthProvider(opts.authProvider);
    const chain: Middleware[] = [
      new AuthenticationHandler(this.auth),
      new RetryHandler(new RetryHandlerOptions(opts.retryDelay ?? 3, opts.maxRetries ?? 5)),
      new RedirectHandler(new RedirectHandlerOptions()),
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
   */
  async get(pathOrUrl: string, apiVersion: 'v1.0' | 'beta', priority = 0): Promise<GraphResponse> {
    const req = this.client
      .api(pathOrUrl)
      .version(apiVersion)
      .header('Prefer', 'include-unknown-enum-members')
      .header(PRIORITY_HEADER, String(priority))
      .responseType(ResponseType.RAW);
    const res = (await req.get()) as Response;
    const text = await res.text();
    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        throw new TruncatedBodyError(res.status, text.length);
      }
    }
    return { status: res.status, headers: res.headers, body };
  }
}

/** Our own request header carrying the limiter priority through the Graph client; removed before sending. */
const PRIORITY_HEADER = 'x-entra-auth-audit-priority';

function takePriority(context: Context): number {
  const headers = context.options?.headers;
  let value: string | null | undefined;
  if (headers instanceof Headers) {
    value = headers.get(PRIORITY_HEADER);
    headers.delete(PRIORITY_HEADER);
  } else if (headers && typeof headers === 'object') {
    const h = headers as Record<string, string>;
    value = h[PRIORITY_HEADER];
    delete h[PRIORITY_HEADER];
  }
  return Number(value ?? 0) || 0;
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
