/**
 * render: results.json (+ its affected-user sidecars) → the audit pack in outDir:
 * audit.html, audit.pdf, summary.md and worklists/<checkId>.csv for every failing finding with affected users.
 * Reads only results types (never the snapshot or the checks); every file appears atomically.
 *
 * The PDF: layout probes (PdfSession.probe: laid out as printed, nothing painted) tell how many pages a budget
 * takes and on which page each section and finding lands (Chromium's named destinations); the budgets are bisected
 * (fitBudget in budget.ts, at most four probes for the seven budgets, two when the previous pack of run --tenants
 * needed the same budget). The budget found is then printed once, with those numbers in the contents written into
 * the page already loaded; if anything moved, it is printed again with the corrected numbers.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, link, lstat, mkdir, readFile, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { AffectedUserSchema, type AffectedUser, type AuditResult, type Finding } from '../results/schema.js';
import { readNdjson } from '../snapshot/reader.js';
import { SnapshotError, UsageError } from '../errors.js';
import { isInside, isInsideLexically } from '../paths.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import {
  PACK_MANIFEST_FILE,
  PACK_MANIFEST_SCHEMA_VERSION,
  PACK_SIGNATURE_FILE,
  hashFile,
  isPackPath,
  packManifestText,
  sha256Of,
  type PackFile,
} from '../verify/pack-manifest.js';
import { MAX_PDF_PAGES, PAGE_BUDGETS, affectedCaps, fitBudget, type ListedFinding, type PageBudget } from './budget.js';
import { renderCharts } from './charts.js';
import { worklistIndexCsv, writeWorklistCsv, type WorklistResult } from './csv.js';
import { brandCss, brandStylesheet, compileReportTemplate, htmlRenderer } from './html.js';
import { renderMarkdown } from './markdown.js';
import { addOutline } from './pdf-outline.js';
import type { SharedPdfBrowser } from './pdf.js';
import { Pseudonymiser, checkRedactionPaths, loadRedactKey, redactResults, type RedactMode, type RedactOptions } from './redact.js';
import { DEFAULT_REPORT_META, buildViewModel, worklistName, type Branding, type ReportMeta, type ReportView } from './view-model.js';

export { findBrowser } from './browser.js';
export type { Branding, ReportMeta } from './view-model.js';
export type { RedactMode, RedactOptions } from './redact.js';
export { MAX_PDF_PAGES } from './budget.js';

export interface RenderOptions {
  /** folder of results.json: affected-user sidecars are relative to it */
  resultsDir: string;
  outDir: string;
  branding: Branding;
  /** default true */
  pdf?: boolean;
  browserPath?: string;
  /** affected users listed per finding in the HTML and PDF (config report.maxAffectedInPdf); default 25 */
  maxAffectedInPdf?: number;
  /** document control and page setup (config `report` section); defaults: draft, version 1.0, A4 */
  report?: Partial<ReportMeta>;
  /**
   * files already written inside outDir that belong to the pack (the JUnit XML that run/render write before it):
   * hashed into pack-manifest.json like the files render writes; paths outside outDir are ignored
   */
  alsoInPack?: string[];
  /** a folder whose *.hbs files replace the built-in partials of the same name (config report.templatesDir) */
  templatesDir?: string;
  /** an accessible, tagged PDF (--pdf-tagged): about 2× slower and much larger; default false */
  pdfTagged?: boolean;
  /**
   * the browser to print with, shared by many packs (run --tenants; each pack gets a browser context of its own);
   * default: a browser of this render's own, closed when the PDF is done
   */
  pdfBrowser?: SharedPdfBrowser;
  /** a pseudonymised (or aggregate-only) pack (--redact); outDir must then differ from resultsDir */
  redact?: RedactOptions;
  /** where the redaction key variable is read; default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface RenderOutput {
  /** paths written, sorted (pack-manifest.json among them) */
  files: string[];
  /** files of an earlier render in outDir that this one does not make (a stale audit.pdf or worklist), removed */
  removed: string[];
  /** whether Chromium printed audit.pdf inside its sandbox, and why (null when no PDF was printed) */
  sandbox: { sandboxed: boolean; reason: string } | null;
  /** pages of audit.pdf, when one was printed */
  pdfPages: number | null;
  /** affected-user rows listed in the PDF, across all findings */
  pdfAffectedRows: number | null;
}

