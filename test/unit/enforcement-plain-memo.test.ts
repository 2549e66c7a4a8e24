/**
 * The enforcement join remembers its answer for users in no CA group, with no role and named in no policy, per
 * guest/member and methods (enforcement.ts plainCoverage). It must give what coverageOf gives for every row: the
 * per-user cohorts, the metrics and the per-policy tallies, whoever is named, grouped, a guest or a role holder.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EnforcementFold, type EnforcementInputs } from '../../src/metrics/enforcement.js';
import { coverageOf, modesOf, policyModel, strengthsById, type PolicyModel } from '../../src/metrics/enforcement-model.js';

const GA = '62e90394-69f5-4237-9190-012177145e10';
const TOKENS = ['mobilePhone', 'email', 'fido2SecurityKey', 'microsoftAuthenticatorPush', 'softwareOneTimePasscode', 'windowsHelloForBusiness', 'passKeyDeviceBound', 'weird,token'];
const STRENGTHS = strengthsById([{ id: 'pr', displayName: 'Phishing-resistant', allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'] }]);

function policy(id: string, state: string, users: Record<string, string[]>, extra: Record<string, unknown> = {}): PolicyModel {
  return policyModel(
    {
      id,
      displayName: id,
      state,
      conditions: {
        clientAppTypes: ['all'],
        applications: { includeApplications: ['All'] },
        users: { includeUsers: [], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [], ...users },
        ...extra,
      },
      grantControls: { operator: 'OR', builtInControls: ['mfa'], authenticationStrength: id === 'pr' ? { id: 'pr' } : null },
    },
    STRENGTHS,
  )!;
}

const ids = Array.from({ length: 40 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const inputs: EnforcementInputs = {
  policies: [
    policy('all', 'enabled', { includeUsers: ['All'], excludeUsers: [ids[1]!.toUpperCase()], excludeGroups: ['g-x'] }),
    policy('pr', 'enabled', { includeRoles: [GA] }),
    policy('report', 'enabledForReportingButNotEnforced', { includeUsers: ['All', ids[2]!], excludeUsers: ['GuestsOrExternalUsers'] }),
    policy('named', 'enabled', { includeUsers: [ids[3]!, ids[4]!] }, { locations: { includeLocations: ['All'], excludeLocations: ['trusted'] } }),
    policy('guests', 'enabled', { includeUsers: ['GuestsOrExternalUsers'], includeGroups: ['g-y'] }),
  ],
  securityDefaults: false,
  disabledConfigs: new Set(['Sms']),
  groupsOfUser: new Map([[ids[5]!, new Set(['g-x'])], [ids[6]!, new Set(['g-y'])]]),
  rolesOfUser: new Map([[ids[7]!, new Set([GA])]]),
  eligibleRolesOfUser: new Map([[ids[8]!, new Set([GA])]]),
};
const defs = { excludeUpnPatterns: [], breakGlassUpns: [], phishingResistantTokens: ['fido2SecurityKey', 'windowsHelloForBusiness', 'passKeyDeviceBound'], phishingResistantPrefixes: [] };
const isPR = (t: string) => defs.phishingResistantTokens.includes(t);

describe('EnforcementFold: the remembered answer for plain users equals the join of each row', () => {
  it('same cohorts, metrics and per-policy tallies as coverageOf row by row', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ user: fc.integer({ min: 0, max: ids.length - 1 }), guest: fc.boolean(), methods: fc.subarray(TOKENS) }), { maxLength: 120 }),
        (rows) => {
          const sunk: string[] = [];
          const fold = new EnforcementFold((cohort, u) => sunk.push(`${cohort} ${u.id}`), inputs, {}, defs);
          const appliesTo = new Float64Array(inputs.policies.length);
          const excludes = new Float64Array(inputs.policies.length);
          const notSatisfiable: string[] = [];
          for (const r of rows) {
            const id = ids[r.user]!;
            fold.add({ id, userPrincipalName: `u${r.user}@x`, userType: r.guest ? 'guest' : 'member', isAdmin: false, methodsRegistered: r.methods });
            const c = coverageOf(
              inputs.policies,
              false,
              { id, guest: r.guest, groups: inputs.groupsOfUser.get(id), roles: inputs.rolesOfUser.get(id) },
              modesOf(r.methods, inputs.disabledConfigs, isPR),
              { appliesTo, excludes },
            );
            if (c.notSatisfiable) notSatisfiable.push(id);
          }
          expect([...fold.appliesTo]).toEqual([...appliesTo]);
          expect([...fold.excludes]).toEqual([...excludes]);
          expect(sunk.filter((s) => s.startsWith('users.required_not_satisfiable ')).map((s) => s.split(' ')[1])).toEqual(notSatisfiable);
          expect(fold.result().values['enforcement.mfa.enforced']).toBeDefined();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the same set of methods in any order, with repeats, and more distinct tokens than the combination has bits', () => {
    // 40 made-up tokens (past the 29 with a bit), some phishing-resistant by the config, mixed with the known ones
    const many = [...TOKENS, ...Array.from({ length: 40 }, (_, i) => (i % 5 === 0 ? `passKey-${i}` : `custom-${i}`))];
    const manyDefs = { ...defs, phishingResistantPrefixes: ['passKey-'] };
    const isManyPR = (t: string) => defs.phishingResistantTokens.includes(t) || t.startsWith('passKey-');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ guest: fc.boolean(), methods: fc.array(fc.constantFrom(...many), { maxLength: 6 }) }),
          { maxLength: 150 },
        ),
        (rows) => {
          const sunk: string[] = [];
          const fold = new EnforcementFold((cohort, u) => sunk.push(`${cohort} ${u.id}`), inputs, {}, manyDefs);
          const appliesTo = new Float64Array(inputs.policies.length);
          const excludes = new Float64Array(inputs.policies.length);
          const expected: string[] = [];
          rows.forEach((r, i) => {
            const id = `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`; // plain: no group, role or name
            fold.add({ id, userPrincipalName: `p${i}@x`, userType: r.guest ? 'guest' : 'member', isAdmin: false, methodsRegistered: r.methods });
            const c = coverageOf(inputs.policies, false, { id, guest: r.guest, groups: undefined, roles: undefined }, modesOf(r.methods, inputs.disabledConfigs, isManyPR), {
              appliesTo,
              excludes,
            });
            if (c.notSatisfiable) expected.push(`users.required_not_satisfiable ${id}`);
            if (c.coverage !== 'enforced') expected.push(`users.mfa_not_enforced ${id}`);
          });
          expect([...fold.appliesTo]).toEqual([...appliesTo]);
          expect([...fold.excludes]).toEqual([...excludes]);
          const relevant = (s: string) => s.startsWith('users.required_not_satisfiable ') || s.startsWith('users.mfa_not_enforced ');
          expect(sunk.filter(relevant).sort()).toEqual(expected.sort());
        },
      ),
      { numRuns: 200 },
    );
    // the same methods reordered and repeated: one remembered answer, the same as the first order's
    const fold = new EnforcementFold(() => {}, inputs, {}, defs);
    fold.add({ id: ids[30], userPrincipalName: 'a@x', userType: 'member', methodsRegistered: ['fido2SecurityKey', 'mobilePhone'] });
    fold.add({ id: ids[31], userPrincipalName: 'b@x', userType: 'member', methodsRegistered: ['mobilePhone', 'fido2SecurityKey', 'mobilePhone'] });
    expect((fold as unknown as { plain: Map<number, unknown> }).plain.size).toBe(1);
  });
});
