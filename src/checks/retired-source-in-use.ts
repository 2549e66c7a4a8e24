import type { Check } from './types.js';

export const retiredSourceInUse: Check = {
  meta: {
    id: 'retired-source-in-use',
    version: 1,
    title: 'Retired reports are replaced by their successors',
    severity: 'info',
    requires: [],
    rationale:
      'Microsoft retired credentialUserRegistrationDetails (2024-06-30), userCredentialUsageDetails and ' +
      'credentialUsageSummary (2025-08-01). Numbers must come from their successors; a retired report that still ' +
      'answers with data, or a successor that could not be collected, makes the evidence harder to defend.',
    remediation: {
      summary: 'Grant what the successor report needs (see doctor), and rely on the successors only.',
      steps: ['Run entra-auth-audit doctor to see why a successor could not be collected.'],
      links: ['https://learn.microsoft.com/graph/api/resources/authenticationmethods-usage-insights-overview'],
    },
    controls: ['nist-800-53:CA-7', 'soc2:CC2.1'],
    evidence: [],
  },
  evaluate(ctx) {
    const problems: string[] = [];
    for (const [id, s] of Object.entries(ctx.sources).sort()) {
      if (!s.retiredSuccessor) continue;
      const successor = ctx.sources[s.retiredSuccessor];
      if (s.status === 'ok' && s.records > 0) problems.push(`${id} still answers with data (${s.records} rows) after its retirement`);
      if (!successor || successor.status !== 'ok') problems.push(`${id}'s successor ${s.retiredSuccessor} was not collected (${successor?.status ?? 'absent'})`);
    }
    return problems.length === 0
      ? { status: 'pass', message: 'Every retired report is replaced by a collected successor.' }
      : { status: 'fail', message: `${problems.join('; ')}.` };
  },
};
