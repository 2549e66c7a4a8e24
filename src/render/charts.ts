/**
 * Every chart of the report: Vega-Lite specs built here, compiled and rendered to an SVG string in Node
 * (no canvas, no browser, no network: the loader is file-mode and the specs carry their data inline). A compiled
 * spec is kept per shape, its rows put in afresh for each chart (compiledSpec).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CHART_FONT_FAMILY, FALLBACK_EM, LIBERATION_SANS_BOLD, LIBERATION_SANS_REGULAR } from './font-metrics.js';
import type { ChartData } from './view-model.js';

/** Okabe–Ito palette: distinguishable with the common colour-vision deficiencies (Okabe & Ito, 2008). */
export const OKABE_ITO = {
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
  black: '#000000',
} as const;

/** Width of every chart in CSS px: the A4 text block (210 mm − 2 × 16 mm margins ≈ 672 px) minus a little air. */
export const CHART_WIDTH = 660;
const BAR_STEP = 17;
const TEXT_COLOR = '#1f2933';
const GRID_COLOR = '#e3e7eb';

// ---------------------------------------------------------------------------------------------------------------
// Text measurement: vega estimates 0.8 em per character without a canvas; we use the measured advance widths.

interface TextItem {
  fontSize?: number | string;
  fontWeight?: string | number;
}

interface VegaTextMetrics {
  width: (item: TextItem, text?: unknown) => number;
}

function isBold(weight: TextItem['fontWeight']): boolean {
  if (weight === undefined) return false;
  if (weight === 'bold' || weight === 'bolder') return true;
  const n = Number(weight);
  return Number.isFinite(n) && n >= 600;
}

/** Width in px of `text` set in the chart font at `fontSize` px. */
export function measureText(text: string, fontSize: number, bold = false): number {
  const table = bold ? LIBERATION_SANS_BOLD : LIBERATION_SANS_REGULAR;
  let thousandths = 0;
  for (const ch of text) thousandths += table[ch.codePointAt(0) ?? 0] ?? FALLBACK_EM * 1000;
  return (thousandths / 1000) * fontSize;
}

function textWidth(item: TextItem, text: unknown): number {
  const size = item.fontSize === undefined ? 11 : Number(item.fontSize) || 0;
  const s = text === undefined || text === null ? '' : String(text).trim();
  return measureText(s, size, isBold(item.fontWeight));
}

// `textMetrics` is exported by vega at run time but missing from its typings.
(vega as unknown as { textMetrics: VegaTextMetrics }).textMetrics.width = textWidth;

// ---------------------------------------------------------------------------------------------------------------
// Specs

function baseConfig() {
  return {
    font: CHART_FONT_FAMILY,
    background: '#ffffff',
    view: { stroke: null },
    axis: {
      labelFont: CHART_FONT_FAMILY,
      titleFont: CHART_FONT_FAMILY,
      labelColor: TEXT_COLOR,
      titleColor: TEXT_COLOR,
      labelFontSize: 10,
      titleFontSize: 10,
      titleFontWeight: 'normal' as const,
      domainColor: '#9aa5b1',
      tickColor: '#9aa5b1',
      gridColor: GRID_COLOR,
      // never truncate a label with "…": the measured widths let autosize make room instead
      labelLimit: 0,
    },
    legend: {
      labelFont: CHART_FONT_FAMILY,
      titleFont: CHART_FONT_FAMILY,
      labelFontSize: 10,
      titleFontSize: 10,
      labelColor: TEXT_COLOR,
      labelLimit: 0,
      orient: 'bottom' as const,
      direction: 'horizontal' as const,
      title: null,
      symbolType: 'square',
    },
    text: { font: CHART_FONT_FAMILY, fontSize: 10, color: TEXT_COLOR },
  };
}

const autosize = { type: 'fit-x' as const, contains: 'padding' as const };

