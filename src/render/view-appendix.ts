/**
 * The appendices: evidence of collection (one view per source, the integrity facts, the cross-checks of the
 * aggregate reports) and all metrics, grouped by source. Pure, like view-model.ts.
 */
import type { AuditResult, MetricInfo, MetricValue, ResultSource, SourceStatus } from '../results/schema.js';
import { breakParts, cleanProse, compareStrings, formatDate, formatDateTime, formatInt, formatNumber, formatPercent, visibleText } from './format.js';
import { fraction, type Info } from './view-charts.js';
import type { MetricRow, ReportView, SourceView } from './view-model.js';
import { crossChecks } from './view-reports.js';
import { kv } from './view-shared.js';

/** Metric families of one value per method, slice or configuration (many rows each): listed after the others. */
const METRIC_DETAIL = /^(aggregate\.by_method\.|aggregate\.by_method_total\.|events\.(registration|reset)\.failure_rate\.|methods\.registered\.|policy\.methods\.enabled\.|sspr\.reset\.failure_rate\.|registration\.failure_rate\.)/;

const SOURCE_STATUS_LABEL: Record<SourceStatus, string> = {
  ok: 'OK',
  unavailable: 'Unavailable',
  forbidden: 'Forbidden',
  retired: 'Retired',
  error: 'Error',
  not_collected: 'Not collected',
};

function isShareKind(kind: MetricInfo['kind'] | undefined, m: MetricValue | undefined): boolean {
  return kind === 'ratio' || kind === 'share' || (kind === undefined && m?.denominator !== undefined);
}

function metricValueText(m: MetricValue | undefined, kind: MetricInfo['kind'] | undefined): string {
  if (!m || m.value === null) return 'n/a';
  if (isShareKind(kind, m)) return formatPercent(m.value);
  return formatNumber(m.value);
}

function sourceView(s: ResultSource, endpoint: string): SourceView {
  const request = `/${s.apiVersion}${s.path}`;
  return {
    id: visibleText(s.id),
    title: cleanProse(s.title),
    status: s.status,
    statusLabel: SOURCE_STATUS_LABEL[s.status],
    apiVersion: visibleText(s.apiVersion),
    path: visibleText(s.path),
    requestParts: breakParts(visibleText(request)),
    urlParts: breakParts(visibleText(`${endpoint.replace(/\/+$/, '')}${request}`)),
    httpStatus: s.httpStatus === null ? '—' : String(s.httpStatus),
    errorCode: s.errorCode === null ? '' : visibleText(s.errorCode),
    errorMessage: s.errorMessage === null ? '' : cleanProse(s.errorMessage),
    pages: formatInt(s.pages),
    records: formatInt(s.records),
    bytes: formatInt(s.bytes),
    sha256: s.sha256 === null ? '—' : visibleText(s.sha256),
    retiredSuccessor: s.retiredSuccessor === null ? '' : visibleText(s.retiredSuccessor),
  };
}


/** Appendix A (sources, integrity, cross-checks) and B (metrics: those the findings rest on first when capped). */
export function appendixView(results: AuditResult, info: Info, listCap: number): ReportView['appendix'] {
  // When the list is capped, the metrics the findings rest on come first and the per-method / per-slice detail
  // families last: a capped appendix shows the headline numbers, the rest stays in results.json.
  const evidenceIds = new Set(results.findings.flatMap((f) => Object.keys(f.evidence)));
  const rank = (id: string) => (evidenceIds.has(id) ? 0 : METRIC_DETAIL.test(id) ? 2 : 1);
  const metricIds = Object.keys(results.metrics).sort((a, b) => rank(a) - rank(b) || compareStrings(a, b));
  const metricCap = listCap * 5;
  const metricRows: MetricRow[] = metricIds.slice(0, metricCap).map((id) => {
    const m = results.metrics[id];
    const mi = info.get(id);
    return {
      id: visibleText(id),
      idParts: breakParts(visibleText(id)),
      title: cleanProse(mi?.title ?? id),
      kind: mi?.kind ?? '',
      value: metricValueText(m, mi?.kind),
      fraction: fraction(m),
      source: mi?.source ? visibleText(mi.source) : '—',
    };
  });
  const metricSources = [...new Set(metricRows.map((r) => r.source))].sort((a, b) => (a === '—' ? 1 : b === '—' ? -1 : compareStrings(a, b)));
  return {
    sources: [...results.sources].sort((a, b) => compareStrings(a.id, b.id)).map((s) => sourceView(s, results.tenant.endpoint)),
    metrics: metricRows,
    metricGroups: metricSources.map((source) => ({ source, rows: metricRows.filter((r) => r.source === source) })),
    metricsMore: metricIds.length > metricCap ? `${formatInt(metricIds.length - metricCap)} more metrics are in results.json.` : null,
    manifestSha256: visibleText(results.snapshot.manifestSha256),
    schemaVersion: results.schemaVersion,
    integrity: [
      kv('Snapshot manifest SHA-256', visibleText(results.snapshot.manifestSha256), true),
      kv('Collection window', `${formatDateTime(results.snapshot.startedAt)} to ${formatDateTime(results.snapshot.finishedAt)}`),
      kv('Graph endpoint', visibleText(results.tenant.endpoint), true),
      kv('Tenant', `${visibleText(results.tenant.id)} (${visibleText(results.tenant.cloud)})`, true),
      kv('Produced by', `${visibleText(results.tool.name)} ${visibleText(results.tool.version)}`),
      kv('Results schema version', String(results.schemaVersion)),
      ...(results.trends
        ? results.trends.baselines.map((b, i) => kv(`Baseline ${i + 1} (${formatDate(b.asOf)}) manifest`, visibleText(b.manifestSha256), true))
        : []),
    ],
    crossChecks: crossChecks(results),
  };
}
