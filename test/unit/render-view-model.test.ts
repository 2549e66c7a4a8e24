import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/results/schema.js';
import { md, renderMarkdown } from '../../src/render/markdown.js';
import {
  buildViewModel,
  formatDate,
  formatDateTime,
  formatDuration,
  formatInt,
  formatPoints,
  formatPercent,
  sortFindings,
  visibleText,
  worklistName,
  type ViewModelOptions,
} from '../../src/render/view-model.js';
import { loadSample } from '../fixtures/results-sample/load.js';

const OPTS: ViewModelOptions = {
  branding: { organisation: 'Contoso Ltd', primaryColor: '#1f4e79' },
  logoDataUri: null,
  maxAffectedInPdf: 3,
  affectedHead: new Map(),
  worklists: new Map([['mfa-capable-below-target', 'worklists/mfa-capable-below-target.csv']]),
};

describe('formatting', () => {
  it('formats numbers without depending on the locale', () => {
    expect(formatInt(1284)).toBe('1,284');
    expect(formatInt(1234567)).toBe('1,234,567');
    expect(formatPercent(0.8551)).toBe('85.5%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(null)).toBe('n/a');
    expect(formatDateTime('2026-11-27T09:14:41.087Z')).toBe('27 Nov 2026, 09:14 UTC');
    expect(formatDateTime('not a date')).toBe('not a date');
    expect(formatDate('2027-01-31')).toBe('31 Jan 2027');
    expect(formatPoints(0.031)).toBe('+3.1 pts');
    expect(formatPoints(-0.0004)).toBe('±0.0 pts');
    expect(formatPoints(-0.25)).toBe('\u221225.0 pts');
    expect(formatDuration('2026-11-27T09:12:04.512Z', '2026-11-27T09:14:41.087Z')).toBe('2 min 37 s');
  });

  it('makes bidi and control characters visible', () => {
    expect(visibleText('Invoice\u202Egpj.exe')).toBe('Invoice[U+202E]gpj.exe');
    expect(visibleText('\u2067x\u2069')).toBe('[U+2067]x[U+2069]');
    expect(visibleText('a\u0000b\nc')).toBe('a[U+0000]b[U+000A]c');
    expect(visibleText('王小明 👩🏽‍💻')).toBe('王小明 👩🏽‍💻');
  });

  it('turns any check id into a file name inside worklists/', () => {
    expect(worklistName('mfa-capable-below-target')).toBe('mfa-capable-below-target.csv');
    expect(worklistName('../../etc/passwd')).toBe('__.._etc_passwd.csv');
    expect(worklistName('a/b\\c')).toBe('a_b_c.csv');
  });
});

describe('buildViewModel', () => {
  it('sorts findings by severity, then check id', async () => {
    const results = await loadSample();
    const shuffled = [...results.findings].reverse();
    expect(sortFindings(shuffled).map((f: Finding) => f.checkId)).toEqual([
      'admins-without-phishing-resistant-method',
      'breakglass-without-phishing-resistant-method',
      'mfa-capable-below-target',
      'mfa-not-enforced-for-all-users',
      'passwordless-below-target',
      'phone-only-mfa-users',
      'registration-failures-spike',
      'sspr-enabled-not-registered',
    ]);
  });

  it('groups findings: action (fail, error), excepted, passed, not applicable', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    expect(view.findingGroups.map((g) => [g.id, g.findings.map((f) => f.checkId)])).toEqual([
      ['findings-action', ['admins-without-phishing-resistant-method', 'mfa-capable-below-target', 'mfa-not-enforced-for-all-users', 'passwordless-below-target', 'registration-failures-spike']],
      ['findings-excepted', ['sspr-enabled-not-registered']],
      ['findings-passed', ['phone-only-mfa-users']],
      ['findings-na', ['breakglass-without-phishing-resistant-method']],
    ]);
  });

  it('builds score cards with the target each check compares against, and the trend against the baseline', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const cards = Object.fromEntries(view.summary.scoreCards.map((c) => [c.id, c]));
    expect(view.summary.scoreCards.map((c) => [c.id, c.value, c.fraction])).toEqual([
      ['mfa.capable', '85.5%', '1,098 / 1,284'],
      ['admins.mfa_capable', '95.7%', '22 / 23'],
      ['phishing_resistant.registered', '23.2%', '298 / 1,284'],
      ['admins.phishing_resistant', '60.9%', '14 / 23'],
      ['passwordless.capable', '32.1%', '412 / 1,284'],
      ['mfa.phone_only', '14.6%', '187 / 1,284'],
      ['system_preferred.enabled', '88.1%', '1,131 / 1,284'],
      ['enforcement.mfa.enforced', '86.3%', '1,190 / 1,379'],
      ['sspr.reset.failure_rate', '9.0%', '19 / 212'],
    ]);
    // targets come from definitions.thresholds, or from the check's fixed requirement
    expect([cards['mfa.capable']!.target, cards['mfa.capable']!.targetPercent, cards['mfa.capable']!.verdict]).toEqual(['≥ 95.0%', 95, 'missed']);
    expect([cards['passwordless.capable']!.target, cards['passwordless.capable']!.verdict]).toEqual(['≥ 50.0%', 'missed']);
    expect([cards['admins.phishing_resistant']!.target, cards['admins.phishing_resistant']!.targetPercent]).toEqual(['all admins', 100]);
    expect([cards['mfa.phone_only']!.target, cards['mfa.phone_only']!.verdict]).toEqual(['no user', 'missed']);
    expect([cards['sspr.reset.failure_rate']!.target, cards['sspr.reset.failure_rate']!.verdict]).toEqual(['≤ 20.0%', 'met']);
    // registration beside enforcement: the policies must require MFA of every user
    expect([cards['enforcement.mfa.enforced']!.target, cards['enforcement.mfa.enforced']!.verdict]).toEqual(['all users', 'missed']);
    // +3.1 points since Q3: better for a share that should be high, worse for one that should be low
    expect(cards['mfa.capable']!.trend).toMatchObject({ arrow: '▲', delta: '+3.1 pts', tone: 'better', since: 'since 28 Aug 2026' });
    expect(cards['mfa.phone_only']!.trend).toMatchObject({ arrow: '▲', tone: 'worse' });
    expect(view.summary.baselineNote).toBe('Arrows compare with the baseline of 28 Aug 2026.');
    expect(view.summary.severityCounts.map((s) => s.count)).toEqual([1, 2, 1, 0, 0]);
    expect(view.summary.headline).toBe('Of 8 checks run, 4 failed (highest severity: critical); 1 could not be evaluated.');
    expect(view.summary.posture.label).toBe('Significant gaps');
    expect(view.summary.topRisks.map((f) => f.checkId)).toEqual([
      'admins-without-phishing-resistant-method',
      'mfa-capable-below-target',
      'mfa-not-enforced-for-all-users',
      'passwordless-below-target',
    ]);
  });

  it('shows no trend without a baseline', async () => {
    const results = await loadSample();
    results.trends = null;
    const view = buildViewModel(results, OPTS);
    expect(view.summary.scoreCards.every((c) => c.trend === null)).toBe(true);
    expect(view.findings.every((f) => f.trend === null)).toBe(true);
    expect(view.charts.map((c) => c.id)).not.toContain('trend');
  });

  it('caps the affected list and counts the rest', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const f = view.findings.find((x) => x.checkId === 'mfa-capable-below-target');
    expect(f?.affected?.rows).toHaveLength(3);
    expect(f?.affected?.more).toBe(183);
    expect(f?.affected?.worklist).toBe('worklists/mfa-capable-below-target.csv');
    expect(f?.affected?.rows[0]?.userDisplayName).toBe('<img src=x onerror=alert(1)>'); // escaped by the template
  });

  it('applies the per-finding caps of the page budget, never more than maxAffectedInPdf', async () => {
    const view = buildViewModel(await loadSample(), { ...OPTS, affectedCaps: new Map([['mfa-capable-below-target', 1], ['admins-without-phishing-resistant-method', 99]]) });
    expect(view.findings.find((x) => x.checkId === 'mfa-capable-below-target')?.affected?.rows).toHaveLength(1);
    expect(view.findings.find((x) => x.checkId === 'admins-without-phishing-resistant-method')?.affected?.rows).toHaveLength(3);
  });

  it('shows the exceptions of a finding with owner, reason and expiry, and marks an overridden severity', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const partial = view.findings.find((x) => x.checkId === 'mfa-capable-below-target')!;
    expect(partial.excepted).toMatchObject({ countText: '2', wholeCheck: false });
    expect(partial.excepted?.exceptions).toEqual([
      expect.objectContaining({ owner: 'Priya Raman', expires: '31 Jan 2027', expiresIso: '2027-01-31', matched: '2', wholeCheck: false }),
    ]);
    expect(partial.excepted?.exceptions[0]?.scopeParts.map((p) => p.join(''))).toEqual(['kiosk-lobby-01@contoso.com', 'kiosk-lobby-02@contoso.com']);
    const whole = view.findings.find((x) => x.checkId === 'sspr-enabled-not-registered')!;
    expect(whole.isExcepted).toBe(true);
    expect(whole.excepted?.exceptions[0]).toMatchObject({ scope: 'Whole check', owner: 'iam-lead@contoso.com' });
    expect(view.findings.find((x) => x.checkId === 'passwordless-below-target')?.severityOverridden).toBe(true);
    expect(view.definitions.exceptions.map((e) => e.check)).toEqual(['phone-only-mfa-users', 'mfa-capable-below-target', 'sspr-enabled-not-registered']);
  });

  it('states what changed since the baseline for each finding', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const by = (id: string) => view.findings.find((x) => x.checkId === id)!.trend;
    expect(by('mfa-capable-below-target')).toMatchObject({ change: 'new', label: 'New since baseline', previous: 'Pass' });
    expect(by('mfa-capable-below-target')?.movement).toBe('40 affected users new since 28 Aug 2026');
    expect(by('admins-without-phishing-resistant-method')?.movement).toBe('2 affected users new since 28 Aug 2026; 3 no longer affected');
    expect(by('phone-only-mfa-users')?.label).toBe('Resolved since baseline');
  });

  it('builds the coverage matrix: checks × frameworks, tested controls apart from those a check only supports', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    expect(view.coverageMatrix.frameworks.map((f) => f.short)).toEqual(['CIS M365', 'CISA SCuBA', 'NIST 800-53']);
    // registration data tests the capability control and only supports the enforcement controls
    const row = view.coverageMatrix.rows.find((r) => r.checkId === 'mfa-capable-below-target')!;
    expect(row.cells).toEqual([
      { ids: '5.2.3.4', supported: '' },
      { ids: '', supported: 'MS.AAD.3.2v2' },
      { ids: '', supported: 'IA-2(2)' },
    ]);
    expect(row.anchor).toBe('finding-mfa-capable-below-target');
    const enforcing = view.coverageMatrix.rows.find((r) => r.checkId === 'mfa-not-enforced-for-all-users')!;
    expect(enforcing.cells.map((c) => c.ids)).toEqual(['', 'MS.AAD.3.2v2', 'IA-2(2)']);
    // a check that only supports controls still has its row
    expect(view.coverageMatrix.rows.find((r) => r.checkId === 'passwordless-below-target')?.cells).toEqual([
      { ids: '', supported: '' },
      { ids: '', supported: 'MS.AAD.3.1v1' },
      { ids: '', supported: '' },
    ]);
    expect(view.findings.find((x) => x.checkId === 'mfa-capable-below-target')?.controlGroups).toEqual([{ framework: 'CIS M365', ids: '5.2.3.4' }]);
    expect(view.findings.find((x) => x.checkId === 'mfa-capable-below-target')?.supportGroups).toEqual([
      { framework: 'CISA SCuBA', ids: 'MS.AAD.3.2v2' },
      { framework: 'NIST 800-53', ids: 'IA-2(2)' },
    ]);
  });

  it('gives each control its testing checks, its supporting checks and the data relied on; only-supported controls have no verdict', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const [cis, scuba, nist] = view.coverage;
    expect(cis?.counts.map((c) => [c.status, c.label, c.count])).toEqual([
      ['fail', 'Fail', 1],
      ['excepted', 'Excepted', 1],
      ['pass', 'Pass', 1],
      ['not_applicable', 'Not applicable', 1],
      ['not_applicable', 'Not tested', 1],
    ]);
    expect([cis?.testedCount, cis?.supportedOnlyCount, cis?.edition]).toEqual([4, 1, 'v4.0.0–v7.0.0']);
    const control = (fw: typeof cis, id: string) => fw!.controls.find((c) => c.id === id)!;
    const mfa = control(scuba, 'MS.AAD.3.2v2');
    expect(mfa).toMatchObject({ status: 'fail', statusLabel: 'Fail', tested: true, data: 'Conditional Access, registration report' });
    expect(mfa.checks.map((c) => [c.checkId, c.anchor])).toEqual([['mfa-not-enforced-for-all-users', 'finding-mfa-not-enforced-for-all-users']]);
    expect(mfa.supportedBy.map((c) => [c.checkId, c.statusLabel])).toEqual([['mfa-capable-below-target', 'Fail']]);
    expect(mfa.sources).toEqual(['caGroupMembers', 'conditionalAccessPolicies', 'userRegistrationDetails']);
    // supported only: no verdict, even though the supporting check fails
    expect(control(cis, '5.2.2.5')).toMatchObject({ status: 'not_applicable', statusLabel: 'Not tested', tested: false, checks: [], data: '' });
    expect(control(scuba, 'MS.AAD.3.6v1').supportedBy.map((c) => c.checkId)).toEqual(['admins-without-phishing-resistant-method']);
    // the evidence is missing: not assessable, never pass
    expect(control(nist, 'SI-4')).toMatchObject({ status: 'not_assessable', statusLabel: 'Not assessable', tested: true, data: 'activity reports' });
    expect(nist?.counts.map((c) => [c.status, c.count])).toEqual([['fail', 2], ['not_assessable', 1]]);
  });

  it('prints the enforcement section from the enforcement block and the metrics: shares, admins, the cross-tab, policies', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const e = view.enforcement;
    expect(e.assessable).toBe(true);
    expect(e.classes.map((c) => [c.key, c.count, c.share, c.percent])).toEqual([
      ['enforced', '1,190', '86.3%', 86.3],
      ['conditional', '120', '8.7%', 8.7],
      ['report_only', '0', '0.0%', 0],
      ['none', '69', '5.0%', 5],
    ]);
    expect(e.population).toMatch(/^1,379 users: every valid userRegistrationDetails row, members and guests/);
    expect(e.admins.map((a) => [a.label, a.value, a.detail, a.gap])).toEqual([
      ['Admins with MFA enforced', '87.0%', '20 / 23 admins · target: all admins', true],
      ['Admins with phishing-resistant MFA enforced', '39.1%', '9 / 23 admins · target: all admins', true],
    ]);
    expect(e.users.map((u) => u.value)).toEqual(['3', '12', '11', '41']);
    // capable × enforced over one population (1,379), from the enforcement metrics' own numerators
    expect(e.crossTab?.rows).toEqual([
      { label: 'MFA enforced', cells: ['1,095 (79.4%)', '95 (6.9%)', '1,190 (86.3%)'] },
      { label: 'MFA not enforced', cells: ['150 (10.9%)', '39 (2.8%)', '189 (13.7%)'] },
      { label: 'Total', cells: ['1,245 (90.3%)', '134 (9.7%)', '1,379'] },
    ]);
    expect(e.crossTab?.registrationNote).toContain('mfa.capable, 85.5% (1,098 / 1,284), counts another population');
    // MFA-relevant policies first; names are tenant data, made visible here and escaped by the template
    expect(e.policies.map((p) => p.roleLabel)).toEqual(['Enforces MFA', 'Conditional', 'Conditional', 'Report-only', 'No MFA grant', 'Off']);
    expect(e.policies[0]?.name).toBe('CA001: Require MFA for all users <script>alert(1)</script>');
    expect(e.policies.find((p) => p.role === 'report_only')).toMatchObject({
      name: 'CA002: Admins [U+202E]phishing-resistant[U+202C] strength',
      state: 'Report-only',
      required: 'Phishing-resistant',
      appliesTo: '23',
      excludes: '1',
    });
    expect(e.policies.find((p) => p.role === 'disabled')?.name).toBe('CA004: Block legacy authentication[U+0007]');
    expect(e.methods.map((m) => [m.id, m.label, m.state])).toContainEqual(['Sms', 'SMS', 'Enabled']);
    expect(e.settings.map((s) => [s.label, s.value, s.detail])).toEqual([
      ['Security defaults on', 'No', 'disabled'],
      ['Registration campaign enabled', 'Yes', 'enabled'],
      ['Methods policy migration complete', 'No', 'migrationInProgress'],
      ['System-preferred MFA enabled (policy)', 'No', 'default'],
      ['Authenticator shows app and location', 'Yes', ''],
    ]);
    expect(e.notes[2]).toBe('CA006 <b>Kiosk</b>[U+202E]: authentication strength 9a8b7c6d-0000-4000-a000-000000000099 not found; taken as MFA.');
  });

  it('says "not assessable" with the reason, and no number, when the policies could not be read', async () => {
    const results = await loadSample();
    results.enforcement = {
      ...results.enforcement,
      assessable: false,
      basis: 'not assessable',
      notes: ['Enforcement not assessable: source conditionalAccessPolicies forbidden (missing permission or role) HTTP 403.', 'a second note'],
      policies: [],
    };
    for (const id of Object.keys(results.metrics)) if (id.startsWith('enforcement.')) results.metrics[id] = { value: null };
    const e = buildViewModel(results, OPTS).enforcement;
    expect(e.assessable).toBe(false);
    expect(e.notAssessable).toBe('Enforcement not assessable: source conditionalAccessPolicies forbidden (missing permission or role) HTTP 403.');
    expect(e.notes).toEqual(['a second note']);
    expect(e.crossTab).toBeNull();
    expect(e.classes.every((c) => c.share === 'n/a' && c.percent === 0)).toBe(true);
    expect(e.policiesNone).toBe('No Conditional Access policy could be read.');
    // the methods policy, read from its own source, is still shown
    expect(e.methods.length).toBeGreaterThan(0);
  });

  it('refuses a cross-tab whose numbers do not come from one population', async () => {
    const results = await loadSample();
    results.metrics['enforcement.mfa.capable_not_enforced'] = { value: 0.1, numerator: 150, denominator: 1500 };
    expect(buildViewModel(results, OPTS).enforcement.crossTab).toBeNull();
  });

  it('caps the policy, condition and methods lists and says how many more are in results.json', async () => {
    const results = await loadSample();
    const base = results.enforcement.policies[2]!;
    results.enforcement.policies = Array.from({ length: 50 }, (_, i) => ({ ...base, id: `p${i}`, narrowing: Array.from({ length: 9 }, (_, k) => `condition ${k}`) }));
    results.enforcement.methods = Array.from({ length: 30 }, (_, i) => ({ id: `M${i}`, state: 'enabled', targets: 'all users' }));
    results.enforcement.notes = Array.from({ length: 10 }, (_, i) => `note ${i}`);
    const e = buildViewModel(results, { ...OPTS, listCap: 3 }).enforcement;
    expect(e.policies).toHaveLength(3);
    expect(e.policiesMore).toBe('47 more in results.json');
    expect(e.policies[0]?.narrowing).toEqual(['condition 0', 'and 8 more']);
    expect(e.methods).toHaveLength(10);
    expect(e.methodsMore).toBe('20 more in results.json');
    expect(e.notes).toHaveLength(3);
    expect(e.notesMore).toBe('7 more notes in results.json');
  });

  it('lists every section and every finding needing action in the contents, each with an anchor', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    expect(view.toc.map((e) => `${e.level}:${e.anchor}`)).toEqual([
      '1:summary',
      '1:metrics',
      '1:enforcement',
      '1:findings',
      '2:finding-admins-without-phishing-resistant-method',
      '2:finding-mfa-capable-below-target',
      '2:finding-mfa-not-enforced-for-all-users',
      '2:finding-passwordless-below-target',
      '2:finding-registration-failures-spike',
      '2:finding-sspr-enabled-not-registered',
      '2:findings-passed',
      '2:findings-na',
      '1:coverage',
      '1:methodology',
      '1:appendix-sources',
      '1:appendix-metrics',
      '1:glossary',
    ]);
    expect(view.toc.every((e) => e.page === '')).toBe(true);
  });

  it('fills document control from the report settings, dated by the snapshot', async () => {
    const view = buildViewModel(await loadSample(), {
      ...OPTS,
      report: { status: 'final', version: '2.0', preparer: 'A. Auditor', reviewer: undefined, auditPeriod: 'Q4 2026', pageSize: 'Letter' },
    });
    const dc = Object.fromEntries(view.documentControl.map((r) => [r.label, r.value]));
    expect(dc).toMatchObject({ Version: '2.0', Status: 'Final', Date: '27 Nov 2026 (snapshot date)', 'Audit period': 'Q4 2026', 'Prepared by': 'A. Auditor', 'Reviewed by': '—' });
    expect(view.meta).toMatchObject({ isDraft: false, pageSize: 'Letter', date: '27 Nov 2026' });
    expect(buildViewModel(await loadSample(), OPTS).meta).toMatchObject({ status: 'draft', isDraft: true, version: '1.0', pageSize: 'A4' });
  });

  it('sorts the method chart by users, descending', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const counts = view.charts[0]!.rows.map((r) => r.count ?? -1);
    expect(counts).toHaveLength(12);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    expect(view.charts[0]!.rows[0]!.label).toBe('Authenticator push');
  });

  it('draws failure rates per method against the limit, greying methods with too few attempts', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const sspr = view.charts.find((c) => c.id === 'sspr-failure')!;
    expect(sspr.threshold).toEqual({ value: 0.2, label: 'Limit 20.0%' });
    expect(sspr.rows.map((r) => [r.key, r.countText, r.group])).toEqual([
      ['email', '6 / 71', 'Within the limit'],
      ['mobileSMS', '9 / 64', 'Within the limit'],
      ['appNotification', '1 / 38', 'Within the limit'],
      ['securityQuestion', '2 / 22', 'Within the limit'],
      ['mobileCall', '1 / 9', 'Too few attempts to judge'],
      ['officePhone', '0 / 8', 'Too few attempts to judge'],
    ]);
    expect(sspr.caption).toContain('Overall: 9.0% (19 / 212 attempts failed).');
    const reg = view.charts.find((c) => c.id === 'registration-failure')!;
    expect(reg.rows.find((r) => r.key === 'mobileSMS')?.group).toBe('Above the limit');
    // two tokens with the same readable name get their token added, so the chart draws two bars
    expect(reg.rows.filter((r) => r.label.startsWith('FIDO2 security key')).map((r) => r.label)).toEqual([
      'FIDO2 security key (fido2SecurityKey)',
      'FIDO2 security key (fido)',
    ]);
    expect(new Set(reg.rows.map((r) => r.label)).size).toBe(reg.rows.length);
  });

  it('draws the trend lines from the baselines, with a data table', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const trend = view.charts.find((c) => c.id === 'trend')!;
    expect(trend.series.map((s) => s.label)).toContain('MFA capable');
    expect(trend.series.find((s) => s.key === 'mfa.capable')?.points.map((p) => [p.dateLabel, p.value])).toEqual([
      ['28 Aug 2026', 0.8241],
      ['27 Nov 2026', 0.8551],
    ]);
    expect(trend.table.head.map((h) => h.text)).toEqual(['Metric', '28 Aug 2026', '27 Nov 2026', 'Change']);
    expect(trend.table.rows[0]?.map((c) => c.text)).toEqual(['MFA capable', '82.4%', '85.5%', '+3.1 pts']);
  });

  it('reads a token named after an Object member as itself', async () => {
    const results = await loadSample();
    for (const token of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      results.metrics[`methods.registered.${token}`] = { value: 1 };
      results.metrics[`sspr.reset.failure_rate.${token}`] = { value: 0.5, numerator: 1, denominator: 2 };
    }
    const ctor: string = 'constructor';
    results.definitions.thresholds[ctor] = 1;
    results.coverage[0]!.framework = 'constructor';
    const view = buildViewModel(results, OPTS);
    const labels = view.charts.flatMap((c) => c.rows.map((r) => r.label));
    expect(labels).toEqual(expect.arrayContaining(['constructor', '__proto__', 'toString', 'hasOwnProperty']));
    expect(view.coverage[0]?.short).toBe('constructor');
    expect(view.definitions.thresholds.find((t) => t.key === 'constructor')).toEqual({ key: 'constructor', keyParts: ['constructor'], label: '', value: '1' });
  });

  it('marks charts without data as empty instead of drawing zeros', async () => {
    const results = await loadSample();
    for (const m of Object.values(results.metrics)) m.value = null;
    const view = buildViewModel(results, OPTS);
    expect(view.charts.find((c) => c.id === 'funnel')?.empty).toBe(true);
    expect(view.summary.scoreCards.every((c) => c.missing && c.value === 'n/a' && c.verdict === 'none')).toBe(true);
  });

  it('withholds per-user rows in an aggregate-only copy but keeps the counts', async () => {
    const view = buildViewModel(await loadSample(), { ...OPTS, redaction: 'aggregate' });
    const f = view.findings.find((x) => x.checkId === 'mfa-capable-below-target')!;
    expect(f.affected).toMatchObject({ rows: [], count: 186, withheld: true });
    expect(view.definitions.privileged.notAssessable).toEqual([]);
    expect(view.definitions.privileged.servicePrincipals).toEqual([]);
    expect(view.definitions.privileged.notAssessableCount).toBe('1');
    expect(view.definitions.breakGlassAccounts).toEqual([]);
    expect(view.redaction?.mode).toBe('aggregate');
  });
});

