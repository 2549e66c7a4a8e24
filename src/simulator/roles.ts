/**
 * Directory roles of the synthetic tenant (graph-api.md §D.1, §D.2): role definitions, who holds which role
 * (active or PIM-eligible, directly, through a role-assignable group or at administrative-unit scope) and the
 * wire records of roleAssignments / roleEligibilityScheduleInstances.
 *
 * Memory is proportional to the number of role holders (≈ 1 % of users), never to the user count: tenant.ts finds
 * the holders with one cheap pass over the first draws of each user and keeps only their indices here; every
 * record is rebuilt on demand from (seed, index).
 */
import { hashString, rngFor, streamKey, uuidFor } from './prng.js';

export interface BuiltInRole {
  id: string;
  displayName: string;
  /** Entra's "privileged" label, (P) in graph-api.md §D.1; served as `isPrivileged` on beta only. */
  isPrivileged: boolean;
}

/** The 22 built-in roles of graph-api.md §D.1, in its order; for built-ins, id = templateId. */
export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  { id: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator', isPrivileged: true },
  { id: 'e8611ab8-c189-46e8-94e1-60213ab1f814', displayName: 'Privileged Role Administrator', isPrivileged: true },
  { id: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', displayName: 'Privileged Authentication Administrator', isPrivileged: true },
  { id: '194ae4cb-b126-40b2-bd5b-6091b380977d', displayName: 'Security Administrator', isPrivileged: true },
  { id: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', displayName: 'Conditional Access Administrator', isPrivileged: true },
  { id: '29232cdf-9323-42fd-ade2-1d097af3e4de', displayName: 'Exchange Administrator', isPrivileged: false },
  { id: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c', displayName: 'SharePoint Administrator', isPrivileged: false },
  { id: '729827e3-9c14-49f7-bb1b-9608f156bbb8', displayName: 'Helpdesk Administrator', isPrivileged: true },
  { id: 'b0f54661-2d74-4c50-afa3-1ec803f12efe', displayName: 'Billing Administrator', isPrivileged: false },
  { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', displayName: 'User Administrator', isPrivileged: true },
  { id: 'c4e39bd9-1100-46d3-8c65-fb160da0071f', displayName: 'Authentication Administrator', isPrivileged: true },
  { id: '0526716b-113d-4c15-b2c8-68e3c22b9f80', displayName: 'Authentication Policy Administrator', isPrivileged: false },
  { id: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', displayName: 'Application Administrator', isPrivileged: true },
  { id: '158c047a-c907-4556-b7ef-446551a6b5f7', displayName: 'Cloud Application Administrator', isPrivileged: true },
  { id: '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2', displayName: 'Hybrid Identity Administrator', isPrivileged: true },
  { id: '3a2c62db-5318-420d-8d74-23affee5d9d5', displayName: 'Intune Administrator', isPrivileged: true },
  { id: '966707d0-3269-4727-9be2-8c3a10f19b9d', displayName: 'Password Administrator', isPrivileged: true },
  { id: '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f', displayName: 'Security Operator', isPrivileged: true },
  { id: '5d6b6bb7-de71-4623-b4af-96380a352509', displayName: 'Security Reader', isPrivileged: true },
  { id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', displayName: 'Global Reader', isPrivileged: true },
  { id: '4a5d8f65-41da-4de4-8968-e035b65339cf', displayName: 'Reports Reader', isPrivileged: false },
  { id: '9360feb5-f418-4baa-8175-e2a00bac4301', displayName: 'Directory Writers', isPrivileged: true },
];

/**
 * A few of each role's allowedResourceActions, as the Entra built-in roles reference lists them (permissions-
 * reference.md, 2026-01-20): enough to be realistic ({namespace}/{entity}/{propertySet}/{action}, unifiedRolePermission),
 * not the complete lists.
 */
const ROLE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  '62e90394-69f5-4237-9190-012177145e10': ['microsoft.directory/users/allProperties/allTasks',
    'microsoft.directory/roleAssignments/allProperties/allTasks', 'microsoft.directory/applications/allProperties/allTasks',
    'microsoft.directory/conditionalAccessPolicies/allProperties/allTasks'],
  'e8611ab8-c189-46e8-94e1-60213ab1f814': ['microsoft.directory/roleAssignments/allProperties/allTasks',
    'microsoft.directory/roleDefinitions/allProperties/allTasks', 'microsoft.directory/privilegedIdentityManagement/allProperties/allTasks',
    'microsoft.directory/administrativeUnits/allProperties/allTasks'],
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13': ['microsoft.directory/users/authenticationMethods/create',
    'microsoft.directory/users/authenticationMethods/delete', 'microsoft.directory/users/authenticationMethods/standard/read',
    'microsoft.directory/users/password/update', 'microsoft.directory/users/invalidateAllRefreshTokens'],
  '194ae4cb-b126-40b2-bd5b-6091b380977d': ['microsoft.directory/identityProtection/allProperties/allTasks',
    'microsoft.directory/conditionalAccessPolicies/create', 'microsoft.directory/conditionalAccessPolicies/basic/update',
    'microsoft.directory/auditLogs/allProperties/read'],
  'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9': ['microsoft.directory/conditionalAccessPolicies/create',
    'microsoft.directory/conditionalAccessPolicies/delete', 'microsoft.directory/conditionalAccessPolicies/standard/read',
    'microsoft.directory/conditionalAccessPolicies/basic/update', 'microsoft.directory/namedLocations/create'],
  '29232cdf-9323-42fd-ade2-1d097af3e4de': ['microsoft.office365.exchange/allEntities/basic/allTasks',
    'microsoft.directory/groups.unified/create', 'microsoft.office365.supportTickets/allEntities/allTasks'],
  'f28a1f50-f6e7-4571-818b-6a12f2af6b6c': ['microsoft.office365.sharePoint/allEntities/allTasks',
    'microsoft.directory/groups.unified/create', 'microsoft.office365.supportTickets/allEntities/allTasks'],
  '729827e3-9c14-49f7-bb1b-9608f156bbb8': ['microsoft.directory/users/invalidateAllRefreshTokens',
    'microsoft.directory/users/bitLockerRecoveryKeys/read', 'microsoft.directory/users/password/update',
    'microsoft.office365.supportTickets/allEntities/allTasks'],
  'b0f54661-2d74-4c50-afa3-1ec803f12efe': ['microsoft.commerce.billing/allEntities/allProperties/allTasks',
    'microsoft.directory/organization/basic/update', 'microsoft.office365.supportTickets/allEntities/allTasks'],
  'fe930be7-5e62-47db-91af-98c3a49a38b1': ['microsoft.directory/users/create', 'microsoft.directory/users/delete',
    'microsoft.directory/users/basic/update', 'microsoft.directory/users/password/update',
    'microsoft.directory/groups/members/update'],
  'c4e39bd9-1100-46d3-8c65-fb160da0071f': ['microsoft.directory/users/authenticationMethods/create',
    'microsoft.directory/users/authenticationMethods/delete', 'microsoft.directory/users/authenticationMethods/standard/read',
    'microsoft.directory/users/authenticationMethods/basic/update', 'microsoft.directory/users/password/update'],
  '0526716b-113d-4c15-b2c8-68e3c22b9f80': ['microsoft.directory/organization/strongAuthentication/allTasks',
    'microsoft.directory/userCredentialPolicies/create', 'microsoft.directory/userCredentialPolicies/basic/update'],
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': ['microsoft.directory/applications/create',
    'microsoft.directory/applications/credentials/update', 'microsoft.directory/servicePrincipals/credentials/update',
    'microsoft.directory/servicePrincipals/appRoleAssignedTo/update'],
  '158c047a-c907-4556-b7ef-446551a6b5f7': ['microsoft.directory/applications/create',
    'microsoft.directory/applications/credentials/update', 'microsoft.directory/servicePrincipals/credentials/update'],
  '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2': ['microsoft.directory/cloudProvisioning/allProperties/allTasks',
    'microsoft.directory/domains/federation/update', 'microsoft.directory/organization/dirSync/update'],
  '3a2c62db-5318-420d-8d74-23affee5d9d5': ['microsoft.intune/allEntities/allTasks', 'microsoft.directory/devices/basic/update',
    'microsoft.directory/groups.security/members/update'],
  '966707d0-3269-4727-9be2-8c3a10f19b9d': ['microsoft.directory/users/password/update',
    'microsoft.office365.webPortal/allEntities/standard/read'],
  '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f': ['microsoft.directory/identityProtection/allProperties/read',
    'microsoft.directory/identityProtection/riskyUsers/update', 'microsoft.directory/auditLogs/allProperties/read',
    'microsoft.directory/signInReports/allProperties/read'],
  '5d6b6bb7-de71-4623-b4af-96380a352509': ['microsoft.directory/auditLogs/allProperties/read',
    'microsoft.directory/signInReports/allProperties/read', 'microsoft.directory/identityProtection/allProperties/read',
    'microsoft.directory/policies/standard/read'],
  'f2ef992c-3afb-46b9-b7cf-a126ee74c451': ['microsoft.directory/auditLogs/allProperties/read',
    'microsoft.directory/signInReports/allProperties/read', 'microsoft.directory/roleAssignments/standard/read',
    'microsoft.directory/users/authenticationMethods/standard/restrictedRead'],
  '4a5d8f65-41da-4de4-8968-e035b65339cf': ['microsoft.directory/auditLogs/allProperties/read',
    'microsoft.directory/signInReports/allProperties/read', 'microsoft.office365.usageReports/allEntities/allProperties/read'],
  '9360feb5-f418-4baa-8175-e2a00bac4301': ['microsoft.directory/users/create', 'microsoft.directory/users/basic/update',
    'microsoft.directory/groups/create', 'microsoft.directory/groups/members/update'],
};
/** The custom role: what its description says (reset passwords, sign users out). */
const CUSTOM_ROLE_ACTIONS = ['microsoft.directory/users/password/update', 'microsoft.directory/users/invalidateAllRefreshTokens'];

/** Template ids of the built-ins with Entra's (P) label: what `$filter=isPrivileged eq true` returns (beta). */
export const ENTRA_PRIVILEGED_ROLE_IDS: readonly string[] = BUILT_IN_ROLES.filter((r) => r.isPrivileged).map((r) => r.id);

export const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  hybridIdentityAdministrator: '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2',
  passwordAdministrator: '966707d0-3269-4727-9be2-8c3a10f19b9d',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  reportsReader: '4a5d8f65-41da-4de4-8968-e035b65339cf',
} as const;

/** A roleDefinitions row (unifiedRoleDefinition subset). `isPrivileged` is beta-only on the wire (§D.1). */
export interface SimRoleDefinition {
  id: string;
  templateId: string;
  displayName: string;
  description: string;
  isBuiltIn: boolean;
  isEnabled: boolean;
  isPrivileged: boolean;
  resourceScopes: string[];
  version: string | null;
  /** unifiedRolePermission: allowed actions and an optional condition (none for these roles). */
  rolePermissions: { allowedResourceActions: string[]; condition: null }[];
}

export type PrincipalType = 'user' | 'group' | 'servicePrincipal';

/** A principal as `$expand=principal` shows it, plus the user index for tests (not on the wire). */
export interface SimPrincipal {
  type: PrincipalType;
  id: string;
  displayName: string;
  /** Users only. */
  userPrincipalName?: string;
  /** Service principals only. */
  appId?: string;
  /** Users only: the index in the tenant (tenant.user(userIndex)). */
  userIndex?: number;
}

/** An active assignment (unifiedRoleAssignment), wire fields plus the resolved principal. */
export interface SimRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  appScopeId: null;
  principal: SimPrincipal;
}

/** A PIM eligibility instance (unifiedRoleEligibilityScheduleInstance), wire fields plus the resolved principal. */
export interface SimRoleEligibility {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  appScopeId: null;
  startDateTime: string;
  /** null = permanently eligible. */
  endDateTime: string | null;
  /**
   * 'Direct' for every instance served: the eligible principal (user or group) is the one named. The simulator
   * never lists per-member 'Group' instances, since what Graph lists for group-inherited eligibility is not
   * documented; a collector must expand eligible groups itself.
   */
  memberType: 'Direct' | 'Group';
  roleEligibilityScheduleId: string;
  principal: SimPrincipal;
}

export interface SimGroup {
  id: string;
  displayName: string;
  description: string;
  isAssignableToRole: true;
  /** Roles the group itself holds: active and PIM-eligible, all at tenant scope. */
  activeRoleIds: string[];
  eligibleRoleIds: string[];
  /** Direct members. */
  memberUserIndexes: number[];
  memberGroupIds: string[];
  /** Users who are members directly or through nested groups, ascending. */
  transitiveUserIndexes: number[];
  /** Managed by PIM for Groups: eligible members and owners (groupEligibilities), who are not members until they activate. */
  pimForGroups: boolean;
  /** PIM for Groups: users eligible for membership (not in memberUserIndexes / transitiveUserIndexes), ascending. */
  eligibleMemberUserIndexes: number[];
  /** PIM for Groups: users eligible for ownership (they manage the group; they hold none of its roles). */
  eligibleOwnerUserIndexes: number[];
}

/**
 * An instance of PIM for Groups eligibility (privilegedAccessGroupEligibilityScheduleInstance, v1.0), wire fields
 * plus the resolved principal. The id is `{groupId}_{accessId}_{eligibilityScheduleId}`, as in the doc example.
 */
export interface SimGroupEligibility {
  id: string;
  startDateTime: string;
  /** null = permanently eligible. */
  endDateTime: string | null;
  /** privilegedAccessGroupRelationships: eligible for membership or for ownership of the group. */
  accessId: 'member' | 'owner';
  principalId: string;
  groupId: string;
  /** As in the doc example's answers ('Direct'; the enum lists direct, group, unknownFutureValue). */
  memberType: 'Direct';
  eligibilityScheduleId: string;
  principal: SimPrincipal;
}

export interface SimServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  activeRoleIds: string[];
}

