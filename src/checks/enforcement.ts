/**
 * Enforcement checks (issue #14): what Conditional Access or security defaults require of each user, joined to the
 * user's registration (metrics/enforcement.ts). These, not the registration checks, are the evidence for the
 * controls that ask for MFA to be *required*. Each throws NotAssessableError when the policy data is missing.
 */
import { ENFORCEMENT_COHORTS } from '../metrics/enforcement.js';
import { describeRatio, metricValue, NotAssessableError, requireEnforcement, type Check, type CheckContext } from './types.js';

/** The sources the enforcement join reads besides userRegistrationDetails (security defaults can stand in for CA). */
export const ENFORCEMENT_SOURCES = [
  'conditionalAccessPolicies',
  'securityDefaults',
  'authenticationStrengthPolicies',
  'caGroupMembers',
  'roleAssignments',
  'roleGroupMembers',
  'authenticationMethodsPolicy',
];

const CA_LINKS = {
  allUsers: 'https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-mfa-strength',
  admins: 'https://learn.microsoft.com/entra/identity/conditional-access/policy-admin-phish-resistant-mfa',
  reportOnly: 'https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-report-only',
  emergency: 'https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access',
  strengths: 'https://learn.microsoft.com/entra/identity/authentication/concept-authentication-strengths',
};

const n = (x: number) => x.toLocaleString('en-US');

/** Fails when the ratio's numerator is below its denominator; the message names the gap ("3 of 17 admins …"). */
function allOf(metric: string, label: string, missingWords: string): Check['evaluate'] {
  return (ctx: CheckContext) => {
    requireEnforcement(ctx);
    const m = ctx.metrics[metric];
    if (m && m.value === null && m.denominator === 0) return { status: 'not_applicable', message: `${label}: no admin in scope.` };
    metricValue(ctx, metric);
    const gap = (m?.denominator ?? 0) - (m?.numerator ?? 0);
    return gap === 0
      ? { status: 'pass', message: `${label}: ${describeRatio(m)}.` }
      : { status: 'fail', message: `${n(gap)} of ${n(m?.denominator ?? 0)} admins ${missingWords}. ${label}: ${describeRatio(m)}.` };
  };
}

export const mfaNotEnforcedForAllUsers: Check = {
  meta: {
    id: 'mfa-not-enforced-for-all-users',
    version: 1,
    title: 'MFA is enforced for every user',
    severity: 'high',
    requires: ['userRegistrationDetails'],
    uses: ENFORCEMENT_SOURCES,
    rationale:
      'An enabled Conditional Access policy (or security defaults) should require MFA of every user for all resources, ' +
      'with no condition that narrows it. A user it does not cover, or covers only in some locations or apps, can sign in ' +
      'with a password alone there: being MFA capable does not help if nothing asks for it.',
    remediation: {
      summary: 'Cover every user with an enabled all-users, all-resources policy that requires MFA or an authentication strength.',
      steps: [
        'Create (or enable) a Conditional Access policy: Users = All users, excluding only the emergency-access accounts; Target resources = All resources; Grant = Require authentication strength (Multifactor authentication or stronger).',
        'Run it in report-only first, review the sign-in impact, then switch it to On.',
        'Review the worklist: users covered only by location- or app-conditioned policies, or by report-only ones.',
      ],
      links: [CA_LINKS.allUsers, CA_LINKS.reportOnly],
    },
    controls: [
      'cis-m365:5.2.2.2',
      'cisa-scuba:MS.AAD.3.2v2',
      'nist-800-53:IA-2(1)',
      'nist-800-53:IA-2(2)',
      'nist-800-63b:AAL2',
      'iso-27001:8.5',
      'soc2:CC6.1',
      'essential-eight:ISM-0974',
      'essential-eight:ISM-1504',
    ],
    evidence: ['enforcement.mfa.enforced', 'enforcement.mfa.conditional', 'enforcement.mfa.report_only', 'enforcement.mfa.none'],
    cohort: ENFORCEMENT_COHORTS.usersNotEnforced,
  },
  evaluate(ctx) {
    requireEnforcement(ctx);
    const share = (k: string) => describeRatio(ctx.metrics[`enforcement.mfa.${k}`]);
    const m = ctx.metrics['enforcement.mfa.enforced'];
    metricValue(ctx, 'enforcement.mfa.enforced');
    const gap = (m?.denominator ?? 0) - (m?.numerator ?? 0);
    return gap === 0
      ? { status: 'pass', message: `MFA is enforced for every user: ${share('enforced')}.` }
      : {
          status: 'fail',
          message: `MFA is not enforced for ${n(gap)} of ${n(m?.denominator ?? 0)} users. Enforced ${share('enforced')}; conditional ${share('conditional')}; report-only ${share('report_only')}; none ${share('none')}.`,
        };
  },
};

