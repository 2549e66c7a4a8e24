/**
 * Labels, caps and small builders more than one section of the report needs (the findings, the methodology, the
 * summary and the appendix). Pure, like view-model.ts.
 */
import type { AuditResult, Finding, FindingStatus, Severity } from '../results/schema.js';
import { SEVERITIES } from '../results/schema.js';
import { breakParts, cleanProse, compareStrings, formatDate, formatInt, visibleText } from './format.js';
import type { ExceptionView, KeyValue } from './view-model.js';

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

export const STATUS_LABEL: Record<FindingStatus, string> = {
  pass: 'Pass',
  fail: 'Fail',
  error: 'Not evaluated',
  not_applicable: 'Not applicable',
  excepted: 'Excepted',
};


/** Longest list of any kind the report prints (chart bars, metrics, role ids …); the rest is in results.json. */
export const LIST_CAP = 40;

const SEVERITY_RANK: Record<Severity, number> = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<
  Severity,
  number
>;

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || compareStrings(a.checkId, b.checkId),
  );
}


/** The date of the latest baseline the trends compare with; null without trends. */
export function baselineDate(results: AuditResult): string | null {
  const last = results.trends?.baselines.at(-1);
  return last ? formatDate(last.asOf) : null;
}

export function kv(label: string, value: string, mono = false): KeyValue {
  return { label, value, mono };
}

/** An exception in force; `scopeCap` users or patterns of its scope are listed (all are in results.json). */
export function exceptionView(e: AuditResult['exceptions'][number], anchors: ReadonlyMap<string, string>, scopeCap: number): ExceptionView {
  const users = e.users ?? [];
  const shown = users.slice(0, Math.max(1, scopeCap)).map(visibleText);
  const rest = users.length - shown.length;
  return {
    check: visibleText(e.check),
    checkAnchor: anchors.get(e.check) ?? null,
    scope: e.users === null ? 'Whole check' : `${shown.join(', ')}${rest > 0 ? ` and ${formatInt(rest)} more` : ''}`,
    scopeParts: shown.map(breakParts),
    scopeMore: rest > 0 ? `and ${formatInt(rest)} more` : '',
    wholeCheck: e.users === null,
    owner: cleanProse(e.owner),
    reason: cleanProse(e.reason),
    expires: formatDate(e.expires),
    expiresIso: visibleText(e.expires),
    matched: formatInt(e.matched),
  };
}