export interface SimAdministrativeUnit {
  id: string;
  displayName: string;
}

/**
 * How a role-holding user holds the role, and what userRegistrationDetails says about it (isAdmin, §D.2):
 * - active: active direct assignment at tenant scope; isAdmin true.
 * - eligibleReported / eligibleUnreported: PIM-eligible only, no active assignment; isAdmin true / false. Microsoft
 *   does not document whether eligibility counts (§D.2), so the simulator serves both, half each.
 * - group: only through membership of a role-assignable group (possibly nested); isAdmin true.
 * - groupEligible: eligible member of a role-assignable group through PIM for Groups: not a member (nor in
 *   transitiveMembers) until the membership is activated, no role record of its own. Whether isAdmin counts this is
 *   not documented (§D.2): the drawn ones are reported (the members they would otherwise be), the fixed one (tenant.ts)
 *   is not, so only the PIM-for-Groups route finds that user.
 * - administrativeUnit: active assignment scoped to an administrative unit; isAdmin true.
 * - reportLag: isAdmin false (a stale report row) although an active assignment exists.
 */
export type RoleHoldingKind =
  | 'active'
  | 'eligibleReported'
  | 'eligibleUnreported'
  | 'group'
  | 'groupEligible'
  | 'administrativeUnit'
  | 'reportLag';

