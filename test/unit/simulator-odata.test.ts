import { describe, expect, it } from 'vitest';
import {
  compileFilter,
  decodeSkipToken,
  encodeSkipToken,
  ODataError,
  parseFunctionArgs,
  type FilterSchema,
} from '../../src/simulator/odata.js';

const schema: FilterSchema = { isAdmin: 'boolean', userPrincipalName: 'string', methodsRegistered: 'collection' };
const row = { isAdmin: true, userPrincipalName: "O'Brien.7@contoso-sim.example", methodsRegistered: ['email', 'fido2SecurityKey'] };

describe('simulator OData helpers', () => {
  it('parses quoted function arguments, case-insensitively by name, with escaped quotes', () => {
    expect([...parseFunctionArgs("includedusertypes='member', includedUserRoles='all'", ['includedUserTypes', 'includedUserRoles'])])
      .toEqual([['includedUserTypes', 'member'], ['includedUserRoles', 'all']]);
    expect(parseFunctionArgs("period='it''s'", ['period']).get('period')).toBe("it's");
    expect(parseFunctionArgs("period=microsoft.graph.aggregationPeriod'd7'", ['period']).get('period')).toBe('d7');
    expect(parseFunctionArgs('  ', ['period']).size).toBe(0);
    for (const bad of ['period=d7', "period='d7", "period='d7',period='d1'", "other='x'", 'period']) {
      expect(() => parseFunctionArgs(bad, ['period'])).toThrow(ODataError);
    }
  });

  it('compiles the documented filter forms, case-insensitive on strings', () => {
    const matches = (text: string): boolean => compileFilter(text, schema)(row);
    expect(matches('isAdmin eq true')).toBe(true);
    expect(matches('isAdmin eq false')).toBe(false);
    expect(matches("startswith(userPrincipalName,'o''brien')")).toBe(true);
    expect(matches("userPrincipalName eq 'O''BRIEN.7@CONTOSO-SIM.EXAMPLE'")).toBe(true);
    expect(matches("methodsRegistered/any(m:m eq 'FIDO2SecurityKey')")).toBe(true);
    expect(matches("methodsRegistered/any(x:x eq 'mobilePhone')")).toBe(false);
    expect(matches("isAdmin eq true AND startswith(userPrincipalName, 'o') and methodsRegistered/any(x:x eq 'email')")).toBe(true);
    expect(matches("startswith(userPrincipalName,'x and y')")).toBe(false);
    expect(compileFilter('isAdmin eq false', schema)({ isAdmin: null })).toBe(false);
  });

  it('rejects what it does not support with a 400', () => {
    for (const bad of ['', 'isAdmin ne true', 'isAdmin eq true or isAdmin eq false', "methodsRegistered/any(x:y eq 'a')",
      "isAdmin eq 'yes'", 'userPrincipalName eq true', "unknown eq 'a'", "startswith(userPrincipalName,'a"]) {
      let error: unknown;
      try {
        compileFilter(bad, schema);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(ODataError);
      expect((error as ODataError).status).toBe(400);
    }
  });

  it('round-trips skiptokens and refuses forged, transplanted or out-of-range ones', () => {
    const token = encodeSkipToken(300, 'route|1');
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeSkipToken(token, 'route|1', 1000)).toBe(300);
    expect(() => decodeSkipToken(token, 'route|2', 1000)).toThrow(ODataError);
    expect(() => decodeSkipToken(token, 'route|1', 299)).toThrow(ODataError);
    expect(() => decodeSkipToken(Buffer.from('300:00000000').toString('base64url'), 'route|1', 1000)).toThrow(ODataError);
    expect(() => decodeSkipToken('not a token!', 'route|1', 1000)).toThrow(ODataError);
  });
});
