import { ROLE_HOLDER_SOURCES, roleHoldingGroups, type SourceDef } from './types.js';

const PATH = '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances';
const GROUP_OF = /\$filter=groupId eq '([^']*)'/;

/**
 * PIM for Groups: who is eligible for membership (accessId 'member') or ownership ('owner') of every group that
 * holds a directory role, active or eligible. An eligible member is not in transitiveMembers (roleGroupMembers) until
 * the membership is activated, yet can activate it, and with it the group's roles. v1.0
 * privilegedaccessgroup-list-eligibilityscheduleinstances: the `$filter` on groupId (or principalId) is required;
 * `$expand=principal` tells users from other principals. Needs Microsoft Entra ID P2 / ID Governance, like all of PIM.
 */
export const groupEligibilities: SourceDef = {
  id: 'groupEligibilityScheduleInstances',
  title: 'Eligible members and owners of groups holding directory roles (PIM for Groups)',
  apiVersion: 'v1.0',
  requests: [],
  dependsOn: ROLE_HOLDER_SOURCES,
  async requestsFrom(readRows) {
    // A group id is a GUID; anything else (a quote would break the filter) is not asked about.
    return (await roleHoldingGroups(readRows))
      .filter((id) => /^[0-9A-Za-z-]+$/.test(id))
      .map((id) => `${PATH}?$filter=groupId eq '${id}'&$expand=principal`);
  },
  mapRow(row, request) {
    if (typeof row.groupId === 'string') return row;
    const groupId = GROUP_OF.exec(request)?.[1];
    return groupId === undefined ? row : { ...row, groupId };
  },
  permission: 'PrivilegedEligibilitySchedule.Read.AzureADGroup',
  budget: 'directory',
};
