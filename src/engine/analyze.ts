/**
 * analyze(snapshot) → results.json: streams the snapshot through the metric folds, evaluates every check, and
 * isolates failures: a check whose source is not usable, or that throws, is an `error` finding, never pass/fail.
 * "Now" is the snapshot's finishedAt; the same snapshot and config give byte-identical output.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKS, type Check } from '../checks/index.js';
import type { Config } from '../config/schema.js';
import { resolveControl } from '../frameworks/catalogue.js';
import { ActivityFold } from '../metrics/activity.js';
import {
  ADMINS_DEFINITION,
  NON_MFA_TOKENS,
  PHISHING_RESISTANT_PREFIXES,
  PHISHING_RESISTANT_TOKENS,
  PHONE_TOKENS,
  POPULATION_DEFINITION,
} from '../metrics/definitions.js';
import { RoleFold, resolveRoleSet, type PrivilegedPrincipal } from '../metrics/privileged.js';
import { RegistrationFold, type AdminDefinition } from '../metrics/registration.js';
import type { MetricSet } from '../metrics/types.js';
import { loadSnapshot, readRows, sourceById, type LoadedSnapshot } from '../snapshot/reader.js';
import type { SourceRecord } from '../snapshot/schema.js';
import { toJsonText, writeFileAtomic } from '../snapshot/writer.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { CohortFiles, type CohortSummary } from './cohort-files.js';
import {
  RESULTS_SCHEMA_VERSION,
  SEVERITIES,
  type AuditResult,
  type Finding,
  type MetricInfo,
  type MetricValue,
} from './results.js';

export const RESULTS_FILE = 'results.json';

export interface AnalyzeOptions {
  snapshotDir: string;
  outDir: string;
  config: Config;
  checks?: readonly Check[];
}

export async function analyze(opts: AnalyzeOptions): Promise<{ results: AuditResult; path: string }> {
  const snapshot = await loadSnapshot(opts.snapshotDir);
  const checks = opts.checks ?? CHECKS;
  await mkdir(opts.outDir, { recursive: true });

  const cohorts = await CohortFiles.create(
    opts.outDir,
    checks.flatMap((c) => (c.meta.cohort ? [c.meta.cohort] : [])),
  );
  const privileged = await resolvePrivileged(snapshot, opts.config);
  const { metrics: registration, assessed } = await foldRegistration(snapshot, cohorts, privileged.definition);
  if (assessed) {
    // Role holders without a userRegistrationDetails row (disabled, or not yet in the report), listed by name.
    privileged.results.notAssessable = [...privileged.holders.values()]
      .filter((u) => !assessed.has(u.id))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }
  const activity = await foldActivity(snapshot);
  const cohortSummaries = await cohorts.commit();

  const values: Record<string, MetricValue> = { ...registration.values, ...activity.values };
  const info: MetricInfo[] = [...registration.info, ...activity.info].sort((a, b) => a.id.localeCompare(b.id));
  const metrics = Object.fromEntries(Object.keys(values).sort().map((k) => [k, values[k]!]));

  const findings = checks
    .map((check) => evaluateCheck(check, snapshot, metrics, opts.config, cohortSummaries))
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.checkId.localeCompare(b.checkId));

  const m = snapshot.manifest;
  const results: AuditResult = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    tenant: { id: m.tenantId, cloud: m.cloud, endpoint: m.endpoint },
    snapshot: { startedAt: m.startedAt, finishedAt: m.finishedAt, manifestSha256: snapshot.manifestSha256, complete: m.complete },
    asOf: m.finishedAt,
    definitions: {
      population: POPULATION_DEFINITION,
      admins: privileged.results.basis === 'roles' ? rolesDefinition(privileged.results) : ADMINS_DEFINITION,
      phishingResistantTokens: [...PHISHING_RESISTANT_TOKENS],
      phishingResistantPrefixes: [...PHISHING_RESISTANT_PREFIXES],
      phoneTokens: [...PHONE_TOKENS],
      nonMfaTokens: [...NON_MFA_TOKENS],
      thresholds: { ...opts.config.thresholds },
    },
    privileged: privileged.results,
    sources: m.sources.map((s) => ({
      id: s.id,
      title: s.title,
      status: s.status,
      apiVersion: s.apiVersion,
      path: s.path,
      httpStatus: s.httpStatus,
      errorCode: s.errorCode,
      errorMessage: s.errorMessage,
      pages: s.pages,
      records: s.records,
      bytes: s.bytes,
      sha256: s.sha256,
      retiredSuccessor: s.retiredSuccessor,
    })),
    metricInfo: info,
    metrics,
    findings,
    summary: summarise(findings),
  };
  const path = join(opts.outDir, RESULTS_FILE);
  await writeFileAtomic(path, toJsonText(results));
  return { results, path };
}

async function foldRegistration(
  snapshot: LoadedSnapshot,
  cohorts: CohortFiles,
  admins: AdminDefinition,
): Promise<{ metrics: MetricSet; assessed: ReadonlySet<string> | null }> {
  const source = sourceById(snapshot, 'userRegistrationDetails');
  if (!source || source.status !== 'ok') {
    // Read nothing from a partial or failed source: metrics stay null and dependent checks become errors.
    return { metrics: RegistrationFold.missing(), assessed: null };
  }
  const fold = new RegistrationFold(cohorts.sink, admins);
  for await (const row of readRows(snapshot, source)) {
    fold.add(row);
    await cohorts.flushIfNeeded();
  }
  return { metrics: fold.result(), assessed: fold.assessedAdminIds };
}

interface Privileged {
  definition: AdminDefinition;
  /** role-data admins by user id (empty with the isAdmin flag) */
  holders: Map<string, PrivilegedPrincipal>;
  results: AuditResult['privileged'];
}

