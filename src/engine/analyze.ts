/**
 * analyze(snapshot) → results.json: streams the snapshot through the metric folds, evaluates every check, and
 * isolates failures: a check whose source is not usable, or that throws, is an `error` finding, never pass/fail.
 * "Now" is the snapshot's finishedAt; the same snapshot and config give byte-identical output.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKS, type Check, type CheckContext } from '../checks/index.js';
import { NotAssessableError } from '../checks/types.js';
import type { Config } from '../config/schema.js';
import { CONTROLS, FRAMEWORKS, resolveControl } from '../frameworks/catalogue.js';
import { ActivityFold } from '../metrics/activity.js';
import { EnforcementFold } from '../metrics/enforcement.js';
import {
  credentialCountMetrics,
  EventsFold,
  methodSliceMetrics,
  REPEATED_FAILURES_COHORT,
  SignInSummaryFold,
  type RepeatedFailure,
} from '../metrics/reports.js';
import { compareAggregates } from '../metrics/aggregates.js';
import { ADMINS_DEFINITION, populationDefinition, type Definitions } from '../metrics/definitions.js';
import { RoleFold, resolveRoleSet, type PrivilegedPrincipal } from '../metrics/privileged.js';
import { affectedUser, RegistrationFold, stringsOf, type AdminDefinition } from '../metrics/registration.js';
import type { MetricSet } from '../metrics/types.js';
import { forEachRow, loadSnapshot, readOkRows, readRows, sourceById, type LoadedSnapshot } from '../snapshot/reader.js';
import type { SourceRecord } from '../snapshot/schema.js';
import { toJsonText, writeFileAtomic } from '../snapshot/writer.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { CohortFiles, type CohortSummary } from './cohort-files.js';
import { indexExceptions, type ExceptionIndex } from './exceptions.js';
import { readPolicies } from './policies.js';
import {
  FINDING_STATUSES,
  RESULTS_SCHEMA_VERSION,
  SEVERITIES,
  type AuditResult,
  type ControlStatus,
  type Finding,
  type FindingStatus,
  type MetricInfo,
  type MetricValue,
} from '../results/schema.js';
import { computeTrends, type Baseline } from './trends.js';
import { keyFilter } from '../metrics/key-filter.js';

export const RESULTS_FILE = 'results.json';

export interface AnalyzeOptions {
  snapshotDir: string;
  outDir: string;
  config: Config;
  checks?: readonly Check[];
  /** earlier results (oldest first) to compute trends against */
  baselines?: readonly Baseline[];
}

