/**
 * run --tenants with PDFs (issue #16): one Chromium, started with the first PDF, prints every tenant's pack, each in
 * a browser context of its own, and is closed when the run ends; if it dies under a pack, a new one prints that pack
 * again and the packs after it. In process (runTenants), so that the launches can be counted; three small tenants
 * served by one simulator.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTenants, type MultiTenantOptions } from '../../src/cli/multi-tenant.js';
import { EXIT } from '../../src/errors.js';
import { launchBrowser, readPdfLayout, type LaunchedBrowser } from '../../src/render/pdf.js';
import { startSimulator, tenantUrl, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { hasBrowser } from '../helpers/browser.js';

const POPPLER = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const TOKEN = 'tok-multi-pdf';
const tenants = [51, 52, 53].map((seed) => createTenant({ seed, users: 40 }));
const NAMES = ['Alpha', 'Bravo', 'Charlie'];
let sim: RunningSimulator;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-multi-pdf-'));
  sim = await startSimulator({ tenant: tenants[0]!, tenants, token: TOKEN });
  const lines = tenants.map((t, i) => `  - { id: ${t.tenantId}, name: ${NAMES[i]}, auth: token, graphUrl: "${tenantUrl(sim.url, t.tenantId)}" }`);
  await writeFile(join(dir, 'tenants.yaml'), `tenants:\n${lines.join('\n')}\n`);
  await writeFile(join(dir, 'two-tenants.yaml'), `tenants:\n${lines.slice(0, 2).join('\n')}\n`);
});
afterAll(async () => {
  await sim?.close();
});

interface Watched {
  launch: NonNullable<MultiTenantOptions['launchBrowser']>;
  launched: LaunchedBrowser[];
  /** every browser context a pack was printed in, in order of creation */
  contexts: BrowserContext[];
}

/**
 * launchBrowser, counting launches and the contexts opened in each browser; `sabotage(n)` runs before each print in
 * the n-th context of the run (0-based: the n-th pack printed) and may kill the browser.
 */
function watchedLauncher(sabotage?: (context: number, browser: LaunchedBrowser) => Promise<void>): Watched {
  const w: Watched = { launched: [], contexts: [], launch: async () => undefined as never };
  w.launch = async (path) => {
    const l = await launchBrowser(path);
    w.launched.push(l);
    const create = l.browser.createBrowserContext.bind(l.browser);
    l.browser.createBrowserContext = async (...args) => {
      const context = await create(...args);
      const n = w.contexts.push(context) - 1;
      const newPage = context.newPage.bind(context);
      context.newPage = async (...pageArgs) => {
        const page = await newPage(...pageArgs);
        const pdf = page.pdf.bind(page);
        page.pdf = async (...pdfArgs) => {
          await sabotage?.(n, l);
          return pdf(...pdfArgs);
        };
        return page;
      };
      return context;
    };
    return l;
  };
  return w;
}

function options(out: string, launch: Watched['launch'], parallel: number, tenantsFile = 'tenants.yaml'): MultiTenantOptions {
  return {
    tenantsFile: join(dir, tenantsFile),
    out,
    parallel,
    base: { auth: 'token', cloud: 'global', env: { ...process.env, ENTRA_AUTH_AUDIT_TOKEN: TOKEN } },
    render: { pdf: true },
    allowPartial: false,
    launchBrowser: launch,
  };
}

function quietLog(): { info: (l: string) => void; warn: (l: string) => void; out: (l: string) => void; warnings: string[] } {
  const warnings: string[] = [];
  return { info: () => undefined, warn: (l) => warnings.push(l), out: () => undefined, warnings };
}

/** Each tenant's audit.pdf is a PDF of its own pack: its tenant id in the text, no other tenant's. */
async function expectOwnPdfs(out: string, count = tenants.length): Promise<void> {
  for (const [i, t] of tenants.slice(0, count).entries()) {
    const path = join(out, NAMES[i]!, 'audit.pdf');
    const pdf = await readFile(path);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(readPdfLayout(pdf).pageCount).toBeGreaterThanOrEqual(10);
    const manifest = JSON.parse(await readFile(join(out, NAMES[i]!, 'pack-manifest.json'), 'utf8')) as { files: { path: string }[] };
    expect(manifest.files.map((f) => f.path)).toContain('audit.pdf');
    if (POPPLER) {
      const text = execFileSync('pdftotext', ['-enc', 'UTF-8', path, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(text, NAMES[i]).toContain(t.tenantId);
      for (const other of tenants) if (other !== t) expect(text, NAMES[i]).not.toContain(other.tenantId);
    }
  }
}

describe.skipIf(!hasBrowser())('run --tenants with PDFs', () => {
  it('prints every pack with one Chromium, each in a browser context of its own, and closes it when the run ends', async () => {
    const out = join(dir, 'one-browser');
    const watched = watchedLauncher();
    const log = quietLog();
    const code = await runTenants(options(out, watched.launch, 2), log);
    expect([EXIT.ok, EXIT.findings]).toContain(code);
    expect(log.warnings).toEqual([]);
    expect(watched.launched).toHaveLength(1);
    // one context per pack, each closed when its pack was printed
    expect(watched.contexts).toHaveLength(tenants.length);
    expect(new Set(watched.contexts).size).toBe(tenants.length);
    expect(watched.contexts.every((c) => c.closed)).toBe(true);
    await expectOwnPdfs(out);
    // closed at the end: disconnected, its process gone, its throwaway profile removed
    const browser = watched.launched[0]!.browser;
    expect(browser.connected).toBe(false);
    const proc = browser.process()!;
    expect(proc.exitCode !== null || proc.signalCode !== null).toBe(true);
    const profile = proc.spawnargs.find((a) => a.startsWith('--user-data-dir='))!.slice('--user-data-dir='.length);
    expect(existsSync(profile)).toBe(false);
    expect(existsSync(join(out, 'portfolio', 'index.html'))).toBe(true);
  });

  it('launches Chromium again when it dies under a pack, and prints that pack again', async () => {
    const out = join(dir, 'relaunch');
    // the first browser is killed as the second pack (Bravo: one tenant collected at a time, in file order) prints
    const watched = watchedLauncher(async (context, l) => {
      if (context !== 1 || !l.browser.connected) return;
      const gone = new Promise<void>((resolve) => l.browser.once('disconnected', () => resolve()));
      l.browser.process()!.kill('SIGKILL');
      await gone;
    });
    const log = quietLog();
    const code = await runTenants(options(out, watched.launch, 1, 'two-tenants.yaml'), log);
    expect([EXIT.ok, EXIT.findings]).toContain(code);
    expect(watched.launched).toHaveLength(2);
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(/^\[Bravo\] Chromium exited while printing the PDF \(.*\); printing it again with a new browser$/);
    // Bravo's second attempt ran in a third context, on the new browser
    expect(watched.contexts).toHaveLength(3);
    await expectOwnPdfs(out, 2);
    expect(watched.launched.map((l) => l.browser.connected)).toEqual([false, false]);
  });
});
