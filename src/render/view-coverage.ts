/**
 * Section 5, control coverage: per framework, each control's status and the checks that test or only support it
 * (coverageView), and the checks × frameworks matrix (coverageMatrix). Pure, like view-model.ts.
 */
import type { AuditResult, ControlStatus, FindingStatus } from '../results/schema.js';
import { CONTROL_STATUSES } from '../results/schema.js';
import { anchorFor, cleanProse, compareStrings, formatInt, frameworkShort, lookup, visibleText, worklistName } from './format.js';
import type { CoverageCheckRef, CoverageControlView, CoverageCount, CoverageMatrix, CoverageView } from './view-model.js';
import { sortFindings, STATUS_LABEL } from './view-shared.js';
import { SOURCE_KIND } from './view-text.js';

/** A control's status: a finding status, or not assessable (the evidence its testing checks need is missing). */
export const CONTROL_STATUS_LABEL: Record<ControlStatus, string> = { ...STATUS_LABEL, not_assessable: 'Not assessable' };
/** A control only supporting checks cite: no verdict (its status is not_applicable). */
const NOT_TESTED_LABEL = 'Not tested';

/** Controls listed per framework (the catalogue holds about 50 in all); the rest are in results.json. */
const COVERAGE_CONTROL_CAP = 200;
/** Checks named per control before "and N more". */
const COVERAGE_CHECK_CAP = 12;

function checkRefs(
  refs: ReadonlyArray<{ checkId: string; status: FindingStatus }>,
  anchors: ReadonlyMap<string, string>,
): { refs: CoverageCheckRef[]; more: string | null } {
  return {
    refs: refs.slice(0, COVERAGE_CHECK_CAP).map((ch) => ({
      checkId: visibleText(ch.checkId),
      anchor: anchors.get(ch.checkId) ?? anchorFor(ch.checkId),
      status: ch.status,
      statusLabel: STATUS_LABEL[ch.status],
    })),
    more: refs.length > COVERAGE_CHECK_CAP ? `and ${formatInt(refs.length - COVERAGE_CHECK_CAP)} more` : null,
  };
}

const KIND_ORDER = [...new Set(Object.values(SOURCE_KIND))];

/** "Conditional Access, registration report" from source ids: each kind once, policy first, unknown ids last. */
function dataKinds(sources: readonly string[]): string {
  const rank = (k: string) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);
  const kinds = [...new Set(sources.map((id) => lookup(SOURCE_KIND, id) ?? visibleText(id)))];
  return kinds
    .sort((a, b) => rank(a) - rank(b) || compareStrings(a, b))
    .slice(0, COVERAGE_CHECK_CAP)
    .join(', ');
}

export function coverageView(results: AuditResult, anchors: ReadonlyMap<string, string>): CoverageView[] {
  return results.coverage.map((fw) => {
    const controls = fw.controls.slice(0, COVERAGE_CONTROL_CAP).map((c): CoverageControlView => {
      const tested = c.checks.length > 0;
      const checks = checkRefs(c.checks, anchors);
      const supportedBy = checkRefs(c.supportedBy, anchors);
      return {
        id: cleanProse(c.id),
        title: cleanProse(c.title),
        version: cleanProse(c.version),
        status: c.status,
        statusLabel: !tested && c.status === 'not_applicable' ? NOT_TESTED_LABEL : CONTROL_STATUS_LABEL[c.status],
        tested,
        checks: checks.refs,
        checksMore: checks.more,
        supportedBy: supportedBy.refs,
        supportedByMore: supportedBy.more,
        sources: c.sources.slice(0, COVERAGE_CHECK_CAP).map(visibleText),
        data: dataKinds(c.sources),
      };
    });
    const editions = new Set(fw.controls.map((c) => c.version));
    const onlySupported = fw.controls.filter((c) => c.checks.length === 0 && c.status === 'not_applicable').length;
    const counts: CoverageCount[] = CONTROL_STATUSES.map((s) => ({
      status: s,
      label: CONTROL_STATUS_LABEL[s],
      count: fw.controls.filter((c) => c.status === s && (s !== 'not_applicable' || c.checks.length > 0)).length,
    }));
    counts.push({ status: 'not_applicable', label: NOT_TESTED_LABEL, count: onlySupported });
    return {
      framework: visibleText(fw.framework),
      short: cleanProse(frameworkShort(fw.framework)),
      title: cleanProse(fw.title),
      anchor: `coverage-${worklistName(fw.framework).slice(0, -4)}`,
      counts: counts.filter((c) => c.count > 0),
      testedCount: fw.controls.length - onlySupported,
      supportedOnlyCount: onlySupported,
      edition: editions.size === 1 && fw.controls[0] ? cleanProse(fw.controls[0].version) : null,
      controls,
      controlsMore: fw.controls.length > COVERAGE_CONTROL_CAP ? `${formatInt(fw.controls.length - COVERAGE_CONTROL_CAP)} more controls are in results.json.` : null,
    };
  });
}

export function coverageMatrix(results: AuditResult, anchors: ReadonlyMap<string, string>): CoverageMatrix {
  const fws = results.coverage;
  // per check, per framework: the control ids it tests and those it only supports
  const byCheck = new Map<string, Array<{ tested: string[]; supported: string[] }>>();
  const cellsOf = (checkId: string) => {
    let cells = byCheck.get(checkId);
    if (!cells) byCheck.set(checkId, (cells = fws.map(() => ({ tested: [], supported: [] }))));
    return cells;
  };
  fws.forEach((fw, i) => {
    for (const c of fw.controls) {
      for (const ch of c.checks) cellsOf(ch.checkId)[i]?.tested.push(cleanProse(c.id));
      for (const ch of c.supportedBy) cellsOf(ch.checkId)[i]?.supported.push(cleanProse(c.id));
    }
  });
  const findingOf = new Map(results.findings.map((f) => [f.checkId, f]));
  const ordered = sortFindings(results.findings.filter((f) => byCheck.has(f.checkId))).map((f) => f.checkId);
  const unknown = [...byCheck.keys()].filter((id) => !findingOf.has(id)).sort(compareStrings);
  return {
    frameworks: fws.map((fw) => ({ short: cleanProse(frameworkShort(fw.framework)), title: cleanProse(fw.title) })),
    rows: [...ordered, ...unknown].map((checkId) => {
      const f = findingOf.get(checkId);
      const status: FindingStatus = f?.status ?? 'not_applicable';
      return {
        checkId: visibleText(checkId),
        title: cleanProse(f?.title ?? checkId),
        anchor: anchors.get(checkId) ?? anchorFor(checkId),
        status,
        statusLabel: STATUS_LABEL[status],
        cells: (byCheck.get(checkId) ?? []).map((c) => ({ ids: c.tested.join(', '), supported: c.supported.join(', ') })),
      };
    }),
  };
}