const MAX_LOGO_BYTES = 2 * 1024 * 1024;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The logo as a data: URI (the page may load nothing else). SVG inside <img> cannot run script. */
async function logoDataUri(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.size > MAX_LOGO_BYTES) throw new UsageError(`Logo ${file} is larger than 2 MB; use a smaller SVG or PNG.`);
    bytes = await readFile(file);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`Cannot read the logo file ${file}: ${(err as Error).message}`);
  }
  if (bytes.subarray(0, 8).equals(PNG_MAGIC)) return `data:image/png;base64,${bytes.toString('base64')}`;
  const head = bytes.subarray(0, 1024).toString('utf8');
  if (extname(file).toLowerCase() === '.svg' || /<svg[\s>]/i.test(head)) {
    return `data:image/svg+xml;base64,${bytes.toString('base64')}`;
  }
  throw new UsageError(`Logo ${file} is neither SVG nor PNG.`);
}

/** Writes through a temporary file in the same folder and renames it into place only when `produce` succeeds. */
async function writeAtomically<T>(path: string, produce: (tmpPath: string) => Promise<T>): Promise<T> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const result = await produce(tmp);
    await rename(tmp, path);
    return result;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * A sidecar path from results.json, refused if it leaves the results folder, by its real path: a sidecar that is a
 * symbolic link (or lies in a linked folder) to a file elsewhere is outside too.
 */
