/**
 * The simulated tenant's policies (issue #14): Conditional Access policies, authentication strengths, the
 * authentication methods policy (v1.0 and beta shapes) and security defaults, plus the groups the CA policies name.
 *
 * Built once per tenant from (seed, profile) and the tenant's own users and roles, so every id a policy names is a
 * real user, group or role template of the tenant. The profile changes the policies only, never who is in a group
 * or which account is excluded (groups and people come from the seed).
 *
 * Shapes follow microsoft-graph-docs-contrib api-reference/v1.0/resources: conditionalaccesspolicy.md (state
 * enabled / disabled / enabledForReportingButNotEnforced; conditions.users include/exclude Users/Groups/Roles;
 * grantControls.authenticationStrength as the list answers it, expanded with its own @odata.context),
 * authenticationstrengthpolicy.md (built-in ids …0002 MFA, …0003 passwordless MFA, …0004 phishing-resistant MFA),
 * authenticationmethodspolicy.md (authenticationMethodConfigurations expanded; systemCredentialPreferences and the
 * Authenticator's numberMatchingRequiredState / companionAppAllowedState are beta only) and
 * identitysecuritydefaultsenforcementpolicy.md.
 */
import { rngFor, streamKey, uuidFor } from './prng.js';
import { ENTRA_PRIVILEGED_ROLE_IDS } from './roles.js';
import type { SimTenant, TenantProfile } from './tenant.js';

/** Global Administrator's role template id. */
const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
/** The fixed phone-only member of tenant.ts SPECIAL_USERS: excluded from MFA "temporarily", as happens. */
const EXEMPT_USER_INDEX = 13;
/** Users scanned for the break-glass-looking account (role holders are ~1 % of users). */
const BREAK_GLASS_SCAN = 50_000;

export const BUILT_IN_STRENGTH = {
  mfa: '00000000-0000-0000-0000-000000000002',
  passwordlessMfa: '00000000-0000-0000-0000-000000000003',
  phishingResistantMfa: '00000000-0000-0000-0000-000000000004',
} as const;
export const SECURITY_DEFAULTS_ID = '00000000-0000-0000-0000-000000000005';

/** A security group named by a CA policy (not role-assignable); members as tenant user indexes. */
export interface SimPolicyGroup {
  id: string;
  displayName: string;
  description: string;
  isAssignableToRole: false;
  memberUserIndexes: number[];
  memberGroupIds: string[];
  /** Direct and nested members, ascending. */
  transitiveUserIndexes: number[];
}

export interface SimPolicyUser {
  index: number;
  id: string;
  userPrincipalName: string;
}

export interface SimPolicies {
  /** The emergency-access-looking account excluded from the CA policies: a permanent, tenant-wide Global Administrator. */
  breakGlass: SimPolicyUser | null;
  /** A plain member excluded from the all-users MFA policy (typical profile): not break-glass. */
  exemptUser: SimPolicyUser | null;
  groups: SimPolicyGroup[];
  /** v1.0 wire rows of GET /identity/conditionalAccess/policies (without the @odata.context the server adds per request). */
  conditionalAccessPolicies: Record<string, unknown>[];
  authenticationStrengthPolicies: Record<string, unknown>[];
  authenticationMethodsPolicy(version: 'v1.0' | 'beta'): Record<string, unknown>;
  securityDefaults: Record<string, unknown>;
}

const PR_COMBINATIONS = ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'];
const STRENGTH_DATE = '2021-12-01T00:00:00Z';

interface Strength {
  id: string;
  createdDateTime: string;
  modifiedDateTime: string;
  displayName: string;
  description: string;
  policyType: 'builtIn' | 'custom';
  requirementsSatisfied: 'mfa';
  allowedCombinations: string[];
}

