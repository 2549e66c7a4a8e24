/** The steps the commands share: build a transport, collect, analyze, render, decide the exit code. */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { collect } from '../collector/collect.js';
import { SOURCES } from '../collector/sources/index.js';
import type { LoadedConfig } from '../config/load.js';
import { analyze } from '../engine/analyze.js';
import { loadBaseline, type Baseline } from '../engine/trends.js';
import { MANIFEST_FILE } from '../snapshot/schema.js';
import { SEVERITIES, type AuditResult, type Severity } from '../results/schema.js';
import { CollectionError, EXIT, PartialCollectionError, UsageError } from '../errors.js';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import { GraphTransport, normaliseEndpoint } from '../graph/client.js';
import { CLOUDS, type CloudName } from '../graph/clouds.js';
import { createAuthProvider, TOKEN_ENV, type AuthMode } from '../graph/credentials.js';
import { parseRate, RateLimiter } from '../graph/rate-limiter.js';
import type { Manifest } from '../snapshot/schema.js';
import type { SharedPdfBrowser } from '../render/pdf.js';
import { cliClock, NOW_ENV, type Clock } from './clock.js';
import type { Log } from './output.js';
import { CollectProgress } from './progress.js';

export interface CollectArgs {
  tenant: string;
  out: string;
  auth: AuthMode;
  cloud: CloudName;
  graphUrl?: string;
  rate?: string;
  /** budget of the directory sources (role management, groups) */
  directoryRate?: string;
  clientId?: string;
  certificatePath?: string;
  federatedTokenFile?: string;
  resume?: boolean;
  concurrency?: number;
  /** seconds a request may take before it is abandoned and retried */
  requestTimeout?: number;
  /** ceilings per source (collect.ts Ceiling) */
  maxPages?: number;
  maxRows?: number;
  /** shared by all tenants of one process (run --tenants): this tenant's staggered view, told the requests planned */
  appLimiter?: RateLimiter;
  /** the collection's clock; default cliClock(env) (system clock, or ENTRA_AUTH_AUDIT_NOW) */
  clock?: Clock;
  env: NodeJS.ProcessEnv;
}

/** The collect options of a parsed command line. */
export function collectArgs(argv: Record<string, any>, out: string): CollectArgs {
  return {
    tenant: argv.tenant,
    out,
    auth: argv.auth,
    cloud: argv.cloud,
    graphUrl: argv.graphUrl,
    rate: argv.rate,
    directoryRate: argv.directoryRate,
    clientId: argv.clientId,
    certificatePath: argv.certificatePath,
    federatedTokenFile: argv.federatedTokenFile,
    concurrency: argv.concurrency,
    requestTimeout: argv.requestTimeout,
    maxPages: argv.maxPages,
    maxRows: argv.maxRows,
    env: process.env,
  };
}

/** The reports' documented budget: 5 requests / 10 s per app and tenant (graph-api.md §C.2). */
export const REPORTS_BUDGET = { requests: 5, seconds: 10 } as const;
/**
 * The directory sources' budget (role management, groups). Graph meters them in resource units, at least 3,500 per
 * 10 s per app and tenant (the smallest tenants), a list request costing a few units: 50 requests / 10 s stays far
 * below that while letting a small tenant's role data arrive in seconds rather than at the reports' pace.
 */
export const DIRECTORY_BUDGET = { requests: 50, seconds: 10 } as const;

/** Default pacing: the budget given on Microsoft Graph; none against a custom endpoint unless asked. */
export function limiterFor(
  rate: string | undefined,
  customEndpoint: boolean,
  fallback: { requests: number; seconds: number } = REPORTS_BUDGET,
  option = '--rate',
): RateLimiter | undefined {
  if (rate === 'off') return undefined;
  if (rate) {
    try {
      return new RateLimiter(parseRate(rate));
    } catch (e) {
      throw new UsageError(`${option}: ${(e as Error).message}, or 'off'.`);
    }
  }
  return customEndpoint ? undefined : new RateLimiter({ ...fallback });
}

