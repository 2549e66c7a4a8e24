import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { UsageError } from '../errors.js';
import { CHECKS } from '../checks/index.js';
import { ConfigSchema, type Config } from './schema.js';

export interface LoadedConfig {
  config: Config;
  /** folder that relative paths in the config are resolved against */
  baseDir: string;
  path: string | null;
}

export function defaultConfig(): LoadedConfig {
  return { config: ConfigSchema.parse({}), baseDir: process.cwd(), path: null };
}

/**
 * Loads and validates a config file. `now` is the time exceptions must still be valid at (the snapshot's
 * collection time when analysing; the clock otherwise). All problems are reported at once, each with its path.
 */
export async function loadConfig(path: string | undefined, now?: string): Promise<LoadedConfig> {
  if (!path) return defaultConfig();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--config ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  return { config: parseConfigText(text, path, now ?? new Date().toISOString()), baseDir: dirname(resolve(path)), path };
}

export function parseConfigText(text: string, path: string, now: string): Config {
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text, { strict: true, uniqueKeys: true });
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}` : '';
    throw new UsageError(`--config ${path}: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}${where} (${(e as Error).message.split('\n')[0]}).`);
  }
  raw ??= {};
  const problems: string[] = [];
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const at = i.path.length ? i.path.join('.') : '(top level)';
      const keys = 'keys' in i && Array.isArray(i.keys) ? `: ${i.keys.join(', ')}` : '';
      problems.push(`${at}: ${i.message}${keys}`);
    }
  }
  // Checked on the raw values too, so an expired exception is reported beside any schema error.
  const known = new Set(CHECKS.map((c) => c.meta.id));
  const rawExceptions = (raw as { exceptions?: unknown }).exceptions;
  (Array.isArray(rawExceptions) ? rawExceptions : []).forEach((ex: unknown, n: number) => {
    const e = (ex ?? {}) as { check?: unknown; owner?: unknown; expires?: unknown };
    if (typeof e.check === 'string' && /^[a-z0-9-]+$/.test(e.check) && !known.has(e.check)) {
      problems.push(`exceptions.${n}.check: no check '${e.check}' (see 'entra-auth-audit checks')`);
    }
    if (typeof e.expires === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(e.expires) && Date.parse(`${e.expires}T00:00:00Z`) <= Date.parse(now)) {
      problems.push(`exceptions.${n}.expires: the exception for ${String(e.check)} (owner ${String(e.owner)}) expired on ${e.expires}; renew or remove it`);
    }
  });
  if (parsed.success) {
    for (const id of Object.keys(parsed.data.severities)) {
      if (!known.has(id)) problems.push(`severities.${id}: no check '${id}'`);
    }
  }
  if (problems.length > 0) {
    throw new UsageError(`--config ${path}: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return parsed.data!;
}
