import { ROLE_HOLDER_SOURCES, roleHoldingGroups, type SourceDef } from './types.js';

const USERS_OF = /^\/groups\/([^/]+)\/transitiveMembers/;

/**
 * Members (transitive) of every group that holds a directory role, active or eligible: role-assignable groups make
 * their members admins without a direct assignment (graph-api.md §D.1: "Expand group members yourself").
 */
export const roleGroupMembers: SourceDef = {
  id: 'roleGroupMembers',
  title: 'Members of groups holding directory roles',
  apiVersion: 'v1.0',
  requests: [],
  dependsOn: ROLE_HOLDER_SOURCES,
  async requestsFrom(readRows) {
    return (await roleHoldingGroups(readRows)).map((id) => `/groups/${encodeURIComponent(id)}/transitiveMembers/microsoft.graph.user?$select=id,userPrincipalName,displayName`);
  },
  mapRow(row, request) {
    const groupId = decodeURIComponent(USERS_OF.exec(request)?.[1] ?? '');
    return { groupId, userId: row.id, userPrincipalName: row.userPrincipalName, displayName: row.displayName };
  },
  rowKey: (row) => `${String(row.groupId)}/${String(row.userId)}`,
  budget: 'directory',
  permission: 'GroupMember.Read.All',
};
