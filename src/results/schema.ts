/**
 * results.json — a public contract (users' CI pipelines and evidence archives read it).
 * Keep names and meanings stable; a breaking change bumps RESULTS_SCHEMA_VERSION and goes in CHANGELOG.md.
 * The renderer imports only this module's types, never the snapshot or the checks.
 */
import { z } from 'zod';

/** 2: coverage separates tested from supporting controls and adds `not_assessable`; the `enforcement` block (CHANGELOG). */
export const RESULTS_SCHEMA_VERSION = 2;

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SeveritySchema = z.enum(SEVERITIES);

export const FINDING_STATUSES = ['pass', 'fail', 'error', 'not_applicable', 'excepted'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export const SOURCE_STATUSES = ['ok', 'unavailable', 'forbidden', 'retired', 'error', 'not_collected'] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

/** A ratio has numerator and denominator (value = round4(n/d), null when d = 0 or the source is missing); a count has value only. */
export const MetricValueSchema = z.object({
  value: z.number().nullable(),
  numerator: z.number().optional(),
  denominator: z.number().optional(),
});
export type MetricValue = z.infer<typeof MetricValueSchema>;

export const MetricInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  /** ratio: value = numerator/denominator; count: an integer; share: a fraction without a numerator (e.g. a largest difference) */
  kind: z.enum(['ratio', 'count', 'share']),
  description: z.string(),
  /** snapshot source id the value was computed from (null when no source could answer) */
  source: z.string().nullable(),
});
export type MetricInfo = z.infer<typeof MetricInfoSchema>;

export const AffectedUserSchema = z.object({
  id: z.string(),
  userPrincipalName: z.string(),
  userDisplayName: z.string(),
  userType: z.string(),
  isAdmin: z.boolean().nullable(),
  methodsRegistered: z.array(z.string()),
});
export type AffectedUser = z.infer<typeof AffectedUserSchema>;

export const ControlRefSchema = z.object({
  framework: z.string(),
  id: z.string(),
  title: z.string(),
});
export type ControlRef = z.infer<typeof ControlRefSchema>;

export const FindingSchema = z.object({
  checkId: z.string(),
  version: z.number().int(),
  title: z.string(),
  severity: SeveritySchema,
  status: z.enum(FINDING_STATUSES),
  /** one sentence stating the result with its numbers */
  message: z.string(),
  rationale: z.string(),
  remediation: z.object({ summary: z.string(), steps: z.array(z.string()), links: z.array(z.string()) }),
  /** controls this check's evidence tests */
  controls: z.array(ControlRefSchema),
  /** controls it supports without testing them */
  supports: z.array(ControlRefSchema),
  requires: z.array(z.string()),
  /** metric ids and values this result rests on */
  evidence: z.record(z.string(), z.number().nullable()),
  threshold: z.number().nullable(),
  /** for status error: why the check could not be evaluated (source status, HTTP status, Graph error code) */
  errorReason: z.string().nullable(),
  /** users (or the whole check) covered by live exceptions from the config: indexes into results.exceptions */
  excepted: z.object({ count: z.number().int(), exceptions: z.array(z.number().int()), wholeCheck: z.boolean() }).nullable(),
  /** severity from the check's meta, unless the config overrides it */
  severityOverridden: z.boolean(),
  /** affected users: count, the first few in snapshot order, and the complete list in a sidecar NDJSON file */
  affected: z
    .object({
      count: z.number().int(),
      sample: z.array(AffectedUserSchema),
      /** path relative to results.json */
      file: z.string(),
      sha256: z.string(),
      /**
       * the same users as the CSV worklist of the pack (path relative to results.json), written by analyze so that
       * render does not re-read the list; absent in results.json written by 0.1.0 (render then converts the sidecar)
       */
      worklist: z.object({ file: z.string(), sha256: z.string(), bytes: z.number().int() }).optional(),
    })
    .nullable(),
});
export type Finding = z.infer<typeof FindingSchema>;

const STATUS = z.enum(FINDING_STATUSES);

/** A control's status in the coverage matrix: a finding status, or not_assessable (its evidence is missing). */
export const CONTROL_STATUSES = ['fail', 'error', 'not_assessable', 'excepted', 'pass', 'not_applicable'] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

