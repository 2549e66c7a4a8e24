/**
 * Failure rates of SSPR resets and method registrations from the 30-day activity summary: userRegistrationActivity
 * (successor) when it answered, else the retired getCredentialUsageSummary (graph-api.md §3, §S).
 */
import { missingRatio, ratio, type MetricInfo, type MetricSet } from './types.js';

export class ActivityFold {
  private readonly success = new Map<string, number>();
  private readonly failure = new Map<string, number>();
  private invalid = 0;

  add(raw: unknown): void {
    const row = raw as Record<string, unknown> | null;
    const feature = row?.feature;
    const ok = toCount(row?.successfulActivityCount);
    const failed = toCount(row?.failureActivityCount);
    if (typeof feature !== 'string' || ok === null || failed === null) {
      this.invalid++;
      return;
    }
    this.success.set(feature, (this.success.get(feature) ?? 0) + ok);
    this.failure.set(feature, (this.failure.get(feature) ?? 0) + failed);
  }

  result(source: string | null): MetricSet {
    const rate = (feature: string) => {
      if (source === null) return missingRatio();
      const f = this.failure.get(feature) ?? 0;
      return ratio(f, f + (this.success.get(feature) ?? 0));
    };
    const info = (id: string, title: string, feature: string): MetricInfo => ({
      id,
      title,
      kind: 'ratio',
      description: `Σ failureActivityCount / Σ (successfulActivityCount + failureActivityCount) over rows with feature "${feature}", last 30 days.`,
      source,
    });
    return {
      values: { 'sspr.reset.failure_rate': rate('reset'), 'registration.failure_rate': rate('registration') },
      info: [
        info('sspr.reset.failure_rate', 'SSPR reset failure rate', 'reset'),
        info('registration.failure_rate', 'Method registration failure rate', 'registration'),
      ],
    };
  }

  get invalidRows(): number {
    return this.invalid;
  }
}

/** Int64 may arrive as a number or, from some serializers, a numeric string. */
function toCount(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return null;
}