describe('summary.md', () => {
  it('escapes table-breaking and markup characters in data', () => {
    expect(md('a|b')).toBe('a\\|b');
    expect(md('<img src=x>')).toBe('&lt;img src=x&gt;');
    expect(md('`code`')).toBe('\\`code\\`');
    expect(md('# heading')).toBe('\\# heading');
    expect(md('line\nbreak')).toBe('line break');
    expect(md('back\\|slash')).toBe('back\\\\\\|slash');
    expect(md('[link](javascript:x)')).toBe('\\[link\\](javascript:x)');
  });

  it('has the headline metrics and a findings table with one row per finding', async () => {
    const results = await loadSample();
    results.findings[0]!.title = 'Pipe | <b>bold</b> `tick`\n# not a heading';
    const text = renderMarkdown(buildViewModel(results, OPTS));
    expect(text).toContain('| MFA capable | 85.5% | 1,098 / 1,284 | ≥ 95.0% (missed) | ▲ +3.1 pts since 28 Aug 2026 |');
    const findingsTable = text.slice(text.indexOf('## Findings'));
    const rows = findingsTable.split('\n').filter((l) => /^\| (Critical|High|Medium|Low|Info) \|/.test(l));
    expect(rows).toHaveLength(8);
    for (const r of rows) expect(r.split(/(?<!\\)\|/).length).toBe(8); // 6 cells, no stray pipe
    expect(text).toContain('Pipe \\| &lt;b&gt;bold&lt;/b&gt; \\`tick\\` # not a heading');
    expect(text).toContain('Could not be evaluated: Required source userRegistrationActivity is unavailable');
    expect(text).not.toMatch(/<(?!br>)[a-z]/i);
  });
});

