/**
 * Issue #13 §3: Chromium keeps its sandbox wherever the platform allows it. The decision is one pure function of
 * the user id, whether unprivileged user namespaces are available and ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX; the real
 * behaviour it encodes (Chromium refuses a sandboxed start as root; a sandboxed start that fails is retried without
 * the sandbox unless the sandbox was required) is checked against the installed Chromium where there is one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer';
import { describe, expect, it } from 'vitest';
import { chromiumSandbox, findBrowser, isSandboxLaunchFailure, launchWithSandbox, userNamespacesAvailable } from '../../src/render/browser.js';
import { CHROMIUM_ARGS, chromiumArgs, PdfSession } from '../../src/render/pdf.js';
import { hasBrowser } from '../helpers/browser.js';

describe('chromiumSandbox', () => {
  it('keeps the sandbox for a non-root user, with the no-sandbox retry if the sandboxed start fails', () => {
    expect(chromiumSandbox({ uid: 1000, userNamespaces: true })).toMatchObject({ sandbox: true, fallback: true });
    // no user namespaces: Chromium may still have its setuid helper (Google Chrome ships one), so try first
    expect(chromiumSandbox({ uid: 1000, userNamespaces: false })).toMatchObject({ sandbox: true, fallback: true });
    expect(chromiumSandbox({ uid: 1000, userNamespaces: null })).toMatchObject({ sandbox: true, fallback: true });
    // Windows and macOS have no getuid to ask, and their sandboxes need no privilege
    expect(chromiumSandbox({ uid: null, userNamespaces: null })).toMatchObject({ sandbox: true, fallback: true });
  });

  it('runs without the sandbox as root, where Chromium refuses to start sandboxed, user namespaces or not', () => {
    for (const userNamespaces of [true, false, null]) {
      const d = chromiumSandbox({ uid: 0, userNamespaces });
      expect(d).toMatchObject({ sandbox: false, fallback: false });
      expect(d.reason).toMatch(/root/);
    }
  });

  it('obeys ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX: 1 requires the sandbox (no retry), 0 turns it off', () => {
    expect(chromiumSandbox({ uid: 0, userNamespaces: true, override: '1' })).toMatchObject({ sandbox: true, fallback: false });
    expect(chromiumSandbox({ uid: 1000, userNamespaces: true, override: '1' })).toMatchObject({ sandbox: true, fallback: false });
    expect(chromiumSandbox({ uid: 1000, userNamespaces: true, override: '0' })).toMatchObject({ sandbox: false, fallback: false });
    expect(chromiumSandbox({ uid: 1000, userNamespaces: true, override: '' })).toMatchObject({ sandbox: true, fallback: true });
    expect(() => chromiumSandbox({ uid: 1000, userNamespaces: true, override: 'yes' })).toThrow(
      'ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX must be 0 (no sandbox) or 1 (sandbox required), not "yes".',
    );
  });
});

describe('userNamespacesAvailable', () => {
  const read = (files: Record<string, string>) => (path: string) => {
    if (path in files) return files[path]!;
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  };
  it('reads the Debian switch and the namespace limit; unknown when neither file exists', () => {
    expect(userNamespacesAvailable(read({ '/proc/sys/user/max_user_namespaces': '96367\n' }))).toBe(true);
    expect(userNamespacesAvailable(read({ '/proc/sys/user/max_user_namespaces': '0\n' }))).toBe(false);
    expect(userNamespacesAvailable(read({ '/proc/sys/kernel/unprivileged_userns_clone': '0\n', '/proc/sys/user/max_user_namespaces': '96367\n' }))).toBe(false);
    expect(userNamespacesAvailable(read({ '/proc/sys/kernel/unprivileged_userns_clone': '1\n', '/proc/sys/user/max_user_namespaces': '96367\n' }))).toBe(true);
    expect(userNamespacesAvailable(read({}))).toBeNull();
  });
});

describe('the launch arguments', () => {
  it('carry --no-sandbox only when the decision says so', () => {
    expect(CHROMIUM_ARGS).not.toContain('--no-sandbox');
    expect(chromiumArgs(true)).toEqual(CHROMIUM_ARGS);
    expect(chromiumArgs(false)).toEqual(['--no-sandbox', ...CHROMIUM_ARGS]);
  });

  it('recognises a start that failed for want of a sandbox', () => {
    expect(isSandboxLaunchFailure(new Error('Failed to launch the browser process!\nRunning as root without --no-sandbox is not supported. See https://crbug.com/638180.'))).toBe(true);
    expect(isSandboxLaunchFailure(new Error('Failed to launch the browser process!\n[FATAL:zygote_host_impl_linux.cc] No usable sandbox!'))).toBe(true);
    expect(isSandboxLaunchFailure(new Error('Failed to launch the browser process!\nFailed to move to new namespace: PID namespaces supported, Network namespace supported, but failed: errno = Operation not permitted'))).toBe(true);
    expect(isSandboxLaunchFailure(new Error('Timed out after 60000 ms while waiting for the WS endpoint URL to appear in stdout!'))).toBe(false);
    expect(isSandboxLaunchFailure('not an error')).toBe(false);
  });
});

describe('launchWithSandbox', () => {
  const SANDBOX_ERROR = new Error('Failed to launch the browser process!\nNo usable sandbox!');
  const launcher = (fails: (sandbox: boolean) => Error | null) => {
    const calls: boolean[] = [];
    const launch = async (sandbox: boolean) => {
      calls.push(sandbox);
      const e = fails(sandbox);
      if (e) throw e;
      return 'browser';
    };
    return { calls, launch };
  };

  it('starts once, sandboxed, when that works', async () => {
    const { calls, launch } = launcher(() => null);
    await expect(launchWithSandbox({ sandbox: true, fallback: true, reason: 'r' }, launch)).resolves.toMatchObject({ browser: 'browser', sandboxed: true });
    expect(calls).toEqual([true]);
  });

  it('retries without the sandbox only after a sandbox failure, and says so', async () => {
    const { calls, launch } = launcher((s) => (s ? SANDBOX_ERROR : null));
    const r = await launchWithSandbox({ sandbox: true, fallback: true, reason: 'r' }, launch);
    expect(r).toMatchObject({ browser: 'browser', sandboxed: false });
    expect(r.reason).toMatch(/sandboxed start failed/);
    expect(calls).toEqual([true, false]);
    // any other failure is not a reason to drop the sandbox
    const other = launcher(() => new Error('Timed out after 60000 ms'));
    await expect(launchWithSandbox({ sandbox: true, fallback: true, reason: 'r' }, other.launch)).rejects.toThrow(/Timed out/);
    expect(other.calls).toEqual([true]);
  });

  it('never retries when the sandbox is required', async () => {
    const { calls, launch } = launcher((s) => (s ? SANDBOX_ERROR : null));
    await expect(launchWithSandbox({ sandbox: true, fallback: false, reason: 'r' }, launch)).rejects.toThrow(/ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX=1/);
    expect(calls).toEqual([true]);
  });
});

const ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

describe.skipIf(!hasBrowser() || !ROOT)('the installed Chromium, as root', () => {
  it('refuses to start sandboxed, with a failure isSandboxLaunchFailure recognises', async () => {
    const userDataDir = await mkdtemp(join(tmpdir(), 'eaa-sandbox-probe-'));
    try {
      const err = await puppeteer
        .launch({ executablePath: findBrowser(), headless: true, userDataDir, args: chromiumArgs(true), timeout: 30_000 })
        .then(async (b) => {
          await b.close();
          return null;
        })
        .catch((e: unknown) => e);
      expect(err).not.toBeNull();
      expect(isSandboxLaunchFailure(err)).toBe(true);
    } finally {
      await rm(userDataDir, { recursive: true, force: true });
    }
  });

  it('starts without the sandbox after the sandboxed start failed, when the rule allows the retry', async () => {
    const userDataDir = await mkdtemp(join(tmpdir(), 'eaa-sandbox-probe-'));
    try {
      const r = await launchWithSandbox({ sandbox: true, fallback: true, reason: 'test' }, (sandbox) =>
        puppeteer.launch({ executablePath: findBrowser(), headless: true, userDataDir, args: chromiumArgs(sandbox), timeout: 30_000 }),
      );
      expect(r.sandboxed).toBe(false);
      await r.browser.close();
    } finally {
      await rm(userDataDir, { recursive: true, force: true });
    }
  });

  it('PdfSession says it runs without the sandbox, and why', async () => {
    const session = await PdfSession.open({ organisation: 'probe' });
    try {
      expect(session.sandbox).toMatchObject({ sandboxed: false });
      expect(session.sandbox.reason).toMatch(/root/);
    } finally {
      await session.close();
    }
  });

  it('with ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX=1 fails rather than dropping the sandbox', async () => {
    const before = process.env.ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX;
    process.env.ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX = '1';
    try {
      await expect(PdfSession.open({ organisation: 'probe' })).rejects.toThrow(/sandbox/i);
    } finally {
      if (before === undefined) delete process.env.ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX;
      else process.env.ENTRA_AUTH_AUDIT_CHROMIUM_SANDBOX = before;
    }
  });
});
