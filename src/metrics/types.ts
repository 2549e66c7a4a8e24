/** What the metric folds produce: values plus named cohorts of users (affected lists for checks). */
import type { AffectedUser, MetricInfo, MetricValue } from '../engine/results.js';

export type { AffectedUser, MetricInfo, MetricValue };

/** Receives the users of a cohort one by one, in snapshot order (the engine writes them to a sidecar file). */
export type CohortSink = (cohort: string, user: AffectedUser) => void;

export interface MetricSet {
  values: Record<string, MetricValue>;
  info: MetricInfo[];
}

export function ratio(numerator: number, denominator: number): MetricValue {
  return {
    value: denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000,
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
