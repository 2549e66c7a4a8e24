/**
 * npm run bench:tenants [-- --tenants 50 --users 1000 --scales 100,10 --variants no-pdf,pdf --runs 1 --parallel 2]
 *
 * `run --tenants` over many simulated tenants, paced, against the floor set by Graph's budgets (graph-api.md §C.2):
 * 5 report requests / 10 s per app and tenant, 122 / 10 s per app across tenants. The budgets are scaled: at scale
 * 100 the window is 0.1 s (5/0.1, 122/0.1), at scale 10 it is 1 s. One simulator (in this process) serves every
 * tenant under /tenants/{id} and enforces both budgets, the tenant's and the app's, with 429 + Retry-After, so a 429
 * is a pacing bug of the collector, never a guess; the CLI runs compiled (.bench-build) in its own process with the
 * same budgets.
 *
 * For each run: the wall time of the whole command (node start to exit), the collection (the command's own
 * "collection … ended after" line: start of the first tenant's collection to the end of the last one) and the
 * simulator's span (first to last request it saw); report requests; the floor = max(report requests ÷ 122,
 * the busiest tenant's report requests ÷ 5) × window; ratios to it; 429s (by the limit that gave them); tenants
 * audited; the CPU of the CLI with its Chromium and of the simulator; and, from the run's own log, how many tenants
 * finished collecting and how many packs were written in each window. Prints numbers; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startSimulator, tenantUrl } from '../src/simulator/server.js';
import { createTenant, type SimTenant } from '../src/simulator/tenant.js';
import { PROJECT_ROOT } from '../src/version.js';
import { BENCH_BUILD, buildForBench, loadAverage, processTreeCpuMs } from './bench-build.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => (args.includes(name) ? (args[args.indexOf(name) + 1] ?? fallback) : fallback);
const TENANTS = Number(opt('--tenants', '50'));
const USERS = Number(opt('--users', '1000'));
const SCALES = opt('--scales', '100,10').split(',').map(Number);
const VARIANTS = opt('--variants', 'no-pdf,pdf').split(',') as ('no-pdf' | 'pdf')[];
const RUNS = Number(opt('--runs', '1'));
const PARALLEL = opt('--parallel', '2');
/** print the report requests the simulator admitted in each window of the run (where the budget went unused) */
const TRACE = args.includes('--trace');
const EXTRA = args.includes('--') ? args.slice(args.indexOf('--') + 1) : [];
/** BENCH_LOG=PREFIX keeps each run's CLI log as PREFIX.SCALE.VARIANT.RUN.log */
const LOG_PREFIX = process.env.BENCH_LOG;
/** flags for the CLI's node (not this process's), e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/p' to profile it */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const APP = { requests: 122, seconds: 10 };
const TENANT = { requests: 5, seconds: 10 };
const DIRECTORY = { requests: 50, seconds: 10 };

const MAIN = join(BENCH_BUILD, 'src', 'cli', 'main.js');
buildForBench(MAIN);

const log = (s: string) => process.stderr.write(`${s}\n`);
const fmt = (n: number, d = 2) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** 50 tenants of 1,000 users take ~1 s to build; built once, served fresh (new windows, new counts) for every run. */
const t0 = performance.now();
const asOf = new Date().toISOString();
const tenants: SimTenant[] = Array.from({ length: TENANTS }, (_, i) => {
  const t = createTenant({ seed: 1 + i, users: USERS, asOf });
  // precomputed as `simulate` does, so no request waits for a first summary computation
  t.featureSummary('all', 'all');
  t.credentialUserRegistrationCount();
  t.registrationActivity('d30');
  t.roleAssignments();
  t.roleEligibilities();
  return t;
});
log(`${TENANTS} tenants of ${USERS} users built in ${fmt((performance.now() - t0) / 1000)} s`);

interface Row {
  scale: number;
  variant: string;
  load: string;
  wallS: number;
  collectS: number;
  spanS: number;
  reports: number;
  directory: number;
  floorS: number;
  throttled: { tenant: number; directory: number; app: number };
  audited: number;
  /** CPU seconds of the CLI with its Chromium, and of the simulator (this process) */
  cliCpuS: number;
  simCpuS: number;
  portfolio: boolean;
  code: number | null;
}
const rows: Row[] = [];

