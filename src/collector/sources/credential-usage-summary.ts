import type { SourceDef } from './types.js';

/** graph-api.md §3: retired, no data since 2025-08-01; successor userRegistrationActivity. */
export const credentialUsageSummary: SourceDef = {
  id: 'credentialUsageSummary',
  title: 'Credential usage summary, 30 days (retired)',
  apiVersion: 'beta',
  requests: ["/reports/getCredentialUsageSummary(period='D30')"],
  retired: { since: '2025-08-01', successor: 'userRegistrationActivity' },
  permission: 'Reports.Read.All',
};
