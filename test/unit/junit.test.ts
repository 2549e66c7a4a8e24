import { execFileSync, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult, Finding } from '../../src/results/schema.js';
import { junitXml, writeJunitFile, xml } from '../../src/render/junit.js';
import { SAMPLE_DIR, scratch } from '../fixtures/results-sample/load.js';

/**
 * The shared sample, read without the zod parse: these renderers use only long-stable fields, and their tests
 * should not break while other fields of the contract evolve.
 */
async function loadSample(): Promise<AuditResult> {
  return JSON.parse(await readFile(join(SAMPLE_DIR, 'results.json'), 'utf8')) as AuditResult;
}

const XSD = fileURLToPath(new URL('../fixtures/junit-10.xsd', import.meta.url));

/** CI installs libxml2-utils (scripts/setup.sh); a missing xmllint is a broken environment, not a skipped test. */
function requireXmllint(): void {
  const probe = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'xmllint is not installed, so the JUnit XML cannot be validated against test/fixtures/junit-10.xsd. ' +
        'Install it: apt-get install -y libxml2-utils',
    );
  }
}

/** Validates a document with xmllint against the junit-10 schema; returns xmllint's verdict. */
async function validate(doc: string, dir: string, name = 'junit.xml'): Promise<{ ok: boolean; output: string }> {
  const file = join(dir, name);
  await writeFile(file, doc, 'utf8');
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', XSD, file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** The value xmllint (a real XML parser) reads for an XPath string expression (it prints one newline after it). */
function xpath(file: string, expr: string): string {
  return execFileSync('xmllint', ['--nonet', '--xpath', expr, file], { encoding: 'utf8' }).replace(/\n$/, '');
}

/** Reads back character data the way an XML parser does (only what xml() produces). */
function decode(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#(\d+));/g, (_, name: string, num: string | undefined) => {
    if (num) return String.fromCodePoint(Number(num));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[name as 'amp']!;
  });
}

const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

function withFinding(base: AuditResult, over: Partial<Finding>): AuditResult {
  const template = base.findings[0]!;
  return { ...base, findings: [{ ...template, ...over }] };
}

let sample: AuditResult;
let dir: string;

beforeAll(async () => {
  requireXmllint();
  sample = await loadSample();
  dir = await scratch('junit');
});

