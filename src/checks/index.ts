import { adminFlagMismatch } from './admin-flag-mismatch.js';
import { adminsWithoutMfa } from './admins-without-mfa.js';
import { adminsWithoutPhishingResistantMethod } from './admins-without-phishing-resistant-method.js';
import { aggregateReportMismatch } from './aggregate-report-mismatch.js';
import {
  adminsMfaNotEnforced,
  adminsPhishingResistantNotEnforced,
  adminsStrongerPolicyReportOnly,
  mfaExclusionsNotBreakGlass,
  mfaNotEnforcedForAllUsers,
  noBaselineMfaPolicy,
  requiredStrengthNotSatisfiable,
} from './enforcement.js';
import {
  authenticatorContextHidden,
  emailOtpEnabled,
  methodsMigrationIncomplete,
  registrationCampaignOff,
  smsVoiceEnabled,
  systemPreferredPolicyOff,
} from './methods-policy.js';
import { repeatedRegistrationOrResetFailures, singleFactorSignInsAboveTarget } from './usage-reports.js';
import { breakglassWithoutPhishingResistantMethod } from './breakglass-without-phishing-resistant-method.js';
import { guestsWithoutMfa } from './guests-without-mfa.js';
import { mfaCapableBelowTarget } from './mfa-capable-below-target.js';
import { mfaRegisteredNotCapable } from './mfa-registered-not-capable.js';
import { passwordlessBelowTarget } from './passwordless-below-target.js';
import { phishingResistantBelowTarget } from './phishing-resistant-below-target.js';
import { phoneOnlyMfaUsers } from './phone-only-mfa-users.js';
import { registrationFailureRateAboveTarget } from './registration-failure-rate-above-target.js';
import { retiredSourceInUse } from './retired-source-in-use.js';
import { ssprEnabledNotRegistered } from './sspr-enabled-not-registered.js';
import { ssprResetFailureRateAboveTarget } from './sspr-reset-failure-rate-above-target.js';
import { staleReportRows } from './stale-report-rows.js';
import { systemPreferredMfaDisabled } from './system-preferred-mfa-disabled.js';
import type { Check } from './types.js';
import { unknownMethodTokens } from './unknown-method-tokens.js';

export type { Check, CheckContext, CheckMeta, CheckOutcome } from './types.js';

/** The check registry: one line per check. */
export const CHECKS: readonly Check[] = [
  // enforcement: what policy requires (issue #14)
  noBaselineMfaPolicy,
  adminsMfaNotEnforced,
  adminsPhishingResistantNotEnforced,
  adminsStrongerPolicyReportOnly,
  mfaNotEnforcedForAllUsers,
  mfaExclusionsNotBreakGlass,
  requiredStrengthNotSatisfiable,
  smsVoiceEnabled,
  emailOtpEnabled,
  registrationCampaignOff,
  methodsMigrationIncomplete,
  systemPreferredPolicyOff,
  authenticatorContextHidden,
  // usage reports (issue #15)
  singleFactorSignInsAboveTarget,
  repeatedRegistrationOrResetFailures,
  // registration and evidence quality
  adminsWithoutMfa,
  adminsWithoutPhishingResistantMethod,
  breakglassWithoutPhishingResistantMethod,
  mfaCapableBelowTarget,
  phishingResistantBelowTarget,
  passwordlessBelowTarget,
  phoneOnlyMfaUsers,
  mfaRegisteredNotCapable,
  ssprEnabledNotRegistered,
  ssprResetFailureRateAboveTarget,
  registrationFailureRateAboveTarget,
  guestsWithoutMfa,
  systemPreferredMfaDisabled,
  staleReportRows,
  aggregateReportMismatch,
  unknownMethodTokens,
  retiredSourceInUse,
  adminFlagMismatch,
];