export async function analyze(opts: AnalyzeOptions): Promise<{ results: AuditResult; path: string }> {
  const snapshot = await loadSnapshot(opts.snapshotDir);
  const checks = opts.checks ?? CHECKS;
  const config = opts.config;
  const asOf = snapshot.manifest.finishedAt;
  await mkdir(opts.outDir, { recursive: true });

  const defs: Definitions = {
    phishingResistantTokens: config.methods.phishingResistant,
    phishingResistantPrefixes: config.methods.phishingResistantPrefixes,
    phoneTokens: config.methods.phone,
    nonMfaTokens: config.methods.nonMfa,
    includeGuests: config.population.includeGuests,
    excludeUpnPatterns: config.population.excludeUpnPatterns.map((p) => p.toLowerCase()),
    breakGlassUpns: config.population.breakGlassAccounts.map((u) => u.toLowerCase()),
    staleRowDays: config.thresholds.staleRowDays,
    asOf,
  };
  const exceptions = indexExceptions(config.exceptions);
  const checkOfCohort = new Map(checks.flatMap((c) => (c.meta.cohort ? [[c.meta.cohort, c.meta.id] as const] : [])));
  const cohorts = await CohortFiles.create(opts.outDir, checkOfCohort.keys(), (cohort, user) =>
    exceptions.userException(checkOfCohort.get(cohort)!, user),
  );

  const privileged = await resolvePrivileged(snapshot, config);
  const policyData = await readPolicies(snapshot, privileged.roles, describeSourceProblem);
  const enforcementFold = policyData.inputs ? new EnforcementFold(cohorts.sink, policyData.inputs, privileged.definition, defs) : null;
  const events = await foldEvents(snapshot, config.thresholds.repeatedFailuresMin);
  const repeated = events.fold ? events.fold.repeatedFailures(config.thresholds.repeatedFailuresMin) : new Map<string, RepeatedFailure>();
  const registration = await foldRegistration(snapshot, cohorts, privileged.definition, defs, enforcementFold, repeated);
  // the join ran only if the registration rows could be read
  const enforcement = registration.fold && enforcementFold ? enforcementFold.result() : EnforcementFold.missing();
  if (registration.assessed) {
    // Role holders without a userRegistrationDetails row (disabled, or not yet in the report), listed by name.
    const assessed = registration.assessed;
    // (every admin with a row is in both sets: equal sizes, nobody to list, and the role sources are not read again)
    const unassessed = (privileged.definition.adminIds?.size ?? 0) - assessed.size;
    privileged.results.notAssessable = unassessed > 0
      ? (await privileged.describe((id) => !assessed.has(id))).sort((a, b) => (a.id < b.id ? -1 : 1))
      : [];
  }
  const aggregates = await compareFeatureSummary(snapshot, registration.fold);
  const activity = await foldActivity(snapshot);
  const perUser = registration.fold ? registration.fold.perUserCounts() : null;
  const bySlice = methodSliceMetrics(await readOkRows(snapshot, 'usersRegisteredByMethod'), perUser);
  const credentialCounts = credentialCountMetrics(await readOkRows(snapshot, 'credentialUserRegistrationCount'), perUser);
  const eventMetrics = events.fold ? events.fold.result(events.source, config.thresholds.repeatedFailuresMin) : new EventsFold().result(null, config.thresholds.repeatedFailuresMin);
  const usage = await foldSignInSummary(snapshot);
  const cohortSummaries = await cohorts.commit();

  const values: Record<string, MetricValue> = {
    ...registration.metrics.values,
    ...aggregates.values,
    ...activity.values,
    ...enforcement.values,
    ...policyData.metrics.values,
    ...bySlice.values,
    ...credentialCounts.values,
    ...eventMetrics.values,
    ...usage.metrics.values,
  };
  const info: MetricInfo[] = [
    ...registration.metrics.info,
    ...aggregates.info,
    ...activity.info,
    ...enforcement.info,
    ...policyData.metrics.info,
    ...bySlice.info,
    ...credentialCounts.info,
    ...eventMetrics.info,
    ...usage.metrics.info,
  ].sort(
    (a, b) => a.id.localeCompare(b.id),
  );
  const enforcementBlock = policyData.block(registration.fold ? enforcementFold : null);
  if (!registration.fold && enforcementBlock.assessable) {
    enforcementBlock.assessable = false;
    enforcementBlock.notes.unshift(`Enforcement not assessable: ${describeSourceProblem(sourceById(snapshot, 'userRegistrationDetails') ?? missingSource('userRegistrationDetails'))}.`);
  }
  const metrics = Object.fromEntries(Object.keys(values).sort().map((k) => [k, values[k]!]));

  const ctx: CheckContext = {
    metrics,
    thresholds: config.thresholds,
    sources: Object.fromEntries(
      snapshot.manifest.sources.map((s) => [s.id, { status: s.status, records: s.records, retiredSuccessor: s.retiredSuccessor }]),
    ),
    enforcement: {
      assessable: enforcementBlock.assessable,
      reason: enforcementBlock.assessable ? null : enforcementBlock.notes[0] ?? 'Enforcement not assessable.',
    },
  };
  const findings = checks
    .map((check) => evaluateCheck(check, snapshot, ctx, config, cohortSummaries, exceptions))
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.checkId.localeCompare(b.checkId));

  const m = snapshot.manifest;
  const results: AuditResult = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    tenant: { id: m.tenantId, cloud: m.cloud, endpoint: m.endpoint },
    snapshot: { startedAt: m.startedAt, finishedAt: m.finishedAt, manifestSha256: snapshot.manifestSha256, complete: m.complete },
    asOf,
    definitions: {
      population: populationDefinition(defs),
      admins:
        privileged.results.basis === 'roles'
          ? rolesDefinition(privileged.results, privileged.pimGroups, privileged.directEligible)
          : ADMINS_DEFINITION,
      phishingResistantTokens: [...defs.phishingResistantTokens],
      phishingResistantPrefixes: [...defs.phishingResistantPrefixes],
      phoneTokens: [...defs.phoneTokens],
      nonMfaTokens: [...defs.nonMfaTokens],
      includeGuests: defs.includeGuests,
      excludeUpnPatterns: [...defs.excludeUpnPatterns],
      breakGlassAccounts: [...defs.breakGlassUpns],
      privilegedRoles: Array.isArray(config.privilegedRoles) ? [...config.privilegedRoles] : config.privilegedRoles,
      thresholds: { ...config.thresholds },
    },
    exceptions: config.exceptions.map((e, i) => ({
      check: e.check,
      users: e.users ?? null,
      reason: e.reason,
      owner: e.owner,
      expires: e.expires,
      matched: exceptions.matched[i] ?? 0,
    })),
    privileged: privileged.results,
    enforcement: enforcementBlock,
    events: events.fold && events.source ? events.fold.summary(events.source) : null,
    usage: usage.fold ? { source: 'userMfaSignInSummary', days: usage.fold.series(), invalidRows: usage.fold.invalidRows } : null,
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
    coverage: coverage(findings, checks, config),
    trends: null,
    summary: summarise(findings),
  };
  if (opts.baselines && opts.baselines.length > 0) results.trends = await computeTrends(results, opts.outDir, opts.baselines);
  const path = join(opts.outDir, RESULTS_FILE);
  await writeFileAtomic(path, toJsonText(results));
  return { results, path };
}

