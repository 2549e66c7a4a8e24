/**
 * The PDF stays at most MAX_PDF_PAGES long however large the tenant (issue 5): a worst case far beyond any real
 * tenant — every check failing with thousands of affected users and the largest configurable list per finding,
 * hundreds of exceptions, privileged service principals, unassessable role holders, unknown method tokens,
 * per-method failure rates, Conditional Access policies, methods policy configurations and enforcement notes —
 * still prints at most 30 pages, and says where the complete lists are.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AffectedUser, AuditResult, Finding, Severity } from '../../src/results/schema.js';
import { ResultsSchema, SEVERITIES } from '../../src/results/schema.js';
import { MAX_PDF_PAGES, renderPack } from '../../src/render/index.js';
import { BRANDING, loadSample, scratch } from '../fixtures/results-sample/load.js';
import { hasBrowser } from '../helpers/browser.js';

const CHECKS = 18;
const USERS_PER_CHECK = 2_000;
const long = (s: string, n: number) => `${s} ${'and a much longer explanation '.repeat(n)}`.trim();

function user(c: number, i: number): AffectedUser {
  return {
    id: `00000000-0000-4000-a000-${String(c * 100_000 + i).padStart(12, '0')}`,
    userPrincipalName: `a.very.long.user.principal.name.number.${i}.for.check.${c}@subsidiary-${i % 7}.europe.contoso.onmicrosoft.com`,
    userDisplayName: `Maximilian Alexander Bartholomew von Hohenzollern-Sigmaringen ${i} 王小明 محمد`,
    userType: i % 5 === 0 ? 'guest' : 'member',
    isAdmin: i % 11 === 0,
    methodsRegistered: ['email', 'mobilePhone', 'microsoftAuthenticatorPush', 'softwareOneTimePasscode', 'windowsHelloForBusiness', 'passKeyDeviceBoundAuthenticator'],
  };
}

async function worstCase(dir: string): Promise<AuditResult> {
  const r = await loadSample();
  const template = r.findings.find((f) => f.checkId === 'mfa-capable-below-target')!;
  await mkdir(join(dir, 'affected'), { recursive: true });
  const findings: Finding[] = [];
  for (let c = 0; c < CHECKS; c++) {
    const text = Array.from({ length: USERS_PER_CHECK }, (_, i) => JSON.stringify(user(c, i)) + '\n').join('');
    const file = `affected/check-${c}.ndjson`;
    await writeFile(join(dir, file), text);
    const severity: Severity = SEVERITIES[c % SEVERITIES.length]!;
    findings.push({
      ...template,
      checkId: `worst-case-check-${String(c).padStart(2, '0')}`,
      // the prose comes from the checks' meta (bounded by the code); the lists come from the tenant and config
      title: `Worst-case check ${c}: every user has a phishing-resistant method`,
      severity,
      // the catalogue holds 48 controls in 7 frameworks; a little more here
    controls: Array.from({ length: 8 }, (_, k) => ({ framework: ['cis-m365', 'nist-800-53', 'iso-27001', 'soc2'][k % 4]!, id: `X-${c}.${k}`, title: 'Control' })),
      supports: Array.from({ length: 4 }, (_, k) => ({ framework: ['cisa-scuba', 'nist-800-63b'][k % 2]!, id: `S-${c}.${k}`, title: 'Control' })),
      excepted: { count: 3, exceptions: [0, 1, 2], wholeCheck: false },
      affected: {
        count: USERS_PER_CHECK,
        sample: [],
        file,
        sha256: createHash('sha256').update(text).digest('hex'),
      },
    });
  }
  r.findings = findings;
  r.exceptions = Array.from({ length: 300 }, (_, i) => ({
    check: `worst-case-check-${String(i % CHECKS).padStart(2, '0')}`,
    users: Array.from({ length: 20 }, (_, k) => `exception.user.${i}.${k}@contoso.com`),
    reason: long(`Exception ${i}`, 4),
    owner: `owner.${i}@contoso.com`,
    expires: '2027-06-30',
    matched: 20,
  }));
  r.privileged.servicePrincipals = Array.from({ length: 300 }, (_, i) => ({ id: `sp-${i}`, displayName: long(`Automation ${i}`, 1), holds: Array.from({ length: 12 }, (_, k) => `Role ${k} (active, direct)`) }));
  r.privileged.notAssessable = Array.from({ length: 300 }, (_, i) => ({ id: `na-${i}`, userPrincipalName: `former.${i}@contoso.com`, displayName: `Former ${i}`, holds: ['Global Administrator (eligible, direct)'] }));
  r.privileged.roleSet.roleIds = Array.from({ length: 120 }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`);
  r.definitions.excludeUpnPatterns = Array.from({ length: 500 }, (_, i) => `room-${i}-*@contoso.com`);
  r.definitions.breakGlassAccounts = Array.from({ length: 100 }, (_, i) => `breakglass-${i}@contoso.com`);
  for (let i = 0; i < 400; i++) {
    r.metrics[`methods.registered.unknownToken${i}`] = { value: 400 - i };
    r.metricInfo.push({ id: `methods.registered.unknownToken${i}`, title: `Users with unknownToken${i}`, kind: 'count', description: '', source: 'userRegistrationDetails' });
  }
  for (let i = 0; i < 80; i++) {
    for (const prefix of ['sspr.reset.failure_rate.', 'registration.failure_rate.']) {
      r.metrics[`${prefix}method${i}`] = { value: 0.5, numerator: 50, denominator: 100 };
      r.metricInfo.push({ id: `${prefix}method${i}`, title: `${prefix}method${i}`, kind: 'ratio', description: '', source: 'userRegistrationActivity' });
    }
  }
  r.coverage = ['cis-m365', 'cisa-scuba', 'nist-800-53', 'nist-800-63b', 'iso-27001', 'soc2', 'essential-eight'].map((framework) => ({
    framework,
    title: `${framework} framework title of a typical length`,
    // the catalogue holds 48 controls in 7 frameworks; a little more here
    controls: Array.from({ length: 8 }, (_, k) => ({
      id: `${framework}-${k}`,
      title: `Ensure control ${k} of ${framework} is met for every user in scope`,
      version: 'v1',
      status: 'fail' as const,
      // as in the catalogue: a control is tested by one to three checks, and supported by a few more
      checks: findings.slice(k * 2, k * 2 + 1 + (k % 3)).map((f) => ({ checkId: f.checkId, status: 'fail' as const })),
      supportedBy: findings.slice(k, k + 4).map((f) => ({ checkId: f.checkId, status: 'fail' as const })),
      sources: ['authenticationMethodsPolicyBeta', 'caGroupMembers', 'conditionalAccessPolicies', 'roleAssignments', 'userRegistrationDetails'],
    })),
  }));
  // a tenant with hundreds of Conditional Access policies, long names and many conditions
  r.enforcement.policies = Array.from({ length: 400 }, (_, i) => ({
    id: `policy-${i}`,
    displayName: long(`CA${i} Require MFA for the subsidiary ${i}`, 3),
    state: i % 3 === 0 ? 'report_only' : 'enabled',
    role: i % 3 === 0 ? ('report_only' as const) : ('conditional' as const),
    targets: `${i} group(s), 12 role(s), guests; excluding 40 user(s), 7 group(s), 3 role(s)`,
    grant: 'authentication strength Phishing-resistant MFA OR compliant device OR hybrid joined device',
    required: 'phishing_resistant' as const,
    narrowing: Array.from({ length: 10 }, (_, k) => `condition ${k}: locations, platforms and client app types of a long list`),
    appliesTo: 1000 + i,
    excludes: i,
  }));
  r.enforcement.methods = Array.from({ length: 120 }, (_, i) => ({ id: `CustomMethod${i}`, state: 'enabled', targets: long('all users; excluding groups', 2) }));
  r.enforcement.notes = Array.from({ length: 300 }, (_, i) => long(`group ${i} named by a Conditional Access policy no longer exists`, 2));
  r.trends = null;
  r.summary = { byStatus: { fail: CHECKS }, failedBySeverity: {}, worstFailure: 'critical' };
  return ResultsSchema.parse(r);
}

describe.skipIf(!hasBrowser())('a worst-case tenant', () => {
  it(`prints at most ${MAX_PDF_PAGES} pages and points to the complete lists`, async () => {
    const dir = await scratch('worst-case');
    const results = await worstCase(dir);
    const out = join(dir, 'pack');
    const { pdfPages, pdfAffectedRows, files } = await renderPack(results, { resultsDir: dir, outDir: out, branding: BRANDING, maxAffectedInPdf: 200 });
    expect(pdfPages).not.toBeNull();
    expect(pdfPages!).toBeLessThanOrEqual(MAX_PDF_PAGES);
    expect(pdfAffectedRows!).toBeLessThanOrEqual(120);
    // every affected user is still in a worklist
    expect(files.filter((f) => f.endsWith('.csv') && !f.endsWith('index.csv'))).toHaveLength(CHECKS);
    const csv = await readFile(join(out, 'worklists', 'worst-case-check-00.csv'), 'utf8');
    expect(csv.trim().split('\r\n')).toHaveLength(USERS_PER_CHECK + 1);
    try {
      const info = execFileSync('pdfinfo', [join(out, 'audit.pdf')], { encoding: 'utf8' });
      expect(Number(/^Pages:\s+(\d+)/m.exec(info)?.[1])).toBe(pdfPages);
      const text = execFileSync('pdftotext', ['-layout', join(out, 'audit.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toMatch(/more in worklists\/worst-case-check-\d\d\.csv/);
      expect(text).toMatch(/more (exceptions are )?in results\.json/);
      // by default every page's footer names the evidence it was computed from
      expect(text).toMatch(/Snapshot 27 Nov 2026 · manifest [0-9a-f]{12}…/);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // poppler not installed: the page count above stands
    }
  });
});
