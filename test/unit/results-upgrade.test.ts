/**
 * Results schema v2 (issue #14) keeps archived v1 results usable where only numbers and findings are compared:
 * a v1 results.json (the poor example's golden file before v2, committed as a fixture) is a valid trends baseline.
 */
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultsSchema, RESULTS_SCHEMA_VERSION, upgradeResults } from '../../src/results/schema.js';
import { computeTrends, loadBaseline } from '../../src/engine/trends.js';
import { analyzeExample } from '../../scripts/make-examples.js';
import { ROOT } from '../helpers/cli.js';

const V1 = join(ROOT, 'test', 'fixtures', 'results-v1', 'poor.results.json');

describe('results schema v1 → v2', () => {
  it('a v1 file does not validate as v2 as it is, and does once upgraded, marked not assessed', async () => {
    const raw = JSON.parse(await readFile(V1, 'utf8'));
    expect(raw.schemaVersion).toBe(1);
    expect(ResultsSchema.safeParse(raw).success).toBe(false);
    const up = ResultsSchema.parse(upgradeResults(raw));
    expect(up.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(up.enforcement.assessable).toBe(false);
    expect(up.findings.every((f) => f.supports.length === 0)).toBe(true);
    expect(up.metrics).toEqual(raw.metrics);
  });
  it('serves as a trends baseline for a v2 result of the same tenant', async () => {
    // the current analysis, and beside it the v1 file (its affected-user sidecars have the same names)
    const out = await mkdtemp(join(tmpdir(), 'eaa-upgrade-'));
    const { results: current } = await analyzeExample('poor', out);
    await copyFile(V1, join(out, 'v1.results.json'));
    const baseline = await loadBaseline(join(out, 'v1.results.json'));
    baseline.results.asOf = '2026-08-27T00:00:00.000Z'; // last quarter (the fixture was analysed the same day as the golden)
    const trends = await computeTrends(current, out, [baseline]);
    expect(trends.metrics['mfa.capable']!.series).toHaveLength(2);
    // a metric the v1 analysis did not have: null in the baseline's place
    expect(trends.metrics['enforcement.mfa.enforced']!.series[0]!.value).toBeNull();
    expect(trends.findings['admins-mfa-not-enforced']!.previous).toBeNull();
  });
  it('anything else passes through unchanged', () => {
    const v2 = { schemaVersion: 2, x: 1 };
    expect(upgradeResults(v2)).toBe(v2);
    expect(upgradeResults(null)).toBeNull();
  });
});
