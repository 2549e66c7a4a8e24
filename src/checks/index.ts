import { adminFlagMismatch } from './admin-flag-mismatch.js';
import { adminsWithoutMfa } from './admins-without-mfa.js';
import { adminsWithoutPhishingResistantMethod } from './admins-without-phishing-resistant-method.js';
import { mfaCapableBelowTarget } from './mfa-capable-below-target.js';
import { passwordlessBelowTarget } from './passwordless-below-target.js';
import { phoneOnlyMfaUsers } from './phone-only-mfa-users.js';
import type { Check } from './types.js';

export type { Check, CheckContext, CheckMeta, CheckOutcome } from './types.js';

/** The check registry: one line per check. */
export const CHECKS: readonly Check[] = [
  adminsWithoutMfa,
  adminsWithoutPhishingResistantMethod,
  mfaCapableBelowTarget,
  phoneOnlyMfaUsers,
  passwordlessBelowTarget,
  adminFlagMismatch,
];
