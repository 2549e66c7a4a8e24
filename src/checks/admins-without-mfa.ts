import { COHORTS } from '../metrics/registration.js';
import { describeRatio, metricValue, type Check } from './types.js';

export const adminsWithoutMfa: Check = {
  meta: {
    id: 'admins-without-mfa',
    version: 1,
    title: 'Every admin is MFA capable',
    severity: 'critical',
    requires: ['userRegistrationDetails'],
    rationale:
      'Accounts with an admin role must be able to complete multifactor authentication. An admin who is not MFA ' +
      'capable can sign in with a password alone, so one phished or sprayed password gives an attacker control of the tenant.',
    remediation: {
      summary: 'Have each listed admin register a strong method now, and block admin sign-in without MFA.',
      steps: [
        'Contact each admin in the worklist and have them register Microsoft Authenticator or, better, a passkey (FIDO2).',
        'Issue a Temporary Access Pass where the admin cannot register without one.',
        'Enforce a Conditional Access policy requiring MFA (or phishing-resistant strength) for all directory roles.',
        'Remove admin roles that are no longer needed.',
      ],
      links: [
        'https://learn.microsoft.com/entra/identity/conditional-access/policy-old-require-mfa-admin',
        'https://learn.microsoft.com/entra/identity/authentication/howto-authentication-temporary-access-pass',
      ],
    },
    controls: ['cis-m365:5.2.3.4', 'nist-800-53:IA-5', 'iso-27001:5.17'],
    // registration data: evidence of readiness, not of enforcement (issue #14); the enforcement checks test these
    supports: [
      'cis-m365:5.2.2.1',
      'cisa-scuba:MS.AAD.3.2v2',
      'nist-800-53:IA-2(1)',
      'nist-800-63b:AAL2',
      'iso-27001:8.5',
      'iso-27001:8.2',
      'soc2:CC6.1',
      'essential-eight:ISM-1173',
    ],
    evidence: ['admins.total', 'admins.mfa_capable'],
    cohort: COHORTS.adminsNotMfaCapable,
  },
  evaluate(ctx) {
    const total = metricValue(ctx, 'admins.total');
    const capable = ctx.metrics['admins.mfa_capable'];
    const missing = total - (capable?.numerator ?? 0);
    return missing === 0
      ? { status: 'pass', message: `All ${total} admins are MFA capable.` }
      : { status: 'fail', message: `${missing} of ${total} admins are not MFA capable; MFA capable: ${describeRatio(capable)}.` };
  },
};
