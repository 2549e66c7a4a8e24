/**
 * npm run bench:pdf [-- --users 1000 --seed 1 --packs 6 --modes own,shared --results DIR --series]
 *
 * What one pack's PDF costs: a simulated tenant is collected and analysed once (`demo --no-pdf`; or the results.json
 * folder given with --results, to compare two trees on the same input), then its pack is rendered `--packs` times
 * in this process, HTML only and then with the PDF, so the difference is the PDF:
 * - own: every pack launches its own Chromium (single-tenant `run`/`render`);
 * - shared: one Chromium for every pack, each printed in its own browser context (`run --tenants`); the first pack
 *   pays the launch and is reported apart.
 * Per pack: wall ms, the prints it took (painted prints, layout probes that paint nothing, documents loaded), and
 * CPU ms of this process and of the Chromium processes it started (from /proc, Linux only), which say more than
 * wall time on a shared machine. Medians; prints numbers, asserts nothing. --steps adds, for the shared browser, the
 * wall and Chromium CPU of each step (context, load, probe, print…) per pack, from /proc around each call (work
 * Chromium does after a call returns counts towards the next one).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditResult } from '../src/results/schema.js';
import { renderPack, type RenderOptions } from '../src/render/index.js';
import * as pdfModule from '../src/render/pdf.js';
import { PROJECT_ROOT } from '../src/version.js';
import { loadAverage, processTreeCpuMs } from './bench-build.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => (args.includes(name) ? (args[args.indexOf(name) + 1] ?? fallback) : fallback);
const USERS = Number(opt('--users', '1000'));
const SEED = Number(opt('--seed', '1'));
const PACKS = Number(opt('--packs', '6'));
const MODES = opt('--modes', 'own,shared').split(',');
const GIVEN = opt('--results', '');
/** print every pack's numbers too (does a shared browser slow down as it serves more packs?) */
const SERIES = args.includes('--series');

const work = mkdtempSync(join(tmpdir(), 'eaa-bench-pdf-'));
const resultsDir = GIVEN || join(work, 'results');
if (!GIVEN) {
  const demo = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'entra-auth-audit.js'), 'demo', '--users', String(USERS), '--seed', String(SEED), '--out', resultsDir, '--no-pdf', '--quiet'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (demo.status !== 0) throw new Error(`demo exited ${demo.status}`);
}
const results = JSON.parse(readFileSync(join(resultsDir, 'results.json'), 'utf8')) as AuditResult;

/** CPU ms of the processes this one started (Chromium's), alive or waited for (bench-build.ts processTreeCpuMs). */
const childCpuMs = () => processTreeCpuMs(process.pid, false);

// the prints of each pack, counted through the methods that print (probe: a layout print that paints nothing;
// printLoaded: a print that paints) and the one that loads a document; Chromium's CPU is sampled when a session
// closes too, before a browser of its own exits and takes its processes' times with it
let prints = 0;
let probes = 0;
let loads = 0;
let chromiumAtClose = 0;
/** --steps: wall and Chromium CPU ms of each step of a pack (summed over the packs measured), by step */
const STEPS = args.includes('--steps');
const steps = new Map<string, { calls: number; wallMs: number; chromiumMs: number }>();
let stepsOn = false;
/** Runs a step, adding its wall time and the Chromium CPU used meanwhile to `steps` (only when --steps). */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (!STEPS || !stepsOn) return run();
  const c0 = childCpuMs();
  const t0 = performance.now();
  try {
    return await run();
  } finally {
    const s = steps.get(name) ?? { calls: 0, wallMs: 0, chromiumMs: 0 };
    s.calls++;
    s.wallMs += performance.now() - t0;
    s.chromiumMs += childCpuMs() - c0;
    steps.set(name, s);
  }
}
const proto = pdfModule.PdfSession.prototype;
const printLoaded = proto.printLoaded;
proto.printLoaded = function (this: pdfModule.PdfSession, ...a: Parameters<typeof printLoaded>) {
  prints++;
  return step('print (painted)', () => printLoaded.apply(this, a));
};
const probe = proto.probe;
proto.probe = function (this: pdfModule.PdfSession) {
  probes++;
  return step('probe (layout only)', () => probe.apply(this));
};
const load = proto.load;
proto.load = function (this: pdfModule.PdfSession, ...a: Parameters<typeof load>) {
  loads++;
  return step('load (setContent)', () => load.apply(this, a));
};
const setTexts = proto.setTexts;
proto.setTexts = function (this: pdfModule.PdfSession, ...a: Parameters<typeof setTexts>) {
  return step('setTexts (page numbers)', () => setTexts.apply(this, a));
};
const inContext = pdfModule.PdfSession.inContext.bind(pdfModule.PdfSession);
pdfModule.PdfSession.inContext = (...a: Parameters<typeof inContext>) => step('context + page (inContext)', () => inContext(...a));
const close = pdfModule.PdfSession.prototype.close;
pdfModule.PdfSession.prototype.close = function (this: pdfModule.PdfSession) {
  chromiumAtClose = childCpuMs();
  return step('close (context)', () => close.apply(this));
};

