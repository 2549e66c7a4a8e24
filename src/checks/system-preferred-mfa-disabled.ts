import { COHORTS } from '../metrics/registration.js';
import { shareAtLeast, type Check } from './types.js';

export const systemPreferredMfaDisabled: Check = {
  meta: {
    id: 'system-preferred-mfa-disabled',
    version: 1,
    title: 'System-preferred MFA is enabled',
    severity: 'low',
    requires: ['userRegistrationDetails'],
    rationale:
      'With system-preferred MFA, Entra prompts for the strongest method a user has registered instead of the one they ' +
      'chose (often SMS). Without it, users who registered a passkey may still be prompted for a phishable method.',
    remediation: {
      summary: 'Enable system-preferred MFA for all users in the authentication methods settings.',
      steps: ['In Entra ID > Authentication methods > Settings, set System-preferred multifactor authentication to Enabled for All users.'],
      links: ['https://learn.microsoft.com/entra/identity/authentication/concept-system-preferred-multifactor-authentication'],
    },
    controls: ['nist-800-53:IA-5'],
    // registration data: evidence of readiness, not of enforcement (issue #14); the enforcement checks test these
    supports: ['cis-m365:5.2.3.6', 'iso-27001:8.5'],
    evidence: ['users.in_scope', 'system_preferred.enabled'],
    cohort: COHORTS.usersSystemPreferredOff,
    threshold: 'systemPreferredMin',
  },
  evaluate: shareAtLeast('system_preferred.enabled', 'systemPreferredMin', 'System-preferred MFA enabled'),
};
