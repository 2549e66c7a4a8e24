import { POLICY_READER_ROLES, type SourceDef } from './types.js';

/**
 * Authentication strengths, built-in and custom (graph-api.md §F; authenticationstrengthroot-list-policies, v1.0):
 * id, policyType, requirementsSatisfied, allowedCombinations. CA policies name a strength by id; the built-ins
 * (…0002 MFA, …0003 passwordless MFA, …0004 phishing-resistant MFA) are resolved from these rows, not hard-coded.
 */
export const authenticationStrengthPolicies: SourceDef = {
  id: 'authenticationStrengthPolicies',
  title: 'Authentication strengths',
  apiVersion: 'v1.0',
  requests: ['/policies/authenticationStrengthPolicies'],
  budget: 'directory',
  permission: 'Policy.Read.AuthenticationMethod',
  readerRoles: POLICY_READER_ROLES,
};
