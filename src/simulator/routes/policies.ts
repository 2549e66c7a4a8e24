/**
 * The policy routes (issue #14; graph-api.md §F): Conditional Access policies (paged), authentication strengths, the
 * authentication methods policy (v1.0 and beta shapes) and security defaults, from policies.ts. The groups the CA
 * policies name are served by the group members route (routes/roles.ts).
 */
import { compileSelect, MAX_DIRECTORY_PAGE_SIZE, re, VERSION, type Route, type RouteEnv } from '../http.js';

export function policyRoutes({ tenant, page }: RouteEnv): Route[] {
  return [
    {
      // conditionalaccessroot-list-policies: a paged collection like the other directory lists.
      name: 'conditionalAccessPolicies',
      gate: 'policyNeedsP1',
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
      gate: 'policy',
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
      gate: 'policy',
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
      gate: 'policy',
      pattern: re(`${VERSION}/policies/identitySecurityDefaultsEnforcementPolicy`),
      handle: (ctx) => ({
        body: {
          '@odata.context': `${ctx.base}/${ctx.version}/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity`,
          ...tenant.policies().securityDefaults,
        },
      }),
    },
  ];
}