export interface RoleHolding {
  kind: RoleHoldingKind;
  /** The role held directly, or for kind 'group' the role the user's own group holds. */
  roleId: string;
  /** '/' or '/administrativeUnits/{id}'. */
  directoryScopeId: string;
  /** Kind 'group': the group the user is a direct member of; 'groupEligible': the group the user is eligible for. */
  groupId: string | null;
  /** Some active admins are also PIM-eligible, time-bound, for a second role. */
  extraEligibleRoleId: string | null;
  /** The isAdmin value of the user's userRegistrationDetails row. */
  reportedAsAdmin: boolean;
}

/** Random access plus iteration: the server pages by offset, tests iterate. */
export interface SimList<T> extends Iterable<T> {
  readonly length: number;
  at(k: number): T;
}

/** Fixed role holders at small indices (present when index < userCount), so every mismatch kind always exists. */
export interface RoleSpecial {
  index: number;
  why: string;
  kind: RoleHoldingKind;
  roleId: string;
  /** Kind 'group': index into the tenant's groups(). */
  group?: number;
  /** Kind 'administrativeUnit': index into the administrative units. */
  administrativeUnit?: number;
}

export const ROLE_SPECIALS: readonly RoleSpecial[] = [
  { index: 3, why: 'report lag: isAdmin false, active Reports Reader (a non-privileged role, and nothing else)',
    kind: 'reportLag', roleId: ROLE.reportsReader },
  { index: 5, why: 'PIM-eligible-only Global Administrator, isAdmin false', kind: 'eligibleUnreported',
    roleId: ROLE.globalAdministrator },
  { index: 9, why: 'PIM-eligible-only Privileged Role Administrator, isAdmin true', kind: 'eligibleReported',
    roleId: ROLE.privilegedRoleAdministrator },
  { index: 11, why: 'member of the nested group only: eligible Authentication Administrator, active Helpdesk ' +
    'Administrator through the parent group', kind: 'group', roleId: ROLE.authenticationAdministrator, group: 2 },
  { index: 17, why: 'User Administrator scoped to an administrative unit', kind: 'administrativeUnit',
    roleId: ROLE.userAdministrator, administrativeUnit: 0 },
  { index: 19, why: 'report lag: isAdmin false, active Global Administrator', kind: 'reportLag',
    roleId: ROLE.globalAdministrator },
];

