/**
 * One stage of the benchmark in its own process, so its peak RSS is its own. Prints one JSON line.
 *   collect URL OUT [RATE]   through the real collector (GraphTransport + collect)
 *   analyze SNAPSHOT OUT     analysis, plus JSON.parse throughput over the same NDJSON bytes (before and after it)
 *   parse FILE…              JSON.parse time of each file's lines (the analyze stage's baseline, in its own process)
 *   render RESULTS OUT       HTML and PDF (Chromium peak RSS sampled from /proc)
 *   naive URL OUT            what a user would write: PageIterator into one array, one template over all rows
 */
import { createReadStream, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthenticationHandler, Client, PageIterator, RetryHandler, RetryHandlerOptions, type Context } from '@microsoft/microsoft-graph-client';
import Handlebars from 'handlebars';
import { collect } from '../src/collector/collect.js';
import { ConfigSchema } from '../src/config/schema.js';
import { analyze } from '../src/engine/analyze.js';
import { EndpointHandler, GraphTransport } from '../src/graph/client.js';
import { parseRate, RateLimiter } from '../src/graph/rate-limiter.js';
import { renderPack } from '../src/render/index.js';

const [stage, a, b, c] = process.argv.slice(2);
const maxRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const print = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify({ maxRssMb: maxRssMb(), ...o }) + '\n');

/**
 * `directoryRate`: the role and group sources' own budget (as the CLI paces them), or 'shared' for one budget for
 * every source (how 0.1.0 paced them), to measure what pacing them apart gains.
 */
async function runCollect(url: string, out: string, rate?: string, directoryRate?: string): Promise<void> {
  const byStatus: Record<string, number> = {};
  let requests = 0;
  let directoryRequests = 0;
  // How long each request holds its limiter slot before the window starts: from the grant to the answer's headers
  // (the limiter's safety rule). With it, the best a paced run can do is Σ(hold + window) ÷ requests per window.
  let heldMs = 0;
  const limiter = rate ? new RateLimiter(parseRate(rate)) : undefined;
  const directoryLimiter = directoryRate === 'shared' ? limiter : directoryRate ? new RateLimiter(parseRate(directoryRate)) : undefined;
  if (limiter) {
    const acquire = limiter.acquire.bind(limiter);
    limiter.acquire = async (priority?: number) => {
      const release = await acquire(priority);
      const granted = performance.now();
      return () => {
        heldMs += performance.now() - granted;
        release();
      };
    };
  }
  const transport = new GraphTransport({
    authProvider: { getAccessToken: async () => 'bench-token' },
    graphRoot: 'https://graph.microsoft.com',
    endpoint: url,
    limiter,
    directoryLimiter,
    retryDelay: 1,
    onRequest: ({ url, status }) => {
      requests++;
      if (/\/(roleManagement|groups|identityGovernance)\//.test(url)) directoryRequests++;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    },
  });
  const t0 = performance.now();
  const { manifest } = await collect({ transport, tenantId: 'bench', cloud: 'global', outDir: out });
  const wallMs = performance.now() - t0;
  print({ wallMs, requests, directoryRequests, heldMs, status429: byStatus[429] ?? 0, incomplete: manifest.sources.filter((s) => !['ok', 'retired'].includes(s.status)).map((s) => s.id) });
}

/** ms to JSON.parse each file's lines, in a child process (`parse` stage: its memory is not the analysis'). */
function parseTimes(files: string[]): Record<string, number> {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), 'parse', ...files], { maxBuffer: 1 << 20 }).toString();
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number>;
}

async function runParse(files: string[]): Promise<void> {
  const times: Record<string, number> = {};
  for (const f of files) {
    const p0 = performance.now();
    let rest = '';
    for await (const chunk of createReadStream(f, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l) JSON.parse(l);
    }
    if (rest) JSON.parse(rest);
    times[f] = performance.now() - p0;
  }
  process.stdout.write(`${JSON.stringify(times)}\n`);
}

async function runAnalyze(snapshot: string, out: string): Promise<void> {
  // Which snapshot files the analysis opens (it skips sources no metric uses), to time JSON.parse on those bytes.
  const read = new Set<string>();
  const fsp = createRequire(import.meta.url)('node:fs/promises') as typeof import('node:fs/promises');
  const original = fsp.open;
  fsp.open = ((path: Parameters<typeof original>[0], ...rest: unknown[]) => {
    if (String(path).startsWith(snapshot)) read.add(String(path));
    return (original as (...a: unknown[]) => ReturnType<typeof original>)(path, ...rest);
  }) as typeof original;
  syncBuiltinESMExports();
  const before = parseTimes(readdirSync(snapshot).filter((f) => f.endsWith('.ndjson')).map((f) => join(snapshot, f)));
  const t0 = performance.now();
  const { results } = await analyze({ snapshotDir: snapshot, outDir: out, config: ConfigSchema.parse({}) });
  const wallMs = performance.now() - t0;
  const analyzeRssMb = maxRssMb(); // before the JSON.parse pass below, which has its own memory profile
  fsp.open = original;
  syncBuiltinESMExports();
  const rows = results.sources.find((s) => s.id === 'userRegistrationDetails')?.records ?? 0;
  const files = [...read].filter((f) => f.endsWith('.ndjson')).sort();
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const skipped = readdirSync(snapshot).filter((f) => f.endsWith('.ndjson') && !read.has(join(snapshot, f)));
  // JSON.parse limit: the same files split into lines, each parsed, nothing else; timed in a process of its own just
  // before the analysis (which also warms the page cache for it) and just after, and averaged, so that neither side
  // reads colder files and a drift of the machine's speed during the stage affects both (the baseline alone moved
  // between 118 and 177 MB/s from one run to the next)
  const after = parseTimes(files);
  const sum = (times: Record<string, number>) => files.reduce((n, f) => n + (times[f] ?? 0), 0);
  const parseBeforeMs = sum(before);
  const parseAfterMs = sum(after);
  const parseMs = (parseBeforeMs + parseAfterMs) / 2;
  print({
    wallMs,
    rows,
    bytes,
    skipped,
    rowsPerSec: rows / (wallMs / 1000),
    mbPerSec: bytes / 1e6 / (wallMs / 1000),
    parseMbPerSec: bytes / 1e6 / (parseMs / 1000),
    parseMbPerSecBefore: bytes / 1e6 / (parseBeforeMs / 1000),
    parseMbPerSecAfter: bytes / 1e6 / (parseAfterMs / 1000),
    ratio: parseMs / wallMs,
    maxRssMb: analyzeRssMb,
  });
}

