import type { SourceDef } from './types.js';

/** graph-api.md §S: successor of userCredentialUsageDetails; default and maximum $top 1000. */
export const userEventsSummary: SourceDef = {
  id: 'userEventsSummary',
  title: 'User events summary',
  apiVersion: 'beta',
  requests: ['/reports/authenticationMethods/userEventsSummary?$top=1000'],
  permission: 'AuditLog.Read.All',
};
