/**
 * Cross-check of usersRegisteredByFeature(all, all) against the per-user rows (graph-api.md §5): both come from
 * the same data, so beyond report lag they must agree. Pure.
 */
import { round4, type MetricInfo, type MetricSet } from './types.js';

export function compareAggregates(rows: { rows: number; counts: Record<string, number> } | null, summaries: readonly unknown[]): MetricSet {
  const info: MetricInfo[] = [
    {
      id: 'data.aggregate_mismatch',
      title: 'Aggregate vs per-user difference',
      kind: 'share',
      description:
        'Largest relative difference |a − b| / max(a, b) between usersRegisteredByFeature(all, all) and the counts over every ' +
        'userRegistrationDetails row, over totalUserCount and each feature; null when either report is missing.',
      source: 'usersRegisteredByFeature',
    },
  ];
  const all = summaries.find(
    (s) => (s as { userTypes?: unknown; userRoles?: unknown } | null)?.userTypes === 'all' && (s as { userRoles?: unknown }).userRoles === 'all',
  ) as { totalUserCount?: unknown; userRegistrationFeatureCounts?: unknown } | undefined;
  if (!rows || !all) return { values: { 'data.aggregate_mismatch': { value: null } }, info };
  const pairs: [number, number][] = [];
  if (typeof all.totalUserCount === 'number') pairs.push([all.totalUserCount, rows.rows]);
  for (const fc of Array.isArray(all.userRegistrationFeatureCounts) ? all.userRegistrationFeatureCounts : []) {
    const { feature, userCount } = (fc ?? {}) as { feature?: unknown; userCount?: unknown };
    if (typeof feature === 'string' && typeof userCount === 'number' && feature in rows.counts) pairs.push([userCount, rows.counts[feature]!]);
  }
  let worst = 0;
  for (const [a, b] of pairs) {
    const d = Math.max(a, b) === 0 ? 0 : Math.abs(a - b) / Math.max(a, b);
    worst = Math.max(worst, d);
  }
  return { values: { 'data.aggregate_mismatch': { value: round4(worst) } }, info };
}
