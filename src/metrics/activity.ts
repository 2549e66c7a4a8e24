/**
 * Failure rates of SSPR resets and method registrations from the 30-day activity summary: userRegistrationActivity
 * (successor) when it answered, else the retired getCredentialUsageSummary (graph-api.md §3, §S). Overall and per
 * authMethod.
 */
import { missingRatio, ratio, type MetricInfo, type MetricSet, type MetricValue } from './types.js';

const FEATURES = [
  ['reset', 'sspr.reset.failure_rate', 'SSPR reset failure rate'],
  ['registration', 'registration.failure_rate', 'Method registration failure rate'],
] as const;

export class ActivityFold {
  /** feature → authMethod → [success, failure] */
  private readonly counts = new Map<string, Map<string, [number, number]>>();
  private invalid = 0;

  add(raw: unknown): void {
    const row = raw as Record<string, unknown> | null;
    const feature = row?.feature;
    const method = typeof row?.authMethod === 'string' ? row.authMethod : 'unknown';
    const ok = toCount(row?.successfulActivityCount);
    const failed = toCount(row?.failureActivityCount);
    if (typeof feature !== 'string' || ok === null || failed === null) {
      this.invalid++;
      return;
    }
    const byMethod = this.counts.get(feature) ?? new Map<string, [number, number]>();
    const c = byMethod.get(method) ?? [0, 0];
    c[0] += ok;
    c[1] += failed;
    byMethod.set(method, c);
    this.counts.set(feature, byMethod);
  }

  result(source: string | null): MetricSet {
    const values: Record<string, MetricValue> = {};
    const info: MetricInfo[] = [];
    for (const [feature, id, title] of FEATURES) {
      const describe = (m?: string): string =>
        `Σ failureActivityCount / Σ (successfulActivityCount + failureActivityCount) over rows with feature "${feature}"` +
        `${m ? ` and authMethod "${m}"` : ''}, last 30 days.`;
      const byMethod = this.counts.get(feature) ?? new Map<string, [number, number]>();
      let s = 0;
      let f = 0;
      for (const method of [...byMethod.keys()].sort()) {
        const [ms, mf] = byMethod.get(method)!;
        s += ms;
        f += mf;
        values[`${id}.${method}`] = ratio(mf, ms + mf);
        info.push({ id: `${id}.${method}`, title: `${title}: ${method}`, kind: 'ratio', description: describe(method), source });
      }
      values[id] = source === null ? missingRatio() : ratio(f, s + f);
      info.push({ id, title, kind: 'ratio', description: describe(), source });
    }
    return { values, info };
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
