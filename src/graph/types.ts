/**
 * Shapes of the Graph report rows this tool reads, as documented (see ../shared/graph-api.md §1–§7, §S).
 * These are the wire shapes: every field may be missing or of the wrong type in hostile data, so readers
 * validate before use; the simulator emits exactly these shapes.
 */

/** GET /{v1.0|beta}/reports/authenticationMethods/userRegistrationDetails (graph-api.md §4). */
export interface UserRegistrationDetails {
  id: string;
  userPrincipalName: string;
  userDisplayName: string;
  userType: string | null; // member | guest | unknownFutureValue | null
  isAdmin: boolean | null;
  isMfaCapable: boolean;
  isMfaRegistered: boolean;
  isPasswordlessCapable: boolean;
  isSsprCapable: boolean;
  isSsprEnabled: boolean;
  isSsprRegistered: boolean;
  isSystemPreferredAuthenticationMethodEnabled: boolean | null;
  lastUpdatedDateTime: string;
  methodsRegistered: string[];
  systemPreferredAuthenticationMethods: string[];
  userPreferredMethodForSecondaryAuthentication: string | null;
  /** beta only */
  defaultMfaMethod?: string | null;
}

export type IncludedUserTypes = 'all' | 'member' | 'guest';
export type IncludedUserRoles = 'all' | 'privilegedAdmin' | 'admin' | 'user';
export const INCLUDED_USER_TYPES: readonly IncludedUserTypes[] = ['all', 'member', 'guest'];
export const INCLUDED_USER_ROLES: readonly IncludedUserRoles[] = ['all', 'privilegedAdmin', 'admin', 'user'];

/** usersRegisteredByFeature(includedUserTypes=…,includedUserRoles=…) (graph-api.md §5). */
export interface UserRegistrationFeatureSummary {
  totalUserCount: number;
  userRegistrationFeatureCounts: { feature: string; userCount: number }[];
  userTypes: IncludedUserTypes;
  userRoles: IncludedUserRoles;
}

/** usersRegisteredByMethod(includedUserTypes=…,includedUserRoles=…) (graph-api.md §6). */
export interface UserRegistrationMethodSummary {
  totalUserCount: number;
  userRegistrationMethodCounts: { authenticationMethod: string; userCount: number }[];
  userTypes: IncludedUserTypes;
  userRoles: IncludedUserRoles;
}

/** getCredentialUserRegistrationCount (beta, graph-api.md §1). */
export interface CredentialUserRegistrationCount {
  id: string;
  totalUserCount: number;
  userRegistrationCounts: { registrationStatus: string; registrationCount: number }[];
}

/** userCredentialUsageDetails (retired) and its successor userEventsSummary (graph-api.md §2, §S). */
export interface UserCredentialUsageDetails {
  id: string;
  feature: string; // registration | reset | unknownFutureValue
  userPrincipalName: string;
  userDisplayName: string;
  isSuccess: boolean;
  authMethod: string;
  failureReason: string | null;
  eventDateTime: string;
}

/** getCredentialUsageSummary(period=…) (retired) and userRegistrationActivity(period=…) (graph-api.md §3, §S). */
export interface CredentialUsageSummary {
  id: string;
  feature: string;
  authMethod: string;
  successfulActivityCount: number;
  failureActivityCount: number;
}

/** credentialUserRegistrationDetails (beta, retired 2024-06-30, graph-api.md §7). */
export interface CredentialUserRegistrationDetails {
  id: string;
  userPrincipalName: string;
  userDisplayName: string;
  authMethods: string[];
  isRegistered: boolean;
  isEnabled: boolean;
  isCapable: boolean;
  isMfaRegistered: boolean;
}

/** Graph's JSON error body. */
export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError?: Record<string, string>;
  };
}