/**
 * The three role-assignable groups. Group 2 is nested in group 0, so its members hold group 0's role too.
 * Note: Entra currently refuses to nest a group inside a role-assignable group; the nesting is here so a
 * collector's transitive expansion (transitiveMembers) is exercised, as asked for.
 */
export const GROUP_BLUEPRINTS = [
  { displayName: 'Role - Helpdesk Administrators', description: 'Active Helpdesk Administrator (role-assignable)',
    activeRoleIds: [ROLE.helpdeskAdministrator], eligibleRoleIds: [], parent: null, pimForGroups: true },
  { displayName: 'PIM - Security Administrators', description: 'Eligible Security Administrator (role-assignable)',
    activeRoleIds: [], eligibleRoleIds: [ROLE.securityAdministrator], parent: null, pimForGroups: true },
  { displayName: 'PIM - Authentication Administrators',
    description: 'Eligible Authentication Administrator; nested in Role - Helpdesk Administrators',
    activeRoleIds: [], eligibleRoleIds: [ROLE.authenticationAdministrator], parent: 0, pimForGroups: false },
] as const;

/**
 * Share of the group holders of a group managed by PIM for Groups who are eligible members (groupEligible) rather
 * than members. The nested group is not managed by PIM: its eligible members would hold the parent group's role
 * through a path no API lists (and Entra refuses the nesting itself, see above).
 */
