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
  } else {
    const known = new Set(CHECKS.map((c) => c.meta.id));
    parsed.data.exceptions.forEach((ex, n) => {
      if (!known.has(ex.check)) problems.push(`exceptions.${n}.check: no check '${ex.check}' (see 'entra-auth-audit checks')`);
      if (Date.parse(`${ex.expires}T00:00:00Z`) <= Date.parse(now)) {
        problems.push(`exceptions.${n}.expires: the exception for ${ex.check} (owner ${ex.owner}) expired on ${ex.expires}; renew or remove it`);
      }
    });
    for (const id of Object.keys(parsed.data.severities)) {
      if (!known.has(id)) problems.push(`severities.${id}: no check '${id}'`);
    }
  }
  if (problems.length > 0) {
    throw new UsageError(`--config ${path}: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return parsed.data!;
}
