/**
 * A Graph-shaped HTTP server on loopback that serves a synthetic tenant (tenant.ts) through the report routes of
 * graph-api.md §1–§7 and §S, with Graph's paging (§C.3), error bodies, throttling (§C.2), retired endpoints
 * (§0, §C.5) and injected faults (§E). Plain http: callers that need https put their own proxy in front.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  CredentialUsageSummary,
  IncludedUserRoles,
  IncludedUserTypes,
} from '../graph/types.js';
import { INCLUDED_USER_ROLES, INCLUDED_USER_TYPES } from '../graph/types.js';
import { FaultBook, type FaultRule } from './faults.js';
import {
  compileFilter,
  decodeSkipToken,
  encodeSkipToken,
  ODataError,
  parseFunctionArgs,
  type FilterSchema,
  type RowPredicate,
} from './odata.js';
import type { SimTenant } from './tenant.js';

export { parseFault, type FaultRule } from './faults.js';

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
  rateLimit?: { requests: number; windowMs: number };
}

export interface SimulatorStats {
  requests: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, number>;
}

export interface RunningSimulator {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  stats: SimulatorStats;
  close(): Promise<void>;
}

export type RouteName =
  | 'userRegistrationDetails'
  | 'usersRegisteredByFeature'
  | 'usersRegisteredByMethod'
  | 'credentialUserRegistrationCount'
  | 'userCredentialUsageDetails'
  | 'credentialUsageSummary'
  | 'credentialUserRegistrationDetails'
  | 'userEventsSummary'
  | 'userRegistrationActivity'
  | 'notFound';

const MAX_PAGE_SIZE = 1000; // §4: undocumented for userRegistrationDetails; userEventsSummary documents 1000 (§S).
/** Rows examined per page under a selective $filter; a page may come back short or empty, as Graph allows (§C.3). */
const MAX_SCAN_PER_PAGE = 50_000;

/** Graph's success content type for OData JSON. */
const ODATA_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/**
 * usageAuthMethod up to its unknownFutureValue sentinel (§2). Later members are only sent when the request has
 * `Prefer: include-unknown-enum-members` (§C.5); otherwise Graph turns them into unknownFutureValue.
 */
const USAGE_AUTH_METHOD_BASE = new Set([
  'email', 'mobileSMS', 'mobileCall', 'officePhone', 'securityQuestion', 'appNotification', 'appCode',
  'alternateMobileCall', 'fido', 'appPassword', 'unknownFutureValue',
]);

/** The documented retirement dates (§0) and where each report's data now lives (§S). */
type RetiredRoute = 'userCredentialUsageDetails' | 'credentialUsageSummary' | 'credentialUserRegistrationDetails';
const RETIREMENT: Record<RetiredRoute, { date: string; successor: string }> = {
  userCredentialUsageDetails: {
    date: '2025-08-01',
    successor: '/beta/reports/authenticationMethods/userEventsSummary',
  },
  credentialUsageSummary: {
    date: '2025-08-01',
    successor: "/beta/reports/authenticationMethods/userRegistrationActivity(period='d30')",
  },
  credentialUserRegistrationDetails: {
    date: '2024-06-30',
    successor: '/v1.0/reports/authenticationMethods/userRegistrationDetails',
  },
};

const FILTERS = {
  userRegistrationDetails: {
    isAdmin: 'boolean', isMfaCapable: 'boolean', isMfaRegistered: 'boolean', isSsprEnabled: 'boolean',
    isSsprRegistered: 'boolean', isSsprCapable: 'boolean', isPasswordlessCapable: 'boolean',
    isSystemPreferredAuthenticationMethodEnabled: 'boolean', methodsRegistered: 'collection',
    systemPreferredAuthenticationMethods: 'collection', userDisplayName: 'string', userPrincipalName: 'string',
    userType: 'string',
  },
  events: {
    feature: 'string', userDisplayName: 'string', userPrincipalName: 'string', failureReason: 'string',
    isSuccess: 'boolean', authMethod: 'string',
  },
  usageSummary: { feature: 'string', authMethod: 'string' },
  credentialUserRegistrationDetails: {
    userDisplayName: 'string', userPrincipalName: 'string', authMethods: 'collection', isRegistered: 'boolean',
    isEnabled: 'boolean', isCapable: 'boolean', isMfaRegistered: 'boolean',
  },
} as const satisfies Record<string, FilterSchema>;

