import { rateAtMost, type Check } from './types.js';

export const registrationFailureRateAboveTarget: Check = {
  meta: {
    id: 'registration-failure-rate-above-target',
    version: 1,
    title: 'Method registration failure rate is within the limit',
    severity: 'low',
    requires: [],
    requiresOneOf: ['userRegistrationActivity', 'credentialUsageSummary'],
    rationale:
      'Failed method registrations leave users without MFA or SSPR, and bursts of failures can signal attempts to ' +
      'register attacker-controlled methods. Registration from untrusted devices should be restricted.',
    remediation: {
      summary: 'Find the failing methods and users in the activity report, and require a compliant device or location to register security information.',
      steps: [
        'Review registration failures per method in the authentication methods activity report.',
        'Add a Conditional Access policy for "Register security information" requiring a compliant device or trusted location.',
      ],
      links: ['https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-security-info-registration'],
    },
    controls: ['nist-800-53:SI-4', 'nist-800-53:AU-6', 'nist-800-53:IA-5', 'iso-27001:8.16', 'iso-27001:5.17', 'soc2:CC7.2'],
    evidence: ['registration.failure_rate'],
    threshold: 'registrationFailureMax',
  },
  evaluate: rateAtMost('registration.failure_rate', 'registrationFailureMax', 'Registration failure rate'),
};
