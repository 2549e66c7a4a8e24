import { metricValue, pct, type Check } from './types.js';

const COMPARISONS = [
  ['data.aggregate_mismatch', 'usersRegisteredByFeature'],
  ['data.aggregate_method_mismatch', 'usersRegisteredByMethod'],
  ['data.credential_count_mismatch', 'credentialUserRegistrationCount'],
] as const;

export const aggregateReportMismatch: Check = {
  meta: {
    id: 'aggregate-report-mismatch',
    version: 2,
    title: 'The aggregate reports agree with the per-user rows',
    severity: 'info',
    requires: ['userRegistrationDetails'],
    requiresOneOf: ['usersRegisteredByFeature', 'usersRegisteredByMethod', 'credentialUserRegistrationCount'],
    rationale:
      'usersRegisteredByFeature, usersRegisteredByMethod, credentialUserRegistrationCount and userRegistrationDetails ' +
      'are computed by Microsoft from the same data. When their ' +
      'counts differ by more than report lag explains, one of them is incomplete (e.g. a paging problem) and the numbers ' +
      'in this pack should not be relied on without re-collection.',
    remediation: {
      summary: 'Collect again; if the difference persists, compare both reports in the Entra portal.',
      steps: ['Run collect again into a new folder and compare.', 'Check the appendix for sources with duplicates dropped or partial pages.'],
      links: ['https://learn.microsoft.com/graph/api/authenticationmethodsroot-usersregisteredbyfeature'],
    },
    controls: ['nist-800-53:CA-7', 'nist-800-53:CA-2', 'soc2:CC2.1'],
    evidence: ['data.aggregate_mismatch', 'data.aggregate_method_mismatch', 'data.credential_count_mismatch'],
    threshold: 'aggregateTolerance',
  },
  evaluate(ctx) {
    // every comparison the snapshot allows; at least one must be possible
    const compared = COMPARISONS.flatMap(([id, report]) => {
      const v = ctx.metrics[id]?.value;
      return v === null || v === undefined ? [] : [{ report, diff: v }];
    });
    if (compared.length === 0) metricValue(ctx, 'data.aggregate_mismatch'); // throws: nothing to compare
    const worst = compared.reduce((a, b) => (b.diff > a.diff ? b : a));
    const limit = ctx.thresholds.aggregateTolerance;
    const names = compared.map((c) => c.report).join(', ');
    return worst.diff <= limit
      ? { status: 'pass', message: `Largest relative difference ${pct(worst.diff)} (${names} compared); tolerance ${pct(limit)}.` }
      : { status: 'fail', message: `${worst.report} differs from the per-user rows by up to ${pct(worst.diff)}; tolerance ${pct(limit)}.` };
  },
};
