/**
 * Issue #8 §2, property-based: the userRegistrationDetails fold (src/metrics/registration.ts) over any rows —
 * well-formed, half-formed (nulls, strings for booleans, unknown tokens) or not rows at all — never throws, counts
 * every row exactly once (in scope, guest, excluded, break-glass or invalid), keeps every ratio a true ratio, sends
 * each user to the cohorts its metrics say, and does not depend on row order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultDefinitions, KNOWN_TOKENS, type Definitions } from '../../src/metrics/definitions.js';
import { COHORTS, RegistrationFold, type AdminDefinition } from '../../src/metrics/registration.js';
import type { AffectedUser, MetricSet } from '../../src/metrics/types.js';

const AS_OF = '2026-11-01T00:00:00Z';
const UPNS = ['bg@x.example', 'svc-1@x.example', 'user@x.example', 'guest_a#EXT#@x.example', 'BG@X.EXAMPLE'];
const IDS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
const hostileString = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '<script>', '__proto__', 'constructor', '=1+1', '\ud800'));
const maybeBool = fc.oneof(fc.boolean(), fc.constant(null), fc.constantFrom('true', 'false', 1, 0, 'yes'));
const token = fc.oneof(fc.constantFrom(...KNOWN_TOKENS, 'x509CertificateMultiFactor', 'futureKey', '', '__proto__'), hostileString);

/** A row as a tenant could send it: any field missing, null or of the wrong type. */
const rowLike = fc.record(
  {
    id: fc.oneof(fc.constantFrom(...IDS), hostileString, fc.integer(), fc.constant(null)),
    userPrincipalName: fc.oneof(fc.constantFrom(...UPNS), hostileString, fc.integer(), fc.constant(null)),
    userDisplayName: fc.oneof(hostileString, fc.constant(null), fc.integer()),
    userType: fc.oneof(fc.constantFrom('member', 'guest', 'Guest', 'unknownFutureValue'), fc.constant(null), fc.integer()),
    isAdmin: maybeBool,
    isMfaCapable: maybeBool,
    isMfaRegistered: maybeBool,
    isPasswordlessCapable: maybeBool,
    isSsprCapable: maybeBool,
    isSsprEnabled: maybeBool,
    isSsprRegistered: maybeBool,
    isSystemPreferredAuthenticationMethodEnabled: maybeBool,
    lastUpdatedDateTime: fc.oneof(fc.constantFrom('2026-10-31T00:00:00Z', '2025-01-01T00:00:00Z', 'not a date'), fc.integer(), fc.constant(null)),
    methodsRegistered: fc.oneof(fc.array(fc.oneof(token, fc.integer(), fc.constant(null)), { maxLength: 5 }), fc.constant(null), hostileString),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
/** Rows, and things that are not rows at all. */
const anyRow = fc.oneof({ weight: 5, arbitrary: rowLike }, { weight: 1, arbitrary: fc.anything() });

const definitions: fc.Arbitrary<Definitions> = fc.record({
  includeGuests: fc.boolean(),
  excludeUpnPatterns: fc.subarray(['svc-*@x.example', '*#ext#*']),
  breakGlassUpns: fc.subarray(['bg@x.example']),
}).map((o) => ({ ...defaultDefinitions(AS_OF), ...o }));

const admins: fc.Arbitrary<AdminDefinition> = fc.oneof(
  fc.constant({}),
  fc.record({ adminIds: fc.subarray(IDS).map((x) => new Set(x)), activeAnyRole: fc.subarray(IDS).map((x) => new Set(x)) }),
);

function fold(rows: readonly unknown[], defs: Definitions, adm: AdminDefinition): { set: MetricSet; cohorts: Map<string, AffectedUser[]> } {
  const cohorts = new Map<string, AffectedUser[]>();
  const f = new RegistrationFold((c, u) => cohorts.set(c, [...(cohorts.get(c) ?? []), u]), adm, defs);
  for (const r of rows) f.add(r);
  return { set: f.result(), cohorts };
}

const value = (set: MetricSet, id: string) => set.values[id]?.value ?? 0;
const isValid = (r: unknown) => r !== null && typeof r === 'object' && !Array.isArray(r) && typeof (r as { id?: unknown }).id === 'string';

describe('RegistrationFold over hostile rows', () => {
  it('counts every row exactly once: in scope + guests (when not in scope) + excluded + break-glass + invalid = rows', () => {
    fc.assert(
      fc.property(fc.array(anyRow, { maxLength: 40 }), definitions, admins, (rows, defs, adm) => {
        const { set } = fold(rows, defs, adm);
        const invalid = rows.filter((r) => !isValid(r)).length;
        expect(value(set, 'users.invalid_rows')).toBe(invalid);
        const guestsOutside = defs.includeGuests ? 0 : value(set, 'users.guests');
        expect(value(set, 'users.in_scope') + guestsOutside + value(set, 'users.excluded') + value(set, 'breakglass.found') + invalid).toBe(rows.length);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every ratio a ratio and every count a non-negative whole number', () => {
    fc.assert(
      fc.property(fc.array(anyRow, { maxLength: 40 }), definitions, admins, (rows, defs, adm) => {
        const { set } = fold(rows, defs, adm);
        for (const [id, m] of Object.entries(set.values)) {
          if (m.denominator !== undefined) {
            expect(Number.isInteger(m.numerator) && Number.isInteger(m.denominator), id).toBe(true);
            expect(m.numerator!, id).toBeGreaterThanOrEqual(0);
            expect(m.numerator!, id).toBeLessThanOrEqual(m.denominator);
            if (m.denominator === 0) expect(m.value, id).toBeNull();
            else {
              expect(m.value!, id).toBeGreaterThanOrEqual(0);
              expect(m.value!, id).toBeLessThanOrEqual(1);
              expect(m.value, id).toBe(Math.round((m.numerator! / m.denominator) * 10_000) / 10_000);
            }
          } else if (m.value !== null) {
            expect(Number.isInteger(m.value) && m.value >= 0, `${id} = ${m.value}`).toBe(true);
          }
        }
        // every population ratio is over the population
        for (const id of ['mfa.capable', 'phishing_resistant.registered', 'mfa.phone_only', 'sspr.capable', 'passwordless.capable']) {
          expect(set.values[id]?.denominator, id).toBe(value(set, 'users.in_scope'));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('admins: without a phishing-resistant method ≤ assessed ≤ total, and the parts add up', () => {
    fc.assert(
      fc.property(fc.array(anyRow, { maxLength: 40 }), definitions, admins, (rows, defs, adm) => {
        const { set } = fold(rows, defs, adm);
        const assessed = set.values['admins.phishing_resistant']!.denominator!;
        const without = value(set, 'admins.without_phishing_resistant');
        expect(without).toBeLessThanOrEqual(value(set, 'admins.total'));
        expect(without + set.values['admins.phishing_resistant']!.numerator!).toBe(assessed);
        expect(assessed + value(set, 'admins.not_assessable')).toBe(value(set, 'admins.total'));
        expect(set.values['admins.mfa_capable']!.denominator).toBe(assessed);
      }),
      { numRuns: 300 },
    );
  });

  it('sends each user to the cohorts its metrics count (lists and numbers agree)', () => {
    fc.assert(
      fc.property(fc.array(anyRow, { maxLength: 40 }), definitions, admins, (rows, defs, adm) => {
        const { set, cohorts } = fold(rows, defs, adm);
        const size = (c: string) => cohorts.get(c)?.length ?? 0;
        expect(size(COHORTS.usersNotMfaCapable)).toBe(value(set, 'users.in_scope') - set.values['mfa.capable']!.numerator!);
        expect(size(COHORTS.usersPhoneOnly)).toBe(set.values['mfa.phone_only']!.numerator);
        expect(size(COHORTS.adminsWithoutPhishingResistant)).toBe(value(set, 'admins.without_phishing_resistant'));
        // every listed user is a valid row, shown with string fields only
        for (const users of cohorts.values()) {
          for (const u of users) {
            expect(typeof u.id).toBe('string');
            expect(typeof u.userDisplayName).toBe('string');
            expect(typeof u.userPrincipalName).toBe('string');
            expect(u.methodsRegistered.every((m) => typeof m === 'string')).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on row order', () => {
    const rowsAndOrder = fc.array(anyRow, { maxLength: 30 }).chain((rows) =>
      fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows.map((_, i) => i), { minLength: rows.length, maxLength: rows.length })),
    );
    fc.assert(
      fc.property(rowsAndOrder, definitions, admins, ([rows, order], defs, adm) => {
        const a = fold(rows, defs, adm).set;
        const b = fold(order.map((i) => rows[i]), defs, adm).set;
        expect(b.values).toEqual(a.values);
      }),
      { numRuns: 200 },
    );
  });
});
