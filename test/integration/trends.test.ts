/**
 * Issue #4 acceptance: analyze --baseline over three quarterly snapshots of a simulator tenant that improves
 * shows the right series, deltas, and new/resolved findings — from results.json and snapshot folders alike.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { shiftIso } from '../helpers/clock.js';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'trends-token';
let dir: string;
const results: Record<number, { metrics: Record<string, { value: number | null }>; findings: { checkId: string; status: string }[]; trends: any }> = {};

async function collectQuarter(q: number): Promise<string> {
  const tenant = createTenant({ seed: 5, users: 1500, quarter: q });
  const sim = await startSimulator({ tenant, token: TOKEN });
  try {
    const snap = join(dir, `q${q}`, 'snapshot');
    // each quarter is collected when the simulator observes it (its asOf moves 91 days a quarter), six hours later
    const res = await runCli(['collect', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', sim.url, '--out', snap], {
      ENTRA_AUTH_AUDIT_TOKEN: TOKEN,
      ENTRA_AUTH_AUDIT_NOW: shiftIso(tenant.asOf, 6 * 3_600_000),
    });
    expect(res.code, res.stderr).toBe(0);
    return snap;
  } finally {
    await sim.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-trends-'));
  for (const q of [0, 1, 2]) await collectQuarter(q);
  // q0 alone, q1 against q0's results.json, q2 against q0's snapshot folder and q1's pack folder
  const runs: [number, string[]][] = [
    [0, []],
    [1, ['--baseline', join(dir, 'q0', 'out', 'results.json')]],
    [2, ['--baseline', join(dir, 'q0', 'snapshot'), join(dir, 'q1', 'out')]],
  ];
  for (const [q, extra] of runs) {
    const res = await runCli(['analyze', join(dir, `q${q}`, 'snapshot'), '--out', join(dir, `q${q}`, 'out'), ...extra]);
    expect(res.code, res.stderr).toBe(0);
    results[q] = JSON.parse(await readFile(join(dir, `q${q}`, 'out', 'results.json'), 'utf8'));
  }
}, 120_000);

describe('quarter-over-quarter trends', () => {
  it('has no trends without a baseline', () => {
    expect(results[0]!.trends).toBeNull();
  });

  it('gives the series oldest first and the delta since the latest baseline', () => {
    const t = results[2]!.trends;
    expect(t.baselines).toHaveLength(2);
    // registration, enforcement (issue #14) and usage-report (issue #15) metrics alike
    for (const id of ['mfa.capable', 'phishing_resistant.registered', 'mfa.phone_only', 'enforcement.mfa.enforced', 'usage.single_factor_signin_share', 'events.reset.failure_rate']) {
      const series = t.metrics[id].series.map((p: { value: number }) => p.value);
      expect(series.every((v: number | null) => typeof v === 'number'), id).toBe(true);
      expect(series).toEqual([0, 1, 2].map((q) => results[q]!.metrics[id]!.value));
      const delta = Math.round((series[2] - series[1]) * 10_000) / 10_000;
      expect(t.metrics[id].delta).toBe(delta);
    }
    // the tenant improves every quarter
    const mfa = t.metrics['mfa.capable'].series.map((p: { value: number }) => p.value);
    expect(mfa[0]).toBeLessThan(mfa[1]);
    expect(mfa[1]).toBeLessThan(mfa[2]);
    expect(t.metrics['mfa.phone_only'].delta).toBeLessThanOrEqual(0);
  });

  it('classifies each finding against the previous quarter and lists users who left or appeared', () => {
    for (const q of [1, 2]) {
      const prev = new Map(results[q - 1]!.findings.map((f) => [f.checkId, f.status]));
      for (const f of results[q]!.findings) {
        const tf = results[q]!.trends.findings[f.checkId];
        const was = prev.get(f.checkId) === 'fail';
        const is = f.status === 'fail';
        expect(tf.previous).toBe(prev.get(f.checkId));
        expect(tf.change).toBe(is && was ? 'persisting' : is ? 'new' : was ? 'resolved' : 'unchanged');
      }
    }
    const phone = results[1]!.trends.findings['phone-only-mfa-users'];
    expect(phone.left).toBeGreaterThan(0); // users moved off SMS/voice
    expect(phone.leftSample.length).toBeGreaterThan(0);
  });

  it('refuses a baseline that is not earlier, or of another tenant', async () => {
    const res = await runCli(['analyze', join(dir, 'q0', 'snapshot'), '--out', join(dir, 'bad'), '--baseline', join(dir, 'q2', 'out')]);
    expect(res.code).toBe(5);
    expect(res.stderr).toContain('not earlier');
  });
});
