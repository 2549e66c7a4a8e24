/**
 * Fixed prose and labels of the report: method and framework names, threshold descriptions, score-card targets,
 * the glossary. Kept apart from view-model.ts so the builders stay readable; nothing here depends on the data.
 */

/**
 * Readable names for methodsRegistered tokens (graph-api.md §4 and §D.3) and for the method names of the
 * activity reports (userRegistrationActivity / credentialUsageSummary use another vocabulary: mobileSMS,
 * appNotification …). Tokens not listed are shown verbatim: the lists are free text and Microsoft adds values.
 */
export const METHOD_LABEL: Readonly<Record<string, string>> = {
  email: 'Email',
  mobilePhone: 'Mobile phone',
  alternateMobilePhone: 'Alternate mobile phone',
  officePhone: 'Office phone',
  securityQuestion: 'Security questions',
  microsoftAuthenticatorPush: 'Authenticator push',
  microsoftAuthenticatorPasswordless: 'Authenticator passwordless',
  softwareOneTimePasscode: 'Software OATH token',
  hardwareOneTimePasscode: 'Hardware OATH token',
  windowsHelloForBusiness: 'Windows Hello for Business',
  fido2SecurityKey: 'FIDO2 security key',
  fido2: 'FIDO2 security key',
  fido: 'FIDO2 security key',
  passKeyDeviceBound: 'Passkey (device-bound)',
  passKeyDeviceBoundAuthenticator: 'Passkey in Authenticator',
  passKeyDeviceBoundWindowsHello: 'Passkey in Windows Hello',
  passKeySynced: 'Passkey (synced)',
  temporaryAccessPass: 'Temporary Access Pass',
  macOsSecureEnclaveKey: 'macOS Platform Credential',
  externalAuthMethod: 'External authentication method',
  certificateBasedAuthentication: 'Certificate-based authentication',
  appPassword: 'App password',
  // activity-report vocabulary
  mobileSMS: 'SMS to mobile phone',
  mobileCall: 'Voice call to mobile phone',
  alternateMobileCall: 'Voice call to alternate phone',
  officePhoneCall: 'Voice call to office phone',
  appNotification: 'Authenticator notification',
  appCode: 'Authenticator code',
  oneTimePasscode: 'One-time passcode',
  qrCode: 'QR code',
  sms: 'SMS',
  voice: 'Voice call',
};

/** Short framework names for finding pages; the coverage matrix prints the full title from results.json. */
export const FRAMEWORK_SHORT: Readonly<Record<string, string>> = {
  'cis-m365': 'CIS M365',
  'cisa-scuba': 'CISA SCuBA',
  'nist-800-53': 'NIST 800-53',
  'nist-800-63b': 'NIST 800-63B',
  'iso-27001': 'ISO 27001',
  soc2: 'SOC 2',
  'essential-eight': 'Essential Eight',
};

export interface ThresholdText {
  label: string;
  /** how the value prints: a share as a percentage, a whole number, or days */
  unit: 'share' | 'count' | 'days';
}

/** The thresholds of the config schema (src/config/schema.ts), described for the reader. */
export const THRESHOLD_TEXT: Readonly<Record<string, ThresholdText>> = {
  mfaCapableMin: { label: 'Minimum share of users in scope that are MFA capable', unit: 'share' },
  phishingResistantMin: { label: 'Minimum share of users in scope with a phishing-resistant method', unit: 'share' },
  passwordlessCapableMin: { label: 'Minimum share of users in scope that are passwordless capable', unit: 'share' },
  systemPreferredMin: { label: 'Minimum share of users in scope with system-preferred MFA enabled', unit: 'share' },
  ssprResetFailureMax: { label: 'Maximum SSPR reset failure rate, overall and per method', unit: 'share' },
  registrationFailureMax: { label: 'Maximum method registration failure rate, overall and per method', unit: 'share' },
  minAttemptsPerMethod: { label: 'Attempts a method needs before its own failure rate is judged', unit: 'count' },
  staleRowDays: { label: 'Report rows older than this are stale', unit: 'days' },
  staleRowsMax: { label: 'Maximum share of stale report rows', unit: 'share' },
  aggregateTolerance: { label: 'Relative difference tolerated between aggregate reports and per-user rows', unit: 'share' },
};

export interface ScoreCardDef {
  id: string;
  title: string;
  /** who the share is of */
  of: string;
  lowerIsBetter: boolean;
  /** the target: a threshold key of results.definitions.thresholds, or a fixed requirement of a check */
  target: { threshold: string } | { fixed: number; note: string } | null;
}

/**
 * Score cards of the executive summary, in display order (three per row). The targets are those the checks
 * compare against: a configured threshold where there is one, otherwise the check's fixed requirement
 * (every admin, no user); a metric no check judges has no target.
 */
