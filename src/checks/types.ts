/** A check: declarative meta beside a pure evaluate(). Prose lives in meta; evaluate() returns status and numbers. */
import type { MetricValue, Severity } from '../engine/results.js';
import type { Thresholds } from '../metrics/definitions.js';

export interface CheckMeta {
  /** kebab-case, names the failing state */
  id: string;
  /** bumped when the requirement changes */
  version: number;
  title: string;
  severity: Severity;
  /** snapshot sources that must be `ok`; otherwise the result is `error`, never pass or fail */
  requires: string[];
  /** the compliant state and the specific risk */
  rationale: string;
  remediation: { summary: string; steps: string[]; links: string[] };
  /** `<framework>:<id>` keys that resolve in frameworks/catalogue.ts */
  controls: string[];
  /** metric ids shown as evidence */
  evidence: string[];
  /** the cohort of users listed as affected when the check fails */
  cohort?: string;
  /** the threshold this check compares against */
  threshold?: keyof Thresholds;
}

export interface CheckContext {
  metrics: Record<string, MetricValue>;
  thresholds: Thresholds;
}

export interface CheckOutcome {
  status: 'pass' | 'fail';
  message: string;
}

export interface Check {
  meta: CheckMeta;
  evaluate(ctx: CheckContext): CheckOutcome;
}

/** Formats a ratio metric for messages, e.g. "91.2 % (912 of 1,000)". */
export function describeRatio(v: MetricValue | undefined): string {
  if (!v || v.value === null) return 'not measurable';
  return `${(v.value * 100).toFixed(1)} % (${(v.numerator ?? 0).toLocaleString('en-US')} of ${(v.denominator ?? 0).toLocaleString('en-US')})`;
}

export function metricValue(ctx: CheckContext, id: string): number {
  const v = ctx.metrics[id]?.value;
  if (v === null || v === undefined) throw new Error(`metric ${id} has no value`);
  return v;
}
