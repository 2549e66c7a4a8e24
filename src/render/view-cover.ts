/**
 * The front of the pack: the cover, the document control table, the contents and the redaction note. Pure, like
 * view-model.ts.
 */
import type { AuditResult } from '../results/schema.js';
import { cleanProse, formatDate, formatDateTime, visibleText } from './format.js';
import type { CoverageView, FindingGroup, FindingView, ReportMeta, ReportView, TocEntry, ViewModelOptions } from './view-model.js';
import { kv } from './view-shared.js';

export const DEFAULT_REPORT_META: ReportMeta = { status: 'draft', version: '1.0', pageSize: 'A4' };

export function tocEntries(groups: readonly FindingGroup[], coverage: readonly CoverageView[], hasCharts: boolean): TocEntry[] {
  const e = (no: string, title: string, anchor: string, level = 1, f?: FindingView): TocEntry => ({
    no,
    title,
    anchor,
    level,
    page: '',
    severity: f?.severity ?? null,
    severityLabel: f?.severityLabel ?? '',
    status: f?.status ?? null,
    statusLabel: f?.statusLabel ?? '',
  });
  const out: TocEntry[] = [e('1', 'Executive summary', 'summary')];
  if (hasCharts) out.push(e('2', 'Metrics', 'metrics'));
  out.push(e('3', 'MFA enforcement', 'enforcement'));
  out.push(e('4', 'Findings', 'findings'));
  for (const g of groups) {
    if (g.brief) out.push(e('', g.title, g.id, 2));
    else for (const f of g.findings) out.push(e('', f.title, f.anchor, 2, f));
  }
  if (coverage.length > 0) out.push(e('5', 'Control coverage', 'coverage'));
  out.push(e('6', 'Methodology and definitions', 'methodology'));
  out.push(e('A', 'Evidence of collection', 'appendix-sources'));
  out.push(e('B', 'All metrics', 'appendix-metrics'));
  out.push(e('C', 'Glossary', 'glossary'));
  return out;
}


/** The configured document control over the defaults (keys left undefined keep the default). */
export function reportMeta(report: Partial<ReportMeta> | undefined): ReportMeta {
  return { ...DEFAULT_REPORT_META, ...Object.fromEntries(Object.entries(report ?? {}).filter(([, v]) => v !== undefined)) };
}

/** Title, document metadata, cover, document control and the redaction note. */
export function documentView(
  results: AuditResult,
  opts: ViewModelOptions,
): Pick<ReportView, 'title' | 'meta' | 'cover' | 'documentControl' | 'redaction'> {
  const organisation = cleanProse(opts.branding.organisation);
  const classification = opts.branding.classification ? cleanProse(opts.branding.classification) : null;
  const report = reportMeta(opts.report);
  const auditPeriod = report.auditPeriod ? cleanProse(report.auditPeriod) : null;
  const date = formatDate(results.snapshot.finishedAt);
  const dash = (s: string | undefined) => (s ? cleanProse(s) : '—');
  const redaction: ReportView['redaction'] =
    opts.redaction === 'aggregate'
      ? { mode: 'aggregate', text: 'Aggregate-only copy: per-user rows are left out, and names and user principal names that remain are replaced by keyed pseudonyms.' }
      : opts.redaction === 'pseudonymise'
        ? { mode: 'pseudonymise', text: 'Pseudonymised copy: user principal names, display names and object ids are replaced by keyed pseudonyms (HMAC-SHA256). The same key gives the same pseudonyms in every quarter.' }
        : null;
  return {
    title: `${organisation}: Authentication methods audit`,
    meta: {
      ...report,
      version: cleanProse(report.version),
      preparer: report.preparer === undefined ? undefined : cleanProse(report.preparer),
      reviewer: report.reviewer === undefined ? undefined : cleanProse(report.reviewer),
      auditPeriod: auditPeriod ?? undefined,
      footer: report.footer === undefined ? undefined : cleanProse(report.footer),
      isDraft: report.status === 'draft',
      statusLabel: report.status === 'draft' ? 'Draft' : 'Final',
      date,
    },
    cover: {
      organisation,
      logoDataUri: opts.logoDataUri,
      classification,
      tenantId: visibleText(results.tenant.id),
      cloud: visibleText(results.tenant.cloud),
      endpoint: visibleText(results.tenant.endpoint),
      collectedAt: formatDateTime(results.snapshot.finishedAt),
      collectedAtIso: visibleText(results.snapshot.finishedAt),
      asOf: formatDateTime(results.asOf),
      auditPeriod,
      toolName: visibleText(results.tool.name),
      toolVersion: visibleText(results.tool.version),
      schemaVersion: results.schemaVersion,
      manifestSha256: visibleText(results.snapshot.manifestSha256),
      complete: results.snapshot.complete,
    },
    documentControl: [
      kv('Document', 'Authentication methods audit'),
      kv('Version', cleanProse(report.version)),
      kv('Status', report.status === 'draft' ? 'Draft: for review, not for reliance' : 'Final'),
      kv('Date', `${date} (snapshot date)`),
      kv('Audit period', auditPeriod ?? '—'),
      kv('Prepared by', dash(report.preparer)),
      kv('Reviewed by', dash(report.reviewer)),
      kv('Classification', classification ?? '—'),
      kv('Tenant', `${visibleText(results.tenant.id)} (${visibleText(results.tenant.cloud)})`, true),
      kv('Produced by', `${visibleText(results.tool.name)} ${visibleText(results.tool.version)}, results schema v${results.schemaVersion}`),
      kv('Snapshot manifest SHA-256', visibleText(results.snapshot.manifestSha256), true),
    ],
    redaction,
  };
}
