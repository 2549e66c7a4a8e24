/**
 * Issue #14 (sources): the simulated tenant's policies — Conditional Access, authentication strengths, the
 * authentication methods policy (v1.0 and beta) and security defaults — per profile, consistent with the tenant's
 * users, groups and roles, and served Graph-shaped with paging, permission faults and the P1 licence fault.
 */
import { describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { createTenant, PRIVILEGED_ADMIN_ROLE_IDS, ROLE_SPECIALS, SPECIAL_USERS, type SimPolicies, type SimTenant, type TenantProfile } from '../../src/simulator/tenant.js';

type Row = Record<string, any>;
type Policies = Omit<SimPolicies, 'conditionalAccessPolicies' | 'authenticationStrengthPolicies' | 'authenticationMethodsPolicy' | 'securityDefaults'> & {
  conditionalAccessPolicies: Row[];
  authenticationStrengthPolicies: Row[];
  authenticationMethodsPolicy(version: 'v1.0' | 'beta'): Row;
  securityDefaults: Row;
};
const policiesOf = (t: SimTenant): Policies => t.policies() as Policies;
const PR = ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'];
const BUILT_IN = { mfa: '00000000-0000-0000-0000-000000000002', passwordless: '00000000-0000-0000-0000-000000000003', phishingResistant: '00000000-0000-0000-0000-000000000004' };

// seed 1 and 2,000 users: the demo's tenant
const tenantOf = (profile: TenantProfile = 'typical', seed = 1) => createTenant({ seed, users: 2000, profile });
const byName = (rows: Row[], part: string): Row | undefined => rows.find((p) => String(p.displayName).includes(part));
const config = (policy: Row, id: string): Row => policy.authenticationMethodConfigurations.find((c: Row) => c.id === id);

async function withSim<T>(opts: Omit<SimulatorOptions, 'token'>, fn: (sim: RunningSimulator, get: (path: string) => Promise<{ status: number; body: Row }>) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ token: 't', ...opts });
  const get = async (path: string) => {
    const res = await fetch(path.startsWith('http') ? path : `${sim.url}${path}`, { headers: { Authorization: 'Bearer t' } });
    return { status: res.status, body: (await res.json()) as Row };
  };
  try {
    return await fn(sim, get);
  } finally {
    await sim.close();
  }
}