/** CPU seconds of `root` and every process under it, alive or waited for (bench-build.ts processTreeCpuMs). */
const treeCpuS = (root: number) => processTreeCpuMs(root, true) / 1000;

for (const scale of SCALES) {
  const w = (s: number) => s / scale; // a window of Graph's, scaled
  const rate = (b: { requests: number; seconds: number }) => `${b.requests}/${w(b.seconds)}`;
  for (let run = 0; run < RUNS; run++) {
    for (const variant of VARIANTS) {
      const sim = await startSimulator({
        tenant: tenants[0]!,
        tenants,
        token: 'bench-token',
        rateLimit: { requests: TENANT.requests, windowMs: w(TENANT.seconds) * 1000 },
        directoryRateLimit: { requests: DIRECTORY.requests, windowMs: w(DIRECTORY.seconds) * 1000 },
        appRateLimit: { requests: APP.requests, windowMs: w(APP.seconds) * 1000 },
      });
      const work = mkdtempSync(join(tmpdir(), 'eaa-bench-tenants-'));
      const file = join(work, 'tenants.yaml');
      writeFileSync(file, `tenants:\n${tenants.map((t, i) => `  - { id: ${t.tenantId}, name: t${String(i + 1).padStart(3, '0')}, graphUrl: "${tenantUrl(sim.url, t.tenantId)}" }`).join('\n')}\n`);
      const loadBefore = loadAverage();
      const cli = [
        ...NODE_ARGS, MAIN, 'run', '--tenants', file, '--out', join(work, 'out'), '--auth', 'token',
        '--rate', rate(TENANT), '--directory-rate', rate(DIRECTORY), '--app-rate', rate(APP),
        '--parallel', PARALLEL, ...(variant === 'no-pdf' ? ['--no-pdf'] : []), ...EXTRA,
      ];
      log(`== scale ${scale} (window ${w(10)} s), ${variant}, run ${run + 1}; load ${loadBefore}`);
      const started = performance.now();
      const cpu0 = process.cpuUsage();
      let cliCpuS = NaN;
      const perWindow: number[] = [];
      let lastCount = 0;
      const sampler = setInterval(() => {
        const n = Object.values(sim.stats.reportsByTenant).reduce((a, b) => a + b, 0);
        perWindow.push(n - lastCount);
        lastCount = n;
      }, w(10) * 1000);
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, cli, { cwd: PROJECT_ROOT, env: { ...process.env, ENTRA_AUTH_AUDIT_TOKEN: 'bench-token' }, stdio: ['ignore', 'ignore', 'pipe'] });
        // the most any sample saw (at most half a second short): a Chromium process that ends without being waited
        // for takes its time with it, so a sample after the browser closed can be lower than one before
        const cpuSampler = setInterval(() => {
          const now = treeCpuS(p.pid ?? -1);
          if (now > 0 && !(now <= cliCpuS)) cliCpuS = now;
        }, 500);
        p.on('close', () => clearInterval(cpuSampler));
        let err = '';
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('close', (c) => resolve({ code: c, stderr: err }));
      });
      const wallS = (performance.now() - started) / 1000;
      // CPU of this process meanwhile: the simulator (the CLI's, with its Chromium, was sampled above)
      const simCpu = process.cpuUsage(cpu0);
      const simCpuS = (simCpu.user + simCpu.system) / 1e6;
      clearInterval(sampler);
      if (TRACE) log(`report requests admitted per ${w(10)} s window: ${perWindow.join(' ')}`);
      // the CLI's own log (when each tenant's collection ended and its pack was written, to the tenth of a second)
      if (LOG_PREFIX) writeFileSync(`${LOG_PREFIX}.${scale}.${variant}.${run + 1}.log`, stderr);
      await sim.close();
      const st = sim.stats;
      const reportsByTenant = Object.values(st.reportsByTenant);
      const refusedReports = st.throttled.tenant + st.throttled.app;
      const reports = reportsByTenant.reduce((a, b) => a + b, 0) - refusedReports;
      const directory = st.requests - reportsByTenant.reduce((a, b) => a + b, 0) - st.throttled.directory;
      const floorS = Math.max(reports / APP.requests, Math.max(...reportsByTenant) / TENANT.requests) * w(APP.seconds);
      const collectS = Number(/collection of \d+ tenants ended after ([\d.]+) s/.exec(stderr)?.[1] ?? NaN);
      // when each tenant's collection ended and its pack was written (the run's own log lines), per window
      const ends = (what: string) => [...stderr.matchAll(new RegExp(`\\] ${what}, ([\\d.]+) s after the run started`, 'g'))].map((m) => Number(m[1]));
      const countPerWindow = (times: number[]) => {
        const counts = new Array<number>(Math.ceil(Math.max(0, ...times) / w(10) + 1e-9)).fill(0);
        for (const t of times) counts[Math.min(counts.length - 1, Math.floor(t / w(10)))]!++;
        return counts.join(' ');
      };
      const collected = ends('collected');
      const written = ends('pack written');
      if (collected.length > 0) log(`tenants collected per ${w(10)} s window: ${countPerWindow(collected)}`);
      if (written.length > 0) log(`packs written per ${w(10)} s window:     ${countPerWindow(written)}; last collected ${fmt(Math.max(...collected))} s, last pack ${fmt(Math.max(...written))} s`);
      const audited = tenants.filter((_, i) => existsSync(join(work, 'out', `t${String(i + 1).padStart(3, '0')}`, 'results.json'))).length;
      const row: Row = {
        scale,
        variant,
        load: loadBefore,
        wallS,
        collectS,
        spanS: ((st.lastRequestAt ?? 0) - (st.firstRequestAt ?? 0)) / 1000,
        reports,
        directory,
        floorS,
        throttled: { ...st.throttled },
        audited,
        cliCpuS,
        simCpuS,
        portfolio: existsSync(join(work, 'out', 'portfolio', 'index.html')),
        code,
      };
      rows.push(row);
      log(JSON.stringify(row));
      if (code !== 0 && code !== 3) log(stderr.split('\n').filter((l) => /warn|error|not audited/i.test(l)).slice(0, 10).join('\n'));
      rmSync(work, { recursive: true, force: true });
    }
  }
}

