/**
 * A Graph-shaped HTTP server on loopback that serves a synthetic tenant (tenant.ts) through the report routes of
 * graph-api.md §1–§7 and §S and the directory-role routes of §D.1, with Graph's paging (§C.3), error bodies,
 * throttling (§C.2), retired endpoints (§0, §C.5), tenant/app modes (licence, permission, app-only) and injected
 * faults (§E), and the PIM-for-Groups eligibility instances of the role-assignable groups
 * (privilegedaccessgroup-list-eligibilityscheduleinstances, v1.0), and the policy routes of §F (Conditional Access
 * policies, paged; authentication strengths; the authentication methods policy, v1.0 and beta shapes; security
 * defaults; the CA policies' groups through the group members route; policies.ts). Plain http: callers that need https put their own proxy in front.
 *
 * Paged collections are streamed (sendPage): the headers leave as soon as the request is validated and the rows
 * follow in chunks, so a 1000-row page neither delays its own first byte by the time it takes to generate nor
 * blocks the event loop (and the throttle's arrival times of other requests) meanwhile.
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
import { FaultBook, faultAction, type FaultAction, type FaultRule } from './faults.js';
import {
  compileFilter,
  decodeSkipToken,
  encodeSkipToken,
  ODataError,
  parseFunctionArgs,
  type FilterSchema,
  type RowPredicate,
} from './odata.js';
import type { SimGroup, SimGroupEligibility, SimPolicyGroup, SimPrincipal, SimRoleDefinition, SimTenant } from './tenant.js';
import { retryAfterSeconds, SlidingWindow, validateRateLimit, type RateLimit } from './throttle.js';

export { parseFault, type FaultAction, type FaultRule } from './faults.js';
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
}

export interface SimulatorStats {
  requests: number;
  /**
   * By HTTP status; also 'drop' (connection destroyed unanswered), 'cut' (body truncated) and 'abandoned' (client
   * gone before a 'slow' answer). Every request lands in exactly one bucket.
   */
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
  | 'roleDefinitions'
  | 'roleAssignments'
  | 'roleEligibilityScheduleInstances'
  | 'groupMembers'
  | 'groupEligibilityScheduleInstances'
  | 'conditionalAccessPolicies'
  | 'authenticationStrengthPolicies'
  | 'authenticationMethodsPolicy'
  | 'securityDefaults'
  | 'notFound';

/**
 * Which mode gates a route (see SimulatorMode). 'policy': directory policies readable in every tenant
 * (authentication methods policy and strengths: Policy.Read.AuthenticationMethod; security defaults:
 * Policy.Read.All). 'policyNeedsP1': Conditional Access (Policy.Read.All, Microsoft Entra ID P1).
 */
type Gate = 'report' | 'reportDelegatedOnly' | 'role' | 'roleNeedsP2' | 'policy' | 'policyNeedsP1';
const GATES: Record<Exclude<RouteName, 'notFound'>, Gate> = {
  userRegistrationDetails: 'report',
  usersRegisteredByFeature: 'reportDelegatedOnly',
  usersRegisteredByMethod: 'reportDelegatedOnly',
  credentialUserRegistrationCount: 'report',
  userCredentialUsageDetails: 'report',
  credentialUsageSummary: 'report',
  credentialUserRegistrationDetails: 'report',
  userEventsSummary: 'report',
  userRegistrationActivity: 'reportDelegatedOnly',
  roleDefinitions: 'role',
  roleAssignments: 'role',
  roleEligibilityScheduleInstances: 'roleNeedsP2',
  groupMembers: 'role',
  groupEligibilityScheduleInstances: 'roleNeedsP2',
  conditionalAccessPolicies: 'policyNeedsP1',
  authenticationStrengthPolicies: 'policy',
  authenticationMethodsPolicy: 'policy',
  securityDefaults: 'policy',
};

const MAX_PAGE_SIZE = 1000; // §4: undocumented for userRegistrationDetails; userEventsSummary documents 1000 (§S).
/** Directory collections (roleAssignments, eligibility instances, members) page at most 999 rows. */
const MAX_DIRECTORY_PAGE_SIZE = 999;
/** Rows examined per page under a selective $filter; a page may come back short or empty, as Graph allows (§C.3). */
const MAX_SCAN_PER_PAGE = 50_000;
/**
 * Rows generated and serialised per write of a streamed page; between writes the event loop runs (setImmediate),
 * so other requests are admitted and timestamped by the throttle while a 1000-row page is being produced.
 */