function builtInStrengths(): Strength[] {
  const strength = (id: string, displayName: string, description: string, allowedCombinations: string[]): Strength => ({
    id, createdDateTime: STRENGTH_DATE, modifiedDateTime: STRENGTH_DATE, displayName, description,
    policyType: 'builtIn', requirementsSatisfied: 'mfa', allowedCombinations,
  });
  return [
    strength(BUILT_IN_STRENGTH.mfa, 'Multifactor authentication', 'Combinations of methods that satisfy strong authentication, such as a password + SMS', [
      ...PR_COMBINATIONS, 'deviceBasedPush', 'temporaryAccessPassOneTime', 'temporaryAccessPassMultiUse',
      'password,microsoftAuthenticatorPush', 'password,softwareOath', 'password,hardwareOath', 'password,sms', 'password,voice',
      'federatedMultiFactor', 'microsoftAuthenticatorPush,federatedSingleFactor', 'softwareOath,federatedSingleFactor',
      'hardwareOath,federatedSingleFactor', 'sms,federatedSingleFactor', 'voice,federatedSingleFactor',
    ]),
    strength(BUILT_IN_STRENGTH.passwordlessMfa, 'Passwordless MFA', 'Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator', [
      ...PR_COMBINATIONS, 'deviceBasedPush',
    ]),
    strength(BUILT_IN_STRENGTH.phishingResistantMfa, 'Phishing-resistant MFA', 'Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key', [
      ...PR_COMBINATIONS,
    ]),
  ];
}

/** Per profile: what differs. Typical is what `demo` shows. */
interface PolicyProfile {
  allUsersMfa: 'enabled' | null;
  /** exclusions of the all-users policy beyond the break-glass account */
  allUsersExtraExclusions: boolean;
  /** roles: the 9 privilegedAdmin roles (a common, partial choice) or every privileged role the tenant has */
  adminPolicy: { state: string; strength: 'phishingResistant' | 'mfa'; roles: 'privilegedAdmin' | 'allPrivileged' };
  x509: boolean;
  legacyBlock: 'disabled' | 'enabled';
  migration: string;
  campaign: 'default' | 'enabled' | 'disabled';
  systemPreferred: 'default' | 'enabled' | 'disabled';
  sms: boolean;
  voice: boolean;
  email: boolean;
  softwareOath: boolean;
  securityDefaults: boolean;
}

const PROFILES: Record<TenantProfile, PolicyProfile> = {
  typical: {
    allUsersMfa: 'enabled', allUsersExtraExclusions: true,
    adminPolicy: { state: 'enabledForReportingButNotEnforced', strength: 'phishingResistant', roles: 'privilegedAdmin' }, legacyBlock: 'disabled', x509: false,
    migration: 'migrationInProgress', campaign: 'default', systemPreferred: 'default',
    sms: true, voice: false, email: true, softwareOath: true, securityDefaults: false,
  },
  clean: {
    allUsersMfa: 'enabled', allUsersExtraExclusions: false,
    adminPolicy: { state: 'enabled', strength: 'phishingResistant', roles: 'allPrivileged' }, legacyBlock: 'enabled', x509: true,
    migration: 'migrationComplete', campaign: 'enabled', systemPreferred: 'enabled',
    sms: false, voice: false, email: false, softwareOath: true, securityDefaults: false,
  },
  poor: {
    allUsersMfa: null, allUsersExtraExclusions: true,
    adminPolicy: { state: 'enabledForReportingButNotEnforced', strength: 'mfa', roles: 'privilegedAdmin' }, legacyBlock: 'disabled', x509: false,
    migration: 'preMigration', campaign: 'disabled', systemPreferred: 'disabled',
    sms: true, voice: true, email: true, softwareOath: true, securityDefaults: false,
  },
};

/**
 * `specialIndexes`: the fixed users of tenant.ts and roles.ts (hostile names, role mismatches), never chosen as the
 * break-glass account so that each stays the one case it was made for.
 */
