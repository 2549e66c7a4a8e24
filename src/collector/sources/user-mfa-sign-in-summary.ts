import type { SourceDef } from './types.js';

/**
 * graph-api.md §S, §F: beta usage summary, one row a day {id, createdDateTime, totalSignIns, singleFactorSignIns,
 * multiFactorSignIns}. The docs list no query options, so the request sends none (no $top). Rows are stored as
 * Graph sends them: the docs' own sample is inconsistent (multi > total), so analysis validates each day.
 */
export const userMfaSignInSummary: SourceDef = {
  id: 'userMfaSignInSummary',
  title: 'User MFA sign-in summary',
  apiVersion: 'beta',
  requests: ['/reports/authenticationMethods/userMfaSignInSummary'],
  permission: 'AuditLog.Read.All',
};
