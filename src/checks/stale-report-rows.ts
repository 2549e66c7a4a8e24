import { COHORTS } from '../metrics/registration.js';
import { rateAtMost, type Check } from './types.js';

export const staleReportRows: Check = {
  meta: {
    id: 'stale-report-rows',
    version: 1,
    title: 'Report rows are fresh',
    severity: 'info',
    requires: ['userRegistrationDetails'],
    rationale:
      'Every number in this pack comes from userRegistrationDetails rows; a row is refreshed by Microsoft when the user ' +
      'changes methods or signs in. A large share of old rows means the evidence may not reflect the current state.',
    remediation: {
      summary: 'Note the staleness in the audit file; re-collect later if the share is high.',
      steps: ['Check the listed users for inactive or orphaned accounts; disable accounts no longer in use.'],
      links: ['https://learn.microsoft.com/graph/api/resources/userregistrationdetails'],
    },
    controls: ['nist-800-53:CA-7', 'soc2:CC2.1'],
    evidence: ['data.stale_rows'],
    cohort: COHORTS.usersStale,
    threshold: 'staleRowsMax',
  },
  evaluate: rateAtMost('data.stale_rows', 'staleRowsMax', 'Stale rows'),
};
