import { describeRatio, metricValue, pct, type Check } from './types.js';

const METRIC = 'sspr.reset.failure_rate';

export const ssprResetFailureRateAboveTarget: Check = {
  meta: {
    id: 'sspr-reset-failure-rate-above-target',
    version: 1,
    title: 'SSPR reset failure rate is within the limit, overall and per method',
    severity: 'medium',
    requires: [],
    requiresOneOf: ['userRegistrationActivity', 'credentialUsageSummary'],
    rationale:
      'A high share of failed self-service password resets means users cannot recover (and call the help desk, the ' +
      'target of social engineering), or someone is trying to reset accounts they do not own. A spike on one method ' +
      '(e.g. SMS) points at that method.',
    remediation: {
      summary: 'Investigate the failing methods: user guidance, broken phone numbers, or attack attempts.',
      steps: [
        'Open the authentication methods activity report (Usage) and filter resets by the failing methods.',
        'Check the audit logs for repeated failed resets on the same accounts.',
        'Retire reset methods that fail most (e.g. security questions) in favour of Authenticator.',
      ],
      links: ['https://learn.microsoft.com/entra/identity/authentication/howto-authentication-methods-activity'],
    },
    controls: ['nist-800-53:SI-4', 'nist-800-53:AU-6', 'iso-27001:8.16', 'iso-27001:8.15', 'soc2:CC7.2'],
    evidence: [METRIC],
    threshold: 'ssprResetFailureMax',
  },
  evaluate(ctx) {
    const overall = metricValue(ctx, METRIC);
    const limit = ctx.thresholds.ssprResetFailureMax;
    const methods = Object.entries(ctx.metrics)
      .filter(([id, v]) => id.startsWith(`${METRIC}.`) && v.value !== null && (v.denominator ?? 0) >= ctx.thresholds.minAttemptsPerMethod && v.value > limit)
      .map(([id, v]) => `${id.slice(METRIC.length + 1)} ${describeRatio(v)}`);
    const head = `Reset failure rate ${describeRatio(ctx.metrics[METRIC])}; limit ${pct(limit)}`;
    if (overall <= limit && methods.length === 0) return { status: 'pass', message: `${head}; no method above the limit.` };
    return { status: 'fail', message: `${head}${methods.length ? `; above the limit: ${methods.join(', ')}` : ''}.` };
  },
};
