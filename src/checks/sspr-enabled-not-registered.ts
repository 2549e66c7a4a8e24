import { COHORTS } from '../metrics/registration.js';
import { describeRatio, noneAffected, type Check } from './types.js';

export const ssprEnabledNotRegistered: Check = {
  meta: {
    id: 'sspr-enabled-not-registered',
    version: 1,
    title: 'Every user enabled for SSPR has registered reset methods',
    severity: 'low',
    requires: ['userRegistrationDetails'],
    rationale:
      'Users enabled for self-service password reset who have not registered enough methods cannot reset on their own, ' +
      'and an attacker who gets their password first can register methods of their own choosing.',
    remediation: {
      summary: 'Require users to register for SSPR at sign-in and re-confirm periodically.',
      steps: [
        'Turn on "Require users to register when signing in" in Password reset > Registration.',
        'Use the combined security-information registration experience and a registration campaign for the worklist.',
      ],
      links: ['https://learn.microsoft.com/entra/identity/authentication/tutorial-enable-sspr'],
    },
    controls: ['nist-800-53:IA-5', 'nist-800-53:IA-5(1)', 'iso-27001:5.17', 'soc2:CC6.2'],
    // registration data: evidence of readiness, not of enforcement (issue #14); the enforcement checks test these
    supports: ['cis-m365:5.2.4.1', 'soc2:CC6.1'],
    evidence: ['users.in_scope', 'sspr.enabled', 'sspr.registered', 'sspr.enabled_not_registered'],
    cohort: COHORTS.usersSsprNotRegistered,
  },
  evaluate: noneAffected(
    'sspr.enabled_not_registered',
    'Every user enabled for SSPR has registered reset methods.',
    (_n, ctx) => `Enabled for SSPR but not registered: ${describeRatio(ctx.metrics['sspr.enabled_not_registered'])}.`,
  ),
};
