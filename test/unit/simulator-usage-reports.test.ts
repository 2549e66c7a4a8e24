/**
 * The simulator's seed reports beside userRegistrationDetails agree with the per-user rows (issue #15), as collected
 * by the real collector from the simulator over HTTP:
 * - usersRegisteredByMethod (graph-api.md §6) and usersRegisteredByFeature (§5): every includedUserTypes ×
 *   includedUserRoles slice the collector asks for equals counting the userRegistrationDetails rows of that slice;
 * - credentialUserRegistrationCount (§1): totalUserCount and each registrationStatus equal the rows' flags;
 * - userEventsSummary (§S): in the typical and poor profiles some users fail registration or reset 3 times or more in
 *   the period, over several failure reasons; in the clean profile nobody does.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../src/collector/collect.js';
import { SOURCES } from '../../src/collector/sources/index.js';
import { GraphTransport } from '../../src/graph/client.js';
import type { UserCredentialUsageDetails, UserRegistrationDetails } from '../../src/graph/types.js';
import { startSimulator } from '../../src/simulator/server.js';
import { createTenant, PRIVILEGED_ADMIN_ROLE_IDS, type SimTenant, type TenantProfile } from '../../src/simulator/tenant.js';

const USERS = 700;
const DAY = 86_400_000;
const COLLECTED = ['userRegistrationDetails', 'usersRegisteredByFeature', 'usersRegisteredByMethod', 'credentialUserRegistrationCount', 'userEventsSummary'];
const PRIVILEGED = new Set(PRIVILEGED_ADMIN_ROLE_IDS);

type Row = Record<string, any>;
interface Collected {
  tenant: SimTenant;
  rows: (id: string) => Promise<Row[]>;
}

/** Collects the sources above from a simulator of the profile, through the collector, into a fresh snapshot. */
async function collectFrom(profile: TenantProfile): Promise<Collected> {
  const tenant = createTenant({ seed: 11, users: USERS, profile });
  const sim = await startSimulator({ tenant, token: 't', defaultPageSize: 100 });
  const out = join(await mkdtemp(join(tmpdir(), `eaa-usage-${profile}-`)), 'snap');
  try {
    const transport = new GraphTransport({ authProvider: { getAccessToken: async () => 't' }, graphRoot: 'https://graph.microsoft.com', endpoint: sim.url });
    await collect({ transport, tenantId: tenant.tenantId, cloud: 'global', outDir: out, sources: SOURCES.filter((s) => COLLECTED.includes(s.id)) });
  } finally {
    await sim.close();
  }
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { sources: { id: string; status: string; file: string }[] };
  for (const s of manifest.sources) expect(s.status, s.id).toBe('ok');
  return {
    tenant,
    rows: async (id) => {
      const file = manifest.sources.find((s) => s.id === id)!.file;
      return (await readFile(join(out, file), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
    },
  };
}

/**
 * Whether a row is in a slice, as the reports define them (§5): member = not guest (null and unknown userType count
 * as members); admin = isAdmin true; user = isAdmin false or null; privilegedAdmin = admin by one of the 9 roles.
 */
function inSlice(row: UserRegistrationDetails, roleId: string | null, types: string, roles: string): boolean {
  const typeOk = types === 'all' || (types === 'guest' ? row.userType === 'guest' : row.userType !== 'guest');
  const admin = row.isAdmin === true;
  const roleOk = roles === 'all' || (roles === 'admin' ? admin : roles === 'user' ? !admin : admin && roleId !== null && PRIVILEGED.has(roleId));
  return typeOk && roleOk;
}

describe('typical tenant, 700 users: summary reports equal the per-user rows', () => {
  let c: Collected;
  let users: UserRegistrationDetails[];
  /** the role by which the report counts a row as an admin: the rows do not carry it, the role data does */
  let roleOfRow: Map<string, string | null>;

  beforeAll(async () => {
    c = await collectFrom('typical');
    users = (await c.rows('userRegistrationDetails')) as UserRegistrationDetails[];
    roleOfRow = new Map(Array.from({ length: c.tenant.userCount }, (_, i) => [c.tenant.user(i).id, c.tenant.roleOf(i)]));
  }, 60_000);

  it('collected every row, and the slices hold people (so the comparison means something)', () => {
    expect(users).toHaveLength(USERS);
    expect(users.filter((u) => u.isAdmin === true).length).toBeGreaterThan(3);
    expect(users.filter((u) => u.userType === 'guest').length).toBeGreaterThan(20);
    expect(users.some((u) => u.isAdmin === true && PRIVILEGED.has(roleOfRow.get(u.id) ?? ''))).toBe(true);
  });

  it('usersRegisteredByMethod: every slice the collector asks for counts each method as the rows of that slice do', async () => {
    const def = SOURCES.find((s) => s.id === 'usersRegisteredByMethod')!;
    const summaries = await c.rows('usersRegisteredByMethod');
    const asked = def.requests.map((r) => /includedUserTypes='(\w+)',includedUserRoles='(\w+)'/.exec(r)!.slice(1, 3).join('/'));
    expect(summaries.map((s) => `${s.userTypes}/${s.userRoles}`)).toEqual(asked);
    expect(asked).toHaveLength(12);
    for (const s of summaries) {
      const slice = users.filter((u) => inSlice(u, roleOfRow.get(u.id) ?? null, s.userTypes, s.userRoles));
      const expected = new Map<string, number>([['password', slice.length]]); // everyone has a password (§6)
      for (const u of slice) for (const m of new Set(u.methodsRegistered)) expected.set(m, (expected.get(m) ?? 0) + 1);
      const got = new Map((s.userRegistrationMethodCounts as { authenticationMethod: string; userCount: number }[]).map((m) => [m.authenticationMethod, m.userCount]));
      expect(s.totalUserCount, `${s.userTypes}/${s.userRoles}`).toBe(slice.length);
      expect(Object.fromEntries(got), `${s.userTypes}/${s.userRoles}`).toEqual(Object.fromEntries(expected));
    }
  });

  it('usersRegisteredByFeature: every slice counts each feature as the rows of that slice do', async () => {
    const flag = { ssprRegistered: 'isSsprRegistered', ssprEnabled: 'isSsprEnabled', ssprCapable: 'isSsprCapable', passwordlessCapable: 'isPasswordlessCapable', mfaCapable: 'isMfaCapable' } as const;
    const summaries = await c.rows('usersRegisteredByFeature');
    expect(summaries).toHaveLength(12);
    for (const s of summaries) {
      const slice = users.filter((u) => inSlice(u, roleOfRow.get(u.id) ?? null, s.userTypes, s.userRoles));
      expect(s.totalUserCount).toBe(slice.length);
      for (const f of s.userRegistrationFeatureCounts as { feature: keyof typeof flag; userCount: number }[]) {
        expect(f.userCount, `${s.userTypes}/${s.userRoles} ${f.feature}`).toBe(slice.filter((u) => u[flag[f.feature]] === true).length);
      }
    }
  });

  it('credentialUserRegistrationCount: totalUserCount and every registrationStatus equal the rows', async () => {
    const [row, ...more] = await c.rows('credentialUserRegistrationCount');
    expect(more).toEqual([]);
    expect(row!.totalUserCount).toBe(users.length);
    const n = (f: (u: UserRegistrationDetails) => boolean) => users.filter(f).length;
    expect(row!.userRegistrationCounts).toEqual([
      { registrationStatus: 'registered', registrationCount: n((u) => u.isSsprRegistered) },
      { registrationStatus: 'enabled', registrationCount: n((u) => u.isSsprEnabled) },
      { registrationStatus: 'capable', registrationCount: n((u) => u.isSsprCapable) },
      { registrationStatus: 'mfaRegistered', registrationCount: n((u) => u.isMfaRegistered) },
    ]);
  });
});

describe('userEventsSummary: users who fail registration or reset again and again', () => {
  const failuresByUser = (events: UserCredentialUsageDetails[]) => {
    const out = new Map<string, UserCredentialUsageDetails[]>();
    for (const e of events) if (!e.isSuccess && (e.feature === 'registration' || e.feature === 'reset')) out.set(e.userPrincipalName, [...(out.get(e.userPrincipalName) ?? []), e]);
    return out;
  };

  for (const [profile, atLeast] of [['typical', 2], ['poor', 5]] as const) {
    it(`${profile}: at least ${atLeast} users with ≥ 3 failed attempts in the period, over several failure reasons`, async () => {
      const c = await collectFrom(profile);
      const events = (await c.rows('userEventsSummary')) as UserCredentialUsageDetails[];
      expect(events).toHaveLength(c.tenant.eventCount);
      const asOf = Date.parse(c.tenant.asOf);
      const inPeriod = events.filter((e) => Date.parse(e.eventDateTime) <= asOf && Date.parse(e.eventDateTime) > asOf - 30 * DAY);
      expect(inPeriod).toHaveLength(events.length);
      const repeated = [...failuresByUser(inPeriod)].filter(([, f]) => f.length >= 3);
      expect(repeated.length).toBeGreaterThanOrEqual(atLeast);
      const reasons = new Set(repeated.flatMap(([, f]) => f.map((e) => e.failureReason)));
      expect(reasons.size).toBeGreaterThanOrEqual(3);
      expect([...reasons].every((r) => r !== '')).toBe(true);
      // every repeated failure names a user of the tenant
      const upns = new Set((await c.rows('userRegistrationDetails')).map((u) => u.userPrincipalName));
      expect(repeated.every(([upn]) => upns.has(upn))).toBe(true);
      // over all failures, the reasons spread over several values (the pack's top-10 table has something to show)
      expect(new Set(inPeriod.filter((e) => !e.isSuccess).map((e) => e.failureReason)).size).toBeGreaterThanOrEqual(8);
    }, 60_000);
  }

  it('clean: nobody fails three times', () => {
    const t = createTenant({ seed: 11, users: USERS, profile: 'clean' });
    const events = Array.from({ length: t.eventCount }, (_, j) => t.event(j));
    expect([...failuresByUser(events)].filter(([, f]) => f.length >= 3)).toEqual([]);
  });

  it('a quarter has its own strugglers, and the activity summary counts their failures', () => {
    const q0 = createTenant({ seed: 11, users: USERS });
    const q1 = createTenant({ seed: 11, users: USERS, quarter: 1 });
    const strugglers = (t: SimTenant) => [...failuresByUser(Array.from({ length: t.eventCount }, (_, j) => t.event(j)))].filter(([, f]) => f.length >= 3).map(([u]) => u).sort();
    expect(strugglers(q1)).not.toEqual(strugglers(q0));
    const failed = Array.from({ length: q0.eventCount }, (_, j) => q0.event(j)).filter((e) => !e.isSuccess).length;
    expect(q0.registrationActivity('d30').reduce((n, r) => n + r.failureActivityCount, 0)).toBe(failed);
  });
});
