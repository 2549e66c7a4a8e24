/**
 * summary.md: headline metrics and the findings table, for a pull-request comment, a ticket or a CI job summary.
 * Every value from results.json goes through `md()`, so a name cannot break the table or inject markup.
 */
import type { ReportView } from './view-model.js';

/**
 * Escapes text for a GitHub-flavoured Markdown table cell or paragraph: backslash first (so our escapes cannot be
 * undone), then the characters that end a cell (|), start markup (` * _ [ ] < > &), a heading (leading #),
 * and line breaks, which would end the table row.
 */
export function md(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([|`*_[\]])/g, '\\$1')
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/^(\s*)#/, '$1\\#');
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderMarkdown(view: ReportView): string {
  const c = view.cover;
  const s = view.summary;
  const out: string[] = [];
  out.push(`# Authentication methods audit: ${md(c.organisation)}`);
  out.push('');
  if (c.classification) out.push(`**Classification: ${md(c.classification)}**`, '');
  if (view.redaction) out.push(`**Redacted copy.** ${md(view.redaction.text)}`, '');
  out.push(
    `- Document: version ${md(view.meta.version)}, ${view.meta.isDraft ? 'draft' : 'final'}${c.auditPeriod ? `, audit period ${md(c.auditPeriod)}` : ''}`,
    `- Tenant: ${md(c.tenantId)} (${md(c.cloud)})`,
    `- Snapshot collected: ${md(c.collectedAt)}`,
    `- Tool: ${md(c.toolName)} ${md(c.toolVersion)}, results schema ${c.schemaVersion}`,
    `- Snapshot manifest SHA-256: ${md(c.manifestSha256)}`,
  );
  if (!c.complete) out.push('- **The snapshot is incomplete**: checks that need a missing source are reported as not evaluated.');
  out.push('', `**${md(s.posture.label)}.** ${md(s.headline)}`, '');

  out.push('## Headline metrics', '');
  out.push(
    table(
      ['Metric', 'Value', 'Users', 'Target', 'Change'],
      s.scoreCards.map((card) => [
        `${md(card.title)}${card.lowerIsBetter ? ' (lower is better)' : ''}`,
        md(card.value),
        md(card.fraction || '—'),
        card.target ? `${md(card.target)} (${md(card.verdictText)})` : '—',
        card.trend ? `${card.trend.arrow} ${md(card.trend.delta)} ${md(card.trend.since)}` : '—',
      ]),
    ),
    '',
  );

  const enf = view.enforcement;
  out.push('## MFA enforcement', '');
  out.push(`What the policies require at sign-in, decided from: ${md(enf.basis)}.`, '');
  if (!enf.assessable) {
    out.push(`**Not assessable.** ${md(enf.notAssessable ?? '')}`, '');
  } else {
    out.push(table(['Coverage', 'Users', 'Share'], enf.classes.map((c) => [`${md(c.label)}: ${md(c.meaning)}`, md(c.count), md(c.share)])), '');
    for (const a of enf.admins) out.push(`- ${md(a.label)}: ${md(a.value)}${a.detail ? ` (${md(a.detail)})` : ''}`);
    out.push('');
  }

  out.push('## Failing findings by severity', '');
  out.push(table(s.severityCounts.map((x) => x.label), [s.severityCounts.map((x) => String(x.count))]), '');

  out.push('## Findings', '');
  out.push(
    table(
      ['Severity', 'Status', 'Check', 'Result', 'Affected', 'Worklist'],
      view.findings.map((f) => [
        f.severityLabel,
        f.statusLabel,
        `${md(f.title)} (${md(f.checkId)})`,
        md(f.isError ? `Could not be evaluated: ${f.errorReason}` : f.message),
        f.affected ? md(f.affected.countText) : '—',
        f.affected?.worklist ? md(f.affected.worklist) : '—',
      ]),
    ),
    '',
  );

  const unavailable = view.appendix.sources.filter((src) => src.status !== 'ok');
  if (unavailable.length > 0) {
    out.push('## Sources not available', '');
    out.push(
      table(
        ['Source', 'Status', 'HTTP', 'Graph error', 'Detail'],
        unavailable.map((src) => [
          md(src.id),
          md(src.statusLabel),
          md(src.httpStatus),
          md(src.errorCode || '—'),
          md([src.errorMessage, src.retiredSuccessor ? `successor: ${src.retiredSuccessor}` : ''].filter(Boolean).join('; ') || '—'),
        ]),
      ),
      '',
    );
  }
  out.push('The full report is audit.html / audit.pdf; complete lists of affected users are in worklists/.', '');
  return out.join('\n');
}
