import type { SourceDef } from './types.js';

/** graph-api.md §2: retired, no data since 2025-08-01; successor userEventsSummary. */
export const userCredentialUsageDetails: SourceDef = {
  id: 'userCredentialUsageDetails',
  title: 'User credential usage details (retired)',
  apiVersion: 'beta',
  requests: ['/reports/userCredentialUsageDetails'],
  retired: { since: '2025-08-01', successor: 'userEventsSummary' },
  permission: 'Reports.Read.All',
};
