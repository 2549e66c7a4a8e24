/**
 * run --tenants FILE: audits many tenants from one process with bounded parallelism. Each tenant has its own
 * request budget (5 / 10 s on Graph) and all share the per-app budget across tenants (122 / 10 s,
 * graph-api.md §C.2). One tenant's failure never stops the others; a portfolio pack links every tenant's pack.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { AuditResult, Severity } from '../results/schema.js';
import { AppError, EXIT, UsageError } from '../errors.js';
import { CLOUD_NAMES } from '../graph/clouds.js';
import { AUTH_MODES, TOKEN_ENV } from '../graph/auth-modes.js';
import type { RateBudget } from '../graph/rate-limiter.js';
import type { Manifest } from '../snapshot/schema.js';
import type { PortfolioEntry } from '../render/portfolio.js';
import type { BrowserLauncher, SharedPdfBrowser } from '../render/pdf.js';
import { cliClock } from './clock.js';
import type { Log } from './output.js';
import { exitCodeFor, limiterFor, runAnalyze, runCollect, runRender, type CollectArgs, type RenderCliOptions } from './pipeline.js';

const TenantSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1).max(200).optional(),
    auth: z.enum(AUTH_MODES).optional(),
    /** for auth token: the environment variable holding this tenant's token (default ENTRA_AUTH_AUDIT_TOKEN) */
    tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
    clientId: z.string().optional(),
    certificatePath: z.string().optional(),
    cloud: z.enum(CLOUD_NAMES as [string, ...string[]]).optional(),
    graphUrl: z.string().optional(),
    /** a config file for this tenant (relative to the tenants file); default: --config */
    config: z.string().optional(),
  })
  .strict();
export const TenantsFileSchema = z.object({ tenants: z.array(TenantSchema).min(1) }).strict();
export type TenantSpec = z.infer<typeof TenantSchema>;

