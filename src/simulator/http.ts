/**
 * What the simulator's route modules (routes/reports.ts, routes/roles.ts, routes/policies.ts) share with the server
 * core (server.ts): the route contract (context, reply, page plan), Graph's error answers, and the query-option
 * parsers every route uses.
 */
import { STATUS_CODES } from 'node:http';
import type { Pager } from './paging.js';
import type { SimTenant } from './tenant.js';

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
  | 'userMfaSignInSummary'
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
export type Gate = 'report' | 'reportDelegatedOnly' | 'role' | 'roleNeedsP2' | 'policy' | 'policyNeedsP1';

export const MAX_PAGE_SIZE = 1000; // §4: undocumented for userRegistrationDetails; userEventsSummary documents 1000 (§S).
/** Directory collections (roleAssignments, eligibility instances, members) page at most 999 rows. */
export const MAX_DIRECTORY_PAGE_SIZE = 999;

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

export function errorText(status: number, code?: string, message?: string): { code: string; message: string } {
  const fallback = ERROR_TEXT[status] ?? {
    code: (STATUS_CODES[status] ?? 'Error').replace(/[^A-Za-z]/g, ''),
    message: STATUS_CODES[status] ?? 'Error',
  };
  const finalCode = code ?? fallback.code;
  return { code: finalCode, message: message ?? MESSAGE_BY_CODE[finalCode] ?? fallback.message };
}

/** A request-scoped answer other than success, thrown from handlers. */
export class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface RequestContext {
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
export interface PagePlan {
  context: string;
  /**
   * What the page holds: its nextLink and rows. Without a $filter this is known from the offsets alone; with one,
   * the scan runs here, in chunks separated by `pause` (false: the client is gone, stop).
   */
  prepare(pause: () => Promise<boolean>): Promise<PageRows | undefined>;
  /** A 'loop' fault: the page's nextLink is the URL that fetched it. */
  loopLink?: string;
}

export interface PageRows {
  nextLink: string | undefined;
  count: number;
  /** Row n of the page (0 <= n < count), presented ($select, $expand). Called once per row, in order. */
  row(n: number): Record<string, unknown>;
}

export type Reply = { body: unknown; headers?: Record<string, string> } | { page: PagePlan; headers?: Record<string, string> };

export interface Route {
  name: Exclude<RouteName, 'notFound'>;
  pattern: RegExp;
  /** Which mode answers in its place (server.ts, SimulatorMode) and which request budget it takes. */
  gate: Gate;
  handle(ctx: RequestContext): Reply;
}

/** What a route module builds its routes from. */
export interface RouteEnv {
  tenant: SimTenant;
  /** What the three retired reports answer (SimulatorOptions.retired). */
  retired: 'empty' | 'gone' | 'legacy';
  page: Pager;
}

/** Route patterns: the API version segment, the authentication methods reports' prefix, and a whole-path match. */
export const VERSION = '(v1\\.0|beta)';
export const AM = 'reports/authenticationMethods';
export const re = (source: string): RegExp => new RegExp(`^/${source}/?$`, 'i');

export function singleQueryOptions(url: URL, allowed: readonly string[]): Map<string, string> {
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
export function compileSelect(select: string | undefined): (row: Record<string, unknown>) => Record<string, unknown> {
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
export function parseExpand(text: string | undefined, allowed: readonly string[]): Set<string> {
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

export function enumArg<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const hit = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (hit === undefined) {
    const message = `Invalid value '${value}' for parameter '${name}'; expected one of ${allowed.join(', ')}.`;
    throw new HttpAnswer(400, 'BadRequest', message);
  }
  return hit;
}