interface Sample {
  wallMs: number;
  nodeCpuMs: number;
  chromiumCpuMs: number;
  prints: number;
  probes: number;
  loads: number;
}

async function measure(extra: Partial<RenderOptions>, outDir: string): Promise<Sample> {
  prints = 0;
  probes = 0;
  loads = 0;
  chromiumAtClose = 0;
  const cpu0 = process.cpuUsage();
  const child0 = childCpuMs();
  const t0 = performance.now();
  await renderPack(results, { resultsDir, outDir, branding: { organisation: 'Contoso Simulated Ltd', primaryColor: '#1f4e79' }, ...extra });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, nodeCpuMs: (cpu.user + cpu.system) / 1000, chromiumCpuMs: Math.max(chromiumAtClose, childCpuMs()) - child0, prints, probes, loads };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

const rows: string[] = [];
const htmlOnly: Sample[] = [];
for (let i = 0; i < PACKS; i++) htmlOnly.push(await measure({ pdf: false }, join(work, `html-${i}`)));
const htmlMs = median(htmlOnly.slice(1).map((s) => s.wallMs));
rows.push(`| HTML only (no PDF) | ${fmt(htmlMs)} | – | ${fmt(median(htmlOnly.slice(1).map((s) => s.nodeCpuMs)))} | – | – |`);

for (const mode of MODES) {
  const samples: Sample[] = [];
  let first: Sample | null = null;
  const load = loadAverage();
  if (mode === 'own') {
    for (let i = 0; i < PACKS; i++) samples.push(await measure({}, join(work, `own-${i}`)));
    first = samples.shift() ?? null; // module loading and a cold disk cache
  } else if (mode === 'shared') {
    const browser = new pdfModule.SharedPdfBrowser();
    try {
      for (let i = 0; i < PACKS; i++) {
        // the first pack (the launch, cold caches) is left out of the steps as of the medians
        stepsOn = i > 0;
        samples.push(await measure({ pdfBrowser: browser }, join(work, `shared-${i}`)));
      }
      stepsOn = false;
    } finally {
      await browser.close();
    }
    first = samples.shift() ?? null;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  if (SERIES) process.stderr.write(`${mode}, wall/Chromium CPU ms of each pack: ${samples.map((s) => `${Math.round(s.wallMs)}/${Math.round(s.chromiumCpuMs)}`).join(' ')}\n`);
  const wall = median(samples.map((s) => s.wallMs));
  rows.push(
    `| ${mode}: pack with PDF (load ${load}) | ${fmt(wall)} (first ${fmt(first?.wallMs ?? NaN)}) | ${fmt(wall - htmlMs)} | ` +
      `${fmt(median(samples.map((s) => s.nodeCpuMs)))} | ${fmt(median(samples.map((s) => s.chromiumCpuMs)))} | ${median(samples.map((s) => s.prints))} + ${median(samples.map((s) => s.probes))} probes, ${median(samples.map((s) => s.loads))} loads |`,
  );
}

rmSync(work, { recursive: true, force: true });
process.stdout.write(
  [
    `PDF per pack: ${GIVEN ? GIVEN : `${USERS.toLocaleString('en-US')}-user simulated tenant (seed ${SEED})`}, ${PACKS} packs per mode (median of all but the first); ` +
      `${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| variant | wall ms per pack | of which PDF | Node CPU ms | Chromium CPU ms | prints (painted + layout probes), documents loaded |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    ...(STEPS && steps.size > 0
      ? [
          `Steps of the shared browser's packs (all but the first, ${PACKS - 1}), per pack:`,
          '',
          '| step | calls per pack | wall ms | Chromium CPU ms |',
          '|---|---|---|---|',
          ...[...steps].map(([name, s]) => `| ${name} | ${(s.calls / (PACKS - 1)).toFixed(1)} | ${fmt(s.wallMs / (PACKS - 1))} | ${fmt(s.chromiumMs / (PACKS - 1))} |`),
          '',
        ]
      : []),
  ].join('\n'),
);
