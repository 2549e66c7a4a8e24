/**
 * Issue #3 acceptance: a collection killed after page K and resumed gives row files byte-identical to an
 * uninterrupted one; paced to the simulator's throttle, every source completes with no 429.
 * (Timing is measured by scripts/bench.ts and reported in BENCHMARKS.md, not asserted here.)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { BIN, ROOT, runCli } from '../helpers/cli.js';

const TOKEN = 'resume-test-token';
const tenant = createTenant({ seed: 11, users: 6000 });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-resume-'));
});

const collectArgs = (url: string, out: string) => ['collect', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', url, '--out', out];
const ndjsonFiles = async (d: string) => (await readdir(d)).filter((f) => f.endsWith('.ndjson')).sort();

describe('resume after a kill', () => {
  let sim: RunningSimulator;
  afterAll(() => sim?.close());

  it('continues without refetching committed pages and writes identical row files', async () => {
    // The 4th userRegistrationDetails page answers only after 20 s: the process is killed while it waits.
    sim = await startSimulator({
      tenant,
      token: TOKEN,
      defaultPageSize: 100,
      faults: [{ path: 'userRegistrationDetails', nth: 4, times: 1, action: 'slow', delayMs: 20_000 }],
    });
    const killed = join(dir, 'killed');
    const child = spawn(process.execPath, [BIN, ...collectArgs(sim.url, killed), '--concurrency', '1'], {
      cwd: ROOT,
      env: { ...process.env, ENTRA_AUTH_AUDIT_TOKEN: TOKEN },
      stdio: 'ignore',
    });
    // wait until the checkpoint records 3 committed pages of userRegistrationDetails
    const deadline = Date.now() + 30_000;
    for (;;) {
      const cp = existsSync(join(killed, 'checkpoint.json')) ? JSON.parse(await readFile(join(killed, 'checkpoint.json'), 'utf8').catch(() => '{}')) : {};
      if (cp.sources?.userRegistrationDetails?.pages === 3) break;
      if (Date.now() > deadline) throw new Error('the collection never reached page 3');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(join(killed, 'manifest.json'))).toBe(false);
    const before = sim.stats.byRoute.userRegistrationDetails ?? 0;

    const resumed = await runCli(['collect', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', sim.url, '--resume', killed], {
      ENTRA_AUTH_AUDIT_TOKEN: TOKEN,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    // 6000 rows at $top=999: 7 pages, 3 committed before the kill (the slow 4th was never committed) → 4 fetched
    expect((sim.stats.byRoute.userRegistrationDetails ?? 0) - before).toBe(4);
    expect(existsSync(join(killed, 'checkpoint.json'))).toBe(false);

    const clean = join(dir, 'clean');
    const full = await runCli(collectArgs(sim.url, clean), { ENTRA_AUTH_AUDIT_TOKEN: TOKEN });
    expect(full.code, full.stderr).toBe(0);
    const files = await ndjsonFiles(clean);
    expect(await ndjsonFiles(killed)).toEqual(files);
    for (const f of files) expect(await readFile(join(killed, f)), f).toEqual(await readFile(join(clean, f)));
    const m1 = JSON.parse(await readFile(join(killed, 'manifest.json'), 'utf8'));
    const m2 = JSON.parse(await readFile(join(clean, 'manifest.json'), 'utf8'));
    const hashes = (m: { sources: { id: string; sha256: string; records: number }[] }) => m.sources.map((s) => [s.id, s.sha256, s.records]);
    expect(hashes(m1)).toEqual(hashes(m2));
  });

  it('refuses --resume where there is nothing to resume, and never overwrites a snapshot', async () => {
    const nothing = await runCli(['collect', '--tenant', 't', '--auth', 'token', '--graph-url', 'http://127.0.0.1:9', '--resume', join(dir, 'nope')], {
      ENTRA_AUTH_AUDIT_TOKEN: TOKEN,
    });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('no readable checkpoint.json');
    const again = await runCli(collectArgs(sim.url, join(dir, 'clean')), { ENTRA_AUTH_AUDIT_TOKEN: TOKEN });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds a complete snapshot');
  });
});

describe('pacing to the throttle', () => {
  it('completes every source with zero 429s against a 5 requests / 0.1 s budget', async () => {
    const sim = await startSimulator({ tenant, token: TOKEN, rateLimit: { requests: 5, windowMs: 100 } });
    try {
      const out = join(dir, 'paced');
      const res = await runCli([...collectArgs(sim.url, out), '--rate', '5/0.1'], { ENTRA_AUTH_AUDIT_TOKEN: TOKEN });
      expect(res.code, res.stderr).toBe(0);
      expect(sim.stats.byStatus['429'] ?? 0).toBe(0);
      const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
      for (const s of manifest.sources) expect(['ok', 'retired'], s.id).toContain(s.status);
    } finally {
      await sim.close();
    }
  });
});