export const PIM_GROUP_ELIGIBLE_SHARE = 0.4;
/** The group of the fixed PIM-for-Groups-only user (tenant.ts): PIM - Security Administrators. */
export const PIM_ONLY_GROUP: number = 1;

/** Share of role-group holders per group. */
export const GROUP_WEIGHTS: readonly (readonly [number, number])[] = [[0, 40], [1, 35], [2, 25]];

export const SERVICE_PRINCIPAL_BLUEPRINTS = [
  { displayName: 'Sim Tenant Automation', activeRoleIds: [ROLE.globalAdministrator] },
  { displayName: 'Sim Directory Sync', activeRoleIds: [ROLE.hybridIdentityAdministrator] },
  { displayName: 'Sim SOC Connector', activeRoleIds: [ROLE.securityAdministrator] },
] as const;

export const ADMINISTRATIVE_UNIT_NAMES = ['AU - EMEA', 'AU - Americas'] as const;
/** Roles that can be scoped to an administrative unit (Global Administrator cannot). */
export const AU_SCOPABLE_ROLE_IDS: readonly string[] = [
  ROLE.helpdeskAdministrator, ROLE.userAdministrator, ROLE.authenticationAdministrator, ROLE.passwordAdministrator,
];
/** Second, time-bound eligible roles of some active admins. */
export const EXTRA_ELIGIBLE_ROLE_IDS: readonly string[] = [
  ROLE.privilegedRoleAdministrator, ROLE.globalReader, ROLE.securityReader, ROLE.privilegedAuthenticationAdministrator,
];

const DAY = 86_400_000;

/** What the role model needs from the tenant. */
export interface RoleModelSource {
  seed: number;
  asOfMs: number;
  /** Ascending indices of every user with a RoleHolding. */
  holders: Int32Array;
  holding(i: number): RoleHolding | null;
  userPrincipal(i: number): SimPrincipal;
}

export interface RoleModel {
  definitions: SimRoleDefinition[];
  groups: SimGroup[];
  servicePrincipals: SimServicePrincipal[];
  administrativeUnits: SimAdministrativeUnit[];
  assignments: SimList<SimRoleAssignment>;
  eligibilities: SimList<SimRoleEligibility>;
  /** PIM for Groups instances: per group managed by PIM, eligible members by ascending index, then owners. */
  groupEligibilities: SimList<SimGroupEligibility>;
  privilegedHolders(roleIds: ReadonlySet<string>): { userIndexes: number[]; servicePrincipalIds: string[] };
}

/** Ids that do not depend on the holder scan, so tenant.ts can use them while classifying a user. */
export function roleIds(seed: number): {
  groupIds: string[];
  administrativeUnitIds: string[];
  customRoleId: string;
} {
  return {
    groupIds: GROUP_BLUEPRINTS.map((_, k) => uuidFor(streamKey(seed, 'role-group'), k)),
    administrativeUnitIds: ADMINISTRATIVE_UNIT_NAMES.map((_, k) => uuidFor(streamKey(seed, 'administrative-unit'), k)),
    customRoleId: uuidFor(streamKey(seed, 'custom-role'), 0),
  };
}

export const CUSTOM_ROLE_NAME = 'Sim Tier-1 Support (custom)';

function list<T>(length: number, at: (k: number) => T): SimList<T> {
  const get = (k: number): T => {
    if (!Number.isInteger(k) || k < 0 || k >= length) throw new RangeError(`record ${k} out of [0, ${length})`);
    return at(k);
  };
  return {
    length,
    at: get,
    *[Symbol.iterator]() {
      for (let k = 0; k < length; k++) yield at(k);
    },
  };
}