function sidecarPath(resultsDir: string, file: string): string {
  const root = resolve(resultsDir);
  const path = resolve(root, file);
  if (!isInside(root, path)) {
    throw new SnapshotError(`Affected-user file ${JSON.stringify(file)} points outside the results folder ${root}.`);
  }
  return path;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** A worklist in the pack, and its size and SHA-256 for pack-manifest.json. */
interface PlacedWorklist {
  result: WorklistResult;
  file: { bytes: number; sha256: string };
}

async function writeWorklist(
  finding: Finding & { affected: NonNullable<Finding['affected']> },
  resultsDir: string,
  dest: string,
  headLimit: number,
  transform?: (user: AffectedUser) => AffectedUser,
): Promise<PlacedWorklist> {
  const { worklist } = finding.affected;
  if (worklist && !transform) {
    const result = await placeWorklist(finding, worklist, resultsDir, dest, headLimit);
    // linked, not read: its size was checked against results.json, and its hash is the one analyze computed while
    // writing it (verify re-hashes every file); a hash that is not one is computed here instead
    const sha256 = worklist.sha256.toLowerCase();
    return { result, file: HEX64.test(sha256) ? { bytes: worklist.bytes, sha256 } : await hashFile(dest) };
  }
  const source = sidecarPath(resultsDir, finding.affected.file);
  let file = { bytes: 0, sha256: '' };
  const result = await writeAtomically(dest, async (tmp) => {
    let result: WorklistResult;
    try {
      result = await writeWorklistCsv(source, tmp, headLimit, transform);
    } catch (err) {
      throw new SnapshotError(`Cannot read the affected users of ${finding.checkId} from ${source}: ${(err as Error).message}`);
    }
    // the worklist must be exactly the list the results were computed with
    if (result.sha256 !== finding.affected.sha256.toLowerCase()) {
      throw new SnapshotError(
        `${source} does not match results.json (SHA-256 ${result.sha256}, expected ${finding.affected.sha256}); re-run analyze.`,
      );
    }
    if (result.rows !== finding.affected.count) {
      throw new SnapshotError(`${source} lists ${result.rows} users but results.json says ${finding.affected.count}; re-run analyze.`);
    }
    file = await hashFile(tmp);
    return result;
  });
  return { result, file };
}

/**
 * The worklist analyze already wrote (results.json 0.2+): linked into the pack (copied across file systems), so
 * render's cost does not grow with the tenant. Cheap checks only: its size, and the sidecar's first rows against the
 * sample in results.json (they also fill the tables); `verify` re-hashes everything.
 */
async function placeWorklist(
  finding: Finding & { affected: NonNullable<Finding['affected']> },
  worklist: NonNullable<NonNullable<Finding['affected']>['worklist']>,
  resultsDir: string,
  dest: string,
  headLimit: number,
): Promise<WorklistResult> {
  const { affected } = finding;
  const source = sidecarPath(resultsDir, affected.file);
  // the worklist analyze writes is the sidecar's twin; nothing else is ever linked into a pack
  if (worklist.file !== affected.file.replace(/\.ndjson$/, '.csv') || worklist.file === affected.file) {
    throw new SnapshotError(`results.json names worklist ${JSON.stringify(worklist.file)} for ${JSON.stringify(affected.file)}; re-run analyze.`);
  }
  // (lexically inside here; the real-path test below says what a link that leaves the folder is)
  const csv = resolve(resultsDir, worklist.file);
  if (!isInsideLexically(resultsDir, csv)) {
    throw new SnapshotError(`Affected-user file ${JSON.stringify(worklist.file)} points outside the results folder ${resolve(resultsDir)}.`);
  }
  const file = await lstat(csv).catch(() => null);
  // a regular file whose real path is inside the results folder: a symbolic link (or a linked folder) could
  // otherwise bring any readable file into the pack
  const inside = file?.isFile() === true && isInside(await realpath(resultsDir), await realpath(csv));
  if (!file || !inside || file.size !== worklist.bytes) {
    const what = !file ? 'missing' : !inside ? 'not a regular file inside the results folder' : `${file.size} bytes`;
    throw new SnapshotError(`${csv} does not match results.json (${what}, expected ${worklist.bytes} bytes); re-run analyze.`);
  }
  const want = Math.min(affected.count, Math.max(headLimit, affected.sample.length));
  const head: AffectedUser[] = [];
  let lineNo = 0;
  try {
    // 64 KiB at a time: the first rows only, whatever the size of the file
    for await (const row of readNdjson(source, undefined, 1 << 16)) {
      if (head.length >= want) break;
      lineNo++;
      const user = AffectedUserSchema.safeParse(row);
      if (!user.success) throw new Error(`row ${lineNo} is not an affected-user row (${user.error.issues[0]?.message ?? 'invalid'})`);
      head.push(user.data);
    }
  } catch (err) {
    throw new SnapshotError(`Cannot read the affected users of ${finding.checkId} from ${source}: ${(err as Error).message}`);
  }
  if (head.length < want || !isDeepStrictEqual(head.slice(0, affected.sample.length), affected.sample)) {
    throw new SnapshotError(`${source} does not match results.json (its first rows are not the recorded sample); re-run analyze.`);
  }
  const there = await stat(dest).catch(() => null);
  if (!there || there.ino !== file.ino || there.dev !== file.dev) {
    // (rendered again into the same folder, it is already this file: renaming a link onto it would do nothing)
    await writeAtomically(dest, async (tmp) => {
      try {
        await link(csv, tmp);
      } catch {
        await copyFile(csv, tmp); // another file system, or links not allowed
      }
    });
  }
  return { rows: affected.count, head: head.slice(0, headLimit), sha256: affected.sha256 };
}

function checkReportMeta(report: Partial<ReportMeta> | undefined): ReportMeta {
  const meta: ReportMeta = { ...DEFAULT_REPORT_META };
  for (const [k, v] of Object.entries(report ?? {})) if (v !== undefined) (meta as unknown as Record<string, unknown>)[k] = v;
  if (meta.pageSize !== 'A4' && meta.pageSize !== 'Letter') throw new UsageError(`report page size must be A4 or Letter, got ${JSON.stringify(meta.pageSize)}`);
  if (meta.status !== 'draft' && meta.status !== 'final') throw new UsageError(`report status must be draft or final, got ${JSON.stringify(meta.status)}`);
  return meta;
}

type WithAffected = Finding & { affected: NonNullable<Finding['affected']> };

/** The contents list with page numbers from a print's layout ('0' where unknown: same width, same line breaks). */
function withPageNumbers(view: ReportView, pages: ReadonlyMap<string, number> | null): ReportView {
  return { ...view, toc: view.toc.map((e) => ({ ...e, page: String(pages?.get(e.anchor) ?? 0) })) };
}

/** The page-number cells of the contents (templates/partials/document-control.hbs). */
const TOC_PAGE_SELECTOR = 'span.toc-page';
const TOC_PAGE_CELL = /<span class="toc-page">([0-9]*)<\/span>/g;

/**
 * The page numbers of `numbered`, in document order, when it is `placeholder` with only the text of its contents'
 * page-number cells changed (digits only); null otherwise (a templates override that prints the numbers another
 * way): the caller then loads `numbered` as a whole.
 */
export function tocPagesOnlyDiffer(placeholder: string, numbered: string): string[] | null {
  const pages = [...numbered.matchAll(TOC_PAGE_CELL)].map((m) => m[1] ?? '');
  if (pages.length === 0) return null;
  const blank = (html: string) => html.replace(TOC_PAGE_CELL, '<span class="toc-page"></span>');
  return blank(placeholder) === blank(numbered) ? pages : null;
}

function rowsListed(view: ReportView): number {
  return view.findings.reduce((n, f) => n + (f.affected?.rows.length ?? 0), 0);
}

function sameLayout(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

export async function renderPack(input: AuditResult, opts: RenderOptions): Promise<RenderOutput> {
  const { branding, outDir } = opts;
  brandCss(branding.primaryColor); // fails early on a colour that is not #rrggbb
  const maxAffected = opts.maxAffectedInPdf ?? 25;
  if (!Number.isInteger(maxAffected) || maxAffected < 0) {
    throw new UsageError(`maxAffectedInPdf must be a whole number ≥ 0, got ${maxAffected}`);
  }
  const report = checkReportMeta(opts.report);
  if (opts.templatesDir) {
    // a bad override fails before anything is written
    compileReportTemplate(opts.templatesDir);
    brandStylesheet(opts.templatesDir);
  }
  const logo = branding.logoFile ? await logoDataUri(branding.logoFile) : null;
  let pseudonymiser: Pseudonymiser | null = null;
  if (opts.redact) {
    checkRedactionPaths(opts.redact, outDir, opts.resultsDir);
    const key = await loadRedactKey(opts.redact, opts.env ?? process.env);
    pseudonymiser = Pseudonymiser.create(key, opts.redact.mode, opts.redact.mappingFile);
  }
  const aggregate = opts.redact?.mode === 'aggregate';
  try {
    const results = pseudonymiser ? redactResults(input, pseudonymiser) : input;
    const output = await renderRedactedOrNot(results, opts, { report, logo, maxAffected, pseudonymiser, aggregate });
    pseudonymiser?.commit();
    return output;
  } catch (err) {
    pseudonymiser?.abort();
    throw err;
  }
}

interface Prepared {
  report: ReportMeta;
  logo: string | null;
  maxAffected: number;
  pseudonymiser: Pseudonymiser | null;
  aggregate: boolean;
}

async function renderRedactedOrNot(results: AuditResult, opts: RenderOptions, prep: Prepared): Promise<RenderOutput> {
  const { branding, outDir } = opts;
  const { report, logo, maxAffected, pseudonymiser, aggregate } = prep;
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  // every file of the pack with its size and SHA-256, for pack-manifest.json (keyed by its path in the pack)
  const packFiles = new Map<string, PackFile>();
  const record = (path: string, file: { bytes: number; sha256: string }) => {
    packFiles.set(packPath(outDir, path), { path: packPath(outDir, path), bytes: file.bytes, sha256: file.sha256 });
  };
  const writeBytes = async (path: string, bytes: Buffer) => {
    await writeAtomically(path, (tmp) => writeFile(tmp, bytes));
    files.push(path);
    record(path, { bytes: bytes.length, sha256: sha256Of(bytes) });
  };

  // the tables list failing findings and those met only by exception (budget.ts shares the rows out)
  const listed: ListedFinding[] = results.findings
    .filter((f) => (f.status === 'fail' || f.status === 'excepted') && f.affected !== null)
    .map((f) => ({ checkId: f.checkId, count: f.affected?.count ?? 0 }));
  const capsFor = (rows: number) => affectedCaps(listed, maxAffected, rows);
  const firstBudget = PAGE_BUDGETS[0]!;
  const headLimit = Math.max(0, ...capsFor(firstBudget.affectedRows).values());

  const withWorklist = aggregate
    ? []
    : results.findings
        .filter((f): f is WithAffected => f.status === 'fail' && f.affected !== null)
        .sort((a, b) => (a.checkId < b.checkId ? -1 : a.checkId > b.checkId ? 1 : 0));
  const affectedHead = new Map<string, WorklistResult['head']>();
  const worklists = new Map<string, string>();
  if (withWorklist.length > 0) await mkdir(join(outDir, 'worklists'), { recursive: true });
  const transform = pseudonymiser ? (u: AffectedUser) => pseudonymiser.user(u) : undefined;
  for (const finding of withWorklist) {
    const rel = `worklists/${worklistName(finding.checkId)}`;
    if ([...worklists.values()].includes(rel) || rel === 'worklists/index.csv') throw new SnapshotError(`Two files would both be ${rel}.`);
    const dest = join(outDir, rel);
    const { result, file } = await writeWorklist(finding, opts.resultsDir, dest, headLimit, transform);
    affectedHead.set(finding.checkId, result.head);
    worklists.set(finding.checkId, rel);
    files.push(dest);
    record(dest, file);
  }
  if (withWorklist.length > 0) {
    const severityRank = (f: Finding) => ['critical', 'high', 'medium', 'low', 'info'].indexOf(f.severity);
    const rows = [...withWorklist]
      .sort((a, b) => severityRank(a) - severityRank(b) || (a.checkId < b.checkId ? -1 : a.checkId > b.checkId ? 1 : 0))
      .map((f) => ({
        severity: f.severity,
        checkId: f.checkId,
        title: f.title,
        users: f.affected.count,
        action: f.remediation.summary,
        steps: f.remediation.steps,
        file: worklistName(f.checkId),
      }));
    await writeBytes(join(outDir, 'worklists', 'index.csv'), Buffer.from(worklistIndexCsv(rows), 'utf8'));
  }

  const viewFor = (budget: PageBudget) =>
    buildViewModel(results, {
      branding,
      logoDataUri: logo,
      maxAffectedInPdf: maxAffected,
      affectedHead,
      worklists,
      affectedCaps: capsFor(budget.affectedRows),
      listCap: budget.listCap,
      flowSections: budget.flowSections,
      compactFindings: budget.compactFindings,
      report,
      redaction: opts.redact?.mode ?? null,
    });
  const view = viewFor(firstBudget);
  const charts = await renderCharts(view.charts, branding.primaryColor);
  const renderHtml = htmlRenderer(opts.templatesDir);
  const htmlOf = (v: ReportView, pdf: boolean, withCharts: Record<string, string> = charts) => renderHtml({ view: v, charts: withCharts, primaryColor: branding.primaryColor, pdf });

  await writeBytes(join(outDir, 'audit.html'), Buffer.from(htmlOf(view, false), 'utf8'));
  await writeBytes(join(outDir, 'summary.md'), Buffer.from(renderMarkdown(view), 'utf8'));

  let pdfPages: number | null = null;
  let sandbox: RenderOutput['sandbox'] = null;
  let pdfAffectedRows: number | null = null;
  if (opts.pdf !== false) {
    // loaded only when needed: puppeteer is the slowest import of the tool
    const { PdfSession, readPdfLayout } = await import('./pdf.js');
    const pdfOptions = {
      browserPath: opts.browserPath,
      organisation: view.cover.organisation,
      classification: view.cover.classification ?? undefined,
      documentLabel: `Authentication methods audit · v${view.meta.version}${view.meta.isDraft ? ' · DRAFT' : ''}`,
      // by default every page names the evidence it was computed from
      footer: view.meta.footer ?? `Snapshot ${view.meta.date} · manifest ${view.cover.manifestSha256.slice(0, 12)}…`,
      pageSize: report.pageSize,
      tagged: opts.pdfTagged === true,
    };
    const session = opts.pdfBrowser ? await opts.pdfBrowser.session(pdfOptions) : await PdfSession.open(pdfOptions);
    let pdf: Uint8Array;
    try {
      // the budget whose HTML (page numbers still '0') is in the page now
      let loaded = -1;
      // the budget the last pack printed with this browser needed (run --tenants): where the search starts
      const hint = opts.pdfBrowser?.budgetHint ?? 0;
      const fitted = await fitBudget(
        PAGE_BUDGETS.length,
        async (i) => {
          const v = i === 0 ? view : viewFor(PAGE_BUDGETS[i]!);
          // the budgets before the hint are expected not to fit, so never to be printed: they are probed with each
          // chart an empty <svg> of the chart's own size (chartBoxes), which lays out and breaks pages the same for
          // less (about 230 kB fewer to parse for a 1,000-user pack). Should one be the one found, its document is
          // loaded whole before the print (loaded stays -1).
          const boxesOnly = i < hint;
          const html = htmlOf(withPageNumbers(v, null), true, boxesOnly ? chartBoxes(charts) : charts);
          // styled for the probe from the start: most budgets tried are only probed (PdfSession.load)
          await session.load(html, { forProbe: true });
          loaded = boxesOnly ? -1 : i;
          // only where things land is read: nothing is painted (PdfSession.probe)
          return { view: v, html, layout: await session.probe() };
        },
        (r) => r.layout.pageCount <= MAX_PDF_PAGES,
        { size: (r) => r.layout.pageCount, limit: MAX_PDF_PAGES },
        hint,
      );
      if (opts.pdfBrowser) opts.pdfBrowser.budgetHint = fitted.index;
      const pdfView = fitted.result.view;
      let layout = fitted.result.layout;
      // the numbers have the width of the placeholders, so the print with them normally lands everything on the
      // same pages; if not, print once more with the corrected numbers
      for (let attempt = 0; ; attempt++) {
        const numbered = htmlOf(withPageNumbers(pdfView, layout.destinations), true);
        // the budget's document is still loaded (the search ended on it, as it does when the hint is right): only
        // the numbers change, so they are written into it rather than the document loaded and laid out again
        // (with the built-in templates only: an override may print the numbers in markup of its own)
        const pages = attempt === 0 && loaded === fitted.index && !opts.templatesDir ? tocPagesOnlyDiffer(fitted.result.html, numbered) : null;
        if (!pages || !(await session.setTexts(TOC_PAGE_SELECTOR, pages))) await session.load(numbered);
        pdf = await session.printLoaded();
        const again = readPdfLayout(pdf);
        const stable = sameLayout(again.destinations, layout.destinations);
        layout = again;
        if (stable || attempt >= 1) break;
      }
      pdfPages = layout.pageCount;
      pdfAffectedRows = rowsListed(pdfView);
      // bookmarks: the contents entries, pointing where the contents links point
      pdf = addOutline(
        pdf,
        pdfView.toc.map((e) => ({ title: e.no ? `${e.no} ${e.title}` : e.title, dest: e.anchor, level: e.level === 1 ? 1 : 2 })),
        new Set(layout.destinations.keys()),
      );
    } finally {
      sandbox = session.sandbox;
      await session.close();
    }
    await writeBytes(join(outDir, 'audit.pdf'), Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength));
  }
  const removed = await removeStaleOutputs(outDir, packFiles);
  for (const file of await analysisFiles(results, opts.resultsDir, outDir)) packFiles.set(file.path, file);
  for (const path of opts.alsoInPack ?? []) {
    if (isInside(outDir, path) && existsSync(path)) record(path, await hashFile(path));
  }
  files.push(await writePackManifest(outDir, results, opts.redact?.mode ?? null, [...packFiles.values()]));
  return { files: files.sort(), removed, sandbox, pdfPages, pdfAffectedRows };
}

/**
 * Each chart's SVG without its content: the <svg> element with its own attributes (width, height, viewBox…) and
 * nothing inside. Its box is set by those attributes alone, so a document with these lays out, and breaks pages,
 * as the one with the drawn charts does (test/unit/render-pdf-probe.test.ts); only for layout probes.
 */
export function chartBoxes(charts: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, svg] of Object.entries(charts)) {
    const open = /^<svg\b[^>]*>/.exec(svg)?.[0];
    out[id] = open && svg.endsWith('</svg>') ? `${open}</svg>` : svg;
  }
  return out;
}

