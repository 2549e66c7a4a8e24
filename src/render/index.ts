/**
 * render: results.json (+ its affected-user sidecars) → the audit pack in outDir:
 * audit.html, audit.pdf, summary.md and worklists/<checkId>.csv for every failing finding with affected users.
 * Reads only results types (never the snapshot or the checks); every file appears atomically.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import type { AuditResult, Finding } from '../engine/results.js';
import { SnapshotError, UsageError } from '../errors.js';
import { renderCharts } from './charts.js';
import { writeWorklistCsv, type WorklistResult } from './csv.js';
import { brandCss, renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { buildViewModel, worklistName, type Branding } from './view-model.js';

export { findBrowser } from './browser.js';
export type { Branding } from './view-model.js';

export interface RenderOptions {
  /** folder of results.json: affected-user sidecars are relative to it */
  resultsDir: string;
  outDir: string;
  branding: Branding;
  /** default true */
  pdf?: boolean;
  browserPath?: string;
  /** default 25 */
  maxAffectedInPdf?: number;
}

export interface RenderOutput {
  /** paths written, sorted */
  files: string[];
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

/** A sidecar path from results.json, refused if it leaves the results folder. */
function sidecarPath(resultsDir: string, file: string): string {
  const root = resolve(resultsDir);
  const path = resolve(root, file);
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new SnapshotError(`Affected-user file ${JSON.stringify(file)} points outside the results folder ${root}.`);
  }
  return path;
}

async function writeWorklist(
  finding: Finding & { affected: NonNullable<Finding['affected']> },
  resultsDir: string,
  dest: string,
  headLimit: number,
): Promise<WorklistResult> {
  const source = sidecarPath(resultsDir, finding.affected.file);
  return writeAtomically(dest, async (tmp) => {
    let result: WorklistResult;
    try {
      result = await writeWorklistCsv(source, tmp, headLimit);
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
    return result;
  });
}

export async function renderPack(results: AuditResult, opts: RenderOptions): Promise<RenderOutput> {
  const { branding, outDir } = opts;
  brandCss(branding.primaryColor); // fails early on a colour that is not #rrggbb
  const maxAffected = opts.maxAffectedInPdf ?? 25;
  if (!Number.isInteger(maxAffected) || maxAffected < 0) {
    throw new UsageError(`maxAffectedInPdf must be a whole number ≥ 0, got ${maxAffected}`);
  }
  const logo = branding.logoFile ? await logoDataUri(branding.logoFile) : null;
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];

  const withWorklist = results.findings
    .filter((f): f is Finding & { affected: NonNullable<Finding['affected']> } => f.status === 'fail' && f.affected !== null)
    .sort((a, b) => (a.checkId < b.checkId ? -1 : a.checkId > b.checkId ? 1 : 0));
  const affectedHead = new Map<string, WorklistResult['head']>();
  const worklists = new Map<string, string>();
  if (withWorklist.length > 0) await mkdir(join(outDir, 'worklists'), { recursive: true });
  for (const finding of withWorklist) {
    const rel = `worklists/${worklistName(finding.checkId)}`;
    if ([...worklists.values()].includes(rel)) throw new SnapshotError(`Two failing findings would both write ${rel}.`);
    const dest = join(outDir, rel);
    const result = await writeWorklist(finding, opts.resultsDir, dest, maxAffected);
    affectedHead.set(finding.checkId, result.head);
    worklists.set(finding.checkId, rel);
    files.push(dest);
  }

  const view = buildViewModel(results, { branding, logoDataUri: logo, maxAffectedInPdf: maxAffected, affectedHead, worklists });
  const charts = await renderCharts(view.charts, branding.primaryColor);
  const html = renderHtml({ view, charts, primaryColor: branding.primaryColor });

  const htmlPath = join(outDir, 'audit.html');
  await writeAtomically(htmlPath, (tmp) => writeFile(tmp, html, 'utf8'));
  files.push(htmlPath);
  const mdPath = join(outDir, 'summary.md');
  await writeAtomically(mdPath, (tmp) => writeFile(tmp, renderMarkdown(view), 'utf8'));
  files.push(mdPath);

  if (opts.pdf !== false) {
    // loaded only when needed: puppeteer is the slowest import of the tool
    const { htmlToPdf } = await import('./pdf.js');
    const { pdf } = await htmlToPdf(html, {
      browserPath: opts.browserPath,
      organisation: view.cover.organisation,
      classification: view.cover.classification ?? undefined,
    });
    const pdfPath = join(outDir, 'audit.pdf');
    await writeAtomically(pdfPath, (tmp) => writeFile(tmp, pdf));
    files.push(pdfPath);
  }
  return { files: files.sort() };
}
