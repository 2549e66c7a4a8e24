import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
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

export async function loadConfig(path: string | undefined): Promise<LoadedConfig> {
  if (!path) return defaultConfig();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--config ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config ${path}: not valid JSON (${(e as Error).message}).`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const at = i.path.length ? i.path.join('.') : '(top level)';
      const keys = 'keys' in i && Array.isArray(i.keys) ? ` ${i.keys.join(', ')}` : '';
      return `  ${at}: ${i.message}${keys}`;
    });
    throw new UsageError(`--config ${path}: invalid configuration:\n${lines.join('\n')}`);
  }
  return { config: parsed.data, baseDir: dirname(resolve(path)), path };
}
