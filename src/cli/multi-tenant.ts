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
import { RateLimiter } from '../graph/rate-limiter.js';
import type { PortfolioEntry } from '../render/portfolio.js';
import { cliClock } from './clock.js';
import type { Log } from './output.js';
import { exitCodeFor, runAnalyze, runCollect, runRender, type CollectArgs, type RenderCliOptions } from './pipeline.js';

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
  parallel: number;
  base: Omit<CollectArgs, 'tenant' | 'out'>;
  configPath?: string;
  render: RenderCliOptions;
  failOn?: Severity;
  allowPartial: boolean;
}

export async function runTenants(opts: MultiTenantOptions, log: Log): Promise<number> {
  const tenants = await loadTenants(opts.tenantsFile);
  const baseDir = dirname(resolve(opts.tenantsFile));
  const appLimiter = opts.base.graphUrl ? undefined : new RateLimiter({ requests: 122, seconds: 10 });
  const entries: PortfolioEntry[] = [];
  const codes: number[] = [];
  const queue = [...tenants];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
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
            appLimiter,
            env,
          },
          prefixed(log, name),
        );
        const results: AuditResult = await runAnalyze(join(dir, 'snapshot'), dir, cfg, prefixed(log, name));
        await runRender(results, dir, dir, cfg, opts.render, prefixed(log, name));
        entries.push({ name, tenantId: t.id, resultsPath: join(dir, 'results.json'), results, error: null });
        codes.push(manifest.partial && !opts.allowPartial ? EXIT.partial : exitCodeFor(results, opts.failOn));
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        log.warn(`[${name}] not audited: ${message}`);
        entries.push({ name, tenantId: t.id, resultsPath: null, results: null, error: message });
        codes.push(e instanceof AppError ? e.exitCode : EXIT.failure);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel, tenants.length)) }, worker));
  const { renderPortfolio } = await import('../render/portfolio.js');
  const files = await renderPortfolio(entries, join(opts.out, 'portfolio'));
  log.info(`portfolio: ${files[0]}`);
  log.out(files[0]!);
  // The most serious outcome wins: a tenant not audited (its own code: 4 collection, 2 config…), then partial, then findings.
  const order = [EXIT.collection, EXIT.usage, EXIT.snapshot, EXIT.failure, EXIT.partial, EXIT.findings, EXIT.ok];
  return order.find((c) => codes.includes(c)) ?? EXIT.ok;
}

function prefixed(log: Log, name: string): Log {
  return { info: (l) => log.info(`[${name}] ${l}`), warn: (l) => log.warn(`[${name}] ${l}`), out: (l) => log.out(l) };
}