describe('Appendix B when the metric list is capped', () => {
  it('lists the metrics the findings rest on first and the per-method / per-slice detail families last', async () => {
    const results = await loadSample();
    for (let i = 0; i < 300; i++) {
      results.metrics[`aggregate.by_method.all_all.m${String(i).padStart(3, '0')}`] = { value: i };
      results.metrics[`aggregate.by_method_total.s${String(i).padStart(3, '0')}`] = { value: i };
    }
    const view = buildViewModel(results, { ...OPTS, listCap: 4 });
    const shown = view.appendix.metrics.map((r) => r.id);
    const evidence = new Set(results.findings.flatMap((f) => Object.keys(f.evidence)).filter((id) => id in results.metrics));
    expect(shown).toHaveLength(20);
    // every shown row is evidence until the evidence runs out; no detail row while others are left
    expect(shown.slice(0, Math.min(20, evidence.size)).every((id) => evidence.has(id))).toBe(true);
    expect(shown.some((id) => id.startsWith('aggregate.by_method'))).toBe(false);
    expect(view.appendix.metricsMore).toMatch(/more metrics are in results\.json/);
  });
});

describe('compact findings (page budget)', () => {
  it('by default only failing low and info findings are compact; a crowded pack compacts every failing one', async () => {
    const results = await loadSample();
    const compactOf = (v: ReturnType<typeof buildViewModel>) =>
      v.findingGroups.flatMap((g: { findings: { checkId: string; compact: boolean; isFail: boolean; severity: string }[] }) => g.findings);
    const normal = compactOf(buildViewModel(results, OPTS));
    expect(normal.filter((f) => f.compact).every((f) => f.isFail && (f.severity === 'low' || f.severity === 'info'))).toBe(true);
    expect(normal.some((f) => f.isFail && !f.compact)).toBe(true);
    const crowded = compactOf(buildViewModel(results, { ...OPTS, compactFindings: 'all' }));
    expect(crowded.filter((f) => f.isFail).every((f) => f.compact)).toBe(true);
    expect(crowded.filter((f) => !f.isFail).some((f) => f.compact)).toBe(false);
  });
});
