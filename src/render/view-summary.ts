/**
 * Section 1, the executive summary: the score cards (with their targets and trend arrows), the counts by severity
 * and status, the headline sentence and the overall posture. Pure, like view-model.ts.
 */
import type { AuditResult, FindingStatus, Severity } from '../results/schema.js';
import { SEVERITIES } from '../results/schema.js';
import { cleanProse, formatInt, formatPercent, formatPoints, formatSignedInt } from './format.js';
import { fraction, thresholdValue, type Info } from './view-charts.js';
import type { FindingView, ReportView, ScoreCard, TrendView } from './view-model.js';
import { baselineDate, SEVERITY_LABEL, STATUS_LABEL } from './view-shared.js';
import { SCORE_CARDS } from './view-text.js';


/** The headline metrics (summary.md and the CI step summary), in display order. */
export const HEADLINE_METRICS: ReadonlyArray<{ id: string; title: string; of: string; lowerIsBetter: boolean }> = [
  { id: 'mfa.capable', title: 'MFA capable', of: 'users', lowerIsBetter: false },
  { id: 'phishing_resistant.registered', title: 'Phishing-resistant method', of: 'users', lowerIsBetter: false },
  { id: 'passwordless.capable', title: 'Passwordless capable', of: 'users', lowerIsBetter: false },
  { id: 'admins.phishing_resistant', title: 'Admins phishing-resistant', of: 'administrators', lowerIsBetter: false },
  { id: 'mfa.phone_only', title: 'Phone-only MFA', of: 'users', lowerIsBetter: true },
  { id: 'sspr.capable', title: 'SSPR capable', of: 'users', lowerIsBetter: false },
  // what the policies require, beside what users registered (n/a when the policies could not be read)
  { id: 'enforcement.mfa.enforced', title: 'MFA enforced by policy', of: 'users', lowerIsBetter: false },
  { id: 'enforcement.admins.mfa_enforced', title: 'Admins MFA enforced by policy', of: 'administrators', lowerIsBetter: false },
];

function trendOf(results: AuditResult, id: string, lowerIsBetter: boolean, asShare: boolean): TrendView | null {
  const t = results.trends?.metrics[id];
  const since = baselineDate(results);
  if (!t || t.delta === null || since === null) return null;
  const d = t.delta;
  const same = asShare ? Math.round(d * 1000) === 0 : d === 0;
  const better = same ? 'same' : (d > 0) !== lowerIsBetter ? 'better' : 'worse';
  const delta = asShare ? formatPoints(d) : formatSignedInt(d);
  const arrow = same ? '\u25B6' : d > 0 ? '\u25B2' : '\u25BC';
  const direction = same ? 'unchanged' : d > 0 ? 'up' : 'down';
  return {
    arrow,
    delta,
    tone: better,
    since: `since ${since}`,
    text: same ? `unchanged since ${since}` : `${direction} ${delta.replace(/^[+\u2212]/, '')} since ${since} (${better})`,
  };
}

function scoreCards(results: AuditResult, info: Info): ScoreCard[] {
  return SCORE_CARDS.map((h) => {
    const m = results.metrics[h.id];
    const value = m?.value ?? null;
    let target: number | null = null;
    if (h.target && 'threshold' in h.target) target = thresholdValue(results, h.target.threshold);
    else if (h.target) target = h.target.fixed;
    const cmp = h.lowerIsBetter ? '\u2264' : '\u2265';
    const targetText = target === null ? null : h.target && 'note' in h.target ? h.target.note : `${cmp} ${formatPercent(target)}`;
    const verdict: ScoreCard['verdict'] =
      value === null || target === null ? 'none' : (h.lowerIsBetter ? value <= target : value >= target) ? 'met' : 'missed';
    return {
      id: h.id,
      title: h.title,
      value: formatPercent(value),
      // "0 / 0" would read as a measurement; without a value there is nothing to count
      fraction: value === null ? '' : fraction(m),
      of: h.of,
      barPercent: value === null ? 0 : Math.max(0, Math.min(100, Math.round(value * 1000) / 10)),
      missing: value === null,
      lowerIsBetter: h.lowerIsBetter,
      description: cleanProse(info.get(h.id)?.description ?? ''),
      target: targetText,
      targetPercent: target === null ? null : Math.max(0, Math.min(100, Math.round(target * 1000) / 10)),
      verdict,
      verdictText:
        verdict === 'met'
          ? 'met'
          : verdict === 'missed'
            ? 'missed'
            : value === null
              ? h.id.startsWith('enforcement.') && !results.enforcement.assessable
                ? 'Not assessable (section 3)'
                : 'No data'
              : 'No target',
      trend: value === null ? null : trendOf(results, h.id, h.lowerIsBetter, true),
    };
  });
}

