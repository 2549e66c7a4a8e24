/**
 * Finding a Chromium to print with, and whether it runs sandboxed. Kept apart from pdf.ts so that `--no-pdf` runs
 * never load puppeteer.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
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

// ---------------------------------------------------------------------------------------------------------------
// Chromium's sandbox

/** ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX: 1 requires the sandbox, 0 turns it off; unset lets chromiumSandbox decide. */
export const SANDBOX_ENV = 'ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX';

export interface SandboxInputs {
  /** process.getuid(), or null where there is none (Windows) */
  uid: number | null;
  /** unprivileged user namespaces (Chromium's Linux sandbox without its setuid helper); null when unknown */
  userNamespaces: boolean | null;
  /** the value of ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX */
  override?: string;
}

export interface SandboxDecision {
  /** start Chromium with its sandbox (no --no-sandbox) */
  sandbox: boolean;
  /** if the sandboxed start fails for want of a sandbox, start again without it */
  fallback: boolean;
  /** why, for the user (names no path, variable value or secret) */
  reason: string;
}

/**
 * Whether Chromium runs sandboxed. The page it prints is inert (no script, every request aborted), but the sandbox
 * is what contains a bug in its HTML/CSS/SVG engine, so it stays on wherever Chromium can use it:
 * - as root Chromium refuses to start sandboxed ("Running as root without --no-sandbox is not supported",
 *   crbug.com/638180), with or without user namespaces, so root gets --no-sandbox;
 * - any other user starts sandboxed: with unprivileged user namespaces (the usual case) or Chromium's setuid helper
 *   (Google Chrome ships one) when there are none; if that start fails for want of a sandbox (a container whose
 *   seccomp profile forbids namespaces, say), it starts again without one, and says so;
 * - ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX=1 requires the sandbox (a failed start is an error, never a silent retry;
 *   as root it always fails), =0 turns it off.
 */
export function chromiumSandbox(inputs: SandboxInputs): SandboxDecision {
  const override = inputs.override ?? '';
  if (override === '1') return { sandbox: true, fallback: false, reason: `${SANDBOX_ENV}=1 requires the sandbox` };
  if (override === '0') return { sandbox: false, fallback: false, reason: `${SANDBOX_ENV}=0 turns the sandbox off` };
  if (override !== '') {
    throw new UsageError(`${SANDBOX_ENV} must be 0 (no sandbox) or 1 (sandbox required), not ${JSON.stringify(override)}.`);
  }
  if (inputs.uid === 0) {
    return { sandbox: false, fallback: false, reason: 'running as root: Chromium refuses to start sandboxed as root (run as another user to keep the sandbox)' };
  }
  if (inputs.userNamespaces === false) {
    return { sandbox: true, fallback: true, reason: 'no unprivileged user namespaces: sandboxed only if Chromium has its setuid helper' };
  }
  return { sandbox: true, fallback: true, reason: 'sandboxed' };
}

/**
 * Unprivileged user namespaces, from /proc: Debian's kernel.unprivileged_userns_clone switch (when the kernel has
 * it) and user.max_user_namespaces (0 disables them). null when neither file can be read (not Linux).
 */
export function userNamespacesAvailable(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): boolean | null {
  const value = (path: string): number | null => {
    try {
      const n = Number.parseInt(read(path).trim(), 10);
      return Number.isFinite(n) ? n : null;
    } catch {
      return null;
    }
  };
  const clone = value('/proc/sys/kernel/unprivileged_userns_clone');
  const max = value('/proc/sys/user/max_user_namespaces');
  if (clone === 0 || max === 0) return false;
  if (clone === null && max === null) return null;
  return true;
}

/** The decision for this process. */
export function chromiumSandboxHere(): SandboxDecision {
  return chromiumSandbox({
    uid: typeof process.getuid === 'function' ? process.getuid() : null,
    userNamespaces: process.platform === 'linux' ? userNamespacesAvailable() : null,
    override: process.env[SANDBOX_ENV],
  });
}

/**
 * A start that failed because Chromium could not sandbox itself, from the stderr puppeteer quotes: the root
 * refusal, "No usable sandbox!", a misconfigured setuid helper, or namespaces the container forbids.
 */
export function isSandboxLaunchFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return /no-sandbox|No usable sandbox|SUID sandbox|sandbox helper|Failed to move to new namespace|zygote_host/i.test(err.message);
}

export interface SandboxedLaunch<T> {
  browser: T;
  sandboxed: boolean;
  /** why it runs as it does */
  reason: string;
}

/** Starts the browser as `decision` says: sandboxed first where it may be, again without only after a sandbox failure. */
export async function launchWithSandbox<T>(decision: SandboxDecision, launch: (sandbox: boolean) => Promise<T>): Promise<SandboxedLaunch<T>> {
  if (!decision.sandbox) return { browser: await launch(false), sandboxed: false, reason: decision.reason };
  try {
    return { browser: await launch(true), sandboxed: true, reason: decision.reason };
  } catch (err) {
    if (!isSandboxLaunchFailure(err)) throw err;
    if (!decision.fallback) {
      throw new UsageError(
        `Chromium could not start with its sandbox, and ${SANDBOX_ENV}=1 requires it (as root it never can). ` +
          `Run as a user other than root with unprivileged user namespaces, unset ${SANDBOX_ENV}, or pass --no-pdf.`,
      );
    }
    return { browser: await launch(false), sandboxed: false, reason: 'the sandboxed start failed (no usable sandbox here): running without the sandbox' };
  }
}