export const SCORE_CARDS: readonly ScoreCardDef[] = [
  { id: 'mfa.capable', title: 'MFA capable', of: 'users', lowerIsBetter: false, target: { threshold: 'mfaCapableMin' } },
  { id: 'admins.mfa_capable', title: 'Admins MFA capable', of: 'admins', lowerIsBetter: false, target: { fixed: 1, note: 'all admins' } },
  { id: 'phishing_resistant.registered', title: 'Phishing-resistant method', of: 'users', lowerIsBetter: false, target: { threshold: 'phishingResistantMin' } },
  { id: 'admins.phishing_resistant', title: 'Admins phishing-resistant', of: 'admins', lowerIsBetter: false, target: { fixed: 1, note: 'all admins' } },
  { id: 'passwordless.capable', title: 'Passwordless capable', of: 'users', lowerIsBetter: false, target: { threshold: 'passwordlessCapableMin' } },
  { id: 'mfa.phone_only', title: 'SMS/voice-only MFA', of: 'users', lowerIsBetter: true, target: { fixed: 0, note: 'no user' } },
  { id: 'system_preferred.enabled', title: 'System-preferred MFA', of: 'users', lowerIsBetter: false, target: { threshold: 'systemPreferredMin' } },
  // what the policies require, beside what users registered (SSPR capable is in the funnel chart and Appendix B)
  { id: 'enforcement.mfa.enforced', title: 'MFA enforced by policy', of: 'users', lowerIsBetter: false, target: { fixed: 1, note: 'all users' } },
  { id: 'sspr.reset.failure_rate', title: 'SSPR reset failure rate', of: 'resets', lowerIsBetter: true, target: { threshold: 'ssprResetFailureMax' } },
];

export interface GlossaryEntry {
  term: string;
  definition: string;
}

/** Terms as this report uses them (Microsoft Learn wording where there is one). */
export const GLOSSARY: readonly GlossaryEntry[] = [
  { term: 'Authentication methods policy', definition: 'The tenant policy that decides which methods users may register and use. A registered method the policy does not allow does not make a user capable.' },
  { term: 'Break-glass account', definition: 'An emergency-access account kept out of most Conditional Access policies, used only when normal administration is impossible.' },
  { term: 'Capable (MFA, SSPR, passwordless)', definition: 'Registered for methods of that kind and allowed by policy to use them (isMfaCapable, isSsprCapable, isPasswordlessCapable in userRegistrationDetails).' },
  { term: 'Conditional Access', definition: 'Microsoft Entra policies that decide, at each sign-in, what a user must do to get access (for example MFA or an authentication strength). They enforce MFA; registering a method does not.' },
  { term: 'Control coverage', definition: 'For each framework control cited here: the checks whose data is its evidence (they test it and give its status), the checks that only support it (no verdict), and the sources relied on. A control not listed is not assessed by this audit.' },
  { term: 'Exception', definition: 'An accepted risk recorded in the config with an owner, a reason and an expiry date. Users it covers are not counted as failing while it is in force.' },
  { term: 'FIDO2 security key / passkey', definition: 'A hardware or software authenticator bound to the sign-in origin, so a look-alike site cannot relay it. Device-bound passkeys stay on one device; synced passkeys move between a user\'s devices.' },
  { term: 'Finding', definition: 'The result of one check: pass, fail, not evaluated (data missing), not applicable, or excepted.' },
  { term: 'Manifest (snapshot)', definition: 'The file listing every collected report with its SHA-256. Its own SHA-256 identifies the snapshot this report was computed from.' },
  { term: 'MFA enforced, conditional, report-only', definition: 'Enforced: an enabled policy requires MFA of the user on every sign-in. Conditional: only policies narrowed by location, app, platform, risk or an alternative control do. Report-only: only policies that log without enforcing would.' },
  { term: 'MFA registered', definition: 'The user has registered at least one method that counts as a second factor (isMfaRegistered).' },
  { term: 'Not assessable', definition: 'A control whose evidence is missing (for example the Conditional Access policies could not be read): it has no verdict, neither pass nor fail.' },
  { term: 'Not evaluated', definition: 'A report the check needs was missing, forbidden, unlicensed or retired, or the check failed to run. It is neither a pass nor a fail.' },
  { term: 'Phishing-resistant method', definition: 'A method bound to the sign-in origin or to a device key: FIDO2 security keys, passkeys, Windows Hello for Business, macOS Platform Credential and certificate-based authentication.' },
  { term: 'PIM (eligible assignment)', definition: 'Privileged Identity Management: a role a user can activate when needed. Eligible holders count as admins here when the definitions say so.' },
  { term: 'Population (users in scope)', definition: 'The accounts the user metrics are computed over, as defined in the methodology section.' },
  { term: 'Pseudonym', definition: 'In a redacted copy, a stable keyed replacement (HMAC-SHA256) for a user principal name or display name; the same key gives the same pseudonym in every quarter.' },
  { term: 'SHA-256', definition: 'A cryptographic hash. Recomputing it over a stored file and getting the same value shows the file is unchanged.' },
  { term: 'SMS/voice-only MFA', definition: 'A user whose only second factors are phone methods (SMS or voice call), which can be intercepted by SIM swapping or social engineering.' },
  { term: 'SSPR', definition: 'Self-service password reset: users reset their own password after proving their identity with registered methods.' },
  { term: 'Stale row', definition: 'A report row whose last update is older than the configured number of days before the snapshot; it may not reflect the user\'s current methods.' },
  { term: 'System-preferred MFA', definition: 'Entra chooses the strongest method a user has registered instead of the user\'s own default.' },
  { term: 'Temporary Access Pass', definition: 'A time-limited passcode an administrator issues so a user can register a passwordless method without a password.' },
  { term: 'userRegistrationDetails', definition: 'The Microsoft Graph report with one row per user: registered methods and capability flags. It omits disabled accounts and lags by hours.' },
  { term: 'Worklist', definition: 'The CSV file listing every affected user of a failing finding, for the team that fixes it. The report shows only the first few.' },
];