export async function loadTenants(path: string): Promise<TenantSpec[]> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--tenants ${path}: cannot read (${(e as Error).message.split('\n')[0]}).`);
  }
  const parsed = TenantsFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(`--tenants ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`);
  }
  const ids = parsed.data.tenants.map((t) => t.name ?? t.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new UsageError(`--tenants ${path}: tenant '${dup}' is listed twice; give each a unique name.`);
  return parsed.data.tenants;
}

/** A folder name for a tenant: letters, digits, dot, dash and underscore only. */
export function tenantFolder(t: TenantSpec): string {
  return (t.name ?? t.id).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 80) || 'tenant';
}

export interface MultiTenantOptions {
  tenantsFile: string;
  out: string;
  /** tenants analysed at the same time, and tenants rendered at the same time (CPU-bound: the engine, Chromium) */
  parallel: number;
  /** tenants collected at the same time (network-bound, paced); default collectParallelFor() */
  collectParallel?: number;
  /** the per-app report budget across tenants, N/SECONDS or 'off'; default 122/10 on Graph, none against --graph-url */
  appRate?: string;
  base: Omit<CollectArgs, 'tenant' | 'out'>;
  configPath?: string;
  render: RenderCliOptions;
  failOn?: Severity;
  allowPartial: boolean;
  /** how the browser the packs share is started (a test counts the launches); default render/pdf.ts launchBrowser */
  launchBrowser?: BrowserLauncher;
}

/** Graph's identity-and-access reports budget per app across every tenant: 122 requests / 10 s (graph-api.md §C.2). */
export const APP_BUDGET = { requests: 122, seconds: 10 } as const;

/**
 * How many tenants at full pace fill the per-app budget, and the collector count derived from it. Each tenant may
 * send at most its own budget (5 / 10 s), so about app ÷ tenant = 24.4 tenants at full pace fill the app's
 * 122 / 10 s; the tenants are counted in groups ("lanes") of at least that many (50 tenants: two of 25), and two
 * groups collect at once (collectParallelFor). How the budget is shared among the tenants collecting is
 * STAGGER_LAG's: earlier versions served a lower group first, so a group's tenants all ended together (50 tenants:
 * 25 at about 66 s, 25 at the very end, leaving their 25 packs to render after the collection).
 */
export function lanePlan(tenants: number, tenant: RateBudget | null, app: RateBudget | null): { laneSize: number; lanes: number } {
  if (!app || tenants <= 1) return { laneSize: Math.max(1, tenants), lanes: 1 };
  // no per-tenant pacing: one tenant can use the whole app budget, so strict file order loses nothing
  if (!tenant) return { laneSize: 1, lanes: tenants };
  const fullPace = app.requests / app.seconds / (tenant.requests / tenant.seconds);
  const lanes = Math.max(1, Math.floor(tenants / Math.max(1, fullPace)));
  const laneSize = Math.ceil(tenants / lanes);
  return { laneSize, lanes: Math.ceil(tenants / laneSize) };
}

/**
 * How the per-app budget is shared: tenant i (in file order) gets the app limiter's staggered view with lag
 * i × STAGGER_LAG requests, in blocks of the tenant's own budget (RateLimiter.staggered), and its collector tells
 * the view the report requests it will send (RateLimiter.expect). A waiting request of the tenant with the most
 * windows of work left, minus its lag, goes first: every tenant progresses, the tenants finish one after another —
 * 50 tenants of 1,000 users (33 report requests each, 5 / 10 s each, 122 / 10 s together): from about 70 s to the
 * end, a few per 10 s window — so their packs render while the others still collect, and the budget is never left
 * unused while a request waits. Ordering by the work left rather than the work done (the least granted + lag, until
 * session 10) gives a tenant its last windows at full pace: on the fake-clock harness of
 * test/unit/rate-limiter-staggered.test.ts (packs of 2.1 CPU-seconds rendered two at a time, the run's end against
 * the floor), 1.073 instead of 1.101 for 50 tenants of 33 requests, 1.053 instead of 1.137 for 50 tenants of 33–60,
 * 1.035 instead of 1.054 for 100 tenants, and better for every other set tried (BENCHMARKS.md). The lag was chosen
 * there: 0.55 was as good as or better than 0.5–0.7 on each set (a lag of 0.65 had been best with the old order).
 * For tenants of thousands of requests it changes little (they progress together, and rendering is small beside
 * their collection).
 */
export const STAGGER_LAG = 0.55;

/** Tenants collected at once by default: two lanes (one finishing, the next starting), at least --parallel. */
export function collectParallelFor(tenants: number, parallel: number, laneSize: number, paced: boolean): number {
  return Math.max(1, Math.min(tenants, paced ? Math.max(parallel, 2 * laneSize) : parallel));
}

export async function runTenants(opts: MultiTenantOptions, log: Log): Promise<number> {
  const tenants = await loadTenants(opts.tenantsFile);
  const baseDir = dirname(resolve(opts.tenantsFile));
  // The per-app budget paces what goes to Graph: against endpoints that are all custom (the simulator), only when
  // asked (--app-rate), as --rate does for one tenant.
  const allCustom = tenants.every((t) => (t.graphUrl ?? opts.base.graphUrl) !== undefined);
  // the app slots a tenant's requests held free when its own do (a window after the same answers): granted a moment
  // later (RateLimiter.settle; 5 ms of a 10 s window), so that its next requests are queued by then and the stagger holds
  const appLimiter = limiterFor(opts.appRate, allCustom, APP_BUDGET, '--app-rate');
  appLimiter?.settle(Math.min(5, (appLimiter.budget.seconds * 1000) / 2000));
  const tenantBudget = limiterFor(opts.base.rate, allCustom)?.budget ?? null;
  const { laneSize } = lanePlan(tenants.length, tenantBudget, appLimiter?.budget ?? null);
  const collectParallel = opts.collectParallel ?? collectParallelFor(tenants.length, opts.parallel, laneSize, appLimiter !== undefined);
  if (!Number.isInteger(collectParallel) || collectParallel < 1) throw new UsageError('--collect-parallel must be a whole number of at least 1.');
  if (appLimiter) {
    log.info(
      `${tenants.length} tenants: per-app budget ${appLimiter.budget.requests} / ${appLimiter.budget.seconds} s across tenants` +
        (tenantBudget ? `, ${tenantBudget.requests} / ${tenantBudget.seconds} s per tenant` : '') +
        `; ${collectParallel} collected and ${opts.parallel} rendered at a time` +
        `, staggered in file order (the most work left first, each ${STAGGER_LAG} requests behind the one before)`,
    );
  }
  const entries = new Array<PortfolioEntry>(tenants.length);
  const started = performance.now();
  const since = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const codes: number[] = [];
  const failed = (i: number, t: TenantSpec, e: unknown) => {
    const name = t.name ?? t.id;
    const message = e instanceof Error ? e.message : String(e);
    log.warn(`[${name}] not audited: ${message}`);
    entries[i] = { name, tenantId: t.id, resultsPath: null, results: null, error: message };
    codes.push(e instanceof AppError ? e.exitCode : EXIT.failure);
  };
  // One Chromium prints every pack's PDF instead of one per pack (a launch costs 1–2 s of the two cores, 50 packs a
  // minute or more): started with the first PDF (loading puppeteer only then), each pack in a browser context of its
  // own (SharedPdfBrowser), closed when the run ends, however it ends.
  let pdfBrowser: Promise<SharedPdfBrowser> | undefined;
  const sharedBrowser = () =>
    (pdfBrowser ??= import('../render/pdf.js').then(({ SharedPdfBrowser }) => new SharedPdfBrowser(opts.render.browser, opts.launchBrowser)));
  // Analysis and rendering (CPU: the engine, Chromium) start as soon as a tenant's collection ends, while other
  // tenants are still collecting (network, paced): --parallel tenants analysed at a time and --parallel rendered at a
  // time, a pipeline, so that one pack's analysis (this process's thread) runs while others print (Chromium's
  // processes) rather than after them. An analysed pack keeps its analysis slot until it has a render slot, so at
  // most 2 × --parallel packs are in hand. (With one stage of --parallel for both, 50 tenants × 1,000 users with PDFs
  // at Graph's budgets took 171 s; the pipeline is about what --parallel 3 gave then, 157 s; BENCHMARKS.md.)
  const analyzeSlots = new Semaphore(opts.parallel);
  const renderSlots = new Semaphore(opts.parallel);
  const rendering: Promise<void>[] = [];
  const analyzeAndRender = async (i: number, t: TenantSpec, cfg: LoadedConfig, manifest: Manifest) => {
    const dir = join(opts.out, tenantFolder(t));
    const name = t.name ?? t.id;
    try {
      let releaseRender: (() => void) | undefined;
      const results: AuditResult = await analyzeSlots.run(async () => {
        const analysed = await runAnalyze(join(dir, 'snapshot'), dir, cfg, prefixed(log, name));
        releaseRender = await renderSlots.acquire();
        return analysed;
      });
      try {
        const browser = opts.render.pdf ? await sharedBrowser() : undefined;
        const render = () => runRender(results, dir, dir, cfg, { ...opts.render, pdfBrowser: browser }, prefixed(log, name));
        const losses = browser?.losses ?? 0;
        try {
          await render();
        } catch (e) {
          // Chromium itself went away under this pack (killed for memory, say; the next pack starts a new one): the
          // pack is printed once more rather than the tenant lost. A failure of the pack's own is not retried.
          if (!browser || browser.losses === losses) throw e;
          log.warn(`[${name}] Chromium exited while printing the PDF (${e instanceof Error ? e.message : String(e)}); printing it again with a new browser`);
          await render();
        }
      } finally {
        releaseRender?.();
      }
      entries[i] = { name, tenantId: t.id, resultsPath: join(dir, 'results.json'), results, error: null };
      log.info(`[${name}] pack written, ${since()} after the run started`);
      codes.push(manifest.partial && !opts.allowPartial ? EXIT.partial : exitCodeFor(results, opts.failOn));
    } catch (e) {
      failed(i, t, e);
    }
  };
  let next = 0;
  const collector = async () => {
    for (let i = next++; i < tenants.length; i = next++) {
      const t = tenants[i]!;
      const dir = join(opts.out, tenantFolder(t));
      const name = t.name ?? t.id;
      try {
        const cfg: LoadedConfig = await loadConfig(t.config ? resolve(baseDir, t.config) : opts.configPath, cliClock(opts.base.env)().toISOString());
        const env = t.tokenEnv ? { ...opts.base.env, [TOKEN_ENV]: opts.base.env[t.tokenEnv] ?? '' } : opts.base.env;
        const manifest = await runCollect(
          {
            ...opts.base,
            tenant: t.id,
            out: join(dir, 'snapshot'),
            auth: t.auth ?? opts.base.auth,
            clientId: t.clientId ?? opts.base.clientId,
            certificatePath: t.certificatePath ?? opts.base.certificatePath,
            cloud: (t.cloud as CollectArgs['cloud'] | undefined) ?? opts.base.cloud,
            graphUrl: t.graphUrl ?? opts.base.graphUrl,
            appLimiter: appLimiter?.staggered(i * STAGGER_LAG, tenantBudget?.requests ?? 1),
            env,
          },
          prefixed(log, name),
        );
        log.info(`[${name}] collected, ${since()} after the run started`);
        rendering.push(analyzeAndRender(i, t, cfg, manifest));
      } catch (e) {
        failed(i, t, e);
      }
    }
  };
  // Chromium closes (its processes end, its profile is removed) while the portfolio is written, and is waited for
  // before the command returns, however it ends
  let closing: Promise<void> | undefined;
  const closeBrowser = () =>
    (closing ??= pdfBrowser
      ? pdfBrowser.then((b) => b.close()).catch((e: unknown) => log.warn(`could not close Chromium: ${e instanceof Error ? e.message : String(e)}`))
      : Promise.resolve());
  let files: string[];
  try {
    try {
      await Promise.all(Array.from({ length: Math.min(collectParallel, tenants.length) }, collector));
      log.info(`collection of ${tenants.length} tenants ended after ${((performance.now() - started) / 1000).toFixed(2)} s (${rendering.length} collected)`);
      await Promise.all(rendering);
    } finally {
      await Promise.allSettled(rendering);
      void closeBrowser();
    }
    const { renderPortfolio } = await import('../render/portfolio.js');
    files = await renderPortfolio(entries, join(opts.out, 'portfolio'));
  } finally {
    await closeBrowser();
  }
  log.info(`portfolio: ${files[0]}`);
  log.out(files[0]!);
  // The most serious outcome wins: a tenant not audited (its own code: 4 collection, 2 config…), then partial, then findings.
  const order = [EXIT.collection, EXIT.usage, EXIT.snapshot, EXIT.failure, EXIT.partial, EXIT.findings, EXIT.ok];
  return order.find((c) => codes.includes(c)) ?? EXIT.ok;
}

/** At most `size` tasks at once; the others wait in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}

  /** Resolves with a release function once a place is free (call it exactly once). */
  async acquire(): Promise<() => void> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const wake = this.waiting.shift();
      if (wake) wake();
      else this.active--;
    };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }
}

function prefixed(log: Log, name: string): Log {
  return { info: (l) => log.info(`[${name}] ${l}`), warn: (l) => log.warn(`[${name}] ${l}`), out: (l) => log.out(l) };
}
