/**
 * A seeded synthetic Entra tenant for the Graph simulator.
 *
 * Nothing is stored per user: row i is regenerated from (seed, i) on every call, so a tenant of 1,000,000 users
 * costs no memory. The only state is a small cache of aggregates (one pass over all users, computed on first
 * use) that keeps the summary reports consistent with the rows, which the doc samples are not (graph-api.md §5),
 * and, on first use of role data, the indices of the role holders (≈ 1 % of users; roles.ts).
 *
 * isAdmin against directory roles (graph-api.md §D.2; see RoleHoldingKind): drawn admins hold their role actively at
 * tenant scope, except ~7.5 % eligible-only with isAdmin true, ~7.5 % eligible-only with isAdmin false, ~10 % only
 * through a role-assignable group and ~5 % at administrative-unit scope (both isAdmin true); ~0.03 % of non-admin
 * members hold an active role although isAdmin is false (report lag). ROLE_SPECIALS fix one of each kind at small
 * indices. Of the group holders of the two groups managed by PIM for Groups, ~40 % are eligible members instead of
 * members (isAdmin true), and one plain member from index 22 on is an eligible member the report does not flag.
 *
 * Profiles and quarters (SimTenantOptions.profile, .quarter) change how well users are registered, never who they
 * are: identity and role draws come first in their streams and do not depend on either. Quarter q replays q
 * improvement steps per user on top of the baseline draw (improveOneQuarter), so a row stays a pure function of
 * (seed, profile, quarter, i) and every derived report (summaries, legacy rows, events, roles) follows it.
 *
 * Generation is per source: users.ts (userRegistrationDetails rows, the legacy credentialUserRegistrationDetails rows
 * and role holdings), events.ts (userEventsSummary events and the registration activity summaries), aggregates.ts
 * (usersRegisteredByFeature/Method slices and credentialUserRegistrationCount), sign-ins.ts (the daily
 * userMfaSignInSummary rows), roles.ts (role data), policies.ts
 * (Conditional Access and the other policies); profiles.ts holds what each profile draws. This file assembles them.
 */
import type {
  CredentialUsageSummary,
  CredentialUserRegistrationCount,
  CredentialUserRegistrationDetails,
  IncludedUserRoles,
  IncludedUserTypes,
  UserCredentialUsageDetails,
  UserRegistrationDetails,
  UserRegistrationFeatureSummary,
  UserRegistrationMethodSummary,
} from '../graph/types.js';
import { createSummaryReports } from './aggregates.js';
import { createEvents } from './events.js';
import { buildPolicies, type SimPolicies } from './policies.js';
import { PROFILES, TENANT_PROFILES, type TenantProfile } from './profiles.js';
import { streamKey, uuidFor } from './prng.js';
import {
  buildRoleModel,
  ROLE_SPECIALS,
  type RoleHolding,
  type RoleModel,
  type SimAdministrativeUnit,
  type SimGroup,
  type SimGroupEligibility,
  type SimList,
  type SimRoleAssignment,
  type SimRoleDefinition,
  type SimRoleEligibility,
  type SimServicePrincipal,
} from './roles.js';
import { createSignInSummary, type SimMfaSignInDay } from './sign-ins.js';
import { checkIndex, createUserRows, DAY, PRIVILEGED_ADMIN_ROLE_IDS, SPECIAL_USERS } from './users.js';

export type { SimPolicies, SimPolicyGroup, SimPolicyUser } from './policies.js';
export {
  BUILT_IN_ROLES,
  CUSTOM_ROLE_NAME,
  ENTRA_PRIVILEGED_ROLE_IDS,
  ROLE_SPECIALS,
  type PrincipalType,
  type RoleHolding,
  type RoleHoldingKind,
  type RoleSpecial,
  type SimAdministrativeUnit,
  type SimGroup,
  type SimGroupEligibility,
  type SimList,
  type SimPrincipal,
  type SimRoleAssignment,
  type SimRoleDefinition,
  type SimRoleEligibility,
  type SimServicePrincipal,
} from './roles.js';

export { TENANT_PROFILES, type TenantProfile } from './profiles.js';
export { SIGN_IN_SUMMARY_DAYS, type SimMfaSignInDay } from './sign-ins.js';
export {
  OTHER_ADMIN_ROLE_IDS,
  PRIVILEGED_ADMIN_ROLE_IDS,
  SPECIAL_USERS,
  UNKNOWN_METHOD_TOKEN,
  type SpecialUser,
} from './users.js';

/** A quarter, as the default asOf moves by it: 91 days. */
export const QUARTER_DAYS = 91;
/** Quarters after the baseline a tenant can be observed at. */
export const MAX_QUARTER = 40;

