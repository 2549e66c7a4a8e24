import { COHORTS } from '../metrics/registration.js';
import { noneAffected, type Check } from './types.js';

/** Data quality (graph-api.md §D.2): the report's isAdmin flag is undefined for PIM, group and scoped roles. */
export const adminFlagMismatch: Check = {
  meta: {
    id: 'admin-flag-mismatch',
    version: 1,
    title: "The report's isAdmin flag agrees with the role assignments",
    severity: 'info',
    requires: ['userRegistrationDetails', 'roleAssignments', 'roleGroupMembers'],
    rationale:
      'userRegistrationDetails.isAdmin is not defined for eligible (PIM), group-based or scoped assignments and lags by ' +
      'hours. Where it disagrees with the role assignments, tools that rely on the flag miss admins or flag non-admins; ' +
      'this pack counts admins from the role assignments and lists the disagreements here as evidence.',
    remediation: {
      summary: 'Review the listed users: most are PIM-eligible or group-based admins, or role changes the report has not caught up with.',
      steps: [
        'For each listed user, confirm the role assignment in Entra ID > Roles and administrators.',
        'Remove assignments that are no longer needed; prefer PIM-eligible over permanent active assignments.',
      ],
      links: ['https://learn.microsoft.com/graph/api/resources/userregistrationdetails'],
    },
    controls: ['nist-800-53:CA-7', 'soc2:CC2.1'],
    evidence: ['data.admin_flag_mismatch', 'admins.total'],
    cohort: COHORTS.adminFlagMismatch,
  },
  evaluate: noneAffected(
    'data.admin_flag_mismatch',
    'The isAdmin flag agrees with the active role assignments for every user.',
    (n) => `${n} users have an isAdmin flag that disagrees with their active role assignments.`,
  ),
};
