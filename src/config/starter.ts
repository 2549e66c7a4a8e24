/** The commented starter config written by `entra-auth-audit init`. It must validate against ConfigSchema (tested). */
import { CHECKS } from '../checks/index.js';
import { FRAMEWORKS } from '../frameworks/catalogue.js';
import { DEFAULT_THRESHOLDS, NON_MFA_TOKENS, PHISHING_RESISTANT_PREFIXES, PHISHING_RESISTANT_TOKENS, PHONE_TOKENS } from '../metrics/definitions.js';
import { PRIVILEGED_PRESETS } from '../metrics/privileged.js';

const list = (items: readonly string[], indent: string) => items.map((i) => `${indent}- ${i}`).join('\n');

export function starterConfig(organisation = 'Contoso Ltd'): string {
  const t = DEFAULT_THRESHOLDS;
  return `# yaml-language-server: $schema=./node_modules/entra-auth-audit/schemas/config.schema.json
# entra-auth-audit configuration. Every definition below is printed in the audit pack and written to results.json.
# Unknown keys are errors. Shares are fractions between 0 and 1.

organisation:
  name: ${JSON.stringify(organisation)}
  primaryColor: "#0b5cad"          # brand colour of headings and charts
  classification: Confidential     # marking on every page
  # logo: logo.svg                 # SVG or PNG, relative to this file

report:
  status: draft                    # draft | final (draft prints a watermark)
  version: "1.0"
  # preparer: Jane Doe, IAM team
  # reviewer: John Roe, Internal Audit
  # auditPeriod: Q4 2026
  # footer: Prepared for the Q4 2026 ISO 27001 surveillance audit
  pageSize: A4                     # A4 | Letter
  # templatesDir: my-templates     # partials here replace the built-in ones of the same name
  maxAffectedInPdf: 25             # per finding; complete lists are in the CSV worklists

population:
  includeGuests: false             # guests are always measured on their own; true also counts them in the population
  excludeUpnPatterns: []           # e.g. ["room-*@contoso.com", "svc-*@contoso.com"] — * matches any characters
  breakGlassAccounts: []           # emergency-access UPNs: checked for passkey/FIDO2 and no phone method, left out of the population

# Who is an admin when role data is collected: ${PRIVILEGED_PRESETS.join(' | ')},
# or a list of role template ids. Without role data the report's isAdmin flag is used (the pack says so).
privilegedRoles: entra-privileged

methods:
  phishingResistant:
${list(PHISHING_RESISTANT_TOKENS, '    ')}
  phishingResistantPrefixes:       # any token starting with these (certificate-based authentication)
${list(PHISHING_RESISTANT_PREFIXES, '    ')}
  phone:                           # SMS/voice methods (restricted authenticators)
${list(PHONE_TOKENS, '    ')}
  nonMfa:                          # not MFA methods; every other token counts as MFA
${list(NON_MFA_TOKENS, '    ')}

thresholds:
  mfaCapableMin: ${t.mfaCapableMin}
  phishingResistantMin: ${t.phishingResistantMin}
  passwordlessCapableMin: ${t.passwordlessCapableMin}
  systemPreferredMin: ${t.systemPreferredMin}
  ssprResetFailureMax: ${t.ssprResetFailureMax}
  registrationFailureMax: ${t.registrationFailureMax}
  minAttemptsPerMethod: ${t.minAttemptsPerMethod}
  staleRowDays: ${t.staleRowDays}
  staleRowsMax: ${t.staleRowsMax}
  aggregateTolerance: ${t.aggregateTolerance}
  repeatedFailuresMin: ${t.repeatedFailuresMin}     # failed registration/reset events that list a user
  singleFactorSignInsMax: ${t.singleFactorSignInsMax}  # share of single-factor sign-ins (userMfaSignInSummary)

# Severity of a breach, per check (default: the check's own). Checks:
${CHECKS.map((c) => `#   ${c.meta.id} (${c.meta.severity})`).join('\n')}
severities: {}

# Accepted risks. Each needs a reason, an owner and an expiry date; an expired one stops the analysis.
exceptions: []
#  - check: admins-without-phishing-resistant-method
#    users: ["legacy-admin@contoso.com"]   # omit to cover the whole check
#    reason: Hardware key on order (ticket SEC-1234)
#    owner: ciso@contoso.com
#    expires: "2027-03-31"

# Frameworks shown in the control coverage matrix.
frameworks:
${list(Object.keys(FRAMEWORKS), '  ')}
`;
}