/** Graph's 401 challenge: where to get a token, for the Microsoft Graph resource app id. */
const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", ' +
  'client_id="00000003-0000-0000-c000-000000000000"';

/** Default error codes and messages, as Graph words them (§0, §C.2). */
const ERROR_TEXT: Record<number, { code: string; message: string }> = {
  400: { code: 'BadRequest', message: 'Invalid request.' },
  401: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' },
  403: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' },
  404: { code: 'Request_ResourceNotFound', message: 'Resource not found.' },
  410: { code: 'Gone', message: 'The requested resource is no longer available.' },
  429: { code: 'TooManyRequests', message: 'Please retry again later.' },
  500: { code: 'UnknownError', message: 'An internal server error occurred.' },
  502: { code: 'BadGateway', message: 'Bad gateway.' },
  503: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' },
  504: { code: 'GatewayTimeout', message: 'The gateway timed out.' },
};
const MESSAGE_BY_CODE: Record<string, string> = {
  Authentication_RequestFromNonPremiumTenantOrB2CTenant: "Neither tenant is B2C or tenant doesn't have premium license",
  Authentication_MSGraphPermissionMissing:
    'Calling principal does not have required MSGraph permissions AuditLog.Read.All',
};

function errorText(status: number, code?: string, message?: string): { code: string; message: string } {
  const fallback = ERROR_TEXT[status] ?? {
    code: (STATUS_CODES[status] ?? 'Error').replace(/[^A-Za-z]/g, ''),
    message: STATUS_CODES[status] ?? 'Error',
  };
  const finalCode = code ?? fallback.code;
  return { code: finalCode, message: message ?? MESSAGE_BY_CODE[finalCode] ?? fallback.message };
}

/** Graph error dates carry no fraction or zone: 2024-05-01T10:00:00. */
const errorDate = (): string => new Date().toISOString().slice(0, 19);

/** A request-scoped answer other than success, thrown from handlers. */
class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface RequestContext {
  url: URL;
  /** Scheme and authority for absolute links, from the request's Host header. */
  base: string;
  version: 'v1.0' | 'beta';
  /** The text between the parentheses of a function segment, decoded. */
  args: string;
  includeUnknownEnums: boolean;
}

interface Reply {
  body: unknown;
  headers?: Record<string, string>;
}

interface Route {
  name: Exclude<RouteName, 'notFound'>;
  pattern: RegExp;
  handle(ctx: RequestContext): Reply;
}