/**
 * Admins from role data when the active assignments (and, for groups, their members) were collected; otherwise the
 * report's isAdmin flag, with the reason recorded (graph-api.md §D.2).
 */
async function resolvePrivileged(snapshot: LoadedSnapshot, config: Config): Promise<Privileged> {
  const ok = (id: string) => {
    const s = sourceById(snapshot, id);
    return s?.status === 'ok' ? s : undefined;
  };
  const definitionsSource = ok('roleDefinitions');
  const definitionRows: unknown[] = [];
  const fold = new RoleFold();
  if (definitionsSource) {
    for await (const row of readRows(snapshot, definitionsSource)) {
      definitionRows.push(row);
      fold.addDefinition(row);
    }
  }
  const roleSet = resolveRoleSet(config.privilegedRoles, definitionsSource ? definitionRows : null);
  const roleSetOut = { name: roleSet.name, description: roleSet.description, roleIds: roleSet.roleIds ? [...roleSet.roleIds].sort() : null };
  const assignments = ok('roleAssignments');
  const members = ok('roleGroupMembers');
  if (!assignments || !members) {
    const missing = sourceById(snapshot, assignments ? 'roleGroupMembers' : 'roleAssignments');
    const note = missing ? `${describeSourceProblem(missing)}; admins are the rows with isAdmin = true` : 'role data was not collected; admins are the rows with isAdmin = true';
    return {
      definition: {},
      holders: new Map(),
      results: { basis: 'isAdmin-flag', roleSet: roleSetOut, eligibleIncluded: false, note, servicePrincipals: [], notAssessable: [] },
    };
  }
  for await (const row of readRows(snapshot, assignments)) fold.addAssignment(row, 'active');
  const eligible = ok('roleEligibilityScheduleInstances');
  if (eligible) for await (const row of readRows(snapshot, eligible)) fold.addAssignment(row, 'eligible');
  for await (const row of readRows(snapshot, members)) fold.addGroupMember(row);
  const { users, servicePrincipals, activeAnyRole } = fold.resolve(roleSet);

  const eligibleSource = sourceById(snapshot, 'roleEligibilityScheduleInstances');
  return {
    definition: { adminIds: new Set(users.keys()), activeAnyRole },
    holders: users,
    results: {
      basis: 'roles',
      roleSet: roleSetOut,
      eligibleIncluded: Boolean(eligible),
      note: eligible ? null : `eligible (PIM) assignments not included: ${eligibleSource ? describeSourceProblem(eligibleSource) : 'not collected'}`,
      servicePrincipals: servicePrincipals.map(({ id, displayName, holds }) => ({ id, displayName, holds })),
      notAssessable: [],
    },
  };
}

function rolesDefinition(p: AuditResult['privileged']): string {
  return (
    `Users holding at least one role of the set "${p.roleSet.name}" (${p.roleSet.description}), ` +
    `${p.eligibleIncluded ? 'active or eligible (PIM)' : 'active'}, directly or through a group, at any scope, any userType. ` +
    'Service principals are listed apart. Admins without a userRegistrationDetails row are counted in admins.total and listed as not assessable.'
  );
}

