import { COHORTS } from '../metrics/registration.js';
import { describeRatio, metricValue, type Check } from './types.js';

export const guestsWithoutMfa: Check = {
  meta: {
    id: 'guests-without-mfa',
    version: 1,
    title: 'Every guest is MFA capable in this tenant',
    severity: 'medium',
    requires: ['userRegistrationDetails'],
    rationale:
      'Guests reach the same resources as members and are covered by "MFA for all users" (CIS 5.2.2.2, SCuBA MS.AAD.3.2). ' +
      'A guest without MFA here relies on a password, unless cross-tenant access trusts MFA done in their home tenant — ' +
      'which this report cannot see, so review the list against your cross-tenant access settings.',
    remediation: {
      summary: 'Require MFA for guests, or trust their home-tenant MFA through cross-tenant access settings.',
      steps: [
        'Include guests in the Conditional Access policy that requires MFA.',
        'For partner organisations with strong MFA, trust their MFA claims in cross-tenant access settings.',
        'Remove guests who no longer need access (access reviews).',
      ],
      links: ['https://learn.microsoft.com/entra/external-id/authentication-conditional-access'],
    },
    controls: ['nist-800-53:IA-5'],
    // registration data: evidence of readiness, not of enforcement (issue #14); the enforcement checks test these
    supports: [
      'cis-m365:5.2.2.2',
      'cisa-scuba:MS.AAD.3.2v2',
      'nist-800-53:IA-8',
      'nist-800-53:IA-2(2)',
      'nist-800-63b:AAL2',
      'iso-27001:8.5',
      'iso-27001:5.16',
      'soc2:CC6.1',
      'soc2:CC6.2',
      'essential-eight:ISM-1504',
    ],
    evidence: ['users.guests', 'guests.mfa_capable'],
    cohort: COHORTS.guestsNotMfaCapable,
  },
  evaluate(ctx) {
    const guests = metricValue(ctx, 'users.guests');
    if (guests === 0) return { status: 'not_applicable', message: 'The tenant has no guest users in the report.' };
    const m = ctx.metrics['guests.mfa_capable']!;
    const without = guests - (m.numerator ?? 0);
    return without === 0
      ? { status: 'pass', message: `All ${guests} guests are MFA capable.` }
      : { status: 'fail', message: `${without} of ${guests} guests are not MFA capable; MFA capable: ${describeRatio(m)}.` };
  },
};
