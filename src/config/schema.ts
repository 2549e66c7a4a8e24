/**
 * The config file (YAML or JSON) — a public contract. Unknown keys are errors (a typo must not silently fall back
 * to a default); every message names the file and the path of the bad value. Every definition in force is written
 * into results.json and printed in the pack. `entra-auth-audit init` writes a commented starter and
 * schemas/config.schema.json is generated from this schema for editor completion.
 */
import { z } from 'zod';
import { SEVERITIES } from '../results/schema.js';
import { FRAMEWORKS } from '../frameworks/catalogue.js';
import {
  DEFAULT_THRESHOLDS,
  NON_MFA_TOKENS,
  PHISHING_RESISTANT_PREFIXES,
  PHISHING_RESISTANT_TOKENS,
  PHONE_TOKENS,
} from '../metrics/definitions.js';
import { PRIVILEGED_PRESETS } from '../metrics/privileged.js';

const share = z.number().min(0, 'must be a share between 0 and 1').max(1, 'must be a share between 0 and 1');
const token = z.string().min(1).max(100);
const upnPattern = z.string().min(1).max(320).regex(/^[^\s]+$/, 'must be a UPN or a pattern with * and no spaces');
const FRAMEWORK_IDS = Object.keys(FRAMEWORKS) as [keyof typeof FRAMEWORKS, ...(keyof typeof FRAMEWORKS)[]];

export const ThresholdsSchema = z
  .object({
    mfaCapableMin: share.default(DEFAULT_THRESHOLDS.mfaCapableMin).describe('Minimum share of users in scope that are MFA capable'),
    phishingResistantMin: share.default(DEFAULT_THRESHOLDS.phishingResistantMin).describe('Minimum share with a phishing-resistant method'),
    passwordlessCapableMin: share.default(DEFAULT_THRESHOLDS.passwordlessCapableMin).describe('Minimum share that is passwordless capable'),
    systemPreferredMin: share.default(DEFAULT_THRESHOLDS.systemPreferredMin).describe('Minimum share with system-preferred MFA enabled'),
    ssprResetFailureMax: share.default(DEFAULT_THRESHOLDS.ssprResetFailureMax).describe('Maximum SSPR reset failure rate (overall and per method)'),
    registrationFailureMax: share.default(DEFAULT_THRESHOLDS.registrationFailureMax).describe('Maximum method registration failure rate'),
    minAttemptsPerMethod: z.number().int().min(1).default(DEFAULT_THRESHOLDS.minAttemptsPerMethod).describe('Attempts a method needs before its own failure rate is judged'),
    staleRowDays: z.number().int().min(1).max(3650).default(DEFAULT_THRESHOLDS.staleRowDays).describe('Report rows older than this many days are stale'),
    staleRowsMax: share.default(DEFAULT_THRESHOLDS.staleRowsMax).describe('Maximum share of stale rows'),
    aggregateTolerance: share.default(DEFAULT_THRESHOLDS.aggregateTolerance).describe('Relative difference tolerated between aggregate reports and per-user rows'),
    repeatedFailuresMin: z.number().int().min(2).max(1000).default(DEFAULT_THRESHOLDS.repeatedFailuresMin).describe('Failed registration or reset events that list a user as repeatedly failing'),
    singleFactorSignInsMax: share.default(DEFAULT_THRESHOLDS.singleFactorSignInsMax).describe('Maximum share of single-factor sign-ins (userMfaSignInSummary)'),
  })
  .strict();

export const ExceptionSchema = z
  .object({
    check: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a check id, e.g. admins-without-mfa'),
    /** UPNs or patterns; omitted = the whole check */
    users: z.array(upnPattern).min(1).optional(),
    reason: z.string().min(3).max(500),
    owner: z.string().min(1).max(200),
    /** YYYY-MM-DD; the exception ends at the start of that day (UTC) */
    expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
  })
  .strict();
export type ExceptionRule = z.infer<typeof ExceptionSchema>;

export const ConfigSchema = z
  .object({
    $schema: z.string().optional(),
    organisation: z
      .object({
        name: z.string().min(1).max(200).default('Example Organisation'),
        /** SVG or PNG file, relative to the config file */
        logo: z.string().optional(),
        primaryColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #0b5cad').default('#0b5cad'),
        classification: z.string().max(60).default('Confidential'),
      })
      .strict()
      .prefault({}),
    report: z
      .object({
        /** draft adds a DRAFT watermark */
        status: z.enum(['draft', 'final']).default('draft'),
        version: z.string().max(40).default('1.0'),
        preparer: z.string().max(200).optional(),
        reviewer: z.string().max(200).optional(),
        /** e.g. "Q4 2026" or "2026-10-01 to 2026-12-31" */
        auditPeriod: z.string().max(100).optional(),
        footer: z.string().max(200).optional(),
        pageSize: z.enum(['A4', 'Letter']).default('A4'),
        /** a folder whose partials (*.hbs) replace the built-in ones of the same name, relative to this file */
        templatesDir: z.string().optional(),
        /** affected users listed per finding in the PDF/HTML (complete lists are in the CSV worklists) */
        maxAffectedInPdf: z.number().int().min(0).max(200).default(25),
      })
      .strict()
      .prefault({}),
    population: z
      .object({
        includeGuests: z.boolean().default(false).describe('Count guests in the population (they are always measured separately)'),
        excludeUpnPatterns: z.array(upnPattern).default([]).describe('UPNs or patterns (* = any characters) left out, e.g. room or service accounts'),
        breakGlassAccounts: z.array(upnPattern).default([]).describe('Emergency-access accounts by UPN: assessed on their own, left out of the population'),
      })
      .strict()
      .prefault({}),
    /**
     * Which directory roles make a user an admin when role data was collected: a preset, or role template ids.
     * Without role data the report's isAdmin flag is used, and the pack says so.
     */
    privilegedRoles: z
      .union([z.enum(PRIVILEGED_PRESETS), z.array(z.string().regex(/^[0-9a-fA-F-]{36}$/, 'must be a role template id (GUID)')).min(1)])
      .default('entra-privileged'),
    methods: z
      .object({
        phishingResistant: z.array(token).min(1).default([...PHISHING_RESISTANT_TOKENS]),
        phishingResistantPrefixes: z.array(token).default([...PHISHING_RESISTANT_PREFIXES]),
        phone: z.array(token).min(1).default([...PHONE_TOKENS]),
        nonMfa: z.array(token).default([...NON_MFA_TOKENS]),
      })
      .strict()
      .prefault({}),
    thresholds: ThresholdsSchema.prefault({}),
    /** severity of a breach, per check id */
    severities: z.record(z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a check id'), z.enum(SEVERITIES)).default({}),
    exceptions: z.array(ExceptionSchema).default([]),
    /** frameworks shown in the coverage matrix */
    frameworks: z.array(z.enum(FRAMEWORK_IDS)).min(1).default([...FRAMEWORK_IDS]),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;

/** JSON Schema of the config file (draft 2020-12), for editor completion; written to schemas/config.schema.json. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
}