export const adminsMfaNotEnforced: Check = {
  meta: {
    id: 'admins-mfa-not-enforced',
    version: 1,
    title: 'MFA is enforced for every admin',
    severity: 'critical',
    requires: ['userRegistrationDetails'],
    uses: ENFORCEMENT_SOURCES,
    rationale:
      'Every account with an admin role must be required to complete MFA at every sign-in by an enabled, unconditional ' +
      'policy. An admin whose MFA is only registered, conditional or report-only can be taken over with one phished password.',
    remediation: {
      summary: 'Require MFA (better: phishing-resistant MFA) for all directory roles with an enabled, unconditional policy.',
      steps: [
        'Create a Conditional Access policy: Users = Directory roles (all privileged roles) or All users; Target resources = All resources; Grant = Require authentication strength.',
        'Remove location, platform or app conditions from the admin policy; exclude only the emergency-access accounts.',
        'Check each admin in the worklist: which policy covers them, and why it does not enforce.',
      ],
      links: [CA_LINKS.admins],
    },
    controls: ['cis-m365:5.2.2.1', 'nist-800-53:IA-2(1)', 'nist-800-63b:AAL2', 'iso-27001:8.2', 'iso-27001:8.5', 'soc2:CC6.1', 'essential-eight:ISM-1173'],
    evidence: ['enforcement.admins.mfa_enforced'],
    cohort: ENFORCEMENT_COHORTS.adminsNotEnforced,
  },
  evaluate: allOf('enforcement.admins.mfa_enforced', 'Admins with MFA enforced', 'have no enforced MFA'),
};

export const adminsPhishingResistantNotEnforced: Check = {
  meta: {
    id: 'admins-phishing-resistant-not-enforced',
    version: 1,
    title: 'Phishing-resistant MFA is required for every admin',
    severity: 'high',
    requires: ['userRegistrationDetails'],
    uses: ENFORCEMENT_SOURCES,
    rationale:
      'Admins should be required to use a phishing-resistant authentication strength (passkey/FIDO2, Windows Hello for ' +
      'Business, certificate-based MFA). Push, OTP and phone methods can be relayed by an adversary-in-the-middle proxy.',
    remediation: {
      summary: 'Require the built-in Phishing-resistant MFA strength for all privileged roles in an enabled policy.',
      steps: [
        'Make sure every admin has registered a passkey (see admins-without-phishing-resistant-method) before enforcing.',
        'Create or switch on a Conditional Access policy for the privileged directory roles with Grant = Require authentication strength: Phishing-resistant MFA.',
      ],
      links: [CA_LINKS.admins, CA_LINKS.strengths],
    },
    controls: [
      'cis-m365:5.2.2.5',
      'cisa-scuba:MS.AAD.3.6v1',
      'nist-800-53:IA-2(8)',
      'nist-800-63b:AAL3',
      'nist-800-63b:3.2.5',
      'iso-27001:8.2',
      'essential-eight:ISM-1682',
    ],
    evidence: ['enforcement.admins.phishing_resistant_enforced'],
    cohort: ENFORCEMENT_COHORTS.adminsPhishingResistantNotEnforced,
  },
  evaluate: allOf(
    'enforcement.admins.phishing_resistant_enforced',
    'Admins with phishing-resistant MFA enforced',
    'are not required to use phishing-resistant MFA',
  ),
};

