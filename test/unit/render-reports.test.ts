/** The aggregate, event and usage reports in the pack (issue #15): view-reports.ts on the sample and without its sources. */
import { describe, expect, it } from 'vitest';
import { buildViewModel, type ViewModelOptions } from '../../src/render/view-model.js';
import { renderChartSvg } from '../../src/render/charts.js';
import { FAILURE_REASON_CHARS } from '../../src/render/view-reports.js';
import { loadSample } from '../fixtures/results-sample/load.js';

const OPTS: ViewModelOptions = {
  branding: { organisation: 'x', primaryColor: '#1f4e79' },
  logoDataUri: null,
  maxAffectedInPdf: 25,
  affectedHead: new Map(),
  worklists: new Map(),
};

describe('aggregate, event and usage reports', () => {
  it('charts method adoption of privileged admins against all users as count / slice total, most adopted first, without password', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const chart = view.charts.find((c) => c.id === 'method-adoption')!;
    expect(view.charts.map((c) => c.id).indexOf('method-adoption')).toBe(view.charts.map((c) => c.id).indexOf('admins') + 1);
    expect(chart.empty).toBe(false);
    const push = chart.rows.filter((r) => r.key === 'microsoftAuthenticatorPush');
    expect(push.map((r) => [r.group, r.countText, r.shareText])).toEqual([
      ['Privileged admins', '21 / 24', '87.5%'],
      ['All users', '988 / 1,380', '71.6%'],
    ]);
    expect(chart.rows.some((r) => r.key === 'password')).toBe(false);
    // a method the admin slice does not list counts 0 of 24, not n/a
    expect(chart.rows.find((r) => r.key === 'mobilePhone' && r.group === 'Privileged admins')!.countText).toBe('15 / 24');
    expect(chart.rows.find((r) => r.key === 'officePhone' && r.group === 'Privileged admins')?.countText ?? '0 / 24').toBe('0 / 24');
    const allShares = chart.rows.filter((r) => r.group === 'All users').map((r) => r.share ?? 0);
    expect(allShares).toEqual([...allShares].sort((a, b) => b - a));
    expect(chart.table.rows.length).toBeLessThanOrEqual(10);
    expect(chart.omitted).toMatch(/^\d+ less adopted methods? (is|are) listed in Appendix B\.$/);
    const svg = await renderChartSvg(chart, '#1f4e79');
    expect(svg).toContain('Authenticator push');
  });

  it('draws the daily sign-ins, MFA and single-factor, and states the single-factor share against the target', async () => {
    const results = await loadSample();
    const view = buildViewModel(results, OPTS);
    const chart = view.charts.find((c) => c.id === 'sign-in-trend')!;
    expect(chart.rows).toHaveLength(60);
    expect(chart.table.rows).toHaveLength(30);
    const share = results.metrics['usage.single_factor_signin_share']!;
    expect(chart.caption).toContain(`Single-factor share over the period: ${(Math.round(share.value! * 1000) / 10).toFixed(1)}%`);
    expect(chart.caption).toContain('1 day was left out');
    // the day without sign-ins has no share, not 0 %
    expect(chart.table.rows[17]![4]!.text).toBe('n/a');
    expect(await renderChartSvg(chart, '#1f4e79')).toMatch(/^<svg /);
    const sf = view.activity.figures.find((f) => f.label === 'Single-factor sign-ins')!;
    expect(sf.missing).toBe(false);
    expect(sf.note).toContain('over 30 days');
  });

  it('prints the event failure rates and the top failure reasons as inert, clipped text', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const figures = Object.fromEntries(view.activity.figures.map((f) => [f.label, f.value]));
    expect(figures).toMatchObject({ 'Registration failures (events)': '8.6%', 'Password reset failures (events)': '9.1%', 'Users with repeated failures': '4' });
    expect(view.activity.eventsBasis).toBe('userEventsSummary: 395 event rows (2 invalid, not counted), 28 Oct 2026 to 26 Nov 2026.');
    const reasons = view.activity.failureReasons;
    expect(reasons).toHaveLength(10);
    expect(reasons[0]).toEqual({ feature: 'Password reset', reason: 'User failed to verify their identity', count: '9' });
    const text = reasons.map((r) => r.reason).join('\n');
    expect(text).toContain('failed[U+202E]gpj.exe');
    expect(text).toContain('BEL[U+0007] and NUL[U+0000][U+000A]and');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202a-\u202e\u2066-\u2069]/);
    const long = reasons.find((r) => r.reason.startsWith('Policy says'))!;
    expect(long.reason.length).toBeLessThan(FAILURE_REASON_CHARS + 40);
    expect(long.reason).toMatch(/… \[\d+ more characters\]$/);
    expect(reasons.find((r) => r.feature.startsWith('futureFeature'))).toBeDefined();
    expect(reasons.at(-1)!.reason).toBe('(no reason given)');
  });

  it('puts the aggregate reports beside the per-user rows in Appendix A, with the mismatch against the tolerance', async () => {
    const view = buildViewModel(await loadSample(), OPTS);
    const [byMethod, cred] = view.appendix.crossChecks;
    expect(byMethod!.source).toBe('usersRegisteredByMethod');
    expect(byMethod!.rows.map((r) => [r.figure, r.report, r.perUser])).toEqual([
      ['Users (all types, all roles)', '1,380', '—'],
      ['Members, all roles', '1,284', '1,284'],
      ['Guests, all roles', '96', '96'],
      ['Privileged admins (Microsoft’s role set)', '24', '24'],
    ]);
    expect(byMethod!.result).toBe('Largest relative difference against every per-user row: 0.9%, tolerance 2.0% (within); metric data.aggregate_method_mismatch.');
    expect(cred!.rows.map((r) => [r.figure, r.report, r.perUser])).toEqual([
      ['Users', '1,380', '1,284'],
      ['Registered for SSPR', '1,101', '1,012'],
      ['Enabled for SSPR', '1,190', '1,053'],
      ['SSPR capable', '1,075', '987'],
      ['MFA registered', '1,226', '1,141'],
    ]);
    expect(cred!.tone).toBe('ok');
  });

  it('says "not collected" with the source status, and draws nothing, when the reports are missing', async () => {
    const results = await loadSample();
    results.events = null;
    results.usage = null;
    for (const id of Object.keys(results.metrics)) if (/^(aggregate\.|events\.|usage\.|data\.(aggregate_method|credential_count)_mismatch)/.test(id)) delete results.metrics[id];
    const src = results.sources.find((s) => s.id === 'userEventsSummary')!;
    Object.assign(src, { status: 'forbidden', httpStatus: 403, errorCode: 'Authentication_MSGraphPermissionMissing' });
    results.sources = results.sources.filter((s) => s.id !== 'userMfaSignInSummary');
    const view = buildViewModel(results, OPTS);
    expect(view.charts.find((c) => c.id === 'method-adoption')!.empty).toBe(true);
    const trend = view.charts.find((c) => c.id === 'sign-in-trend')!;
    expect(trend.empty).toBe(true);
    expect(trend.caption).toBe('Not collected: userMfaSignInSummary was not collected. See Appendix A.');
    expect(view.activity.figures.every((f) => f.missing && f.value === 'n/a')).toBe(true);
    expect(view.activity.failureReasons).toEqual([]);
    expect(view.activity.failureReasonsNote).toBe('Not collected: userEventsSummary was forbidden (HTTP 403 Authentication_MSGraphPermissionMissing). See Appendix A.');
    for (const c of view.appendix.crossChecks) {
      expect(c.rows).toEqual([]);
      expect(c.tone).toBe('unknown');
      expect(c.result).toMatch(/^Not collected: /);
    }
  });
});
