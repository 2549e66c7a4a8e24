/**
 * Issue #14 (sources): the policy sources — authentication methods policy (v1.0, and beta for its beta-only
 * fields), Conditional Access policies, authentication strengths, security defaults — and the transitive members
 * of every group a CA policy includes or excludes. All are directory reads (budget 'directory').
 */
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../src/collector/sources/index.js';

const def = (id: string) => SOURCES.find((s) => s.id === id)!;

describe('policy sources', () => {
  it('are registered with their path, version, least permission and the directory budget', () => {
    const expected = {
      authenticationMethodsPolicy: { apiVersion: 'v1.0', requests: ['/policies/authenticationMethodsPolicy'], permission: 'Policy.Read.AuthenticationMethod' },
      authenticationMethodsPolicyBeta: { apiVersion: 'beta', requests: ['/policies/authenticationMethodsPolicy'], permission: 'Policy.Read.AuthenticationMethod' },
      conditionalAccessPolicies: { apiVersion: 'v1.0', requests: ['/identity/conditionalAccess/policies'], permission: 'Policy.Read.All' },
      authenticationStrengthPolicies: { apiVersion: 'v1.0', requests: ['/policies/authenticationStrengthPolicies'], permission: 'Policy.Read.AuthenticationMethod' },
      securityDefaults: { apiVersion: 'v1.0', requests: ['/policies/identitySecurityDefaultsEnforcementPolicy'], permission: 'Policy.Read.All' },
      caGroupMembers: { apiVersion: 'v1.0', requests: [], permission: 'GroupMember.Read.All', dependsOn: ['conditionalAccessPolicies'] },
    };
    for (const [id, want] of Object.entries(expected)) {
      expect(def(id), id).toMatchObject({ ...want, budget: 'directory' });
      expect(def(id).readerRoles, id).toMatch(/Global Reader/);
    }
    const ids = SOURCES.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.indexOf('caGroupMembers')).toBeGreaterThan(ids.indexOf('conditionalAccessPolicies'));
  });

  it('caGroupMembers asks once per group any CA policy includes or excludes, sorted, GUIDs only', async () => {
    const g = (n: number) => `0000000${n}-aaaa-bbbb-cccc-dddddddddddd`;
    const rows = [
      { id: 'p1', state: 'enabled', conditions: { users: { includeUsers: ['All'], excludeUsers: ['u1'], includeGroups: [], excludeGroups: [g(2), g(1)] } } },
      { id: 'p2', state: 'disabled', conditions: { users: { includeGroups: [g(3), g(1)], excludeGroups: ["x' or 1"] } } },
      { id: 'p3', conditions: null },
      { id: 'p4' },
    ];
    const requests = await def('caGroupMembers').requestsFrom!(async function* (id) {
      if (id === 'conditionalAccessPolicies') yield* rows;
    });
    const path = (id: string) => `/groups/${id}/transitiveMembers/microsoft.graph.user?$select=id,userPrincipalName,displayName`;
    expect(requests).toEqual([path(g(1)), path(g(2)), path(g(3))]);
  });

  it('caGroupMembers rows name the group and the user, keyed by both', () => {
    const s = def('caGroupMembers');
    const request = '/groups/g-1/transitiveMembers/microsoft.graph.user?$select=id,userPrincipalName,displayName';
    const row = s.mapRow!({ id: 'u-1', userPrincipalName: 'a@x', displayName: 'A' }, request);
    expect(row).toEqual({ groupId: 'g-1', userId: 'u-1', userPrincipalName: 'a@x', displayName: 'A' });
    expect(s.rowKey!(row)).toBe('g-1/u-1');
  });
});