function headline(total: number, failing: number, errors: number, worst: Severity | null): string {
  const checks = `${formatInt(total)} check${total === 1 ? '' : 's'}`;
  const failText =
    failing === 0
      ? 'none failed'
      : `${formatInt(failing)} failed${worst ? ` (highest severity: ${SEVERITY_LABEL[worst].toLowerCase()})` : ''}`;
  const errorText = errors === 0 ? '' : `; ${formatInt(errors)} could not be evaluated`;
  return `Of ${checks} run, ${failText}${errorText}.`;
}

function posture(results: AuditResult): ReportView['summary']['posture'] {
  const failing = results.findings.filter((f) => f.status === 'fail');
  const count = (s: Severity) => failing.filter((f) => f.severity === s).length;
  const errors = results.findings.filter((f) => f.status === 'error').length;
  const worst = SEVERITIES.find((s) => count(s) > 0) ?? null;
  const parts = SEVERITIES.filter((s) => s !== 'info' && count(s) > 0).map((s) => `${count(s)} ${SEVERITY_LABEL[s].toLowerCase()}`);
  const failText = parts.length ? `${parts.join(', ')}-severity ${parts.length === 1 && count(worst ?? 'info') === 1 ? 'finding fails' : 'findings fail'}` : '';
  const errText = errors ? `${formatInt(errors)} ${errors === 1 ? 'check' : 'checks'} could not be evaluated` : '';
  const text = [failText, errText].filter(Boolean).join('; ');
  if (results.findings.length === 0) return { label: 'Not assessed', tone: 'unknown', text: 'No check was run.' };
  if (worst === 'critical' || worst === 'high') return { label: 'Significant gaps', tone: worst, text: `${text}.` };
  if (worst === 'medium') return { label: 'Moderate gaps', tone: 'medium', text: `${text}.` };
  if (worst === 'low' || worst === 'info') return { label: 'Minor gaps', tone: worst, text: text ? `${text}.` : 'Only informational findings fail.' };
  if (errors > 0) return { label: 'Incomplete', tone: 'unknown', text: `No check failed, but ${errText}.` };
  return { label: 'No gaps found', tone: 'ok', text: 'Every check that ran passed or is covered by an exception in force.' };
}

/** Section 1; `findings` are the sorted finding views (the top risks and key findings are taken from them). */
export function summaryView(results: AuditResult, info: Info, findings: readonly FindingView[]): ReportView['summary'] {
  const countStatus = (s: FindingStatus) => results.findings.filter((f) => f.status === s).length;
  const failing = countStatus('fail');
  const errors = countStatus('error');
  return {
    scoreCards: scoreCards(results, info),
    // counted from the findings themselves, so the cards always agree with the findings section
    severityCounts: SEVERITIES.map((s) => {
      const count = results.findings.filter((f) => f.status === 'fail' && f.severity === s).length;
      return { severity: s, label: SEVERITY_LABEL[s], count, zero: count === 0 };
    }),
    statusCounts: (['fail', 'error', 'pass', 'excepted', 'not_applicable'] as const).map((s) => ({
      status: s,
      label: STATUS_LABEL[s],
      count: countStatus(s),
    })),
    totalFindings: results.findings.length,
    failing,
    errors,
    worstFailure: results.summary.worstFailure ? SEVERITY_LABEL[results.summary.worstFailure] : null,
    headline: headline(results.findings.length, failing, errors, results.summary.worstFailure),
    posture: posture(results),
    baselineNote: baselineDate(results) ? `Arrows compare with the baseline of ${baselineDate(results)}.` : null,
    topRisks: findings.filter((f) => f.status === 'fail' && f.severity !== 'info').slice(0, 5),
    keyFindings: findings.filter((f) => f.status === 'fail' || f.status === 'error'),
  };
}