export interface SimTenantOptions {
  seed?: number;
  users: number;
  /**
   * ISO date-time the tenant is observed at; default '2026-11-01T00:00:00Z' plus QUARTER_DAYS per quarter. Report
   * timestamps, events and role schedules are relative to it.
   */
  asOf?: string;
  tenantId?: string;
  /** Default 'typical'. */
  profile?: TenantProfile;
  /**
   * Quarters after the baseline (0, the default). Quarter q has the same users as quarter 0, each one's
   * registration improved by q steps towards the clean profile (QUARTER_STEP); nobody gets worse: every method,
   * capability and policy a user has in quarter q, they keep in q+1. Profile 'typical' at quarter 0 has the users
   * and ordinary events of earlier versions, byte for byte (the repeated-failure bursts of events.ts come after them).
   */
  quarter?: number;
}

export interface SimTenant {
  readonly seed: number;
  readonly userCount: number;
  readonly tenantId: string;
  readonly asOf: string;
  readonly profile: TenantProfile;
  readonly quarter: number;
  /**
   * The userRegistrationDetails row of user i (0 <= i < userCount), beta shape (includes defaultMfaMethod).
   * Pure function of (seed, profile, quarter, i).
   */
  user(i: number): UserRegistrationDetails;
  /**
   * Role template id by which the report counts user i as an admin: non-null exactly when isAdmin is true. A user
   * can hold a role with isAdmin false (eligible-only, report lag): see roleHoldingOf.
   */
  roleOf(i: number): string | null;
  /** How user i holds a directory role (kind, role, scope, group), or null; pure function of (seed, i). */
  roleHoldingOf(i: number): RoleHolding | null;
  /** The 22 built-in roles of graph-api.md §D.1 plus one custom role. */
  roleDefinitions(): SimRoleDefinition[];
  /** Active assignments as served by roleAssignments: service principals, groups, then users by index. */
  roleAssignments(): SimList<SimRoleAssignment>;
  /** PIM eligibility instances as served by roleEligibilityScheduleInstances: groups, then users by index. */
  roleEligibilities(): SimList<SimRoleEligibility>;
  /** The three role-assignable groups, with direct and transitive members (the third is nested in the first). */
  groups(): SimGroup[];
  /**
   * PIM for Groups eligibility instances (eligible members and owners of the groups managed by PIM), as served by
   * /identityGovernance/privilegedAccess/group/eligibilityScheduleInstances: per group, members then owners.
   */
  groupEligibilities(): SimList<SimGroupEligibility>;
  servicePrincipals(): SimServicePrincipal[];
  administrativeUnits(): SimAdministrativeUnit[];
  /**
   * Every user index holding at least one role of the set (active or eligible, direct or through nested groups or as
   * an eligible member through PIM for Groups, any scope), ascending, and the service principals that do. Computed from the generator, not the records.
   */
  privilegedHolders(roleIds: ReadonlySet<string>): { userIndexes: number[]; servicePrincipalIds: string[] };
  featureSummary(types: IncludedUserTypes, roles: IncludedUserRoles): UserRegistrationFeatureSummary;
  methodSummary(types: IncludedUserTypes, roles: IncludedUserRoles): UserRegistrationMethodSummary;
  credentialUserRegistrationCount(): CredentialUserRegistrationCount;
  readonly eventCount: number;
  /**
   * Event j of userEventsSummary / userCredentialUsageDetails, 0 <= j < eventCount; pure function of
   * (seed, profile, quarter, j). Each quarter has its own 30 days of events.
   */
  event(j: number): UserCredentialUsageDetails;
  /** Aggregated from the events inside the period (d1|d7|d30 before asOf): one row per (feature, authMethod). */
  registrationActivity(period: 'd1' | 'd7' | 'd30'): CredentialUsageSummary[];
  /**
   * userMfaSignInSummary (beta): one row a day for the 30 days ending with asOf, totals from the user count and the
   * single-factor share from the users who are not MFA capable (sign-ins.ts).
   */
  mfaSignInSummary(): SimMfaSignInDay[];
  /** credentialUserRegistrationDetails row for user i (legacy report), consistent with user(i). */
  legacyCredentialRow(i: number): CredentialUserRegistrationDetails;
  /**
   * Conditional Access, authentication strengths, the authentication methods policy and security defaults, and the
   * groups the CA policies name (policies.ts); built on first use, then cached.
   */
  policies(): SimPolicies;
}