function chromiumRssMb(): number {
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (!/^Name:\s*(chromium|chrome)/m.test(status)) continue;
      kb += Number(/^VmRSS:\s*(\d+)/m.exec(status)?.[1] ?? 0);
    } catch {
      // the process ended while we looked
    }
  }
  return Math.round(kb / 1024);
}

async function runRender(resultsPath: string, out: string): Promise<void> {
  const results = JSON.parse(readFileSync(resultsPath, 'utf8'));
  const branding = { organisation: 'Bench', primaryColor: '#0b5cad', classification: 'Internal' };
  const resultsDir = resultsPath.replace(/\/results\.json$/, '');
  // Best of five (HTML) and of two (PDF), the same at every size: one run on this shared 2-core machine varies
  // by ±30 %; the first run, which also loads the templates and chart libraries, is reported too.
  const html: number[] = [];
  for (let i = 0; i < 5; i++) {
    const h0 = performance.now();
    await renderPack(results, { resultsDir, outDir: join(out, 'html'), branding, pdf: false });
    html.push(performance.now() - h0);
  }
  let chromiumPeak = 0;
  const timer = setInterval(() => (chromiumPeak = Math.max(chromiumPeak, chromiumRssMb())), 25);
  const pdf: number[] = [];
  for (let i = 0; i < 2; i++) {
    const p0 = performance.now();
    await renderPack(results, { resultsDir, outDir: join(out, 'pdf'), branding, pdf: true });
    pdf.push(performance.now() - p0);
  }
  clearInterval(timer);
  const htmlMs = Math.min(...html);
  const pdfMs = Math.min(...pdf);
  const info = execFileSync('pdfinfo', [join(out, 'pdf', 'audit.pdf')], { encoding: 'utf8' });
  print({ htmlMs, pdfMs, htmlFirstMs: html[0], pdfFirstMs: pdf[0], pages: Number(/Pages:\s+(\d+)/.exec(info)?.[1] ?? 0), chromiumPeakMb: chromiumPeak });
}

/**
 * The naive approach: the SDK's PageIterator into one array, then one Handlebars template over every row. The
 * client is the SDK's own (auth + retry middleware); the only shim is the last hop, which sends requests to the
 * simulator and shows its nextLinks on the Graph host, as real Graph's are, so PageIterator follows them unchanged.
 */
async function runNaive(url: string, out: string): Promise<void> {
  const t0 = performance.now();
  const root = 'https://graph.microsoft.com';
  const endpoint = new EndpointHandler({ authProvider: { getAccessToken: async () => 'bench-token' }, graphRoot: root, endpoint: url });
  const lastHop = {
    async execute(context: Context) {
      await endpoint.execute(context);
      const text = (await context.response!.text()).split(url).join(root);
      context.response = new Response(text, { status: context.response!.status, headers: context.response!.headers });
    },
  };
  const auth = new AuthenticationHandler({ getAccessToken: async () => 'bench-token' });
  const retry = new RetryHandler(new RetryHandlerOptions());
  auth.setNext(retry);
  retry.setNext(lastHop);
  const client = Client.initWithMiddleware({ middleware: auth });
  const rows: unknown[] = [];
  const first = await client.api('/reports/authenticationMethods/userRegistrationDetails?$top=999').get();
  await new PageIterator(client, first, (row) => {
    rows.push(row);
    return true;
  }).iterate();
  const template = Handlebars.compile(
    '<table>{{#each rows}}<tr><td>{{userPrincipalName}}</td><td>{{userDisplayName}}</td><td>{{#each methodsRegistered}}{{this}} {{/each}}</td></tr>{{/each}}</table>',
  );
  const html = template({ rows });
  writeFileSync(join(out, 'naive.html'), html);
  print({ wallMs: performance.now() - t0, rows: rows.length, htmlBytes: html.length });
}

const run = {
  collect: () => runCollect(a!, b!, c, process.argv[6]),
  analyze: () => runAnalyze(a!, b!),
  parse: () => runParse(process.argv.slice(3)),
  render: () => runRender(a!, b!),
  naive: () => runNaive(a!, b!),
}[stage ?? ''];
if (!run) {
  process.stderr.write('usage: bench-stage.ts collect|analyze|parse|render|naive …\n');
  process.exit(2);
}
await run();
