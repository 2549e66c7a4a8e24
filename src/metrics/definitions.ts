/**
 * Method sets and population rules in force by default. They are written into results.json and printed in the
 * pack, so an auditor sees exactly what each number means.
 */

/**
 * Phishing-resistant methodsRegistered tokens (graph-api.md §D.3: Entra's list — WHfB, platform credential for
 * macOS, passkeys incl. synced, FIDO2 keys, passkeys in Authenticator, CBA).
 */
export const PHISHING_RESISTANT_TOKENS: readonly string[] = [
  'certificateBasedAuthentication',
  'fido2',
  'fido2SecurityKey',
  'macOsSecureEnclaveKey',
  'passKeyDeviceBound',
  'passKeyDeviceBoundAuthenticator',
  'passKeyDeviceBoundWindowsHello',
  'passKeySynced',
  'windowsHelloForBusiness',
];
/** The CBA token is undocumented (graph-api.md §4): any token starting with these counts. */
export const PHISHING_RESISTANT_PREFIXES: readonly string[] = ['x509Certificate'];

/** Phone (PSTN: SMS/voice) methods — restricted authenticators in NIST SP 800-63B. */
export const PHONE_TOKENS: readonly string[] = ['alternateMobilePhone', 'mobilePhone', 'officePhone', 'sms', 'voice'];

/** Tokens that are not MFA methods; every other token, unknown ones included, counts as an MFA method. */
export const NON_MFA_TOKENS: readonly string[] = ['appPassword', 'email', 'password', 'securityQuestion'];

export const POPULATION_DEFINITION =
  'Rows of userRegistrationDetails whose userType is not "guest" (member, null and unknown values count as members). ' +
  'Disabled accounts are absent from this report; guests are counted separately.';

export const ADMINS_DEFINITION =
  'Rows of userRegistrationDetails with isAdmin = true, any userType (Microsoft: the user has an admin role in the tenant).';

export interface Thresholds {
  /** minimum share of the population that is MFA-capable */
  mfaCapableMin: number;
  /** minimum share of the population that is passwordless-capable */
  passwordlessCapableMin: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  mfaCapableMin: 0.95,
  passwordlessCapableMin: 0.25,
};
