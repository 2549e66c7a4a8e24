/**
 * PIM for Groups in the simulator (issue #13 §3.1): eligible members and owners of the role-assignable groups,
 * served as Graph serves privilegedAccessGroupEligibilityScheduleInstance
 * (GET /identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '{id}', v1.0;
 * accessId 'member' | 'owner'; the $filter on groupId or principalId is required).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';

const TOKEN = 'pim-groups-token';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const PIM = '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances';

interface Page {
  '@odata.context'?: string;
  '@odata.nextLink'?: string;
  value: Record<string, unknown>[];
  error?: { code: string; message: string };
}

async function get(sim: RunningSimulator, path: string) {
  const res = await fetch(path.startsWith('http') ? path : `${sim.url}${path}`, { headers: AUTH });
  return { res, json: (await res.json()) as Page };
}

async function readAll(sim: RunningSimulator, path: string) {
  const rows: Record<string, unknown>[] = [];
  const links: string[] = [];
  let next: string | undefined = `${sim.url}${path}`;
  while (next) {
    links.push(next);
    const { res, json } = await get(sim, next);
    expect(res.status, JSON.stringify(json)).toBe(200);
    rows.push(...json.value);
    next = json['@odata.nextLink'];
  }
  return { rows, links };
}

describe('tenant: eligible members of role-assignable groups (PIM for Groups)', () => {
  const N = 50_000;
  const tenant = createTenant({ seed: 11, users: N });
  const asOf = Date.parse(tenant.asOf);
  const groups = tenant.groups();
  const instances = [...tenant.groupEligibilities()];
  const members = instances.filter((e) => e.accessId === 'member');
  const owners = instances.filter((e) => e.accessId === 'owner');

  it('serves member and owner instances shaped as the v1.0 resource, for the groups onboarded to PIM', () => {
    expect(members.length).toBeGreaterThan(3);
    expect(owners.length).toBeGreaterThan(0);
    const groupIds = new Set(groups.map((g) => g.id));
    for (const e of instances) {
      expect(e.id).toBe(`${e.groupId}_${e.accessId}_${e.eligibilityScheduleId}`);
      expect(groupIds.has(e.groupId)).toBe(true);
      expect(e.memberType).toBe('Direct');
      expect(e.principalId).toBe(e.principal.id);
      expect(Date.parse(e.startDateTime)).toBeLessThan(asOf);
      expect(e.endDateTime === null || Date.parse(e.endDateTime) > asOf).toBe(true);
    }
    expect(new Set(instances.map((e) => e.id)).size).toBe(instances.length);
    // Not the nested group: Entra refuses nesting in role-assignable groups, and its eligible members would hold
    // the parent's role through a path no API lists.
    const nested = groups.find((g) => groups.some((p) => p.memberGroupIds.includes(g.id)));
    expect(instances.some((e) => e.groupId === nested?.id)).toBe(false);
  });

  it('keeps eligible members apart from the members: no transitiveMembers row, no role record of their own', () => {
    const recorded = new Set<number>();
    for (const a of tenant.roleAssignments()) if (a.principal.userIndex !== undefined) recorded.add(a.principal.userIndex);
    for (const e of tenant.roleEligibilities()) if (e.principal.userIndex !== undefined) recorded.add(e.principal.userIndex);
    for (const e of members) {
      const i = e.principal.userIndex;
      expect(i).toBeDefined();
      const h = tenant.roleHoldingOf(i ?? -1);
      expect(h).toMatchObject({ kind: 'groupEligible', groupId: e.groupId });
      expect(recorded.has(i ?? -1)).toBe(false);
      for (const g of groups) expect(g.transitiveUserIndexes).not.toContain(i);
    }
    // every groupEligible holding has exactly one member instance
    const byUser = new Map(members.map((e) => [e.principal.userIndex, e]));
    expect(byUser.size).toBe(members.length);
    for (let i = 0; i < N; i++) {
      if (tenant.roleHoldingOf(i)?.kind === 'groupEligible') expect(byUser.has(i), `user ${i}`).toBe(true);
    }
    // owners are admins who manage the group; an eligible owner is not a member
    for (const e of owners) expect(tenant.roleHoldingOf(e.principal.userIndex ?? -1)?.kind).toBe('active');
  });

  it('has a user privileged only through PIM for Groups whom isAdmin does not flag, and counts them all as holders', () => {
    const unreported = members.filter((e) => tenant.user(e.principal.userIndex ?? 0).isAdmin === false);
    expect(unreported.length).toBeGreaterThan(0);
    for (const e of members) {
      const g = groups.find((x) => x.id === e.groupId)!;
      const roles = new Set([...g.activeRoleIds, ...g.eligibleRoleIds]);
      expect(tenant.privilegedHolders(roles).userIndexes).toContain(e.principal.userIndex);
    }
    const fixed = createTenant({ seed: 11, users: 200 });
    expect([...fixed.groupEligibilities()].some((e) => e.accessId === 'member' && fixed.user(e.principal.userIndex ?? 0).isAdmin === false)).toBe(true);
  });
});

describe('route: PIM for Groups eligibility instances', () => {
  const tenant = createTenant({ seed: 7, users: 6000 });
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ tenant, token: TOKEN });
  });
  afterAll(() => sim.close());

  it('needs a $filter on groupId or principalId, as Graph does', async () => {
    for (const path of [`/v1.0${PIM}`, `/v1.0${PIM}?$filter=accessId eq 'member'`]) {
      const { res, json } = await get(sim, path);
      expect(res.status, path).toBe(400);
      expect(json.error?.code).toBe('BadRequest');
    }
  });

  it('lists one group’s instances with paging and $expand=principal, on v1.0 and beta', async () => {
    const all = [...tenant.groupEligibilities()];
    for (const g of tenant.groups()) {
      const want = all.filter((e) => e.groupId === g.id);
      const { rows, links } = await readAll(sim, `/v1.0${PIM}?$filter=groupId eq '${g.id}'&$expand=principal&$top=2`);
      expect(rows.map((r) => r['id'])).toEqual(want.map((e) => e.id));
      if (want.length > 2) {
        expect(links.length).toBeGreaterThan(1);
        expect(links.slice(1).every((l) => l.includes('$filter=') && l.includes('$expand=principal'))).toBe(true);
      }
      for (const [k, row] of rows.entries()) {
        const e = want[k]!;
        expect(row).toMatchObject({
          id: e.id, groupId: g.id, principalId: e.principalId, accessId: e.accessId, memberType: 'Direct',
          startDateTime: e.startDateTime, endDateTime: e.endDateTime, eligibilityScheduleId: e.eligibilityScheduleId,
        });
        expect(row['principal']).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: e.principalId, userPrincipalName: e.principal.userPrincipalName });
      }
      const beta = await readAll(sim, `/beta${PIM}?$filter=groupId eq '${g.id}'`);
      expect(beta.rows.map((r) => r['id'])).toEqual(want.map((e) => e.id));
      expect(beta.rows.some((r) => 'principal' in r)).toBe(false);
    }
    const someone = all.find((e) => e.accessId === 'member')!;
    const byPrincipal = (await get(sim, `/v1.0${PIM}?$filter=principalId eq '${someone.principalId}'`)).json;
    expect(byPrincipal.value.map((r) => r['id'])).toEqual(all.filter((e) => e.principalId === someone.principalId).map((e) => e.id));
    expect(byPrincipal['@odata.context']).toBe(`${sim.url}/v1.0/$metadata#identityGovernance/privilegedAccess/group/eligibilityScheduleInstances`);
  });

  it('answers an empty collection for a group with no eligibility', async () => {
    const { res, json } = await get(sim, `/v1.0${PIM}?$filter=groupId eq '00000000-0000-4000-8000-000000000000'`);
    expect(res.status).toBe(200);
    expect(json.value).toEqual([]);
  });
});
