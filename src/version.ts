import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** Project root (holds package.json, templates/, styles/), whether run from src/ with tsx or from dist/. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'entra-auth-audit') return dir;
    } catch {
      // not here: look one folder up
    }
    dir = dirname(dir);
  }
  throw new Error('entra-auth-audit: cannot find its own package.json');
}

export const PROJECT_ROOT = findRoot();
export const TOOL_NAME = 'entra-auth-audit';
export const TOOL_VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;
