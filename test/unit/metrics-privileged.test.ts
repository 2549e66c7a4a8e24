/**
 * The privileged definition (src/metrics/privileged.ts) with PIM for Groups (issue #13 §3.1): an eligible member of
 * a role-assignable group that holds a role is not in transitiveMembers, yet can activate the membership and so the
 * role. accessId 'member' counts; 'owner' (manages the group, does not hold its roles) and non-user principals do
 * not. Eligible members never count as holding an active role (the isAdmin cross-check).
 */
import { describe, expect, it } from 'vitest';
import { RoleFold, resolveRoleSet, ROLE } from '../../src/metrics/privileged.js';

const GROUP_SEC = 'g-sec';
const GROUP_HD = 'g-hd';
const defs = [
  { id: ROLE.securityAdministrator, templateId: ROLE.securityAdministrator, displayName: 'Security Administrator', isPrivileged: true },
  { id: ROLE.helpdeskAdministrator, templateId: ROLE.helpdeskAdministrator, displayName: 'Helpdesk Administrator', isPrivileged: true },
  { id: ROLE.reportsReader, templateId: ROLE.reportsReader, displayName: 'Reports Reader', isPrivileged: false },
];
const group = (id: string, name: string) => ({ '@odata.type': '#microsoft.graph.group', id, displayName: name });
const user = (id: string) => ({ '@odata.type': '#microsoft.graph.user', id, displayName: `User ${id}`, userPrincipalName: `${id}@x` });
const pim = (groupId: string, principalId: string, accessId: string, principal: Record<string, unknown> | undefined = user(principalId)) => ({
  id: `${groupId}_${accessId}_${principalId}`, groupId, principalId, accessId, memberType: 'Direct',
  startDateTime: '2026-01-01T00:00:00Z', endDateTime: null, ...(principal ? { principal } : {}),
});

function fold(): RoleFold {
  const f = new RoleFold();
  defs.forEach((d) => f.addDefinition(d));
  f.addAssignment({ principalId: GROUP_HD, roleDefinitionId: ROLE.helpdeskAdministrator, directoryScopeId: '/', principal: group(GROUP_HD, 'Role - Helpdesk') }, 'active');
  f.addAssignment({ principalId: GROUP_SEC, roleDefinitionId: ROLE.securityAdministrator, directoryScopeId: '/', principal: group(GROUP_SEC, 'PIM - Security') }, 'eligible');
  f.addAssignment({ principalId: 'direct', roleDefinitionId: ROLE.reportsReader, directoryScopeId: '/', principal: user('direct') }, 'active');
  f.addGroupMember({ groupId: GROUP_HD, userId: 'member', userPrincipalName: 'member@x', displayName: 'Member' });
  return f;
}

describe('RoleFold: eligible members of role-holding groups (PIM for Groups)', () => {
  const set = resolveRoleSet('entra-privileged', defs);

  it('counts an eligible member as holding the group’s roles, with the route in holds', () => {
    const f = fold();
    f.addGroupEligibility(pim(GROUP_SEC, 'alice', 'member'));
    f.addGroupEligibility(pim(GROUP_HD, 'alice', 'member'));
    const { users, activeAnyRole } = f.resolve(set);
    expect(users.get('alice')).toEqual({
      id: 'alice', userPrincipalName: 'alice@x', displayName: 'User alice',
      holds: [
        'Helpdesk Administrator (active, eligible member of group Role - Helpdesk through PIM for Groups)',
        'Security Administrator (eligible, eligible member of group PIM - Security through PIM for Groups)',
      ],
    });
    // must activate the membership first: not an active role holder
    expect(activeAnyRole.has('alice')).toBe(false);
    expect(activeAnyRole.has('member')).toBe(true);
  });

  it('ignores eligible owners, group and service-principal principals, and groups that hold no role', () => {
    const f = fold();
    f.addGroupEligibility(pim(GROUP_SEC, 'owner', 'owner'));
    f.addGroupEligibility(pim(GROUP_SEC, 'nested', 'member', group('nested', 'Nested')));
    f.addGroupEligibility(pim(GROUP_SEC, 'app', 'member', { '@odata.type': '#microsoft.graph.servicePrincipal', id: 'app', displayName: 'App' }));
    f.addGroupEligibility(pim('g-none', 'bob', 'member'));
    f.addGroupEligibility({ groupId: GROUP_SEC, accessId: 'member' }); // no principalId
    f.addGroupEligibility(null);
    const { users, servicePrincipals } = f.resolve(set);
    expect([...users.keys()].sort()).toEqual(['member']);
    expect(servicePrincipals).toEqual([]);
  });

  it('takes a row without $expand=principal as a user, and accessId case-insensitively', () => {
    const f = fold();
    f.addGroupEligibility(pim(GROUP_SEC, 'carol', 'Member', undefined));
    const { users } = f.resolve(set);
    expect(users.get('carol')?.holds).toEqual(['Security Administrator (eligible, eligible member of group PIM - Security through PIM for Groups)']);
  });

  it('applies the role set: a group holding only roles outside it makes nobody privileged', () => {
    const f = fold();
    f.addAssignment({ principalId: 'g-rr', roleDefinitionId: ROLE.reportsReader, directoryScopeId: '/', principal: group('g-rr', 'Readers') }, 'active');
    f.addGroupEligibility(pim('g-rr', 'dave', 'member'));
    expect(f.resolve(set).users.has('dave')).toBe(false);
    expect(f.resolve(resolveRoleSet('any-admin-role', defs)).users.get('dave')?.holds).toEqual([
      'Reports Reader (active, eligible member of group Readers through PIM for Groups)',
    ]);
  });
});
