/**
 * Who is an admin, from role data (graph-api.md §D.1, §D.2): a user holding at least one role of the chosen
 * privileged set, active or eligible, directly or through a (nested) group, or as an eligible member of such a group
 * through PIM for Groups, at any scope. The report's isAdmin flag is undefined on these points, so it is only the
 * fallback and a cross-check. Pure: rows in, sets out.
 */
import { SharedSets } from './shared-sets.js';

/** Built-in role template ids (graph-api.md §D.1; for built-in roles roleDefinitionId equals the template id). */
export const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  conditionalAccessAdministrator: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
  exchangeAdministrator: '29232cdf-9323-42fd-ade2-1d097af3e4de',
  sharePointAdministrator: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
  helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  billingAdministrator: 'b0f54661-2d74-4c50-afa3-1ec803f12efe',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  authenticationPolicyAdministrator: '0526716b-113d-4c15-b2c8-68e3c22b9f80',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  hybridIdentityAdministrator: '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2',
  intuneAdministrator: '3a2c62db-5318-420d-8d74-23affee5d9d5',
  passwordAdministrator: '966707d0-3269-4727-9be2-8c3a10f19b9d',
  securityOperator: '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  reportsReader: '4a5d8f65-41da-4de4-8968-e035b65339cf',
  directoryWriters: '9360feb5-f418-4baa-8175-e2a00bac4301',
} as const;

const R = ROLE;

/** Roles with Entra's "privileged" label (graph-api.md §D.1 "(P)"), used when role definitions lack isPrivileged. */
export const ENTRA_PRIVILEGED_FALLBACK: readonly string[] = [
  R.globalAdministrator, R.privilegedRoleAdministrator, R.privilegedAuthenticationAdministrator, R.securityAdministrator,
  R.conditionalAccessAdministrator, R.helpdeskAdministrator, R.userAdministrator, R.authenticationAdministrator,
  R.applicationAdministrator, R.cloudApplicationAdministrator, R.hybridIdentityAdministrator, R.intuneAdministrator,
  R.passwordAdministrator, R.securityOperator, R.securityReader, R.globalReader, R.directoryWriters,
];

/** includedUserRoles=privilegedAdmin of the registration summaries: exactly these 9 (graph-api.md §5). */
export const GRAPH_PRIVILEGED_ADMIN: readonly string[] = [
  R.globalAdministrator, R.securityAdministrator, R.conditionalAccessAdministrator, R.exchangeAdministrator,
  R.sharePointAdministrator, R.helpdeskAdministrator, R.billingAdministrator, R.userAdministrator, R.authenticationAdministrator,
];

/** CISA SCuBA "highly privileged roles" (controls.md §1.2). */
export const CISA_HIGHLY_PRIVILEGED: readonly string[] = [
  R.globalAdministrator, R.privilegedRoleAdministrator, R.userAdministrator, R.sharePointAdministrator,
  R.exchangeAdministrator, R.hybridIdentityAdministrator, R.applicationAdministrator, R.cloudApplicationAdministrator,
];

export const PRIVILEGED_PRESETS = ['entra-privileged', 'graph-privileged-admin', 'cisa-highly-privileged', 'any-admin-role'] as const;
export type PrivilegedPreset = (typeof PRIVILEGED_PRESETS)[number];

export interface RoleSet {
  /** the preset, or 'custom' */
  name: string;
  /** null = every directory role (any-admin-role) */
  roleIds: ReadonlySet<string> | null;
  description: string;
}

/** roleDefinitions rows: isPrivileged when the beta endpoint answered it. */
export function resolveRoleSet(choice: PrivilegedPreset | readonly string[], definitions: readonly unknown[] | null): RoleSet {
  if (Array.isArray(choice)) {
    return { name: 'custom', roleIds: new Set(choice.map((s) => s.toLowerCase())), description: `custom list of ${choice.length} role template ids` };
  }
  switch (choice as PrivilegedPreset) {
    case 'graph-privileged-admin':
      return { name: choice as string, roleIds: new Set(GRAPH_PRIVILEGED_ADMIN), description: 'the 9 roles of includedUserRoles=privilegedAdmin' };
    case 'cisa-highly-privileged':
      return { name: choice as string, roleIds: new Set(CISA_HIGHLY_PRIVILEGED), description: 'the 8 CISA SCuBA highly privileged roles' };
    case 'any-admin-role':
      return { name: choice as string, roleIds: null, description: 'any directory role' };
    case 'entra-privileged': {
      const flagged = (definitions ?? []).filter(
        (d): d is { id: string; templateId?: string; isPrivileged: boolean } =>
          typeof (d as { id?: unknown })?.id === 'string' && typeof (d as { isPrivileged?: unknown }).isPrivileged === 'boolean',
      );
      if (flagged.length > 0) {
        const ids = flagged.filter((d) => d.isPrivileged).flatMap((d) => [d.id.toLowerCase(), (d.templateId ?? d.id).toLowerCase()]);
        return { name: 'entra-privileged', roleIds: new Set(ids), description: 'role definitions marked isPrivileged by Microsoft Entra' };
      }
      return {
        name: 'entra-privileged',
        roleIds: new Set(ENTRA_PRIVILEGED_FALLBACK),
        description: "Microsoft's published list of privileged built-in roles (role definitions did not carry isPrivileged)",
      };
    }
  }
  throw new Error(`unknown privileged-role preset ${String(choice)}`);
}

