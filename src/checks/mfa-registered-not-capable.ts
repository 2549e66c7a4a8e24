import { COHORTS } from '../metrics/registration.js';
import { describeRatio, noneAffected, type Check } from './types.js';

export const mfaRegisteredNotCapable: Check = {
  meta: {
    id: 'mfa-registered-not-capable',
    version: 1,
    title: 'No user is registered for MFA but unable to use it',
    severity: 'medium',
    requires: ['userRegistrationDetails'],
    rationale:
      'A user who registered a strong method that the authentication methods policy does not allow is "registered" but ' +
      'not "capable": they cannot satisfy an MFA prompt with it and are blocked, or excluded from MFA to keep working. ' +
      'CIS 5.2.3.4 measures capability, not registration.',
    remediation: {
      summary: 'Align the authentication methods policy with the methods the listed users registered, or move them to an allowed method.',
      steps: [
        'Compare the methods in the worklist with the authentication methods policy targets.',
        'Either allow the method for these users or have them register an allowed method (Authenticator, passkey).',
      ],
      links: ['https://learn.microsoft.com/entra/identity/authentication/concept-authentication-methods-manage'],
    },
    controls: ['cis-m365:5.2.3.4', 'nist-800-53:IA-5', 'iso-27001:5.17'],
    // registration data: evidence of readiness, not of enforcement (issue #14); the enforcement checks test these
    supports: [
      'cisa-scuba:MS.AAD.3.2v2',
      'nist-800-53:IA-2(2)',
      'nist-800-63b:AAL2',
      'iso-27001:8.5',
      'soc2:CC6.1',
      'essential-eight:ISM-1504',
    ],
    evidence: ['users.in_scope', 'mfa.registered', 'mfa.capable', 'mfa.registered_not_capable'],
    cohort: COHORTS.usersRegisteredNotCapable,
  },
  evaluate: noneAffected(
    'mfa.registered_not_capable',
    'Every user registered for MFA is also MFA capable.',
    (_n, ctx) => `Registered for MFA but not capable: ${describeRatio(ctx.metrics['mfa.registered_not_capable'])}.`,
  ),
};
