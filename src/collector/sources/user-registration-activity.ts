import type { SourceDef } from './types.js';

/** graph-api.md §S: successor of credentialUsageSummary (userRegistrationActivitySummary); delegated only. */
export const userRegistrationActivity: SourceDef = {
  id: 'userRegistrationActivity',
  title: 'User registration activity, 30 days',
  apiVersion: 'beta',
  requests: ["/reports/authenticationMethods/userRegistrationActivity(period='d30')"],
  delegatedOnly: true,
  permission: 'AuditLog.Read.All (delegated)',
};
