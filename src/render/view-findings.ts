/**
 * Section 4, the findings: one view per finding (evidence, affected users, exceptions, trend, remediation, the
 * controls it tests) and the groups they are printed in. Pure, like view-model.ts.
 */
import type { AffectedUser, AuditResult, Finding, FindingStatus } from '../results/schema.js';
import { anchorFor, breakParts, cleanProse, compareStrings, formatInt, formatNumber, formatPercent, frameworkShort, visibleText } from './format.js';
import { fraction, metricTitle, type Info } from './view-charts.js';
import type { AffectedRow, FindingGroup, FindingTrendView, FindingView, ViewModelOptions } from './view-model.js';
import { baselineDate, exceptionView, LIST_CAP, SEVERITY_LABEL, STATUS_LABEL } from './view-shared.js';

function affectedRow(u: AffectedUser): AffectedRow {
  return {
    id: visibleText(u.id),
    userPrincipalName: visibleText(u.userPrincipalName),
    userPrincipalNameParts: breakParts(visibleText(u.userPrincipalName)),
    userDisplayName: visibleText(u.userDisplayName),
    userType: visibleText(u.userType),
    admin: u.isAdmin === null ? '—' : u.isAdmin ? 'Yes' : 'No',
    methods: u.methodsRegistered.length === 0 ? 'none' : u.methodsRegistered.map(visibleText).join(', '),
  };
}

function isHttpsUrl(s: string): boolean {
  try {
    return new URL(s).protocol === 'https:';
  } catch {
    return false;
  }
}

function thresholdText(f: Finding, info: Info): string | null {
  if (f.threshold === null) return null;
  const ratioEvidence = Object.keys(f.evidence).some((id) => {
    const kind = info.get(id)?.kind;
    return kind === 'ratio' || kind === 'share';
  });
  return ratioEvidence && f.threshold >= 0 && f.threshold <= 1 ? formatPercent(f.threshold) : formatNumber(f.threshold);
}

function controlGroups(controls: Finding['controls']): FindingView['controlGroups'] {
  const byFramework = new Map<string, string[]>();
  for (const c of controls) {
    const ids = byFramework.get(c.framework) ?? [];
    ids.push(cleanProse(c.id));
    byFramework.set(c.framework, ids);
  }
  return [...byFramework].map(([fw, ids]) => ({ framework: cleanProse(frameworkShort(fw)), ids: ids.join(', ') }));
}

const CHANGE_LABEL: Record<FindingTrendView['change'], string> = {
  new: 'New since baseline',
  resolved: 'Resolved since baseline',
  persisting: 'Persisting',
  unchanged: 'Unchanged',
};

function findingTrend(results: AuditResult, f: Finding): FindingTrendView | null {
  const t = results.trends?.findings[f.checkId];
  const since = baselineDate(results);
  if (!t || since === null) return null;
  const parts: string[] = [];
  if (t.appeared !== null && t.appeared > 0) parts.push(`${formatInt(t.appeared)} affected ${t.appeared === 1 ? 'user' : 'users'} new since ${since}`);
  if (t.left !== null && t.left > 0) parts.push(`${formatInt(t.left)} no longer affected`);
  if (t.appeared === 0 && t.left === 0) parts.push(`same affected users as on ${since}`);
  return {
    change: t.change,
    label: CHANGE_LABEL[t.change],
    previous: t.previous === null ? 'not run' : STATUS_LABEL[t.previous],
    movement: parts.join('; '),
  };
}

