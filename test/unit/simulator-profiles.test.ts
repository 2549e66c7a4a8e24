/**
 * Tenant profiles ('typical', 'clean', 'poor') and quarterly trends: distributions, stable identities, monotonic
 * improvement, consistency of the derived reports, and the default tenant unchanged byte for byte.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { UserRegistrationDetails } from '../../src/graph/types.js';
import { createTenant, DEFAULT_AS_OF, type SimTenant, type TenantProfile } from '../../src/simulator/tenant.js';

const NON_MFA = new Set(['email', 'securityQuestion', 'password', 'appPassword']);
const PHONE = new Set(['mobilePhone', 'alternateMobilePhone', 'officePhone']);
const SSPR = new Set([...PHONE, 'email', 'securityQuestion', 'microsoftAuthenticatorPush', 'softwareOneTimePasscode']);
const PASSWORDLESS = new Set([
  'fido2SecurityKey', 'passKeyDeviceBound', 'passKeyDeviceBoundAuthenticator', 'passKeyDeviceBoundWindowsHello',
  'passKeySynced', 'windowsHelloForBusiness', 'macOsSecureEnclaveKey', 'microsoftAuthenticatorPasswordless',
  'x509CertificateMultiFactor',
]);
const PHISHING_RESISTANT = new Set([...PASSWORDLESS].filter((t) => t !== 'microsoftAuthenticatorPasswordless'));
const DAY = 86_400_000;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const mfaTokens = (u: UserRegistrationDetails): string[] => u.methodsRegistered.filter((t) => !NON_MFA.has(t));
const phoneOnly = (u: UserRegistrationDetails): boolean => mfaTokens(u).length > 0 && mfaTokens(u).every((t) => PHONE.has(t));
const hasPhishingResistant = (u: UserRegistrationDetails): boolean => u.methodsRegistered.some((t) => PHISHING_RESISTANT.has(t));
const isMember = (u: UserRegistrationDetails): boolean => u.userType !== 'guest';

interface Loaded {
  tenant: SimTenant;
  rows: UserRegistrationDetails[];
  /** Users holding any directory role in any way (active, eligible, group, AU scope, report lag). */
  holders: Set<number>;
}
const cache = new Map<string, Loaded>();
function load(profile: TenantProfile, quarter: number, users = 20_000): Loaded {
  const key = `${profile}/${quarter}/${users}`;
  let hit = cache.get(key);
  if (!hit) {
    const tenant = createTenant({ seed: 42, users, profile, quarter });
    const rows = Array.from({ length: users }, (_, i) => tenant.user(i));
    const holders = new Set(rows.map((_, i) => i).filter((i) => tenant.roleHoldingOf(i) !== null));
    hit = { tenant, rows, holders };
    cache.set(key, hit);
  }
  return hit;
}
const share = (rows: UserRegistrationDetails[], pred: (u: UserRegistrationDetails) => boolean): number =>
  rows.filter(pred).length / rows.length;
const between = (value: number, lo: number, hi: number, what: string): void => {
  expect(value, what).toBeGreaterThanOrEqual(lo);
  expect(value, what).toBeLessThanOrEqual(hi);
};

/** The report's invariants (graph-api.md §4), as simulator-tenant.test.ts checks them for the typical tenant. */
function violations(t: SimTenant, rows: UserRegistrationDetails[]): string[] {
  const out: string[] = [];
  const asOf = Date.parse(t.asOf);
  for (const [i, u] of rows.entries()) {
    const bad = (what: string): number => out.push(`user ${i}: ${what}`);
    if (u.isMfaRegistered !== mfaTokens(u).length > 0) bad('isMfaRegistered');
    if (u.isMfaCapable && !u.isMfaRegistered) bad('capable ⇒ registered');
    if (u.isPasswordlessCapable && !(u.isMfaCapable && u.methodsRegistered.some((m) => PASSWORDLESS.has(m)))) bad('passwordless');
    if (u.isSsprRegistered !== u.methodsRegistered.some((m) => SSPR.has(m))) bad('isSsprRegistered');
    if (u.isSsprCapable !== (u.isSsprEnabled && u.isSsprRegistered)) bad('isSsprCapable');
    if (new Set(u.methodsRegistered).size !== u.methodsRegistered.length) bad('duplicate methods');
    if ((u.isAdmin === true) !== (t.roleOf(i) !== null)) bad('isAdmin ⇔ roleOf');
    const updated = Date.parse(u.lastUpdatedDateTime);
    if (!(updated < asOf && updated > asOf - 122 * DAY)) bad('lastUpdatedDateTime within 121 days before asOf');
  }
  return out;
}