/** The successor when it answered, else the retired report when it still serves data (graph-api.md §S). */
async function foldActivity(snapshot: LoadedSnapshot): Promise<MetricSet> {
  const fold = new ActivityFold();
  for (const id of ['userRegistrationActivity', 'credentialUsageSummary']) {
    const source = sourceById(snapshot, id);
    if (source?.status === 'ok' && source.records > 0) {
      for await (const row of readRows(snapshot, source)) fold.add(row);
      return fold.result(id);
    }
  }
  return fold.result(null);
}

function evaluateCheck(
  check: Check,
  snapshot: LoadedSnapshot,
  metrics: Record<string, MetricValue>,
  config: Config,
  cohorts: Map<string, CohortSummary>,
): Finding {
  const meta = check.meta;
  const controls = meta.controls.map((key) => {
    const ctl = resolveControl(key);
    if (!ctl) throw new Error(`check ${meta.id} cites unknown control ${key}`);
    return { framework: ctl.framework, id: ctl.id, title: ctl.title };
  });
  const evidence = Object.fromEntries(meta.evidence.map((id) => [id, metrics[id]?.value ?? null]));
  const base = {
    checkId: meta.id,
    version: meta.version,
    title: meta.title,
    severity: meta.severity,
    rationale: meta.rationale,
    remediation: meta.remediation,
    controls,
    requires: meta.requires,
    evidence,
    threshold: meta.threshold ? config.thresholds[meta.threshold] : null,
  };
  const unusable = meta.requires
    .map((id) => sourceById(snapshot, id) ?? missingSource(id))
    .filter((s) => s.status !== 'ok');
  if (unusable.length > 0) {
    const reason = unusable.map(describeSourceProblem).join('; ');
    return { ...base, status: 'error', message: 'Not evaluated: required data is missing.', errorReason: reason, affected: null };
  }
  try {
    const outcome = check.evaluate({ metrics, thresholds: config.thresholds });
    const cohort = meta.cohort ? cohorts.get(meta.cohort) : undefined;
    return {
      ...base,
      status: outcome.status,
      message: outcome.message,
      errorReason: null,
      affected: cohort ? { count: cohort.count, sample: cohort.sample, file: cohort.file, sha256: cohort.sha256 } : null,
    };
  } catch (e) {
    return {
      ...base,
      status: 'error',
      message: 'Not evaluated: the check failed.',
      errorReason: `the check threw: ${(e as Error).message}`,
      affected: null,
    };
  }
}

function missingSource(id: string): Pick<SourceRecord, 'id' | 'status' | 'httpStatus' | 'errorCode' | 'errorMessage'> {
  return { id, status: 'not_collected', httpStatus: null, errorCode: null, errorMessage: 'not in the snapshot' };
}

function describeSourceProblem(s: Pick<SourceRecord, 'id' | 'status' | 'httpStatus' | 'errorCode' | 'errorMessage'>): string {
  const what = {
    unavailable: 'unavailable (no Microsoft Entra ID P1/P2 licence)',
    forbidden: 'forbidden (missing permission or role)',
    retired: 'retired by Microsoft',
    error: 'failed',
    not_collected: 'not collected',
    ok: 'ok',
  }[s.status];
  const http = s.httpStatus !== null ? ` HTTP ${s.httpStatus}` : '';
  const code = s.errorCode ? ` ${s.errorCode}` : '';
  const msg = s.errorMessage ? `: ${s.errorMessage}` : '';
  return `source ${s.id} ${what}${http}${code}${msg}`;
}

function summarise(findings: Finding[]): AuditResult['summary'] {
  const byStatus: Record<string, number> = {};
  const failedBySeverity: Record<string, number> = {};
  for (const sev of SEVERITIES) failedBySeverity[sev] = 0;
  for (const f of findings) {
    byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
    if (f.status === 'fail') failedBySeverity[f.severity] = (failedBySeverity[f.severity] ?? 0) + 1;
  }
  const worst = SEVERITIES.find((s) => (failedBySeverity[s] ?? 0) > 0) ?? null;
  return { byStatus: Object.fromEntries(Object.entries(byStatus).sort()), failedBySeverity, worstFailure: worst };
}
