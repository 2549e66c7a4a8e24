/**
 * Control catalogue: ids and short titles only (licensed descriptions are never copied). Sources and the
 * uncertain points are in ../shared/controls.md. A check cites controls as `<framework>:<id>`; a test fails
 * when a cited key is not here.
 */
export interface Control {
  framework: string;
  /** framework edition the id and title were read from */
  version: string;
  id: string;
  title: string;
  /**
   * The control asks for something to be required or configured (MFA enforced, a method disabled, a policy set):
   * only a check that reads policy may test it. Registration data can only support it (issue #14).
   */
  policyEvidence: boolean;
}

export const FRAMEWORKS = {
  'cis-m365': 'CIS Microsoft 365 Foundations Benchmark',
  'cisa-scuba': 'CISA SCuBA M365 baseline (Entra ID)',
  'nist-800-53': 'NIST SP 800-53 Rev. 5',
  'nist-800-63b': 'NIST SP 800-63B',
  'iso-27001': 'ISO/IEC 27001:2022 Annex A',
  'soc2': 'AICPA SOC 2 Trust Services Criteria (2017, rev. 2022)',
  'essential-eight': 'ASD Essential Eight (ISM controls)',
} as const;
export type FrameworkId = keyof typeof FRAMEWORKS;

const c = (framework: FrameworkId, version: string, id: string, title: string): Control => ({
  framework,
  version,
  id,
  title,
  policyEvidence: POLICY_EVIDENCE.has(`${framework}:${id}`),
});

/** Controls about requiring MFA or setting a method policy (see Control.policyEvidence). */
const POLICY_EVIDENCE = new Set([
  'cis-m365:5.2.2.1', 'cis-m365:5.2.2.2', 'cis-m365:5.2.2.5', 'cis-m365:5.2.3.1', 'cis-m365:5.2.3.5', 'cis-m365:5.2.3.6',
  'cis-m365:5.2.3.7', 'cis-m365:5.2.4.1',
  'cisa-scuba:MS.AAD.3.1v1', 'cisa-scuba:MS.AAD.3.2v2', 'cisa-scuba:MS.AAD.3.3v2', 'cisa-scuba:MS.AAD.3.4v1',
  'cisa-scuba:MS.AAD.3.5v2', 'cisa-scuba:MS.AAD.3.6v1',
  'nist-800-53:IA-2(1)', 'nist-800-53:IA-2(2)', 'nist-800-53:IA-2(8)', 'nist-800-53:IA-8', 'nist-800-53:CM-7',
  'nist-800-63b:AAL2', 'nist-800-63b:AAL3', 'nist-800-63b:3.2.5', 'nist-800-63b:3.1.3.3', 'nist-800-63b:3.2.9',
  'iso-27001:8.5', 'soc2:CC6.1',
  'essential-eight:ISM-1504', 'essential-eight:ISM-1173', 'essential-eight:ISM-0974', 'essential-eight:ISM-1682',
  'essential-eight:ISM-1872', 'essential-eight:ISM-1401',
]);

const CIS = 'v4.0.0–v7.0.0';
const SCUBA = 'ScubaGear 1.8.0';
const N53 = 'Rev. 5 (5.1.1)';
const ISO = '2022';
const SOC = '2017 (2022 points of focus)';
const ISM = 'ISM 2025.12.9 / E8 Nov 2023';

