import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import {
  createTenant,
  PRIVILEGED_ADMIN_ROLE_IDS,
  ROLE_SPECIALS,
  type RoleHoldingKind,
} from '../../src/simulator/tenant.js';

const TOKEN = 'roles-token';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const RD = '/roleManagement/directory';

/** graph-api.md §D.1, typed in independently of src: every built-in, and those marked (P). */
const BUILT_IN = {
  '62e90394-69f5-4237-9190-012177145e10': true, 'e8611ab8-c189-46e8-94e1-60213ab1f814': true,
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13': true, '194ae4cb-b126-40b2-bd5b-6091b380977d': true,
  'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9': true, '29232cdf-9323-42fd-ade2-1d097af3e4de': false,
  'f28a1f50-f6e7-4571-818b-6a12f2af6b6c': false, '729827e3-9c14-49f7-bb1b-9608f156bbb8': true,
  'b0f54661-2d74-4c50-afa3-1ec803f12efe': false, 'fe930be7-5e62-47db-91af-98c3a49a38b1': true,
  'c4e39bd9-1100-46d3-8c65-fb160da0071f': true, '0526716b-113d-4c15-b2c8-68e3c22b9f80': false,
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': true, '158c047a-c907-4556-b7ef-446551a6b5f7': true,
  '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2': true, '3a2c62db-5318-420d-8d74-23affee5d9d5': true,
  '966707d0-3269-4727-9be2-8c3a10f19b9d': true, '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f': true,
  '5d6b6bb7-de71-4623-b4af-96380a352509': true, 'f2ef992c-3afb-46b9-b7cf-a126ee74c451': true,
  '4a5d8f65-41da-4de4-8968-e035b65339cf': false, '9360feb5-f418-4baa-8175-e2a00bac4301': true,
} as const;
const P_SET = new Set(Object.entries(BUILT_IN).filter(([, p]) => p).map(([id]) => id));
const STAR_SET = new Set(PRIVILEGED_ADMIN_ROLE_IDS);
const GA = '62e90394-69f5-4237-9190-012177145e10';
const HELPDESK = '729827e3-9c14-49f7-bb1b-9608f156bbb8';
const REPORTS_READER = '4a5d8f65-41da-4de4-8968-e035b65339cf';

interface Page {
  '@odata.context'?: string;
  '@odata.nextLink'?: string;
  value: Record<string, unknown>[];
}

async function get(sim: RunningSimulator, path: string) {
  const res = await fetch(path.startsWith('http') ? path : `${sim.url}${path}`, { headers: AUTH });
  return { res, json: (await res.json()) as Page & { error?: { code: string; message: string } } };
}

async function readAll(sim: RunningSimulator, path: string) {
  const rows: Record<string, unknown>[] = [];
  const links: string[] = [];
  let next: string | undefined = `${sim.url}${path}`;
  while (next) {
    expect(next.startsWith(`${sim.url}/`)).toBe(true);
    links.push(next);
    const { res, json } = await get(sim, next);
    expect(res.status, JSON.stringify(json)).toBe(200);
    rows.push(...json.value);
    next = json['@odata.nextLink'];
  }
  return { rows, pages: links.length, links };
}