export function makeTransport(args: CollectArgs, log: Log): { transport: GraphTransport; authProvider: AuthenticationProvider } {
  const cloud = CLOUDS[args.cloud];
  const endpoint = args.graphUrl ? normaliseEndpoint(args.graphUrl) : cloud.graphRoot;
  const authProvider = createAuthProvider({
    mode: args.auth,
    cloud: args.cloud,
    tenantId: args.tenant,
    clientId: args.clientId,
    certificatePath: args.certificatePath,
    federatedTokenFile: args.federatedTokenFile,
    env: args.env,
    prompt: (m) => log.warn(m),
  });
  const transport = new GraphTransport({
    authProvider,
    graphRoot: cloud.graphRoot,
    endpoint,
    limiter: limiterFor(args.rate, endpoint !== cloud.graphRoot),
    directoryLimiter: limiterFor(args.directoryRate, endpoint !== cloud.graphRoot, DIRECTORY_BUDGET, '--directory-rate'),
    appLimiter: args.appLimiter,
    timeoutMs: (args.requestTimeout ?? 120) * 1000,
    retryDelay: 1,
    secrets: [args.env.AZURE_CLIENT_SECRET, args.env.AZURE_CLIENT_CERTIFICATE_PASSWORD, args.env[TOKEN_ENV]],
  });
  return { transport, authProvider };
}

