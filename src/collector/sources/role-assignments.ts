import type { SourceDef } from './types.js';

/** graph-api.md §D.1: active assignments (unified RBAC) with the principal expanded to learn its type. */
export const roleAssignments: SourceDef = {
  id: 'roleAssignments',
  title: 'Active directory role assignments',
  apiVersion: 'v1.0',
  requests: ['/roleManagement/directory/roleAssignments?$expand=principal'],
  budget: 'directory',
  permission: 'RoleManagement.Read.Directory',
};
