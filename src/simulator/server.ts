/**
 * A Graph-shaped HTTP server on loopback that serves a synthetic tenant (tenant.ts). This file is the server core:
 * admission (bearer token, §C.2 throttling), tenant/app modes (licence, permission, app-only), injected faults (§E),
 * Graph's error bodies and the streaming of pages. The routes live by report family:
 * - routes/reports.ts: the report routes of graph-api.md §1–§7 and §S, including the retired endpoints (§0, §C.5);
 * - routes/roles.ts: the directory-role routes of §D.1, group members and the PIM-for-Groups eligibility instances
 *   of the role-assignable groups (privilegedaccessgroup-list-eligibilityscheduleinstances, v1.0);
 * - routes/policies.ts: the policy routes of §F (Conditional Access policies, paged; authentication strengths; the
 *   authentication methods policy, v1.0 and beta shapes; security defaults; policies.ts), whose groups are served
 *   by the group members route.
 * Paging ($top, $filter, $skiptoken, nextLink) is paging.ts; the route contract and query-option parsers, http.ts.
 * Plain http: callers that need https put their own proxy in front.
 *
 * Paged collections are streamed (sendPage): the headers leave as soon as the request is validated and the rows
 * follow in chunks, so a 1000-row page neither delays its own first byte by the time it takes to generate nor
 * blocks the event loop (and the throttle's arrival times of other requests) meanwhile.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultBook, faultAction, type FaultAction, type FaultRule } from './faults.js';
import { errorText, HttpAnswer, MAX_PAGE_SIZE, type Gate, type PagePlan, type RequestContext, type Route } from './http.js';
import { ODataError } from './odata.js';
import { createPager } from './paging.js';
import { policyRoutes } from './routes/policies.js';
import { reportRoutes } from './routes/reports.js';
import { roleRoutes } from './routes/roles.js';
import type { SimTenant } from './tenant.js';
import { retryAfterSeconds, SlidingWindow, validateRateLimit, type RateLimit } from './throttle.js';

export { parseFault, type FaultAction, type FaultRule } from './faults.js';
export type { RouteName } from './http.js';
export { parseThrottle, type RateLimit } from './throttle.js';

/**
 * Tenant/app conditions (graph-api.md §0, §D.1):
 * - unlicensed: no Entra ID P1 (so no P2). Every report route answers 403
 *   Authentication_RequestFromNonPremiumTenantOrB2CTenant. roleDefinitions, roleAssignments and group members
 *   answer (they need no licence); the PIM routes answer what a tenant without P2 gets (below). Conditional Access
 *   (needs P1) answers the same 403 licence code as the reports: what Graph answers there without P1 is not
 *   documented and no public report of it was found, so this is an assumption. The other policy routes
 *   (authentication methods policy, strengths, security defaults) answer: every tenant has them.
 * - no-p2: P1 only. Reports answer; the PIM routes (roleEligibilityScheduleInstances and PIM for Groups'
 *   eligibilityScheduleInstances) answer 400 AadPremiumLicenseRequired "The tenant needs to have Microsoft Entra ID
 *   P2 or Microsoft Entra ID Governance license." (observed on roleEligibilityScheduleInstances:
 *   maester365/maester#1421, v1.0, 2026-01; PIM for Groups assumed to answer alike, both being PIM).
 * - no-permission: report routes answer 403 Authentication_MSGraphPermissionMissing (§0, #18225); role and
 *   policy routes 403 Authorization_RequestDenied, except Conditional Access: 403 AccessDenied "You cannot perform
 *   the requested operation, required scopes are missing in the token." (its own service's answer).
 * - app-only: the delegated-only routes (usersRegisteredByFeature, usersRegisteredByMethod,
 *   userRegistrationActivity: "Application: Not supported", §5, §6, §S) answer 403 Authorization_RequestDenied.
 *   The code a real app-only call gets is not documented and no report of it was found; Authorization_RequestDenied
 *   is Graph's generic "insufficient privileges" answer.
 */
export type SimulatorMode = 'unlicensed' | 'no-p2' | 'no-permission' | 'app-only';
export const SIMULATOR_MODES: readonly SimulatorMode[] = ['unlicensed', 'no-p2', 'no-permission', 'app-only'];