export const DEFAULT_AS_OF = '2026-11-01T00:00:00Z';
export const DEFAULT_SEED = 1;
/** An ISO date-time without fraction when whole seconds, as DEFAULT_AS_OF is written. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
export function createTenant(opts: SimTenantOptions): SimTenant {
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 4294967295], got ${String(opts.seed)}`);
  }
  const userCount = opts.users;
  // The id scheme is a bijection on uint32 indices; far below that, 50 M rows is already days of paging.
  if (!Number.isInteger(userCount) || userCount < 0 || userCount > 50_000_000) {
    throw new RangeError(`users must be an integer in [0, 50000000], got ${String(opts.users)}`);
  }
  const profile = opts.profile ?? 'typical';
  if (!TENANT_PROFILES.includes(profile)) {
    throw new RangeError(`unknown profile '${String(opts.profile)}' (expected ${TENANT_PROFILES.join(', ')})`);
  }
  const params = PROFILES[profile];
  const quarter = opts.quarter ?? 0;
  if (!Number.isInteger(quarter) || quarter < 0 || quarter > MAX_QUARTER) {
    throw new RangeError(`quarter must be an integer in [0, ${MAX_QUARTER}], got ${String(opts.quarter)}`);
  }
  const asOf = opts.asOf ?? (quarter === 0 ? DEFAULT_AS_OF : isoSeconds(Date.parse(DEFAULT_AS_OF) + quarter * QUARTER_DAYS * DAY));
  const asOfMs = Date.parse(asOf);
  if (Number.isNaN(asOfMs)) throw new RangeError(`asOf is not an ISO date-time: '${asOf}'`);
  const tenantId = opts.tenantId ?? uuidFor(streamKey(seed, 'tenant'), 0);

  const users = createUserRows({ seed, userCount, params, quarter, asOfMs });
  const events = createEvents({
    seed,
    userCount,
    quarter,
    asOfMs,
    eventSuccess: params.eventSuccess,
    repeatedFailures: params.repeatedFailures,
    nameOf: users.nameOf,
  });
  const summaries = createSummaryReports({ seed, userCount, core: users.core });
  const signIns = createSignInSummary({
    seed,
    userCount,
    asOfMs,
    notMfaCapable: () => {
      const all = summaries.featureSummary('all', 'all');
      const capable = all.userRegistrationFeatureCounts.find((c) => c.feature === 'mfaCapable')?.userCount ?? 0;
      return all.totalUserCount - capable;
    },
  });

  /**
   * Built on first use: one pass over the first draws of every user (no names, no methods) collects the holder
   * indices, ≈ 1 % of users; everything else is regenerated per record.
   */
  let roleModel: RoleModel | undefined;
  function roles(): RoleModel {
    roleModel ??= buildRoleModel({
      seed,
      asOfMs,
      holders: users.roleHolderIndexes(),
      holding: users.roleHoldingOf,
      userPrincipal: users.principal,
    });
    return roleModel;
  }

  /** The users whose rows are fixed (SPECIAL_USERS, ROLE_SPECIALS): the policies leave them out of their draws. */
  const fixedUserIndexes = new Set([...SPECIAL_USERS.map((s) => s.index), ...ROLE_SPECIALS.map((s) => s.index)]);
  let policies: SimPolicies | undefined;
  const tenant: SimTenant = {
    seed,
    userCount,
    tenantId,
    asOf,
    profile,
    quarter,
    eventCount: events.eventCount,
    user: users.user,
    roleOf(i: number): string | null {
      checkIndex(i, userCount, 'user');
      return users.core(i).role;
    },
    roleHoldingOf(i: number): RoleHolding | null {
      checkIndex(i, userCount, 'user');
      return users.roleHoldingOf(i);
    },
    roleDefinitions: () =>
      roles().definitions.map((d) => ({
        ...d,
        resourceScopes: [...d.resourceScopes],
        rolePermissions: d.rolePermissions.map((p) => ({ ...p, allowedResourceActions: [...p.allowedResourceActions] })),
      })),
    roleAssignments: () => roles().assignments,
    roleEligibilities: () => roles().eligibilities,
    groups: () =>
      roles().groups.map((g) => ({
        ...g,
        activeRoleIds: [...g.activeRoleIds],
        eligibleRoleIds: [...g.eligibleRoleIds],
        memberUserIndexes: [...g.memberUserIndexes],
        memberGroupIds: [...g.memberGroupIds],
        transitiveUserIndexes: [...g.transitiveUserIndexes],
        eligibleMemberUserIndexes: [...g.eligibleMemberUserIndexes],
        eligibleOwnerUserIndexes: [...g.eligibleOwnerUserIndexes],
      })),
    groupEligibilities: () => roles().groupEligibilities,
    servicePrincipals: () => roles().servicePrincipals.map((sp) => ({ ...sp, activeRoleIds: [...sp.activeRoleIds] })),
    administrativeUnits: () => roles().administrativeUnits.map((au) => ({ ...au })),
    privilegedHolders: (roleIdSet) => roles().privilegedHolders(roleIdSet),
    featureSummary: summaries.featureSummary,
    methodSummary: summaries.methodSummary,
    credentialUserRegistrationCount: summaries.credentialUserRegistrationCount,
    event: events.event,
    registrationActivity: events.registrationActivity,
    mfaSignInSummary: signIns,
    legacyCredentialRow: users.legacyCredentialRow,
    policies: () => (policies ??= buildPolicies(tenant, PRIVILEGED_ADMIN_ROLE_IDS, fixedUserIndexes)),
  };
  return tenant;
}