export function findingView(
  f: Finding,
  results: AuditResult,
  info: Info,
  opts: ViewModelOptions,
  anchors: ReadonlyMap<string, string>,
): FindingView {
  let affected: FindingView['affected'] = null;
  const withheld = opts.redaction === 'aggregate';
  if (f.affected) {
    const head = opts.affectedHead.get(f.checkId) ?? f.affected.sample;
    // the list matters where the requirement is not met (or met only by exception); a pass shows the count only
    const listed = (f.status === 'fail' || f.status === 'excepted') && !withheld;
    const cap = Math.max(0, Math.min(opts.affectedCaps?.get(f.checkId) ?? opts.maxAffectedInPdf, opts.maxAffectedInPdf));
    const rows = listed ? head.slice(0, cap).map(affectedRow) : [];
    const worklist = opts.worklists.get(f.checkId) ?? null;
    const more = listed ? Math.max(0, f.affected.count - rows.length) : 0;
    affected = {
      count: f.affected.count,
      countText: formatInt(f.affected.count),
      rows,
      more,
      moreText: formatInt(more),
      worklist,
      withheld: withheld && (f.status === 'fail' || f.status === 'excepted') && f.affected.count > 0,
    };
  }
  const evidence = Object.keys(f.evidence)
    .sort(compareStrings)
    .map((id) => {
      const v = f.evidence[id] ?? null;
      const kind = info.get(id)?.kind;
      const m = results.metrics[id];
      const text =
        v === null
          ? 'n/a (no data)'
          : kind === 'ratio' || kind === 'share'
            ? `${formatPercent(v)}${m && m.value === v && fraction(m) ? ` (${fraction(m)})` : ''}`
            : formatNumber(v);
      return { metricId: visibleText(id), metricIdParts: breakParts(visibleText(id)), title: cleanProse(metricTitle(info, id)), value: text };
    });
  let excepted: FindingView['excepted'] = null;
  if (f.excepted) {
    const listCap = opts.listCap ?? LIST_CAP;
    // a finding shows its first few exceptions, each with a short scope; section 6 and results.json have all
    const shown = Math.max(1, Math.min(5, Math.ceil(listCap / 8)));
    const all = f.excepted.exceptions.map((i) => results.exceptions[i]).filter((e): e is AuditResult['exceptions'][number] => e !== undefined);
    excepted = {
      countText: formatInt(f.excepted.count),
      wholeCheck: f.excepted.wholeCheck,
      exceptions: all.slice(0, shown).map((e) => exceptionView(e, anchors, listCap >= 20 ? 3 : 1)),
      more: all.length > shown ? `${formatInt(all.length - shown)} more ${all.length - shown === 1 ? 'exception applies' : 'exceptions apply'}; all are listed in section 6.` : null,
    };
  }
  return {
    checkId: cleanProse(f.checkId),
    anchor: anchorFor(f.checkId),
    version: f.version,
    title: cleanProse(f.title),
    severity: f.severity,
    severityLabel: SEVERITY_LABEL[f.severity],
    severityOverridden: f.severityOverridden,
    status: f.status,
    statusLabel: STATUS_LABEL[f.status],
    isFail: f.status === 'fail',
    isError: f.status === 'error',
    isPass: f.status === 'pass',
    isExcepted: f.status === 'excepted',
    isNotApplicable: f.status === 'not_applicable',
    compact: f.status === 'fail' && (opts.compactFindings === 'all' || f.severity === 'low' || f.severity === 'info'),
    message: cleanProse(f.message),
    rationale: cleanProse(f.rationale),
    errorReason: cleanProse(f.errorReason ?? 'No reason was recorded.'),
    evidence,
    threshold: thresholdText(f, info),
    affected,
    excepted,
    trend: findingTrend(results, f),
    remediation: {
      summary: cleanProse(f.remediation.summary),
      steps: f.remediation.steps.map(cleanProse),
      links: f.remediation.links.map((href) => ({ href: visibleText(href), isHttps: isHttpsUrl(href) })),
    },
    controls: f.controls.map((c) => ({ framework: cleanProse(c.framework), id: cleanProse(c.id), title: cleanProse(c.title) })),
    controlGroups: controlGroups(f.controls),
    supportGroups: controlGroups(f.supports),
    requires: f.requires.map(visibleText),
  };
}

export function findingGroups(findings: readonly FindingView[]): FindingGroup[] {
  const pick = (...statuses: FindingStatus[]) => findings.filter((f) => statuses.includes(f.status));
  const groups: FindingGroup[] = [
    {
      id: 'findings-action',
      title: 'Requiring action',
      intro:
        'Failing checks, and checks that could not be evaluated because data was missing, by severity. Each lists the first affected users; the complete list is in the CSV worklist named beside it.',
      findings: pick('fail', 'error'),
      brief: false,
    },
    {
      id: 'findings-excepted',
      title: 'Accepted by exception',
      intro: 'The requirement is not met, but every affected user is covered by an exception in force: an accepted risk with an owner and an expiry date.',
      findings: pick('excepted'),
      brief: false,
    },
    {
      id: 'findings-passed',
      title: 'Passed',
      intro: 'The requirement is met; the evidence is the measured value against the target.',
      findings: pick('pass'),
      brief: true,
    },
    {
      id: 'findings-na',
      title: 'Not applicable',
      intro: 'The check does not apply to this tenant or configuration.',
      findings: pick('not_applicable'),
      brief: true,
    },
  ];
  return groups.filter((g) => g.findings.length > 0);
}
