/**
 * npm run bench [-- --sizes 1000,10000 --out FILE --naive-max USERS] — measures collect, analyze, render and a naive baseline at each
 * size, where the time goes (each stage's share) and how time and memory grow between sizes (growth exponents).
 * Writes the generated section to output/bench/BENCHMARKS-<date>.md (or --out FILE) and prints it; BENCHMARKS.md
 * itself is a hand-kept history and is never written here. A script that prints numbers, not a test: nothing here
 * asserts a time.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../src/version.js';
import { BENCH_BUILD, buildForBench, loadAverage } from './bench-build.js';

const args = process.argv.slice(2);
const sizeArg = args[args.indexOf('--sizes') + 1];
const SIZES = args.includes('--sizes') && sizeArg ? sizeArg.split(',').map(Number) : [1_000, 10_000, 100_000, 1_000_000];
const NAIVE_HEAP_MB = 16_384;
/**
 * The naive baseline holds every row in one array and one HTML string: ~1.9 GB of RSS at 1,000,000 users, growing
 * linearly, so above this size it would need more than its 16 GB heap (and the machine's memory): not run.
 */
const NAIVE_MAX_USERS = args.includes('--naive-max') ? Number(args[args.indexOf('--naive-max') + 1]) : 1_000_000;
const outArg = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
const OUT_FILE = resolve(outArg ?? join(PROJECT_ROOT, 'output', 'bench', `BENCHMARKS-${new Date().toISOString().slice(0, 10)}.md`));
const BIN = join(PROJECT_ROOT, 'bin', 'entra-auth-audit.js');
// The stages run compiled, as users run the package: no TypeScript loader in the process whose memory is measured.
const STAGE = join(BENCH_BUILD, 'scripts', 'bench-stage.js');
const buildNote = buildForBench(STAGE);

type Json = Record<string, number | string | string[]>;

function startSimulator(users: number, throttle?: string, directoryThrottle?: string): Promise<{ url: string; proc: ChildProcess }> {
  const extra = [...(throttle ? ['--throttle', throttle] : []), ...(directoryThrottle ? ['--directory-throttle', directoryThrottle] : [])];
  const proc = spawn(process.execPath, [BIN, 'simulate', '--users', String(users), '--port', '0', '--token', 'bench-token', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve({ url: m[1]!, proc });
    });
    proc.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

function stage(name: string, stageArgs: string[], heapMb?: number): Promise<Json> {
  const node = [...(heapMb ? [`--max-old-space-size=${heapMb}`] : []), STAGE, name, ...stageArgs];
  // the gigabytes the stage before wrote are flushed to disk now, not by the kernel in the middle of this stage
  execFileSync('sync');
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, node, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as Json);
      else resolve({ failed: `exit ${code}: ${(err.trim().split('\n').find((l) => /Error|heap/i.test(l)) ?? err.trim().split('\n').pop() ?? '').slice(0, 160)}`, wallMs: performance.now() - t0 });
    });
  });
}

const fmt = (n: unknown, digits = 0) => (typeof n === 'number' ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : String(n ?? '—'));

/**
 * Graph's budgets a hundred times faster: the reports' 5 requests / 10 s as 5 / 0.1 s, the directory sources' own
 * 50 / 10 s as 50 / 0.1 s. The floor is the slower of the two budgets' request counts.
 */