export const adminsStrongerPolicyReportOnly: Check = {
  meta: {
    id: 'admins-stronger-policy-report-only',
    version: 1,
    title: 'No admin policy is left in report-only',
    severity: 'high',
    requires: ['userRegistrationDetails'],
    uses: ENFORCEMENT_SOURCES,
    rationale:
      'A report-only policy only logs what it would do. When the policy that would require a stronger method of admins ' +
      'is report-only, the tenant looks protected on paper while nothing is enforced.',
    remediation: {
      summary: 'Review the report-only results and switch the admin policy to On.',
      steps: [
        'Open the report-only policy in Conditional Access and check its impact in the sign-in logs (Report-only tab).',
        'Register the required methods for the admins in the worklist, then set the policy to On.',
      ],
      links: [CA_LINKS.reportOnly, CA_LINKS.admins],
    },
    controls: ['cis-m365:5.2.2.5', 'cisa-scuba:MS.AAD.3.6v1'],
    supports: ['cis-m365:5.2.2.1'],
    evidence: ['enforcement.admins.report_only_gap'],
    cohort: ENFORCEMENT_COHORTS.adminsReportOnlyGap,
  },
  evaluate(ctx) {
    requireEnforcement(ctx);
    const gap = metricValue(ctx, 'enforcement.admins.report_only_gap');
    return gap === 0
      ? { status: 'pass', message: 'No admin depends on a report-only policy for a stronger requirement.' }
      : { status: 'fail', message: `For ${n(gap)} admins a stronger method is required only by a report-only policy.` };
  },
};

export const mfaExclusionsNotBreakGlass: Check = {
  meta: {
    id: 'mfa-exclusions-not-break-glass',
    version: 1,
    title: 'Only declared break-glass accounts are excluded from MFA enforcement',
    severity: 'high',
    requires: ['userRegistrationDetails'],
    uses: ENFORCEMENT_SOURCES,
    rationale:
      'Exclusions from the MFA policies are where attackers look first. Only the emergency-access accounts, declared and ' +
      'protected on their own, should be left out; every other exclusion (a user, a group, a role) is a standing bypass.',
    remediation: {
      summary: 'Remove every exclusion other than the emergency-access accounts, or declare and justify them.',
      steps: [
        'For each user in the worklist, find the exclusion (user, group or role) in the enforcing policies and remove it.',
        'Where an exclusion is needed for a while, record it as an exception with an owner and an expiry date in the config.',
        'List the real emergency-access accounts in population.breakGlassAccounts so they are assessed on their own.',
      ],
      links: [CA_LINKS.emergency],
    },
    controls: ['cis-m365:5.2.2.2', 'cisa-scuba:MS.AAD.3.2v2', 'nist-800-53:IA-2(2)', 'iso-27001:8.5'],
    evidence: ['enforcement.excluded_users', 'enforcement.excluded_users_undeclared'],
    cohort: ENFORCEMENT_COHORTS.usersExcludedUndeclared,
  },
  evaluate(ctx) {
    requireEnforcement(ctx);
    const all = metricValue(ctx, 'enforcement.excluded_users');
    const undeclared = metricValue(ctx, 'enforcement.excluded_users_undeclared');
    return undeclared === 0
      ? { status: 'pass', message: `${all === 0 ? 'No user is' : `Only the ${n(all)} declared break-glass account(s) are`} excluded from the enforcing MFA policies.` }
      : { status: 'fail', message: `${n(undeclared)} users who are not declared break-glass accounts are excluded from every enforcing MFA policy that includes them (${n(all)} excluded in all, break-glass included).` };
  },
};

