import type { SourceDef } from './types.js';

/** graph-api.md §D.1: beta carries isPrivileged (not in the v1.0 schema). */
export const roleDefinitions: SourceDef = {
  id: 'roleDefinitions',
  title: 'Directory role definitions',
  apiVersion: 'beta',
  requests: ['/roleManagement/directory/roleDefinitions?$select=id,templateId,displayName,isBuiltIn,isPrivileged'],
  budget: 'directory',
  permission: 'RoleManagement.Read.Directory',
};
