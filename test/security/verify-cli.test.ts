/**
 * Issue #8 §6 through the real CLI: `keygen`, `sign` and `verify` on a pack made from the simulator. A snapshot
 * changed by one byte exits 5 naming the file; a wrong key fails; bad arguments exit 2. The many tamper cases are
 * in verify.test.ts (in process, fast); this file runs each command once.
 */
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/verify/signing.js';
import { runCli } from '../helpers/cli.js';
import { buildPack } from './helpers.js';

let root: string;
let pack: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eaa-verify-cli-'));
  pack = join(root, 'pack');
  await buildPack(pack, { seed: 23, users: 300 });
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

it('verifies an untouched pack and its snapshot (exit 0, one ok line per check)', async () => {
  const res = await runCli(['verify', pack]);
  expect(res.code, res.stderr + res.stdout).toBe(0);
  expect(res.stdout).not.toMatch(/^FAIL/m);
  expect(res.stdout).toMatch(new RegExp(`^ok +${escape(join(pack, 'snapshot', 'userRegistrationDetails.ndjson'))} +SHA-256 and size match`, 'm'));
  expect(res.stdout).toMatch(new RegExp(`^ok +${escape(join(pack, 'results.json'))} +produced from this snapshot`, 'm'));
  expect(res.stdout).toMatch(new RegExp(`^ok +${escape(join(pack, 'audit.html'))} +prints the snapshot manifest SHA-256`, 'm'));
  expect(res.stdout).toMatch(/^verified: \d+ checks ok/m);
});

it('exits 5 and names the file when one byte of the snapshot changed', async () => {
  const dir = join(root, 'tampered');
  await cp(pack, dir, { recursive: true });
  const file = join(dir, 'snapshot', 'userRegistrationDetails.ndjson');
  const bytes = await readFile(file);
  bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x20;
  await writeFile(file, bytes);
  const res = await runCli(['verify', dir]);
  expect(res.code).toBe(5);
  expect(res.stdout).toMatch(new RegExp(`^FAIL +${escape(file)} +SHA-256 [0-9a-f]{64} \\(\\d+ bytes\\) does not match the manifest`, 'm'));
  expect(res.stderr).toContain('verification failed: 1 of');
  expect(res.stderr).toContain(file);
});

it('keygen → sign → verify --key passes; a wrong key fails with exit 5', async () => {
  const dir = join(root, 'signed');
  await cp(pack, dir, { recursive: true });
  const keys = await runCli(['keygen', '--out', join(root, 'keys')]);
  expect(keys.code, keys.stderr).toBe(0);
  const priv = join(root, 'keys', 'signing-key.pem');
  const pub = join(root, 'keys', 'signing-key.pub.pem');
  expect((await stat(priv)).mode & 0o777).toBe(0o600);
  expect(keys.stdout).toMatch(/^fingerprint: [0-9a-f]{64}$/m);

  const signed = await runCli(['sign', join(dir, 'snapshot'), '--key', priv]);
  expect(signed.code, signed.stderr).toBe(0);
  expect(signed.stdout).toMatch(/^signed: .*manifest\.json\.sig \(key [0-9a-f]{64}/m);
  const sig = (await readFile(join(dir, 'snapshot', 'manifest.json.sig'), 'utf8')).trim();
  expect(Buffer.from(sig, 'base64')).toHaveLength(64);

  const other = await generateKeyPair(join(root, 'other-keys'), {});
  const [good, wrong] = await Promise.all([runCli(['verify', dir, '--key', pub]), runCli(['verify', dir, '--key', other.publicKeyPath])]);
  expect(good.code, good.stdout + good.stderr).toBe(0);
  expect(good.stdout).toMatch(/^ok +.*manifest\.json\.sig +Ed25519 signature valid/m);
  expect(wrong.code).toBe(5);
  expect(wrong.stdout).toMatch(/^FAIL +.*manifest\.json\.sig +signature does not match/m);
  expect(wrong.stderr).toContain('manifest.json.sig');
});

it('exits 2 for a bad path or a missing key file, naming it', async () => {
  const [noPath, noKey] = await Promise.all([
    runCli(['verify', join(root, 'does-not-exist')]),
    runCli(['verify', pack, '--key', join(root, 'missing.pem')]),
  ]);
  expect(noPath.code).toBe(2);
  expect(noPath.stderr).toContain('does-not-exist');
  expect(noKey.code).toBe(2);
  expect(noKey.stderr).toContain('missing.pem');
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
