/** What the metric folds produce: values plus named cohorts of users (affected lists for checks). */
import type { AffectedUser, MetricInfo, MetricValue } from '../results/schema.js';

export type { AffectedUser, MetricInfo, MetricValue };

/** Receives the users of a cohort one by one, in snapshot order (the engine writes them to a sidecar file). */
export type CohortSink = (cohort: string, user: AffectedUser) => void;

export interface MetricSet {
  values: Record<string, MetricValue>;
  info: MetricInfo[];
}

/** A JSON object (not null, not an array): what a row or a nested field must be before its keys are read. */
export function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** results.json carries shares rounded to 4 decimals (0.1234 = 12.34 %). */
export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

export function ratio(numerator: number, denominator: number): MetricValue {
  return {
    value: denominator === 0 ? null : round4(numerator / denominator),
    numerator,
    denominator,
  };
}

export function missingRatio(): MetricValue {
  return { value: null, numerator: 0, denominator: 0 };
}

export function count(value: number | null): MetricValue {
  return { value };
}