/** `path` (inside outDir) as pack-manifest.json writes it: relative, '/'-separated. */
function packPath(outDir: string, path: string): string {
  const rel = relative(resolve(outDir), resolve(path)).split(sep).join('/');
  if (!isPackPath(rel)) throw new SnapshotError(`${path} is not a file inside the pack folder ${outDir}.`);
  return rel;
}

/**
 * Outputs of an earlier render into the same folder that this render does not make: audit.pdf when no PDF was
 * printed, worklists/*.csv of checks that no longer fail. They would sit beside the new pack unlisted (or, in a
 * redacted copy, keep the original names), so they go. Nothing else in the folder is touched: a file render did not
 * make is reported by verify as not in the pack manifest.
 */
async function removeStaleOutputs(outDir: string, written: ReadonlyMap<string, PackFile>): Promise<string[]> {
  const candidates = ['audit.pdf'];
  const listed = await readdir(join(outDir, 'worklists')).catch(() => [] as string[]);
  for (const name of listed) if (name.endsWith('.csv')) candidates.push(`worklists/${name}`);
  const removed: string[] = [];
  for (const rel of candidates.sort()) {
    if (written.has(rel)) continue;
    const path = join(outDir, ...rel.split('/'));
    const info = await lstat(path).catch(() => null);
    if (!info || !(info.isFile() || info.isSymbolicLink())) continue;
    await rm(path, { force: true });
    removed.push(path);
  }
  return removed;
}

