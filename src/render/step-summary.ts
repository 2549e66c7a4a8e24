/**
 * A compact GitHub-flavoured Markdown summary for a CI job page ($GITHUB_STEP_SUMMARY on GitHub Actions; the same
 * text suits an Azure DevOps `##vso[task.uploadsummary]` file or a merge-request note).
 *
 * What a reviewer needs at a glance: the tenant, when the snapshot was taken, the headline metrics, the failing
 * checks by severity with their affected counts, and the checks that could not be evaluated with the reason.
 * Every value from results.json goes through `cell()`, so a display name, message or Graph error text cannot end
 * a table row, open a code span, inject HTML or start a heading. Deterministic: no clock, sorted rows.
 */
import { appendFile } from 'node:fs/promises';
import type { AuditResult, Finding } from '../results/schema.js';
import { md } from './markdown.js';
import {
  formatDateTime,
  formatInt,
  formatPercent,
  HEADLINE_METRICS,
  SEVERITY_LABEL,
  sortFindings,
  visibleText,
} from './view-model.js';

/** GitHub refuses a step summary over 1 MiB ("$GITHUB_STEP_SUMMARY upload aborted"); stay well below it. */
export const STEP_SUMMARY_MAX_BYTES = 512 * 1024;
/** Longest cell text before escaping; longer text is cut with "…" (the full text is in the pack). */
const MAX_CELL_CHARS = 400;
/** A UTF-16 surrogate without its pair: it cannot be written as UTF-8 (it would silently become U+FFFD). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * One Markdown table cell or inline value: control and bidi characters made visible, cut to a bounded length,
 * then escaped by md() (backslash, & < > | ` * _ [ ], line breaks, a leading #) plus "~" (GFM strikethrough)
 * and "$" (GitHub math). Cutting happens before escaping, so an escape sequence is never split.
 */
export function cell(text: string): string {
  const flat = visibleText(text.replace(/\r\n|\r|\n|\t/g, ' ')).replace(
    LONE_SURROGATE,
    (ch) => `[U+${ch.charCodeAt(0).toString(16).toUpperCase()}]`,
  );
  const chars = Array.from(flat);
  const cut = chars.length > MAX_CELL_CHARS ? `${chars.slice(0, MAX_CELL_CHARS - 1).join('')}…` : flat;
  return md(cut).replace(/([~$])/g, '\\$1');
}

function table(head: string[], align: ('l' | 'r')[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(align.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(line)];
}

/** An http(s) URL safe inside a Markdown link destination, or null. */
function safeUrl(url: string | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  // URL.href already percent-encodes spaces, quotes and angle brackets; parentheses would end the destination.
  return parsed.href.replace(/\(/g, '%28').replace(/\)/g, '%29');
}

function affectedCount(f: Finding): string {
  return f.affected ? formatInt(f.affected.count) : '—';
}

export function stepSummaryMarkdown(results: AuditResult, packUrl?: string): string {
  return build(results, packUrl, true);
}

function build(results: AuditResult, packUrl: string | undefined, withTables: boolean): string {
  const findings = sortFindings(results.findings);
  const failing = findings.filter((f) => f.status === 'fail');
  const errors = findings.filter((f) => f.status === 'error');
  const count = (s: Finding['status']) => findings.filter((f) => f.status === s).length;
  const out: string[] = [];

  out.push('## Entra authentication-methods audit', '');
  out.push(`- **Tenant:** ${cell(results.tenant.id)} (${cell(results.tenant.cloud)})`);
  out.push(`- **Snapshot:** ${cell(formatDateTime(results.asOf))} · manifest SHA-256 ${cell(results.snapshot.manifestSha256)}`);
  out.push(`- **Tool:** ${cell(results.tool.name)} ${cell(results.tool.version)}`);
  const url = safeUrl(packUrl);
  if (url) out.push(`- **Audit pack:** [audit pack](${url})`);
  if (!results.snapshot.complete) out.push('- **Warning:** the snapshot is incomplete; checks that need a missing source are not evaluated.');
  out.push('');

  const worst = results.summary.worstFailure;
  const status = [
    `${formatInt(findings.length)} checks`,
    `${formatInt(failing.length)} failed`,
    `${formatInt(count('pass'))} passed`,
    `${formatInt(errors.length)} not evaluated`,
    ...(count('excepted') ? [`${formatInt(count('excepted'))} excepted`] : []),
    ...(count('not_applicable') ? [`${formatInt(count('not_applicable'))} not applicable`] : []),
  ].join(', ');
  out.push(`**Result:** ${status}${worst ? ` — worst failure: **${SEVERITY_LABEL[worst]}**` : ''}.`, '');

  out.push('### Headline metrics', '');
  out.push(
    ...table(
      ['Metric', 'Value', 'Users'],
      ['l', 'r', 'r'],
      HEADLINE_METRICS.map((h) => {
        const m = results.metrics[h.id];
        const value = m?.value ?? null;
        const users =
          value !== null && m?.numerator !== undefined && m.denominator !== undefined
            ? `${formatInt(m.numerator)} / ${formatInt(m.denominator)}`
            : '—';
        // an enforcement metric without a value: the policies could not be read, which is not a measurement
        const shown = value === null && h.id.startsWith('enforcement.') && !results.enforcement.assessable ? 'not assessable' : formatPercent(value);
        return [`${cell(h.title)}${h.lowerIsBetter ? ' (lower is better)' : ''}`, shown, users];
      }),
    ),
    '',
  );

  out.push('### Failing checks', '');
  if (failing.length === 0) out.push('No check failed.', '');
  else if (!withTables) out.push(`${formatInt(failing.length)} checks failed; see the audit pack for the list.`, '');
  else {
    out.push(
      ...table(
        ['Severity', 'Check', 'Result', 'Affected'],
        ['l', 'l', 'l', 'r'],
        failing.map((f) => [SEVERITY_LABEL[f.severity], `${cell(f.title)} (${cell(f.checkId)})`, cell(f.message), affectedCount(f)]),
      ),
      '',
    );
  }

  if (errors.length > 0) {
    out.push('### Not evaluated', '');
    if (!withTables) out.push(`${formatInt(errors.length)} checks could not be evaluated; see the audit pack for the reasons.`, '');
    else {
      out.push(
        ...table(
          ['Severity', 'Check', 'Reason'],
          ['l', 'l', 'l'],
          errors.map((f) => [
            SEVERITY_LABEL[f.severity],
            `${cell(f.title)} (${cell(f.checkId)})`,
            cell(f.errorReason ?? 'no reason recorded'),
          ]),
        ),
        '',
      );
    }
  }
  return out.join('\n');
}

/**
 * Appends the summary to the file named by GITHUB_STEP_SUMMARY. Returns false (and writes nothing) when the
 * variable is unset or empty, i.e. outside GitHub Actions. Without `packUrl`, links to the workflow run, where the
 * pack is an artifact, when the standard GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID are set.
 */
export async function appendStepSummary(
  results: AuditResult,
  env: NodeJS.ProcessEnv = process.env,
  packUrl?: string,
): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY?.trim();
  if (!file) return false;
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL.replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  let text = build(results, packUrl ?? runUrl, true);
  if (Buffer.byteLength(text, 'utf8') > STEP_SUMMARY_MAX_BYTES) text = build(results, packUrl ?? runUrl, false);
  // A blank line first: earlier steps may have left a paragraph open.
  await appendFile(file, `\n${text}\n`, 'utf8');
  return true;
}