export interface SimulatorOptions {
  tenant: SimTenant;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** When set, the bearer token must equal it. */
  token?: string;
  faults?: FaultRule[];
  /** What the three retired reports answer; default 'empty' (what Microsoft does past the retirement dates). */
  retired?: 'empty' | 'gone' | 'legacy';
  /** Default 100; applies to every paged route. */
  defaultPageSize?: number;
  /**
   * Graph's limit for identity-and-access reports is 5 requests per 10 s per app and tenant (§C.2, §E.4). When
   * set, requests over the limit get a 429 whose Retry-After is the exact wait until a slot frees. Rejected
   * requests do not take a slot, so a client that honours Retry-After always gets through.
   */
  rateLimit?: RateLimit;
  /**
   * The directory routes' own limit (role definitions, assignments, eligibilities, group members): Graph meters
   * them apart from the reports, in resource units. When unset they are not throttled.
   */
  directoryRateLimit?: RateLimit;
  /** Tenant/app condition; default none (licensed tenant, delegated caller with every permission). */
  mode?: SimulatorMode;
  /**
   * More tenants, each served under its own path prefix `/tenants/{tenantId}` (e.g.
   * http://127.0.0.1:PORT/tenants/{tenantId}/v1.0/reports/…), as one app calling many tenants sees Graph: each
   * tenant has its own `rateLimit` and `directoryRateLimit` windows, and every tenant's report requests also count
   * against `appRateLimit`. `tenant` stays served at the root. The tenant ids must be distinct.
   */
  tenants?: readonly SimTenant[];
  /**
   * Graph's per-app limit for identity-and-access reports across every tenant: 122 requests per 10 s (§C.2). When
   * set, one sliding window over the report requests of all tenants (root and prefixed); over it, a 429 with the
   * exact Retry-After, like the per-tenant limit. Rejected requests take no slot in either window.
   */
  appRateLimit?: RateLimit;
}

export interface SimulatorStats {
  requests: number;
  /**
   * By HTTP status; also 'drop' (connection destroyed unanswered), 'cut' (body truncated) and 'abandoned' (client
   * gone before a 'slow' answer). Every request lands in exactly one bucket.
   */
  byStatus: Record<string, number>;
  byRoute: Record<string, number>;
  /** Requests by tenant id (the root tenant's id included), whatever their answer. */
  byTenant: Record<string, number>;
  /** Requests admitted past authentication to a report route (or an unknown path) by tenant id: what the report budgets count, 429s included. */
  reportsByTenant: Record<string, number>;
  /** Date.now() of the first and the latest request, or null before any. */
  firstRequestAt: number | null;
  lastRequestAt: number | null;
  /** 429s by the limit that gave them: the tenant's report or directory window, or the app's window across tenants. */
  throttled: { tenant: number; directory: number; app: number };
}

export interface RunningSimulator {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  stats: SimulatorStats;
  close(): Promise<void>;
}

/**
 * Rows generated and serialised per write of a streamed page; between writes the event loop runs (setImmediate),
 * so other requests are admitted and timestamped by the throttle while a 1000-row page is being produced.
 */
const ROWS_PER_CHUNK = 100;

/** Graph's success content type for OData JSON. */
const ODATA_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** Graph's 401 challenge: where to get a token, for the Microsoft Graph resource app id. */
const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", ' +
  'client_id="00000003-0000-0000-c000-000000000000"';

/** Graph error dates carry no fraction or zone: 2024-05-01T10:00:00. */
const errorDate = (): string => new Date().toISOString().slice(0, 19);

/** The path prefix under which SimulatorOptions.tenants are served. */
export const TENANT_PREFIX = '/tenants/';

/** Where a tenant of SimulatorOptions.tenants is served: use it as --graph-url. */
export function tenantUrl(simulatorUrl: string, tenantId: string): string {
  return `${simulatorUrl}${TENANT_PREFIX}${encodeURIComponent(tenantId)}`;
}