function methodsSpec(chart: ChartData, brand: string): TopLevelSpec {
  const field = chart.measure === 'count' ? 'count' : 'share';
  const values = chart.rows.map((r) => ({
    label: r.label,
    value: chart.measure === 'count' ? r.count : r.share,
    text: chart.measure === 'count' ? (r.count === null ? '' : r.countText.split(' / ')[0]) : r.shareText,
  }));
  return {
    width: CHART_WIDTH,
    height: { step: BAR_STEP },
    autosize,
    padding: { left: 4, right: 40, top: 4, bottom: 4 },
    config: baseConfig(),
    data: { values },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: null, axis: { ticks: false, domain: false, labelPadding: 6 } },
      x: {
        field: 'value',
        type: 'quantitative',
        title: field === 'count' ? 'Users' : 'Share of users in scope',
        axis: field === 'count' ? { format: ',d', tickMinStep: 1 } : { format: '.0%' },
        ...(field === 'share' ? { scale: { domain: [0, 1] } } : {}),
      },
    },
    layer: [
      { mark: { type: 'bar', color: brand, cornerRadiusEnd: 2, height: { band: 0.7 } } },
      { mark: { type: 'text', align: 'left', dx: 4, baseline: 'middle' }, encoding: { text: { field: 'text' } } },
    ],
  };
}

function funnelSpec(chart: ChartData): TopLevelSpec {
  const groups = ['MFA', 'SSPR', 'Passwordless', 'Phishing-resistant'];
  const values = chart.rows
    .filter((r) => r.share !== null)
    .map((r) => ({ label: r.label, share: r.share, group: r.group, text: r.shareText }));
  return {
    width: CHART_WIDTH,
    height: { step: BAR_STEP },
    autosize,
    padding: { left: 4, right: 40, top: 4, bottom: 4 },
    config: baseConfig(),
    data: { values },
    encoding: {
      y: {
        field: 'label',
        type: 'nominal',
        sort: chart.rows.map((r) => r.label),
        title: null,
        axis: { ticks: false, domain: false, labelPadding: 6 },
      },
      x: { field: 'share', type: 'quantitative', title: 'Share of users in scope', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
    },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.7 } },
        encoding: {
          color: {
            field: 'group',
            type: 'nominal',
            scale: { domain: groups, range: [OKABE_ITO.blue, OKABE_ITO.bluishGreen, OKABE_ITO.orange, OKABE_ITO.reddishPurple] },
          },
        },
      },
      { mark: { type: 'text', align: 'left', dx: 4, baseline: 'middle' }, encoding: { text: { field: 'text' } } },
    ],
  };
}

/** Two bars per label, one per group, as shares of each group (admins vs all users). */
function groupedShareSpec(
  chart: ChartData,
  o: { groups: string[]; step: number; xTitle: string; sortColor: boolean; labelFontSize?: number },
): TopLevelSpec {
  const values = chart.rows
    .filter((r) => r.share !== null)
    .map((r) => ({ label: r.label, share: r.share, group: r.group, text: r.shareText }));
  const labels = [...new Set(chart.rows.map((r) => r.label))];
  const groups = o.groups;
  const scale = { domain: groups, range: [OKABE_ITO.vermillion, OKABE_ITO.blue] };
  return {
    width: CHART_WIDTH,
    height: { step: o.step },
    autosize,
    padding: { left: 4, right: 40, top: 4, bottom: 4 },
    config: baseConfig(),
    data: { values },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: labels, title: null, axis: { ticks: false, domain: false, labelPadding: 6 } },
      yOffset: { field: 'group', type: 'nominal', sort: groups, scale: { paddingInner: 0.1 } },
      x: { field: 'share', type: 'quantitative', title: o.xTitle, axis: { format: '.0%' }, scale: { domain: [0, 1] } },
    },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: { color: o.sortColor ? { field: 'group', type: 'nominal', sort: groups, scale } : { field: 'group', type: 'nominal', scale } },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4, baseline: 'middle', ...(o.labelFontSize ? { fontSize: o.labelFontSize } : {}) },
        encoding: { text: { field: 'text' } },
      },
    ],
  };
}