describe('simulated policies: typical profile (what demo shows)', () => {
  const t = tenantOf();
  const p = policiesOf(t);
  const ca = p.conditionalAccessPolicies;
  const userIds = new Set(Array.from({ length: t.userCount }, (_, i) => t.user(i).id));

  it('an enabled all-users MFA policy excluding a group, a break-glass-looking admin and a plain member', () => {
    const all = byName(ca, 'all users')!;
    expect(all).toMatchObject({ state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['mfa'] } });
    expect(all.conditions.users.includeUsers).toEqual(['All']);
    expect(all.conditions.applications.includeApplications).toEqual(['All']);
    expect(all.conditions.clientAppTypes).toEqual(['all']);
    expect(all.conditions.locations).toBeNull();
    const excluded: string[] = all.conditions.users.excludeUsers;
    expect(excluded).toHaveLength(2);
    for (const id of excluded) expect(userIds.has(id)).toBe(true);
    expect(p.breakGlass).not.toBeNull();
    expect(excluded).toContain(p.breakGlass!.id);
    expect(excluded).toContain(p.exemptUser!.id);
    // the break-glass account is a permanent tenant-wide Global Administrator, not one of the fixed special users
    const bg = t.roleHoldingOf(p.breakGlass!.index)!;
    expect(bg).toMatchObject({ kind: 'active', roleId: '62e90394-69f5-4237-9190-012177145e10', directoryScopeId: '/', extraEligibleRoleId: null });
    expect([...SPECIAL_USERS.map((s) => s.index), ...ROLE_SPECIALS.map((s) => s.index)]).not.toContain(p.breakGlass!.index);
    expect(t.user(p.breakGlass!.index).userPrincipalName).toBe(p.breakGlass!.userPrincipalName);
    // the other one is a plain member, no admin
    expect(t.roleHoldingOf(p.exemptUser!.index)).toBeNull();
    expect(all.conditions.users.excludeGroups).toHaveLength(1);
    expect(p.groups.map((g) => g.id)).toContain(all.conditions.users.excludeGroups[0]);
  });

  it('a report-only policy requiring phishing-resistant strength for the admin roles', () => {
    const admins = byName(ca, 'administrators')!;
    expect(admins.state).toBe('enabledForReportingButNotEnforced');
    expect([...admins.conditions.users.includeRoles].sort()).toEqual([...PRIVILEGED_ADMIN_ROLE_IDS].sort());
    expect(admins.grantControls.authenticationStrength).toMatchObject({ id: BUILT_IN.phishingResistant, policyType: 'builtIn' });
    expect(admins.grantControls.authenticationStrength.allowedCombinations).toEqual(PR);
  });

  it('a location-conditioned MFA policy and a disabled policy naming a group', () => {
    const loc = ca.find((x) => x.conditions.locations !== null)!;
    expect(loc.state).toBe('enabled');
    expect(loc.conditions.locations).toEqual({ includeLocations: ['All'], excludeLocations: ['AllTrusted'] });
    expect(loc.grantControls.builtInControls).toEqual(['mfa']);
    const off = ca.find((x) => x.state === 'disabled')!;
    expect(off.conditions.users.includeGroups).toHaveLength(1);
    expect(p.groups.map((g) => g.id)).toContain(off.conditions.users.includeGroups[0]);
  });

  it('policy groups hold real users, one of them through a nested group, and are not role-assignable', () => {
    expect(t.groups()).toHaveLength(3); // the role groups are unchanged
    for (const g of p.groups) {
      expect(g.isAssignableToRole).toBe(false);
      expect(g.transitiveUserIndexes.length).toBeGreaterThan(0);
      for (const i of g.transitiveUserIndexes) expect(i).toBeLessThan(t.userCount);
    }
    const nesting = p.groups.find((g) => g.memberGroupIds.length > 0)!;
    expect(nesting.transitiveUserIndexes.length).toBeGreaterThan(nesting.memberUserIndexes.length);
  });

  it('authentication strengths: the three built-ins with their combinations and one custom', () => {
    const s = p.authenticationStrengthPolicies;
    const get = (id: string) => s.find((x) => x.id === id)!;
    expect(get(BUILT_IN.phishingResistant).allowedCombinations).toEqual(PR);
    expect(get(BUILT_IN.passwordless).allowedCombinations).toEqual([...PR, 'deviceBasedPush']);
    expect(get(BUILT_IN.mfa).allowedCombinations).toEqual(expect.arrayContaining(['password,sms', 'password,voice', 'password,microsoftAuthenticatorPush', ...PR]));
    for (const id of Object.values(BUILT_IN)) expect(get(id)).toMatchObject({ policyType: 'builtIn', requirementsSatisfied: 'mfa' });
    const custom = s.filter((x) => x.policyType === 'custom');
    expect(custom).toHaveLength(1);
    expect(custom[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('methods policy: SMS usable for sign-in, Voice off, Email, FIDO2, Authenticator and TAP on; migration in progress', () => {
    const v1 = p.authenticationMethodsPolicy('v1.0');
    expect(v1.policyMigrationState).toBe('migrationInProgress');
    expect(v1.registrationEnforcement.authenticationMethodsRegistrationCampaign.state).toMatch(/^(default|enabled|disabled)$/);
    expect(config(v1, 'Sms').state).toBe('enabled');
    expect(config(v1, 'Sms').includeTargets[0]).toMatchObject({ id: 'all_users', targetType: 'group', isUsableForSignIn: true });
    expect(config(v1, 'Voice').state).toBe('disabled');
    for (const id of ['Email', 'Fido2', 'MicrosoftAuthenticator', 'TemporaryAccessPass']) expect(config(v1, id).state, id).toBe('enabled');
    for (const c of v1.authenticationMethodConfigurations) expect(c['@odata.type']).toMatch(/^#microsoft\.graph\.\w+AuthenticationMethodConfiguration$/);
    // beta-only fields are on beta only
    expect(v1.systemCredentialPreferences).toBeUndefined();
    expect(config(v1, 'MicrosoftAuthenticator').featureSettings.numberMatchingRequiredState).toBeUndefined();
    const beta = p.authenticationMethodsPolicy('beta');
    expect(beta.systemCredentialPreferences.state).toMatch(/^(default|enabled|disabled)$/);
    expect(config(beta, 'MicrosoftAuthenticator').featureSettings.numberMatchingRequiredState.state).toBe('enabled');
    expect(config(beta, 'MicrosoftAuthenticator').featureSettings.companionAppAllowedState).toBeDefined();
  });

  it('security defaults are off', () => {
    expect(p.securityDefaults).toMatchObject({ id: '00000000-0000-0000-0000-000000000005', isEnabled: false });
  });

  it('is deterministic: the same seed gives the same policies, another seed other ids', () => {
    expect(JSON.stringify(policiesOf(tenantOf()))).toBe(JSON.stringify(p));
    expect(policiesOf(tenantOf('typical', 8)).conditionalAccessPolicies[0]!.id).not.toBe(ca[0]!.id);
  });
});

describe('simulated policies: clean and poor profiles', () => {
  it('clean: migration complete, SMS and Voice off, admins held to phishing-resistant MFA (enforced)', () => {
    const p = policiesOf(tenantOf('clean'));
    const m = p.authenticationMethodsPolicy('v1.0');
    expect(m.policyMigrationState).toBe('migrationComplete');
    expect(config(m, 'Sms').state).toBe('disabled');
    expect(config(m, 'Voice').state).toBe('disabled');
    const admins = byName(p.conditionalAccessPolicies, 'administrators')!;
    expect(admins.state).toBe('enabled');
    expect(admins.grantControls.authenticationStrength.id).toBe(BUILT_IN.phishingResistant);
    const all = byName(p.conditionalAccessPolicies, 'all users')!;
    expect(all.state).toBe('enabled');
    expect(all.conditions.users.excludeUsers).toEqual([p.breakGlass!.id]);
  });

  it('poor: no CA MFA for all users, SMS and Voice on', () => {
    const p = policiesOf(tenantOf('poor'));
    const m = p.authenticationMethodsPolicy('v1.0');
    expect(config(m, 'Sms').state).toBe('enabled');
    expect(config(m, 'Voice').state).toBe('enabled');
    const enforcingAll = p.conditionalAccessPolicies.filter(
      (x) => x.state === 'enabled' && x.conditions.users.includeUsers.includes('All') && x.conditions.locations === null && x.grantControls.builtInControls.includes('mfa'),
    );
    expect(enforcingAll).toEqual([]);
    expect(p.securityDefaults.isEnabled).toBe(false);
  });

  it('the profile changes policies, never people: same users and groups', () => {
    const a = policiesOf(tenantOf('clean'));
    const b = policiesOf(tenantOf('poor'));
    const c = policiesOf(createTenant({ seed: 1, users: 2000, quarter: 3 }));
    for (const other of [b, c]) {
      expect(other.groups).toEqual(a.groups);
      expect(other.breakGlass).toEqual(a.breakGlass);
      expect(other.exemptUser).toEqual(a.exemptUser);
    }
  });
});

describe('simulator policy routes', () => {
  const tenant = tenantOf();
  const p = policiesOf(tenant);

  it('serve Graph-shaped bodies on v1.0 (and the beta methods policy)', async () => {
    await withSim({ tenant }, async (_sim, get) => {
      const ca = await get('/v1.0/identity/conditionalAccess/policies');
      expect(ca.status).toBe(200);
      expect(ca.body['@odata.context']).toMatch(/\/v1\.0\/\$metadata#identity\/conditionalAccess\/policies$/);
      expect(ca.body.value).toEqual(p.conditionalAccessPolicies);
      const st = await get('/v1.0/policies/authenticationStrengthPolicies');
      expect(st.body['@odata.context']).toMatch(/#policies\/authenticationStrengthPolicies$/);
      expect(st.body.value).toEqual(p.authenticationStrengthPolicies);
      const m = await get('/v1.0/policies/authenticationMethodsPolicy');
      expect(m.body['@odata.context']).toMatch(/\/v1\.0\/\$metadata#authenticationMethodsPolicy$/);
      expect(m.body.id).toBe('authenticationMethodsPolicy');
      expect(m.body.systemCredentialPreferences).toBeUndefined();
      const mb = await get('/beta/policies/authenticationMethodsPolicy');
      expect(mb.body.systemCredentialPreferences).toBeDefined();
      const sd = await get('/v1.0/policies/identitySecurityDefaultsEnforcementPolicy');
      expect(sd.body).toMatchObject({ '@odata.context': expect.stringMatching(/identitySecurityDefaultsEnforcementPolicy\/\$entity$/), isEnabled: false });
    });
  });

  it('page the CA policies', async () => {
    await withSim({ tenant, defaultPageSize: 2 }, async (_sim, get) => {
      const rows: Row[] = [];
      let next: string | undefined = '/v1.0/identity/conditionalAccess/policies';
      let pages = 0;
      while (next) {
        const res = await get(next);
        expect(res.status).toBe(200);
        rows.push(...res.body.value);
        next = res.body['@odata.nextLink'];
        pages++;
      }
      expect(pages).toBe(Math.ceil(p.conditionalAccessPolicies.length / 2));
      expect(rows).toEqual(p.conditionalAccessPolicies);
    });
  });

  it('serve the transitive users of the CA groups through the group route', async () => {
    await withSim({ tenant }, async (_sim, get) => {
      for (const g of p.groups) {
        const res = await get(`/v1.0/groups/${g.id}/transitiveMembers/microsoft.graph.user?$select=id,userPrincipalName,displayName`);
        expect(res.status).toBe(200);
        expect(res.body.value.map((u: Row) => u.id)).toEqual(g.transitiveUserIndexes.map((i: number) => tenant.user(i).id));
      }
    });
  });

  it('without Entra ID P1 only Conditional Access answers the licence error', async () => {
    await withSim({ tenant, mode: 'unlicensed' }, async (_sim, get) => {
      const ca = await get('/v1.0/identity/conditionalAccess/policies');
      expect(ca.status).toBe(403);
      expect(ca.body.error.code).toBe('Authentication_RequestFromNonPremiumTenantOrB2CTenant');
      for (const path of ['/v1.0/policies/authenticationMethodsPolicy', '/v1.0/policies/authenticationStrengthPolicies', '/v1.0/policies/identitySecurityDefaultsEnforcementPolicy']) {
        expect((await get(path)).status, path).toBe(200);
      }
    });
  });

  it('without the permissions every policy route answers 403', async () => {
    await withSim({ tenant, mode: 'no-permission' }, async (_sim, get) => {
      const ca = await get('/v1.0/identity/conditionalAccess/policies');
      expect(ca.status).toBe(403);
      expect(ca.body.error.code).toBe('AccessDenied');
      for (const path of ['/v1.0/policies/authenticationMethodsPolicy', '/beta/policies/authenticationMethodsPolicy', '/v1.0/policies/authenticationStrengthPolicies', '/v1.0/policies/identitySecurityDefaultsEnforcementPolicy']) {
        const res = await get(path);
        expect(res.status, path).toBe(403);
        expect(res.body.error.code).toBe('Authorization_RequestDenied');
      }
    });
  });

  it('app-only and no-P2 tenants read every policy route', async () => {
    for (const mode of ['app-only', 'no-p2'] as const) {
      await withSim({ tenant, mode }, async (_sim, get) => {
        for (const path of ['/v1.0/identity/conditionalAccess/policies', '/v1.0/policies/authenticationMethodsPolicy', '/v1.0/policies/authenticationStrengthPolicies', '/v1.0/policies/identitySecurityDefaultsEnforcementPolicy']) {
          expect((await get(path)).status, `${mode} ${path}`).toBe(200);
        }
      });
    }
  });

  it('are paced by the directory budget, not the reports one', async () => {
    await withSim({ tenant, rateLimit: { requests: 1, windowMs: 60_000 } }, async (_sim, get) => {
      for (let n = 0; n < 3; n++) expect((await get('/v1.0/identity/conditionalAccess/policies')).status).toBe(200);
    });
  });
});
