import { COHORTS } from '../metrics/registration.js';
import { shareAtLeast, type Check } from './types.js';

export const mfaCapableBelowTarget: Check = {
  meta: {
    id: 'mfa-capable-below-target',
    version: 1,
    title: 'MFA-capable share meets the target',
    severity: 'high',
    requires: ['userRegistrationDetails'],
    rationale:
      'Every member user should be MFA capable (a strong method registered and allowed by policy). Users who are not ' +
      'cannot satisfy an MFA policy: they are either blocked or excluded from it, and an excluded account is protected by its password alone.',
    remediation: {
      summary: 'Run a registration campaign for the users in the worklist and require registration at next sign-in.',
      steps: [
        'Enable the Microsoft Authenticator registration campaign (nudge) for the users in the worklist.',
        'Require MFA registration with a Conditional Access policy for "Register security information".',
        'Check the authentication methods policy allows the methods these users registered (registered but not capable).',
      ],
      links: ['https://learn.microsoft.com/entra/identity/authentication/how-to-mfa-registration-campaign'],
    },
    controls: ['cis-m365:5.2.3.4', 'nist-800-53:IA-5', 'iso-27001:5.17'],
    // registration data: evidence of readiness, not of enforcement (issue #14); the enforcement checks test these
    supports: [
      'cis-m365:5.2.2.2',
      'cisa-scuba:MS.AAD.3.2v2',
      'nist-800-53:IA-2(1)',
      'nist-800-53:IA-2(2)',
      'nist-800-63b:AAL2',
      'iso-27001:8.5',
      'soc2:CC6.1',
      'essential-eight:ISM-1504',
      'essential-eight:ISM-0974',
    ],
    evidence: ['users.in_scope', 'mfa.capable', 'mfa.registered'],
    cohort: COHORTS.usersNotMfaCapable,
    threshold: 'mfaCapableMin',
  },
  evaluate: shareAtLeast('mfa.capable', 'mfaCapableMin', 'MFA capable'),
};