const ROWS_PER_CHUNK = 100;
/** Rows examined per step of a $filter scan before the event loop runs again. */
const SCAN_ROWS_PER_STEP = 2_000;

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
  // §D.1: isPrivileged exists on beta only, so filtering on it on v1.0 is a 400 like an unknown property.
  roleDefinitions: {
    id: 'string', templateId: 'string', displayName: 'string', isBuiltIn: 'boolean', isEnabled: 'boolean',
  },
  roleDefinitionsBeta: {
    id: 'string', templateId: 'string', displayName: 'string', isBuiltIn: 'boolean', isEnabled: 'boolean',
    isPrivileged: 'boolean',
  },
  roleAssignments: { id: 'string', principalId: 'string', roleDefinitionId: 'string', directoryScopeId: 'string' },
  roleEligibilities: {
    id: 'string', principalId: 'string', roleDefinitionId: 'string', directoryScopeId: 'string', memberType: 'string',
    roleEligibilityScheduleId: 'string',
  },
  // privilegedAccessGroupEligibilityScheduleInstance: the properties documented as supporting $filter (eq).
  groupEligibilities: {
    id: 'string', groupId: 'string', principalId: 'string', accessId: 'string', memberType: 'string',
    eligibilityScheduleId: 'string',
  },
} as const satisfies Record<string, FilterSchema>;

/**
 * List eligibilityScheduleInstances (PIM for Groups) "requires the $filter (eq) query parameter to scope the request
 * to a principalId or a groupId". What Graph answers without it is not documented: a 400 like other bad queries.
 */
const GROUP_ELIGIBILITY_SCOPE = /(^|\s|\()(groupId|principalId)\s+eq\s+'/i;

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
  AadPremiumLicenseRequired:
    'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.',
  // What the Conditional Access API answers a token without Policy.Read.All (reported in public issue threads,
  // e.g. hashicorp/terraform-provider-azuread, for /identity/conditionalAccess/policies).
  AccessDenied: 'You cannot perform the requested operation, required scopes are missing in the token.',
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
  /** The route's match on the decoded path. */
  m: RegExpExecArray;
  /** Set when a 'dup' fault fires on this request: page() repeats the previous page's last row. */
  pageFault?: 'dup';
  /** Scheme and authority for absolute links, from the request's Host header. */
  base: string;
  version: 'v1.0' | 'beta';
  /** The text between the parentheses of a function segment, decoded. */
  args: string;
  includeUnknownEnums: boolean;
}

/**
 * A paged collection whose rows are generated and serialised after the status line and headers are sent
 * (see sendPage). Everything that can make the request fail ($top, $skiptoken, $filter, $select, $expand) is
 * checked before the plan exists, so a bad request still gets a Graph error with its status code.
 */
interface PagePlan {
  context: string;
  /**
   * What the page holds: its nextLink and rows. Without a $filter this is known from the offsets alone; with one,
   * the scan runs here, in chunks separated by `pause` (false: the client is gone, stop).
   */
  prepare(pause: () => Promise<boolean>): Promise<PageRows | undefined>;
  /** A 'loop' fault: the page's nextLink is the URL that fetched it. */
  loopLink?: string;
}

interface PageRows {
  nextLink: string | undefined;
  count: number;
  /** Row n of the page (0 <= n < count), presented ($select, $expand). Called once per row, in order. */
  row(n: number): Record<string, unknown>;
}

