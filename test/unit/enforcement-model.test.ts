/** The enforcement model (issue #14), pure: policy rows → classification; user facts → coverage, strength, join. */
import { describe, expect, it } from 'vitest';
import {
  applies,
  coverageOf,
  modesOf,
  policyModel,
  satisfies,
  strengthLevel,
  strengthsById,
  type PolicyModel,
  type UserFacts,
} from '../../src/metrics/enforcement-model.js';

const PR = '00000000-0000-0000-0000-000000000004';
const STRENGTHS = strengthsById([
  { id: PR, displayName: 'Phishing-resistant MFA', allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'] },
  { id: '00000000-0000-0000-0000-000000000003', displayName: 'Passwordless MFA', allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor', 'deviceBasedPush'] },
  { id: 'custom-1', displayName: 'Custom', allowedCombinations: ['fido2', 'password,microsoftAuthenticatorPush'] },
]);

type Raw = Record<string, any>;
function ca(over: { state?: string; users?: Raw; conditions?: Raw; grant?: Raw } = {}): Raw {
  return {
    id: 'p1',
    displayName: 'policy',
    state: over.state ?? 'enabled',
    conditions: {
      clientAppTypes: ['all'],
      applications: { includeApplications: ['All'], excludeApplications: [], includeUserActions: [], includeAuthenticationContextClassReferences: [] },
      users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [], ...over.users },
      locations: null,
      platforms: null,
      userRiskLevels: [],
      signInRiskLevels: [],
      ...over.conditions,
    },
    grantControls: { operator: 'OR', builtInControls: ['mfa'], authenticationStrength: null, ...over.grant },
  };
}
const model = (raw: Raw): PolicyModel => policyModel(raw, STRENGTHS)!;
const user = (over: Partial<UserFacts> = {}): UserFacts => ({ id: 'u1', guest: false, groups: undefined, roles: undefined, ...over });
const APP_AND_PR = modesOf(['microsoftAuthenticatorPush', 'fido2'], new Set());
const APP_ONLY = modesOf(['microsoftAuthenticatorPush'], new Set());

describe('policyModel', () => {
  it('an enabled all-users, all-apps MFA policy is unconditional', () => {
    const p = model(ca());
    expect(p).toMatchObject({ state: 'enabled', required: 'mfa', narrowing: [], grant: 'multifactor authentication' });
  });
  it('names every narrowing condition', () => {
    const p = model(
      ca({
        conditions: {
          locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] },
          platforms: { includePlatforms: ['android'] },
          clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'],
          signInRiskLevels: ['high'],
          applications: { includeApplications: ['00000003-0000-0ff1-ce00-000000000000'], excludeApplications: ['x'] },
        },
      }),
    );
    expect(p.narrowing).toEqual([
      'only 1 resource(s)',
      '1 resource(s) excluded',
      'client app types browser, mobileAppsAndDesktopClients only',
      'a location condition',
      'a device platform condition',
      'sign-in risk high',
    ]);
  });
  it('all four client app types listed one by one is not narrowing', () => {
    expect(model(ca({ conditions: { clientAppTypes: ['browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other'] } })).narrowing).toEqual([]);
  });
  it('MFA OR a compliant device can be met without MFA: narrowing; AND is not', () => {
    expect(model(ca({ grant: { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] } })).narrowing).toEqual(['MFA can be replaced by a compliant device']);
    const and = model(ca({ grant: { operator: 'AND', builtInControls: ['mfa', 'compliantDevice'] } }));
    expect(and.narrowing).toEqual([]);
    expect(and.grant).toBe('multifactor authentication AND compliantDevice');
  });
  it('block and terms-of-use grants require no MFA', () => {
    expect(model(ca({ grant: { builtInControls: ['block'] } })).required).toBeNull();
    expect(model(ca({ grant: { builtInControls: [] } })).required).toBeNull();
  });
  it('resolves an authentication strength by id, not by its embedded copy', () => {
    const p = model(ca({ grant: { builtInControls: [], authenticationStrength: { id: PR, displayName: 'stale copy', allowedCombinations: ['sms'] } } }));
    expect(p).toMatchObject({ required: 'phishing_resistant', grant: 'authentication strength Phishing-resistant MFA', unresolved: null });
    const unknown = model(ca({ grant: { builtInControls: [], authenticationStrength: { id: 'gone', displayName: 'Old', allowedCombinations: ['fido2'] } } }));
    expect(unknown.required).toBe('phishing_resistant');
    expect(unknown.unresolved).toContain('not in authenticationStrengthPolicies');
  });
  it('states: report-only and disabled', () => {
    expect(model(ca({ state: 'enabledForReportingButNotEnforced' })).state).toBe('report_only');
    expect(model(ca({ state: 'disabled' })).state).toBe('disabled');
    expect(policyModel({ displayName: 'no id' }, STRENGTHS)).toBeNull();
  });
});

