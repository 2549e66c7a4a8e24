/**
 * View data → one self-contained HTML document (Handlebars). Data is only ever placed with {{ }}, which escapes
 * it; the only unescaped inserts are our own CSS and our own chart SVG, marked as SafeString here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { PROJECT_ROOT } from '../version.js';
import type { ReportView } from './view-model.js';

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

/** Compiles templates/report.hbs with every templates/partials/*.hbs registered under its file name. */
export function compileReportTemplate(): Template {
  const hb = Handlebars.create();
  const partialsDir = join(TEMPLATES_DIR, 'partials');
  for (const file of readdirSync(partialsDir).filter((f) => f.endsWith('.hbs')).sort()) {
    hb.registerPartial(basename(file, '.hbs'), readFileSync(join(partialsDir, file), 'utf8'));
  }
  // formatting helpers only: no data logic lives in templates
  hb.registerHelper('plural', (n: unknown, one: unknown, many: unknown) => (n === 1 ? String(one) : String(many)));
  return hb.compile(readFileSync(join(TEMPLATES_DIR, 'report.hbs'), 'utf8'), { strict: true, preventIndent: true });
}

export interface HtmlInput {
  view: ReportView;
  /** chart SVG by chart id, from charts.ts */
  charts: Readonly<Record<string, string>>;
  primaryColor: string;
}

export function renderHtml({ view, charts, primaryColor }: HtmlInput): string {
  const template = compileReportTemplate();
  const css = `${loadStyles()}\n/* brand */\n${brandCss(primaryColor)}\n`;
  const context = {
    ...view,
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
}