describe('tenant roles: who holds what', () => {
  const N = 50_000;
  const tenant = createTenant({ seed: 11, users: N });
  const holdings = Array.from({ length: N }, (_, i) => tenant.roleHoldingOf(i));
  const rows = Array.from({ length: N }, (_, i) => tenant.user(i));
  const activeUsers = new Set<number>();
  const eligibleUsers = new Set<number>();
  for (const a of tenant.roleAssignments()) if (a.principal.userIndex !== undefined) activeUsers.add(a.principal.userIndex);
  for (const e of tenant.roleEligibilities()) if (e.principal.userIndex !== undefined) eligibleUsers.add(e.principal.userIndex);

  it('defines the 22 built-in roles of §D.1 with their (P) labels, plus one custom role', () => {
    const defs = tenant.roleDefinitions();
    expect(defs).toHaveLength(23);
    const builtIns = defs.filter((d) => d.isBuiltIn);
    expect(Object.fromEntries(builtIns.map((d) => [d.id, d.isPrivileged]))).toEqual(BUILT_IN);
    expect(builtIns.every((d) => d.templateId === d.id && d.isEnabled)).toBe(true);
    const custom = defs.filter((d) => !d.isBuiltIn);
    expect(custom).toHaveLength(1);
    expect(custom[0]).toMatchObject({ isPrivileged: false, isEnabled: true });
    expect(Object.keys(BUILT_IN)).not.toContain(custom[0]?.id);
  });

  it('keeps isAdmin consistent with the holding kind, so both mismatch directions exist', () => {
    const violations: string[] = [];
    const kinds = new Map<RoleHoldingKind, number>();
    for (let i = 0; i < N; i++) {
      const h = holdings[i];
      const u = rows[i];
      if (!u) continue;
      if (!h) {
        if (u.isAdmin === true) violations.push(`${i}: isAdmin without any role`);
        if (activeUsers.has(i) || eligibleUsers.has(i)) violations.push(`${i}: records without a holding`);
        continue;
      }
      kinds.set(h.kind, (kinds.get(h.kind) ?? 0) + 1);
      if (u.isAdmin !== h.reportedAsAdmin) violations.push(`${i}: isAdmin ${u.isAdmin} vs ${h.kind}`);
      if (u.userType === 'guest') violations.push(`${i}: guest role holder`);
      const hasActive = activeUsers.has(i);
      const wantActive = h.kind === 'active' || h.kind === 'administrativeUnit' || h.kind === 'reportLag';
      if (hasActive !== wantActive) violations.push(`${i}: ${h.kind} with active=${hasActive}`);
      if (h.kind.startsWith('eligible') && !eligibleUsers.has(i)) violations.push(`${i}: ${h.kind} not eligible`);
      if (h.kind === 'group' && (eligibleUsers.has(i) || h.groupId === null)) violations.push(`${i}: group holder`);
      if (h.kind === 'groupEligible' && (eligibleUsers.has(i) || h.groupId === null)) violations.push(`${i}: PIM group holder`);
      if ((h.kind === 'administrativeUnit') !== h.directoryScopeId.startsWith('/administrativeUnits/')) {
        violations.push(`${i}: scope ${h.directoryScopeId} for ${h.kind}`);
      }
      if ((u.isAdmin === true) !== (tenant.roleOf(i) !== null)) violations.push(`${i}: roleOf`);
    }
    expect(violations).toEqual([]);

    // isAdmin true without an active assignment: eligible-only (reported), group-only and (drawn) PIM-group admins.
    const adminWithoutActive = rows.filter((u, i) => u.isAdmin === true && !activeUsers.has(i)).length;
    const pimGroupReported = holdings.filter((h) => h?.kind === 'groupEligible' && h.reportedAsAdmin).length;
    expect(adminWithoutActive).toBe((kinds.get('eligibleReported') ?? 0) + (kinds.get('group') ?? 0) + pimGroupReported);
    // Active assignment with isAdmin false: the report-lag users.
    const activeNotAdmin = [...activeUsers].filter((i) => rows[i]?.isAdmin !== true).length;
    expect(activeNotAdmin).toBe(kinds.get('reportLag'));

    const drawn = [...kinds.entries()].filter(([k]) => k !== 'reportLag').reduce((n, [, c]) => n + c, 0) - 1; // - the fixed PIM-only user
    const share = (k: RoleHoldingKind): number => (kinds.get(k) ?? 0) / drawn;
    expect(share('eligibleReported') + share('eligibleUnreported')).toBeGreaterThan(0.11);
    expect(share('eligibleReported') + share('eligibleUnreported')).toBeLessThan(0.19);
    expect(share('eligibleReported')).toBeGreaterThan(0.04);
    expect(share('eligibleUnreported')).toBeGreaterThan(0.04);
    // ~10 % hold through a group; of the two groups managed by PIM for Groups (75 %), ~40 % as eligible members
    expect(share('group') + share('groupEligible')).toBeGreaterThan(0.07);
    expect(share('group') + share('groupEligible')).toBeLessThan(0.13);
    expect(share('groupEligible')).toBeGreaterThan(0.015);
    expect(share('groupEligible')).toBeLessThan(0.05);
    expect(share('administrativeUnit')).toBeGreaterThan(0.03);
    expect(share('administrativeUnit')).toBeLessThan(0.08);
    expect(kinds.get('reportLag')).toBeGreaterThan(2);
    expect(kinds.get('reportLag')).toBeLessThan(drawn * 0.08); // "a few"
  });

  it('places the role specials at their fixed indices', () => {
    for (const s of ROLE_SPECIALS) {
      expect(holdings[s.index], s.why).toMatchObject({ kind: s.kind, roleId: s.roleId });
      expect(rows[s.index]?.userType).toBe('member');
    }
    // Index 3 holds only Reports Reader, which is in neither preset: the presets differ on it.
    expect(tenant.privilegedHolders(new Set([REPORTS_READER])).userIndexes).toContain(3);
    expect(tenant.privilegedHolders(P_SET).userIndexes).not.toContain(3);
    expect(tenant.privilegedHolders(STAR_SET).userIndexes).not.toContain(3);
    expect(rows[3]?.isAdmin).toBe(false);
    expect(rows[5]?.isAdmin).toBe(false); // eligible-only Global Administrator
    expect(tenant.privilegedHolders(new Set([GA])).userIndexes).toEqual(expect.arrayContaining([5, 7, 19]));
  });

  it('resolves the nested group: its members hold the parent group role too', () => {
    const [parent, other, nested] = tenant.groups();
    expect(parent?.memberGroupIds).toEqual([nested?.id]);
    expect(other?.memberGroupIds).toEqual([]);
    expect(nested?.memberUserIndexes).toContain(11);
    expect(parent?.transitiveUserIndexes).toEqual(
      [...(parent?.memberUserIndexes ?? []), ...(nested?.memberUserIndexes ?? [])].sort((a, b) => a - b),
    );
    const helpdesk = tenant.privilegedHolders(new Set([HELPDESK])).userIndexes;
    for (const i of nested?.memberUserIndexes ?? []) expect(helpdesk).toContain(i);
    for (const g of tenant.groups()) expect(g.memberUserIndexes.length).toBeGreaterThan(0);
  });

  it('never lists a service principal among users', () => {
    const sps = tenant.servicePrincipals();
    expect(sps).toHaveLength(3);
    const all = tenant.privilegedHolders(new Set(Object.keys(BUILT_IN)));
    expect(all.servicePrincipalIds).toEqual(sps.map((sp) => sp.id));
    const userIds = new Set(rows.map((u) => u.id));
    for (const sp of sps) expect(userIds.has(sp.id)).toBe(false);
    expect(all.userIndexes.every((i) => Number.isInteger(i) && i >= 0 && i < N)).toBe(true);
    const spAssignments = [...tenant.roleAssignments()].filter((a) => a.principal.type === 'servicePrincipal');
    expect(spAssignments).toHaveLength(3);
    expect(spAssignments.every((a) => P_SET.has(a.roleDefinitionId) && a.principal.userIndex === undefined)).toBe(true);
  });

  it('serves eligibility dates around asOf and unique record ids', () => {
    const asOf = Date.parse(tenant.asOf);
    const elig = [...tenant.roleEligibilities()];
    expect(elig.every((e) => Date.parse(e.startDateTime) < asOf)).toBe(true);
    expect(elig.every((e) => e.endDateTime === null || Date.parse(e.endDateTime) > asOf)).toBe(true);
    expect(elig.some((e) => e.endDateTime === null)).toBe(true);
    expect(elig.some((e) => e.endDateTime !== null)).toBe(true);
    const ids = [...[...tenant.roleAssignments()].map((a) => a.id), ...elig.map((e) => e.id)];
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(elig.map((e) => e.roleEligibilityScheduleId)).size).toBe(elig.length);
  });

  it('is deterministic and independent of the tenant size for a given index', () => {
    const again = createTenant({ seed: 11, users: N });
    expect([...again.roleAssignments()]).toEqual([...tenant.roleAssignments()]);
    const small = createTenant({ seed: 11, users: 500 });
    for (let i = 0; i < 500; i++) expect(small.roleHoldingOf(i)).toEqual(holdings[i]);
    const other = createTenant({ seed: 12, users: N });
    expect(other.privilegedHolders(P_SET).userIndexes).not.toEqual(tenant.privilegedHolders(P_SET).userIndexes);
  });

  it('keeps role holders near 1 % of users at 1,000,000 users, without per-user memory', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const big = createTenant({ seed: 3, users: 1_000_000 });
    gc();
    const before = process.memoryUsage().heapUsed;
    const holders = big.privilegedHolders(new Set(big.roleDefinitions().map((d) => d.id)));
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(holders.userIndexes.length / 1_000_000).toBeGreaterThan(0.008);
    expect(holders.userIndexes.length / 1_000_000).toBeLessThan(0.013);
    expect(big.roleAssignments().length + big.roleEligibilities().length).toBeLessThan(15_000);
    // The index lists of ~10,000 holders, not 1,000,000 users.
    expect(grown).toBeLessThan(4 * 1024 * 1024);
  });
});