export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const { tenant } = opts;
  const host = opts.host ?? '127.0.0.1';
  const retired = opts.retired ?? 'empty';
  const defaultPageSize = opts.defaultPageSize ?? 100;
  if (!Number.isInteger(defaultPageSize) || defaultPageSize < 1 || defaultPageSize > MAX_PAGE_SIZE) {
    throw new RangeError(`defaultPageSize must be an integer in [1, ${MAX_PAGE_SIZE}]`);
  }
  if (!['empty', 'gone', 'legacy'].includes(retired)) throw new RangeError(`unknown retired mode '${retired}'`);
  const rateLimit = opts.rateLimit;
  if (rateLimit && (!(rateLimit.requests >= 1) || !(rateLimit.windowMs > 0))) {
    throw new RangeError('rateLimit needs requests >= 1 and windowMs > 0');
  }
  const faults = new FaultBook(opts.faults ?? []);
  const tokenDigest = opts.token === undefined ? undefined : sha256(opts.token);
  const stats: SimulatorStats = { requests: 0, byStatus: {}, byRoute: {} };
  const recentRequests: number[] = [];

  // --- route handlers -------------------------------------------------------------------------------------

  /** One page of a paged collection (§4 paging, §C.3): $top, $filter, an opaque $skiptoken, absolute nextLink. */
  function page(
    ctx: RequestContext,
    route: RouteName,
    source: { count: number; row(k: number): Record<string, unknown> },
    schema: FilterSchema,
    context: string,
  ): Reply {
    const params = singleQueryOptions(ctx.url, ['$top', '$skiptoken', '$filter']);
    const topText = params.get('$top');
    let top = defaultPageSize;
    if (topText !== undefined) {
      if (!/^\d+$/.test(topText) || Number(topText) < 1) {
        const message = `Invalid value '${topText}' for $top: expected a positive integer.`;
        throw new HttpAnswer(400, 'BadRequest', message);
      }
      top = Math.min(Number(topText), MAX_PAGE_SIZE);
    }
    const filterText = params.get('$filter');
    const predicate: RowPredicate | undefined =
      filterText === undefined ? undefined : compileFilter(filterText, schema);
    const binding = `${route}|${tenant.seed}|${tenant.userCount}|${filterText ?? ''}`;
    const tokenText = params.get('$skiptoken');
    let k = tokenText === undefined ? 0 : decodeSkipToken(tokenText, binding, source.count);

    const value: Record<string, unknown>[] = [];
    const scanEnd = Math.min(source.count, k + (predicate ? MAX_SCAN_PER_PAGE : top));
    for (; k < scanEnd && value.length < top; k++) {
      const row = source.row(k);
      if (!predicate || predicate(row)) value.push(row);
    }
    const body: Record<string, unknown> = { '@odata.context': context };
    if (k < source.count) {
      const query = [`$top=${top}`];
      if (filterText !== undefined) query.push(`$filter=${encodeURIComponent(filterText)}`);
      query.push(`$skiptoken=${encodeSkipToken(k, binding)}`);
      body['@odata.nextLink'] = `${ctx.base}${ctx.url.pathname}?${query.join('&')}`;
    }
    body['value'] = value;
    return { body };
  }

  function includedArgs(ctx: RequestContext): { types: IncludedUserTypes; roles: IncludedUserRoles } {
    const args = parseFunctionArgs(ctx.args, ['includedUserTypes', 'includedUserRoles']);
    // The CSDL has two overloads (§5): () and (includedUserTypes, includedUserRoles); one argument matches neither.
    if (args.size === 0) return { types: 'all', roles: 'all' };
    if (args.size !== 2) {
      throw new HttpAnswer(400, 'BadRequest', 'Pass both includedUserTypes and includedUserRoles, or neither.');
    }
    return {
      types: enumArg('includedUserTypes', args.get('includedUserTypes') ?? '', INCLUDED_USER_TYPES),
      roles: enumArg('includedUserRoles', args.get('includedUserRoles') ?? '', INCLUDED_USER_ROLES),
    };
  }

  function periodArg(ctx: RequestContext, allowed: readonly string[]): 'd1' | 'd7' | 'd30' {
    const args = parseFunctionArgs(ctx.args, ['period']);
    const value = args.get('period');
    if (value === undefined) throw new HttpAnswer(400, 'BadRequest', "The function parameter 'period' is required.");
    // §3: D1/D7/D30 are case-insensitive; §S documents d1/d7/d30.
    const period = enumArg('period', value, allowed).toLowerCase();
    return period as 'd1' | 'd7' | 'd30';
  }

  function usageSummary(ctx: RequestContext, period: 'd1' | 'd7' | 'd30'): CredentialUsageSummary[] {
    const rows = tenant.registrationActivity(period);
    const emitted = ctx.includeUnknownEnums ? rows : maskActivity(rows);
    const params = singleQueryOptions(ctx.url, ['$filter']);
    const filterText = params.get('$filter');
    if (filterText === undefined) return emitted;
    const predicate = compileFilter(filterText, FILTERS.usageSummary);
    return emitted.filter((r) => predicate({ ...r }));
  }

  const eventRow = (ctx: RequestContext) => (j: number): Record<string, unknown> => {
    const e = tenant.event(j);
    return ctx.includeUnknownEnums || USAGE_AUTH_METHOD_BASE.has(e.authMethod)
      ? { ...e }
      : { ...e, authMethod: 'unknownFutureValue' };
  };

  /**
   * Retired reports (§0, §2, §3, §7): data only in 'legacy' mode, always with Deprecation/Sunset (§C.5).
   * `serve` gets the absolute @odata.context built from `contextPath`.
   */
  function retiredRoute(
    name: RetiredRoute,
    contextPath: string,
    serve: (ctx: RequestContext, context: string) => Reply,
  ): (ctx: RequestContext) => Reply {
    const { date, successor } = RETIREMENT[name];
    const httpDate = new Date(`${date}T00:00:00Z`).toUTCString();
    const headers = {
      Deprecation: httpDate,
      Sunset: httpDate,
      Link: '<https://developer.microsoft.com/graph/changelog>; rel="deprecation"; type="text/html"',
    };
    return (ctx) => {
      if (retired === 'gone') {
        const message = `This API stopped returning data on ${date}. Use ${successor} instead.`;
        throw new HttpAnswer(410, 'Gone', message, headers);
      }
      const context = `${ctx.base}${contextPath}`;
      const reply = retired === 'legacy' ? serve(ctx, context) : { body: { '@odata.context': context, value: [] } };
      return { body: reply.body, headers: { ...reply.headers, ...headers } };
    };
  }

  const LEGACY_PERIODS = ['D1', 'D7', 'D30'];
  const credentialUsageSummary = retiredRoute(
    'credentialUsageSummary',
    '/beta/$metadata#Collection(microsoft.graph.credentialUsageSummary)',
    (ctx, context) => ({
      body: { '@odata.context': context, value: usageSummary(ctx, periodArg(ctx, LEGACY_PERIODS)) },
    }),
  );

  const VERSION = '(v1\\.0|beta)';
  const AM = 'reports/authenticationMethods';
  const re = (source: string): RegExp => new RegExp(`^/${source}/?$`, 'i');

  const routes: Route[] = [
    {
      name: 'userRegistrationDetails',
      pattern: re(`${VERSION}/${AM}/userRegistrationDetails`),
      handle: (ctx) =>
        page(
          ctx,
          'userRegistrationDetails',
          {
            count: tenant.userCount,
            row: (i) => {
              const row: Record<string, unknown> = { ...tenant.user(i) };
              if (ctx.version === 'v1.0') delete row['defaultMfaMethod']; // beta-only property (§4)
              return row;
            },
          },
          FILTERS.userRegistrationDetails,
          `${ctx.base}/${ctx.version}/$metadata#reports/authenticationMethods/userRegistrationDetails`,
        ),
    },
    {
      name: 'usersRegisteredByFeature',
      pattern: re(`${VERSION}/${AM}/usersRegisteredByFeature\\((.*)\\)`),
      handle: (ctx) => {
        const { types, roles } = includedArgs(ctx);
        return {
          body: {
            '@odata.context': `${ctx.base}/${ctx.version}/$metadata#microsoft.graph.userRegistrationFeatureSummary`,
            '@odata.type': '#microsoft.graph.userRegistrationFeatureSummary',
            ...tenant.featureSummary(types, roles),
          },
        };
      },
    },
    {
      name: 'usersRegisteredByMethod',
      pattern: re(`${VERSION}/${AM}/usersRegisteredByMethod\\((.*)\\)`),
      handle: (ctx) => {
        const { types, roles } = includedArgs(ctx);
        return {
          body: {
            '@odata.context': `${ctx.base}/${ctx.version}/$metadata#microsoft.graph.userRegistrationMethodSummary`,
            '@odata.type': '#microsoft.graph.userRegistrationMethodSummary',
            ...tenant.methodSummary(types, roles),
          },
        };
      },
    },
    {
      // A parameterless function: Graph accepts it with or without "()" (§1).
      name: 'credentialUserRegistrationCount',
      pattern: re('(beta)/reports/getCredentialUserRegistrationCount(?:\\(\\))?'),
      handle: (ctx) => ({
        body: {
          '@odata.context': `${ctx.base}/beta/$metadata#Collection(microsoft.graph.credentialUserRegistrationCount)`,
          value: [tenant.credentialUserRegistrationCount()],
        },
      }),
    },
    {
      name: 'userEventsSummary',
      pattern: re(`(beta)/${AM}/userEventsSummary`),
      handle: (ctx) =>
        page(
          ctx,
          'userEventsSummary',
          { count: tenant.eventCount, row: eventRow(ctx) },
          FILTERS.events,
          `${ctx.base}/beta/$metadata#reports/authenticationMethods/userEventsSummary`,
        ),
    },
    {
      name: 'userRegistrationActivity',
      pattern: re(`(beta)/${AM}/userRegistrationActivity\\((.*)\\)`),
      handle: (ctx) => ({
        body: {
          '@odata.context': `${ctx.base}/beta/$metadata#Collection(microsoft.graph.userRegistrationActivitySummary)`,
          value: usageSummary(ctx, periodArg(ctx, ['d1', 'd7', 'd30'])),
        },
      }),
    },
    {
      name: 'userCredentialUsageDetails',
      pattern: re('(beta)/reports/userCredentialUsageDetails'),
      handle: retiredRoute(
        'userCredentialUsageDetails',
        '/beta/$metadata#reports/userCredentialUsageDetails',
        (ctx, context) =>
          page(
            ctx,
            'userCredentialUsageDetails',
            { count: tenant.eventCount, row: eventRow(ctx) },
            FILTERS.events,
            context,
          ),
      ),
    },
    {
      name: 'credentialUsageSummary',
      pattern: re('(beta)/reports/getCredentialUsageSummary\\((.*)\\)'),
      handle: (ctx) => {
        // The period is checked in every mode: a bad request stays a bad request after retirement (§E.1).
        periodArg(ctx, LEGACY_PERIODS);
        return credentialUsageSummary(ctx);
      },
    },
    {
      name: 'credentialUserRegistrationDetails',
      pattern: re('(beta)/reports/credentialUserRegistrationDetails'),
      handle: retiredRoute(
        'credentialUserRegistrationDetails',
        '/beta/$metadata#reports/credentialUserRegistrationDetails',
        (ctx, context) =>
          page(
            ctx,
            'credentialUserRegistrationDetails',
            { count: tenant.userCount, row: (i) => ({ ...tenant.legacyCredentialRow(i) }) },
            FILTERS.credentialUserRegistrationDetails,
            context,
          ),
      ),
    },
  ];

  // --- request pipeline -----------------------------------------------------------------------------------

  function count(bucket: Record<string, number>, key: string): void {
    bucket[key] = (bucket[key] ?? 0) + 1;
  }

  function send(
    res: ServerResponse,
    ids: { requestId: string; clientRequestId: string },
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): void {
    const payload = Buffer.from(JSON.stringify(body));
    count(stats.byStatus, String(status));
    res.writeHead(status, {
      'Content-Type': status < 400 ? ODATA_JSON : 'application/json',
      'Content-Length': String(payload.length),
      'request-id': ids.requestId,
      'client-request-id': ids.clientRequestId,
      ...headers,
    });
    res.end(payload);
  }

  function sendError(
    res: ServerResponse,
    ids: { requestId: string; clientRequestId: string },
    answer: HttpAnswer,
  ): void {
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
    send(res, ids, answer.status, { error }, answer.headers);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume(); // GETs carry no body; drain anything sent anyway so keep-alive connections stay usable
    stats.requests++;
    const requestId = randomUUID();
    const sent = req.headers['client-request-id'];
    const ids = {
      requestId,
      // Echo the caller's correlation id (§C.6 TelemetryHandler) when it looks like one; never echo other input.
      clientRequestId: typeof sent === 'string' && /^[\w-]{1,64}$/.test(sent) ? sent : requestId,
    };
    try {
      const url = new URL(req.url ?? '/', 'http://simulator.invalid');
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        count(stats.byRoute, 'notFound');
        throw new HttpAnswer(400, 'BadRequest', 'The request URL is not correctly percent-encoded.');
      }
      let matched: { route: Route; m: RegExpExecArray } | undefined;
      for (const route of routes) {
        const m = route.pattern.exec(path);
        if (m) {
          matched = { route, m };
          break;
        }
      }
      count(stats.byRoute, matched?.route.name ?? 'notFound');

      if (req.method !== 'GET') {
        const message = 'Specified HTTP method is not allowed for the request target.';
        throw new HttpAnswer(405, 'Request_BadRequest', message, { Allow: 'GET' });
      }
      authenticate(req);
      throttle();
      const fault = faults.next(path);
      if (fault) {
        const text = errorText(fault.status, fault.code, fault.message);
        throw new HttpAnswer(
          fault.status,
          text.code,
          text.message,
          fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter },
        );
      }
      if (!matched) {
        const segment = path.split('/').filter(Boolean).pop() ?? '';
        throw new HttpAnswer(404, 'Request_ResourceNotFound', `Resource not found for the segment '${segment}'.`);
      }
      const prefer = req.headers['prefer'];
      const includeUnknownEnums = /\binclude-unknown-enum-members\b/i.test(
        Array.isArray(prefer) ? prefer.join(',') : (prefer ?? ''),
      );
      const ctx: RequestContext = {
        url,
        base: baseUrl(req),
        version: (matched.m[1] ?? '').toLowerCase() === 'beta' ? 'beta' : 'v1.0',
        args: matched.m[2] ?? '',
        includeUnknownEnums,
      };
      const reply = matched.route.handle(ctx);
      const headers: Record<string, string> = { ...reply.headers };
      if (includeUnknownEnums) headers['Preference-Applied'] = 'include-unknown-enum-members';
      send(res, ids, 200, reply.body, headers);
    } catch (err) {
      if (err instanceof HttpAnswer) sendError(res, ids, err);
      else if (err instanceof ODataError) sendError(res, ids, new HttpAnswer(err.status, err.code, err.message));
      else sendError(res, ids, new HttpAnswer(500, 'UnknownError', 'An internal server error occurred.'));
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

  /** A sliding window over accepted requests (§C.2): over the limit → 429 with the wait until a slot frees. */
  function throttle(): void {
    if (!rateLimit) return;
    const now = Date.now();
    while (recentRequests.length > 0 && (recentRequests[0] ?? 0) <= now - rateLimit.windowMs) recentRequests.shift();
    if (recentRequests.length >= rateLimit.requests) {
      const waitMs = (recentRequests[0] ?? now) + rateLimit.windowMs - now;
      const text = errorText(429);
      // Whole seconds, rounded up: the request is never retried early.
      throw new HttpAnswer(429, text.code, text.message, { 'Retry-After': String(Math.ceil(waitMs / 1000)) });
    }
    recentRequests.push(now);
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
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open
      });
      return closing;
    },
  };
}