describe('strengths and methods', () => {
  it('levels: phishing-resistant ⊂ passwordless ⊂ MFA', () => {
    expect(strengthLevel(['fido2', 'windowsHelloForBusiness'])).toBe('phishing_resistant');
    expect(strengthLevel(['fido2', 'deviceBasedPush'])).toBe('passwordless');
    expect(strengthLevel(['fido2', 'password,sms'])).toBe('mfa');
  });
  it('registered tokens give modes; a disabled method configuration gives none', () => {
    expect(modesOf(['mobilePhone'], new Set())).toEqual(new Set(['password', 'sms', 'voice']));
    expect(modesOf(['mobilePhone'], new Set(['Sms']))).toEqual(new Set(['password', 'voice']));
    expect(modesOf(['passKeyDeviceBoundAuthenticator', 'windowsHelloForBusiness'], new Set(['Fido2']))).toEqual(new Set(['password', 'windowsHelloForBusiness']));
    expect(modesOf(['email', 'securityQuestion'], new Set())).toEqual(new Set(['password']));
    // inherited property names are tokens like any other (hostile data)
    expect(modesOf(['constructor', '__proto__', 'toString', 'hasOwnProperty'], new Set())).toEqual(new Set(['password']));
    // a token the table does not know but the config counts as phishing-resistant
    expect(modesOf(['futureKey'], new Set(), (t) => t === 'futureKey').has('fido2')).toBe(true);
  });
  it('a combination is satisfied only when every part is available', () => {
    expect(satisfies(['password,microsoftAuthenticatorPush'], APP_ONLY)).toBe(true);
    expect(satisfies(['fido2'], APP_ONLY)).toBe(false);
    expect(satisfies(['sms,federatedSingleFactor'], modesOf(['sms'], new Set()))).toBe(false);
  });
});

describe('applies', () => {
  const t = model(ca({ users: { includeUsers: [], includeGroups: ['G1'], includeRoles: ['R1'], excludeUsers: ['U9'], excludeGroups: ['g2'] } })).targets;
  it('includes by group or role (ids case-insensitive) and excludes by user or group', () => {
    expect(applies(t, user({ groups: new Set(['g1']) }))).toBe('included');
    expect(applies(t, user({ roles: new Set(['r1']) }))).toBe('included');
    expect(applies(t, user())).toBe('not_targeted');
    expect(applies(t, user({ id: 'u9', roles: new Set(['r1']) }))).toBe('excluded');
    expect(applies(t, user({ groups: new Set(['g1', 'g2']) }))).toBe('excluded');
  });
  it('guests: GuestsOrExternalUsers includes and excludes them only', () => {
    const g = model(ca({ users: { includeUsers: ['GuestsOrExternalUsers'] } })).targets;
    expect(applies(g, user({ guest: true }))).toBe('included');
    expect(applies(g, user())).toBe('not_targeted');
    const x = model(ca({ users: { excludeUsers: ['GuestsOrExternalUsers'] } })).targets;
    expect(applies(x, user({ guest: true }))).toBe('excluded');
    expect(applies(x, user())).toBe('included');
  });
});

