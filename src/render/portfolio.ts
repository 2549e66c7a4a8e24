/**
 * The portfolio pack: one page with a row per tenant (headline metrics, failing checks by severity, collection
 * status) and a relative link to each tenant's own pack. Self-contained HTML with the same CSP as audit.html, and
 * portfolio.md. Reads only results.json files (render never reads a snapshot).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import Handlebars from 'handlebars';
import type { AuditResult } from '../results/schema.js';

export interface PortfolioEntry {
  /** display name of the tenant (from tenants.yaml) */
  name: string;
  tenantId: string;
  /** results.json path, or null when the tenant failed before analysis */
  resultsPath: string | null;
  results: AuditResult | null;
  /** why the tenant has no results */
  error: string | null;
}

const HEADLINES = ['mfa.capable', 'phishing_resistant.registered', 'admins.phishing_resistant', 'mfa.phone_only'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

const TEMPLATE = Handlebars.compile(
  `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>Authentication methods portfolio — {{title}}</title>
<style>
body{font-family:"Liberation Sans","DejaVu Sans","Noto Sans","Noto Sans CJK SC",sans-serif;margin:2rem;color:#1d2733}
h1{color:#0b5cad;font-size:1.6rem}table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border-bottom:1px solid #d5dbe3;padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f4f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#a11d1d;font-weight:bold}.muted{color:#5b6776}.err{background:#fff4f4}
</style></head><body>
<h1>Authentication methods portfolio</h1>
<p class="muted">{{count}} tenants · generated from their results.json files · each row links to the tenant's own pack.</p>
<table><thead><tr><th>Tenant</th><th>Snapshot</th>{{#each headlines}}<th>{{this}}</th>{{/each}}<th>Critical</th><th>High</th><th>Medium</th><th>Low</th><th>Errors</th><th>Pack</th></tr></thead>
<tbody>{{#each rows}}
{{#if error}}<tr class="err"><td><bdi>{{name}}</bdi><br><span class="muted">{{tenantId}}</span></td><td colspan="{{../span}}" class="bad">Not audited: {{error}}</td></tr>
{{else}}<tr><td><bdi>{{name}}</bdi><br><span class="muted">{{tenantId}}</span></td><td>{{asOf}}{{#if partial}}<br><span class="bad">partial</span>{{/if}}</td>
{{#each metrics}}<td class="num">{{this}}</td>{{/each}}
{{#each failed}}<td class="num{{#if this}} bad{{/if}}">{{this}}</td>{{/each}}<td class="num">{{errors}}</td>
<td><a href="{{link}}">audit.html</a></td></tr>{{/if}}{{/each}}
</tbody></table></body></html>
`,
  { strict: true },
);

const pct = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${(v * 100).toFixed(1)} %`);

export async function renderPortfolio(entries: readonly PortfolioEntry[], outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const rows = [...entries]
    .sort((a, b) => a.name.localeCompare(b.name) || a.tenantId.localeCompare(b.tenantId))
    .map((e) => {
      if (!e.results || !e.resultsPath) return { name: e.name, tenantId: e.tenantId, error: e.error ?? 'no results' };
      const r = e.results;
      return {
        name: e.name,
        tenantId: r.tenant.id,
        error: null,
        asOf: r.asOf,
        partial: r.sources.some((s) => !['ok', 'retired'].includes(s.status)),
        metrics: HEADLINES.map((id) => pct(r.metrics[id]?.value)),
        failed: SEVERITIES.map((s) => r.summary.failedBySeverity[s] ?? 0),
        errors: r.summary.byStatus.error ?? 0,
        link: relative(outDir, join(dirname(e.resultsPath), 'audit.html')).split('\\').join('/'),
      };
    });
  const html = TEMPLATE({ title: `${entries.length} tenants`, count: entries.length, headlines: HEADLINES, rows, span: HEADLINES.length + 7 });
  const md = [
    '# Authentication methods portfolio',
    '',
    `| Tenant | ${HEADLINES.join(' | ')} | Critical | High | Medium | Low | Errors |`,
    `|---|${HEADLINES.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|`,
    ...rows.map((r) =>
      'metrics' in r && r.metrics
        ? `| ${mdCell(r.name)} | ${r.metrics.join(' | ')} | ${r.failed!.join(' | ')} | ${r.errors} |`
        : `| ${mdCell(r.name)} | not audited: ${mdCell(r.error ?? '')} |${' |'.repeat(HEADLINES.length + 4)}`,
    ),
    '',
  ].join('\n');
  const files = [join(outDir, 'index.html'), join(outDir, 'portfolio.md')];
  for (const [path, text] of [[files[0]!, html], [files[1]!, md]] as const) {
    await writeFile(`${path}.partial`, text, 'utf8');
    await rename(`${path}.partial`, path);
  }
  return files;
}

function mdCell(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/[|\\`<>]/g, (c) => `\\${c}`).replace(/^#/, '\\#');
}