/** Opaque assignment ids shaped like Graph's: base64url of the role and principal GUID bytes, then a suffix. */
function opaqueId(roleId: string, principalId: string, suffix: string): string {
  const bytes = Buffer.from(`${roleId}${principalId}`.replace(/-/g, ''), 'hex');
  return `${bytes.toString('base64url')}-${suffix}`;
}

/** ISO 8601 with milliseconds, as Graph writes schedule dates. */
const iso = (ms: number): string => new Date(ms).toISOString();

export function buildRoleModel(src: RoleModelSource): RoleModel {
  const { seed, asOfMs, holders } = src;
  const ids = roleIds(seed);

  const definitions: SimRoleDefinition[] = [
    ...BUILT_IN_ROLES.map((r) => ({
      id: r.id,
      templateId: r.id,
      displayName: r.displayName,
      description: `Built-in role: ${r.displayName}.`,
      isBuiltIn: true,
      isEnabled: true,
      isPrivileged: r.isPrivileged,
      resourceScopes: ['/'],
      version: '1',
      rolePermissions: [{ allowedResourceActions: [...(ROLE_ACTIONS[r.id] ?? [])], condition: null }],
    })),
    {
      id: ids.customRoleId,
      templateId: ids.customRoleId,
      displayName: CUSTOM_ROLE_NAME,
      description: 'Custom role: reset passwords of non-admins in the support units.',
      isBuiltIn: false,
      isEnabled: true,
      isPrivileged: false,
      resourceScopes: ['/'],
      version: null,
      rolePermissions: [{ allowedResourceActions: [...CUSTOM_ROLE_ACTIONS], condition: null }],
    },
  ];

  const administrativeUnits = ADMINISTRATIVE_UNIT_NAMES.map((displayName, k) => ({
    id: ids.administrativeUnitIds[k] ?? '',
    displayName,
  }));

  const spKey = streamKey(seed, 'service-principal');
  const spAppKey = streamKey(seed, 'service-principal-app');
  const servicePrincipals: SimServicePrincipal[] = SERVICE_PRINCIPAL_BLUEPRINTS.map((b, k) => ({
    id: uuidFor(spKey, k),
    appId: uuidFor(spAppKey, k),
    displayName: b.displayName,
    activeRoleIds: [...b.activeRoleIds],
  }));

  // Group membership and the per-kind record lists: one pass over the holders (≈ 1 % of users).
  const directMembers: number[][] = GROUP_BLUEPRINTS.map(() => []);
  const eligibleMembers: number[][] = GROUP_BLUEPRINTS.map(() => []);
  /** Active holders at tenant scope: the first ones own the groups managed by PIM (eligible owners). */
  const activeAtTenant: number[] = [];
  const activeUsers: number[] = [];
  const eligibleUsers: number[] = [];
  /** 0 = the primary role, 1 = the extra eligible role (active admins). */
  const eligibleWhich: number[] = [];
  for (const i of holders) {
    const h = src.holding(i);
    if (!h) continue;
    switch (h.kind) {
      case 'active':
      case 'administrativeUnit':
      case 'reportLag':
        activeUsers.push(i);
        if (h.kind === 'active' && h.directoryScopeId === '/') activeAtTenant.push(i);
        if (h.extraEligibleRoleId !== null) {
          eligibleUsers.push(i);
          eligibleWhich.push(1);
        }
        break;
      case 'eligibleReported':
      case 'eligibleUnreported':
        eligibleUsers.push(i);
        eligibleWhich.push(0);
        break;
      case 'group':
      case 'groupEligible': {
        const g = ids.groupIds.indexOf(h.groupId ?? '');
        if (g < 0) throw new Error(`user ${i}: unknown group ${String(h.groupId)}`);
        (h.kind === 'group' ? directMembers : eligibleMembers)[g]?.push(i);
        break;
      }
    }
  }

  const groups: SimGroup[] = GROUP_BLUEPRINTS.map((b, g) => ({
    id: ids.groupIds[g] ?? '',
    displayName: b.displayName,
    description: b.description,
    isAssignableToRole: true,
    activeRoleIds: [...b.activeRoleIds],
    eligibleRoleIds: [...b.eligibleRoleIds],
    memberUserIndexes: directMembers[g] ?? [],
    memberGroupIds: [],
    transitiveUserIndexes: [],
    pimForGroups: b.pimForGroups,
    eligibleMemberUserIndexes: eligibleMembers[g] ?? [],
    eligibleOwnerUserIndexes: [],
  }));
  // One eligible owner per group managed by PIM: the k-th active admin (owners manage the group, often admins).
  let owner = 0;
  for (const g of groups) {
    if (!g.pimForGroups) continue;
    const i = activeAtTenant[owner++];
    if (i !== undefined) g.eligibleOwnerUserIndexes.push(i);
  }
  GROUP_BLUEPRINTS.forEach((b, g) => {
    const parent = b.parent === null ? undefined : groups[b.parent];
    const child = groups[g];
    if (parent && child) parent.memberGroupIds.push(child.id);
  });
  const byId = new Map(groups.map((g) => [g.id, g]));
  const transitive = (g: SimGroup, seen: Set<string>): Set<number> => {
    const out = new Set(g.memberUserIndexes);
    for (const childId of g.memberGroupIds) {
      const child = byId.get(childId);
      if (!child || seen.has(childId)) continue;
      seen.add(childId);
      for (const i of transitive(child, seen)) out.add(i);
    }
    return out;
  };
  for (const g of groups) g.transitiveUserIndexes = [...transitive(g, new Set([g.id]))].sort((a, b) => a - b);

  const groupPrincipal = (g: SimGroup): SimPrincipal => ({ type: 'group', id: g.id, displayName: g.displayName });
  const spPrincipal = (sp: SimServicePrincipal): SimPrincipal => ({
    type: 'servicePrincipal',
    id: sp.id,
    displayName: sp.displayName,
    appId: sp.appId,
  });

  // Active assignments: service principals, then groups, then users by ascending index.
  const fixedActive: SimRoleAssignment[] = [];
  for (const sp of servicePrincipals) {
    for (const roleId of sp.activeRoleIds) {
      fixedActive.push({ id: opaqueId(roleId, sp.id, '1'), principalId: sp.id, roleDefinitionId: roleId,
        directoryScopeId: '/', appScopeId: null, principal: spPrincipal(sp) });
    }
  }
  for (const g of groups) {
    for (const roleId of g.activeRoleIds) {
      fixedActive.push({ id: opaqueId(roleId, g.id, '1'), principalId: g.id, roleDefinitionId: roleId,
        directoryScopeId: '/', appScopeId: null, principal: groupPrincipal(g) });
    }
  }
  const userActive = Int32Array.from(activeUsers);
  const assignments = list(fixedActive.length + userActive.length, (k) => {
    const fixed = fixedActive[k];
    if (fixed) return { ...fixed, principal: { ...fixed.principal } };
    const i = userActive[k - fixedActive.length] ?? -1;
    const h = src.holding(i);
    if (!h) throw new Error(`user ${i} lost its role`);
    const principal = src.userPrincipal(i);
    const suffix = h.directoryScopeId === '/' ? '1' : `1-${hashString(h.directoryScopeId).toString(36)}`;
    return { id: opaqueId(h.roleId, principal.id, suffix), principalId: principal.id, roleDefinitionId: h.roleId,
      directoryScopeId: h.directoryScopeId, appScopeId: null, principal };
  });

  // Eligibility instances: groups, then users by ascending index.
  const scheduleKey = streamKey(seed, 'eligibility-schedule');
  const datesKey = streamKey(seed, 'eligibility-dates');
  const dates = (key: number, permanentShare: number): { start: string; end: string | null } => {
    const rng = rngFor(datesKey, key);
    const start = asOfMs - (1 + Math.floor(rng() * 700)) * DAY - Math.floor(rng() * DAY);
    const end = rng() < permanentShare ? null : asOfMs + (30 + Math.floor(rng() * 335)) * DAY;
    return { start: iso(start), end: end === null ? null : iso(end) };
  };
  const fixedEligible: SimRoleEligibility[] = [];
  groups.forEach((g, gk) => {
    for (const roleId of g.eligibleRoleIds) {
      const { start, end } = dates(0x7fff0000 + gk, gk === 1 ? 1 : 0);
      fixedEligible.push({ id: opaqueId(roleId, g.id, '1-e'), principalId: g.id, roleDefinitionId: roleId,
        directoryScopeId: '/', appScopeId: null, startDateTime: start, endDateTime: end, memberType: 'Direct',
        roleEligibilityScheduleId: uuidFor(scheduleKey, 0x7fff0000 + gk), principal: groupPrincipal(g) });
    }
  });
  const userEligible = Int32Array.from(eligibleUsers);
  const userEligibleWhich = Uint8Array.from(eligibleWhich);
  const eligibilities = list(fixedEligible.length + userEligible.length, (k) => {
    const fixed = fixedEligible[k];
    if (fixed) return { ...fixed, principal: { ...fixed.principal } };
    const u = k - fixedEligible.length;
    const i = userEligible[u] ?? -1;
    const h = src.holding(i);
    if (!h) throw new Error(`user ${i} lost its role`);
    const extra = userEligibleWhich[u] === 1;
    const roleId = extra ? (h.extraEligibleRoleId ?? h.roleId) : h.roleId;
    const principal = src.userPrincipal(i);
    // Time-bound second roles; half of the eligible-only admins are permanently eligible.
    const { start, end } = dates(i * 2 + (extra ? 1 : 0), extra ? 0 : 0.5);
    return { id: opaqueId(roleId, principal.id, '1-e'), principalId: principal.id, roleDefinitionId: roleId,
      directoryScopeId: h.directoryScopeId, appScopeId: null, startDateTime: start, endDateTime: end,
      memberType: 'Direct' as const, roleEligibilityScheduleId: uuidFor(scheduleKey, i * 2 + (extra ? 1 : 0)),
      principal };
  });

  // PIM for Groups instances: per managed group, eligible members (ascending index), then eligible owners.
  const groupScheduleKey = streamKey(seed, 'group-eligibility-schedule');
  const groupDatesKey = streamKey(seed, 'group-eligibility-dates');
  const groupInstances: { group: SimGroup; accessId: 'member' | 'owner'; user: number }[] = [];
  for (const g of groups) {
    for (const i of g.eligibleMemberUserIndexes) groupInstances.push({ group: g, accessId: 'member', user: i });
    for (const i of g.eligibleOwnerUserIndexes) groupInstances.push({ group: g, accessId: 'owner', user: i });
  }
  const groupEligibilities = list(groupInstances.length, (k) => {
    const { group: g, accessId, user: i } = groupInstances[k]!;
    const key = i * 8 + ids.groupIds.indexOf(g.id) * 2 + (accessId === 'owner' ? 1 : 0);
    const rng = rngFor(groupDatesKey, key);
    const start = asOfMs - (1 + Math.floor(rng() * 500)) * DAY - Math.floor(rng() * DAY);
    // Owners are permanently eligible; most member eligibilities are time-bound, renewed yearly.
    const end = accessId === 'owner' || rng() < 0.3 ? null : asOfMs + (20 + Math.floor(rng() * 345)) * DAY;
    const eligibilityScheduleId = uuidFor(groupScheduleKey, key);
    const principal = src.userPrincipal(i);
    return {
      id: `${g.id}_${accessId}_${eligibilityScheduleId}`, startDateTime: iso(start), endDateTime: end === null ? null : iso(end),
      accessId, principalId: principal.id, groupId: g.id, memberType: 'Direct' as const, eligibilityScheduleId, principal,
    };
  });

  /** Roles a member of group g holds: g's own and those of every group g is (transitively) nested in. */
  const groupRoleSets = new Map<string, Set<string>>();
  for (const g of groups) {
    const roles = new Set<string>();
    const visit = (x: SimGroup, seen: Set<string>): void => {
      for (const r of [...x.activeRoleIds, ...x.eligibleRoleIds]) roles.add(r);
      for (const parent of groups) {
        if (parent.memberGroupIds.includes(x.id) && !seen.has(parent.id)) {
          seen.add(parent.id);
          visit(parent, seen);
        }
      }
    };
    visit(g, new Set([g.id]));
    groupRoleSets.set(g.id, roles);
  }

  return {
    definitions,
    groups,
    servicePrincipals,
    administrativeUnits,
    assignments,
    eligibilities,
    groupEligibilities,
    privilegedHolders(roleSet) {
      // From the holdings and group definitions, not from the served records, so tests compare two derivations.
      const userIndexes: number[] = [];
      for (const i of holders) {
        const h = src.holding(i);
        if (!h) continue;
        // An eligible member (PIM for Groups) can activate the membership, and with it the group's roles.
        const held =
          h.kind === 'group' || h.kind === 'groupEligible'
            ? [...(groupRoleSets.get(h.groupId ?? '') ?? [])]
            : [h.roleId, ...(h.extraEligibleRoleId === null ? [] : [h.extraEligibleRoleId])];
        if (held.some((r) => roleSet.has(r))) userIndexes.push(i);
      }
      const servicePrincipalIds = servicePrincipals
        .filter((sp) => sp.activeRoleIds.some((r) => roleSet.has(r)))
        .map((sp) => sp.id);
      return { userIndexes, servicePrincipalIds };
    },
  };
}
