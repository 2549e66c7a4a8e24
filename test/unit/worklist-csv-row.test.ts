/**
 * csvRow (src/results/worklist-csv.ts) tests a whole row once and falls back to each cell's csvCell when anything
 * needs changing; the row must always be the cell-by-cell one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EOL, csvCell, csvRow } from '../../src/results/worklist-csv.js';

const cellByCell = (u: Parameters<typeof csvRow>[0]) =>
  [csvCell(u.id), csvCell(u.userPrincipalName), csvCell(u.userDisplayName), csvCell(u.userType), u.isAdmin === null ? '' : String(u.isAdmin), csvCell(u.methodsRegistered.join(';'))].join(',') + EOL;

// plain letters and everything that needs work: formula starts, quotes, commas, controls, bidi and invisible marks
const hostile = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', 'é', 'न', '=', '+', '-', '@', '"', ',', ';', '\t', '\r', '\n', '\u0000', '\u007f', '\u0085', '\u202e', '\u200b', '\ufeff', '\u2066'), maxLength: 8 });
const plain = fc.string({ unit: fc.constantFrom('a', 'b', '.', '1', 'é', '刘', ' '), maxLength: 12 });
const cell = fc.oneof(plain, plain, hostile);

describe('csvRow', () => {
  it('equals the row of csvCell cell by cell, for plain and hostile values', () => {
    fc.assert(
      fc.property(
        fc.record({
          id: cell,
          userPrincipalName: cell,
          userDisplayName: cell,
          userType: cell,
          isAdmin: fc.constantFrom(true, false, null),
          methodsRegistered: fc.array(cell, { maxLength: 4 }),
        }),
        (u) => {
          expect(csvRow(u)).toBe(cellByCell(u));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('neutralises a formula and quotes a comma that only the cell test would see', () => {
    const u = { id: '=1+1', userPrincipalName: 'a,b@x', userDisplayName: 'A', userType: 'member', isAdmin: null, methodsRegistered: ['@x', 'mobilePhone'] };
    expect(csvRow(u)).toBe(`'=1+1,"a,b@x",A,member,,'@x;mobilePhone${EOL}`);
    expect(csvRow({ ...u, id: 'i', userPrincipalName: 'u@x', methodsRegistered: [] })).toBe(`i,u@x,A,member,,${EOL}`);
  });
});