function adminsSpec(chart: ChartData): TopLevelSpec {
  return groupedShareSpec(chart, { groups: ['Administrators', 'All users'], step: 24, xTitle: 'Share of the group', sortColor: false });
}

const GREY = '#9aa5b1';

/** Privileged admins against all users, two bars per method (usersRegisteredByMethod). */
function methodAdoptionSpec(chart: ChartData): TopLevelSpec {
  return groupedShareSpec(chart, {
    groups: [...new Set(chart.rows.map((r) => r.group))],
    step: 15,
    xTitle: 'Share of the group with the method registered',
    sortColor: true,
    labelFontSize: 9,
  });
}

/** Daily sign-ins, single-factor stacked on MFA (userMfaSignInSummary); a label on every few days so they never collide. */
function signInTrendSpec(chart: ChartData): TopLevelSpec {
  const groups = [...new Set(chart.rows.map((r) => r.group))];
  const days = [...new Set(chart.rows.map((r) => r.label))];
  const every = Math.max(1, Math.ceil(days.length / 12));
  const values = chart.rows.map((r, i) => ({ day: r.label, group: r.group, order: groups.indexOf(r.group), count: r.count ?? 0, i }));
  return {
    width: CHART_WIDTH,
    height: 120,
    autosize,
    padding: { left: 4, right: 16, top: 8, bottom: 4 },
    config: baseConfig(),
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'day', type: 'ordinal', sort: days, title: null, scale: { paddingInner: 0.15 }, axis: { labelAngle: 0, values: days.filter((_, i) => i % every === 0), ticks: false } },
      y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'Sign-ins', axis: { format: ',d', tickCount: 5 } },
      color: { field: 'group', type: 'nominal', sort: groups, scale: { domain: groups, range: [OKABE_ITO.blue, OKABE_ITO.vermillion] } },
      order: { field: 'order', type: 'quantitative' },
    },
  } as TopLevelSpec;
}

function strengthSpec(chart: ChartData): TopLevelSpec {
  const groups = ['Phishing-resistant', 'MFA capable', 'Weak or none'];
  const values = chart.rows
    .filter((r) => r.share !== null)
    .map((r) => ({ label: r.label, share: r.share, group: r.group, text: r.shareText }));
  return {
    width: CHART_WIDTH,
    height: { step: 20 },
    autosize,
    padding: { left: 4, right: 40, top: 4, bottom: 4 },
    config: baseConfig(),
    data: { values },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: chart.rows.map((r) => r.label), title: null, axis: { ticks: false, domain: false, labelPadding: 6 } },
      x: { field: 'share', type: 'quantitative', title: 'Share of users in scope', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
    },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.7 } },
        encoding: {
          color: { field: 'group', type: 'nominal', scale: { domain: groups, range: [OKABE_ITO.bluishGreen, OKABE_ITO.blue, OKABE_ITO.vermillion] } },
        },
      },
      { mark: { type: 'text', align: 'left', dx: 4, baseline: 'middle' }, encoding: { text: { field: 'text' } } },
    ],
  };
}

/** Upper end of a rate axis: a little above the largest rate or limit, in tenths, at most 100 %. */
function rateDomainMax(chart: ChartData): number {
  const top = Math.max(0.05, chart.threshold?.value ?? 0, ...chart.rows.map((r) => r.share ?? 0));
  return Math.min(1, Math.ceil(top * 1.25 * 10) / 10);
}