export const CONTROLS: readonly Control[] = [
  c('cis-m365', CIS, '5.2.2.1', 'Ensure multifactor authentication is enabled for all users in administrative roles'),
  c('cis-m365', CIS, '5.2.2.2', 'Ensure multifactor authentication is enabled for all users'),
  c('cis-m365', CIS, '5.2.2.5', "Ensure 'Phishing-resistant MFA strength' is required for Administrators"),
  c('cis-m365', CIS, '5.2.3.1', 'Ensure Microsoft Authenticator is configured to protect against MFA fatigue'),
  c('cis-m365', CIS, '5.2.3.4', "Ensure all member users are 'MFA capable'"),
  c('cis-m365', CIS, '5.2.3.5', 'Ensure weak authentication methods are disabled'),
  c('cis-m365', 'v5.0.0–v7.0.0', '5.2.3.6', 'Ensure system-preferred multifactor authentication is enabled'),
  c('cis-m365', 'v6.0.x–v7.0.0', '5.2.3.7', 'Ensure the email OTP authentication method is disabled'),
  c('cis-m365', CIS, '5.2.4.1', "Ensure 'Self service password reset enabled' is set to 'All'"),
  c('cis-m365', CIS, '1.1.2', 'Ensure two emergency access accounts have been defined'),
  c('cisa-scuba', SCUBA, 'MS.AAD.3.1v1', 'Phishing-resistant MFA SHALL be enforced for all users.'),
  c('cisa-scuba', SCUBA, 'MS.AAD.3.2v2', 'MFA SHALL be enforced for all users.'),
  c('cisa-scuba', SCUBA, 'MS.AAD.3.3v2', 'If Microsoft Authenticator is enabled, it SHALL be configured to show login context information.'),
  c('cisa-scuba', SCUBA, 'MS.AAD.3.4v1', 'The Authentication Methods Manage Migration feature SHALL be set to Migration Complete.'),
  c('cisa-scuba', SCUBA, 'MS.AAD.3.5v2', 'The authentication methods SMS, Voice Call, and Email One-Time Passcode (OTP) SHALL be disabled.'),
  c('cisa-scuba', SCUBA, 'MS.AAD.3.6v1', 'Phishing-resistant MFA SHALL be required for highly privileged roles.'),
  c('nist-800-53', N53, 'IA-2(1)', 'Multi-factor Authentication to Privileged Accounts'),
  c('nist-800-53', N53, 'IA-2(2)', 'Multi-factor Authentication to Non-privileged Accounts'),
  c('nist-800-53', N53, 'IA-2(8)', 'Access to Accounts — Replay Resistant'),
  c('nist-800-53', N53, 'IA-5', 'Authenticator Management'),
  c('nist-800-53', N53, 'IA-5(2)', 'Public Key-based Authentication'),
  c('nist-800-53', N53, 'IA-8', 'Identification and Authentication (Non-organizational Users)'),
  c('nist-800-53', N53, 'IA-5(1)', 'Password-based Authentication'),
  c('nist-800-53', N53, 'CM-7', 'Least Functionality'),
  c('nist-800-53', N53, 'AU-6', 'Audit Record Review, Analysis, and Reporting'),
  c('nist-800-53', N53, 'CA-2', 'Control Assessments'),
  c('nist-800-53', N53, 'SI-10', 'Information Input Validation'),
  c('nist-800-53', N53, 'SI-4', 'System Monitoring'),
  c('nist-800-53', N53, 'CA-7', 'Continuous Monitoring'),
  c('nist-800-63b', 'SP 800-63B-4 (2025)', 'AAL2', 'Authenticator Assurance Level 2 (§2.2)'),
  c('nist-800-63b', 'SP 800-63B-4 (2025)', 'AAL3', 'Authenticator Assurance Level 3 (§2.3)'),
  c('nist-800-63b', 'SP 800-63B-4 (2025)', '3.2.5', 'Phishing (Verifier Impersonation) Resistance'),
  c('nist-800-63b', 'SP 800-63B-4 (2025)', '3.1.3.3', 'Authentication Using the Public Switched Telephone Network'),
  c('nist-800-63b', 'SP 800-63B-4 (2025)', '3.2.9', 'Restricted Authenticators'),
  c('iso-27001', ISO, '5.16', 'Identity management'),
  c('iso-27001', ISO, '5.17', 'Authentication information'),
  c('iso-27001', ISO, '8.2', 'Privileged access rights'),
  c('iso-27001', ISO, '8.5', 'Secure authentication'),
  c('iso-27001', ISO, '8.15', 'Logging'),
  c('iso-27001', ISO, '8.16', 'Monitoring activities'),
  c('soc2', SOC, 'CC6.1', 'Logical access security software, infrastructure, and architectures'),
  c('soc2', SOC, 'CC2.1', 'COSO Principle 13: relevant, quality information'),
  c('soc2', SOC, 'CC6.2', 'Registers and authorizes new internal and external users before issuing credentials'),
  c('soc2', SOC, 'CC7.2', 'Monitors system components for anomalies'),
  c('soc2', SOC, 'CC6.3', 'Authorizes, modifies, or removes access (least privilege)'),
  c('essential-eight', ISM, 'ISM-1504', 'MFA for users of online services that handle sensitive data'),
  c('essential-eight', ISM, 'ISM-1173', 'MFA for privileged users of systems'),
  c('essential-eight', ISM, 'ISM-0974', 'MFA for unprivileged users of systems'),
  c('essential-eight', ISM, 'ISM-1682', 'MFA for users of systems is phishing-resistant'),
  c('essential-eight', ISM, 'ISM-1872', 'MFA for users of online services is phishing-resistant'),
  c('essential-eight', ISM, 'ISM-1685', 'Break-glass, local admin and service account credentials are long, unique, unpredictable and managed'),
  c('essential-eight', ISM, 'ISM-1401', 'MFA factors: something users have plus something they know or are'),
];

const BY_KEY = new Map(CONTROLS.map((ctl) => [`${ctl.framework}:${ctl.id}`, ctl]));

/** Resolves `<framework>:<id>`; undefined when the catalogue lacks it. */
export function resolveControl(key: string): Control | undefined {
  return BY_KEY.get(key);
}