export async function runCollect(args: CollectArgs, log: Log): Promise<Manifest> {
  for (const [flag, value] of [['--max-pages', args.maxPages], ['--max-rows', args.maxRows]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new UsageError(`${flag} must be a whole number of at least 1 (got ${value}).`);
  }
  const { transport, authProvider } = makeTransport(args, log);
  const endpoint = transport.endpoint;
  // One token up front: a credential that cannot sign in fails here once, instead of once per source after the
  // credential library's own retries (13 sources × ~5 s without a network).
  try {
    await authProvider.getAccessToken();
  } catch (e) {
    const message = transport.redact((e as Error)?.message ?? String(e)).split('\n')[0];
    throw new CollectionError(`--auth ${args.auth}: could not get a token: ${message}`);
  }
  const clock = args.clock ?? cliClock(args.env);
  log.info(`collecting tenant ${args.tenant} from ${endpoint} into ${args.out}`);
  if (args.env[NOW_ENV]) log.info(`clock pinned by ${NOW_ENV}: the snapshot records ${clock().toISOString()} as the collection time, not the real time`);
  const progress = log.interactive
    ? new CollectProgress({
        write: (text) => process.stderr.write(text),
        sources: SOURCES.length,
        budget: transport.budget,
        columns: process.stderr.columns,
      })
    : null;
  let manifest: Manifest;
  try {
    ({ manifest } = await collect({
      transport,
      tenantId: args.tenant,
      cloud: args.cloud,
      outDir: args.out,
      resume: args.resume,
      concurrency: args.concurrency,
      maxPages: args.maxPages,
      maxRows: args.maxRows,
      clock,
      onPlanned: args.appLimiter ? (n) => args.appLimiter?.expect(n) : undefined,
      onProgress: (p) => {
        if (p.status) {
          progress?.clear();
          log.info(`  ${p.source.padEnd(36)} ${p.status.padEnd(11)} ${p.pages} pages, ${p.records} rows`);
        }
        progress?.update(p);
        if (p.status) progress?.redraw(); // at once: the line was cleared for the log line
      },
    }));
  } finally {
    progress?.clear();
  }
  for (const s of manifest.sources) {
    if (s.status !== 'ok' && s.status !== 'retired') {
      log.warn(`${s.id}: ${s.status}${s.httpStatus ? ` (HTTP ${s.httpStatus}${s.errorCode ? ` ${s.errorCode}` : ''})` : ''}: ${s.errorMessage ?? ''}`);
    }
  }
  if (manifest.sources.every((s) => s.status !== 'ok')) {
    const first = manifest.sources.find((s) => s.errorMessage)?.errorMessage ?? 'no source answered';
    throw new CollectionError(
      `nothing could be collected from ${endpoint} (${first}). Check the credentials (--auth), the tenant id and the network; ` +
        `the attempt is recorded in ${resolve(args.out, 'manifest.json')}.`,
    );
  }
  if (manifest.partial) log.warn('the snapshot is partial: some sources did not answer; checks that need them are reported as errors.');
  return manifest;
}

/** A partial snapshot never ends a command with exit 0 unless the user accepted it (--allow-partial). */
export function partialExit(manifest: Manifest, allowPartial: boolean): void {
  if (!manifest.partial || allowPartial) return;
  const failed = manifest.sources.filter((s) => s.status !== 'ok' && s.status !== 'retired').map((s) => `${s.id} (${s.status})`);
  throw new PartialCollectionError(
    `the collection is partial: ${failed.join(', ')}. The snapshot and pack were written and say so; ` +
      'fix access (see `entra-auth-audit doctor`) or pass --allow-partial to accept a partial collection.',
  );
}

/**
 * Baselines for trends: earlier results.json files, folders holding one, or snapshot folders (analysed first, with
 * the same config, into a temporary folder).
 */
export async function loadBaselines(paths: readonly string[], cfg: LoadedConfig): Promise<Baseline[]> {
  const out: Baseline[] = [];
  for (const p of paths) {
    if (existsSync(join(p, MANIFEST_FILE))) {
      const tmp = await mkdtemp(join(tmpdir(), 'eaa-baseline-'));
      await analyze({ snapshotDir: p, outDir: tmp, config: cfg.config });
      out.push(await loadBaseline(join(tmp, 'results.json')));
    } else if (existsSync(join(p, 'results.json'))) {
      out.push(await loadBaseline(join(p, 'results.json')));
    } else if (existsSync(p)) {
      out.push(await loadBaseline(p));
    } else {
      throw new UsageError(`--baseline ${p}: no such file or folder; give a results.json, a pack folder or a snapshot folder.`);
    }
  }
  return out;
}

export async function runAnalyze(
  snapshotDir: string,
  outDir: string,
  cfg: LoadedConfig,
  log: Log,
  baselines: readonly Baseline[] = [],
): Promise<AuditResult> {
  const { results, path } = await analyze({ snapshotDir, outDir, config: cfg.config, baselines });
  const s = results.summary.byStatus;
  log.info(`analyzed: ${results.findings.length} checks (${s.fail ?? 0} fail, ${s.pass ?? 0} pass, ${s.error ?? 0} error) → ${path}`);
  return results;
}

export async function runRender(
  results: AuditResult,
  resultsDir: string,
  outDir: string,
  cfg: LoadedConfig,
  opts: RenderCliOptions,
  log: Log,
): Promise<string[]> {
  const org = cfg.config.organisation;
  const rep = cfg.config.report;
  // Loaded on demand: the renderer brings Vega, Handlebars and Puppeteer (~80 MB), which collect and analyze never need.
  const { renderPack } = await import('../render/index.js');
  const render = (out: string, redact: RenderCliOptions['redact']) =>
    renderPack(results, {
      resultsDir,
      outDir: out,
      pdf: opts.pdf,
      browserPath: opts.browser,
      branding: {
        organisation: org.name,
        primaryColor: org.primaryColor,
        classification: org.classification,
        logoFile: org.logo ? resolve(cfg.baseDir, org.logo) : undefined,
      },
      maxAffectedInPdf: rep.maxAffectedInPdf,
      report: {
        status: rep.status,
        version: rep.version,
        preparer: rep.preparer,
        reviewer: rep.reviewer,
        auditPeriod: rep.auditPeriod,
        footer: rep.footer,
        pageSize: rep.pageSize,
      },
      templatesDir: opts.templates ? resolve(opts.templates) : rep.templatesDir ? resolve(cfg.baseDir, rep.templatesDir) : undefined,
      pdfTagged: opts.pdfTagged === true,
      pdfBrowser: opts.pdfBrowser,
      alsoInPack: redact ? [] : opts.alsoInPack,
      redact: redact ? { mode: redact, keyFile: opts.redactKeyFile, mappingFile: opts.redactMapping } : undefined,
    });
  // A redacted pack never goes beside results.json and the sidecars (they hold the original names): when the pack
  // folder is the results folder (run, demo), the full pack is written there and the redacted copy to OUT/redacted.
  const sameFolder = resolve(outDir) === resolve(resultsDir);
  const files: string[] = [];
  const outputs = [];
  if (!opts.redact || sameFolder) outputs.push(await render(outDir, undefined));
  if (opts.redact) outputs.push(await render(sameFolder ? join(outDir, 'redacted') : outDir, opts.redact));
  for (const o of outputs) files.push(...o.files);
  // never silent: a PDF printed without Chromium's sandbox says so, and why
  const unsandboxed = outputs.find((o) => o.sandbox && !o.sandbox.sandboxed)?.sandbox;
  if (unsandboxed) log.info(`PDF printed without Chromium's sandbox: ${unsandboxed.reason}`);
  log.info(`rendered: ${files.length} files in ${outDir}`);
  return files;
}

export interface RenderCliOptions {
  pdf: boolean;
  browser?: string;
  redact?: 'pseudonymise' | 'aggregate';
  redactKeyFile?: string;
  redactMapping?: string;
  pdfTagged?: boolean;
  templates?: string;
  /** files the command wrote into the pack folder before rendering (its JUnit XML): listed in pack-manifest.json */
  alsoInPack?: string[];
  /** one browser for the PDFs of many packs (run --tenants); default a browser per pack */
  pdfBrowser?: SharedPdfBrowser;
}

/** The render options of a parsed command line. */
export function renderArgs(argv: Record<string, any>): RenderCliOptions {
  return {
    pdf: argv.pdf,
    browser: argv.browser,
    redact: argv.redact,
    redactKeyFile: argv.redactKeyFile,
    redactMapping: argv.redactMapping,
    pdfTagged: argv.pdfTagged,
    templates: argv.templates,
  };
}

export async function writeCiOutputs(results: AuditResult, opts: { junit?: string; stepSummary: boolean }, log: Log): Promise<void> {
  if (opts.junit) {
    const { writeJunitFile } = await import('../render/junit.js');
    try {
      await writeJunitFile(results, opts.junit);
    } catch (e) {
      throw new UsageError(`--junit ${opts.junit}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
    log.info(`JUnit XML: ${opts.junit}`);
  }
  if (opts.stepSummary) {
    const { appendStepSummary } = await import('../render/step-summary.js');
    try {
      if (await appendStepSummary(results)) log.info('summary appended to $GITHUB_STEP_SUMMARY');
    } catch (e) {
      log.warn(`could not append the summary to $GITHUB_STEP_SUMMARY (${(e as Error).message}); the pack is complete.`);
    }
  }
}

/** The one-object summary printed by --json: enough for a CI step to decide and link, without parsing results.json. */
export function jsonSummary(results: AuditResult, files: { results: string; html?: string; pdf?: string }, failOn: Severity | undefined): string {
  const headline = ['mfa.capable', 'phishing_resistant.registered', 'passwordless.capable', 'admins.phishing_resistant', 'mfa.phone_only'];
  return JSON.stringify({
    tool: results.tool,
    tenant: results.tenant.id,
    asOf: results.asOf,
    manifestSha256: results.snapshot.manifestSha256,
    partial: results.sources.some((s) => s.status !== 'ok' && s.status !== 'retired'),
    summary: results.summary,
    metrics: Object.fromEntries(headline.map((id) => [id, results.metrics[id] ?? null])),
    findings: results.findings.map((f) => ({ checkId: f.checkId, severity: f.severity, status: f.status, affected: f.affected?.count ?? null })),
    files,
    exitCode: exitCodeFor(results, failOn),
  });
}

/** Exit 3 when a finding at or above the --fail-on severity failed. */
export function exitCodeFor(results: AuditResult, failOn: Severity | undefined): number {
  if (!failOn) return EXIT.ok;
  const limit = SEVERITIES.indexOf(failOn);
  const hit = results.findings.some((f) => f.status === 'fail' && SEVERITIES.indexOf(f.severity) <= limit);
  return hit ? EXIT.findings : EXIT.ok;
}
