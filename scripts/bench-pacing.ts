/**
 * npm run bench:pacing [-- --users 1000 --runs 3] — the paced wall time of one small tenant with one request budget
 * for every source (as 0.1.0 paced them) and with the role and group sources paced by their own budget (issue #13
 * §3). Graph's budgets run 100× faster: reports 5 / 0.1 s, directory 50 / 0.1 s, enforced by the simulator.
 * Prints numbers; asserts nothing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/version.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const USERS = opt('--users', 1000);
const RUNS = opt('--runs', 3);
const BIN = join(PROJECT_ROOT, 'bin', 'entra-auth-audit.js');
const STAGE = join(PROJECT_ROOT, '.bench-build', 'scripts', 'bench-stage.js');
execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', join(PROJECT_ROOT, 'tsconfig.bench.json')], { stdio: 'inherit' });

type Json = Record<string, number | string | string[]>;
const run = (cmd: string[], onLine?: (s: string) => boolean) =>
  new Promise<{ out: string; kill: () => void }>((resolve, reject) => {
    const p = spawn(process.execPath, cmd, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (onLine?.(out)) resolve({ out, kill: () => p.kill() });
    });
    p.on('close', (code) => (code === 0 ? resolve({ out, kill: () => undefined }) : reject(new Error(`${cmd[1]} exited ${code}`))));
  });

const sim = await run([BIN, 'simulate', '--users', String(USERS), '--port', '0', '--token', 'bench-token', '--throttle', '5/0.1', '--directory-throttle', '50/0.1'], (o) =>
  /listening on http/.test(o),
);
const url = /listening on (http:\/\/[\d.:]+)/.exec(sim.out)![1]!;
const results: Record<'shared' | 'apart', Json[]> = { shared: [], apart: [] };
for (let i = 0; i < RUNS; i++) {
  for (const mode of ['shared', 'apart'] as const) {
    const work = mkdtempSync(join(tmpdir(), 'eaa-pacing-'));
    const { out } = await run([STAGE, 'collect', url, join(work, 'snap'), '5/0.1', mode === 'shared' ? 'shared' : '50/0.1']);
    results[mode].push(JSON.parse(out.trim().split('\n').pop()!) as Json);
    rmSync(work, { recursive: true, force: true });
  }
}
sim.kill();

const fmt = (n: number, d = 2) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
process.stdout.write(`${USERS.toLocaleString('en-US')} users, ${RUNS} runs each; budgets 5/0.1 s (reports) and 50/0.1 s (directory)\n`);
for (const mode of ['shared', 'apart'] as const) {
  const r = results[mode];
  const walls = r.map((x) => Number(x.wallMs) / 1000);
  const req = Number(r[0]!.requests);
  const dir = Number(r[0]!.directoryRequests);
  const floor = mode === 'shared' ? (req / 5) * 0.1 : Math.max((req - dir) / 5, dir / 50) * 0.1;
  // At Graph's real budgets (100× slower windows) the wall is the floor scaled by 100, plus the network.
  process.stdout.write(
    `${mode === 'shared' ? 'one budget for every source' : 'directory paced apart      '}: wall ${walls.map((w) => fmt(w)).join(' / ')} s · ` +
      `${req} requests (${dir} directory) · floor ${fmt(floor)} s · 429s ${r.map((x) => x.status429).join('/')} · at Graph's budgets ≥ ${fmt(floor * 100, 0)} s\n`,
  );
}