export interface PrivilegedPrincipal {
  id: string;
  displayName: string;
  userPrincipalName: string;
  /** how the roles are held, e.g. "Global Administrator (active, direct)", sorted */
  holds: string[];
}

const USER = '#microsoft.graph.user';
const GROUP = '#microsoft.graph.group';
const SP = '#microsoft.graph.servicePrincipal';

interface Grant {
  principalId: string;
  type: string;
  roleId: string;
  kind: 'active' | 'eligible';
  scope: string;
  displayName: string;
  userPrincipalName: string;
}

/** Streams role rows in; answers who holds what. Memory is proportional to the number of role holders. */
export class RoleFold {
  private readonly grants: Grant[] = [];
  private readonly members = new Map<string, { userId: string; userPrincipalName: string; displayName: string }[]>();
  /** PIM for Groups: users eligible for membership, by group id */
  private readonly eligibleMembers = new Map<string, { userId: string; userPrincipalName: string; displayName: string }[]>();
  private readonly roleNames = new Map<string, string>();
  eligibilityCollected = false;

  addDefinition(raw: unknown): void {
    const d = raw as { id?: unknown; templateId?: unknown; displayName?: unknown } | null;
    if (typeof d?.id === 'string' && typeof d.displayName === 'string') {
      this.roleNames.set(d.id.toLowerCase(), d.displayName);
      if (typeof d.templateId === 'string') this.roleNames.set(d.templateId.toLowerCase(), d.displayName);
    }
  }

  addAssignment(raw: unknown, kind: 'active' | 'eligible'): void {
    const a = raw as {
      principalId?: unknown;
      roleDefinitionId?: unknown;
      directoryScopeId?: unknown;
      principal?: { '@odata.type'?: unknown; displayName?: unknown; userPrincipalName?: unknown };
    } | null;
    if (typeof a?.principalId !== 'string' || typeof a.roleDefinitionId !== 'string') return;
    this.grants.push({
      principalId: a.principalId,
      type: typeof a.principal?.['@odata.type'] === 'string' ? a.principal['@odata.type'] : USER,
      roleId: a.roleDefinitionId.toLowerCase(),
      kind,
      scope: typeof a.directoryScopeId === 'string' ? a.directoryScopeId : '/',
      displayName: typeof a.principal?.displayName === 'string' ? a.principal.displayName : '',
      userPrincipalName: typeof a.principal?.userPrincipalName === 'string' ? a.principal.userPrincipalName : '',
    });
  }

  addGroupMember(raw: unknown): void {
    const m = raw as { groupId?: unknown; userId?: unknown; userPrincipalName?: unknown; displayName?: unknown } | null;
    if (typeof m?.groupId !== 'string' || typeof m.userId !== 'string') return;
    const list = this.members.get(m.groupId) ?? [];
    list.push({
      userId: m.userId,
      userPrincipalName: typeof m.userPrincipalName === 'string' ? m.userPrincipalName : '',
      displayName: typeof m.displayName === 'string' ? m.displayName : '',
    });
    this.members.set(m.groupId, list);
  }

  /**
   * A PIM-for-Groups eligibility instance (privilegedAccessGroupEligibilityScheduleInstance). accessId 'member': the
   * principal can activate membership, and with it every role the group holds, so it counts like a member. 'owner'
   * manages the group but holds none of its roles: not counted here. Only user principals count (a row without
   * `$expand=principal` is taken as a user, as role assignments are); a group principal's members are not listed.
   */
  addGroupEligibility(raw: unknown): void {
    const e = raw as {
      groupId?: unknown;
      principalId?: unknown;
      accessId?: unknown;
      principal?: { '@odata.type'?: unknown; displayName?: unknown; userPrincipalName?: unknown };
    } | null;
    if (typeof e?.groupId !== 'string' || typeof e.principalId !== 'string') return;
    if (typeof e.accessId !== 'string' || e.accessId.toLowerCase() !== 'member') return;
    const type = typeof e.principal?.['@odata.type'] === 'string' ? e.principal['@odata.type'] : USER;
    if (type !== USER) return;
    const list = this.eligibleMembers.get(e.groupId) ?? [];
    list.push({
      userId: e.principalId,
      userPrincipalName: typeof e.principal?.userPrincipalName === 'string' ? e.principal.userPrincipalName : '',
      displayName: typeof e.principal?.displayName === 'string' ? e.principal.displayName : '',
    });
    this.eligibleMembers.set(e.groupId, list);
  }