async function foldRegistration(
  snapshot: LoadedSnapshot,
  cohorts: CohortFiles,
  admins: AdminDefinition,
  defs: Definitions,
  enforcement: EnforcementFold | null,
  repeated: ReadonlyMap<string, RepeatedFailure>,
): Promise<{ metrics: MetricSet; assessed: ReadonlySet<string> | null; fold: RegistrationFold | null }> {
  const source = sourceById(snapshot, 'userRegistrationDetails');
  if (!source || source.status !== 'ok') {
    // Read nothing from a partial or failed source: metrics stay null and dependent checks become errors.
    return { metrics: RegistrationFold.missing(), assessed: null, fold: null };
  }
  const fold = new RegistrationFold(cohorts.sink, admins, defs);
  // Users with repeated failed events, listed as their registration row says (id, type, methods) when they have one.
  const listed = new Set<string>();
  const mayRepeat = keyFilter(repeated);
  const addRepeated = (raw: unknown) => {
    const r = raw as Record<string, unknown> | null;
    if (typeof r?.userPrincipalName !== 'string' || typeof r.id !== 'string') return;
    const key = r.userPrincipalName.toLowerCase();
    if (!mayRepeat(key) || !repeated.has(key) || listed.has(key)) return;
    listed.add(key);
    cohorts.sink(REPEATED_FAILURES_COHORT, affectedUser(r, r.id, r.userPrincipalName, stringsOf(r.methodsRegistered)));
  };
  const add = (row: unknown) => {
    fold.add(row);
    enforcement?.add(row);
    if (repeated.size > 0) addRepeated(row);
  };
  await forEachRow(snapshot, source, add, () => cohorts.flushIfNeeded());
  // the others (deleted since, or not in the report): by UPN
  for (const [key, u] of repeated) {
    if (listed.has(key)) continue;
    cohorts.sink(REPEATED_FAILURES_COHORT, { id: u.userPrincipalName, userPrincipalName: u.userPrincipalName, userDisplayName: u.userDisplayName, userType: 'null', isAdmin: null, methodsRegistered: [] });
  }
  return { metrics: fold.result(), assessed: fold.assessedAdminIds, fold };
}