export function buildPolicies(tenant: SimTenant, privilegedRoleIds: readonly string[], specialIndexes: ReadonlySet<number>): SimPolicies {
  const { seed, userCount } = tenant;
  const profile = PROFILES[tenant.profile];
  const at = (i: number): SimPolicyUser => {
    const u = tenant.user(i);
    return { index: i, id: u.id, userPrincipalName: u.userPrincipalName };
  };

  // --- people and groups (seed only) ---------------------------------------------------------------------------
  // The break-glass-looking account: the first permanent, tenant-wide Global Administrator who is not a fixed
  // special user. Chosen from role data only (seed), so it is the same account in every profile and quarter.
  // Small tenants may have no such admin: then any non-special tenant-wide active Global Administrator, or none (a
  // fixed special user is never made the break-glass account: each stays the one case it was made for).
  let breakGlass: SimPolicyUser | null = null;
  const scan = Math.min(userCount, BREAK_GLASS_SCAN);
  const passes: ((i: number) => boolean)[] = [
    (i) => !specialIndexes.has(i) && tenant.roleHoldingOf(i)?.extraEligibleRoleId === null,
    (i) => !specialIndexes.has(i),
  ];
  for (const pass of passes) {
    for (let i = 0; i < scan && breakGlass === null; i++) {
      const h = tenant.roleHoldingOf(i);
      if (h?.kind === 'active' && h.roleId === GLOBAL_ADMINISTRATOR && h.directoryScopeId === '/' && pass(i)) breakGlass = at(i);
    }
    if (breakGlass !== null) break;
  }
  const exemptUser = userCount > EXEMPT_USER_INDEX && tenant.roleHoldingOf(EXEMPT_USER_INDEX) === null ? at(EXEMPT_USER_INDEX) : null;

  const taken = new Set<number>([breakGlass?.index ?? -1, exemptUser?.index ?? -1]);
  const draw = (salt: string, n: number): number[] => {
    // plain members only (no role), distinct, deterministic
    const out: number[] = [];
    const key = streamKey(seed, salt);
    for (let k = 0; out.length < n && k < n * 50 && userCount > 0; k++) {
      const i = Math.floor(rngFor(key, k)() * userCount);
      if (taken.has(i) || tenant.roleHoldingOf(i) !== null || tenant.user(i).userType !== 'member') continue;
      taken.add(i);
      out.push(i);
    }
    return out.sort((a, b) => a - b);
  };
  const groupKey = streamKey(seed, 'ca-group');
  const kiosk = draw('ca-group-kiosk', 2);
  const exclusions = draw('ca-group-exclusions', 3);
  const pilot = draw('ca-group-pilot', 8);
  const kioskGroup: SimPolicyGroup = {
    id: uuidFor(groupKey, 1), displayName: 'CA - Shared kiosk accounts', description: 'Kiosk sign-ins; nested in CA - MFA exclusions',
    isAssignableToRole: false, memberUserIndexes: kiosk, memberGroupIds: [], transitiveUserIndexes: kiosk,
  };
  const exclusionGroup: SimPolicyGroup = {
    id: uuidFor(groupKey, 0), displayName: 'CA - MFA exclusions', description: 'Temporarily excluded from the all-users MFA policy',
    isAssignableToRole: false, memberUserIndexes: exclusions, memberGroupIds: [kioskGroup.id],
    transitiveUserIndexes: [...new Set([...exclusions, ...kiosk])].sort((a, b) => a - b),
  };
  const pilotGroup: SimPolicyGroup = {
    id: uuidFor(groupKey, 2), displayName: 'CA - Legacy authentication block pilot', description: 'Pilot users of the legacy authentication block',
    isAssignableToRole: false, memberUserIndexes: pilot, memberGroupIds: [], transitiveUserIndexes: pilot,
  };
  const groups = [exclusionGroup, kioskGroup, pilotGroup];

  // --- Conditional Access --------------------------------------------------------------------------------------
  const strengths: Strength[] = [
    ...builtInStrengths(),
    {
      id: uuidFor(streamKey(seed, 'auth-strength'), 0), createdDateTime: '2025-03-14T09:30:00Z', modifiedDateTime: '2025-03-14T09:30:00Z',
      displayName: 'Contoso - Authenticator or security key', description: 'Custom strength: passwordless Authenticator, FIDO2 or Authenticator push with a password',
      policyType: 'custom', requirementsSatisfied: 'mfa', allowedCombinations: ['fido2', 'deviceBasedPush', 'password,microsoftAuthenticatorPush'],
    },
  ];
  const strengthById = new Map(strengths.map((s) => [s.id, s]));
  const policyKey = streamKey(seed, 'ca-policy');
  const bgIds = breakGlass ? [breakGlass.id] : [];
  const users = (u: Partial<Record<'includeUsers' | 'excludeUsers' | 'includeGroups' | 'excludeGroups' | 'includeRoles' | 'excludeRoles', string[]>>) => ({
    includeUsers: [], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [],
    includeGuestsOrExternalUsers: null, excludeGuestsOrExternalUsers: null, ...u,
  });
  const policy = (k: number, displayName: string, state: string, conditions: Record<string, unknown>, grant: { operator?: string; builtInControls?: string[]; strength?: string }) => {
    const id = uuidFor(policyKey, k);
    const grantControls: Record<string, unknown> = {
      operator: grant.operator ?? 'OR', builtInControls: grant.builtInControls ?? [], customAuthenticationFactors: [], termsOfUse: [],
    };
    const s = grant.strength === undefined ? undefined : strengthById.get(grant.strength);
    if (s) {
      grantControls['authenticationStrength@odata.context'] =
        `https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies('${id}')/grantControls/authenticationStrength/$entity`;
      grantControls['authenticationStrength'] = { ...s, allowedCombinations: [...s.allowedCombinations] };
    } else {
      grantControls['authenticationStrength'] = null;
    }
    const created = new Date(Date.parse('2024-02-01T08:00:00Z') + k * 86_400_000 * 17).toISOString().replace('.000Z', 'Z');
    return {
      id, templateId: null, displayName, createdDateTime: created, modifiedDateTime: created, state,
      sessionControls: null,
      conditions: {
        userRiskLevels: [], signInRiskLevels: [], clientAppTypes: ['all'], servicePrincipalRiskLevels: [], insiderRiskLevels: null,
        platforms: null, locations: null, devices: null, clientApplications: null,
        applications: { includeApplications: ['All'], excludeApplications: [], includeUserActions: [], includeAuthenticationContextClassReferences: [], applicationFilter: null },
        ...conditions,
      },
      grantControls,
    };
  };
  const ca: Record<string, unknown>[] = [];
  if (profile.allUsersMfa) {
    const extra = profile.allUsersExtraExclusions;
    ca.push(policy(0, 'CA001: Require multifactor authentication for all users', profile.allUsersMfa, {
      users: users({
        includeUsers: ['All'],
        excludeUsers: [...bgIds, ...(extra && exemptUser ? [exemptUser.id] : [])],
        excludeGroups: extra ? [exclusionGroup.id] : [],
      }),
    }, { builtInControls: ['mfa'] }));
  }
  ca.push(policy(1, 'CA002: Require phishing-resistant MFA for administrators', profile.adminPolicy.state, {
    users: users({
      includeRoles: profile.adminPolicy.roles === 'allPrivileged' ? [...new Set([...privilegedRoleIds, ...ENTRA_PRIVILEGED_ROLE_IDS])] : [...privilegedRoleIds],
      excludeUsers: bgIds,
    }),
  }, profile.adminPolicy.strength === 'phishingResistant' ? { strength: BUILT_IN_STRENGTH.phishingResistantMfa } : { builtInControls: ['mfa'] }));
  ca.push(policy(2, 'CA003: Require MFA outside trusted locations', 'enabled', {
    users: users({ includeUsers: ['All'], excludeUsers: bgIds }),
    locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] },
  }, { builtInControls: ['mfa'] }));
  ca.push(policy(3, 'CA004: Block legacy authentication', profile.legacyBlock, {
    users: profile.legacyBlock === 'enabled' ? users({ includeUsers: ['All'], excludeUsers: bgIds }) : users({ includeGroups: [pilotGroup.id] }),
    clientAppTypes: ['exchangeActiveSync', 'other'],
  }, { builtInControls: ['block'] }));

  // --- authentication methods policy ---------------------------------------------------------------------------
  const allUsers = (extra: Record<string, unknown> = {}) => [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false, ...extra }];
  const state = (on: boolean) => (on ? 'enabled' : 'disabled');
  const featureTarget = (s: string) => ({
    state: s,
    includeTarget: { targetType: 'group', id: 'all_users' },
    excludeTarget: { targetType: 'group', id: '00000000-0000-0000-0000-000000000000' },
  });
  const methodsPolicy = (version: 'v1.0' | 'beta'): Record<string, unknown> => {
    const authenticatorFeatures: Record<string, unknown> = {
      displayAppInformationRequiredState: featureTarget(tenant.profile === 'poor' ? 'default' : 'enabled'),
      displayLocationInformationRequiredState: featureTarget(tenant.profile === 'poor' ? 'default' : 'enabled'),
    };
    if (version === 'beta') {
      authenticatorFeatures['numberMatchingRequiredState'] = featureTarget('enabled');
      authenticatorFeatures['companionAppAllowedState'] = featureTarget(tenant.profile === 'clean' ? 'disabled' : 'default');
    }
    const configs: Record<string, unknown>[] = [
      { '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration', id: 'Fido2', state: 'enabled', excludeTargets: [],
        isSelfServiceRegistrationAllowed: true, isAttestationEnforced: tenant.profile === 'clean',
        keyRestrictions: { isEnforced: false, enforcementType: 'block', aaGuids: [] }, includeTargets: allUsers() },
      { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration', id: 'MicrosoftAuthenticator', state: 'enabled',
        excludeTargets: [], isSoftwareOathEnabled: false, featureSettings: authenticatorFeatures,
        includeTargets: allUsers({ authenticationMode: 'any' }) },
      { '@odata.type': '#microsoft.graph.smsAuthenticationMethodConfiguration', id: 'Sms', state: state(profile.sms), excludeTargets: [],
        includeTargets: allUsers({ isUsableForSignIn: profile.sms }) },
      { '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration', id: 'TemporaryAccessPass', state: 'enabled',
        excludeTargets: [], defaultLifetimeInMinutes: 60, defaultLength: 8, minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480,
        isUsableOnce: tenant.profile === 'clean', includeTargets: allUsers() },
      { '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethodConfiguration', id: 'SoftwareOath', state: state(profile.softwareOath),
        excludeTargets: [], includeTargets: allUsers() },
      { '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethodConfiguration', id: 'HardwareOath', state: 'disabled',
        excludeTargets: [], includeTargets: allUsers() },
      { '@odata.type': '#microsoft.graph.emailAuthenticationMethodConfiguration', id: 'Email', state: state(profile.email), excludeTargets: [],
        allowExternalIdToUseEmailOtp: 'default', includeTargets: allUsers() },
      { '@odata.type': '#microsoft.graph.voiceAuthenticationMethodConfiguration', id: 'Voice', state: state(profile.voice), excludeTargets: [],
        isOfficePhoneAllowed: profile.voice, includeTargets: allUsers() },
      { '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration', id: 'X509Certificate', state: state(profile.x509),
        excludeTargets: [], certificateUserBindings: [
          { x509CertificateField: 'PrincipalName', userProperty: 'onPremisesUserPrincipalName', priority: 1 },
          { x509CertificateField: 'RFC822Name', userProperty: 'userPrincipalName', priority: 2 },
        ],
        authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor', rules: [] },
        includeTargets: allUsers() },
    ];
    const body: Record<string, unknown> = {
      id: 'authenticationMethodsPolicy',
      displayName: 'Authentication Methods Policy',
      description: 'The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings',
      lastModifiedDateTime: '2026-06-02T10:15:00Z',
      policyVersion: '1.5',
      policyMigrationState: profile.migration,
      registrationEnforcement: {
        authenticationMethodsRegistrationCampaign: {
          snoozeDurationInDays: 1, enforceRegistrationAfterAllowedSnoozes: true, state: profile.campaign,
          excludeTargets: breakGlass ? [{ id: breakGlass.id, targetType: 'user' }] : [],
          includeTargets: [{ id: 'all_users', targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' }],
        },
      },
    };
    if (version === 'beta') {
      body['systemCredentialPreferences'] = {
        state: profile.systemPreferred, excludeTargets: [], includeTargets: [{ id: 'all_users', targetType: 'group' }],
      };
      body['reportSuspiciousActivitySettings'] = {
        state: tenant.profile === 'clean' ? 'enabled' : 'default', voiceReportingCode: 0,
        includeTarget: { targetType: 'group', id: 'all_users' },
      };
    }
    body['authenticationMethodConfigurations@odata.context'] =
      `https://graph.microsoft.com/${version}/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations`;
    body['authenticationMethodConfigurations'] = configs;
    return body;
  };

  return {
    breakGlass,
    exemptUser,
    groups,
    conditionalAccessPolicies: ca,
    authenticationStrengthPolicies: strengths.map((x) => ({ ...x })),
    authenticationMethodsPolicy: methodsPolicy,
    securityDefaults: {
      id: SECURITY_DEFAULTS_ID,
      displayName: 'Security Defaults',
      description: 'Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.',
      isEnabled: profile.securityDefaults,
    },
  };
}
