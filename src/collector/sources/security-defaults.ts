import { POLICY_READER_ROLES, type SourceDef } from './types.js';

/**
 * Security defaults (graph-api.md §F; identitysecuritydefaultsenforcementpolicy-get, v1.0): one object
 * ({id, displayName, description, isEnabled}), stored as one row. Every tenant has it, licensed or not.
 */
export const securityDefaults: SourceDef = {
  id: 'securityDefaults',
  title: 'Security defaults',
  apiVersion: 'v1.0',
  requests: ['/policies/identitySecurityDefaultsEnforcementPolicy'],
  budget: 'directory',
  permission: 'Policy.Read.All',
  readerRoles: POLICY_READER_ROLES,
};
