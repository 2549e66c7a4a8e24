import type { SourceDef } from './types.js';

/** graph-api.md §1: beta function, one element; global cloud only. */
export const credentialUserRegistrationCount: SourceDef = {
  id: 'credentialUserRegistrationCount',
  title: 'Credential user registration count',
  apiVersion: 'beta',
  requests: ['/reports/getCredentialUserRegistrationCount'],
  permission: 'Reports.Read.All',
};
