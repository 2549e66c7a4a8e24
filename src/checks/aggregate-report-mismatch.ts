import { metricValue, pct, type Check } from './types.js';

export const aggregateReportMismatch: Check = {
  meta: {
    id: 'aggregate-report-mismatch',
    version: 1,
    title: 'The aggregate reports agree with the per-user rows',
    severity: 'info',
    requires: ['userRegistrationDetails', 'usersRegisteredByFeature'],
    rationale:
      'usersRegisteredByFeature and userRegistrationDetails are computed by Microsoft from the same data. When their ' +
      'counts differ by more than report lag explains, one of them is incomplete (e.g. a paging problem) and the numbers ' +
      'in this pack should not be relied on without re-collection.',
    remediation: {
      summary: 'Collect again; if the difference persists, compare both reports in the Entra portal.',
      steps: ['Run collect again into a new folder and compare.', 'Check the appendix for sources with duplicates dropped or partial pages.'],
      links: ['https://learn.microsoft.com/graph/api/authenticationmethodsroot-usersregisteredbyfeature'],
    },
    controls: ['nist-800-53:CA-7', 'nist-800-53:CA-2', 'soc2:CC2.1'],
    evidence: ['data.aggregate_mismatch'],
    threshold: 'aggregateTolerance',
  },
  evaluate(ctx) {
    const diff = metricValue(ctx, 'data.aggregate_mismatch');
    const limit = ctx.thresholds.aggregateTolerance;
    return diff <= limit
      ? { status: 'pass', message: `Largest relative difference ${pct(diff)}; tolerance ${pct(limit)}.` }
      : { status: 'fail', message: `The aggregate report differs from the per-user rows by up to ${pct(diff)}; tolerance ${pct(limit)}.` };
  },
};
