/**
 * results.json → JUnit XML for CI test tabs (Jenkins, GitLab, Azure DevOps, GitHub test-report actions).
 *
 * Shape: the Jenkins xUnit plugin's junit-10.xsd, the schema most CI systems read (test/fixtures/junit-10.xsd
 * restates it; the unit test validates against it with xmllint). One <testsuite>, one <testcase> per finding:
 * fail → <failure>, error → <error>, not_applicable / excepted → <skipped>, pass → no child.
 *
 * Deterministic: no clock (timestamp is the snapshot's asOf), findings sorted by severity then check id, fixed
 * attribute order. Every value from results.json is escaped by `xml()`, which also turns the characters XML 1.0
 * cannot carry (C0 controls, lone surrogates, U+FFFE/U+FFFF) and the ones that hide or reorder text (C1 controls,
 * bidi overrides) into visible "[U+XXXX]" markers: a CI parser never sees an invalid document, and a reader never
 * sees text that differs from what it is.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { SEVERITIES, type AuditResult, type Finding, type Severity } from '../results/schema.js';

export const JUNIT_SUITE_NAME = 'entra-auth-audit';

function marker(codePoint: number): string {
  return `[U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}]`;
}

/**
 * XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. Everything else is
 * marked; so are DEL, C1 controls ("discouraged" by §2.2) and bidi embedding/override/isolate controls.
 */
function needsMarker(cp: number): boolean {
  if (cp < 0x20) return cp !== 0x09 && cp !== 0x0a && cp !== 0x0d;
  if (cp >= 0x7f && cp <= 0x9f) return true;
  if (cp >= 0xd800 && cp <= 0xdfff) return true; // only reached by a lone surrogate: pairs iterate as one code point
  if (cp === 0xfffe || cp === 0xffff) return true;
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return true;
  return false;
}

/**
 * Escapes text for XML character data and for a double-quoted attribute value. Tab, line feed and carriage return
 * become character references so attribute-value normalisation and end-of-line handling keep them as they were;
 * ">" is escaped too, so "]]>" can never appear.
 */
export function xml(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      case '"':
        out += '&quot;';
        break;
      case "'":
        out += '&apos;';
        break;
      case '\t':
        out += '&#9;';
        break;
      case '\n':
        out += '&#10;';
        break;
      case '\r':
        out += '&#13;';
        break;
      default:
        out += needsMarker(cp) ? marker(cp) : ch;
    }
  }
  return out;
}

const SEVERITY_RANK = new Map<Severity, number>(SEVERITIES.map((s, i) => [s, i]));

function bySeverityThenId(a: Finding, b: Finding): number {
  const r = (SEVERITY_RANK.get(a.severity) ?? 99) - (SEVERITY_RANK.get(b.severity) ?? 99);
  if (r !== 0) return r;
  return a.checkId < b.checkId ? -1 : a.checkId > b.checkId ? 1 : 0;
}

function affectedText(f: Finding): string {
  if (!f.affected) return 'Affected users: not counted by this check.';
  return `Affected users: ${f.affected.count} (complete list: ${f.affected.file}; worklist in the pack).`;
}

function failureBody(f: Finding): string {
  const lines = [f.message, affectedText(f)];
  if (f.severityOverridden) lines.push(`Severity ${f.severity} is set by the configuration, not the check's default.`);
  lines.push('', `Remediation: ${f.remediation.summary}`);
  for (const step of f.remediation.steps) lines.push(`- ${step}`);
  for (const link of f.remediation.links) lines.push(`See: ${link}`);
  const refs = (cs: Finding['controls']) => cs.map((c) => `${c.framework} ${c.id}`).join('; ');
  if (f.controls.length > 0 || f.supports.length > 0) lines.push('');
  if (f.controls.length > 0) lines.push(`Controls tested: ${refs(f.controls)}`);
  // e.g. registration evidence for an enforcement control: cited, but it gives the control no verdict
  if (f.supports.length > 0) lines.push(`Supports (no verdict): ${refs(f.supports)}`);
  return lines.join('\n');
}

function testcase(f: Finding, exceptions: AuditResult['exceptions'] | undefined): string {
  const open = `    <testcase classname="${xml(`${JUNIT_SUITE_NAME}.${f.severity}`)}" name="${xml(`${f.checkId}: ${f.title}`)}" time="0"`;
  switch (f.status) {
    case 'pass':
      return `${open}/>`;
    case 'fail': {
      const count = f.affected ? ` (${f.affected.count} affected)` : '';
      return [
        `${open}>`,
        `      <failure message="${xml(`${f.message}${count}`)}" type="${xml(f.severity)}">${xml(failureBody(f))}</failure>`,
        '    </testcase>',
      ].join('\n');
    }
    case 'error': {
      const reason = f.errorReason ?? 'the check could not be evaluated (no reason recorded)';
      const body = `${reason}\nRequires: ${f.requires.join(', ') || '(none)'}\nMissing data is never a pass or a fail: fix the source and run the audit again.`;
      return [
        `${open}>`,
        `      <error message="${xml(reason)}" type="error">${xml(body)}</error>`,
        '    </testcase>',
      ].join('\n');
    }
    case 'not_applicable':
      return [`${open}>`, `      <skipped message="${xml(`not applicable: ${f.message}`)}"/>`, '    </testcase>'].join('\n');
    case 'excepted':
      return [`${open}>`, `      <skipped message="${xml(`excepted: ${f.message}${exceptionText(f, exceptions)}`)}"/>`, '    </testcase>'].join('\n');
  }
}

/** The exceptions that cover a finding: who accepted the risk, why and until when (read defensively: older results lack them). */
function exceptionText(f: Finding, exceptions: AuditResult['exceptions'] | undefined): string {
  const used = (f.excepted?.exceptions ?? []).map((i) => exceptions?.[i]).filter((e) => e !== undefined);
  if (used.length === 0) return '';
  return ` (exception: ${used.map((e) => `${e.reason}; owner ${e.owner}; expires ${e.expires}`).join(' | ')})`;
}

/** The JUnit XML document for one audit: deterministic for one results.json. */
export function junitXml(results: AuditResult): string {
  const findings = [...results.findings].sort(bySeverityThenId);
  const count = (status: Finding['status'] | Finding['status'][]) => {
    const set = new Set(Array.isArray(status) ? status : [status]);
    return findings.filter((f) => set.has(f.status)).length;
  };
  const properties: [string, string][] = [
    ['tenant.id', results.tenant.id],
    ['tenant.cloud', results.tenant.cloud],
    ['snapshot.manifestSha256', results.snapshot.manifestSha256],
    ['snapshot.complete', String(results.snapshot.complete)],
    ['asOf', results.asOf],
    ['tool.name', results.tool.name],
    ['tool.version', results.tool.version],
    ['results.schemaVersion', String(results.schemaVersion)],
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="${JUNIT_SUITE_NAME}" tests="${findings.length}" failures="${count('fail')}" errors="${count('error')}" ` +
      `skipped="${count(['not_applicable', 'excepted'])}" time="0" timestamp="${xml(results.asOf)}">`,
    '  <properties>',
    ...properties.map(([name, value]) => `    <property name="${xml(name)}" value="${xml(value)}"/>`),
    '  </properties>',
    ...findings.map((f) => testcase(f, results.exceptions)),
    '</testsuite>',
    '',
  ];
  return lines.join('\n');
}

/** Writes junitXml(results) to `path` (UTF-8) through a temporary file, so a CI step never reads half a file. */
export async function writeJunitFile(results: AuditResult, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, junitXml(results), 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
