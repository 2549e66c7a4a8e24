import type { SourceDef } from './types.js';

/** graph-api.md §D.1: PIM-eligible assignments (needs Entra ID P2 / ID Governance). */
export const roleEligibilities: SourceDef = {
  id: 'roleEligibilityScheduleInstances',
  title: 'Eligible (PIM) directory role assignments',
  apiVersion: 'v1.0',
  requests: ['/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal'],
  budget: 'directory',
  permission: 'RoleEligibilitySchedule.Read.Directory',
};