const REPORTS = '5/0.1';
const DIRECTORY = '50/0.1';
const reportRequests = (paced: Json) => Number(paced.requests) - Number(paced.directoryRequests ?? 0);
const floorOf = (paced: Json) => Math.max(reportRequests(paced) / 5, Number(paced.directoryRequests ?? 0) / 50) * 100;
/** Σ(hold + window) ÷ requests per window over the report requests: the fastest a run can be when each slot waits for its answer's headers. */
const boundOf = (paced: Json) => (Number(paced.heldMs) * (reportRequests(paced) / Number(paced.requests)) + reportRequests(paced) * 100) / 5;
const rows: string[] = [];
let pacedShared: Json | null = null;
const measured = new Map<number, { fast: Json; paced: Json; an: Json; re: Json; naive: Json; peak: number; load: string }>();
const log = (s: string) => process.stderr.write(`${s}\n`);
for (const n of SIZES) {
  const work = mkdtempSync(join(tmpdir(), `eaa-bench-${n}-`));
  const load = loadAverage();
  log(`== ${n.toLocaleString('en-US')} users (${work}); load average ${load}`);
  let sim = await startSimulator(n);
  const fast = await stage('collect', [sim.url, join(work, 'snap')]);
  log(`collect ${JSON.stringify(fast)}`);
  const naive: Json =
    n > NAIVE_MAX_USERS
      ? { skipped: `not run above ${NAIVE_MAX_USERS.toLocaleString('en-US')} users: it holds every row in memory, ~1.9 GB at 1,000,000 users, so at 10,000,000 it needs more than its ${NAIVE_HEAP_MB / 1024} GB heap` }
      : await stage('naive', [sim.url, work], NAIVE_HEAP_MB);
  log(`naive ${JSON.stringify(naive)}`);
  sim.proc.kill();
  sim = await startSimulator(n, REPORTS, DIRECTORY);
  const paced = await stage('collect', [sim.url, join(work, 'snap-paced'), REPORTS, DIRECTORY]);
  const floorMs = floorOf(paced);
  log(`paced ${JSON.stringify(paced)} floor ${floorMs}`);
  if (n === Math.min(...SIZES)) {
    // the same tenant with one budget for every source, as 0.1.0 paced it: what pacing the directory apart gains
    const shared = await stage('collect', [sim.url, join(work, 'snap-shared'), REPORTS, 'shared']);
    log(`paced, one shared budget ${JSON.stringify(shared)}`);
    pacedShared = { ...shared, floorMs: (Number(shared.requests) / 5) * 100 };
  }
  sim.proc.kill();
  const an = await stage('analyze', [join(work, 'snap'), join(work, 'out')]);
  log(`analyze ${JSON.stringify(an)}`);
  const re = await stage('render', [join(work, 'out', 'results.json'), join(work, 'pack')]);
  log(`render ${JSON.stringify(re)}`);
  const pipelinePeak = Math.max(Number(fast.maxRssMb ?? 0), Number(an.maxRssMb ?? 0), Number(re.maxRssMb ?? 0));
  measured.set(n, { fast, paced: { ...paced, floorMs }, an, re, naive, peak: pipelinePeak, load });
  rows.push(
    `| ${fmt(n)} | ${fmt(Number(fast.wallMs) / 1000, 1)} s, ${fmt(fast.requests)} req, ${fmt(fast.maxRssMb)} MB | ` +
      `${fmt(Number(paced.wallMs) / 1000, 2)} s, ${fmt(paced.requests)} req, ${fmt(paced.status429)} × 429, ${fmt(Number(paced.wallMs) / floorMs, 3)} × floor ` +
      `(slot-hold bound ${fmt(boundOf(paced) / floorMs, 3)}) | ` +
      `${fmt(Number(an.wallMs) / 1000, 2)} s, ${fmt(an.rowsPerSec)} rows/s, ${fmt(an.mbPerSec, 0)} MB/s vs JSON.parse ${fmt(an.parseMbPerSec, 0)} MB/s = ${fmt(an.ratio, 2)}, ${fmt(an.maxRssMb)} MB | ` +
      `HTML ${fmt(re.htmlMs)} ms (first ${fmt(re.htmlFirstMs)}), PDF ${fmt(re.pdfMs)} ms (first ${fmt(re.pdfFirstMs)}), ${fmt(re.pages)} pages, ${fmt(re.maxRssMb)} MB + Chromium ${fmt(re.chromiumPeakMb)} MB | ` +
      `${fmt(pipelinePeak)} MB | ` +
      `${naive.skipped ? `skipped: ${naive.skipped}` : naive.failed ? `failed (${naive.failed}) after ${fmt(Number(naive.wallMs) / 1000, 1)} s` : `${fmt(Number(naive.wallMs) / 1000, 1)} s, ${fmt(naive.maxRssMb)} MB`} |`,
  );
  rmSync(work, { recursive: true, force: true });
}