describe('profile typical, quarter 0: the tenant of before, byte for byte', () => {
  it('matches hashes computed before profiles and quarters existed', () => {
    // sha256 over 2,000 rows (JSON, newline-joined) of seed 42, taken from the generator before this change.
    // Users and legacy rows are still those of before. Events, role holdings and the summaries (activity, groups)
    // were re-taken when they changed on purpose (issue #13 §3): current usageAuthMethod names and failureReason ""
    // on success; eligible group members through PIM for Groups (kind groupEligible, and the groups' new fields);
    // the summaries again for the repeated-failure bursts the activity now counts (issue #15).
    for (const t of [createTenant({ seed: 42, users: 2000 }), createTenant({ seed: 42, users: 2000, profile: 'typical', quarter: 0 })]) {
      const join = (f: (i: number) => unknown, n = 2000): string => Array.from({ length: n }, (_, i) => JSON.stringify(f(i))).join('\n');
      expect(sha256(join((i) => t.user(i)))).toBe('40116e91649250467a1eb6366f08b1ae2a036f2c956cf6211aa978262a53ea4d');
      expect(sha256(join((i) => t.legacyCredentialRow(i)))).toBe('1474fb469b88ac89c444d86b8546a77452c43c7a5daba72d749e168ea0749254');
      // The 600 ordinary events are those of before; the repeated-failure bursts (issue #15) come after them.
      expect(t.eventCount).toBe(600 + 24);
      expect(sha256(join((j) => t.event(j), 600))).toBe('cbea0883b3292b43710f31608cabb155aa6b97711ad599215eed3f5e12422b7c');
      expect(sha256(join((j) => t.event(600 + j), 24))).toBe('8bec41aac959cd74befb258c26c916fb34061ae6b0885f22e1070ed8e380f47a');
      expect(sha256(join((i) => [t.roleOf(i), t.roleHoldingOf(i)]))).toBe('98a5cd4bac98e584e7363725837508a41812ba4cb84ba28e3abcac72da1cc0ed');
      const summaries = JSON.stringify([t.featureSummary('all', 'all'), t.methodSummary('member', 'admin'),
        t.credentialUserRegistrationCount(), t.registrationActivity('d30'), [...t.roleAssignments()].length, t.groups(), t.asOf]);
      expect(sha256(summaries)).toBe('4b5cb2fdb09416e00d6e6ac48b57faa78b73afe5a809096b30bbc6c76dbbe05d');
      expect([t.profile, t.quarter, t.asOf]).toEqual(['typical', 0, DEFAULT_AS_OF]);
    }
  });
});