  /**
   * Role ids (lower-cased) by lower-cased user id, as Conditional Access role conditions match them: `active`, held
   * now (directly or as a member of a role-holding group), and `eligible`, usable once activated (direct PIM
   * eligibility, eligibility of a group, or eligible membership of a role-holding group through PIM for Groups).
   * Memory is proportional to the role holders.
   */
  rolesByUser(): { active: ReadonlyMap<string, ReadonlySet<string>>; eligible: ReadonlyMap<string, ReadonlySet<string>> } {
    const active = new Map<string, ReadonlySet<string>>();
    const eligible = new Map<string, ReadonlySet<string>>();
    // most holders share a handful of role combinations, and these maps live through the whole registration pass
    const roleSets = new SharedSets();
    const add = (map: Map<string, ReadonlySet<string>>, userId: string, roleId: string) => {
      const k = userId.toLowerCase();
      map.set(k, roleSets.with(map.get(k), roleId));
    };
    for (const g of this.grants) {
      const map = g.kind === 'active' ? active : eligible;
      if (g.type === GROUP) {
        for (const m of this.members.get(g.principalId) ?? []) add(map, m.userId, g.roleId);
        for (const m of this.eligibleMembers.get(g.principalId) ?? []) add(eligible, m.userId, g.roleId);
      } else if (g.type !== SP) add(map, g.principalId, g.roleId);
    }
    return { active, eligible };
  }

  roleName(id: string): string {
    return this.roleNames.get(id) ?? id;
  }

  /**
   * Users and service principals holding a role of the set; and users holding any active role (for the isAdmin
   * cross-check). `userIds` are every user holding a role of the set; `users` describes those `describe` accepts
   * (default all): each description holds a few strings per role held, which a large tenant keeps only for the few
   * it lists.
   */
  resolve(
    set: RoleSet,
    describe: (userId: string) => boolean = () => true,
  ): { userIds: Set<string>; users: Map<string, PrivilegedPrincipal>; servicePrincipals: PrivilegedPrincipal[]; activeAnyRole: Set<string> } {
    const userIds = new Set<string>();
    const users = new Map<string, PrivilegedPrincipal>();
    const sps = new Map<string, PrivilegedPrincipal>();
    const activeAnyRole = new Set<string>();
    const holdText = (g: Grant, via: string) =>
      `${this.roleName(g.roleId)} (${g.kind}, ${via}${g.scope === '/' ? '' : `, scope ${g.scope}`})`;
    const addUser = (id: string, upn: string, name: string, hold: () => string) => {
      userIds.add(id);
      if (!describe(id)) return;
      const p = users.get(id) ?? { id, userPrincipalName: upn, displayName: name, holds: [] };
      if (!p.userPrincipalName) p.userPrincipalName = upn;
      if (!p.displayName) p.displayName = name;
      const text = hold();
      if (!p.holds.includes(text)) p.holds.push(text);
      users.set(id, p);
    };
    for (const g of this.grants) {
      const inSet = set.roleIds === null || set.roleIds.has(g.roleId);
      if (g.type === GROUP) {
        for (const m of this.members.get(g.principalId) ?? []) {
          if (g.kind === 'active') activeAnyRole.add(m.userId);
          if (inSet) addUser(m.userId, m.userPrincipalName, m.displayName, () => holdText(g, `via group ${g.displayName || g.principalId}`));
        }
        // Eligible members must activate the membership first: they hold no active role (isAdmin cross-check).
        if (inSet) {
          for (const m of this.eligibleMembers.get(g.principalId) ?? []) {
            const via = `eligible member of group ${g.displayName || g.principalId} through PIM for Groups`;
            addUser(m.userId, m.userPrincipalName, m.displayName, () => holdText(g, via));
          }
        }
      } else if (g.type === SP) {
        if (inSet) {
          const p = sps.get(g.principalId) ?? { id: g.principalId, userPrincipalName: '', displayName: g.displayName, holds: [] };
          p.holds.push(holdText(g, 'direct'));
          sps.set(g.principalId, p);
        }
      } else {
        if (g.kind === 'active') activeAnyRole.add(g.principalId);
        if (inSet) addUser(g.principalId, g.userPrincipalName, g.displayName, () => holdText(g, 'direct'));
      }
    }
    for (const p of [...users.values(), ...sps.values()]) p.holds.sort();
    const byId = (a: PrivilegedPrincipal, b: PrivilegedPrincipal) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return { userIds, users, servicePrincipals: [...sps.values()].sort(byId), activeAnyRole };
  }
}
