import { CA_READER_ROLES, groupMemberRows, type SourceDef } from './types.js';

const USER_KEYS = ['includeGroups', 'excludeGroups'] as const;

/** The ids of every group any CA policy (whatever its state) includes or excludes, sorted; GUID-like ids only. */
export async function caPolicyGroups(readRows: (sourceId: string) => AsyncIterable<unknown>): Promise<string[]> {
  const groups = new Set<string>();
  for await (const row of readRows('conditionalAccessPolicies')) {
    const users = (row as { conditions?: { users?: Record<string, unknown> | null } | null } | null)?.conditions?.users;
    if (!users) continue;
    for (const key of USER_KEYS) {
      const ids = users[key];
      if (!Array.isArray(ids)) continue;
      for (const id of ids) if (typeof id === 'string' && /^[0-9A-Za-z-]+$/.test(id)) groups.add(id);
    }
  }
  return [...groups].sort();
}

/**
 * Transitive user members of every group a Conditional Access policy includes or excludes (issue #14): who a
 * policy's group conditions cover, as roleGroupMembers does for the role groups. One request per group, paced by
 * the directory budget.
 */
export const caGroupMembers: SourceDef = {
  id: 'caGroupMembers',
  title: 'Members of groups named by Conditional Access policies',
  apiVersion: 'v1.0',
  requests: [],
  dependsOn: ['conditionalAccessPolicies'],
  async requestsFrom(readRows) {
    return (await caPolicyGroups(readRows)).map(groupMemberRows.request);
  },
  mapRow: groupMemberRows.mapRow,
  rowKey: groupMemberRows.rowKey,
  goneRow: groupMemberRows.goneRow,
  budget: 'directory',
  permission: 'GroupMember.Read.All',
  readerRoles: CA_READER_ROLES,
};