const small = measured.get(Math.min(...SIZES));
const large = measured.get(Math.max(...SIZES));
const targets: string[] = [];
if (small && large && SIZES.length > 1) {
  const N = fmt(Math.max(...SIZES));
  const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
  const ratio = Number(large.an.ratio);
  targets.push(`| analysis ≥ 0.5 × JSON.parse throughput | ${fmt(ratio, 2)} (${fmt(large.an.mbPerSec)} vs ${fmt(large.an.parseMbPerSec)} MB/s) | ${yes(ratio >= 0.5)} |`);
  targets.push(`| pipeline peak RSS ≤ 300 MB (Node) | ${fmt(large.peak)} MB | ${yes(large.peak <= 300)} |`);
  const paced = Number(large.paced.wallMs) / Number(large.paced.floorMs);
  const bound = boundOf(large.paced) / Number(large.paced.floorMs);
  targets.push(
    `| throttled collection ≤ 1.05 × floor, 0 × 429 | ${fmt(paced, 3)} × floor, ${fmt(large.paced.status429)} × 429; ` +
      `slot-hold bound ${fmt(bound, 3)} × floor (mean grant-to-headers ${fmt(Number(large.paced.heldMs) / Number(large.paced.requests), 1)} ms per 100 ms window) | ${yes(paced <= 1.05 && Number(large.paced.status429) === 0)} |`,
  );
  const html = Number(large.re.htmlMs) / Number(small.re.htmlMs);
  const pdf = Number(large.re.pdfMs) / Number(small.re.pdfMs);
  targets.push(`| render at ${N} ≤ 1.3 × render at ${fmt(Math.min(...SIZES))}; PDF ≤ 30 pages | HTML ${fmt(html, 2)} ×, PDF ${fmt(pdf, 2)} ×, ${fmt(large.re.pages)} pages | ${yes(html <= 1.3 && pdf <= 1.3 && Number(large.re.pages) <= 30)} |`);
  // against the largest size at which the baseline ran
  const naiveAt = [...measured.entries()].filter(([, m]) => !m.naive.skipped).pop();
  if (naiveAt) {
    const [size, m] = naiveAt;
    const naive = m.naive.failed ? null : Number(m.naive.maxRssMb) / m.peak;
    targets.push(
      `| ≥ 5 × less peak memory than the naive baseline (at ${fmt(size)} users) | ${naive === null ? 'baseline failed' : `${fmt(naive, 2)} × (${fmt(m.naive.maxRssMb)} vs ${fmt(m.peak)} MB)`} | ${yes(naive === null || naive >= 5)} |`,
    );
  }
}

/**
 * Where the time goes at each size: the compute pipeline (collect unthrottled, analyze, render of one HTML + PDF
 * pack) as shares of its sum; the paced collection beside it, which at Graph's budgets is the floor × 100.
 */
const sec = (ms: unknown) => Number(ms) / 1000;
const stageTimes = (m: NonNullable<ReturnType<typeof measured.get>>) => ({
  collect: sec(m.fast.wallMs),
  analyze: sec(m.an.wallMs),
  render: sec(m.re.pdfMs),
});
const pct = (part: number, whole: number) => `${fmt((100 * part) / whole, 0)} %`;
const shares: string[] = [];
for (const [n, m] of measured) {
  const t = stageTimes(m);
  const total = t.collect + t.analyze + t.render;
  shares.push(
    `| ${fmt(n)} | ${m.load} | ${fmt(t.collect, 2)} s (${pct(t.collect, total)}) | ${fmt(t.analyze, 2)} s (${pct(t.analyze, total)}) | ` +
      `${fmt(t.render, 2)} s (${pct(t.render, total)}) | ${fmt(total, 2)} s | ${fmt(sec(m.paced.wallMs), 2)} s (≥ ${fmt(sec(m.paced.floorMs) * 100, 0)} s at Graph's budgets) |`,
  );
}

/**
 * Growth exponents between consecutive sizes: k = log(t2 / t1) / log(n2 / n1), so 1 is linear, 0 constant; for
 * memory, of the peak RSS (which has a constant part, the runtime: k near 0 means flat memory).
 */
const growth: string[] = [];
const sizes = [...measured.keys()];
const k = (a: number, b: number, n1: number, n2: number) => (a > 0 && b > 0 ? fmt(Math.log(b / a) / Math.log(n2 / n1), 2) : '—');
for (let i = 1; i < sizes.length; i++) {
  const [n1, n2] = [sizes[i - 1]!, sizes[i]!];
  if (n1 === n2) continue;
  const [m1, m2] = [measured.get(n1)!, measured.get(n2)!];
  const [t1, t2] = [stageTimes(m1), stageTimes(m2)];
  const sum = (t: ReturnType<typeof stageTimes>) => t.collect + t.analyze + t.render;
  growth.push(
    `| ${fmt(n1)} → ${fmt(n2)} | ${k(t1.collect, t2.collect, n1, n2)} | ${k(sec(m1.paced.wallMs), sec(m2.paced.wallMs), n1, n2)} | ${k(t1.analyze, t2.analyze, n1, n2)} | ` +
      `${k(t1.render, t2.render, n1, n2)} | ${k(sum(t1), sum(t2), n1, n2)} | ` +
      `${k(Number(m1.fast.maxRssMb), Number(m2.fast.maxRssMb), n1, n2)} | ${k(Number(m1.an.maxRssMb), Number(m2.an.maxRssMb), n1, n2)} | ` +
      `${k(Number(m1.re.maxRssMb), Number(m2.re.maxRssMb), n1, n2)} | ${k(m1.peak, m2.peak, n1, n2)} |`,
  );
}

