/**
 * View data → one self-contained HTML document (Handlebars). Data is only ever placed with {{ }}, which escapes
 * it; the only unescaped inserts are our own CSS and our own chart SVG, marked as SafeString here.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { PROJECT_ROOT } from '../version.js';
import { UsageError } from '../errors.js';
import type { ReportView } from './view-model.js';
import { isInside, isInsideLexically, realPathOf } from '../paths.js';

export const TEMPLATES_DIR = join(PROJECT_ROOT, 'templates');
export const STYLES_DIR = join(PROJECT_ROOT, 'styles');
/** Order matters: tokens define the variables the others use; print rules come last. */
const STYLESHEETS = ['tokens.css', 'report.css', 'print.css'];

/**
 * No script, no network: styles and images may only come from the document itself. `default-src 'none'` also
 * blocks frames, objects, fonts from URLs, fetches and form targets.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:";

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

function channel(hex: string, i: number): number {
  return parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
}

function toHex(rgb: number[]): string {
  return `#${rgb.map((c) => Math.round(Math.max(0, Math.min(255, c))).toString(16).padStart(2, '0')).join('')}`;
}

/** Mixes `hex` with white (amount > 0) or black (amount < 0). */
function mix(hex: string, amount: number): string {
  const target = amount > 0 ? 255 : 0;
  const a = Math.abs(amount);
  return toHex([0, 1, 2].map((i) => channel(hex, i) * (1 - a) + target * a));
}

/** WCAG relative luminance. */
function luminance(hex: string): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(channel(hex, 0)) + 0.7152 * lin(channel(hex, 1)) + 0.0722 * lin(channel(hex, 2));
}

/**
 * Brand variables from the configured colour. Only a strict #rrggbb reaches the stylesheet, so the value can
 * never close the rule and inject CSS. Headings use a darkened shade when the brand colour is too light to read.
 */
export function brandCss(primaryColor: string): string {
  if (!HEX_COLOR.test(primaryColor)) throw new Error(`branding colour must be #rrggbb, got ${JSON.stringify(primaryColor)}`);
  const color = primaryColor.toLowerCase();
  const onBrand = luminance(color) > 0.35 ? '#111827' : '#ffffff';
  let ink = color;
  // contrast with white ≥ 4.5:1 (WCAG AA) ⇔ luminance ≤ 0.183
  for (let i = 0; i < 12 && luminance(ink) > 0.183; i++) ink = mix(ink, -0.15);
  return `:root { --brand: ${color}; --brand-ink: ${ink}; --brand-on: ${onBrand}; --brand-tint: ${mix(color, 0.9)}; --brand-tint-strong: ${mix(color, 0.75)}; }`;
}

export function loadStyles(): string {
  return STYLESHEETS.map((name) => `/* ${name} */\n${readFileSync(join(STYLES_DIR, name), 'utf8')}`).join('\n');
}

type Template = (context: unknown) => string;

/** The optional stylesheet of a templates override folder, after the built-in styles (it may override any rule). */
export const BRAND_STYLESHEET = 'brand.css';

/**
 * A file of the templates folder is read only when its real path is inside the folder's real path: a symbolic link
 * (templates/logo.png -> /etc/passwd, or a linked sub-folder) would otherwise embed any readable file in the report.
 */
function checkTemplatesFile(templatesDir: string, file: string): void {
  if (!isInside(templatesDir, file)) {
    throw new UsageError(
      `${file} resolves to ${realPathOf(file)} through a symbolic link, outside the templates folder ${templatesDir}; copy the file into the folder instead.`,
    );
  }
}

const MAX_ASSET_BYTES = 5 * 1024 * 1024;
const ASSET_TYPES: Record<string, string> = {
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * templatesDir/brand.css with every url(...) it names (fonts, images: files in the templates folder) embedded as
 * a data: URI, because the page may load nothing (CSP). A remote URL, an @import, a file outside the folder or a
 * "</style" that would end the style element is refused rather than silently dropped.
 */
export function brandStylesheet(templatesDir: string | undefined): string {
  if (!templatesDir) return '';
  const path = join(templatesDir, BRAND_STYLESHEET);
  if (!existsSync(path)) return '';
  checkTemplatesFile(templatesDir, path);
  const css = readFileSync(path, 'utf8');
  const where = `${path}`;
  if (/<\/style/i.test(css)) throw new UsageError(`${where} contains "</style", which would end the report's style element.`);
  if (/@import\b/i.test(css)) throw new UsageError(`${where} uses @import; put the rules in ${BRAND_STYLESHEET} itself.`);
  const root = resolve(templatesDir);
  return css.replace(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi, (whole, _q: string, ref: string) => {
    const target = ref.trim();
    if (target.startsWith('data:') || target.startsWith('#')) return whole;
    if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(target)) {
      throw new UsageError(`${where} refers to ${target}; the report loads nothing from outside, so give a file in ${templatesDir}.`);
    }
    const file = resolve(root, target);
    if (!isInsideLexically(root, file)) throw new UsageError(`${where} refers to ${target}, outside ${templatesDir}.`);
    checkTemplatesFile(templatesDir, file);
    const type = ASSET_TYPES[extname(file).toLowerCase()];
    if (!type) throw new UsageError(`${where} refers to ${target}; only ${Object.keys(ASSET_TYPES).join(', ')} files can be embedded.`);
    let bytes: Buffer;
    try {
      if (statSync(file).size > MAX_ASSET_BYTES) throw new UsageError(`${file} is larger than 5 MB; it is embedded in the report.`);
      bytes = readFileSync(file);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`${where}: cannot read ${target} (${(err as Error).message}).`);
    }
    return `url("data:${type};base64,${bytes.toString('base64')}")`;
  });
}

