/**
 * Checks on the usage reports (issue #15): who keeps failing to register or reset (userEventsSummary, or the retired
 * userCredentialUsageDetails), and how many sign-ins used a single factor (userMfaSignInSummary, beta).
 */
import { REPEATED_FAILURES_COHORT } from '../metrics/reports.js';
import { describeRatio, metricValue, NotAssessableError, pct, type Check } from './types.js';

export const repeatedRegistrationOrResetFailures: Check = {
  meta: {
    id: 'repeated-registration-or-reset-failures',
    version: 1,
    title: 'No user fails registration or password reset again and again',
    severity: 'low',
    requires: [],
    uses: ['userEventsSummary', 'userCredentialUsageDetails'],
    rationale:
      'A user who fails to register a method or to reset a password several times in a short period is either stuck ' +
      '(and about to call the help desk, or to be talked through a weaker path) or the target of someone trying to ' +
      'register their own method or take over the account. Both deserve a look.',
    remediation: {
      summary: 'Review each listed user: contact the genuine ones, and investigate attempts the user did not make.',
      steps: [
        'Open the user in Entra ID > Monitoring > Audit logs (category UserManagement / Authentication methods) for the failed events.',
        'Where the user did not start them, reset the password, revoke sessions and check the registered methods.',
        'Where they did, help them register (Temporary Access Pass) and check the failure reasons in the pack.',
      ],
      links: ['https://learn.microsoft.com/entra/identity/authentication/howto-authentication-methods-activity'],
    },
    controls: ['nist-800-53:SI-4', 'nist-800-53:AU-6', 'iso-27001:8.16', 'soc2:CC7.2'],
    evidence: ['events.users_repeated_failures', 'events.registration.failure_rate', 'events.reset.failure_rate'],
    cohort: REPEATED_FAILURES_COHORT,
    threshold: 'repeatedFailuresMin',
  },
  evaluate(ctx) {
    const successor = ctx.sources['userEventsSummary'];
    const retired = ctx.sources['userCredentialUsageDetails'];
    if (successor?.status !== 'ok' && !(retired?.status === 'ok' && retired.records > 0)) {
      throw new NotAssessableError(`source userEventsSummary ${successor?.status ?? 'not collected'} and no data from userCredentialUsageDetails`);
    }
    const n = metricValue(ctx, 'events.users_repeated_failures');
    const min = ctx.thresholds.repeatedFailuresMin;
    return n === 0
      ? { status: 'pass', message: `No user has ${min} or more failed registration or reset events in the period.` }
      : { status: 'fail', message: `${n.toLocaleString('en-US')} users have ${min} or more failed registration or reset events in the period.` };
  },
};

export const singleFactorSignInsAboveTarget: Check = {
  meta: {
    id: 'single-factor-sign-ins-above-target',
    version: 1,
    title: 'Single-factor sign-ins stay below the target',
    severity: 'medium',
    requires: ['userMfaSignInSummary'],
    rationale:
      'userMfaSignInSummary counts, per day, the sign-ins completed with MFA and those completed with one factor. ' +
      'Whatever the policies say, a high single-factor share shows that many sign-ins were not asked for MFA: the ' +
      'outcome an enforcement gap produces.',
    remediation: {
      summary: 'Find which users, apps and locations sign in with one factor, and close the policy gaps.',
      steps: [
        'In Entra ID > Sign-in logs, filter Authentication requirement = Single-factor authentication for the period.',
        'Compare with the enforcement section: users not enforced, excluded, or covered only by conditional policies.',
      ],
      links: ['https://learn.microsoft.com/entra/identity/monitoring-health/concept-sign-ins'],
    },
    controls: ['nist-800-53:SI-4', 'nist-800-53:AU-6', 'iso-27001:8.16'],
    supports: ['cis-m365:5.2.2.2', 'cisa-scuba:MS.AAD.3.2v2', 'nist-800-53:IA-2(2)'],
    evidence: ['usage.single_factor_signin_share', 'usage.days'],
    threshold: 'singleFactorSignInsMax',
  },
  evaluate(ctx) {
    if (metricValue(ctx, 'usage.days') === 0) return { status: 'not_applicable', message: 'The sign-in summary has no valid day.' };
    const share = metricValue(ctx, 'usage.single_factor_signin_share');
    const max = ctx.thresholds.singleFactorSignInsMax;
    const m = ctx.metrics['usage.single_factor_signin_share'];
    if (m?.denominator === 0) return { status: 'not_applicable', message: 'No sign-in in the period.' };
    return {
      status: share <= max ? 'pass' : 'fail',
      message: `Single-factor sign-ins: ${describeRatio(m)}; target at most ${pct(max)}.`,
    };
  },
};