/** The enforcement model's inputs and per-policy results (docs/enforcement.md). */
export const EnforcementSchema = z.object({
  /** false when the policy data needed was missing: every enforcement metric is then null (see notes) */
  assessable: z.boolean(),
  /** what the coverage was decided from, in words */
  basis: z.string(),
  notes: z.array(z.string()),
  /** security defaults on; null when the source did not answer */
  securityDefaults: z.boolean().nullable(),
  policies: z.array(
    z.object({
      id: z.string(),
      displayName: z.string(),
      /** enabled, report_only or disabled */
      state: z.string(),
      /** enforcing / conditional (narrowed) / report_only / disabled / no_mfa (its grant requires no MFA: block, terms…) */
      role: z.enum(['enforcing', 'conditional', 'report_only', 'disabled', 'no_mfa']),
      targets: z.string(),
      grant: z.string(),
      required: z.enum(['mfa', 'passwordless', 'phishing_resistant']).nullable(),
      narrowing: z.array(z.string()),
      /** valid report rows the policy includes and does not exclude, and rows it excludes; null when not assessable */
      appliesTo: z.number().int().nullable(),
      excludes: z.number().int().nullable(),
    }),
  ),
  /** authentication methods policy configurations: id, state, targets in words */
  methods: z.array(z.object({ id: z.string(), state: z.string(), targets: z.string() })),
  registrationCampaign: z.string().nullable(),
  migrationState: z.string().nullable(),
  systemPreferred: z.string().nullable(),
});
export type Enforcement = z.infer<typeof EnforcementSchema>;

export const CoverageSchema = z.array(
  z.object({
    framework: z.string(),
    title: z.string(),
    controls: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        version: z.string(),
        /**
         * worst status of the checks that test it: fail > error > not_assessable > excepted > pass > not_applicable;
         * not_assessable when a testing check could not be evaluated for missing data; not_applicable when only
         * supporting checks cite it (no verdict)
         */
        status: z.enum(CONTROL_STATUSES),
        /** checks whose evidence tests the control */
        checks: z.array(z.object({ checkId: z.string(), status: STATUS })),
        /** checks whose evidence supports the control without testing it (e.g. registration for an enforcement control) */
        supportedBy: z.array(z.object({ checkId: z.string(), status: STATUS })),
        /** snapshot sources the testing checks relied on */
        sources: z.array(z.string()),
      }),
    ),
  }),
);

export const TrendsSchema = z.object({
  /** earlier results, oldest first */
  baselines: z.array(z.object({ asOf: z.string(), manifestSha256: z.string(), tenantId: z.string() })),
  metrics: z.record(
    z.string(),
    z.object({
      /** oldest first, the current value last; null where a baseline lacks the metric */
      series: z.array(z.object({ asOf: z.string(), value: z.number().nullable() })),
      /** current minus the latest baseline; null when either is null */
      delta: z.number().nullable(),
    }),
  ),
  findings: z.record(
    z.string(),
    z.object({
      previous: STATUS.nullable(),
      change: z.enum(['new', 'resolved', 'persisting', 'unchanged']),
      /** affected users that appeared / left since the latest baseline (null when either list is unavailable) */
      appeared: z.number().int().nullable(),
      left: z.number().int().nullable(),
      appearedSample: z.array(z.object({ id: z.string(), userPrincipalName: z.string() })),
      leftSample: z.array(z.object({ id: z.string(), userPrincipalName: z.string() })),
    }),
  ),
});
export type Trends = z.infer<typeof TrendsSchema>;

export const ResultSourceSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(SOURCE_STATUSES),
  apiVersion: z.string(),
  path: z.string(),
  httpStatus: z.number().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  pages: z.number().int(),
  records: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string().nullable(),
  retiredSuccessor: z.string().nullable(),
});
export type ResultSource = z.infer<typeof ResultSourceSchema>;

