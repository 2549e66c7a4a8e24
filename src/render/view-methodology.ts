/**
 * Section 6, methodology and definitions: the population and admin definitions, the token sets, the privileged
 * roles (privilegedView), the thresholds, the freshness of the data and the exceptions in force. Pure, like
 * view-model.ts.
 */
import type { AuditResult } from '../results/schema.js';
import { breakParts, cleanProse, compareStrings, formatDateTime, formatDuration, formatInt, formatNumber, formatPercent, lookup, visibleText } from './format.js';
import { fraction, thresholdValue, type Info } from './view-charts.js';
import type { KeyValue, PrincipalRow, PrivilegedView, ReportView, ViewModelOptions } from './view-model.js';
import { exceptionView, kv, LIST_CAP } from './view-shared.js';
import { ENFORCEMENT_MODEL, THRESHOLD_TEXT } from './view-text.js';

function principalRow(p: AuditResult['privileged']['notAssessable'][number]): PrincipalRow {
  return {
    id: visibleText(p.id),
    userPrincipalName: visibleText(p.userPrincipalName),
    userPrincipalNameParts: breakParts(visibleText(p.userPrincipalName)),
    displayName: visibleText(p.displayName),
    holds: p.holds.slice(0, 4).map(cleanProse).concat(p.holds.length > 4 ? [`and ${p.holds.length - 4} more`] : []),
  };
}

function privilegedView(p: AuditResult['privileged'], cap: number, aggregate: boolean, listCap: number): PrivilegedView {
  const rowCap = aggregate ? 0 : Math.max(0, cap);
  const capped = <T>(xs: readonly T[]) => xs.slice(0, rowCap);
  const more = (n: number) => (n > rowCap && !aggregate ? `${formatInt(n - rowCap)} more in results.json` : null);
  const sps = p.servicePrincipals.map((sp) => principalRow({ ...sp, userPrincipalName: '' }));
  const roleIds = p.roleSet.roleIds ?? [];
  return {
    basisText:
      p.basis === 'roles'
        ? 'Directory role assignments (active and, where collected, eligible; direct and through groups)'
        : "The report's isAdmin flag (role data was not available)",
    roleSetName: visibleText(p.roleSet.name),
    roleSetDescription: cleanProse(p.roleSet.description),
    roleCount: p.roleSet.roleIds === null ? 'all admin roles' : `${formatInt(p.roleSet.roleIds.length)} roles`,
    roleIds: roleIds.slice(0, listCap).map(visibleText),
    roleIdsMore: roleIds.length > listCap ? `${formatInt(roleIds.length - listCap)} more in results.json` : null,
    eligibleIncluded: p.eligibleIncluded ? 'Yes' : 'No',
    note: p.note === null ? null : cleanProse(p.note),
    servicePrincipalCount: formatInt(sps.length),
    servicePrincipals: capped(sps),
    servicePrincipalsMore: more(sps.length),
    notAssessableCount: formatInt(p.notAssessable.length),
    notAssessable: capped(p.notAssessable).map(principalRow),
    notAssessableMore: more(p.notAssessable.length),
  };
}

function thresholdRows(results: AuditResult): ReportView['definitions']['thresholds'] {
  const t = results.definitions.thresholds;
  return Object.keys(t)
    .sort(compareStrings)
    .map((key) => {
      const v = t[key] ?? 0;
      const text = lookup(THRESHOLD_TEXT, key);
      const value =
        text?.unit === 'share' ? formatPercent(v) : text?.unit === 'days' ? `${formatNumber(v)} days` : formatNumber(v);
      return { key: visibleText(key), keyParts: breakParts(visibleText(key)), label: text?.label ?? '', value };
    });
}

