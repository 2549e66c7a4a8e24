/**
 * The report routes (graph-api.md §1–§7 and §S): the authentication methods reports, their beta successors, the
 * usage summary userMfaSignInSummary (§F) and the retired reports, which answer empty, 410 or their legacy rows
 * (SimulatorOptions.retired) with Deprecation/Sunset.
 */
import type { CredentialUsageSummary, IncludedUserRoles, IncludedUserTypes } from '../../graph/types.js';
import { INCLUDED_USER_ROLES, INCLUDED_USER_TYPES } from '../../graph/types.js';
import {
  AM,
  enumArg,
  HttpAnswer,
  re,
  singleQueryOptions,
  VERSION,
  type Reply,
  type RequestContext,
  type Route,
  type RouteEnv,
} from '../http.js';
import { compileFilter, parseFunctionArgs, type FilterSchema } from '../odata.js';


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

export function reportRoutes({ tenant, retired, page }: RouteEnv): Route[] {
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

  return [
    {
      name: 'userRegistrationDetails',
      gate: 'report',
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
      gate: 'reportDelegatedOnly',
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
      gate: 'reportDelegatedOnly',
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
      gate: 'report',
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
      gate: 'report',
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
      gate: 'reportDelegatedOnly',
      pattern: re(`(beta)/${AM}/userRegistrationActivity\\((.*)\\)`),
      handle: (ctx) => ({
        body: {
          '@odata.context': `${ctx.base}/beta/$metadata#Collection(microsoft.graph.userRegistrationActivitySummary)`,
          value: usageSummary(ctx, periodArg(ctx, ['d1', 'd7', 'd30'])),
        },
      }),
    },
    {
      // graph-api.md §S, §F: one row a day; the docs list no query options ("Not supported"), so any is a 400.
      name: 'userMfaSignInSummary',
      gate: 'report',
      pattern: re(`(beta)/${AM}/userMfaSignInSummary`),
      handle: (ctx) => {
        singleQueryOptions(ctx.url, []);
        return {
          body: {
            '@odata.context': `${ctx.base}/beta/$metadata#reports/authenticationMethods/userMfaSignInSummary`,
            value: tenant.mfaSignInSummary(),
          },
        };
      },
    },
    {
      name: 'userCredentialUsageDetails',
      gate: 'report',
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
      gate: 'report',
      pattern: re('(beta)/reports/getCredentialUsageSummary\\((.*)\\)'),
      handle: (ctx) => {
        // The period is checked in every mode: a bad request stays a bad request after retirement (§E.1).
        periodArg(ctx, LEGACY_PERIODS);
        return credentialUsageSummary(ctx);
      },
    },
    {
      name: 'credentialUserRegistrationDetails',
      gate: 'report',
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