export const ResultsSchema = z.object({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  tenant: z.object({ id: z.string(), cloud: z.string(), endpoint: z.string() }),
  snapshot: z.object({
    startedAt: z.string(),
    finishedAt: z.string(),
    manifestSha256: z.string(),
    complete: z.boolean(),
  }),
  /** "now" for every time-based rule: the snapshot's finishedAt, never the clock */
  asOf: z.string(),
  definitions: z.object({
    population: z.string(),
    admins: z.string(),
    phishingResistantTokens: z.array(z.string()),
    phishingResistantPrefixes: z.array(z.string()),
    phoneTokens: z.array(z.string()),
    nonMfaTokens: z.array(z.string()),
    includeGuests: z.boolean(),
    excludeUpnPatterns: z.array(z.string()),
    breakGlassAccounts: z.array(z.string()),
    privilegedRoles: z.union([z.string(), z.array(z.string())]),
    thresholds: z.record(z.string(), z.number()),
  }),
  /** exceptions in force (all live at asOf; expired ones stop the analysis with exit 2) */
  exceptions: z.array(
    z.object({ check: z.string(), users: z.array(z.string()).nullable(), reason: z.string(), owner: z.string(), expires: z.string(), matched: z.number().int() }),
  ),
  /** who counted as an admin, and the role holders the metrics could not assess */
  privileged: z.object({
    /** 'roles': role assignments (active + eligible, direct + group); 'isAdmin-flag': the report's flag */
    basis: z.enum(['roles', 'isAdmin-flag']),
    roleSet: z.object({ name: z.string(), description: z.string(), roleIds: z.array(z.string()).nullable() }),
    eligibleIncluded: z.boolean(),
    /** why role data was not used, when basis is the flag */
    note: z.string().nullable(),
    servicePrincipals: z.array(z.object({ id: z.string(), displayName: z.string(), holds: z.array(z.string()) })),
    notAssessable: z.array(z.object({ id: z.string(), userPrincipalName: z.string(), displayName: z.string(), holds: z.array(z.string()) })),
  }),
  sources: z.array(ResultSourceSchema),
  metricInfo: z.array(MetricInfoSchema),
  metrics: z.record(z.string(), MetricValueSchema),
  findings: z.array(FindingSchema),
  /** what enforces MFA for whom (Conditional Access, security defaults, the methods policy) */
  enforcement: EnforcementSchema,
  /** registration and reset events (userEventsSummary, or the retired userCredentialUsageDetails); null without them */
  events: z
    .object({
      source: z.string(),
      rows: z.number().int(),
      invalidRows: z.number().int(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      /** the ten most frequent failure reasons, most frequent first */
      topFailureReasons: z.array(z.object({ feature: z.string(), failureReason: z.string(), count: z.number().int() })),
    })
    .nullable(),
  /** daily MFA vs single-factor sign-ins (userMfaSignInSummary, beta); null when it did not answer */
  usage: z
    .object({
      source: z.string(),
      days: z.array(z.object({ date: z.string(), total: z.number().int(), singleFactor: z.number().int(), multiFactor: z.number().int() })),
      invalidRows: z.number().int(),
    })
    .nullable(),
  /** framework → control → checks → status, for the frameworks chosen in the config */
  coverage: CoverageSchema,
  /** present when analyze ran with --baseline */
  trends: TrendsSchema.nullable(),
  summary: z.object({
    byStatus: z.record(z.string(), z.number().int()),
    failedBySeverity: z.record(z.string(), z.number().int()),
    /** highest severity among failing findings, or null */
    worstFailure: SeveritySchema.nullable(),
  }),
});
export type AuditResult = z.infer<typeof ResultsSchema>;

/**
 * A results.json of schema v1 (before issue #14) read as v2, for the uses that only compare numbers and findings
 * (trends baselines, the portfolio): its findings support no control, its coverage has no supporting checks or
 * sources, and its enforcement block says it was not assessed. Anything else is returned unchanged; the caller
 * validates. Render does not use this: a v1 pack must be analysed again.
 */
export function upgradeResults(raw: unknown): unknown {
  const r = raw as { schemaVersion?: unknown; findings?: unknown; coverage?: unknown } | null;
  if (r === null || typeof r !== 'object' || r.schemaVersion !== 1) return raw;
  const findings = Array.isArray(r.findings) ? r.findings.map((f) => ({ supports: [], ...(f as object) })) : r.findings;
  const coverage = Array.isArray(r.coverage)
    ? r.coverage.map((fw: { controls?: unknown }) => ({
        ...fw,
        controls: Array.isArray(fw.controls) ? fw.controls.map((c) => ({ supportedBy: [], sources: [], ...(c as object) })) : fw.controls,
      }))
    : r.coverage;
  const enforcement: Enforcement = {
    assessable: false,
    basis: 'not assessed',
    notes: ['Analysed with results schema v1, before the enforcement model existed.'],
    securityDefaults: null,
    policies: [],
    methods: [],
    registrationCampaign: null,
    migrationState: null,
    systemPreferred: null,
  };
  return { ...r, schemaVersion: RESULTS_SCHEMA_VERSION, findings, coverage, enforcement, events: null, usage: null };
}
