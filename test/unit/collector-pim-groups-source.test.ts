/**
 * The PIM-for-Groups source (issue #13 §3.1): one request per group that holds a directory role (active or
 * eligible), as roleGroupMembers derives its requests, to
 * GET /v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '{id}'
 * (permission PrivilegedEligibilitySchedule.Read.AzureADGroup; the $filter is required by the API).
 */
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../src/collector/sources/index.js';

const G = '#microsoft.graph.group';
const U = '#microsoft.graph.user';
const def = SOURCES.find((s) => s.id === 'groupEligibilityScheduleInstances')!;

describe('source groupEligibilityScheduleInstances', () => {
  it('is registered after the role sources it depends on, with its permission', () => {
    expect(def).toBeDefined();
    expect(def).toMatchObject({
      apiVersion: 'v1.0',
      requests: [],
      permission: 'PrivilegedEligibilitySchedule.Read.AzureADGroup',
      dependsOn: ['roleAssignments', 'roleEligibilityScheduleInstances'],
      budget: 'directory',
    });
    const ids = SOURCES.map((s) => s.id);
    expect(ids.indexOf(def.id)).toBeGreaterThan(ids.indexOf('roleEligibilityScheduleInstances'));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('asks once per role-holding group, active or eligible, sorted', async () => {
    const rows: Record<string, unknown[]> = {
      roleAssignments: [
        { principalId: 'b-group', principal: { '@odata.type': G } },
        { principalId: 'user-1', principal: { '@odata.type': U } },
        { principalId: 'a-group', principal: { '@odata.type': G } },
      ],
      roleEligibilityScheduleInstances: [
        { principalId: 'b-group', principal: { '@odata.type': G } },
        { principalId: 'c-group', principal: { '@odata.type': G } },
        { principalId: 'sp', principal: { '@odata.type': '#microsoft.graph.servicePrincipal' } },
      ],
    };
    const requests = await def.requestsFrom!(async function* (id) {
      yield* rows[id] ?? [];
    });
    const path = (id: string) => `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '${id}'&$expand=principal`;
    expect(requests).toEqual([path('a-group'), path('b-group'), path('c-group')]);
  });

  it('keeps wire rows, adding the group id from the request when a row lacks it', () => {
    const request = "/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq 'g-1'&$expand=principal";
    const wire = { id: 'g-1_member_s', groupId: 'g-1', principalId: 'u', accessId: 'member' };
    expect(def.mapRow!(wire, request)).toEqual(wire);
    expect(def.mapRow!({ id: 'x', principalId: 'u', accessId: 'member' }, request)).toEqual({ id: 'x', principalId: 'u', accessId: 'member', groupId: 'g-1' });
  });
});
