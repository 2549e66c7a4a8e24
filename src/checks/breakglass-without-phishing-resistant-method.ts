import { COHORTS } from '../metrics/registration.js';
import { metricValue, type Check } from './types.js';

export const breakglassWithoutPhishingResistantMethod: Check = {
  meta: {
    id: 'breakglass-without-phishing-resistant-method',
    version: 1,
    title: 'Break-glass accounts use a passkey or certificate and no phone method',
    severity: 'high',
    requires: ['userRegistrationDetails'],
    rationale:
      'Emergency-access (break-glass) accounts are excluded from most Conditional Access policies and hold Global ' +
      'Administrator, so their one line of defence is their authenticator. CIS recommends a passkey (FIDO2) or ' +
      'certificate-based authentication for them; a phone method can be SIM-swapped and a missing account cannot be used in an emergency.',
    remediation: {
      summary: 'Register a FIDO2 security key (kept in a safe) or a certificate for each break-glass account and remove its phone methods.',
      steps: [
        'Register two FIDO2 security keys per break-glass account and store them in separate physical safes.',
        'Remove phone (SMS/voice) methods from the break-glass accounts.',
        'If a configured account is not found in the report, check it exists, is enabled, and the UPN in the config is right.',
        'Alert on every sign-in of a break-glass account.',
      ],
      links: ['https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access'],
    },
    controls: ['cis-m365:1.1.2', 'nist-800-53:IA-5', 'iso-27001:5.17', 'essential-eight:ISM-1685'],
    // registration data: evidence of readiness, not of enforcement (issue #14); the enforcement checks test these
    supports: ['nist-800-53:IA-2(1)', 'nist-800-63b:AAL3', 'iso-27001:8.2', 'soc2:CC6.1'],
    evidence: ['breakglass.configured', 'breakglass.found', 'breakglass.compliant'],
    cohort: COHORTS.breakGlassNonCompliant,
  },
  evaluate(ctx) {
    const configured = metricValue(ctx, 'breakglass.configured');
    if (configured === 0) {
      return { status: 'not_applicable', message: 'No break-glass accounts are listed in the config (population.breakGlassAccounts).' };
    }
    const found = metricValue(ctx, 'breakglass.found');
    const compliant = ctx.metrics['breakglass.compliant']?.numerator ?? 0;
    const problems: string[] = [];
    if (found < configured) problems.push(`${configured - found} of ${configured} configured accounts have no report row (missing or disabled)`);
    if (compliant < found) problems.push(`${found - compliant} of ${found} found accounts lack a phishing-resistant method or still have a phone method`);
    return problems.length === 0
      ? { status: 'pass', message: `All ${configured} break-glass accounts have a phishing-resistant method and no phone method.` }
      : { status: 'fail', message: `${problems.join('; ')}.` };
  },
};