const out: string[] = [];
out.push(
  `run --tenants: ${TENANTS} simulated tenants × ${fmt(USERS, 0)} users, --parallel ${PARALLEL}${EXTRA.length ? ` ${EXTRA.join(' ')}` : ''}; ` +
    `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
);
out.push(`budgets scaled from Graph's: per app ${APP.requests} / ${APP.seconds} s, per tenant ${TENANT.requests} / ${TENANT.seconds} s (reports), directory ${DIRECTORY.requests} / ${DIRECTORY.seconds} s per tenant`);
out.push('');
out.push('| scale (window) | variant | load before | wall | collection | sim span | report req. | floor | wall ÷ floor | collection ÷ floor | 429s (tenant/app/dir) | audited | portfolio | CPU: CLI + Chromium / simulator |');
out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const t = r.throttled;
  out.push(
    `| ${r.scale}× (${fmt(10 / r.scale, 1)} s) | ${r.variant} | ${r.load} | ${fmt(r.wallS)} s | ${fmt(r.collectS)} s | ${fmt(r.spanS)} s | ${fmt(r.reports, 0)} (+${fmt(r.directory, 0)} dir.) | ` +
      `${fmt(r.floorS)} s | ${fmt(r.wallS / r.floorS, 3)} | ${fmt(r.collectS / r.floorS, 3)} | ${t.tenant + t.app + t.directory} (${t.tenant}/${t.app}/${t.directory}) | ${r.audited}/${TENANTS} | ${r.portfolio ? 'yes' : 'no'} | ${fmt(r.cliCpuS, 1)} s / ${fmt(r.simCpuS, 1)} s |`,
  );
}
process.stdout.write(`${out.join('\n')}\n`);