/**
 * The analysis files that lie inside the pack folder (run and demo render into the results folder): results.json
 * and the affected-user sidecars and CSV worklists it names. results.json is hashed here; the sidecars and analysis
 * worklists carry the SHA-256 analyze computed while writing them (results.json records it, and verify re-hashes
 * every file), so render's cost does not grow with the tenant.
 */
async function analysisFiles(results: AuditResult, resultsDir: string, outDir: string): Promise<PackFile[]> {
  const out = new Map<string, PackFile>();
  const inPack = async (path: string): Promise<{ rel: string; size: number } | null> => {
    if (!isInside(outDir, path)) return null;
    const info = await lstat(path).catch(() => null);
    if (!info?.isFile()) return null; // missing or not a regular file: verify reports it against results.json
    return { rel: packPath(outDir, path), size: info.size };
  };
  const resultsPath = join(resultsDir, 'results.json');
  const at = await inPack(resultsPath);
  if (at) {
    const bytes = await readFile(resultsPath);
    out.set(at.rel, { path: at.rel, bytes: bytes.length, sha256: sha256Of(bytes) });
  }
  for (const f of results.findings) {
    if (!f.affected) continue;
    const recorded: [string, string, number | null][] = [[f.affected.file, f.affected.sha256, null]];
    if (f.affected.worklist) recorded.push([f.affected.worklist.file, f.affected.worklist.sha256, f.affected.worklist.bytes]);
    for (const [file, sha, bytes] of recorded) {
      const path = resolve(resultsDir, file);
      if (!isInsideLexically(resultsDir, path)) continue;
      const there = await inPack(path);
      if (!there || out.has(there.rel)) continue;
      const sha256 = sha.toLowerCase();
      out.set(there.rel, HEX64.test(sha256) ? { path: there.rel, bytes: bytes ?? there.size, sha256 } : { path: there.rel, ...(await hashFile(path)) });
    }
  }
  return [...out.values()];
}

/**
 * pack-manifest.json, last and atomically: every other file of the pack is in place. The signature of an earlier
 * manifest goes first (it signs other bytes): the pack is unsigned until `sign` runs again.
 */
async function writePackManifest(outDir: string, results: AuditResult, redaction: RedactMode | null, list: PackFile[]): Promise<string> {
  await rm(join(outDir, PACK_SIGNATURE_FILE), { force: true });
  const text = packManifestText({
    schemaVersion: PACK_MANIFEST_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    snapshotManifestSha256: results.snapshot.manifestSha256.toLowerCase(),
    redaction,
    files: list,
  });
  const path = join(outDir, PACK_MANIFEST_FILE);
  await writeAtomically(path, (tmp) => writeFile(tmp, text, { encoding: 'utf8', flush: true }));
  return path;
}
