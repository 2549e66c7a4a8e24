import { COHORTS } from '../metrics/registration.js';
import { shareAtLeast, type Check } from './types.js';

export const phishingResistantBelowTarget: Check = {
  meta: {
    id: 'phishing-resistant-below-target',
    version: 1,
    title: 'Phishing-resistant coverage meets the target',
    severity: 'medium',
    requires: ['userRegistrationDetails'],
    rationale:
      'CISA SCuBA requires phishing-resistant MFA for all users, and NIST SP 800-63B-4 requires agencies to offer and ' +
      'require it. Users without a phishing-resistant method can be phished by adversary-in-the-middle kits that relay ' +
      'push, OTP and SMS. The target share is set by the organisation; no framework sets a number.',
    remediation: {
      summary: 'Roll out passkeys (device-bound, in Microsoft Authenticator or FIDO2 keys) and Windows Hello for Business.',
      steps: [
        'Enable passkeys (FIDO2) for all users in the authentication methods policy.',
        'Run a registration campaign for passkeys in Microsoft Authenticator for the users in the worklist.',
        'Deploy Windows Hello for Business on managed Windows devices and Platform SSO on macOS.',
      ],
      links: ['https://learn.microsoft.com/entra/identity/authentication/how-to-plan-prerequisites-phishing-resistant-passwordless-authentication'],
    },
    controls: ['nist-800-53:IA-5'],
    // registration data: evidence of readiness, not of enforcement (issue #14); the enforcement checks test these
    supports: [
      'cisa-scuba:MS.AAD.3.1v1',
      'nist-800-53:IA-2(1)',
      'nist-800-53:IA-2(2)',
      'nist-800-53:IA-2(8)',
      'nist-800-63b:3.2.5',
      'nist-800-63b:AAL3',
      'iso-27001:8.5',
      'soc2:CC6.1',
      'essential-eight:ISM-1872',
      'essential-eight:ISM-1682',
    ],
    evidence: ['users.in_scope', 'phishing_resistant.registered'],
    cohort: COHORTS.usersWithoutPhishingResistant,
    threshold: 'phishingResistantMin',
  },
  evaluate: shareAtLeast('phishing_resistant.registered', 'phishingResistantMin', 'Phishing-resistant method registered'),
};
