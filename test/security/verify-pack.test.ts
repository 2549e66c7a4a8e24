/**
 * Issue #13 §1: the whole pack is verifiable. render writes pack-manifest.json (every file of the pack: path, size,
 * SHA-256) last; `sign PACK` signs it; `verify PACK` reports every missing, extra, renamed and changed file, and a
 * pack without one (rendered by an earlier version) still verifies but says its files are not covered.
 * Through the real CLI on a demo pack (with a PDF when a Chromium is there); each tamper case has its own copy.
 */
import { appendFile, cp, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasBrowser } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { listFiles } from './helpers.js';

const PDF = hasBrowser();
let root: string;
let pack: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eaa-verify-pack-'));
  pack = join(root, 'pack');
  const res = await runCli(['demo', '--out', pack, '--users', '300', '--quiet', ...(PDF ? [] : ['--no-pdf'])], { GITHUB_STEP_SUMMARY: '' });
  if (res.code !== 0) throw new Error(`demo failed (${res.code}): ${res.stderr}`);
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

let copies = 0;
async function copyPack(): Promise<string> {
  const dir = join(root, `copy-${++copies}`);
  await cp(pack, dir, { recursive: true });
  return dir;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const lastLine = (s: string) => s.trimEnd().split('\n').at(-1) ?? '';

interface PackManifest {
  schemaVersion: number;
  tool: { name: string; version: string };
  snapshotManifestSha256: string;
  files: { path: string; bytes: number; sha256: string }[];
}

async function readPackManifest(dir: string): Promise<PackManifest> {
  return JSON.parse(await readFile(join(dir, 'pack-manifest.json'), 'utf8')) as PackManifest;
}

describe('render writes pack-manifest.json', () => {
  it('lists every file of the pack but the snapshot, sorted, with its size and SHA-256, and no timestamp', async () => {
    const m = await readPackManifest(pack);
    expect(m.schemaVersion).toBe(1);
    expect(m.tool.name).toBe('entra-auth-audit');
    const results = JSON.parse(await readFile(join(pack, 'results.json'), 'utf8')) as { snapshot: { manifestSha256: string } };
    expect(m.snapshotManifestSha256).toBe(results.snapshot.manifestSha256);
    const onDisk = (await listFiles(pack))
      .map((f) => f.slice(pack.length + 1))
      .filter((f) => !f.startsWith('snapshot/') && f !== 'pack-manifest.json');
    const paths = m.files.map((f) => f.path);
    expect(paths).toEqual(onDisk);
    expect([...paths].sort()).toEqual(paths);
    for (const f of ['audit.html', 'summary.md', 'results.json', 'worklists/index.csv', ...(PDF ? ['audit.pdf'] : [])]) expect(paths).toContain(f);
    expect(paths.some((p) => p.startsWith('affected/') && p.endsWith('.ndjson'))).toBe(true);
    expect(paths.some((p) => p.startsWith('worklists/') && p !== 'worklists/index.csv')).toBe(true);
    const { createHash } = await import('node:crypto');
    for (const f of m.files) {
      const bytes = await readFile(join(pack, f.path));
      expect({ path: f.path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual(f);
    }
    // deterministic: nothing that changes with the clock (the only dates in a pack come from the snapshot)
    expect(await readFile(join(pack, 'pack-manifest.json'), 'utf8')).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  it('renders the same manifest again into another folder (no PDF), and the manifest describes what is there after a render over an old pack', async () => {
    const dir = await copyPack();
    const out = join(root, `again-${copies}`);
    const a = await runCli(['render', join(dir, 'results.json'), '--out', out, '--no-pdf', '--quiet']);
    expect(a.code, a.stderr).toBe(0);
    const first = await readFile(join(out, 'pack-manifest.json'));
    const b = await runCli(['render', join(dir, 'results.json'), '--out', out, '--no-pdf', '--quiet']);
    expect(b.code, b.stderr).toBe(0);
    expect(await readFile(join(out, 'pack-manifest.json'))).toEqual(first);

    // rendered again into the demo folder without a PDF, after a stale worklist of a check that no longer fails
    await writeFile(join(dir, 'worklists', 'a-check-that-passes-now.csv'), 'userPrincipalName\r\nold@example.com\r\n');
    const c = await runCli(['render', join(dir, 'results.json'), '--out', dir, '--no-pdf', '--quiet']);
    expect(c.code, c.stderr).toBe(0);
    const m = await readPackManifest(dir);
    expect(m.files.map((f) => f.path)).not.toContain('audit.pdf');
    expect(m.files.map((f) => f.path)).not.toContain('worklists/a-check-that-passes-now.csv');
    await expect(stat(join(dir, 'worklists', 'a-check-that-passes-now.csv'))).rejects.toThrow();
    await expect(stat(join(dir, 'audit.pdf'))).rejects.toThrow();
    const v = await runCli(['verify', dir]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});

describe('verify checks every file of the pack', () => {
  it('passes an untouched pack, one line per file, and counts the skipped checks on its last line', async () => {
    const res = await runCli(['verify', pack]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^ok +${escape(join(pack, 'pack-manifest.json'))} +valid pack manifest`, 'm'));
    expect(res.stdout).toMatch(new RegExp(`^ok +${escape(join(pack, 'summary.md'))} +SHA-256 and size match pack-manifest\\.json`, 'm'));
    if (PDF) {
      expect(res.stdout).toMatch(new RegExp(`^ok +${escape(join(pack, 'audit.pdf'))} +SHA-256 and size match pack-manifest\\.json`, 'm'));
    }
    expect(lastLine(res.stdout)).toMatch(/^verified: \d+ checks ok, 0 failed, \d+ skipped; snapshot manifest SHA-256 [0-9a-f]{64}; pack manifest SHA-256 [0-9a-f]{64}$/);
  });

  it.runIf(PDF)('fails audit.pdf extended by one byte, and a deleted audit.pdf', async () => {
    const [grown, gone] = [await copyPack(), await copyPack()];
    await appendFile(join(grown, 'audit.pdf'), Buffer.from([0x0a]));
    await rm(join(gone, 'audit.pdf'));
    const [a, b] = await Promise.all([runCli(['verify', grown]), runCli(['verify', gone])]);
    expect(a.code).toBe(5);
    expect(a.stdout).toMatch(new RegExp(`^FAIL +${escape(join(grown, 'audit.pdf'))} +changed: SHA-256 [0-9a-f]{64} \\(\\d+ bytes\\) does not match`, 'm'));
    expect(a.stderr).toContain(join(grown, 'audit.pdf'));
    expect(b.code).toBe(5);
    expect(b.stdout).toMatch(new RegExp(`^FAIL +${escape(join(gone, 'audit.pdf'))} +missing: pack-manifest\\.json lists it`, 'm'));
  });

  it('fails an added extra.html, a renamed worklist and one changed byte of audit.html, naming each file', async () => {
    const [extra, renamed, edited] = [await copyPack(), await copyPack(), await copyPack()];
    await writeFile(join(extra, 'extra.html'), '<p>not from render</p>');
    const csv = (await readdir(join(renamed, 'worklists'))).find((f) => f !== 'index.csv')!;
    await rename(join(renamed, 'worklists', csv), join(renamed, 'worklists', `renamed-${csv}`));
    const html = await readFile(join(edited, 'audit.html'));
    html[200] = html[200]! ^ 0x01; // in the stylesheet: the page still prints the manifest hash
    await writeFile(join(edited, 'audit.html'), html);

    const [a, b, c] = await Promise.all([runCli(['verify', extra]), runCli(['verify', renamed]), runCli(['verify', edited])]);
    expect(a.code).toBe(5);
    expect(a.stdout).toMatch(new RegExp(`^FAIL +${escape(join(extra, 'extra.html'))} +extra: not in pack-manifest\\.json`, 'm'));
    expect(a.stderr).toContain(join(extra, 'extra.html'));
    expect(b.code).toBe(5);
    expect(b.stdout).toMatch(new RegExp(`^FAIL +.*renamed ${escape(`worklists/${csv}`)} -> ${escape(`worklists/renamed-${csv}`)}`, 'm'));
    expect(c.code).toBe(5);
    expect(c.stdout).toMatch(new RegExp(`^FAIL +${escape(join(edited, 'audit.html'))} +changed: SHA-256`, 'm'));
    expect(c.stderr).toContain(join(edited, 'audit.html'));
  });

  it('fails an edited pack-manifest.json that no longer names this snapshot, or that lists a path outside the pack', async () => {
    const [other, escaping] = [await copyPack(), await copyPack()];
    const m = await readPackManifest(other);
    m.snapshotManifestSha256 = '0'.repeat(64);
    await writeFile(join(other, 'pack-manifest.json'), JSON.stringify(m, null, 2));
    const e = await readPackManifest(escaping);
    e.files.push({ path: '../../etc/passwd', bytes: 1, sha256: '0'.repeat(64) });
    await writeFile(join(escaping, 'pack-manifest.json'), JSON.stringify(e, null, 2));
    const [a, b] = await Promise.all([runCli(['verify', other]), runCli(['verify', escaping])]);
    expect(a.code).toBe(5);
    expect(a.stdout).toMatch(new RegExp(`^FAIL +${escape(join(other, 'pack-manifest.json'))} +.*snapshot manifest 0{64}`, 'm'));
    expect(b.code).toBe(5);
    expect(b.stdout).toMatch(new RegExp(`^FAIL +${escape(join(escaping, 'pack-manifest.json'))} +.*"\\.\\./\\.\\./etc/passwd"`, 'm'));
  });

  it('a pack rendered before pack-manifest.json existed still verifies, and says its files are not covered', async () => {
    const dir = await copyPack();
    await rm(join(dir, 'pack-manifest.json'));
    await writeFile(join(dir, 'extra.html'), '<p>not checked without a pack manifest</p>');
    const res = await runCli(['verify', dir]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(
      new RegExp(`^skip +${escape(join(dir, 'pack-manifest.json'))} +no pack-manifest\\.json: pack files not verified; render again to add one$`, 'm'),
    );
    expect(lastLine(res.stdout)).toMatch(/^verified: \d+ checks ok, 0 failed, [1-9]\d* skipped; snapshot manifest SHA-256 [0-9a-f]{64}$/);
  });
});

describe('sign PACK signs pack-manifest.json', () => {
  it('sign → verify --key passes; a forged or foreign signature, or a file changed after signing, fails naming the file', async () => {
    const dir = await copyPack();
    const keys = join(root, 'keys');
    const k = await runCli(['keygen', '--out', keys]);
    expect(k.code, k.stderr).toBe(0);
    const [priv, pub] = [join(keys, 'signing-key.pem'), join(keys, 'signing-key.pub.pem')];
    const signed = await runCli(['sign', dir, '--key', priv]);
    expect(signed.code, signed.stdout + signed.stderr).toBe(0);
    expect(signed.stdout).toMatch(/^signed: .*pack-manifest\.json\.sig \(key [0-9a-f]{64}, pack manifest SHA-256 [0-9a-f]{64}\)$/m);
    const sig = (await readFile(join(dir, 'pack-manifest.json.sig'), 'utf8')).trim();
    expect(Buffer.from(sig, 'base64')).toHaveLength(64);

    const good = await runCli(['verify', dir, '--key', pub]);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(new RegExp(`^ok +${escape(join(dir, 'pack-manifest.json.sig'))} +Ed25519 signature valid`, 'm'));
    // without --key the signature is reported, not silently trusted
    const unkeyed = await runCli(['verify', dir]);
    expect(unkeyed.stdout).toMatch(new RegExp(`^skip +${escape(join(dir, 'pack-manifest.json.sig'))} +signature present but not checked`, 'm'));

    // a forged signature (64 random bytes)
    const forged = await copyPack();
    await cp(join(dir, 'snapshot', 'manifest.json.sig'), join(forged, 'snapshot', 'manifest.json.sig'));
    await writeFile(join(forged, 'pack-manifest.json.sig'), `${Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff)).toString('base64')}\n`);
    // a signed pack whose manifest was rewritten to cover an added file
    const rewritten = join(root, `rewritten-${copies}`);
    await cp(dir, rewritten, { recursive: true });
    await writeFile(join(rewritten, 'extra.html'), '<p>added</p>');
    const m = await readPackManifest(rewritten);
    m.files.push({ path: 'extra.html', bytes: 12, sha256: (await import('node:crypto')).createHash('sha256').update('<p>added</p>').digest('hex') });
    m.files.sort((x, y) => (x.path < y.path ? -1 : 1));
    await writeFile(join(rewritten, 'pack-manifest.json'), `${JSON.stringify(m, null, 2)}\n`);

    const [f, r] = await Promise.all([runCli(['verify', forged, '--key', pub]), runCli(['verify', rewritten, '--key', pub])]);
    expect(f.code).toBe(5);
    expect(f.stdout).toMatch(new RegExp(`^FAIL +${escape(join(forged, 'pack-manifest.json.sig'))} +signature does not match pack-manifest\\.json`, 'm'));
    expect(f.stderr).toContain(join(forged, 'pack-manifest.json.sig'));
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(new RegExp(`^FAIL +${escape(join(rewritten, 'pack-manifest.json.sig'))} +signature does not match`, 'm'));

    // never signs a pack that fails verification, and never replaces a signature without --force
    const again = await runCli(['sign', dir, '--key', priv]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/pack-manifest\.json\.sig already exists; pass --force/);
    const tampered = await copyPack();
    await writeFile(join(tampered, 'extra.html'), '<p>added</p>');
    const refused = await runCli(['sign', tampered, '--key', priv]);
    expect(refused.code).toBe(5);
    expect(refused.stdout).toMatch(new RegExp(`^FAIL +${escape(join(tampered, 'extra.html'))}`, 'm'));
    await expect(stat(join(tampered, 'pack-manifest.json.sig'))).rejects.toThrow();
  });
});

describe('CI outputs written into the pack folder', () => {
  it('render --junit PACK/junit.xml: the JUnit file is in the pack manifest and the pack verifies', async () => {
    const dir = await copyPack();
    const junit = join(dir, 'junit.xml');
    const res = await runCli(['render', join(dir, 'results.json'), '--out', dir, '--no-pdf', '--junit', junit, '--quiet'], { GITHUB_STEP_SUMMARY: '' });
    expect(res.code, res.stderr).toBe(0);
    expect((await readPackManifest(dir)).files.map((f) => f.path)).toContain('junit.xml');
    const ok = await runCli(['verify', dir]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    await appendFile(junit, '<!-- edited -->');
    const bad = await runCli(['verify', dir]);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/junit\.xml +changed: SHA-256/);
  }, 120_000);
});