describe('coverageOf', () => {
  const all = model(ca());
  const located = model({ ...ca({ conditions: { locations: { includeLocations: ['All'] } } }), id: 'p2' });
  const reportOnlyPr = model({ ...ca({ state: 'enabledForReportingButNotEnforced', grant: { builtInControls: [], authenticationStrength: { id: PR } } }), id: 'p3' });
  const excluding = model({ ...ca({ users: { excludeUsers: ['u1'] } }), id: 'p4' });
  it('enforced beats conditional beats report-only beats none', () => {
    expect(coverageOf([all, located, reportOnlyPr], false, user(), APP_AND_PR).coverage).toBe('enforced');
    expect(coverageOf([located, reportOnlyPr], false, user(), APP_AND_PR).coverage).toBe('conditional');
    expect(coverageOf([reportOnlyPr], false, user(), APP_AND_PR)).toMatchObject({ coverage: 'report_only', reportOnlyLevel: 'phishing_resistant', required: null });
    expect(coverageOf([], false, user(), APP_AND_PR).coverage).toBe('none');
  });
  it('a disabled policy or one that requires no MFA never covers', () => {
    const disabled = model(ca({ state: 'disabled' }));
    const block = model(ca({ grant: { builtInControls: ['block'] } }));
    expect(coverageOf([disabled, block], false, user(), APP_AND_PR).coverage).toBe('none');
  });
  it('excluded: left out of every enabled unconditional MFA policy that includes the user', () => {
    expect(coverageOf([excluding, located], false, user(), APP_AND_PR)).toMatchObject({ coverage: 'conditional', excluded: true });
    expect(coverageOf([excluding, all], false, user(), APP_AND_PR)).toMatchObject({ coverage: 'enforced', excluded: false });
    // a user no unconditional policy includes is not "excluded", just not covered
    expect(coverageOf([located], false, user(), APP_AND_PR).excluded).toBe(false);
  });
  it('the strongest enforced level, and whether the user can satisfy it', () => {
    const prAll = model({ ...ca({ grant: { builtInControls: [], authenticationStrength: { id: PR } } }), id: 'p5' });
    expect(coverageOf([all, prAll], false, user(), APP_AND_PR)).toMatchObject({ enforcedLevel: 'phishing_resistant', notSatisfiable: false });
    expect(coverageOf([all, prAll], false, user(), APP_ONLY)).toMatchObject({ enforcedLevel: 'phishing_resistant', notSatisfiable: true });
    expect(coverageOf([all], false, user(), modesOf(['email'], new Set())).notSatisfiable).toBe(true);
    // a report-only policy's strength is not required
    expect(coverageOf([all, reportOnlyPr], false, user(), APP_ONLY).notSatisfiable).toBe(false);
  });
  it('security defaults: enforced for their admin roles, conditional ("when necessary") for everyone else', () => {
    expect(coverageOf([], true, user({ roles: new Set(['62e90394-69f5-4237-9190-012177145e10']) }), APP_ONLY).coverage).toBe('enforced');
    expect(coverageOf([], true, user({ roles: new Set(['5d6b6bb7-de71-4623-b4af-96380a352509']) }), APP_ONLY).coverage).toBe('conditional');
    expect(coverageOf([], true, user(), APP_ONLY).coverage).toBe('conditional');
  });
  it('tallies, per policy, the users it applies to and excludes', () => {
    const tally = { appliesTo: new Float64Array(2), excludes: new Float64Array(2) };
    coverageOf([excluding, all], false, user(), APP_ONLY, tally);
    coverageOf([excluding, all], false, user({ id: 'u2' }), APP_ONLY, tally);
    expect([...tally.appliesTo]).toEqual([1, 2]);
    expect([...tally.excludes]).toEqual([1, 0]);
  });
});