async function compareFeatureSummary(snapshot: LoadedSnapshot, fold: RegistrationFold | null): Promise<MetricSet> {
  const rows = fold ? await readOkRows(snapshot, 'usersRegisteredByFeature') : null;
  return compareAggregates(fold && rows ? fold.featureCounts() : null, rows ?? []);
}

interface Privileged {
  definition: AdminDefinition;
  /**
   * The role-data admins `wanted` accepts, by name and roles held (none with the isAdmin flag). Read again from the
   * role sources when asked: a large tenant has tens of thousands of admins, and only the few without a report row
   * are listed.
   */
  describe: (wanted: (userId: string) => boolean) => Promise<PrivilegedPrincipal[]>;
  results: AuditResult['privileged'];
  /** the PIM-for-Groups source: not in the snapshot (collected before it existed), used, or unusable */
  pimGroups: PimGroups;
  /** direct eligible (PIM) role assignments were used */
  directEligible: boolean;
  /** role ids by user, active and eligible (for Conditional Access role conditions); null without role data */
  roles: { active: ReadonlyMap<string, ReadonlySet<string>>; eligible: ReadonlyMap<string, ReadonlySet<string>> } | null;
}

/** Eligible members of role-holding groups through PIM for Groups (source groupEligibilityScheduleInstances). */
const PIM_GROUPS_SOURCE = 'groupEligibilityScheduleInstances';
type PimGroups = 'absent' | 'included' | 'missing';

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
  const definitionRows = definitionsSource ? await readOkRows(snapshot, definitionsSource.id) : null;
  const roleSet = resolveRoleSet(config.privilegedRoles, definitionRows);
  const roleSetOut = { name: roleSet.name, description: roleSet.description, roleIds: roleSet.roleIds ? [...roleSet.roleIds].sort() : null };
  const assignments = ok('roleAssignments');
  const members = ok('roleGroupMembers');
  if (!assignments || !members) {
    const missing = sourceById(snapshot, assignments ? 'roleGroupMembers' : 'roleAssignments');
    const note = missing
      ? `${describeSourceProblem(missing)}; admins are the rows with isAdmin = true`
      : 'role data was not collected; admins are the rows with isAdmin = true';
    return {
      definition: {},
      describe: async () => [],
      results: { basis: 'isAdmin-flag', roleSet: roleSetOut, eligibleIncluded: false, note, servicePrincipals: [], notAssessable: [] },
      pimGroups: 'absent',
      directEligible: false,
      roles: null,
    };
  }
  const eligible = ok('roleEligibilityScheduleInstances');
  // PIM for Groups. A snapshot collected before this source existed has no record of it and is analysed as it was
  // then; a snapshot where it failed says so, like a missing eligibility source: the admins found are listed, the
  // PIM-for-Groups part of the population is named as not assessed.
  const pimGroupsRecord = sourceById(snapshot, PIM_GROUPS_SOURCE);
  const pimGroupsSource = ok(PIM_GROUPS_SOURCE);
  const pimGroups: PimGroups = !pimGroupsRecord ? 'absent' : pimGroupsSource ? 'included' : 'missing';
  const readRoles = async (): Promise<RoleFold> => {
    const fold = new RoleFold();
    for (const row of definitionRows ?? []) fold.addDefinition(row);
    for await (const row of readRows(snapshot, assignments)) fold.addAssignment(row, 'active');
    if (eligible) for await (const row of readRows(snapshot, eligible)) fold.addAssignment(row, 'eligible');
    for await (const row of readRows(snapshot, members)) fold.addGroupMember(row);
    if (pimGroupsSource) for await (const row of readRows(snapshot, pimGroupsSource)) fold.addGroupEligibility(row);
    return fold;
  };
  const fold = await readRoles();
  const { userIds, servicePrincipals, activeAnyRole } = fold.resolve(roleSet, () => false);
  const eligibleSource = sourceById(snapshot, 'roleEligibilityScheduleInstances');
  const notes: string[] = [];
  if (!eligible) notes.push(`eligible (PIM) assignments not included: ${eligibleSource ? describeSourceProblem(eligibleSource) : 'not collected'}`);
  if (pimGroups === 'missing' && pimGroupsRecord) {
    notes.push(`eligible members of role-holding groups (PIM for Groups) not assessed: ${describeSourceProblem(pimGroupsRecord)}`);
  }
  return {
    definition: { adminIds: userIds, activeAnyRole },
    describe: async (wanted) => (userIds.size === 0 ? [] : [...(await readRoles()).resolve(roleSet, wanted).users.values()]),
    results: {
      basis: 'roles',
      roleSet: roleSetOut,
      // every eligible route that the snapshot can have: direct eligibility and, when collected, PIM for Groups
      eligibleIncluded: Boolean(eligible) && pimGroups !== 'missing',
      note: notes.length > 0 ? notes.join('; ') : null,
      servicePrincipals: servicePrincipals.map(({ id, displayName, holds }) => ({ id, displayName, holds })),
      notAssessable: [],
    },
    pimGroups,
    directEligible: Boolean(eligible),
    roles: fold.rolesByUser(),
  };
}

