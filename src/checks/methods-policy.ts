/**
 * Authentication methods policy checks (issue #14): settings read from the policy itself (beta preferred for its
 * beta-only fields, v1.0 otherwise; engine/policies.ts), the evidence for the controls about which methods are allowed.
 */
import { metricValue, type Check } from './types.js';

const METHODS_POLICY = ['authenticationMethodsPolicyBeta', 'authenticationMethodsPolicy'];
const LINKS = {
  manage: 'https://learn.microsoft.com/entra/identity/authentication/concept-authentication-methods-manage',
  migrate: 'https://learn.microsoft.com/entra/identity/authentication/how-to-authentication-methods-manage',
  campaign: 'https://learn.microsoft.com/entra/identity/authentication/how-to-mfa-registration-campaign',
  systemPreferred: 'https://learn.microsoft.com/entra/identity/authentication/concept-system-preferred-multifactor-authentication',
  context: 'https://learn.microsoft.com/entra/identity/authentication/how-to-mfa-additional-context',
};

export const smsVoiceEnabled: Check = {
  meta: {
    id: 'sms-voice-enabled',
    version: 1,
    title: 'SMS and voice call are disabled in the authentication methods policy',
    severity: 'medium',
    requires: [],
    requiresOneOf: METHODS_POLICY,
    rationale:
      'SMS and voice codes travel over the phone network: SIM swaps, number porting and real-time phishing defeat them, ' +
      'and NIST SP 800-63B restricts them. While the methods are enabled, users keep registering them and attackers ' +
      'can fall back to them.',
    remediation: {
      summary: 'Move SMS/voice users to Authenticator or passkeys, then disable SMS and Voice call in the methods policy.',
      steps: [
        'Use the phone-only-mfa-users worklist to move those users first (registration campaign, TAP).',
        'In Entra ID > Authentication methods > Policies, set SMS and Voice call to Disabled (or scope them to a small, reviewed group).',
      ],
      links: [LINKS.manage],
    },
    controls: ['cis-m365:5.2.3.5', 'cisa-scuba:MS.AAD.3.5v2', 'nist-800-53:CM-7', 'nist-800-63b:3.1.3.3', 'nist-800-63b:3.2.9'],
    evidence: ['policy.methods.enabled.Sms', 'policy.methods.enabled.Voice'],
  },
  evaluate(ctx) {
    const on = ['Sms', 'Voice'].filter((m) => metricValue(ctx, `policy.methods.enabled.${m}`) === 1);
    return on.length === 0
      ? { status: 'pass', message: 'SMS and voice call are disabled.' }
      : { status: 'fail', message: `${on.map((m) => (m === 'Sms' ? 'SMS' : 'Voice call')).join(' and ')} ${on.length === 1 ? 'is' : 'are'} enabled in the authentication methods policy.` };
  },
};

export const emailOtpEnabled: Check = {
  meta: {
    id: 'email-otp-enabled',
    version: 1,
    title: 'Email one-time passcode is disabled in the authentication methods policy',
    severity: 'medium',
    requires: [],
    requiresOneOf: METHODS_POLICY,
    rationale:
      'An email one-time passcode proves control of a mailbox, which is often protected by the same password. CIS and ' +
      'CISA SCuBA ask for it to be disabled; B2B guests who need it are covered by the cross-tenant settings instead.',
    remediation: {
      summary: 'Disable Email OTP in the authentication methods policy.',
      steps: ['In Entra ID > Authentication methods > Policies, set Email OTP to Disabled, after checking which guests or members use it.'],
      links: [LINKS.manage],
    },
    controls: ['cis-m365:5.2.3.7', 'cisa-scuba:MS.AAD.3.5v2'],
    supports: ['cis-m365:5.2.3.5'],
    evidence: ['policy.methods.enabled.Email'],
  },
  evaluate(ctx) {
    return metricValue(ctx, 'policy.methods.enabled.Email') === 0
      ? { status: 'pass', message: 'Email OTP is disabled.' }
      : { status: 'fail', message: 'Email OTP is enabled in the authentication methods policy.' };
  },
};

