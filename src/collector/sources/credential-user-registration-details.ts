import type { SourceDef } from './types.js';

/** graph-api.md §7: retired, no data since 2024-06-30; successor userRegistrationDetails. */
export const credentialUserRegistrationDetails: SourceDef = {
  id: 'credentialUserRegistrationDetails',
  title: 'Credential user registration details (retired)',
  apiVersion: 'beta',
  requests: ['/reports/credentialUserRegistrationDetails'],
  retired: { since: '2024-06-30', successor: 'userRegistrationDetails' },
  permission: 'Reports.Read.All',
};