/** Partial names a templates override may replace: the file names of templates/partials/*.hbs. */
export function builtInPartials(): string[] {
  return readdirSync(join(TEMPLATES_DIR, 'partials'))
    .filter((f) => f.endsWith('.hbs'))
    .map((f) => basename(f, '.hbs'))
    .sort();
}

/**
 * The override folder's partials: every `*.hbs` must be named after a built-in partial (a typo must not be
 * silently ignored). A team's templates are its own code, so they are compiled like ours (still no script: the
 * page's CSP forbids it and the PDF is printed with JavaScript disabled).
 */
function overridePartials(dir: string): Map<string, string> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.hbs')).sort();
  } catch (err) {
    throw new UsageError(`Cannot read the templates folder ${dir}: ${(err as Error).message}`);
  }
  const known = new Set(builtInPartials());
  const out = new Map<string, string>();
  for (const file of files) {
    const name = basename(file, '.hbs');
    if (!known.has(name)) {
      throw new UsageError(`${join(dir, file)} does not replace a built-in partial; the names are: ${[...known].join(', ')}.`);
    }
    checkTemplatesFile(dir, join(dir, file));
    out.set(name, readFileSync(join(dir, file), 'utf8'));
  }
  return out;
}

/**
 * Compiled templates by their source (report.hbs and every partial, built-in and override, with their names): the
 * same text compiles to the same template, so run --tenants compiles once rather than once per pack (Handlebars
 * compiles a template and each partial on first use: about 50 ms of a 1,000-user pack's CPU), and a template edited
 * between two renders of one process is compiled afresh. A few entries at most (one per templates folder).
 */
const compiled = new Map<string, Template>();

/**
 * Compiles templates/report.hbs with every templates/partials/*.hbs registered under its file name; a partial of
 * the same name in `templatesDir` replaces the built-in one.
 */
export function compileReportTemplate(templatesDir?: string): Template {
  const partialsDir = join(TEMPLATES_DIR, 'partials');
  const partials = new Map<string, string>();
  for (const name of builtInPartials()) partials.set(name, readFileSync(join(partialsDir, `${name}.hbs`), 'utf8'));
  if (templatesDir) for (const [name, text] of overridePartials(templatesDir)) partials.set(name, text);
  const report = readFileSync(join(TEMPLATES_DIR, 'report.hbs'), 'utf8');
  const key = JSON.stringify([report, ...partials]);
  const known = compiled.get(key);
  if (known) return known;
  const hb = Handlebars.create();
  for (const [name, text] of partials) hb.registerPartial(name, text);
  // formatting helpers only: no data logic lives in templates
  hb.registerHelper('plural', (n: unknown, one: unknown, many: unknown) => (n === 1 ? String(one) : String(many)));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  const template = hb.compile(report, { strict: true, preventIndent: true });
  compiled.set(key, template);
  return template;
}

export type PageSize = 'A4' | 'Letter';

/** Page box in mm; the margins leave room for Chromium's header and footer. */
export const PAGE_SIZES: Record<PageSize, { width: number; height: number }> = {
  A4: { width: 210, height: 297 },
  Letter: { width: 215.9, height: 279.4 },
};
export const PAGE_MARGIN_MM = { top: 17, right: 16, bottom: 17, left: 16 } as const;

/** @page rules and the page-dependent sizes (the cover fills exactly one page). */
export function pageCss(size: PageSize): string {
  const p = PAGE_SIZES[size];
  const m = PAGE_MARGIN_MM;
  const contentHeight = p.height - m.top - m.bottom;
  return (
    `@page { size: ${size === 'A4' ? 'A4' : 'letter'}; margin: ${m.top}mm ${m.right}mm ${m.bottom}mm ${m.left}mm; }\n` +
    `:root { --page-width: ${p.width}mm; --content-width: ${(p.width - m.left - m.right).toFixed(1)}mm; --content-height: ${contentHeight.toFixed(1)}mm; }`
  );
}

export interface HtmlInput {
  view: ReportView;
  /** chart SVG by chart id, from charts.ts */
  charts: Readonly<Record<string, string>>;
  primaryColor: string;
  /** folder whose partials replace the built-in ones */
  templatesDir?: string;
  /** the variant printed to PDF: the contents list shows page numbers */
  pdf?: boolean;
}

export function renderHtml(input: HtmlInput): string {
  return htmlRenderer(input.templatesDir)(input);
}

/**
 * renderHtml with the templates compiled and the stylesheets read once: a pack renders its HTML up to six times
 * (audit.html, then each PDF print), and compiling the templates is most of a render's Handlebars time.
 */
export function htmlRenderer(templatesDir?: string): (input: Omit<HtmlInput, 'templatesDir'>) => string {
  const template = compileReportTemplate(templatesDir);
  const custom = brandStylesheet(templatesDir);
  const styles = loadStyles();
  return ({ view, charts, primaryColor, pdf = false }) => {
    const css =
      `${styles}\n/* page */\n${pageCss(view.meta.pageSize)}\n/* brand */\n${brandCss(primaryColor)}\n` +
      (custom ? `/* ${BRAND_STYLESHEET} (templates folder) */\n${custom}\n` : '');
    const context = {
      ...view,
      pdf,
      csp: CONTENT_SECURITY_POLICY,
      css: new Handlebars.SafeString(css),
      charts: view.charts.map((c) => ({
        ...c,
        svg: charts[c.id] === undefined ? null : new Handlebars.SafeString(charts[c.id] ?? ''),
      })),
    };
    // Handlebars escapes "=" as &#x3D; for unquoted attribute values. Every attribute in our templates is quoted
    // (test/unit/render-html.test.ts holds this), so "=" is inert and we print it as itself: names read as they are.
    return template(context).replace(/&#x3D;/g, '=');
  };
}
