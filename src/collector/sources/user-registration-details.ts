import type { SourceDef } from './types.js';

/** graph-api.md §4: GA in v1.0 and every cloud; $top up to 1000 (999 as community code sends), nextLink paging. */
export const userRegistrationDetails: SourceDef = {
  id: 'userRegistrationDetails',
  title: 'User registration details',
  apiVersion: 'v1.0',
  requests: ['/reports/authenticationMethods/userRegistrationDetails?$top=999'],
  permission: 'AuditLog.Read.All',
  usersPerPage: 999,
  retryWithoutTop: true,
};