function freshness(results: AuditResult, info: Info): KeyValue[] {
  const s = results.snapshot;
  const stale = results.metrics['data.stale_rows'];
  const days = thresholdValue(results, 'staleRowDays');
  const ok = results.sources.filter((src) => src.status === 'ok').length;
  const duration = formatDuration(s.startedAt, s.finishedAt);
  const rows = [
    kv('Snapshot window', `${formatDateTime(s.startedAt)} to ${formatDateTime(s.finishedAt)}${duration ? ` (${duration})` : ''}`),
    kv('Analysis as of', `${formatDateTime(results.asOf)}: every time-based rule (stale rows, exception expiry) uses this moment, never the clock`),
    kv('Sources collected', `${formatInt(ok)} of ${formatInt(results.sources.length)} OK${s.complete ? '' : '; the snapshot is incomplete'}`),
  ];
  if (stale) {
    const f = fraction(stale);
    rows.push(
      kv(
        'Stale report rows',
        stale.value === null
          ? 'n/a (no data)'
          : `${formatPercent(stale.value)}${f ? ` (${f})` : ''} of rows not updated in the ${days === null ? 'configured number of' : formatNumber(days)} days before the snapshot`,
      ),
    );
  } else if (info.has('data.stale_rows')) {
    rows.push(kv('Stale report rows', 'n/a (no data)'));
  }
  rows.push(kv('Report lag', 'userRegistrationDetails is refreshed by Microsoft with a delay of hours and omits disabled accounts; changes made just before the snapshot may not show.'));
  return rows;
}

function tokens(xs: readonly string[]): string[] {
  return [...xs].sort(compareStrings).map(visibleText);
}

function cappedList(xs: readonly string[], cap = LIST_CAP): { items: string[]; more: string | null } {
  return { items: xs.slice(0, cap).map(visibleText), more: xs.length > cap ? `and ${formatInt(xs.length - cap)} more in results.json` : null };
}


/** Section 6: what the audit measured and how, capped at `listCap` entries per list (the rest is in results.json). */
export function definitionsView(
  results: AuditResult,
  info: Info,
  opts: ViewModelOptions,
  anchors: ReadonlyMap<string, string>,
  listCap: number,
): ReportView['definitions'] {
  const defs = results.definitions;
  const aggregate = opts.redaction === 'aggregate';
  const exceptions = results.exceptions.map((e) => exceptionView(e, anchors, Math.max(1, Math.ceil((opts.listCap ?? LIST_CAP) / 8))));
  const exclude = cappedList(defs.excludeUpnPatterns, listCap);
  const breakGlass = cappedList(defs.breakGlassAccounts, listCap);
  return {
    population: cleanProse(defs.population),
    admins: cleanProse(defs.admins),
    includeGuests: defs.includeGuests ? 'Yes: guests count in the population' : 'No: guests are measured separately',
    excludeUpnPatterns: exclude.items,
    excludeUpnPatternsMore: exclude.more,
    breakGlassAccounts: aggregate ? [] : breakGlass.items,
    breakGlassAccountsMore: aggregate ? (defs.breakGlassAccounts.length ? `${formatInt(defs.breakGlassAccounts.length)} configured (not listed in an aggregate-only copy)` : null) : breakGlass.more,
    tokenSets: [
      { name: 'Phishing-resistant tokens', tokens: tokens(defs.phishingResistantTokens) },
      { name: 'Phishing-resistant token prefixes', tokens: tokens(defs.phishingResistantPrefixes) },
      { name: 'Phone tokens (SMS / voice)', tokens: tokens(defs.phoneTokens) },
      { name: 'Tokens that are not MFA', tokens: tokens(defs.nonMfaTokens) },
    ],
    privileged: privilegedView(results.privileged, Math.min(opts.maxAffectedInPdf, listCap), aggregate, listCap),
    thresholds: thresholdRows(results),
    freshness: freshness(results, info),
    exceptions: exceptions.slice(0, listCap),
    exceptionsMore: exceptions.length > listCap ? `${formatInt(exceptions.length - listCap)} more exceptions are in results.json.` : null,
    enforcementModel: ENFORCEMENT_MODEL,
  };
}