function rolesDefinition(p: AuditResult['privileged'], pimGroups: PimGroups, directEligible: boolean): string {
  // A snapshot without the PIM-for-Groups source (older collector) keeps the wording of its time, byte for byte.
  const groups = {
    absent: 'directly or through a group',
    included: 'directly or through a group (members, and eligible members through PIM for Groups)',
    missing: 'directly or through a group (members; eligible members through PIM for Groups not assessed, see the note)',
  }[pimGroups];
  return (
    `Users holding at least one role of the set "${p.roleSet.name}" (${p.roleSet.description}), ` +
    `${directEligible ? 'active or eligible (PIM)' : 'active'}, ${groups}, at any scope, any userType. ` +
    'Service principals are listed apart. Admins without a userRegistrationDetails row are counted in admins.total and listed as not assessable.'
  );
}

/**
 * userEventsSummary, else the retired userCredentialUsageDetails when it still serves rows (same properties, §S).
 * With many users failing (a large tenant), the users who failed at least `minFailures` times are counted in a second
 * pass over the file instead of remembering every user who failed once (reports.ts EventsFold).
 */
async function foldEvents(snapshot: LoadedSnapshot, minFailures: number): Promise<{ fold: EventsFold | null; source: string | null }> {
  const successor = sourceById(snapshot, 'userEventsSummary');
  const retired = sourceById(snapshot, 'userCredentialUsageDetails');
  const source = successor?.status === 'ok' ? successor : retired?.status === 'ok' && retired.records > 0 ? retired : null;
  if (!source) return { fold: null, source: null };
  const fold = new EventsFold({ expectedRows: source.records });
  await forEachRow(snapshot, source, (row) => fold.add(row));
  if (fold.beginRecount(minFailures)) await forEachRow(snapshot, source, (row) => fold.recount(row));
  return { fold, source: source.id };
}

async function foldSignInSummary(snapshot: LoadedSnapshot): Promise<{ fold: SignInSummaryFold | null; metrics: MetricSet }> {
  const source = sourceById(snapshot, 'userMfaSignInSummary');
  if (source?.status !== 'ok') return { fold: null, metrics: new SignInSummaryFold().result(null) };
  const fold = new SignInSummaryFold();
  await forEachRow(snapshot, source, (row) => fold.add(row));
  return { fold, metrics: fold.result(source.id) };
}