describe('profiles on 20,000 users', () => {
  it('keep the report invariants in every profile and quarter', () => {
    for (const profile of ['typical', 'clean', 'poor'] as const) {
      for (const quarter of [0, 2]) {
        const { tenant, rows } = load(profile, quarter);
        expect(violations(tenant, rows), `${profile} q${quarter}`).toEqual([]);
      }
    }
  });

  it('clean: a well-run tenant', () => {
    const { tenant, rows, holders } = load('clean', 0);
    const members = rows.filter(isMember);
    between(share(members, (u) => u.isMfaCapable), 0.99, 1, 'MFA capable');
    expect(share(members, hasPhishingResistant)).toBeGreaterThanOrEqual(0.6);
    expect(share(members, (u) => u.isPasswordlessCapable)).toBeGreaterThanOrEqual(0.4);
    expect(members.filter(phoneOnly)).toEqual([]);
    expect(holders.size).toBeGreaterThan(100);
    expect([...holders].filter((i) => !rows[i]?.isMfaCapable || !hasPhishingResistant(rows[i] as UserRegistrationDetails))).toEqual([]);
    expect(rows.filter((u) => u.isSystemPreferredAuthenticationMethodEnabled !== true)).toEqual([]);
    expect(rows.filter((u) => u.isSsprEnabled && !u.isSsprRegistered)).toEqual([]);
    expect(rows.filter((u) => u.isMfaRegistered && !u.isMfaCapable)).toEqual([]);
    expect(rows.filter((u) => u.methodsRegistered.includes('futureQuantumKey'))).toEqual([]);
    expect(rows.filter((u) => u.userType === 'guest' && !u.isMfaCapable)).toEqual([]);
    const stale = share(rows, (u) => Date.parse(tenant.asOf) - Date.parse(u.lastUpdatedDateTime) > 30 * DAY);
    expect(stale).toBeLessThan(0.01);
    const activity = tenant.registrationActivity('d30');
    const failed = activity.reduce((n, r) => n + r.failureActivityCount, 0);
    const all = activity.reduce((n, r) => n + r.failureActivityCount + r.successfulActivityCount, 0);
    expect(failed / all).toBeLessThan(0.05);
  });

  it('poor: worse than typical everywhere', () => {
    const poor = load('poor', 0);
    const typical = load('typical', 0);
    const members = poor.rows.filter(isMember);
    between(share(members, (u) => u.isMfaCapable), 0.66, 0.74, 'MFA capable');
    between(share(members, hasPhishingResistant), 0.01, 0.035, 'phishing-resistant');
    between(share(members, phoneOnly), 0.13, 0.17, 'phone-only');
    const admins = poor.rows.filter((u) => u.isAdmin === true);
    between(share(admins, (u) => !u.isMfaCapable), 0.35, 0.65, 'admins without MFA');
    const holders = [...poor.holders].map((i) => poor.rows[i] as UserRegistrationDetails);
    between(share(holders, (u) => !u.isMfaCapable), 0.35, 0.65, 'role holders without MFA');
    const worse: [string, (u: UserRegistrationDetails) => boolean][] = [
      ['MFA capable', (u) => u.isMfaCapable], ['phishing-resistant', hasPhishingResistant],
      ['passwordless', (u) => u.isPasswordlessCapable], ['system-preferred', (u) => u.isSystemPreferredAuthenticationMethodEnabled === true],
      ['SSPR capable', (u) => u.isSsprCapable], ['not phone-only', (u) => !phoneOnly(u)],
    ];
    for (const [what, good] of worse) expect(share(members, good), what).toBeLessThan(share(typical.rows.filter(isMember), good));
    const stale = (l: Loaded): number => share(l.rows, (u) => Date.parse(l.tenant.asOf) - Date.parse(u.lastUpdatedDateTime) > 30 * DAY);
    expect(stale(poor)).toBeGreaterThan(stale(typical));
    const failureRate = (t: SimTenant): number => {
      const rows = t.registrationActivity('d30');
      return rows.reduce((n, r) => n + r.failureActivityCount, 0) / rows.reduce((n, r) => n + r.failureActivityCount + r.successfulActivityCount, 0);
    };
    expect(failureRate(poor.tenant)).toBeGreaterThan(failureRate(typical.tenant));
  });

  it('keep the same people whatever the profile', () => {
    const typical = load('typical', 0);
    for (const profile of ['clean', 'poor'] as const) {
      const other = load(profile, 0);
      expect(other.tenant.tenantId).toBe(typical.tenant.tenantId);
      expect(other.holders).toEqual(typical.holders);
      const differing = other.rows.filter((u, i) => {
        const t = typical.rows[i] as UserRegistrationDetails;
        return u.id !== t.id || u.userPrincipalName !== t.userPrincipalName || u.userDisplayName !== t.userDisplayName ||
          u.userType !== t.userType || u.isAdmin !== t.isAdmin || other.tenant.roleOf(i) !== typical.tenant.roleOf(i);
      });
      expect(differing, profile).toEqual([]);
    }
  });

  it('rejects an unknown profile or a bad quarter', () => {
    expect(() => createTenant({ users: 10, profile: 'great' as TenantProfile })).toThrow(/profile 'great'/);
    for (const quarter of [-1, 1.5, 41]) expect(() => createTenant({ users: 10, quarter })).toThrow(/quarter/);
  });
});