export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const retired = opts.retired ?? 'empty';
  const defaultPageSize = opts.defaultPageSize ?? 100;
  if (!Number.isInteger(defaultPageSize) || defaultPageSize < 1 || defaultPageSize > MAX_PAGE_SIZE) {
    throw new RangeError(`defaultPageSize must be an integer in [1, ${MAX_PAGE_SIZE}]`);
  }
  if (!['empty', 'gone', 'legacy'].includes(retired)) throw new RangeError(`unknown retired mode '${retired}'`);
  if (opts.rateLimit) validateRateLimit(opts.rateLimit);
  if (opts.directoryRateLimit) validateRateLimit(opts.directoryRateLimit);
  const appWindow = opts.appRateLimit ? new SlidingWindow(validateRateLimit(opts.appRateLimit)) : undefined;
  const mode = opts.mode;
  if (mode !== undefined && !SIMULATOR_MODES.includes(mode)) {
    throw new RangeError(`unknown mode '${String(mode)}' (expected ${SIMULATOR_MODES.join(', ')})`);
  }
  const faults = new FaultBook(opts.faults ?? []);
  const tokenDigest = opts.token === undefined ? undefined : sha256(opts.token);
  const stats: SimulatorStats = { requests: 0, byStatus: {}, byRoute: {}, byTenant: {}, reportsByTenant: {}, firstRequestAt: null, lastRequestAt: null, throttled: { tenant: 0, directory: 0, app: 0 } };
  /** Pending 'slow' answers, cleared on close. */
  const timers = new Set<NodeJS.Timeout>();

  /** One served tenant: its routes and its own request windows (§C.2: the limits are per app and tenant). */
  interface Served {
    tenant: SimTenant;
    /** '' for the root tenant, else `/tenants/{id}` */
    prefix: string;
    routes: Route[];
    rateWindow: SlidingWindow | undefined;
    directoryWindow: SlidingWindow | undefined;
  }
  const serve = (tenant: SimTenant, prefix: string): Served => {
    const env = { tenant, retired, page: createPager(tenant, defaultPageSize) };
    return {
      tenant,
      prefix,
      // Route modules by report family; the first pattern that matches the decoded path wins (the patterns are disjoint).
      routes: [...reportRoutes(env), ...roleRoutes(env), ...policyRoutes(env)],
      rateWindow: opts.rateLimit ? new SlidingWindow(opts.rateLimit) : undefined,
      directoryWindow: opts.directoryRateLimit ? new SlidingWindow(opts.directoryRateLimit) : undefined,
    };
  };
  const root = serve(opts.tenant, '');
  const prefixed = new Map<string, Served>();
  for (const t of opts.tenants ?? []) {
    if (prefixed.has(t.tenantId)) throw new RangeError(`tenant id ${t.tenantId} is listed twice in tenants`);
    prefixed.set(t.tenantId, t === opts.tenant ? { ...root, prefix: TENANT_PREFIX + encodeURIComponent(t.tenantId) } : serve(t, TENANT_PREFIX + encodeURIComponent(t.tenantId)));
  }
  /** The tenant a decoded path addresses, and the path below its prefix; undefined for an unknown tenant. */
  const route = (path: string): { served: Served; rest: string } | undefined => {
    if (prefixed.size === 0 || !path.startsWith(TENANT_PREFIX)) return { served: root, rest: path };
    const end = path.indexOf('/', TENANT_PREFIX.length);
    const id = path.slice(TENANT_PREFIX.length, end < 0 ? undefined : end);
    const served = prefixed.get(id);
    return served ? { served, rest: end < 0 ? '/' : path.slice(end) } : undefined;
  };

  // --- request pipeline -----------------------------------------------------------------------------------

  function count(bucket: Record<string, number>, key: string): void {
    bucket[key] = (bucket[key] ?? 0) + 1;
  }

  interface Exchange {
    req: IncomingMessage;
    res: ServerResponse;
    ids: { requestId: string; clientRequestId: string };
    /** A 'cut' fault: send half the body, then destroy the connection. */
    cut: boolean;
  }

  function send(ex: Exchange, status: number, body: unknown, headers: Record<string, string>): void {
    const { res, ids } = ex;
    if (res.headersSent) return;
    if (!res.socket || res.socket.destroyed) {
      count(stats.byStatus, 'abandoned'); // the client left during a 'slow' wait
      return;
    }
    const payload = Buffer.from(JSON.stringify(body));
    count(stats.byStatus, ex.cut ? 'cut' : String(status));
    res.writeHead(status, {
      'Content-Type': status < 400 ? ODATA_JSON : 'application/json',
      'Content-Length': String(payload.length),
      'request-id': ids.requestId,
      'client-request-id': ids.clientRequestId,
      ...headers,
    });
    if (ex.cut) {
      // Headers promise the full length; half the JSON arrives, then the connection dies.
      res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.destroy());
      return;
    }
    res.end(payload);
  }

  /**
   * A 200 page, streamed: the status line and headers go out at once (chunked, no Content-Length), then the body
   * `{"@odata.context":…,"@odata.nextLink":…,"value":[` + rows + `]}`, ROWS_PER_CHUNK rows per write with the event
   * loop running in between, waiting for 'drain' when the socket's buffer is full. The bytes equal
   * JSON.stringify of the whole page object, as before streaming: a collector cannot tell the difference except by
   * the time to first byte. The nextLink precedes `value` as in Graph's answers; with a $filter, the scan that
   * decides it runs (in steps) before the body starts. A 'cut' page produces the whole body, then sends half of it
   * and destroys the connection: a truncated chunked body.
   */
  function sendPage(ex: Exchange, plan: PagePlan, headers: Record<string, string>): void {
    const { res, ids } = ex;
    if (res.headersSent) return;
    if (!res.socket || res.socket.destroyed) {
      count(stats.byStatus, 'abandoned');
      return;
    }
    count(stats.byStatus, ex.cut ? 'cut' : '200');
    res.writeHead(200, {
      'Content-Type': ODATA_JSON,
      'request-id': ids.requestId,
      'client-request-id': ids.clientRequestId,
      ...headers,
    });
    res.flushHeaders();
    const gone = (): boolean => res.destroyed || res.socket === null || res.socket.destroyed;
    const pause = (): Promise<boolean> => new Promise((resolve) => setImmediate(() => resolve(!gone())));
    const drained = (): Promise<void> =>
      new Promise((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    const held: string[] = [];
    const emit = async (text: string): Promise<void> => {
      if (ex.cut) held.push(text);
      else if (!res.write(text)) await drained();
    };
    const run = async (): Promise<void> => {
      const rows = await plan.prepare(pause);
      if (!rows || gone()) return;
      const nextLink = plan.loopLink ?? rows.nextLink;
      let head = `{"@odata.context":${JSON.stringify(plan.context)}`;
      if (nextLink !== undefined) head += `,"@odata.nextLink":${JSON.stringify(nextLink)}`;
      await emit(`${head},"value":[`);
      for (let n = 0; n < rows.count; n += ROWS_PER_CHUNK) {
        if (!(await pause())) return;
        const last = Math.min(rows.count, n + ROWS_PER_CHUNK);
        let text = '';
        for (let m = n; m < last; m++) text += (m === 0 ? '' : ',') + JSON.stringify(rows.row(m));
        await emit(text);
      }
      if (gone()) return;
      if (ex.cut) {
        const payload = Buffer.from(`${held.join('')}]}`);
        res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.destroy());
        return;
      }
      res.end(']}');
    };
    // Past the headers an error can no longer become a Graph error body: the connection is closed instead.
    run().catch(() => res.destroy());
  }

  function sendError(ex: Exchange, answer: HttpAnswer): void {
    const { ids } = ex;
    const innerError: Record<string, string> = {
      date: errorDate(),
      'request-id': ids.requestId,
      'client-request-id': ids.clientRequestId,
    };
    if (answer.status === 429) {
      // The throttling body carries the status again inside innerError (§C.2).
      Object.assign(innerError, { code: '429', message: 'Please retry after', status: '429' });
    }
    const error = { code: answer.code, message: answer.message, innerError };
    send(ex, answer.status, { error }, answer.headers);
  }

  function fail(ex: Exchange, err: unknown): void {
    if (err instanceof HttpAnswer) sendError(ex, err);
    else if (err instanceof ODataError) sendError(ex, new HttpAnswer(err.status, err.code, err.message));
    else sendError(ex, new HttpAnswer(500, 'UnknownError', 'An internal server error occurred.'));
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume(); // GETs carry no body; drain anything sent anyway so keep-alive connections stay usable
    stats.requests++;
    stats.lastRequestAt = Date.now();
    stats.firstRequestAt ??= stats.lastRequestAt;
    const requestId = randomUUID();
    const sent = req.headers['client-request-id'];
    const ex: Exchange = {
      req,
      res,
      ids: {
        requestId,
        // Echo the caller's correlation id (§C.6 TelemetryHandler) when it looks like one; never echo other input.
        clientRequestId: typeof sent === 'string' && /^[\w-]{1,64}$/.test(sent) ? sent : requestId,
      },
      cut: false,
    };
    try {
      let url = new URL(req.url ?? '/', 'http://simulator.invalid');
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        count(stats.byRoute, 'notFound');
        throw new HttpAnswer(400, 'BadRequest', 'The request URL is not correctly percent-encoded.');
      }
      const target = route(path);
      if (!target) {
        count(stats.byRoute, 'notFound');
        throw new HttpAnswer(400, 'InvalidTenant', 'The tenant in the request path is not served by this simulator.');
      }
      const { served } = target;
      if (served.prefix !== '') {
        // The routes see the path below the tenant's prefix; links they build start from base + prefix.
        const raw = url.pathname.indexOf('/', TENANT_PREFIX.length);
        url = new URL((raw < 0 ? '/' : url.pathname.slice(raw)) + url.search, url.origin);
        path = target.rest;
      }
      count(stats.byTenant, served.tenant.tenantId);
      let matched: { route: Route; m: RegExpExecArray } | undefined;
      for (const r of served.routes) {
        const m = r.pattern.exec(path);
        if (m) {
          matched = { route: r, m };
          break;
        }
      }
      count(stats.byRoute, matched?.route.name ?? 'notFound');

      if (req.method !== 'GET') {
        const message = 'Specified HTTP method is not allowed for the request target.';
        throw new HttpAnswer(405, 'Request_BadRequest', message, { Allow: 'GET' });
      }
      authenticate(req);
      throttle(served, matched?.route.gate);
      const fault = faults.next(path);
      const action = fault ? faultAction(fault) : undefined;
      if (action === 'drop') {
        count(stats.byStatus, 'drop');
        req.socket.destroy();
        return;
      }
      ex.cut = action === 'cut';
      const run = (): void => {
        try {
          answer(ex, url, path, served, matched, fault, action);
        } catch (err) {
          fail(ex, err);
        }
      };
      if (action === 'slow') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          run();
        }, fault?.delayMs ?? 0);
        timers.add(timer);
        return;
      }
      run();
    } catch (err) {
      fail(ex, err);
    }
  }

  /** Everything after admission (auth, throttle, fault choice): fault errors, 404, modes, the route itself. */
  function answer(
    ex: Exchange,
    url: URL,
    path: string,
    served: Served,
    matched: { route: Route; m: RegExpExecArray } | undefined,
    fault: FaultRule | undefined,
    action: FaultAction | undefined,
  ): void {
    if (fault?.status !== undefined && (action === 'error' || action === 'slow')) {
      const text = errorText(fault.status, fault.code, fault.message);
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter };
      throw new HttpAnswer(fault.status, text.code, text.message, headers);
    }
    if (!matched) {
      const segment = path.split('/').filter(Boolean).pop() ?? '';
      throw new HttpAnswer(404, 'Request_ResourceNotFound', `Resource not found for the segment '${segment}'.`);
    }
    gate(matched.route.gate);
    const prefer = ex.req.headers['prefer'];
    const includeUnknownEnums = /\binclude-unknown-enum-members\b/i.test(
      Array.isArray(prefer) ? prefer.join(',') : (prefer ?? ''),
    );
    const ctx: RequestContext = {
      url,
      m: matched.m,
      base: baseUrl(ex.req) + served.prefix,
      version: (matched.m[1] ?? '').toLowerCase() === 'beta' ? 'beta' : 'v1.0',
      args: matched.m[2] ?? '',
      includeUnknownEnums,
    };
    if (action === 'dup') ctx.pageFault = 'dup';
    const reply = matched.route.handle(ctx);
    const headers: Record<string, string> = { ...reply.headers };
    if (includeUnknownEnums) headers['Preference-Applied'] = 'include-unknown-enum-members';
    // A 'loop' page points at itself, i.e. repeats the nextLink that led here.
    const selfLink = `${baseUrl(ex.req)}${ex.req.url ?? ''}`;
    if ('page' in reply) {
      if (action === 'loop') reply.page.loopLink = selfLink;
      sendPage(ex, reply.page, headers);
      return;
    }
    let body = reply.body;
    if (action === 'loop' && isPage(body)) {
      const { value, ...rest } = body;
      body = { ...rest, '@odata.nextLink': selfLink, value };
    }
    send(ex, 200, body, headers);
  }

  /** The mode's answer for a route family, if any (see SimulatorMode). */
  function gate(family: Gate): void {
    const report = family === 'report' || family === 'reportDelegatedOnly';
    const deny = (status: number, code: string): never => {
      const text = errorText(status, code);
      throw new HttpAnswer(status, text.code, text.message);
    };
    switch (mode) {
      case 'unlicensed':
        // Conditional Access without P1: the tenant licence code of the reports (assumed: the answer a tenant without
        // P1 gets from /identity/conditionalAccess/policies is not documented).
        if (report || family === 'policyNeedsP1') deny(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant');
        if (family === 'roleNeedsP2') deny(400, 'AadPremiumLicenseRequired');
        break;
      case 'no-p2':
        if (family === 'roleNeedsP2') deny(400, 'AadPremiumLicenseRequired');
        break;
      case 'no-permission':
        if (family === 'policyNeedsP1') deny(403, 'AccessDenied');
        deny(403, report ? 'Authentication_MSGraphPermissionMissing' : 'Authorization_RequestDenied');
        break;
      case 'app-only':
        if (family === 'reportDelegatedOnly') deny(403, 'Authorization_RequestDenied');
        break;
      case undefined:
        break;
    }
  }

  /** Missing or wrong bearer token → 401 as Graph answers it; the token itself is never logged or echoed. */
  function authenticate(req: IncomingMessage): void {
    const header = req.headers['authorization'] ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const challenge = { 'WWW-Authenticate': WWW_AUTHENTICATE };
    if (!m?.[1]) throw new HttpAnswer(401, 'InvalidAuthenticationToken', 'Access token is empty.', challenge);
    if (tokenDigest && !timingSafeEqual(sha256(m[1]), tokenDigest)) {
      throw new HttpAnswer(401, 'InvalidAuthenticationToken', 'Access token validation failure.', challenge);
    }
  }

  /**
   * A sliding window over accepted requests (§C.2): over the limit → 429 whose Retry-After is the exact wait until
   * a slot frees, in seconds with millisecond precision (e.g. 0.087). Rejected requests take no slot.
   */
  function throttle(served: Served, routeGate: Gate | undefined): void {
    // Graph throttles the reports (5 / 10 s) apart from the directory (role management, groups: resource units);
    // an unknown path takes a report slot.
    const gate = routeGate ?? 'report';
    const report = gate === 'report' || gate === 'reportDelegatedOnly';
    if (report) count(stats.reportsByTenant, served.tenant.tenantId);
    const window = report ? served.rateWindow : served.directoryWindow;
    const now = Date.now();
    // The tenant's window first, then the app's: a request the tenant's limit refuses takes no app slot either, and
    // one the app's limit refuses gives its tenant slot back (rejected requests count against neither).
    const waitMs = window?.take(now) ?? 0;
    if (waitMs > 0) {
      if (report) stats.throttled.tenant++;
      else stats.throttled.directory++;
      tooMany(waitMs);
    }
    if (report && appWindow) {
      const appWait = appWindow.take(now);
      if (appWait > 0) {
        window?.giveBack(now);
        stats.throttled.app++;
        tooMany(appWait);
      }
    }
  }

  function tooMany(waitMs: number): never {
    const text = errorText(429);
    throw new HttpAnswer(429, text.code, text.message, { 'Retry-After': retryAfterSeconds(waitMs) });
  }

  function baseUrl(req: IncomingMessage): string {
    const hostHeader = req.headers.host;
    return /^[A-Za-z0-9.\-:[\]]+$/.test(hostHeader ?? '') ? `http://${hostHeader}` : origin;
  }

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: origin,
    port,
    stats,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open
      });
      return closing;
    },
  };
}


function isPage(body: unknown): body is Record<string, unknown> & { value: unknown[] } {
  return typeof body === 'object' && body !== null && Array.isArray((body as { value?: unknown }).value);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
