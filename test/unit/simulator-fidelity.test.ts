/**
 * The simulator against the shapes of real Graph answers (issue #13 §3.3), from the reference pages'
 * examples in microsoft-graph-docs-contrib:
 * - beta authenticationmethodsroot-list-usereventssummary / -userregistrationactivity: the successor reports name
 *   methods in the current usageAuthMethod vocabulary (microsoftAuthenticatorPush, mobilePhone, sms,
 *   oneTimePasscode, fido2SecurityKey …), members after unknownFutureValue only with
 *   `Prefer: include-unknown-enum-members`; a successful event has failureReason "" (not null);
 * - v1.0 rbacapplication-list-roleassignments: rows carry resourceScope (and principalOrganizationId);
 * - unifiedRoleDefinition / unifiedRolePermission: rolePermissions [{ allowedResourceActions, condition }].
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';

const AUTH = { Authorization: 'Bearer fidelity' };
const PREFER = { ...AUTH, Prefer: 'include-unknown-enum-members' };
const AM = '/reports/authenticationMethods';

/** usageAuthMethod up to and including its sentinel (what a client without the Prefer header can receive). */
const BASE = new Set(['email', 'mobileSMS', 'mobileCall', 'officePhone', 'securityQuestion', 'appNotification', 'appCode',
  'alternateMobileCall', 'fido', 'appPassword', 'unknownFutureValue']);
/** The older names the successor reports no longer use (none of them appears in their documented examples). */
const OLD_NAMES = ['mobileSMS', 'mobileCall', 'appNotification', 'appCode', 'alternateMobileCall', 'fido', 'appPassword'];

interface Page {
  '@odata.nextLink'?: string;
  value: Record<string, unknown>[];
}

describe('successor reports, role assignments and role definitions as Graph answers them', () => {
  const tenant = createTenant({ seed: 5, users: 3000 });
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ tenant });
  });
  afterAll(() => sim.close());

  async function all(path: string, headers: Record<string, string>): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let next: string | undefined = `${sim.url}${path}`;
    while (next) {
      const res = await fetch(next, { headers });
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      rows.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return rows;
  }

  it('userEventsSummary: current method names with the Prefer header, failureReason "" on success', async () => {
    const events = await all(`/beta${AM}/userEventsSummary?$top=1000`, PREFER);
    const methods = new Set(events.map((e) => e['authMethod'] as string));
    for (const old of OLD_NAMES) expect(methods.has(old), old).toBe(false);
    for (const now of ['microsoftAuthenticatorPush', 'mobilePhone', 'sms', 'oneTimePasscode', 'fido2SecurityKey', 'softwareOneTimePasscode']) {
      expect(methods.has(now), now).toBe(true);
    }
    for (const e of events) {
      if (e['isSuccess'] === true) expect(e['failureReason']).toBe('');
      else expect(typeof e['failureReason'] === 'string' && (e['failureReason'] as string).length > 0).toBe(true);
    }
    // $filter eq '' finds the successes, as the documented failureReason filter would
    const successes = await all(`/beta${AM}/userEventsSummary?$filter=failureReason eq ''`, PREFER);
    expect(successes.length).toBe(events.filter((e) => e['isSuccess'] === true).length);

    // Without the header the later members arrive as unknownFutureValue (graph-api.md §2, §C.5).
    const plain = await all(`/beta${AM}/userEventsSummary?$top=1000`, AUTH);
    expect(plain.every((e) => BASE.has(e['authMethod'] as string))).toBe(true);
    expect(plain.map((e) => (BASE.has(e['authMethod'] as string) ? e : { ...e, authMethod: 'unknownFutureValue' })))
      .toEqual(events.map((e) => (BASE.has(e['authMethod'] as string) ? e : { ...e, authMethod: 'unknownFutureValue' })));
  });

  it('userRegistrationActivity: the same vocabulary; reset by sms and oneTimePasscode, registration by microsoftAuthenticatorPush', async () => {
    const res = await fetch(`${sim.url}/beta${AM}/userRegistrationActivity(period='d30')`, { headers: PREFER });
    const rows = ((await res.json()) as Page).value;
    const methods = (feature: string) => new Set(rows.filter((r) => r['feature'] === feature).map((r) => r['authMethod'] as string));
    for (const old of OLD_NAMES) {
      expect(methods('reset').has(old), old).toBe(false);
      expect(methods('registration').has(old), old).toBe(false);
    }
    expect([...methods('reset')]).toEqual(expect.arrayContaining(['sms', 'oneTimePasscode', 'microsoftAuthenticatorPush', 'email']));
    expect([...methods('registration')]).toEqual(expect.arrayContaining(['microsoftAuthenticatorPush', 'mobilePhone', 'fido2SecurityKey']));
  });

  it('v1.0 and beta roleAssignments carry resourceScope and principalOrganizationId', async () => {
    for (const version of ['v1.0', 'beta']) {
      const rows = await all(`/${version}/roleManagement/directory/roleAssignments?$top=999`, AUTH);
      expect(rows.length).toBe(tenant.roleAssignments().length);
      for (const r of rows) {
        expect(r['resourceScope'], version).toBe(r['directoryScopeId']);
        expect(r['principalOrganizationId'], version).toBe(tenant.tenantId);
      }
    }
  });

  it('roleDefinitions carry rolePermissions with realistic allowedResourceActions', async () => {
    for (const version of ['v1.0', 'beta']) {
      const rows = await all(`/${version}/roleManagement/directory/roleDefinitions`, AUTH);
      expect(rows).toHaveLength(23);
      for (const d of rows) {
        const perms = d['rolePermissions'] as { allowedResourceActions: string[]; condition: string | null }[];
        expect(perms, String(d['displayName'])).toHaveLength(1);
        expect(perms[0]!.condition).toBeNull();
        expect(perms[0]!.allowedResourceActions.length).toBeGreaterThanOrEqual(2);
        // {namespace}/{entity}/{propertySet?}/{action} (unifiedRolePermission)
        for (const a of perms[0]!.allowedResourceActions) expect(a).toMatch(/^microsoft\.[A-Za-z0-9.]+\/[A-Za-z0-9.]+(\/[A-Za-z0-9.]+){1,3}$/);
      }
      const actions = (name: string) =>
        (rows.find((d) => d['displayName'] === name)?.['rolePermissions'] as { allowedResourceActions: string[] }[])[0]!.allowedResourceActions;
      expect(actions('Helpdesk Administrator')).toContain('microsoft.directory/users/password/update');
      expect(actions('Privileged Role Administrator')).toContain('microsoft.directory/roleAssignments/allProperties/allTasks');
      expect(actions('Authentication Administrator').some((a) => a.startsWith('microsoft.directory/users/authenticationMethods/'))).toBe(true);
      expect(actions('Global Reader').every((a) => /read$/i.test(a))).toBe(true);
    }
    const selected = await all('/beta/roleManagement/directory/roleDefinitions?$select=id,displayName', AUTH);
    expect(selected.every((d) => !('rolePermissions' in d))).toBe(true);
  });
});
