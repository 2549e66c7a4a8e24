import { authenticationMethodsPolicy, authenticationMethodsPolicyBeta } from './authentication-methods-policy.js';
import { authenticationStrengthPolicies } from './authentication-strength-policies.js';
import { caGroupMembers } from './ca-group-members.js';
import { conditionalAccessPolicies } from './conditional-access-policies.js';
import { credentialUsageSummary } from './credential-usage-summary.js';
import { credentialUserRegistrationCount } from './credential-user-registration-count.js';
import { credentialUserRegistrationDetails } from './credential-user-registration-details.js';
import { groupEligibilities } from './group-eligibilities.js';
import { roleAssignments } from './role-assignments.js';
import { roleDefinitions } from './role-definitions.js';
import { roleEligibilities } from './role-eligibilities.js';
import { roleGroupMembers } from './role-group-members.js';
import { securityDefaults } from './security-defaults.js';
import type { SourceDef } from './types.js';
import { userCredentialUsageDetails } from './user-credential-usage-details.js';
import { userEventsSummary } from './user-events-summary.js';
import { userMfaSignInSummary } from './user-mfa-sign-in-summary.js';
import { userRegistrationActivity } from './user-registration-activity.js';
import { userRegistrationDetails } from './user-registration-details.js';
import { usersRegisteredByFeature } from './users-registered-by-feature.js';
import { usersRegisteredByMethod } from './users-registered-by-method.js';

export type { SourceDef } from './types.js';

/** Every source, in collection order (the order of the manifest). */
export const SOURCES: readonly SourceDef[] = [
  userRegistrationDetails,
  usersRegisteredByFeature,
  usersRegisteredByMethod,
  credentialUserRegistrationCount,
  userCredentialUsageDetails,
  userEventsSummary,
  credentialUsageSummary,
  userRegistrationActivity,
  userMfaSignInSummary,
  credentialUserRegistrationDetails,
  roleDefinitions,
  roleAssignments,
  roleEligibilities,
  roleGroupMembers,
  groupEligibilities,
  authenticationMethodsPolicy,
  authenticationMethodsPolicyBeta,
  conditionalAccessPolicies,
  authenticationStrengthPolicies,
  securityDefaults,
  caGroupMembers,
];