type Reply = { body: unknown; headers?: Record<string, string> } | { page: PagePlan; headers?: Record<string, string> };

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
  const rateWindow = opts.rateLimit ? new SlidingWindow(validateRateLimit(opts.rateLimit)) : undefined;
  const directoryWindow = opts.directoryRateLimit ? new SlidingWindow(validateRateLimit(opts.directoryRateLimit)) : undefined;
  const mode = opts.mode;
  if (mode !== undefined && !SIMULATOR_MODES.includes(mode)) {
    throw new RangeError(`unknown mode '${String(mode)}' (expected ${SIMULATOR_MODES.join(', ')})`);
  }
  const faults = new FaultBook(opts.faults ?? []);
  const tokenDigest = opts.token === undefined ? undefined : sha256(opts.token);
  const stats: SimulatorStats = { requests: 0, byStatus: {}, byRoute: {} };
  /** Pending 'slow' answers, cleared on close. */
  const timers = new Set<NodeJS.Timeout>();

  // --- route handlers -------------------------------------------------------------------------------------

  /**
   * One page of a paged collection (§4 paging, §C.3): $top, $filter, an opaque $skiptoken, absolute nextLink that
   * carries the request's other options. `present` validates the options that shape a row ($select, $expand) and
   * returns the function that shapes one row after the filter. Validation happens here, before any header is
   * sent; the rows are produced by the returned plan, after the headers (sendPage).
   */
  function page(
    ctx: RequestContext,
    route: RouteName,
    source: { count: number; row(k: number): Record<string, unknown> },
    schema: FilterSchema | null,
    context: string,
    options: {
      /** Query options carried into nextLink besides $top and $filter, e.g. $select, $expand. */
      extra?: readonly string[];
      maxTop?: number;
      /** Extra skiptoken binding, e.g. the group id. */
      bind?: string;
      present?: (params: Map<string, string>) => (row: Record<string, unknown>) => Record<string, unknown>;
    } = {},
  ): Reply {
    const extra = options.extra ?? [];
    const maxTop = options.maxTop ?? MAX_PAGE_SIZE;
    const params = singleQueryOptions(ctx.url, ['$top', '$skiptoken', ...(schema ? ['$filter'] : []), ...extra]);
    const topText = params.get('$top');
    let top = Math.min(defaultPageSize, maxTop);
    if (topText !== undefined) {
      if (!/^\d+$/.test(topText) || Number(topText) < 1) {
        const message = `Invalid value '${topText}' for $top: expected a positive integer.`;
        throw new HttpAnswer(400, 'BadRequest', message);
      }
      top = Math.min(Number(topText), maxTop);
    }
    const filterText = params.get('$filter');
    const predicate: RowPredicate | undefined =
      filterText === undefined || !schema ? undefined : compileFilter(filterText, schema);
    const binding = `${route}|${options.bind ?? ''}|${tenant.seed}|${tenant.userCount}|${filterText ?? ''}`;
    const tokenText = params.get('$skiptoken');
    const start = tokenText === undefined ? 0 : decodeSkipToken(tokenText, binding, source.count);
    const present = options.present?.(params) ?? ((row: Record<string, unknown>) => row);
    const dup = ctx.pageFault === 'dup';

    /** The nextLink of a page whose scan stopped before offset k, if any rows are left. */
    const nextLinkAt = (k: number): string | undefined => {
      if (k >= source.count) return undefined;
      const query = [`$top=${top}`];
      if (filterText !== undefined) query.push(`$filter=${encodeURIComponent(filterText)}`);
      for (const name of extra) {
        const v = params.get(name);
        if (v !== undefined) query.push(`${name}=${encodeURIComponent(v)}`);
      }
      query.push(`$skiptoken=${encodeSkipToken(k, binding)}`);
      return `${ctx.base}${ctx.url.pathname}?${query.join('&')}`;
    };

    if (!predicate) {
      // The rows are offsets start … end-1; a 'dup' fault puts start-1 first, and this page's last row moves on.
      const end = Math.min(source.count, start + top);
      const lead = dup && start > 0 ? 1 : 0;
      let count = end - start + lead;
      let k = end;
      if (count > top) {
        count = top;
        k = end - 1;
      }
      const rows: PageRows = {
        nextLink: nextLinkAt(k),
        count,
        row: (n) => present(source.row(start - lead + n)),
      };
      return { page: { context, prepare: () => Promise.resolve(rows) } };
    }

    return {
      page: {
        context,
        async prepare(pause) {
          const value: Record<string, unknown>[] = [];
          const offsets: number[] = [];
          let k = start;
          const scanEnd = Math.min(source.count, k + MAX_SCAN_PER_PAGE);
          while (k < scanEnd && value.length < top) {
            if (k > start && !(await pause())) return undefined;
            const stepEnd = Math.min(scanEnd, k + SCAN_ROWS_PER_STEP);
            for (; k < stepEnd && value.length < top; k++) {
              const row = source.row(k);
              if (predicate(row)) {
                value.push(row);
                offsets.push(k);
              }
            }
          }
          if (dup) {
            // Repeat the previous matching row first; this page's own last row moves to the next page.
            for (let back = start - 1; back >= Math.max(0, start - MAX_SCAN_PER_PAGE); back--) {
              const row = source.row(back);
              if (!predicate(row)) continue;
              value.unshift(row);
              offsets.unshift(back);
              if (value.length > top) {
                value.pop();
                k = offsets.pop() ?? k;
              }
              break;
            }
          }
          return { nextLink: nextLinkAt(k), count: value.length, row: (n) => present(value[n] ?? {}) };
        },
      },
    };
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
      const reply: Reply =
        retired === 'legacy' ? serve(ctx, context) : { body: { '@odata.context': context, value: [] } };
      return { ...reply, headers: { ...reply.headers, ...headers } };
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

  // --- directory roles (§D.1) ---------------------------------------------------------------------------------

  // The role-assignable groups and the groups the Conditional Access policies name (policies.ts).
  let groupCache: Map<string, SimGroup | SimPolicyGroup> | undefined;
  const groupById = (id: string): SimGroup | SimPolicyGroup | undefined => {
    groupCache ??= new Map([...tenant.groups(), ...tenant.policies().groups].map((g) => [g.id.toLowerCase(), g]));
    return groupCache.get(id.toLowerCase());
  };
  let definitionCache: Map<string, SimRoleDefinition> | undefined;
  const definitionById = (id: string): SimRoleDefinition | undefined => {
    definitionCache ??= new Map(tenant.roleDefinitions().map((d) => [d.id, d]));
    return definitionCache.get(id);
  };

  /** A roleDefinitions row; `isPrivileged` is beta-only (§D.1). */
  function wireDefinition(d: SimRoleDefinition, version: 'v1.0' | 'beta'): Record<string, unknown> {
    const row: Record<string, unknown> = {
      id: d.id, description: d.description, displayName: d.displayName, isBuiltIn: d.isBuiltIn, isEnabled: d.isEnabled,
    };
    if (version === 'beta') row['isPrivileged'] = d.isPrivileged;
    Object.assign(row, {
      resourceScopes: [...d.resourceScopes],
      templateId: d.templateId,
      version: d.version,
      // unifiedRolePermission (v1.0 and beta): excludedResourceActions is "not yet supported" and left out.
      rolePermissions: d.rolePermissions.map((p) => ({ allowedResourceActions: [...p.allowedResourceActions], condition: p.condition })),
    });
    return row;
  }

  /** `$expand=principal`: the directory object with its @odata.type (§D.1). */
  function wirePrincipal(p: SimPrincipal): Record<string, unknown> {
    const row: Record<string, unknown> = { '@odata.type': `#microsoft.graph.${p.type}`, id: p.id, displayName: p.displayName };
    if (p.type === 'user') row['userPrincipalName'] = p.userPrincipalName;
    if (p.type === 'servicePrincipal') row['appId'] = p.appId;
    return row;
  }

  /**
   * $select then $expand for roleAssignments / eligibility instances. Unknown $select names are ignored; an
   * expanded navigation is kept whatever $select says.
   */
  function presentRole(
    ctx: RequestContext,
    principalOf: (row: Record<string, unknown>) => SimPrincipal | undefined,
  ): (params: Map<string, string>) => (row: Record<string, unknown>) => Record<string, unknown> {
    return (params) => {
      const expand = parseExpand(params.get('$expand'), ['principal', 'roleDefinition']);
      const select = compileSelect(params.get('$select'));
      return (row) => presentRow(row, expand, select);
    };
    function presentRow(
      row: Record<string, unknown>,
      expand: ReadonlySet<string>,
      select: (row: Record<string, unknown>) => Record<string, unknown>,
    ): Record<string, unknown> {
      const out = select(row);
      if (expand.has('principal')) {
        const p = principalOf(row);
        out['principal'] = p ? wirePrincipal(p) : null;
      }
      if (expand.has('roleDefinition')) {
        const d = definitionById(String(row['roleDefinitionId']));
        out['roleDefinition'] = d ? wireDefinition(d, ctx.version) : null;
      }
      return out;
    }
  }

  function roleAssignments(ctx: RequestContext): Reply {
    const list = tenant.roleAssignments();
    const principals = new Map<string, SimPrincipal>();
    return page(
      ctx,
      'roleAssignments',
      {
        count: list.length,
        row: (k) => {
          const a = list.at(k);
          principals.set(a.id, a.principal);
          // resourceScope and principalOrganizationId on v1.0 too (rbacapplication-list-roleassignments example).
          return {
            id: a.id, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId,
            directoryScopeId: a.directoryScopeId, appScopeId: a.appScopeId, condition: null,
            resourceScope: a.directoryScopeId, principalOrganizationId: tenant.tenantId,
          };
        },
      },
      FILTERS.roleAssignments,
      `${ctx.base}/${ctx.version}/$metadata#roleManagement/directory/roleAssignments`,
      {
        extra: ['$select', '$expand'],
        maxTop: MAX_DIRECTORY_PAGE_SIZE,
        present: presentRole(ctx, (row) => principals.get(String(row['id']))),
      },
    );
  }

  function roleEligibilities(ctx: RequestContext): Reply {
    const list = tenant.roleEligibilities();
    const principals = new Map<string, SimPrincipal>();
    return page(
      ctx,
      'roleEligibilityScheduleInstances',
      {
        count: list.length,
        row: (k) => {
          const e = list.at(k);
          principals.set(e.id, e.principal);
          return {
            id: e.id, principalId: e.principalId, roleDefinitionId: e.roleDefinitionId,
            directoryScopeId: e.directoryScopeId, appScopeId: e.appScopeId, startDateTime: e.startDateTime,
            endDateTime: e.endDateTime, memberType: e.memberType, roleEligibilityScheduleId: e.roleEligibilityScheduleId,
          };
        },
      },
      FILTERS.roleEligibilities,
      `${ctx.base}/${ctx.version}/$metadata#roleManagement/directory/roleEligibilityScheduleInstances`,
      {
        extra: ['$select', '$expand'],
        maxTop: MAX_DIRECTORY_PAGE_SIZE,
        present: presentRole(ctx, (row) => principals.get(String(row['id']))),
      },
    );
  }

  /**
   * PIM for Groups: /identityGovernance/privilegedAccess/group/eligibilityScheduleInstances with the required
   * `$filter=groupId eq '{id}'` (or principalId), paged like the other directory collections; `$expand=principal`
   * and `group` are supported (privilegedAccessGroupEligibilityScheduleInstance relationships).
   */
  function groupEligibilities(ctx: RequestContext): Reply {
    let filter: string | undefined;
    for (const [key, value] of ctx.url.searchParams) if (key.toLowerCase() === '$filter') filter = value;
    if (filter === undefined || !GROUP_ELIGIBILITY_SCOPE.test(filter)) {
      const message = "This request requires a $filter on groupId or principalId (eq), e.g. $filter=groupId eq '{groupId}'.";
      throw new HttpAnswer(400, 'BadRequest', message);
    }
    const list = tenant.groupEligibilities();
    const byId = new Map<string, SimGroupEligibility>();
    return page(
      ctx,
      'groupEligibilityScheduleInstances',
      {
        count: list.length,
        row: (k) => {
          const e = list.at(k);
          byId.set(e.id, e);
          return {
            id: e.id, startDateTime: e.startDateTime, endDateTime: e.endDateTime, accessId: e.accessId,
            principalId: e.principalId, groupId: e.groupId, memberType: e.memberType,
            eligibilityScheduleId: e.eligibilityScheduleId,
          };
        },
      },
      FILTERS.groupEligibilities,
      `${ctx.base}/${ctx.version}/$metadata#identityGovernance/privilegedAccess/group/eligibilityScheduleInstances`,
      {
        extra: ['$select', '$expand'],
        maxTop: MAX_DIRECTORY_PAGE_SIZE,
        present: (params) => {
          const expand = parseExpand(params.get('$expand'), ['principal', 'group']);
          const select = compileSelect(params.get('$select'));
          return (row) => {
            const out = select(row);
            const e = byId.get(String(row['id']));
            if (expand.has('principal')) out['principal'] = e ? wirePrincipal(e.principal) : null;
            if (expand.has('group')) {
              const g = e ? groupById(e.groupId) : undefined;
              out['group'] = g
                ? { '@odata.type': '#microsoft.graph.group', id: g.id, displayName: g.displayName, description: g.description,
                    isAssignableToRole: g.isAssignableToRole }
                : null;
            }
            return out;
          };
        },
      },
    );
  }

  /** /groups/{id}/members and /transitiveMembers, optionally cast to microsoft.graph.user. */
  function groupMembers(ctx: RequestContext): Reply {
    const id = ctx.m[2] ?? '';
    const group = groupById(id);
    if (!group) {
      const message = `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`;
      throw new HttpAnswer(404, 'Request_ResourceNotFound', message);
    }
    const transitive = (ctx.m[3] ?? '').toLowerCase() === 'transitivemembers';
    const usersOnly = ctx.m[4] !== undefined;
    // Nested groups: direct ones, or for transitive members every group below this one.
    const nested: (SimGroup | SimPolicyGroup)[] = [];
    const visit = (g: SimGroup | SimPolicyGroup): void => {
      for (const childId of g.memberGroupIds) {
        const child = groupById(childId);
        if (!child || nested.includes(child) || child === group) continue;
        nested.push(child);
        if (transitive) visit(child);
      }
    };
    if (!usersOnly) visit(group);
    const users = transitive ? group.transitiveUserIndexes : group.memberUserIndexes;
    const count = nested.length + users.length;
    return page(
      ctx,
      'groupMembers',
      {
        count,
        row: (k) => {
          const g = nested[k];
          if (g) return { '@odata.type': '#microsoft.graph.group', id: g.id, displayName: g.displayName };
          const u = tenant.user(users[k - nested.length] ?? 0);
          const row: Record<string, unknown> = usersOnly ? {} : { '@odata.type': '#microsoft.graph.user' };
          return Object.assign(row, { id: u.id, displayName: u.userDisplayName, userPrincipalName: u.userPrincipalName });
        },
      },
      null,
      `${ctx.base}/${ctx.version}/$metadata#${usersOnly ? 'users' : 'directoryObjects'}`,
      {
        extra: ['$select'],
        maxTop: MAX_DIRECTORY_PAGE_SIZE,
        bind: `${group.id}|${transitive ? 't' : 'd'}|${usersOnly ? 'u' : 'a'}`,
        present: (params) => compileSelect(params.get('$select')),
      },
    );
  }

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
            row: (i): Record<string, unknown> => {
              if (ctx.version === 'beta') return { ...tenant.user(i) };
              // defaultMfaMethod is beta-only (§4). A rest copy, not `delete`, keeps the object fast to serialise.
              const { defaultMfaMethod: _betaOnly, ...row } = tenant.user(i);
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
    {
      name: 'roleDefinitions',
      pattern: re(`${VERSION}/roleManagement/directory/roleDefinitions`),
      handle: (ctx) => {
        const params = singleQueryOptions(ctx.url, ['$filter', '$select']);
        const schema = ctx.version === 'beta' ? FILTERS.roleDefinitionsBeta : FILTERS.roleDefinitions;
        const filterText = params.get('$filter');
        const predicate = filterText === undefined ? undefined : compileFilter(filterText, schema);
        const rows = tenant
          .roleDefinitions()
          .map((d) => wireDefinition(d, ctx.version))
          .filter((row) => !predicate || predicate(row))
          .map(compileSelect(params.get('$select')));
        return {
          body: {
            '@odata.context': `${ctx.base}/${ctx.version}/$metadata#roleManagement/directory/roleDefinitions`,
            value: rows,
          },
        };
      },
    },
    {
      name: 'roleAssignments',
      pattern: re(`${VERSION}/roleManagement/directory/roleAssignments`),
      handle: roleAssignments,
    },
    {
      name: 'roleEligibilityScheduleInstances',
      pattern: re(`${VERSION}/roleManagement/directory/roleEligibilityScheduleInstances`),
      handle: roleEligibilities,
    },
    {
      name: 'groupMembers',
      pattern: re(`${VERSION}/groups/([^/]+)/(transitiveMembers|members)(/microsoft\\.graph\\.user)?`),
      handle: groupMembers,
    },
    {
      name: 'groupEligibilityScheduleInstances',
      pattern: re(`${VERSION}/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances`),
      handle: groupEligibilities,
    },
    // --- policies (issue #14; graph-api.md §F) ---
    {
      // conditionalaccessroot-list-policies: a paged collection like the other directory lists.
      name: 'conditionalAccessPolicies',
      pattern: re(`${VERSION}/identity/conditionalAccess/policies`),
      handle: (ctx) => {
        const rows = tenant.policies().conditionalAccessPolicies;
        return page(
          ctx,
          'conditionalAccessPolicies',
          { count: rows.length, row: (k) => structuredClone(rows[k] ?? {}) },
          null,
          `${ctx.base}/${ctx.version}/$metadata#identity/conditionalAccess/policies`,
          { extra: ['$select'], maxTop: MAX_DIRECTORY_PAGE_SIZE, present: (params) => compileSelect(params.get('$select')) },
        );
      },
    },
    {
      name: 'authenticationStrengthPolicies',
      pattern: re(`${VERSION}/policies/authenticationStrengthPolicies`),
      handle: (ctx) => ({
        body: {
          '@odata.context': `${ctx.base}/${ctx.version}/$metadata#policies/authenticationStrengthPolicies`,
          value: structuredClone(tenant.policies().authenticationStrengthPolicies),
        },
      }),
    },
    {
      // v1.0 answers the configurations expanded; beta adds systemCredentialPreferences and Authenticator settings.
      name: 'authenticationMethodsPolicy',
      pattern: re(`${VERSION}/policies/authenticationMethodsPolicy`),
      handle: (ctx) => ({
        body: {
          '@odata.context': `${ctx.base}/${ctx.version}/$metadata#authenticationMethodsPolicy`,
          ...tenant.policies().authenticationMethodsPolicy(ctx.version),
        },
      }),
    },
    {
      name: 'securityDefaults',
      pattern: re(`${VERSION}/policies/identitySecurityDefaultsEnforcementPolicy`),
      handle: (ctx) => ({
        body: {
          '@odata.context': `${ctx.base}/${ctx.version}/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity`,
          ...tenant.policies().securityDefaults,
        },
      }),
    },
  ];

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
      throttle(matched?.route.name ?? 'notFound');
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
          answer(ex, url, path, matched, fault, action);
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
    gate(GATES[matched.route.name]);
    const prefer = ex.req.headers['prefer'];
    const includeUnknownEnums = /\binclude-unknown-enum-members\b/i.test(
      Array.isArray(prefer) ? prefer.join(',') : (prefer ?? ''),
    );
    const ctx: RequestContext = {
      url,
      m: matched.m,
      base: baseUrl(ex.req),
      version: (matched.m[1] ?? '').toLowerCase() === 'beta' ? 'beta' : 'v1.0',
      args: matched.m[2] ?? '',
      includeUnknownEnums,
    };
    if (action === 'dup') ctx.pageFault = 'dup';
    const reply = matched.route.handle(ctx);
    const headers: Record<string, string> = { ...reply.headers };
    if (includeUnknownEnums) headers['Preference-Applied'] = 'include-unknown-enum-members';
    // A 'loop' page points at itself, i.e. repeats the nextLink that led here.
    const selfLink = `${ctx.base}${ex.req.url ?? ''}`;
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
  function throttle(route: RouteName): void {
    // Graph throttles the reports (5 / 10 s) apart from the directory (role management, groups: resource units).
    const gate = route === 'notFound' ? 'report' : GATES[route];
    const window = gate === 'report' || gate === 'reportDelegatedOnly' ? rateWindow : directoryWindow;
    if (!window) return;
    const waitMs = window.take(Date.now());
    if (waitMs > 0) {
      const text = errorText(429);
      throw new HttpAnswer(429, text.code, text.message, { 'Retry-After': retryAfterSeconds(waitMs) });
    }
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

/**
 * `$select=a,b`: the named properties (case-insensitive), plus @odata.type; unknown names are ignored. Checked when
 * compiled (an empty list is a 400), so a page can validate it before sending headers.
 */
function compileSelect(select: string | undefined): (row: Record<string, unknown>) => Record<string, unknown> {
  if (select === undefined) return (row) => ({ ...row });
  const wanted = new Set(
    select
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
  );
  if (wanted.size === 0) throw new HttpAnswer(400, 'BadRequest', 'Empty $select.');
  return (row) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) {
      if (key === '@odata.type' || wanted.has(key.toLowerCase())) out[key] = value;
    }
    return out;
  };
}

/** `$expand=principal,roleDefinition`: the allowed navigations (case-insensitive), else 400 as Graph answers. */
function parseExpand(text: string | undefined, allowed: readonly string[]): Set<string> {
  const out = new Set<string>();
  if (text === undefined) return out;
  for (const raw of text.split(',')) {
    const name = raw.trim();
    const hit = allowed.find((a) => a.toLowerCase() === name.toLowerCase());
    if (!hit) {
      const message = `Could not find a navigation property named '${name}' to expand (expected ${allowed.join(', ')}).`;
      throw new HttpAnswer(400, 'BadRequest', message);
    }
    out.add(hit);
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

function isPage(body: unknown): body is Record<string, unknown> & { value: unknown[] } {
  return typeof body === 'object' && body !== null && Array.isArray((body as { value?: unknown }).value);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
