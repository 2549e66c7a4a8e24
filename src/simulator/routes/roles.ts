/**
 * The directory routes (graph-api.md §D.1): role definitions, active assignments and PIM eligibility instances, the
 * members of groups (the role-assignable groups and the groups the Conditional Access policies name), and PIM for
 * Groups' eligibility instances (privilegedaccessgroup-list-eligibilityscheduleinstances, v1.0).
 */
import {
  compileSelect,
  HttpAnswer,
  MAX_DIRECTORY_PAGE_SIZE,
  parseExpand,
  re,
  singleQueryOptions,
  VERSION,
  type Reply,
  type RequestContext,
  type Route,
  type RouteEnv,
} from '../http.js';
import { compileFilter, type FilterSchema } from '../odata.js';
import type { SimGroup, SimGroupEligibility, SimPolicyGroup, SimPrincipal, SimRoleDefinition } from '../tenant.js';

const FILTERS = {
  // §D.1: isPrivileged exists on beta only, so filtering on it on v1.0 is a 400 like an unknown property.
  roleDefinitions: {
    id: 'string', templateId: 'string', displayName: 'string', isBuiltIn: 'boolean', isEnabled: 'boolean',
  },
  roleDefinitionsBeta: {
    id: 'string', templateId: 'string', displayName: 'string', isBuiltIn: 'boolean', isEnabled: 'boolean',
    isPrivileged: 'boolean',
  },
  roleAssignments: { id: 'string', principalId: 'string', roleDefinitionId: 'string', directoryScopeId: 'string' },
  roleEligibilities: {
    id: 'string', principalId: 'string', roleDefinitionId: 'string', directoryScopeId: 'string', memberType: 'string',
    roleEligibilityScheduleId: 'string',
  },
  // privilegedAccessGroupEligibilityScheduleInstance: the properties documented as supporting $filter (eq).
  groupEligibilities: {
    id: 'string', groupId: 'string', principalId: 'string', accessId: 'string', memberType: 'string',
    eligibilityScheduleId: 'string',
  },
} as const satisfies Record<string, FilterSchema>;

/**
 * List eligibilityScheduleInstances (PIM for Groups) "requires the $filter (eq) query parameter to scope the request
 * to a principalId or a groupId". What Graph answers without it is not documented: a 400 like other bad queries.
 */