describe('junitXml', () => {
  it('validates against the junit-10 schema and counts every status', async () => {
    const doc = junitXml(sample);
    const v = await validate(doc, dir);
    expect(v.output).toContain('validates');
    expect(v.ok).toBe(true);
    const byStatus = (s: Finding['status']) => sample.findings.filter((f) => f.status === s).length;
    expect(doc).toContain(
      `<testsuite name="entra-auth-audit" tests="${sample.findings.length}" failures="${byStatus('fail')}" ` +
        `errors="${byStatus('error')}" skipped="${byStatus('not_applicable') + byStatus('excepted')}" time="0" timestamp="${sample.asOf}">`,
    );
    expect(doc.match(/<testcase /g)).toHaveLength(sample.findings.length);
    expect(doc.match(/<failure /g)).toHaveLength(byStatus('fail'));
    expect(doc.match(/<error /g)).toHaveLength(byStatus('error'));
  });

  it('the schema check has teeth: xmllint rejects what junit-10 forbids', async () => {
    const noTests = '<testsuite name="x" failures="0" errors="0"><testcase name="a"/></testsuite>';
    expect((await validate(noTests, dir, 'bad1.xml')).ok).toBe(false);
    const noName = '<testsuite name="x" tests="1" failures="0" errors="0"><testcase classname="a"/></testsuite>';
    expect((await validate(noName, dir, 'bad2.xml')).ok).toBe(false);
    const badChild = '<testsuite name="x" tests="1" failures="0" errors="0"><testcase name="a"><oops/></testcase></testsuite>';
    expect((await validate(badChild, dir, 'bad3.xml')).ok).toBe(false);
  });

  it('puts the severity in classname and type, the message and affected count in the failure', async () => {
    const doc = junitXml(sample);
    const file = join(dir, 'sample.xml');
    await writeFile(file, doc);
    const f = sample.findings.find((x) => x.status === 'fail' && x.affected)!;
    const name = `${f.checkId}: ${f.title}`;
    expect(xpath(file, `string(//testcase[@name="${name}"]/@classname)`)).toBe(`entra-auth-audit.${f.severity}`);
    expect(xpath(file, `string(//testcase[@name="${name}"]/failure/@type)`)).toBe(f.severity);
    expect(xpath(file, `string(//testcase[@name="${name}"]/failure/@message)`)).toBe(`${f.message} (${f.affected!.count} affected)`);
    expect(xpath(file, `string(//testcase[@name="${name}"]/failure)`)).toContain(`Affected users: ${f.affected!.count}`);
    // the controls a check tests apart from those its data only supports
    const capable = sample.findings.find((x) => x.checkId === 'mfa-capable-below-target')!;
    const body = xpath(file, `string(//testcase[@name="${capable.checkId}: ${capable.title}"]/failure)`);
    expect(body).toContain('Controls tested: cis-m365 5.2.3.4\nSupports (no verdict): cisa-scuba MS.AAD.3.2v2; nist-800-53 IA-2(2)');
    const e = sample.findings.find((x) => x.status === 'error')!;
    expect(xpath(file, `string(//testcase[@name="${e.checkId}: ${e.title}"]/error/@message)`)).toBe(e.errorReason);
    expect(xpath(file, 'string(//property[@name="tenant.id"]/@value)')).toBe(sample.tenant.id);
    expect(xpath(file, 'string(//property[@name="snapshot.manifestSha256"]/@value)')).toBe(sample.snapshot.manifestSha256);
    expect(xpath(file, 'string(//property[@name="tool.version"]/@value)')).toBe(sample.tool.version);
  });

  it('reports not_applicable and excepted as skipped, pass without a child', async () => {
    const base = sample.findings[0]!;
    const results: AuditResult = {
      ...sample,
      exceptions: [{ check: 'b-ex', users: null, reason: 'Kiosk accounts', owner: 'ciso@contoso.com', expires: '2027-03-31', matched: 3 }],
      findings: [
        { ...base, checkId: 'a-na', status: 'not_applicable', message: 'no administrators' },
        {
          ...base,
          checkId: 'b-ex',
          status: 'excepted',
          message: 'covered by exception EX-1',
          excepted: { count: 3, exceptions: [0], wholeCheck: true },
        },
        { ...base, checkId: 'c-pass', status: 'pass' },
      ],
    };
    const doc = junitXml(results);
    expect((await validate(doc, dir, 'skipped.xml')).ok).toBe(true);
    expect(doc).toContain('skipped="2"');
    expect(doc).toContain('<skipped message="not applicable: no administrators"/>');
    expect(doc).toContain(
      '<skipped message="excepted: covered by exception EX-1 (exception: Kiosk accounts; owner ciso@contoso.com; expires 2027-03-31)"/>',
    );
    expect(doc).toMatch(/<testcase [^>]*name="c-pass: [^"]*" time="0"\/>/);
  });

  it('is deterministic and independent of the findings order', () => {
    const reversed = { ...sample, findings: [...sample.findings].reverse() };
    expect(junitXml(reversed)).toBe(junitXml(sample));
    const doc = junitXml(sample);
    const classes = [...doc.matchAll(/classname="entra-auth-audit\.(\w+)"/g)].map((m) => m[1]);
    const rank = ['critical', 'high', 'medium', 'low', 'info'];
    expect(classes.map((c) => rank.indexOf(c!))).toEqual([...classes.map((c) => rank.indexOf(c!))].sort((a, b) => a - b));
  });

  it('escapes hostile strings so the document stays valid and reads back as written', async () => {
    const hostile = 'a<b>&c "q" \'s\' ]]> <![CDATA[x]]> <!-- c --> &amp; \u0000\u0001\u0008\u000b\u000c\u001f nul';
    const surrogates = 'lone \uD800 high, lone \uDFFF low, pair \uD83D\uDE00, \uFFFE\uFFFF, rtl \u202Egpj.exe, del \u007F c1 \u0085';
    const results = withFinding(
      { ...sample, tenant: { ...sample.tenant, id: `t"en<ant>${'\u0000'}` } },
      {
        status: 'fail',
        checkId: 'hostile&check',
        title: hostile,
        message: `${surrogates}\nsecond line\r\n\ttab`,
        remediation: { summary: ']]>', steps: ['</failure><injected/>'], links: ['javascript:alert(1)'] },
      },
    );
    const doc = junitXml(results);
    expect(doc).toMatch(XML_CHAR);
    expect(doc).not.toContain(']]>');
    expect(doc).not.toContain('<injected/>');
    const v = await validate(doc, dir, 'hostile.xml');
    expect(v.output).toContain('validates');
    const file = join(dir, 'hostile.xml');
    const name = xpath(file, 'string(//testcase/@name)');
    expect(name).toBe(`hostile&check: ${hostile.replace('\u0000\u0001\u0008\u000b\u000c\u001f', '[U+0000][U+0001][U+0008][U+000B][U+000C][U+001F]')}`);
    const message = xpath(file, 'string(//testcase/failure/@message)');
    expect(message).toContain('lone [U+D800] high, lone [U+DFFF] low, pair \u{1F600}, [U+FFFE][U+FFFF], rtl [U+202E]gpj.exe, del [U+007F] c1 [U+0085]');
    // line breaks and tabs survive attribute-value normalisation as character references
    expect(message).toContain('\nsecond line\r\n\ttab');
    expect(xpath(file, 'string(//property[@name="tenant.id"]/@value)')).toBe('t"en<ant>[U+0000]');
    expect(xpath(file, 'string(//testcase/failure)')).toContain('- </failure><injected/>');
  });

  it('xml() yields only XML 1.0 characters, never markup, and round-trips valid text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const out = xml(s);
        expect(out).toMatch(XML_CHAR);
        expect(out).not.toMatch(/[<>"']/);
        expect(out.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, '')).not.toContain('&');
        const plain = /^[\t\n\r\u0020-\u007E\u00A0-\u2029\u202F-\u2065\u206A-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u.test(s);
        if (plain) expect(decode(out)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('documents built from random strings all validate with xmllint', async () => {
    const strings = fc.sample(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), { numRuns: 200, seed: 42 });
    const base = sample.findings[0]!;
    const results: AuditResult = {
      ...sample,
      findings: strings.map((s, i) => ({
        ...base,
        checkId: `c${i}`,
        title: s,
        message: s,
        status: (['fail', 'error', 'pass', 'excepted', 'not_applicable'] as const)[i % 5]!,
        errorReason: s,
      })),
    };
    const v = await validate(junitXml(results), dir, 'random.xml');
    expect(v.output).toContain('validates');
  });

  it('writeJunitFile writes the document atomically', async () => {
    const path = join(dir, 'nested', 'junit.xml');
    await writeJunitFile(sample, path);
    expect(await readFile(path, 'utf8')).toBe(junitXml(sample));
  });
});