describe('role routes over HTTP', () => {
  const tenant = createTenant({ seed: 7, users: 6000 });
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ tenant, token: TOKEN });
  });
  afterAll(() => sim.close());

  it('serves roleDefinitions with isPrivileged on beta only, $filter and $select', async () => {
    const beta = (await get(sim, `/beta${RD}/roleDefinitions`)).json;
    expect(beta.value).toHaveLength(23);
    expect(beta.value.every((d) => typeof d['isPrivileged'] === 'boolean')).toBe(true);
    const v1 = (await get(sim, `/v1.0${RD}/roleDefinitions`)).json;
    expect(v1.value).toHaveLength(23);
    expect(v1.value.some((d) => 'isPrivileged' in d)).toBe(false);

    const privileged = (await get(sim, `/beta${RD}/roleDefinitions?$filter=isPrivileged eq true`)).json;
    expect(new Set(privileged.value.map((d) => d['id']))).toEqual(P_SET);
    const onV1 = await get(sim, `/v1.0${RD}/roleDefinitions?$filter=isPrivileged eq true`);
    expect(onV1.res.status).toBe(400);
    expect(onV1.json.error?.code).toBe('BadRequest');

    const custom = (await get(sim, `/beta${RD}/roleDefinitions?$filter=isBuiltIn eq false`)).json;
    expect(custom.value.map((d) => d['displayName'])).toEqual([tenant.roleDefinitions()[22]?.displayName]);

    const selected = (await get(sim, `/beta${RD}/roleDefinitions?$select=id,DisplayName,noSuchField`)).json;
    expect(selected.value.every((d) => Object.keys(d).join() === 'id,displayName')).toBe(true);
  });

  it('privilegedHolders equals a walk of assignments, eligibility and transitive group members', async () => {
    const userIndex = new Map(Array.from({ length: tenant.userCount }, (_, i) => [tenant.user(i).id, i]));
    const active = await readAll(sim, `/v1.0${RD}/roleAssignments?$expand=principal&$top=40`);
    const eligible = await readAll(sim, `/beta${RD}/roleEligibilityScheduleInstances?$expand=principal&$top=7`);
    expect(active.pages).toBeGreaterThan(1);
    expect(eligible.pages).toBeGreaterThan(1);
    expect(active.rows).toHaveLength(tenant.roleAssignments().length);
    expect(eligible.rows).toHaveLength(tenant.roleEligibilities().length);
    expect(active.links.slice(1).every((l) => l.includes('$expand=principal'))).toBe(true);

    // Expand groups once; the principal object says what each holder is.
    const groupUsers = new Map<string, string[]>();
    const walk = async (roleSet: Set<string>) => {
      const users = new Set<number>();
      const sps = new Set<string>();
      for (const row of [...active.rows, ...eligible.rows]) {
        if (!roleSet.has(String(row['roleDefinitionId']))) continue;
        const p = row['principal'] as Record<string, unknown>;
        expect(p['id']).toBe(row['principalId']);
        switch (p['@odata.type']) {
          case '#microsoft.graph.user':
            expect(typeof p['userPrincipalName']).toBe('string');
            users.add(userIndex.get(String(p['id'])) ?? -1);
            break;
          case '#microsoft.graph.servicePrincipal':
            expect(p['userPrincipalName']).toBeUndefined();
            sps.add(String(p['id']));
            break;
          case '#microsoft.graph.group': {
            const id = String(p['id']);
            if (!groupUsers.has(id)) {
              const members = await readAll(sim, `/v1.0/groups/${id}/transitiveMembers/microsoft.graph.user?$top=3&$select=id,userPrincipalName`);
              expect(members.rows.every((m) => Object.keys(m).join() === 'id,userPrincipalName')).toBe(true);
              // and the eligible members through PIM for Groups (not in transitiveMembers)
              const pim = await readAll(sim, `/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=groupId eq '${id}'&$top=2`);
              const eligible = pim.rows.filter((r) => r['accessId'] === 'member').map((r) => String(r['principalId']));
              groupUsers.set(id, [...members.rows.map((m) => String(m['id'])), ...eligible]);
            }
            for (const uid of groupUsers.get(id) ?? []) users.add(userIndex.get(uid) ?? -1);
            break;
          }
          default:
            throw new Error(`unexpected principal ${JSON.stringify(p)}`);
        }
      }
      return { userIndexes: [...users].sort((a, b) => a - b), servicePrincipalIds: [...sps].sort() };
    };
    const sets = { star: STAR_SET, p: P_SET, all: new Set(tenant.roleDefinitions().map((d) => d.id)), helpdesk: new Set([HELPDESK]) };
    for (const [name, set] of Object.entries(sets)) {
      const expected = tenant.privilegedHolders(set);
      const walked = await walk(set);
      expect(walked.userIndexes, name).toEqual(expected.userIndexes);
      expect(walked.servicePrincipalIds, name).toEqual([...expected.servicePrincipalIds].sort());
      expect(walked.userIndexes.length, name).toBeGreaterThan(0);
    }
    expect(tenant.privilegedHolders(STAR_SET).userIndexes).not.toEqual(tenant.privilegedHolders(P_SET).userIndexes);
  });

  it('omits principal without $expand, filters, clamps $top to 999 and rejects unknown navigations', async () => {
    const plain = (await get(sim, `/beta${RD}/roleAssignments?$top=5000`)).json;
    expect(plain.value).toHaveLength(Math.min(999, tenant.roleAssignments().length));
    expect(plain.value.some((r) => 'principal' in r)).toBe(false);
    expect(plain.value[0]).toMatchObject({ appScopeId: null, directoryScopeId: '/' });
    expect(Object.keys(plain.value[0] ?? {})).toEqual(expect.arrayContaining(['id', 'principalId', 'roleDefinitionId']));

    const ga = (await get(sim, `/v1.0${RD}/roleAssignments?$filter=roleDefinitionId+eq+%27${GA}%27&$expand=principal`)).json;
    expect(ga.value.map((r) => r['id'])).toEqual([...tenant.roleAssignments()].filter((a) => a.roleDefinitionId === GA).map((a) => a.id));
    expect(ga.value.some((r) => (r['principal'] as Record<string, unknown>)['@odata.type'] === '#microsoft.graph.servicePrincipal')).toBe(true);

    const scoped = [...tenant.roleAssignments()].filter((a) => a.directoryScopeId !== '/');
    expect(scoped.length).toBeGreaterThan(0);
    expect(scoped.every((a) => /^\/administrativeUnits\/[0-9a-f-]{36}$/.test(a.directoryScopeId))).toBe(true);

    const bad = await get(sim, `/v1.0${RD}/roleAssignments?$expand=manager`);
    expect(bad.res.status).toBe(400);
    const selected = (await get(sim, `/v1.0${RD}/roleEligibilityScheduleInstances?$select=id,endDateTime&$expand=principal&$top=2`)).json;
    expect(selected.value.every((r) => Object.keys(r).join() === 'id,endDateTime,principal')).toBe(true);
  });

  it('lists direct and transitive members of the nested groups; unknown group is a 404', async () => {
    const [parent, , nested] = tenant.groups();
    if (!parent || !nested) throw new Error('groups missing');
    const direct = await readAll(sim, `/v1.0/groups/${parent.id}/members`);
    expect(direct.rows.filter((r) => r['@odata.type'] === '#microsoft.graph.group').map((r) => r['id'])).toEqual([nested.id]);
    const transitive = await readAll(sim, `/beta/groups/${parent.id}/transitiveMembers`);
    const users = transitive.rows.filter((r) => r['@odata.type'] === '#microsoft.graph.user').map((r) => r['id']);
    expect(users).toEqual(parent.transitiveUserIndexes.map((i) => tenant.user(i).id));
    expect(users.length).toBeGreaterThan(parent.memberUserIndexes.length);
    const cast = await readAll(sim, `/v1.0/groups/${parent.id}/transitiveMembers/microsoft.graph.user`);
    expect(cast.rows.map((r) => r['id'])).toEqual(users);
    expect(cast.rows[0]).toEqual({ id: users[0], displayName: tenant.user(parent.transitiveUserIndexes[0] ?? 0).userDisplayName,
      userPrincipalName: tenant.user(parent.transitiveUserIndexes[0] ?? 0).userPrincipalName });

    const missing = await get(sim, '/v1.0/groups/00000000-0000-4000-8000-000000000000/transitiveMembers/microsoft.graph.user');
    expect(missing.res.status).toBe(404);
    expect(missing.json.error?.code).toBe('Request_ResourceNotFound');
    expect(sim.stats.byRoute['groupMembers']).toBeGreaterThan(3);
  });
});