/** Readable names of the authentication methods policy configurations (authenticationMethodConfiguration ids). */
export const POLICY_METHOD_LABEL: Readonly<Record<string, string>> = {
  Email: 'Email one-time passcode',
  Fido2: 'Passkeys (FIDO2)',
  HardwareOath: 'Hardware OATH tokens',
  MicrosoftAuthenticator: 'Microsoft Authenticator',
  QRCodePin: 'QR code',
  Sms: 'SMS',
  SoftwareOath: 'Third-party software OATH tokens',
  TemporaryAccessPass: 'Temporary Access Pass',
  Voice: 'Voice call',
  X509Certificate: 'Certificate-based authentication',
};

/**
 * The coverage model of the enforcement metrics (src/metrics/enforcement-model.ts, docs/enforcement.md), printed in
 * the methodology section: how each user's MFA enforcement is decided from the policies.
 */
export const ENFORCEMENT_MODEL: ReadonlyArray<{ term: string; text: string }> = [
  {
    term: 'Enforced',
    text: 'An enabled Conditional Access policy includes the user (All users, the user, a group, a directory role through an active assignment, or guests), does not exclude them, targets All resources with none excluded and all client app types, has no location, platform, device, risk or authentication-context condition, and grants MFA or an authentication strength (operator AND, or MFA as the only control; MFA OR another control is conditional).',
  },
  { term: 'Conditional', text: 'Only policies with such a narrowing condition cover the user.' },
  { term: 'Report-only', text: 'Only policies in state enabledForReportingButNotEnforced cover the user: they log, they do not enforce.' },
  { term: 'None', text: 'No policy requires MFA of the user.' },
  {
    term: 'Security defaults',
    text: 'When on, MFA is required at every sign-in for the 14 administrator roles security defaults protect (enforced) and "when necessary" for everyone else (conditional).',
  },
  {
    term: 'Strength levels',
    text: 'A required strength is phishing-resistant when every allowed combination is among windowsHelloForBusiness, fido2 and x509CertificateMultiFactor; passwordless when deviceBasedPush is also allowed; otherwise MFA.',
  },
  {
    term: 'Required not satisfiable',
    text: "Each enabled policy that applies to the user is joined to the user's registered methods: the user is counted when none of the policy's allowed combinations can be met. A password is taken as present; methods disabled in the authentication methods policy do not count.",
  },
  {
    term: 'Population',
    text: 'Every valid userRegistrationDetails row, members and guests, except the configured break-glass accounts and UPN-pattern exclusions. It can differ from the users in scope of the registration metrics.',
  },
  {
    term: 'Roles',
    text: 'Role conditions match the roles a user holds through active assignments (directly or through a group); an eligible (PIM) role is matched once it is activated. The user coverage counts active roles only; the admin metrics count eligible roles too, as an admin uses a privileged role only after activating it. Whether activation itself asks for MFA is a PIM setting this audit does not read.',
  },
];

/**
 * What kind of evidence each snapshot source is, for the compact "data" line of the coverage tables (the exact
 * sources are listed on each finding), in the order the line lists them: policy first. Sources not listed are
 * shown by id, last.
 */
export const SOURCE_KIND: Readonly<Record<string, string>> = {
  conditionalAccessPolicies: 'Conditional Access',
  authenticationStrengthPolicies: 'Conditional Access',
  caGroupMembers: 'Conditional Access',
  securityDefaults: 'security defaults',
  authenticationMethodsPolicy: 'methods policy',
  authenticationMethodsPolicyBeta: 'methods policy',
  userRegistrationDetails: 'registration report',
  credentialUserRegistrationDetails: 'registration report (retired)',
  usersRegisteredByFeature: 'registration aggregates',
  usersRegisteredByMethod: 'registration aggregates',
  credentialUserRegistrationCount: 'registration aggregates',
  userRegistrationActivity: 'activity reports',
  userEventsSummary: 'activity reports',
  credentialUsageSummary: 'activity reports',
  userCredentialUsageDetails: 'activity reports',
  userMfaSignInSummary: 'usage report',
  roleDefinitions: 'roles',
  roleAssignments: 'roles',
  roleEligibilityScheduleInstances: 'roles',
  roleGroupMembers: 'roles',
  groupEligibilityScheduleInstances: 'roles',
};
