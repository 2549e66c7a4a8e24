import { shareAtLeast, type Check } from './types.js';

export const passwordlessBelowTarget: Check = {
  meta: {
    id: 'passwordless-below-target',
    version: 1,
    title: 'Passwordless-capable share meets the target',
    severity: 'low',
    requires: ['userRegistrationDetails'],
    rationale:
      'Passwordless methods (passkeys/FIDO2, Windows Hello for Business, Authenticator passwordless sign-in) remove the ' +
      'password from sign-in, and with it password spray and reuse. The target is set by the organisation; no framework sets a number.',
    remediation: {
      summary: 'Plan a passwordless rollout: passkeys and Windows Hello for Business first for admins, then for everyone.',
      steps: [
        'Enable passkeys (FIDO2) and Microsoft Authenticator passwordless sign-in in the authentication methods policy.',
        'Deploy Windows Hello for Business on managed Windows devices.',
        'Track this share every quarter against the target.',
      ],
      links: ['https://learn.microsoft.com/entra/identity/authentication/concept-authentication-passwordless'],
    },
    controls: [],
    // registration data: evidence of readiness, not of enforcement (issue #14); the enforcement checks test these
    supports: [
      'cisa-scuba:MS.AAD.3.1v1',
      'nist-800-53:IA-2(8)',
      'nist-800-53:IA-5(2)',
      'iso-27001:8.5',
      'essential-eight:ISM-1401',
    ],
    evidence: ['users.in_scope', 'passwordless.capable'],
    threshold: 'passwordlessCapableMin',
  },
  evaluate: shareAtLeast('passwordless.capable', 'passwordlessCapableMin', 'Passwordless capable'),
};
