import { POLICY_READER_ROLES, type SourceDef } from './types.js';

/**
 * The tenant-wide authentication methods policy (graph-api.md §F; authenticationmethodspolicy-get, v1.0): one
 * object, stored as one row, with every authenticationMethodConfiguration expanded (state, include/exclude targets,
 * Sms isUsableForSignIn, Fido2 attestation and key restrictions, Authenticator featureSettings, TAP lifetimes,
 * X509Certificate), registrationEnforcement.authenticationMethodsRegistrationCampaign and policyMigrationState.
 *
 * Beta-only fields (systemCredentialPreferences, Authenticator numberMatchingRequiredState /
 * companionAppAllowedState) come from authenticationMethodsPolicyBeta: a source has one API version and one list of
 * requests, and a failed request ends it, so "beta, else v1.0" is two sources; the analysis prefers the beta row
 * when that source is ok and falls back to this one.
 */
export const authenticationMethodsPolicy: SourceDef = {
  id: 'authenticationMethodsPolicy',
  title: 'Authentication methods policy',
  apiVersion: 'v1.0',
  requests: ['/policies/authenticationMethodsPolicy'],
  budget: 'directory',
  permission: 'Policy.Read.AuthenticationMethod',
  readerRoles: POLICY_READER_ROLES,
};

/** The same policy on beta, for its beta-only fields (see authenticationMethodsPolicy). */
export const authenticationMethodsPolicyBeta: SourceDef = {
  id: 'authenticationMethodsPolicyBeta',
  title: 'Authentication methods policy (beta: system-preferred MFA, Authenticator number matching and companion app)',
  apiVersion: 'beta',
  requests: ['/policies/authenticationMethodsPolicy'],
  budget: 'directory',
  permission: 'Policy.Read.AuthenticationMethod',
  readerRoles: POLICY_READER_ROLES,
};