function failureSpec(chart: ChartData): TopLevelSpec {
  const groups = ['Above the limit', 'Within the limit', 'Too few attempts to judge'];
  const values = chart.rows
    .filter((r) => r.share !== null)
    .map((r) => ({ label: r.label, share: r.share, group: r.group, text: `${r.shareText} (${r.countText.replace(' / ', '/')})` }));
  const spec = {
    width: CHART_WIDTH,
    height: { step: 13 },
    autosize,
    padding: { left: 4, right: 70, top: 4, bottom: 4 },
    config: baseConfig(),
    data: { values },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: chart.rows.map((r) => r.label), title: null, axis: { ticks: false, domain: false, labelPadding: 6 } },
      x: {
        field: 'share',
        type: 'quantitative',
        title: 'Failed attempts, share of attempts',
        axis: { format: '.0%', tickCount: 8 },
        scale: { domain: [0, rateDomainMax(chart)] },
      },
    },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.72 } },
        encoding: {
          color: { field: 'group', type: 'nominal', scale: { domain: groups, range: [OKABE_ITO.vermillion, OKABE_ITO.blue, GREY] } },
        },
      },
      { mark: { type: 'text', align: 'left', dx: 4, baseline: 'middle', fontSize: 9 }, encoding: { text: { field: 'text' } } },
      ...(chart.threshold
        ? [
            {
              // its own one-row data, or the rule would be drawn once per bar
              data: { values: [{ limit: chart.threshold.value }] },
              mark: { type: 'rule', strokeDash: [4, 3], color: TEXT_COLOR, strokeWidth: 1.2 },
              encoding: { x: { field: 'limit', type: 'quantitative' }, y: null },
            },
          ]
        : []),
    ],
  };
  return spec as unknown as TopLevelSpec;
}

const TREND_COLORS = [OKABE_ITO.blue, OKABE_ITO.vermillion, OKABE_ITO.bluishGreen, OKABE_ITO.orange, OKABE_ITO.reddishPurple, OKABE_ITO.skyBlue, OKABE_ITO.black];
const TREND_SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down', 'wedge'];

function trendSpec(chart: ChartData): TopLevelSpec {
  const values = chart.series.flatMap((s, i) =>
    s.points
      .filter((p) => p.value !== null)
      .map((p) => ({ series: s.label, order: i, asOf: p.asOf, date: p.dateLabel, share: p.value })),
  );
  const dates = [...new Map(chart.series.flatMap((s) => s.points.map((p) => [p.asOf, p.dateLabel] as const))).entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, label]) => label);
  const labels = chart.series.map((s) => s.label);
  // the legend wraps in rows of four: a single horizontal row would run off the chart
  const legend = { columns: 4, columnPadding: 14, rowPadding: 4 };
  const color = {
    field: 'series',
    type: 'nominal' as const,
    sort: labels,
    scale: { domain: labels, range: TREND_COLORS.slice(0, labels.length) },
    legend,
  };
  return {
    width: CHART_WIDTH,
    height: 220,
    autosize,
    padding: { left: 4, right: 16, top: 8, bottom: 4 },
    config: baseConfig(),
    data: { values },
    encoding: {
      x: { field: 'date', type: 'ordinal', sort: dates, title: null, axis: { labelAngle: 0 } },
      y: { field: 'share', type: 'quantitative', title: 'Share', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      color,
    },
    layer: [
      { mark: { type: 'line', strokeWidth: 2 } },
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: { shape: { field: 'series', type: 'nominal', sort: labels, scale: { domain: labels, range: TREND_SHAPES.slice(0, labels.length) }, legend } },
      },
    ],
  } as TopLevelSpec;
}

/** The Vega-Lite spec of one chart (exported for tests and for anyone who wants the chart elsewhere). */
export function chartSpec(chart: ChartData, brandColor: string): TopLevelSpec {
  switch (chart.id) {
    case 'methods':
      return methodsSpec(chart, brandColor);
    case 'funnel':
      return funnelSpec(chart);
    case 'admins':
      return adminsSpec(chart);
    case 'method-adoption':
      return methodAdoptionSpec(chart);
    case 'sign-in-trend':
      return signInTrendSpec(chart);
    case 'strength':
      return strengthSpec(chart);
    case 'sspr-failure':
    case 'registration-failure':
      return failureSpec(chart);
    case 'trend':
      return trendSpec(chart);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

/**
 * Vega numbers clip paths and gradients from a module-wide counter: reset it per chart so output does not depend
 * on what was rendered before, then prefix every id so several charts can share one HTML document.
 */
function scopeIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}-${id}"`);
}

