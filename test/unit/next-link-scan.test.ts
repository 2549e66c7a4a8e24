import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanNextLink } from '../../src/graph/next-link-scan.js';

const LINK = 'https://graph.microsoft.com/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=999&$skiptoken=abc';

describe('scanNextLink: the nextLink from the first bytes of a page', () => {
  it('finds the link Graph writes before the rows (graph-api.md §1 example)', () => {
    const body = `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#reports","@odata.nextLink":"${LINK}","value":[{"id":"a"}`;
    expect(scanNextLink(body)).toBe(LINK);
  });

  it('says "none" when the rows come first (OData 4.01 allows the link at the end)', () => {
    expect(scanNextLink(`{"value":[{"id":"a"}],"@odata.nextLink":"${LINK}"}`)).toBeNull();
    expect(scanNextLink(`{"@odata.context":"x","value":[`)).toBeNull();
  });

  it('says "not yet" while the prefix ends inside the control information', () => {
    const body = `{"@odata.context":"https://x/$metadata","@odata.nextLink":"${LINK}","value":[]}`;
    const cut = body.indexOf('"value"');
    for (let n = 0; n < body.indexOf(LINK) + LINK.length + 1; n++) expect(scanNextLink(body.slice(0, n)), body.slice(0, n)).toBeUndefined();
    expect(scanNextLink(body.slice(0, cut))).toBe(LINK);
  });

  it('is not fooled by "value" or a nextLink inside strings, escapes or nested members', () => {
    const body =
      '{"@odata.context":"a \\"value\\": [ and \\"@odata.nextLink\\":\\"https://evil\\"","@odata.count":12,' +
      `"nested":{"@odata.nextLink":"https://inner","value":[1,{"a":"]}"}]},"flag":true,"none":null,"@odata.nextLink":"${LINK}","value":[]}`;
    expect(scanNextLink(body)).toBe(LINK);
  });

  it('decodes escapes in the link and ignores a leading BOM and whitespace', () => {
    expect(scanNextLink('\uFEFF \n{ "@odata.nextLink" : "https:\\/\\/graph.microsoft.com\\/v1.0\\/x?a=\\u0031" , "value": [')).toBe(
      'https://graph.microsoft.com/v1.0/x?a=1',
    );
  });

  it('gives "none" for what is not a page: arrays, errors, empty objects, a link that is not a non-empty string', () => {
    expect(scanNextLink('[1,2]')).toBeNull();
    expect(scanNextLink('{}')).toBeNull();
    expect(scanNextLink('{"error":{"code":"x"}}')).toBeNull();
    expect(scanNextLink('{"@odata.nextLink":42,"value":[]}')).toBeNull();
    expect(scanNextLink('{"@odata.nextLink":"","value":[]}')).toBeNull();
    expect(scanNextLink('not json')).toBeNull();
  });

  it('a number that may still go on is "not yet", not a wrong split', () => {
    expect(scanNextLink('{"@odata.count":12')).toBeUndefined();
    expect(scanNextLink(`{"@odata.count":12,"@odata.nextLink":"${LINK}"`)).toBe(LINK);
  });

  it('on every prefix of any page, answers "not yet" or what JSON.parse of the whole body says the first link before the rows is', () => {
    const key = fc.constantFrom('@odata.context', '@odata.count', '@odata.deltaLink', 'other', 'value"x', '@odata.nextLink');
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
    const member = fc.tuple(key, fc.oneof(scalar, fc.dictionary(fc.string(), scalar), fc.array(scalar)));
    fc.assert(
      fc.property(fc.array(member, { maxLength: 5 }), fc.option(fc.webUrl()), fc.boolean(), (before, link, linkFirst) => {
        const members: [string, unknown][] = [...before];
        if (link !== null) members.splice(linkFirst ? 0 : members.length, 0, ['@odata.nextLink', link]);
        members.push(['value', [{ id: 'a' }]]);
        const text = `{${members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
        // what the scan should say: the first @odata.nextLink member before "value", if it is a non-empty string
        const first = members.find(([k]) => k === '@odata.nextLink' || k === 'value');
        const expected = first && first[0] === '@odata.nextLink' && typeof first[1] === 'string' && first[1] !== '' ? first[1] : null;
        expect(scanNextLink(text)).toBe(expected);
        for (let n = 0; n < text.length; n += 7) {
          const got = scanNextLink(text.slice(0, n));
          if (got !== undefined) expect(got).toBe(expected);
        }
      }),
      { numRuns: 300, seed: 20261206 },
    );
  });
});