describe('quarters', () => {
  it('keep every identity, role and role record', () => {
    const q0 = load('typical', 0);
    for (const quarter of [1, 2]) {
      const q = load('typical', quarter);
      const differing = q.rows.filter((u, i) => {
        const b = q0.rows[i] as UserRegistrationDetails;
        return u.id !== b.id || u.userPrincipalName !== b.userPrincipalName || u.userDisplayName !== b.userDisplayName ||
          u.userType !== b.userType || u.isAdmin !== b.isAdmin || q.tenant.roleOf(i) !== q0.tenant.roleOf(i) ||
          JSON.stringify(q.tenant.roleHoldingOf(i)) !== JSON.stringify(q0.tenant.roleHoldingOf(i));
      });
      expect(differing, `q${quarter}`).toEqual([]);
      const assignments = (t: SimTenant): string[] => [...t.roleAssignments()].map((a) => `${a.id}|${a.principalId}|${a.roleDefinitionId}|${a.directoryScopeId}`);
      expect(assignments(q.tenant)).toEqual(assignments(q0.tenant));
      const eligible = (t: SimTenant): string[] => [...t.roleEligibilities()].map((e) => `${e.id}|${e.principalId}|${e.roleDefinitionId}`);
      expect(eligible(q.tenant)).toEqual(eligible(q0.tenant));
      expect(q.tenant.groups().map((g) => g.transitiveUserIndexes)).toEqual(q0.tenant.groups().map((g) => g.transitiveUserIndexes));
    }
  });

  it('never make a user worse: what a user has in quarter q, they keep in q+1', () => {
    for (const profile of ['typical', 'poor'] as const) {
      for (const quarter of [0, 1]) {
        const now = load(profile, quarter);
        const next = load(profile, quarter + 1);
        const compliant = (l: Loaded, i: number): boolean => {
          const u = l.rows[i] as UserRegistrationDetails;
          return u.isMfaCapable && !phoneOnly(u) && (!l.holders.has(i) || hasPhishingResistant(u));
        };
        const regressions: string[] = [];
        for (let i = 0; i < now.rows.length; i++) {
          const a = now.rows[i] as UserRegistrationDetails;
          const b = next.rows[i] as UserRegistrationDetails;
          const lost = (what: string, before: boolean, after: boolean): void => {
            if (before && !after) regressions.push(`${profile} q${quarter}→${quarter + 1} user ${i}: ${what}`);
          };
          lost('compliant', compliant(now, i), compliant(next, i));
          lost('MFA capable', a.isMfaCapable, b.isMfaCapable);
          lost('MFA registered', a.isMfaRegistered, b.isMfaRegistered);
          lost('passwordless capable', a.isPasswordlessCapable, b.isPasswordlessCapable);
          lost('phishing-resistant', hasPhishingResistant(a), hasPhishingResistant(b));
          lost('SSPR capable', a.isSsprCapable, b.isSsprCapable);
          lost('system-preferred', a.isSystemPreferredAuthenticationMethodEnabled === true, b.isSystemPreferredAuthenticationMethodEnabled === true);
          lost('not phone-only', !phoneOnly(a), !phoneOnly(b));
          const missing = a.methodsRegistered.filter((m) => !b.methodsRegistered.includes(m));
          if (missing.length > 0) regressions.push(`${profile} q${quarter}→${quarter + 1} user ${i}: lost ${missing.join(',')}`);
        }
        expect(regressions).toEqual([]);
      }
    }
  });

  it('improve the shares quarter after quarter', () => {
    for (const profile of ['typical', 'clean', 'poor'] as const) {
      const shares = [0, 1, 2].map((quarter) => {
        const members = load(profile, quarter).rows.filter(isMember);
        return { capable: share(members, (u) => u.isMfaCapable), resistant: share(members, hasPhishingResistant),
          phoneOnly: share(members, phoneOnly) };
      });
      const [q0, q1, q2] = shares as [(typeof shares)[0], (typeof shares)[0], (typeof shares)[0]];
      expect(q0.capable, profile).toBeLessThan(q1.capable);
      expect(q1.capable, profile).toBeLessThan(q2.capable);
      expect(q0.resistant, profile).toBeLessThan(q1.resistant);
      expect(q1.resistant, profile).toBeLessThan(q2.resistant);
      expect(q2.phoneOnly, profile).toBeLessThanOrEqual(q0.phoneOnly);
    }
    const typical = [0, 1].map((q) => load('typical', q));
    const holdersWithout = (l: Loaded): number => [...l.holders].filter((i) => !hasPhishingResistant(l.rows[i] as UserRegistrationDetails)).length;
    expect(holdersWithout(typical[1] as Loaded)).toBeLessThan(holdersWithout(typical[0] as Loaded) * 0.7);
  });

  it('move asOf a quarter at a time unless given, and date rows and events from it', () => {
    expect(createTenant({ users: 10, quarter: 1 }).asOf).toBe('2027-01-31T00:00:00Z');
    expect(createTenant({ users: 10, quarter: 4 }).asOf).toBe('2027-10-31T00:00:00Z');
    expect(createTenant({ users: 10, quarter: 2, asOf: '2030-01-01T00:00:00Z' }).asOf).toBe('2030-01-01T00:00:00Z');
    const { tenant } = load('typical', 2, 3000);
    const asOf = Date.parse(tenant.asOf);
    const events = Array.from({ length: tenant.eventCount }, (_, j) => tenant.event(j));
    expect(events.filter((e) => !(Date.parse(e.eventDateTime) <= asOf && Date.parse(e.eventDateTime) > asOf - 30 * DAY))).toEqual([]);
    // Each quarter has its own activity, by the same people.
    const q0 = load('typical', 0, 3000).tenant;
    expect(tenant.event(0).id).not.toBe(q0.event(0).id);
    const upns = new Set(Array.from({ length: 3000 }, (_, i) => q0.user(i).userPrincipalName));
    expect(events.filter((e) => !upns.has(e.userPrincipalName))).toEqual([]);
    for (const e of tenant.roleEligibilities()) expect(Date.parse(e.startDateTime)).toBeLessThan(asOf);
  });

  it('keep summaries, legacy rows and activity consistent with the rows of the quarter', () => {
    for (const [profile, quarter] of [['typical', 2], ['poor', 1], ['clean', 3]] as const) {
      const { tenant, rows } = load(profile, quarter, 3000);
      const count = (pred: (u: UserRegistrationDetails) => boolean, of = rows): number => of.filter(pred).length;
      const members = rows.filter(isMember);
      expect(tenant.featureSummary('member', 'all')).toMatchObject({
        totalUserCount: members.length,
        userRegistrationFeatureCounts: [
          { feature: 'ssprRegistered', userCount: count((u) => u.isSsprRegistered, members) },
          { feature: 'ssprEnabled', userCount: count((u) => u.isSsprEnabled, members) },
          { feature: 'ssprCapable', userCount: count((u) => u.isSsprCapable, members) },
          { feature: 'passwordlessCapable', userCount: count((u) => u.isPasswordlessCapable, members) },
          { feature: 'mfaCapable', userCount: count((u) => u.isMfaCapable, members) },
        ],
      });
      const admins = rows.filter((u) => u.isAdmin === true);
      const byMethod = new Map<string, number>([['password', admins.length]]);
      for (const u of admins) for (const m of u.methodsRegistered) byMethod.set(m, (byMethod.get(m) ?? 0) + 1);
      expect(tenant.methodSummary('all', 'admin').userRegistrationMethodCounts).toEqual(
        [...byMethod.keys()].sort().map((authenticationMethod) => ({ authenticationMethod, userCount: byMethod.get(authenticationMethod) })),
      );
      expect(tenant.credentialUserRegistrationCount().userRegistrationCounts).toContainEqual(
        { registrationStatus: 'mfaRegistered', registrationCount: count((u) => u.isMfaRegistered) });
      for (let i = 0; i < 300; i++) {
        const u = rows[i] as UserRegistrationDetails;
        expect(tenant.legacyCredentialRow(i)).toMatchObject({ id: u.id, isRegistered: u.isSsprRegistered,
          isEnabled: u.isSsprEnabled, isCapable: u.isSsprCapable, isMfaRegistered: u.isMfaRegistered });
      }
      const asOf = Date.parse(tenant.asOf);
      const events = Array.from({ length: tenant.eventCount }, (_, j) => tenant.event(j));
      for (const [period, days] of [['d1', 1], ['d7', 7], ['d30', 30]] as const) {
        const inPeriod = events.filter((e) => Date.parse(e.eventDateTime) > asOf - days * DAY);
        const summary = tenant.registrationActivity(period);
        expect(summary.reduce((n, r) => n + r.successfulActivityCount, 0)).toBe(inPeriod.filter((e) => e.isSuccess).length);
        expect(summary.reduce((n, r) => n + r.failureActivityCount, 0)).toBe(inPeriod.filter((e) => !e.isSuccess).length);
      }
    }
  });
});
