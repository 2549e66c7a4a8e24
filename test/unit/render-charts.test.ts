import fc from 'fast-check';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { chartSpec, compiledSpec, measureText, renderChartSvg, renderCharts } from '../../src/render/charts.js';
import type { ChartData, ChartRow } from '../../src/render/view-model.js';
import { buildViewModel } from '../../src/render/view-model.js';
import { loadSample } from '../fixtures/results-sample/load.js';

const row = (label: string, count: number): ChartRow => ({
  label,
  key: label,
  share: count / 100,
  count,
  denominator: 100,
  group: 'users',
  shareText: `${count}%`,
  countText: `${count} / 100`,
});

const methods = (rows: ChartRow[]): ChartData => ({
  id: 'methods',
  title: 'Users per registered method',
  caption: '',
  alt: 'Bar chart',
  measure: 'count',
  labelHeading: 'Method',
  keyHeading: 'Token',
  showGroup: false,
  rows,
  table: { head: [], rows: [] },
  threshold: null,
  series: [],
  omitted: null,
  empty: false,
});

function labels(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

describe('charts', () => {
  it('renders every report chart as inline SVG without truncating any label', async () => {
    const results = await loadSample();
    const view = buildViewModel(results, {
      branding: { organisation: 'x', primaryColor: '#1f4e79' },
      logoDataUri: null,
      maxAffectedInPdf: 25,
      affectedHead: new Map(),
      worklists: new Map(),
    });
    const svgs = await renderCharts(view.charts, '#1f4e79');
    expect(Object.keys(svgs).sort()).toEqual(['admins', 'funnel', 'method-adoption', 'methods', 'registration-failure', 'sign-in-trend', 'sspr-failure', 'strength', 'trend']);
    for (const svg of Object.values(svgs)) {
      expect(svg.startsWith('<svg ')).toBe(true);
      expect(svg).not.toContain('…');
      expect(svg).not.toMatch(/<script|<foreignObject|https?:\/\/(?!www\.w3\.org)/);
    }
    const methodLabels = labels(svgs.methods!);
    for (const r of view.charts[0]!.rows) expect(methodLabels).toContain(r.label);
    expect(methodLabels).toContain('x509CertificateMultiFactor');
    expect(methodLabels).toContain('Windows Hello for Business');
    // the limit is a dashed rule; the bars carry "rate (failed/attempts)"
    expect(svgs['sspr-failure']!.match(/stroke-dasharray="4,3"/g)).toHaveLength(1);
    expect(labels(svgs['sspr-failure']!)).toContain('14.1% (9/64)');
    // every trend series is named in the legend, none cut
    for (const s of view.charts.find((c) => c.id === 'trend')!.series) expect(labels(svgs.trend!)).toContain(s.label);
    // the picture has a text alternative
    expect(svgs.methods).toMatch(/^<svg role="img" aria-label="Horizontal bar chart of users per registered method: Authenticator push 923 users; /);
  });

  it('keeps long and unknown method tokens whole, and escapes markup in them', async () => {
    const long = 'microsoftAuthenticatorPasswordlessPhoneSignInWithNumberMatching';
    const svg = await renderChartSvg(methods([row(long, 80), row('<script>alert(1)</script>', 20), row('王小明の方法', 5)]), '#1f4e79');
    expect(svg).not.toContain('…');
    expect(labels(svg)).toEqual(expect.arrayContaining([long, '&lt;script&gt;alert(1)&lt;/script&gt;', '王小明の方法']));
    expect(svg).not.toContain('<script>');
  });

  it('reserves exactly the measured label width, neither cutting labels off nor wasting space', async () => {
    const long = 'microsoftAuthenticatorPasswordlessPhoneSignIn';
    const svg = await renderChartSvg(methods([row(long, 50)]), '#1f4e79');
    const left = Number(/^<svg [^>]*><rect [^>]*\/><g [^>]*transform="translate\(([\d.]+),/.exec(svg)?.[1]);
    const width = measureText(long, 10);
    // plot origin = padding (4) + label width + label padding (6); vega's own estimate would add ~45 %
    expect(left).toBeGreaterThanOrEqual(width + 10);
    expect(left).toBeLessThan(width + 20);
  });

  it('is deterministic and scopes its ids per chart', async () => {
    const chart = methods([row('a', 1), row('b', 2)]);
    const first = await renderChartSvg(chart, '#1f4e79');
    expect(await renderChartSvg(chart, '#1f4e79')).toBe(first);
    for (const m of first.matchAll(/\bid="([^"]+)"/g)) expect(m[1]).toMatch(/^chart-methods-/);
  });

  it('measures text with the Liberation Sans table (Chromium-measured), CJK as one em', () => {
    // "microsoftAuthenticatorPasswordless" measured 16.118 em in Chromium; vega's estimate was 0.8 em × 34 = 27.2 em
    expect(measureText('microsoftAuthenticatorPasswordless', 10)).toBeCloseTo(161.2, 0);
    expect(measureText('王小明', 10)).toBe(30);
    expect(measureText('MFA', 10, true)).toBeGreaterThan(measureText('MFA', 10));
  });

  it('draws the same SVG from a spec compiled once per shape as from one compiled with its rows, whatever was drawn before', async () => {
    const svgOf = async (spec: vega.Spec) => {
      const view = new vega.View(vega.parse(spec), { renderer: 'none', loader: vega.loader({ mode: 'file' }), logLevel: vega.Error });
      (vega as unknown as { resetSVGDefIds: () => void }).resetSVGDefIds();
      try {
        return await view.toSVG();
      } finally {
        view.finalize();
      }
    };
    const results = await loadSample();
    const view = buildViewModel(results, { branding: { organisation: 'x', primaryColor: '#1f4e79' }, logoDataUri: null, maxAffectedInPdf: 25, affectedHead: new Map(), worklists: new Map() });
    const charts = view.charts.filter((c) => !c.empty);
    expect(charts.length).toBeGreaterThanOrEqual(8);
    // the report's charts, then the same shapes with other rows (counts, shares, labels), each drawn after the others
    const variants = charts.flatMap((c) => [
      c,
      { ...c, rows: c.rows.map((r, i) => ({ ...r, count: r.count === null ? null : r.count * 3 + i, share: r.share === null ? null : r.share / 2, shareText: `${i}%`, countText: `${i * 7} / 9` })) },
      { ...c, rows: c.rows.slice(0, Math.max(1, c.rows.length - 2)) },
    ]);
    for (const chart of [...variants, ...variants.reverse()]) {
      const spec = chartSpec(chart, '#1f4e79');
      expect(await svgOf(compiledSpec(spec))).toBe(await svgOf(compile(spec, { logger: vega.logger(vega.None) }).spec));
    }
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.string({ maxLength: 30 }), fc.integer({ min: 0, max: 100_000 })), { minLength: 1, maxLength: 12 }), async (rows) => {
        const spec = chartSpec(methods(rows.map(([label, n]) => row(label, n))), '#1f4e79');
        expect(await svgOf(compiledSpec(spec))).toBe(await svgOf(compile(spec, { logger: vega.logger(vega.None) }).spec));
      }),
      { numRuns: 60 },
    );
    // and it is compiled once: two charts of one shape share the compiled marks
    const a = compiledSpec(chartSpec(methods([row('a', 1), row('b', 2)]), '#1f4e79'));
    const b = compiledSpec(chartSpec(methods([row('a', 7), row('b', 9)]), '#1f4e79'));
    expect(a.marks).toBe(b.marks);
    expect(a.data).not.toEqual(b.data);
  });
});
