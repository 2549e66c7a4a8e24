/**
 * Issue #2 acceptance: a 403 licence answer makes the source `unavailable` and its checks `error` (never pass or
 * fail) with the reason in the pack; the pack has no script, shows hostile names as text, neutralises CSV formulas,
 * and renders byte-identically twice.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'licence-test-token';
const LICENCE = 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-pack-'));
});

describe('a tenant without the P1/P2 licence for userRegistrationDetails', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({
      tenant: createTenant({ seed: 3, users: 300 }),
      token: TOKEN,
      faults: [{ path: 'userRegistrationDetails', status: 403, code: LICENCE, message: "Neither tenant is B2C or tenant doesn't have premium license", times: Infinity }],
    });
  });
  afterAll(() => sim?.close());

  it('records unavailable, makes the dependent checks error, and says why in the pack', async () => {
    const out = join(dir, 'unlicensed');
    const res = await runCli(
      ['run', '--tenant', 'unlicensed', '--auth', 'token', '--graph-url', sim.url, '--out', out, '--no-pdf'],
      { ENTRA_AUTH_AUDIT_TOKEN: TOKEN },
    );
    // a partial collection never exits 0 silently: exit 6, with the pack written and saying so
    expect(res.code, res.stderr).toBe(6);
    expect(res.stderr).toContain('userRegistrationDetails (unavailable)');
    expect(res.stderr).toContain('--allow-partial');
    const manifest = JSON.parse(await readFile(join(out, 'snapshot', 'manifest.json'), 'utf8'));
    const urd = manifest.sources.find((s: { id: string }) => s.id === 'userRegistrationDetails');
    expect(urd).toMatchObject({ status: 'unavailable', httpStatus: 403, errorCode: LICENCE, records: 0 });
    expect(manifest.partial).toBe(true);
    // retried once before being marked unavailable (Graph sometimes answers it transiently)
    expect(sim.stats.byRoute.userRegistrationDetails).toBe(2);

    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    const needRows = results.findings.filter((f: { requires: string[] }) => f.requires.includes('userRegistrationDetails'));
    expect(needRows.length).toBeGreaterThan(10);
    for (const f of needRows) {
      expect(f.status).toBe('error');
      expect(f.errorReason).toContain(LICENCE);
    }
    expect(results.metrics['mfa.capable']).toEqual({ value: null, numerator: 0, denominator: 0 });
    expect(results.metrics['users.in_scope']).toEqual({ value: null });
    const html = await readFile(join(out, 'audit.html'), 'utf8');
    expect(html).toContain(LICENCE);
    expect(html).toMatch(/could not be evaluated/i);
  });
});

describe('the pack from a tenant with hostile names', () => {
  let sim: RunningSimulator;
  let out: string;
  beforeAll(async () => {
    sim = await startSimulator({ tenant: createTenant({ seed: 1, users: 400 }), token: TOKEN });
    out = join(dir, 'hostile');
    const res = await runCli(
      ['run', '--tenant', 'hostile', '--auth', 'token', '--graph-url', sim.url, '--out', out, '--no-pdf'],
      { ENTRA_AUTH_AUDIT_TOKEN: TOKEN },
    );
    expect(res.code, res.stderr).toBe(0);
  });
  afterAll(() => sim?.close());

  it('has no script and a CSP, and shows an HTML display name as text', async () => {
    const html = await readFile(join(out, 'audit.html'), 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    expect(html).not.toContain('<img src=x onerror=alert(1)>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<[^>]*\son\w+=/i); // no event-handler attribute in any tag
  });

  it('neutralises formula cells in the CSV worklists', async () => {
    const files = await readdir(join(out, 'worklists'));
    expect(files).toContain('phone-only-mfa-users.csv');
    const csv = await readFile(join(out, 'worklists', 'phone-only-mfa-users.csv'), 'utf8');
    expect(csv).toContain(`'=HYPERLINK`);
    for (const line of csv.split('\n')) {
      for (const cell of line.split(',')) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@]/);
    }
  });

  it('renders byte-identical HTML twice', async () => {
    const again = join(dir, 'hostile-again');
    const res = await runCli(['render', join(out, 'results.json'), '--out', again, '--no-pdf']);
    expect(res.code, res.stderr).toBe(0);
    expect(await readFile(join(again, 'audit.html'))).toEqual(await readFile(join(out, 'audit.html')));
  });
});
