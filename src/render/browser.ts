/**
 * Finding a Chromium to print with. Kept apart from pdf.ts so that `--no-pdf` runs never load puppeteer.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError } from '../errors.js';

export const NO_BROWSER_MESSAGE =
  'No Chromium found for PDF output. Install it (Debian/Ubuntu: apt-get install -y chromium fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji), set PUPPETEER_EXECUTABLE_PATH, or pass --no-pdf.';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * The browser to print with: `explicit`, then PUPPETEER_EXECUTABLE_PATH, /usr/bin/chromium,
 * /usr/bin/chromium-browser, google-chrome (or google-chrome-stable) on PATH. An explicit path or variable that
 * does not point to an executable is an error rather than silently replaced by another browser.
 */
export function findBrowser(explicit?: string): string {
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new UsageError(`Browser not found or not executable: ${explicit}. ${NO_BROWSER_MESSAGE}`);
  }
  const fromEnv = process.env.PUPPETEER_EXECUTABLE_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new UsageError(`PUPPETEER_EXECUTABLE_PATH is not an executable: ${fromEnv}. ${NO_BROWSER_MESSAGE}`);
  }
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (isExecutable(candidate)) return candidate;
  }
  const chrome = onPath('google-chrome') ?? onPath('google-chrome-stable');
  if (chrome) return chrome;
  throw new UsageError(NO_BROWSER_MESSAGE);
}
