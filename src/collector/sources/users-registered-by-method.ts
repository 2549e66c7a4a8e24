import { INCLUDED_USER_ROLES, INCLUDED_USER_TYPES } from '../../graph/types.js';
import { allUsersCount, type SourceDef } from './types.js';

/** graph-api.md §6: one object per includedUserTypes × includedUserRoles slice; delegated permission only. */
export const usersRegisteredByMethod: SourceDef = {
  id: 'usersRegisteredByMethod',
  title: 'Users registered by method',
  apiVersion: 'v1.0',
  requests: INCLUDED_USER_TYPES.flatMap((t) =>
    INCLUDED_USER_ROLES.map(
      (r) => `/reports/authenticationMethods/usersRegisteredByMethod(includedUserTypes='${t}',includedUserRoles='${r}')`,
    ),
  ),
  delegatedOnly: true,
  userCountOf: allUsersCount,
  permission: 'AuditLog.Read.All (delegated)',
};