/**
 * Vega-Lite reports harmless spec adjustments (e.g. "Dropping fit-y because spec has discrete height") on the
 * console; the renderer must not print (only src/cli does), and real errors still throw.
 */
const SILENT = vega.logger(vega.None);

/** Our SVG is inserted into the HTML unescaped: refuse anything that could execute or load. */
function assertInert(svg: string): void {
  if (/<script|<foreignObject|\son[a-z]+\s*=|javascript:|<image|<use\b[^>]*href="(?!#)/i.test(svg)) {
    throw new Error('chart SVG contains active content; refusing to embed it');
  }
}

/** The name under which a chart's own rows are given to its compiled spec (compiledSpec). */
const ROWS = 'eaa_rows';
/** Vega specs compiled from Vega-Lite, by the Vega-Lite spec without its rows (compiledSpec). */
const compiledSpecs = new Map<string, vega.Spec>();
/** Distinct chart shapes kept at most (a report has 8 charts; shapes vary with labels and domains, not with counts). */
const COMPILED_SPECS_MAX = 256;

/**
 * The Vega spec of a Vega-Lite spec. Compiling is most of a chart's time, and a chart's compiled form does not
 * depend on its rows (Vega-Lite copies inline values into a data set and computes nothing from them; scales and
 * layout are worked out when the view runs): so the spec is compiled with its rows replaced by a named data set,
 * once per shape (run --tenants: once for the run rather than for every tenant), and the rows are put into that
 * data set of the compiled spec. The SVG is the same byte for byte (test/unit/render-charts.test.ts).
 */
export function compiledSpec(spec: TopLevelSpec): vega.Spec {
  const values = (spec as { data?: { values?: unknown } }).data?.values;
  if (!Array.isArray(values)) return compile(spec, { logger: SILENT }).spec;
  const shape = { ...spec, data: { name: ROWS } } as TopLevelSpec;
  const key = JSON.stringify(shape);
  let compiled = compiledSpecs.get(key);
  if (!compiled) {
    compiled = compile(shape, { logger: SILENT }).spec;
    if (compiledSpecs.size >= COMPILED_SPECS_MAX) compiledSpecs.clear();
    compiledSpecs.set(key, compiled);
  }
  return { ...compiled, data: (compiled.data ?? []).map((d) => (d.name === ROWS ? { ...d, values } : d)) } as vega.Spec;
}

export async function renderChartSvg(chart: ChartData, brandColor: string): Promise<string> {
  const vgSpec = compiledSpec(chartSpec(chart, brandColor));
  const view = new vega.View(vega.parse(vgSpec), {
    renderer: 'none',
    loader: vega.loader({ mode: 'file' }),
    logLevel: vega.Error,
  });
  (vega as unknown as { resetSVGDefIds: () => void }).resetSVGDefIds();
  try {
    const raw = await view.toSVG();
    const svg = scopeIds(raw, `chart-${chart.id}`)
      .replace(/^<svg /, `<svg role="img" aria-label="${chart.alt.replace(/[&<>"]/g, '')}" `)
      .replace(/ width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/, ' width="$1" height="$2" preserveAspectRatio="xMinYMin meet"');
    assertInert(svg);
    return svg;
  } finally {
    view.finalize();
  }
}

/** SVG markup by chart id; charts without data are left out (the template shows a note instead). */
export async function renderCharts(charts: readonly ChartData[], brandColor: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const chart of charts) {
    if (!chart.empty) out[chart.id] = await renderChartSvg(chart, brandColor);
  }
  return out;
}
