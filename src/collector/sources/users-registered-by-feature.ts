import { INCLUDED_USER_ROLES, INCLUDED_USER_TYPES } from '../../graph/types.js';
import { allUsersCount, type SourceDef } from './types.js';

/** graph-api.md §5: one object per includedUserTypes × includedUserRoles slice; delegated permission only. */
export const usersRegisteredByFeature: SourceDef = {
  id: 'usersRegisteredByFeature',
  title: 'Users registered by feature',
  apiVersion: 'v1.0',
  requests: INCLUDED_USER_TYPES.flatMap((t) =>
    INCLUDED_USER_ROLES.map(
      (r) => `/reports/authenticationMethods/usersRegisteredByFeature(includedUserTypes='${t}',includedUserRoles='${r}')`,
    ),
  ),
  delegatedOnly: true,
  userCountOf: allUsersCount,
  permission: 'AuditLog.Read.All (delegated)',
};