/** The successor when it answered, else the retired report when it still serves data (graph-api.md §S). */
async function foldActivity(snapshot: LoadedSnapshot): Promise<MetricSet> {
  const fold = new ActivityFold();
  for (const id of ['userRegistrationActivity', 'credentialUsageSummary']) {
    const source = sourceById(snapshot, id);
    if (source?.status === 'ok' && source.records > 0) {
      await forEachRow(snapshot, source, (row) => fold.add(row));
      return fold.result(id);
    }
  }
  return fold.result(null);
}

function evaluateCheck(
  check: Check,
  snapshot: LoadedSnapshot,
  ctx: CheckContext,
  config: Config,
  cohorts: Map<string, CohortSummary>,
  exceptions: ExceptionIndex,
): Finding {
  const meta = check.meta;
  const refs = (keys: readonly string[]) =>
    keys.map((key) => {
      const ctl = resolveControl(key);
      if (!ctl) throw new Error(`check ${meta.id} cites unknown control ${key}`);
      return { framework: ctl.framework, id: ctl.id, title: ctl.title };
    });
  const controls = refs(meta.controls);
  const supports = refs(meta.supports ?? []);
  const override = config.severities[meta.id];
  const base = {
    checkId: meta.id,
    version: meta.version,
    title: meta.title,
    severity: override ?? meta.severity,
    severityOverridden: override !== undefined && override !== meta.severity,
    rationale: meta.rationale,
    remediation: meta.remediation,
    controls,
    supports,
    requires: checkSources(meta),
    evidence: Object.fromEntries(meta.evidence.map((id) => [id, ctx.metrics[id]?.value ?? null])),
    threshold: meta.threshold ? config.thresholds[meta.threshold] : null,
  };
  const problem = sourceProblem(meta.requires, meta.requiresOneOf, snapshot);
  if (problem) {
    return { ...base, status: 'error', message: MISSING_DATA, errorReason: problem, affected: null, excepted: null };
  }
  let outcome;
  try {
    outcome = check.evaluate(ctx);
  } catch (e) {
    if (e instanceof NotAssessableError) {
      return { ...base, status: 'error', message: MISSING_DATA, errorReason: e.message, affected: null, excepted: null };
    }
    return {
      ...base,
      status: 'error',
      message: 'Not evaluated: the check failed.',
      errorReason: `the check threw: ${(e as Error).message}`,
      affected: null,
      excepted: null,
    };
  }
  const cohort = meta.cohort ? cohorts.get(meta.cohort) : undefined;
  const affected = cohort
    ? { count: cohort.count, sample: cohort.sample, file: cohort.file, sha256: cohort.sha256, worklist: cohort.worklist }
    : null;
  let status: FindingStatus = outcome.status;
  let excepted: Finding['excepted'] = cohort && cohort.excepted > 0 ? { count: cohort.excepted, exceptions: cohort.exceptions, wholeCheck: false } : null;
  const whole = exceptions.wholeCheck(meta.id);
  if (status === 'fail' && whole.length > 0) {
    status = 'excepted';
    excepted = { count: cohort ? cohort.count + cohort.excepted : 0, exceptions: whole, wholeCheck: true };
  } else if (status === 'fail' && cohort && cohort.count === 0 && cohort.excepted > 0) {
    // Every affected user is covered by a live exception.
    status = 'excepted';
  }
  return { ...base, status, message: outcome.message, errorReason: null, affected, excepted };
}

/** Every source a check's evidence rests on: required, one-of, and used (in that order, without repeats). */
function checkSources(meta: Check['meta']): string[] {
  return [...new Set([...meta.requires, ...(meta.requiresOneOf ?? []), ...(meta.uses ?? [])])];
}