const doc = `## Benchmark run ${new Date().toISOString().slice(0, 10)}

Measured by \`npm run bench -- --sizes ${SIZES.join(',')}\` (scripts/bench.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}),
${Math.round(totalmem() / 2 ** 30)} GiB memory, Node ${process.version}; load average (1, 5, 15 min) before each size in the tables below.${buildNote ? ` ${buildNote}` : ''} Each stage runs compiled (as the installed package
runs) in its own process, after \`sync\` (the stage before it does not leave its writes to be flushed during it); RSS is that process's peak (\`process.resourceUsage().maxRSS\`), Chromium's is sampled from
/proc. The simulator runs in another process. "Paced" collects against the simulator enforcing 5 requests / 0.1 s on
the report routes and 50 / 0.1 s on the role and group routes (Graph's 5 / 10 s and the collector's directory budget of
50 / 10 s, 100× faster) with the collector's limiters set to the same budgets; floor = the slower of report requests ÷ 5
and directory requests ÷ 50, × 0.1 s.
The limiter holds a slot from its grant until the answer's headers arrive and then for a window (the server counts a
request on arrival, so this never meets a 429 whatever the network delay); the "slot-hold bound" is the fastest any
run could be under that rule, Σ(hold + 0.1 s) ÷ 5, from the holds measured in the run.
Analysis throughput is over the snapshot files the analysis reads (${large ? (large.an.skipped as string[]).join(', ') || 'none' : '—'} are
collected as evidence but no metric reads them); the JSON.parse figure is a process of its own splitting those files
into lines and parsing each, nothing else, timed just before the analysis (which warms the page cache for it) and just
after, and averaged (the machine's speed drifts). Render times are the best of five HTML-only renders and of two HTML + PDF renders of the same results (the first,
which also loads templates and chart libraries, in brackets).
The naive baseline is what a user would write: the SDK's PageIterator into one array, then one Handlebars
template over every row (heap limit ${NAIVE_HEAP_MB} MB; not run above ${fmt(NAIVE_MAX_USERS)} users, where it would need more). One run: on a shared virtual machine the times vary by several
per cent from run to run, so run it more than once before reading a difference of a few per cent.

| users | collect (no throttle) | collect (paced 5/0.1 s) | analyze | render | pipeline peak RSS | naive baseline |
|---|---|---|---|---|---|---|
${rows.join('\n')}

### Where the time goes

Collect (unthrottled), analyze and render (one HTML + PDF pack, best of two) as shares of their sum; the paced
collection beside it (at Graph's real budgets it takes at least its floor × 100, which then dwarfs the rest).

| users | load before | collect | analyze | render | sum | collect, paced 5/0.1 s |
|---|---|---|---|---|---|---|
${shares.join('\n')}
${growth.length ? `
### Growth between sizes

Exponent k = log(t₂ / t₁) ÷ log(n₂ / n₁) between consecutive sizes: 1 grows linearly with the users, 0 stays flat,
above 1 grows faster than the tenant. Memory is each stage's peak RSS, which includes the runtime's constant ~100 MB,
so a flat-memory stage shows k near 0.

| users | collect time | paced collect time | analyze time | render time | pipeline time | collect RSS | analyze RSS | render RSS | pipeline peak RSS |
|---|---|---|---|---|---|---|---|---|---|
${growth.join('\n')}
` : ''}${pacedShared ? `\nAt ${fmt(Math.min(...SIZES))} users with one budget for every source (as 0.1.0 paced them): ${fmt(Number(pacedShared.wallMs) / 1000, 2)} s, ${fmt(pacedShared.requests)} requests (floor ${fmt(Number(pacedShared.floorMs) / 1000, 2)} s), against ${fmt(Number(small!.paced.wallMs) / 1000, 2)} s with the directory paced apart (\`npm run bench:pacing\` repeats this comparison).\n` : ''}
${targets.length ? `\n### Targets (issues #7, #16), this run\n\n| target | measured | met? |\n|---|---|---|\n${targets.join('\n')}\n` : ''}`;
mkdirSync(dirname(OUT_FILE), { recursive: true });
writeFileSync(OUT_FILE, doc);
process.stdout.write(doc);
log(`written to ${OUT_FILE} (BENCHMARKS.md is kept by hand: copy what belongs in its history)`);