const GROUP_ELIGIBILITY_SCOPE = /(^|\s|\()(groupId|principalId)\s+eq\s+'/i;

export function roleRoutes({ tenant, page }: RouteEnv): Route[] {
  // The role-assignable groups and the groups the Conditional Access policies name (policies.ts).
  let groupCache: Map<string, SimGroup | SimPolicyGroup> | undefined;
  const groupById = (id: string): SimGroup | SimPolicyGroup | undefined => {
    groupCache ??= new Map([...tenant.groups(), ...tenant.policies().groups].map((g) => [g.id.toLowerCase(), g]));
    return groupCache.get(id.toLowerCase());
  };
  let definitionCache: Map<string, SimRoleDefinition> | undefined;
  const definitionById = (id: string): SimRoleDefinition | undefined => {
    definitionCache ??= new Map(tenant.roleDefinitions().map((d) => [d.id, d]));
    return definitionCache.get(id);
  };

  /** A roleDefinitions row; `isPrivileged` is beta-only (§D.1). */
  function wireDefinition(d: SimRoleDefinition, version: 'v1.0' | 'beta'): Record<string, unknown> {
    const row: Record<string, unknown> = {
      id: d.id, description: d.description, displayName: d.displayName, isBuiltIn: d.isBuiltIn, isEnabled: d.isEnabled,
    };
    if (version === 'beta') row['isPrivileged'] = d.isPrivileged;
    Object.assign(row, {
      resourceScopes: [...d.resourceScopes],
      templateId: d.templateId,
      version: d.version,
      // unifiedRolePermission (v1.0 and beta): excludedResourceActions is "not yet supported" and left out.
      rolePermissions: d.rolePermissions.map((p) => ({ allowedResourceActions: [...p.allowedResourceActions], condition: p.condition })),
    });
    return row;
  }

  /** `$expand=principal`: the directory object with its @odata.type (§D.1). */
  function wirePrincipal(p: SimPrincipal): Record<string, unknown> {
    const row: Record<string, unknown> = { '@odata.type': `#microsoft.graph.${p.type}`, id: p.id, displayName: p.displayName };
    if (p.type === 'user') row['userPrincipalName'] = p.userPrincipalName;
    if (p.type === 'servicePrincipal') row['appId'] = p.appId;
    return row;
  }

  /**
   * $select then $expand for roleAssignments / eligibility instances. Unknown $select names are ignored; an
   * expanded navigation is kept whatever $select says.
   */
  function presentRole(
    ctx: RequestContext,
    principalOf: (row: Record<string, unknown>) => SimPrincipal | undefined,
  ): (params: Map<string, string>) => (row: Record<string, unknown>) => Record<string, unknown> {
    return (params) => {
      const expand = parseExpand(params.get('$expand'), ['principal', 'roleDefinition']);
      const select = compileSelect(params.get('$select'));
      return (row) => presentRow(row, expand, select);
    };
    function presentRow(
      row: Record<string, unknown>,
      expand: ReadonlySet<string>,
      select: (row: Record<string, unknown>) => Record<string, unknown>,
    ): Record<string, unknown> {
      const out = select(row);
      if (expand.has('principal')) {
        const p = principalOf(row);
        out['principal'] = p ? wirePrincipal(p) : null;
      }
      if (expand.has('roleDefinition')) {
        const d = definitionById(String(row['roleDefinitionId']));
        out['roleDefinition'] = d ? wireDefinition(d, ctx.version) : null;
      }
      return out;
    }
  }

  function roleAssignments(ctx: RequestContext): Reply {
    const list = tenant.roleAssignments();
    const principals = new Map<string, SimPrincipal>();
    return page(
      ctx,
      'roleAssignments',
      {
        count: list.length,
        row: (k) => {
          const a = list.at(k);
          principals.set(a.id, a.principal);
          // resourceScope and principalOrganizationId on v1.0 too (rbacapplication-list-roleassignments example).
          return {
            id: a.id, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId,
            directoryScopeId: a.directoryScopeId, appScopeId: a.appScopeId, condition: null,
            resourceScope: a.directoryScopeId, principalOrganizationId: tenant.tenantId,
          };
        },
      },
      FILTERS.roleAssignments,
      `${ctx.base}/${ctx.version}/$metadata#roleManagement/directory/roleAssignments`,
      {
        extra: ['$select', '$expand'],
        maxTop: MAX_DIRECTORY_PAGE_SIZE,
        present: presentRole(ctx, (row) => principals.get(String(row['id']))),
      },
    );
  }

  function roleEligibilities(ctx: RequestContext): Reply {
    const list = tenant.roleEligibilities();
    const principals = new Map<string, SimPrincipal>();
    return page(
      ctx,
      'roleEligibilityScheduleInstances',
      {
        count: list.length,
        row: (k) => {
          const e = list.at(k);
          principals.set(e.id, e.principal);
          return {
            id: e.id, principalId: e.principalId, roleDefinitionId: e.roleDefinitionId,
            directoryScopeId: e.directoryScopeId, appScopeId: e.appScopeId, startDateTime: e.startDateTime,
            endDateTime: e.endDateTime, memberType: e.memberType, roleEligibilityScheduleId: e.roleEligibilityScheduleId,
          };
        },
      },
      FILTERS.roleEligibilities,
      `${ctx.base}/${ctx.version}/$metadata#roleManagement/directory/roleEligibilityScheduleInstances`,
      {
        extra: ['$select', '$expand'],
        maxTop: MAX_DIRECTORY_PAGE_SIZE,
        present: presentRole(ctx, (row) => principals.get(String(row['id']))),
      },
    );
  }

  /**
   * PIM for Groups: /identityGovernance/privilegedAccess/group/eligibilityScheduleInstances with the required
   * `$filter=groupId eq '{id}'` (or principalId), paged like the other directory collections; `$expand=principal`
   * and `group` are supported (privilegedAccessGroupEligibilityScheduleInstance relationships).
   */
  function groupEligibilities(ctx: RequestContext): Reply {
    let filter: string | undefined;
    for (const [key, value] of ctx.url.searchParams) if (key.toLowerCase() === '$filter') filter = value;
    if (filter === undefined || !GROUP_ELIGIBILITY_SCOPE.test(filter)) {
      const message = "This request requires a $filter on groupId or principalId (eq), e.g. $filter=groupId eq '{groupId}'.";
      throw new HttpAnswer(400, 'BadRequest', message);
    }
    const list = tenant.groupEligibilities();
    const byId = new Map<string, SimGroupEligibility>();
    return page(
      ctx,
      'groupEligibilityScheduleInstances',
      {
        count: list.length,
        row: (k) => {
          const e = list.at(k);
          byId.set(e.id, e);
          return {
            id: e.id, startDateTime: e.startDateTime, endDateTime: e.endDateTime, accessId: e.accessId,
            principalId: e.principalId, groupId: e.groupId, memberType: e.memberType,
            eligibilityScheduleId: e.eligibilityScheduleId,
          };
        },
      },
      FILTERS.groupEligibilities,
      `${ctx.base}/${ctx.version}/$metadata#identityGovernance/privilegedAccess/group/eligibilityScheduleInstances`,
      {
        extra: ['$select', '$expand'],
        maxTop: MAX_DIRECTORY_PAGE_SIZE,
        present: (params) => {
          const expand = parseExpand(params.get('$expand'), ['principal', 'group']);
          const select = compileSelect(params.get('$select'));
          return (row) => {
            const out = select(row);
            const e = byId.get(String(row['id']));
            if (expand.has('principal')) out['principal'] = e ? wirePrincipal(e.principal) : null;
            if (expand.has('group')) {
              const g = e ? groupById(e.groupId) : undefined;
              out['group'] = g
                ? { '@odata.type': '#microsoft.graph.group', id: g.id, displayName: g.displayName, description: g.description,
                    isAssignableToRole: g.isAssignableToRole }
                : null;
            }
            return out;
          };
        },
      },
    );
  }

  /** /groups/{id}/members and /transitiveMembers, optionally cast to microsoft.graph.user. */
  function groupMembers(ctx: RequestContext): Reply {
    const id = ctx.m[2] ?? '';
    const group = groupById(id);
    if (!group) {
      const message = `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`;
      throw new HttpAnswer(404, 'Request_ResourceNotFound', message);
    }
    const transitive = (ctx.m[3] ?? '').toLowerCase() === 'transitivemembers';
    const usersOnly = ctx.m[4] !== undefined;
    // Nested groups: direct ones, or for transitive members every group below this one.
    const nested: (SimGroup | SimPolicyGroup)[] = [];
    const visit = (g: SimGroup | SimPolicyGroup): void => {
      for (const childId of g.memberGroupIds) {
        const child = groupById(childId);
        if (!child || nested.includes(child) || child === group) continue;
        nested.push(child);
        if (transitive) visit(child);
      }
    };
    if (!usersOnly) visit(group);
    const users = transitive ? group.transitiveUserIndexes : group.memberUserIndexes;
    const count = nested.length + users.length;
    return page(
      ctx,
      'groupMembers',
      {
        count,
        row: (k) => {
          const g = nested[k];
          if (g) return { '@odata.type': '#microsoft.graph.group', id: g.id, displayName: g.displayName };
          const u = tenant.user(users[k - nested.length] ?? 0);
          const row: Record<string, unknown> = usersOnly ? {} : { '@odata.type': '#microsoft.graph.user' };
          return Object.assign(row, { id: u.id, displayName: u.userDisplayName, userPrincipalName: u.userPrincipalName });
        },
      },
      null,
      `${ctx.base}/${ctx.version}/$metadata#${usersOnly ? 'users' : 'directoryObjects'}`,
      {
        extra: ['$select'],
        maxTop: MAX_DIRECTORY_PAGE_SIZE,
        bind: `${group.id}|${transitive ? 't' : 'd'}|${usersOnly ? 'u' : 'a'}`,
        present: (params) => compileSelect(params.get('$select')),
      },
    );
  }

  return [
    {
      name: 'roleDefinitions',
      gate: 'role',
      pattern: re(`${VERSION}/roleManagement/directory/roleDefinitions`),
      handle: (ctx) => {
        const params = singleQueryOptions(ctx.url, ['$filter', '$select']);
        const schema = ctx.version === 'beta' ? FILTERS.roleDefinitionsBeta : FILTERS.roleDefinitions;
        const filterText = params.get('$filter');
        const predicate = filterText === undefined ? undefined : compileFilter(filterText, schema);
        const rows = tenant
          .roleDefinitions()
          .map((d) => wireDefinition(d, ctx.version))
          .filter((row) => !predicate || predicate(row))
          .map(compileSelect(params.get('$select')));
        return {
          body: {
            '@odata.context': `${ctx.base}/${ctx.version}/$metadata#roleManagement/directory/roleDefinitions`,
            value: rows,
          },
        };
      },
    },
    {
      name: 'roleAssignments',
      gate: 'role',
      pattern: re(`${VERSION}/roleManagement/directory/roleAssignments`),
      handle: roleAssignments,
    },
    {
      name: 'roleEligibilityScheduleInstances',
      gate: 'roleNeedsP2',
      pattern: re(`${VERSION}/roleManagement/directory/roleEligibilityScheduleInstances`),
      handle: roleEligibilities,
    },
    {
      name: 'groupMembers',
      gate: 'role',
      pattern: re(`${VERSION}/groups/([^/]+)/(transitiveMembers|members)(/microsoft\\.graph\\.user)?`),
      handle: groupMembers,
    },
    {
      name: 'groupEligibilityScheduleInstances',
      gate: 'roleNeedsP2',
      pattern: re(`${VERSION}/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances`),
      handle: groupEligibilities,
    },
  ];
}
