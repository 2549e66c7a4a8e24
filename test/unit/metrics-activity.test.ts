/**
 * ActivityFold (src/metrics/activity.ts) on what the successor report userRegistrationActivity(period='d30') answers
 * today (beta authenticationmethodsroot-userregistrationactivity example): current usageAuthMethod names
 * (microsoftAuthenticatorPush, mobilePhone, sms, oneTimePasscode, fido2SecurityKey …), an @odata.type on each row
 * and rows with zero counts for methods nobody used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityFold } from '../../src/metrics/activity.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';

const T = '#microsoft.graph.userRegistrationActivitySummary';
const OLD_NAMES = ['mobileSMS', 'mobileCall', 'appNotification', 'appCode', 'alternateMobileCall', 'fido', 'appPassword'];

describe('ActivityFold on successor rows', () => {
  it('reads the documented example shape: per-method rates under the current names, zero-count rows as no data', () => {
    const f = new ActivityFold();
    const rows = [
      { '@odata.type': T, id: '1', feature: 'registration', successfulActivityCount: 1, failureActivityCount: 0, authMethod: 'windowsHelloForBusiness' },
      { '@odata.type': T, id: '2', feature: 'registration', successfulActivityCount: 83, failureActivityCount: 214, authMethod: 'microsoftAuthenticatorPush' },
      { '@odata.type': T, id: '3', feature: 'registration', successfulActivityCount: 0, failureActivityCount: 0, authMethod: 'fido2SecurityKey' },
      { '@odata.type': T, id: '4', feature: 'reset', successfulActivityCount: 40, failureActivityCount: 10, authMethod: 'sms' },
      { '@odata.type': T, id: '5', feature: 'reset', successfulActivityCount: 9, failureActivityCount: 1, authMethod: 'oneTimePasscode' },
      { '@odata.type': T, id: '6', feature: 'reset', successfulActivityCount: 0, failureActivityCount: 0, authMethod: 'mobilePhone' },
    ];
    rows.forEach((r) => f.add(r));
    const { values, info } = f.result('userRegistrationActivity');
    expect(values['registration.failure_rate']).toEqual({ value: 0.7181, numerator: 214, denominator: 298 });
    expect(values['registration.failure_rate.microsoftAuthenticatorPush']).toEqual({ value: 0.7205, numerator: 214, denominator: 297 });
    expect(values['registration.failure_rate.fido2SecurityKey']).toEqual({ value: null, numerator: 0, denominator: 0 });
    expect(values['sspr.reset.failure_rate']).toEqual({ value: 0.1833, numerator: 11, denominator: 60 });
    expect(values['sspr.reset.failure_rate.sms']).toEqual({ value: 0.2, numerator: 10, denominator: 50 });
    expect(values['sspr.reset.failure_rate.oneTimePasscode']).toEqual({ value: 0.1, numerator: 1, denominator: 10 });
    expect(values['sspr.reset.failure_rate.mobilePhone']?.value).toBeNull();
    expect(f.invalidRows).toBe(0);
    expect(info.find((m) => m.id === 'sspr.reset.failure_rate.sms')).toMatchObject({ title: 'SSPR reset failure rate: sms', source: 'userRegistrationActivity' });
  });

  describe('against the simulator', () => {
    const tenant = createTenant({ seed: 3, users: 4000 });
    let sim: RunningSimulator;
    beforeAll(async () => {
      sim = await startSimulator({ tenant });
    });
    afterAll(() => sim.close());

    it('folds the d30 answer (sent with Prefer: include-unknown-enum-members, as the collector does) per current method name', async () => {
      const res = await fetch(`${sim.url}/beta/reports/authenticationMethods/userRegistrationActivity(period='d30')`, {
        headers: { Authorization: 'Bearer x', Prefer: 'include-unknown-enum-members' },
      });
      const rows = ((await res.json()) as { value: Record<string, unknown>[] }).value;
      const f = new ActivityFold();
      rows.forEach((r) => f.add(r));
      const { values } = f.result('userRegistrationActivity');
      const perMethod = (prefix: string) => Object.keys(values).filter((k) => k.startsWith(`${prefix}.`)).map((k) => k.slice(prefix.length + 1));
      const reset = perMethod('sspr.reset.failure_rate');
      const registration = perMethod('registration.failure_rate');
      expect(reset).toEqual(expect.arrayContaining(['sms', 'email', 'microsoftAuthenticatorPush', 'oneTimePasscode']));
      expect(registration).toEqual(expect.arrayContaining(['microsoftAuthenticatorPush', 'mobilePhone', 'fido2SecurityKey', 'windowsHelloForBusiness']));
      for (const old of OLD_NAMES) expect([...reset, ...registration]).not.toContain(old);
      // every method's counts, and the totals, are the generator's
      for (const [feature, id] of [['reset', 'sspr.reset.failure_rate'], ['registration', 'registration.failure_rate']] as const) {
        const want = tenant.registrationActivity('d30').filter((r) => r.feature === feature);
        let s = 0, fl = 0;
        for (const r of want) {
          s += r.successfulActivityCount;
          fl += r.failureActivityCount;
          expect(values[`${id}.${r.authMethod}`]).toMatchObject({ numerator: r.failureActivityCount, denominator: r.successfulActivityCount + r.failureActivityCount });
        }
        expect(values[id]).toMatchObject({ numerator: fl, denominator: s + fl });
      }
    });
  });
});
