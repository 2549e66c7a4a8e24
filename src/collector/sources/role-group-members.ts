import { ROLE_HOLDER_SOURCES, roleHoldingGroups, groupMemberRows, type SourceDef } from './types.js';


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
    return (await roleHoldingGroups(readRows)).map(groupMemberRows.request);
  },
  mapRow: groupMemberRows.mapRow,
  rowKey: groupMemberRows.rowKey,
  goneRow: groupMemberRows.goneRow,
  budget: 'directory',
  permission: 'GroupMember.Read.All',
};