export const requiredStrengthNotSatisfiable: Check = {
  meta: {
    id: 'required-strength-not-satisfiable',
    version: 1,
    title: "Every user's methods satisfy the strength their policies require",
    severity: 'medium',
    requires: ['userRegistrationDetails'],
    uses: ENFORCEMENT_SOURCES,
    rationale:
      'When a policy requires a strength that none of a user\'s registered (and allowed) methods satisfies, the user is ' +
      'blocked or sent to register at sign-in, where a phished session can register an attacker\'s method. Registration ' +
      'should lead enforcement, not follow it.',
    remediation: {
      summary: 'Have the listed users register a method that meets the required strength before the policy reaches them.',
      steps: [
        'Issue a Temporary Access Pass to users who cannot register alone, and have them register a passkey or Authenticator.',
        'Enable the methods the strength needs in the authentication methods policy (a disabled method never satisfies it).',
        'Roll strict strengths out group by group, after registration.',
      ],
      links: [CA_LINKS.strengths],
    },
    controls: ['nist-800-53:IA-5', 'iso-27001:5.17'],
    supports: ['cis-m365:5.2.3.4'],
    evidence: ['enforcement.required_not_satisfiable'],
    cohort: ENFORCEMENT_COHORTS.usersRequiredNotSatisfiable,
  },
  evaluate(ctx) {
    requireEnforcement(ctx);
    const k = metricValue(ctx, 'enforcement.required_not_satisfiable');
    return k === 0
      ? { status: 'pass', message: 'Every user has a registered method that satisfies the strength their enabled policies require.' }
      : { status: 'fail', message: `${n(k)} users have no registered, allowed method that satisfies a strength an enabled policy requires of them (they are blocked or asked to register at sign-in).` };
  },
};

export const noBaselineMfaPolicy: Check = {
  meta: {
    id: 'no-baseline-mfa-policy',
    version: 1,
    title: 'MFA is required by Conditional Access or by security defaults (not neither, not both)',
    severity: 'critical',
    requires: ['securityDefaults'],
    uses: ['conditionalAccessPolicies'],
    rationale:
      'A tenant needs one source of MFA enforcement: enabled Conditional Access policies that require MFA or, without ' +
      'Entra ID P1, security defaults. With neither, no sign-in is required to use MFA; with both, the settings conflict ' +
      'and the effective policy is unclear.',
    remediation: {
      summary: 'Enable an all-users MFA Conditional Access policy and keep security defaults off, or turn security defaults on.',
      steps: [
        'With Entra ID P1: create the all-users MFA policy (report-only, then On), then disable security defaults.',
        'Without P1: enable security defaults (Entra ID > Overview > Properties > Manage security defaults).',
      ],
      links: ['https://learn.microsoft.com/entra/fundamentals/security-defaults', CA_LINKS.allUsers],
    },
    controls: ['cis-m365:5.2.2.2', 'nist-800-53:IA-2(1)', 'nist-800-53:IA-2(2)'],
    evidence: ['policy.security_defaults', 'policy.ca.mfa_enabled'],
  },
  evaluate(ctx) {
    const sd = metricValue(ctx, 'policy.security_defaults');
    const ca = ctx.sources['conditionalAccessPolicies']?.status;
    let mfaPolicies: number;
    if (ca === 'ok') mfaPolicies = metricValue(ctx, 'policy.ca.mfa_enabled');
    else if (ca === 'unavailable') mfaPolicies = 0; // no Entra ID P1: no CA policy can apply
    else throw new NotAssessableError(`source conditionalAccessPolicies ${ca ?? 'not collected'}: enabled CA policies unknown`);
    const caWords =
      ca === 'unavailable' ? 'Conditional Access is not licensed' : mfaPolicies === 0 ? 'no enabled CA policy requires MFA' : `${n(mfaPolicies)} enabled CA policies require MFA`;
    if (sd === 1 && mfaPolicies > 0) return { status: 'fail', message: `Security defaults are on and ${caWords}: the two conflict.` };
    if (sd === 0 && mfaPolicies === 0) return { status: 'fail', message: `Security defaults are off and ${caWords}: nothing requires MFA.` };
    return { status: 'pass', message: sd === 1 ? 'Security defaults require MFA (no enabled CA policy requires it).' : `${caWords}; security defaults are off.` };
  },
};