function singleQueryOptions(url: URL, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    const name = key.toLowerCase();
    if (!name.startsWith('$')) continue;
    if (!allowed.includes(name)) {
      const message = `Query option '${key}' is not supported by the simulator on this resource.`;
      throw new HttpAnswer(400, 'BadRequest', message);
    }
    if (out.has(name)) throw new HttpAnswer(400, 'BadRequest', `Query option '${key}' was specified more than once.`);
    out.set(name, value);
  }
  return out;
}

function enumArg<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const hit = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (hit === undefined) {
    const message = `Invalid value '${value}' for parameter '${name}'; expected one of ${allowed.join(', ')}.`;
    throw new HttpAnswer(400, 'BadRequest', message);
  }
  return hit;
}

/** Without `Prefer: include-unknown-enum-members`, later usageAuthMethod members merge into unknownFutureValue (§2) */
function maskActivity(rows: readonly CredentialUsageSummary[]): CredentialUsageSummary[] {
  const merged = new Map<string, CredentialUsageSummary>();
  for (const row of rows) {
    const authMethod = USAGE_AUTH_METHOD_BASE.has(row.authMethod) ? row.authMethod : 'unknownFutureValue';
    const key = `${row.feature}\u0000${authMethod}`;
    const into = merged.get(key);
    if (into) {
      into.successfulActivityCount += row.successfulActivityCount;
      into.failureActivityCount += row.failureActivityCount;
    } else {
      merged.set(key, { ...row, authMethod });
    }
  }
  return [...merged.values()].sort((a, b) =>
    a.feature === b.feature ? (a.authMethod < b.authMethod ? -1 : 1) : a.feature < b.feature ? -1 : 1,
  );
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
