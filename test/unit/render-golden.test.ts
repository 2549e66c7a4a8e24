/**
 * Golden HTML of the sample tenant: any change to the view model, the templates, the styles or the charts shows
 * up as a diff here. Update on purpose only: `UPDATE_GOLDEN=1 npx vitest run test/unit/render-golden`, then
 * review the diff of test/golden/render/ like code.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderPack, type RenderOptions } from '../../src/render/index.js';
import { BRANDING, SAMPLE_DIR, loadSample, scratch } from '../fixtures/results-sample/load.js';

const GOLDEN_DIR = fileURLToPath(new URL('../golden/render/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** The first line where two texts differ, with a little context, so a failure says what changed. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `line ${i + 1}:\n  golden: ${(e[i] ?? '<end of file>').slice(0, 300)}\n  actual: ${(a[i] ?? '<end of file>').slice(0, 300)}`;
  }
  return 'identical';
}

async function checkGolden(name: string, actual: string): Promise<void> {
  const path = join(GOLDEN_DIR, name);
  if (UPDATE || !existsSync(path)) {
    if (!UPDATE) throw new Error(`${path} is missing; create it with UPDATE_GOLDEN=1 and review it.`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, actual);
    return;
  }
  const expected = await readFile(path, 'utf8');
  if (actual !== expected) {
    expect.fail(`${name} differs from the golden file (${firstDifference(actual, expected)}). If the change is intended, run with UPDATE_GOLDEN=1 and review the diff.`);
  }
}

const CASES: Array<{ name: string; options: Partial<RenderOptions> }> = [
  {
    // every document-control field set, final, Letter, with logo
    name: 'sample-final-letter',
    options: {
      branding: { ...BRANDING, logoFile: join(SAMPLE_DIR, 'logo.svg') },
      report: { status: 'final', version: '2.1', preparer: 'Ana García López', reviewer: '山田 太郎', auditPeriod: 'Q4 2026', footer: 'Contoso internal audit', pageSize: 'Letter' },
    },
  },
  // the defaults: draft, A4, no trends
  { name: 'sample-draft-no-trends', options: {} },
];

describe('golden HTML', () => {
  for (const c of CASES) {
    it(`${c.name}.html`, async () => {
      const results = await loadSample();
      if (c.name.includes('no-trends')) results.trends = null;
      const out = await scratch(`golden-${c.name}`);
      await renderPack(results, { resultsDir: SAMPLE_DIR, outDir: out, branding: BRANDING, pdf: false, ...c.options });
      await checkGolden(`${c.name}.html`, await readFile(join(out, 'audit.html'), 'utf8'));
      await checkGolden(`${c.name}.md`, await readFile(join(out, 'summary.md'), 'utf8'));
    });
  }
});
