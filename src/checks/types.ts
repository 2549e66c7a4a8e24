/** A check: declarative meta beside a pure evaluate(). Prose lives in meta; evaluate() returns status and numbers. */
import type { MetricValue, Severity, SourceStatus } from '../results/schema.js';
import type { Thresholds } from '../metrics/definitions.js';

export interface CheckMeta {
  /** kebab-case, names the failing state */
  id: string;
  /** bumped when the requirement changes */
  version: number;
  title: string;
  severity: Severity;
  /** snapshot sources that must all be `ok`; otherwise the result is `error`, never pass or fail */
  requires: string[];
  /** at least one of these sources must be `ok` (e.g. a report and its successor) */
  requiresOneOf?: string[];
  /** the compliant state and the specific risk */
  rationale: string;
  remediation: { summary: string; steps: string[]; links: string[] };
  /**
   * `<framework>:<id>` keys that resolve in frameworks/catalogue.ts: the controls this check's data is the evidence
   * for. A control about requiring MFA or a method policy is cited here only by a check that reads policy.
   */
  controls: string[];
  /** controls the check's data supports without being their evidence (e.g. registration for an enforcement control) */
  supports?: string[];
  /**
   * sources the evidence also rests on without all being required (e.g. the policy sources behind the enforcement
   * join, where security defaults can stand in for Conditional Access); listed in the finding and the coverage matrix
   */
  uses?: string[];
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
  /** every snapshot source's status and records */
  sources: Record<string, { status: SourceStatus; records: number; retiredSuccessor: string | null }>;
  /** whether the enforcement join could be made (policy sources), and why not */
  enforcement: { assessable: boolean; reason: string | null };
}

/** Thrown by evaluate() when its evidence is missing: the finding is an error and its controls are "not assessable". */
export class NotAssessableError extends Error {}

/** Throws NotAssessableError unless the enforcement join was made. */
export function requireEnforcement(ctx: CheckContext): void {
  if (!ctx.enforcement.assessable) throw new NotAssessableError(ctx.enforcement.reason ?? 'enforcement not assessable');
}

export interface CheckOutcome {
  status: 'pass' | 'fail' | 'not_applicable';
  message: string;
}

export interface Check {
  meta: CheckMeta;
  evaluate(ctx: CheckContext): CheckOutcome;
}

/** Formats a ratio metric for messages, e.g. "91.2 % (912 of 1,000)". */
export function describeRatio(v: MetricValue | undefined): string {
  if (!v || v.value === null) return 'not measurable';
  return `${pct(v.value)} (${(v.numerator ?? 0).toLocaleString('en-US')} of ${(v.denominator ?? 0).toLocaleString('en-US')})`;
}

export function pct(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

/** A metric's value; throws when it is null, which the engine reports as `error` (never pass or fail). */
export function metricValue(ctx: CheckContext, id: string): number {
  const v = ctx.metrics[id]?.value;
  if (v === null || v === undefined) throw new Error(`metric ${id} has no value`);
  return v;
}

/** evaluate() for "share of the population ≥ target". */
export function shareAtLeast(metric: string, threshold: keyof Thresholds, label: string): Check['evaluate'] {
  return (ctx) => {
    const share = metricValue(ctx, metric);
    const target = ctx.thresholds[threshold];
    return {
      status: share >= target ? 'pass' : 'fail',
      message: `${label}: ${describeRatio(ctx.metrics[metric])}; target at least ${pct(target)}.`,
    };
  };
}

/** evaluate() for "rate ≤ limit" (failure rates, stale rows). */
export function rateAtMost(metric: string, threshold: keyof Thresholds, label: string): Check['evaluate'] {
  return (ctx) => {
    const rate = metricValue(ctx, metric);
    const limit = ctx.thresholds[threshold];
    return {
      status: rate <= limit ? 'pass' : 'fail',
      message: `${label}: ${describeRatio(ctx.metrics[metric])}; limit ${pct(limit)}.`,
    };
  };
}

/** evaluate() for "no user is in this state": the numerator of a ratio metric, or a count. */
export function noneAffected(metric: string, pass: string, fail: (n: number, ctx: CheckContext) => string): Check['evaluate'] {
  return (ctx) => {
    const v = metricValue(ctx, metric);
    const m = ctx.metrics[metric]!;
    const n = m.numerator ?? v;
    return n === 0 ? { status: 'pass', message: pass } : { status: 'fail', message: fail(n, ctx) };
  };
}
