/**
 * Method sets and population rules in force by default. They are written into results.json and printed in the
 * pack, so an auditor sees exactly what each number means. The config file can replace each of them.
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

/** Tokens this version knows (graph-api.md §4); any other token is kept verbatim and reported as unknown. */
export const KNOWN_TOKENS: readonly string[] = [
  'alternateMobilePhone', 'appPassword', 'certificateBasedAuthentication', 'email', 'externalAuthMethod', 'fido2',
  'fido2SecurityKey', 'hardwareOneTimePasscode', 'macOsSecureEnclaveKey', 'microsoftAuthenticatorPasswordless',
  'microsoftAuthenticatorPush', 'mobilePhone', 'officePhone', 'passKeyDeviceBound', 'passKeyDeviceBoundAuthenticator',
  'passKeyDeviceBoundWindowsHello', 'passKeySynced', 'password', 'securityQuestion', 'sms', 'softwareOneTimePasscode',
  'temporaryAccessPass', 'voice', 'windowsHelloForBusiness',
];

export const ADMINS_DEFINITION =
  'Rows of userRegistrationDetails with isAdmin = true, any userType (Microsoft: the user has an admin role in the tenant).';

/** Targets and limits; each check that compares against one names it. */
export interface Thresholds {
  /** minimum share of the population that is MFA-capable */
  mfaCapableMin: number;
  /** minimum share of the population with a phishing-resistant method */
  phishingResistantMin: number;
  /** minimum share of the population that is passwordless-capable */
  passwordlessCapableMin: number;
  /** minimum share of the population with system-preferred MFA enabled */
  systemPreferredMin: number;
  /** maximum SSPR reset failure rate, overall and per method */
  ssprResetFailureMax: number;
  /** maximum method registration failure rate */
  registrationFailureMax: number;
  /** attempts a method needs before its own failure rate is judged */
  minAttemptsPerMethod: number;
  /** report rows older than this many days (before the snapshot) are stale */
  staleRowDays: number;
  /** maximum share of stale rows */
  staleRowsMax: number;
  /** relative difference tolerated between the aggregate reports and the per-user rows (report lag) */
  aggregateTolerance: number;
  /** failed registration or reset events that make a user "repeatedly failing" */
  repeatedFailuresMin: number;
  /** maximum share of single-factor sign-ins (userMfaSignInSummary) */
  singleFactorSignInsMax: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  mfaCapableMin: 0.95,
  phishingResistantMin: 0.3,
  passwordlessCapableMin: 0.25,
  systemPreferredMin: 0.95,
  ssprResetFailureMax: 0.2,
  registrationFailureMax: 0.2,
  minAttemptsPerMethod: 20,
  staleRowDays: 30,
  staleRowsMax: 0.05,
  aggregateTolerance: 0.02,
  repeatedFailuresMin: 3,
  singleFactorSignInsMax: 0.05,
};

/** The definitions the folds apply; built from the config (defaults above). */
export interface Definitions {
  phishingResistantTokens: readonly string[];
  phishingResistantPrefixes: readonly string[];
  phoneTokens: readonly string[];
  nonMfaTokens: readonly string[];
  includeGuests: boolean;
  /** lower-cased glob patterns (`*` = any run of characters) of UPNs left out of the population */
  excludeUpnPatterns: readonly string[];
  /** lower-cased UPNs of the emergency-access (break-glass) accounts */
  breakGlassUpns: readonly string[];
  staleRowDays: number;
  /** ISO time the staleness is measured from: the snapshot's collection time */
  asOf: string;
}

export function defaultDefinitions(asOf = '1970-01-01T00:00:00Z'): Definitions {
  return {
    phishingResistantTokens: PHISHING_RESISTANT_TOKENS,
    phishingResistantPrefixes: PHISHING_RESISTANT_PREFIXES,
    phoneTokens: PHONE_TOKENS,
    nonMfaTokens: NON_MFA_TOKENS,
    includeGuests: false,
    excludeUpnPatterns: [],
    breakGlassUpns: [],
    staleRowDays: DEFAULT_THRESHOLDS.staleRowDays,
    asOf,
  };
}

export function populationDefinition(d: Definitions): string {
  const parts = [
    d.includeGuests
      ? 'Every row of userRegistrationDetails (members and guests).'
      : 'Rows of userRegistrationDetails whose userType is not "guest" (member, null and unknown values count as members); guests are counted separately.',
  ];
  if (d.excludeUpnPatterns.length) parts.push(`Excluded by UPN pattern: ${d.excludeUpnPatterns.join(', ')}.`);
  if (d.breakGlassUpns.length) parts.push(`Break-glass accounts (${d.breakGlassUpns.length}) are left out of the population and assessed on their own.`);
  parts.push('Disabled accounts are absent from this report.');
  return parts.join(' ');
}

/**
 * `*` matches any run of characters (line breaks included); everything else literally; case-insensitive.
 * Matched without a regex: `.*` groups backtrack in quadratic time or worse on a long hostile UPN (issue #8).
 */
export function upnMatcher(patterns: readonly string[]): (upn: string) => boolean {
  if (patterns.length === 0) return () => false;
  const globs = patterns.map((p) => p.toLowerCase().split('*'));
  return (upn) => {
    const u = upn.toLowerCase();
    return globs.some((parts) => globMatch(parts, u));
  };
}

/**
 * Linear-time `*` glob: the first part anchors the start, the last part the end, and each middle part is taken at
 * its leftmost occurrence (leftmost is always safe when the only wildcard is `*`).
 */
function globMatch(parts: readonly string[], s: string): boolean {
  const first = parts[0]!;
  if (parts.length === 1) return s === first;
  const last = parts[parts.length - 1]!;
  if (s.length < first.length + last.length || !s.startsWith(first) || !s.endsWith(last)) return false;
  const end = s.length - last.length;
  let pos = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const at = s.indexOf(part, pos);
    if (at < 0 || at + part.length > end) return false;
    pos = at + part.length;
  }
  return true;
}
