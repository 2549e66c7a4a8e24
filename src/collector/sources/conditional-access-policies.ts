import { CA_READER_ROLES, type SourceDef } from './types.js';

/**
 * Conditional Access policies (graph-api.md §F; conditionalaccessroot-list-policies, v1.0): state, conditions
 * (users/groups/roles include and exclude, guests, applications, client app types, platforms, locations, risk
 * levels) and grantControls (operator, builtInControls, authenticationStrength), paged. Needs Microsoft Entra ID
 * P1: without it the source is 'unavailable' (the licence answer), not a failure of the tenant's configuration.
 */
export const conditionalAccessPolicies: SourceDef = {
  id: 'conditionalAccessPolicies',
  title: 'Conditional Access policies',
  apiVersion: 'v1.0',
  requests: ['/identity/conditionalAccess/policies'],
  budget: 'directory',
  permission: 'Policy.Read.All',
  readerRoles: CA_READER_ROLES,
};
