import { COHORTS } from '../metrics/registration.js';
import { describeRatio, metricValue, type Check } from './types.js';

export const adminsWithoutPhishingResistantMethod: Check = {
  meta: {
    id: 'admins-without-phishing-resistant-method',
    version: 1,
    title: 'Every admin has a phishing-resistant method',
    severity: 'high',
    requires: ['userRegistrationDetails'],
    rationale:
      'Admins should hold a phishing-resistant method (passkey/FIDO2, Windows Hello for Business, platform credential ' +
      'for macOS or certificate-based authentication). Push, OTP, SMS and voice can be relayed by adversary-in-the-middle ' +
      'phishing kits, which target admins first.',
    remediation: {
      summary: 'Register a passkey or Windows Hello for Business for each listed admin, then require phishing-resistant strength for admin roles.',
      steps: [
        'Enable passkeys (FIDO2) in the authentication methods policy for the admin group.',
        'Have each admin in the worklist register a security key or a passkey in Microsoft Authenticator.',
        'Require the built-in "Phishing-resistant MFA" authentication strength for all directory roles in Conditional Access.',
      ],
      links: [
        'https://learn.microsoft.com/entra/identity/authentication/how-to-enable-passkey-fido2',
        'https://learn.microsoft.com/entra/identity/conditional-access/policy-admin-phish-resistant-mfa',
      ],
    },
    controls: ['nist-800-53:IA-5', 'iso-27001:5.17'],
    // registration data: evidence of readiness, not of enforcement (issue #14); the enforcement checks test these
    supports: [
      'cis-m365:5.2.2.5',
      'cisa-scuba:MS.AAD.3.6v1',
      'nist-800-53:IA-2(1)',
      'nist-800-53:IA-2(8)',
      'nist-800-63b:AAL3',
      'nist-800-63b:3.2.5',
      'iso-27001:8.2',
      'iso-27001:8.5',
      'soc2:CC6.1',
      'soc2:CC6.3',
      'essential-eight:ISM-1682',
      'essential-eight:ISM-1872',
    ],
    evidence: ['admins.total', 'admins.phishing_resistant', 'admins.without_phishing_resistant'],
    cohort: COHORTS.adminsWithoutPhishingResistant,
  },
  evaluate(ctx) {
    const total = metricValue(ctx, 'admins.total');
    const without = metricValue(ctx, 'admins.without_phishing_resistant');
    return without === 0
      ? { status: 'pass', message: `All ${total} admins have a phishing-resistant method.` }
      : {
          status: 'fail',
          message: `${without} of ${total} admins have no phishing-resistant method; covered: ${describeRatio(ctx.metrics['admins.phishing_resistant'])}.`,
        };
  },
};
