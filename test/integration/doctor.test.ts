/**
 * Issue #3 acceptance: `doctor` on simulator tenants with a missing permission, a missing licence and a retired
 * endpoint names each problem and its fix, and never prints the token.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { diagnose } from '../../src/collector/doctor.js';
import { SOURCES } from '../../src/collector/sources/index.js';
import { runCli } from '../helpers/cli.js';

// An app-only JWT (unsigned; the simulator accepts any bearer token) with the two report permissions but not the role ones.
const claims = { roles: ['AuditLog.Read.All', 'Reports.Read.All'], tid: 'sim' };
const JWT = `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const tenant = createTenant({ seed: 4, users: 200 });
let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function doctor(opts: Parameters<typeof startSimulator>[0]) {
  sim = await startSimulator(opts);
  return runCli(['doctor', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', sim.url], { ENTRA_AUTH_AUDIT_TOKEN: JWT });
}

describe('doctor', () => {
  it('reads the token claims and reports retired reports as handled', async () => {
    const res = await doctor({ tenant });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('token: application (roles: AuditLog.Read.All, Reports.Read.All)');
    expect(res.stdout).toMatch(/credentialUserRegistrationDetails\s+retired by Microsoft on 2024-06-30/);
    expect(res.stdout).toContain('nothing to do: userRegistrationDetails is collected instead');
    expect(res.stdout).not.toContain(JWT);
  });

  it('names a missing licence and what to do', async () => {
    const res = await doctor({ tenant, mode: 'unlicensed' });
    expect(res.stdout).toMatch(/FAIL\s+userRegistrationDetails\s+no Microsoft Entra ID P1\/P2 licence/);
    expect(res.stdout).toContain('assign Microsoft Entra ID P1 or P2');
  });

  it('names a missing permission and the grant that fixes it', async () => {
    const res = await doctor({ tenant, mode: 'no-permission' });
    expect(res.stdout).toMatch(/FAIL\s+roleAssignments\s+missing application permission RoleManagement\.Read\.Directory/);
    expect(res.stdout).toContain('grant RoleManagement.Read.Directory (application) to the app and grant admin consent');
  });

  it('says which reports are not supported with application permissions', async () => {
    const res = await doctor({ tenant, mode: 'app-only' });
    expect(res.stdout).toMatch(/FAIL\s+usersRegisteredByFeature\s+not supported with application permissions/);
    expect(res.stdout).toContain('--auth device-code or azure-cli');
  });

  it('says PIM needs Microsoft Entra ID P2 or ID Governance (400 AadPremiumLicenseRequired), not a cloud problem', async () => {
    const res = await doctor({ tenant, mode: 'no-p2' });
    for (const id of ['roleEligibilityScheduleInstances', 'groupEligibilityScheduleInstances']) {
      expect(res.stdout).toMatch(new RegExp(`FAIL\\s+${id}\\s+no Microsoft Entra ID P2 licence \\(400 AadPremiumLicenseRequired\\)`));
    }
    expect(res.stdout).toContain('assign Microsoft Entra ID P2 or Microsoft Entra ID Governance');
    expect(res.stdout).not.toContain('check --cloud');
    const def = SOURCES.find((s) => s.id === 'roleEligibilityScheduleInstances')!;
    expect(diagnose(def, 400, 'AadPremiumLicenseRequired', 'The tenant needs…', null)).toEqual({
      source: 'roleEligibilityScheduleInstances',
      ok: false,
      problem: 'no Microsoft Entra ID P2 licence (400 AadPremiumLicenseRequired)',
      fix: 'assign Microsoft Entra ID P2 or Microsoft Entra ID Governance in the tenant (PIM needs it); until then eligible assignments are not collected and the analysis says so',
    });
  });

  it('probes the sources whose requests come from other sources’ rows', async () => {
    const res = await doctor({ tenant });
    expect(res.stdout).toMatch(/ok\s+roleGroupMembers\s+ok/);
    expect(res.stdout).toMatch(/ok\s+groupEligibilityScheduleInstances\s+ok/);
    expect(res.stdout).toContain(`${SOURCES.length} of ${SOURCES.length} sources usable`);
  });

  it('names the missing PIM-for-Groups permission', async () => {
    const res = await doctor({ tenant, faults: [{ path: 'privilegedAccess/group', status: 403, code: 'Authorization_RequestDenied', times: Infinity }] });
    expect(res.stdout).toMatch(/FAIL\s+groupEligibilityScheduleInstances\s+missing application permission PrivilegedEligibilitySchedule\.Read\.AzureADGroup/);
  });

  it('says a dependent source cannot be probed while the sources it needs fail', async () => {
    const res = await doctor({ tenant, mode: 'no-permission' });
    expect(res.stdout).toMatch(/FAIL\s+roleGroupMembers\s+not checked: needs roleAssignments or roleEligibilityScheduleInstances to answer first/);
  });

  it('probes the policy sources and the members of the groups CA policies name (issue #14)', async () => {
    const res = await doctor({ tenant });
    for (const id of ['authenticationMethodsPolicy', 'authenticationMethodsPolicyBeta', 'conditionalAccessPolicies', 'authenticationStrengthPolicies', 'securityDefaults', 'caGroupMembers']) {
      expect(res.stdout).toMatch(new RegExp(`ok\\s+${id}\\s+ok`));
    }
  });

  it('says Conditional Access needs Entra ID P1 and that the other policies do not', async () => {
    const res = await doctor({ tenant, mode: 'unlicensed' });
    expect(res.stdout).toMatch(/FAIL\s+conditionalAccessPolicies\s+no Microsoft Entra ID P1\/P2 licence/);
    expect(res.stdout).toContain('Conditional Access needs Microsoft Entra ID P1 (or P2): assign it in the tenant; until then the CA policies are not collected and the analysis says so');
    expect(res.stdout).toMatch(/FAIL\s+caGroupMembers\s+not checked: needs conditionalAccessPolicies to answer first/);
    for (const id of ['authenticationMethodsPolicy', 'authenticationStrengthPolicies', 'securityDefaults']) expect(res.stdout).toMatch(new RegExp(`ok\\s+${id}\\s+ok`));
  });

  it('names the policy permissions an app lacks', async () => {
    const res = await doctor({ tenant, mode: 'no-permission' });
    expect(res.stdout).toMatch(/FAIL\s+conditionalAccessPolicies\s+missing application permission Policy\.Read\.All/);
    expect(res.stdout).toMatch(/FAIL\s+authenticationMethodsPolicy\s+missing application permission Policy\.Read\.AuthenticationMethod/);
    expect(res.stdout).toContain('grant Policy.Read.AuthenticationMethod (application) to the app and grant admin consent');
  });

  it('a signed-in user without a policy-reading role is told which roles read policies', () => {
    const delegated = { roles: [], scopes: ['Policy.Read.All', 'Policy.Read.AuthenticationMethod'], kind: 'delegated' as const };
    const ca = SOURCES.find((s) => s.id === 'conditionalAccessPolicies')!;
    expect(diagnose(ca, 403, 'AccessDenied', 'denied', delegated).fix).toBe(
      'assign the signed-in user Global Reader, Security Reader, Security Administrator or Conditional Access Administrator',
    );
    const methods = SOURCES.find((s) => s.id === 'authenticationMethodsPolicy')!;
    expect(diagnose(methods, 403, 'Authorization_RequestDenied', 'denied', delegated).fix).toBe('assign the signed-in user Global Reader, Security Reader or Security Administrator');
    // the report sources keep the report reader roles
    const urd = SOURCES.find((s) => s.id === 'userRegistrationDetails')!;
    expect(diagnose(urd, 403, 'Authorization_RequestDenied', 'denied', { ...delegated, scopes: ['AuditLog.Read.All'] }).fix).toContain('Reports Reader');
  });
});
