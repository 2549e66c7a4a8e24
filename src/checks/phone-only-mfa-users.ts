import { COHORTS } from '../metrics/registration.js';
import { describeRatio, noneAffected, type Check } from './types.js';

export const phoneOnlyMfaUsers: Check = {
  meta: {
    id: 'phone-only-mfa-users',
    version: 1,
    title: 'No user relies on SMS or voice alone for MFA',
    severity: 'medium',
    requires: ['userRegistrationDetails'],
    rationale:
      'SMS and voice codes travel over the public telephone network; NIST SP 800-63B treats them as restricted ' +
      'authenticators (SIM swap, number porting, interception). Users whose only MFA methods are phone methods cannot ' +
      'move to a stronger method when SMS and voice are disabled.',
    remediation: {
      summary: 'Move the listed users to Microsoft Authenticator or a passkey, then disable SMS and voice.',
      steps: [
        'Run a registration campaign for Microsoft Authenticator targeting the users in the worklist.',
        'Once they have registered a stronger method, disable SMS and Voice call in the authentication methods policy.',
      ],
      links: ['https://learn.microsoft.com/entra/identity/authentication/concept-authentication-methods-manage'],
    },
    controls: ['nist-800-53:IA-5'],
    // registration data: evidence of readiness, not of enforcement (issue #14); the enforcement checks test these
    supports: [
      'cis-m365:5.2.3.5',
      'cisa-scuba:MS.AAD.3.5v2',
      'nist-800-53:CM-7',
      'nist-800-63b:3.1.3.3',
      'nist-800-63b:3.2.9',
      'iso-27001:8.5',
      'soc2:CC6.1',
      'essential-eight:ISM-1682',
    ],
    evidence: ['users.in_scope', 'mfa.phone_only'],
    cohort: COHORTS.usersPhoneOnly,
  },
  evaluate: noneAffected(
    'mfa.phone_only',
    'No user has phone (SMS/voice) methods as their only MFA methods.',
    (_n, ctx) => `SMS/voice-only users: ${describeRatio(ctx.metrics['mfa.phone_only'])}.`,
  ),
};
