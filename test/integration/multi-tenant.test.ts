/**
 * Issue #6 acceptance: a three-tenant run against three simulators, one of them failing auth, yields two packs,
 * one clear failure, a portfolio pack, and the documented exit code (4: a tenant could not be collected).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { runCli } from '../helpers/cli.js';

const sims: RunningSimulator[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-multi-'));
  for (const [i, token] of ['tok-a', 'tok-b', 'tok-c'].entries()) {
    sims.push(await startSimulator({ tenant: createTenant({ seed: 30 + i, users: 250 }), token }));
  }
  await writeFile(
    join(dir, 'tenants.yaml'),
    [
      'tenants:',
      `  - { id: alpha.example, name: Alpha, auth: token, tokenEnv: TOKEN_A, graphUrl: "${sims[0]!.url}" }`,
      `  - { id: bravo.example, name: Bravo, auth: token, tokenEnv: TOKEN_B, graphUrl: "${sims[1]!.url}" }`,
      // Charlie's token is wrong: every request answers 401
      `  - { id: charlie.example, name: Charlie, auth: token, tokenEnv: TOKEN_WRONG, graphUrl: "${sims[2]!.url}" }`,
    ].join('\n'),
  );
});
afterAll(async () => {
  for (const s of sims) await s.close();
});

it('audits the tenants that answer, reports the one that does not, and writes a portfolio', async () => {
  const out = join(dir, 'out');
  const res = await runCli(['run', '--tenants', join(dir, 'tenants.yaml'), '--out', out, '--no-pdf', '--parallel', '2'], {
    TOKEN_A: 'tok-a',
    TOKEN_B: 'tok-b',
    TOKEN_WRONG: 'not-the-token',
  });
  expect(res.code, res.stderr).toBe(4);
  expect(existsSync(join(out, 'Alpha', 'audit.html'))).toBe(true);
  expect(existsSync(join(out, 'Bravo', 'audit.html'))).toBe(true);
  expect(existsSync(join(out, 'Charlie', 'audit.html'))).toBe(false);
  expect(res.stderr).toMatch(/\[Charlie\] not audited: nothing could be collected/);
  expect(res.stderr).not.toContain('tok-a');
  const portfolio = await readFile(join(out, 'portfolio', 'index.html'), 'utf8');
  expect(portfolio).toContain('href="../Alpha/audit.html"');
  expect(portfolio).toContain('href="../Bravo/audit.html"');
  expect(portfolio).toMatch(/Charlie[\s\S]*Not audited: nothing could be collected/);
  expect(portfolio).not.toMatch(/<script/i);
  expect(await readFile(join(out, 'portfolio', 'portfolio.md'), 'utf8')).toContain('| Alpha |');
});

it('portfolio renders the same from results files', async () => {
  const out = join(dir, 'out');
  const res = await runCli(['portfolio', join(out, 'Alpha', 'results.json'), join(out, 'Bravo', 'results.json'), '--out', join(dir, 'p2')]);
  expect(res.code, res.stderr).toBe(0);
  expect(await readFile(join(dir, 'p2', 'index.html'), 'utf8')).toContain('alpha.example');
});

it('names the bad key of a tenants file', async () => {
  await writeFile(join(dir, 'bad.yaml'), 'tenants:\n  - { id: x, colour: red }\n');
  const res = await runCli(['run', '--tenants', join(dir, 'bad.yaml'), '--out', join(dir, 'never')]);
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('tenants.0');
});