export const registrationCampaignOff: Check = {
  meta: {
    id: 'registration-campaign-off',
    version: 1,
    title: 'The registration campaign is on while users lack MFA',
    severity: 'medium',
    requires: ['userRegistrationDetails'],
    requiresOneOf: METHODS_POLICY,
    rationale:
      'The registration campaign prompts users without Microsoft Authenticator to set it up at sign-in. While some users ' +
      'are not MFA capable, leaving it off (or Microsoft-managed) leaves their registration to chance.',
    remediation: {
      summary: 'Enable the registration campaign for all users (excluding emergency-access accounts) until everyone is MFA capable.',
      steps: ['In Entra ID > Authentication methods > Registration campaign, set State to Enabled, target All users, limit snoozes.'],
      links: [LINKS.campaign],
    },
    controls: ['nist-800-53:IA-5', 'iso-27001:5.17'],
    supports: ['cis-m365:5.2.3.4'],
    evidence: ['policy.registration_campaign', 'mfa.capable'],
  },
  evaluate(ctx) {
    const on = metricValue(ctx, 'policy.registration_campaign');
    metricValue(ctx, 'mfa.capable');
    const m = ctx.metrics['mfa.capable']!;
    const lacking = (m.denominator ?? 0) - (m.numerator ?? 0);
    if (lacking === 0) return { status: 'not_applicable', message: 'Every user in scope is MFA capable: no campaign is needed.' };
    return on === 1
      ? { status: 'pass', message: `The registration campaign is enabled; ${lacking.toLocaleString('en-US')} users are not yet MFA capable.` }
      : { status: 'fail', message: `The registration campaign is not enabled while ${lacking.toLocaleString('en-US')} users are not MFA capable.` };
  },
};

export const methodsMigrationIncomplete: Check = {
  meta: {
    id: 'methods-migration-incomplete',
    version: 1,
    title: 'The authentication methods policy migration is complete',
    severity: 'medium',
    requires: [],
    requiresOneOf: METHODS_POLICY,
    rationale:
      'Until the migration is marked complete, the legacy per-user MFA and SSPR method settings still apply beside the ' +
      'authentication methods policy, so a method disabled in the policy may still be allowed by the legacy settings.',
    remediation: {
      summary: 'Finish the migration to the authentication methods policy and set it to Migration Complete.',
      steps: [
        'Mirror the legacy MFA and SSPR method settings in the authentication methods policy.',
        'In Entra ID > Authentication methods > Policies > Manage migration, select Migration Complete.',
      ],
      links: [LINKS.migrate],
    },
    controls: ['cisa-scuba:MS.AAD.3.4v1', 'nist-800-53:CM-7'],
    evidence: ['policy.migration_complete'],
  },
  evaluate(ctx) {
    return metricValue(ctx, 'policy.migration_complete') === 1
      ? { status: 'pass', message: 'The methods policy migration is complete.' }
      : { status: 'fail', message: 'The methods policy migration is not complete: the legacy MFA and SSPR settings still apply.' };
  },
};

export const systemPreferredPolicyOff: Check = {
  meta: {
    id: 'system-preferred-policy-off',
    version: 1,
    title: 'System-preferred MFA is enabled in the methods policy',
    severity: 'low',
    requires: ['authenticationMethodsPolicyBeta'],
    rationale:
      'With system-preferred MFA enabled, Entra asks each user for the strongest method they registered. "Default" ' +
      '(Microsoft-managed) can change without notice; the setting should be explicitly enabled for all users.',
    remediation: {
      summary: 'Set system-preferred multifactor authentication to Enabled for all users.',
      steps: ['In Entra ID > Authentication methods > Settings, set System-preferred multifactor authentication to Enabled, target All users.'],
      links: [LINKS.systemPreferred],
    },
    controls: ['cis-m365:5.2.3.6'],
    evidence: ['policy.system_preferred'],
  },
  evaluate(ctx) {
    return metricValue(ctx, 'policy.system_preferred') === 1
      ? { status: 'pass', message: 'System-preferred MFA is enabled in the policy.' }
      : { status: 'fail', message: 'System-preferred MFA is not explicitly enabled (state "disabled" or "default").' };
  },
};

export const authenticatorContextHidden: Check = {
  meta: {
    id: 'authenticator-context-hidden',
    version: 1,
    title: 'Microsoft Authenticator shows the app name and location in push notifications',
    severity: 'low',
    requires: [],
    requiresOneOf: METHODS_POLICY,
    rationale:
      'Showing the application and the sign-in location in each push lets users spot a request they did not start ' +
      '(MFA fatigue). Microsoft-managed ("default") is not an explicit setting.',
    remediation: {
      summary: 'Enable "Show application name" and "Show geographic location" for all users.',
      steps: ['In Entra ID > Authentication methods > Microsoft Authenticator > Configure, set both to Enabled, target All users.'],
      links: [LINKS.context],
    },
    controls: ['cis-m365:5.2.3.1', 'cisa-scuba:MS.AAD.3.3v2'],
    evidence: ['policy.authenticator_context', 'policy.methods.enabled.MicrosoftAuthenticator'],
  },
  evaluate(ctx) {
    if (metricValue(ctx, 'policy.methods.enabled.MicrosoftAuthenticator') === 0) {
      return { status: 'not_applicable', message: 'Microsoft Authenticator is disabled.' };
    }
    return metricValue(ctx, 'policy.authenticator_context') === 1
      ? { status: 'pass', message: 'Authenticator shows the application name and the location.' }
      : { status: 'fail', message: 'Authenticator does not explicitly show the application name and the location in push notifications.' };
  },
};
