import { COHORTS } from '../metrics/registration.js';
import { metricValue, type Check } from './types.js';

export const unknownMethodTokens: Check = {
  meta: {
    id: 'unknown-method-tokens',
    version: 1,
    title: 'Every registered method token is known',
    severity: 'info',
    requires: ['userRegistrationDetails'],
    rationale:
      'methodsRegistered is a free string list. A token this version does not know is kept verbatim and counted as an MFA ' +
      'method that is neither phone nor phishing-resistant; if it is in fact phishing-resistant, coverage is understated.',
    remediation: {
      summary: 'Classify the new token in the config (methods.phishingResistant or methods.phone) or upgrade entra-auth-audit.',
      steps: ['Look the token up in the Microsoft Graph documentation.', 'Add it to methods.phishingResistant or methods.phone in the config if it belongs there.'],
      links: ['https://learn.microsoft.com/graph/api/resources/userregistrationdetails'],
    },
    controls: ['nist-800-53:SI-10', 'nist-800-53:CA-7', 'soc2:CC2.1'],
    evidence: ['methods.unknown_tokens', 'methods.users_with_unknown_tokens'],
    cohort: COHORTS.usersUnknownTokens,
  },
  evaluate(ctx) {
    const n = metricValue(ctx, 'methods.unknown_tokens');
    const users = metricValue(ctx, 'methods.users_with_unknown_tokens');
    return n === 0
      ? { status: 'pass', message: 'Every methodsRegistered token is known.' }
      : { status: 'fail', message: `${n} unknown method token(s) on ${users} users: counted as MFA, not phone, not phishing-resistant.` };
  },
};