/** Why a check cannot be evaluated from this snapshot, or null. */
function sourceProblem(requires: readonly string[], oneOf: readonly string[] | undefined, snapshot: LoadedSnapshot): string | null {
  const find = (id: string) => sourceById(snapshot, id) ?? missingSource(id);
  const unusable = requires.map(find).filter((s) => s.status !== 'ok');
  if (oneOf && !oneOf.some((id) => find(id).status === 'ok' && find(id).records > 0)) {
    unusable.push(...oneOf.map(find));
  }
  return unusable.length > 0 ? unusable.map(describeSourceProblem).join('; ') : null;
}

function missingSource(id: string): Pick<SourceRecord, 'id' | 'status' | 'httpStatus' | 'errorCode' | 'errorMessage' | 'records'> {
  return { id, status: 'not_collected', httpStatus: null, errorCode: null, errorMessage: 'not in the snapshot', records: 0 };
}

function describeSourceProblem(s: Pick<SourceRecord, 'id' | 'status' | 'httpStatus' | 'errorCode' | 'errorMessage'>): string {
  const what = {
    // PIM (eligible assignments, PIM for Groups) answers 400 AadPremiumLicenseRequired without P2 / ID Governance
    unavailable: s.errorCode === 'AadPremiumLicenseRequired'
      ? 'unavailable (no Microsoft Entra ID P2 / ID Governance licence)'
      : 'unavailable (no Microsoft Entra ID P1/P2 licence)',
    forbidden: 'forbidden (missing permission or role)',
    retired: 'retired by Microsoft',
    error: 'failed',
    not_collected: 'not collected',
    ok: 'answered with no data',
  }[s.status];
  const http = s.httpStatus !== null && s.status !== 'ok' ? ` HTTP ${s.httpStatus}` : '';
  const code = s.errorCode ? ` ${s.errorCode}` : '';
  const msg = s.errorMessage ? `: ${s.errorMessage}` : '';
  return `source ${s.id} ${what}${http}${code}${msg}`;
}

const STATUS_RANK: readonly ControlStatus[] = ['fail', 'error', 'not_assessable', 'excepted', 'pass', 'not_applicable'];

/** "Required data is missing" (a source problem or a NotAssessableError): the control is not assessable, not in error. */
const MISSING_DATA = 'Not evaluated: required data is missing.';

function coverage(findings: readonly Finding[], checks: readonly Check[], config: Config): AuditResult['coverage'] {
  const byId = new Map(findings.map((f) => [f.checkId, f]));
  const cite = (c: Check) => ({ checkId: c.meta.id, status: byId.get(c.meta.id)?.status ?? ('error' as FindingStatus) });
  const byCheckId = (a: { checkId: string }, b: { checkId: string }) => a.checkId.localeCompare(b.checkId);
  return config.frameworks.map((fw) => {
    const controls = CONTROLS.filter((c) => c.framework === fw)
      .map((ctl) => {
        const key = `${ctl.framework}:${ctl.id}`;
        const testing = checks.filter((c) => c.meta.controls.includes(key));
        const cited = testing.map(cite).sort(byCheckId);
        const supportedBy = checks.filter((c) => c.meta.supports?.includes(key)).map(cite).sort(byCheckId);
        const statuses = testing.map((c): ControlStatus => {
          const f = byId.get(c.meta.id);
          if (!f) return 'error';
          return f.status === 'error' && f.message === MISSING_DATA ? 'not_assessable' : f.status;
        });
        const status = STATUS_RANK.find((s) => statuses.includes(s)) ?? 'not_applicable';
        const sources = [...new Set(testing.flatMap((c) => checkSources(c.meta)))].sort();
        return { id: ctl.id, title: ctl.title, version: ctl.version, status, checks: cited, supportedBy, sources };
      })
      .filter((c) => c.checks.length > 0 || c.supportedBy.length > 0)
      .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    return { framework: fw, title: FRAMEWORKS[fw], controls };
  });
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
  const ordered = Object.fromEntries(FINDING_STATUSES.filter((s) => byStatus[s] !== undefined).map((s) => [s, byStatus[s]!]));
  return { byStatus: ordered, failedBySeverity, worstFailure: worst };
}
