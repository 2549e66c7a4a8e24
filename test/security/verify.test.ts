/**
 * Issue #8 §6, in process: verifyPath re-derives every hash a pack rests on, and names the file of each failure.
 * One real pack is made by the CLI from the simulator; each test tampers with its own copy.
 */
import { generateKeyPairSync } from 'node:crypto';
import { appendFile, cp, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCheck, printable } from '../../src/cli/commands/verify.js';
import { UsageError } from '../../src/errors.js';
import {
  PASSPHRASE_ENV,
  SIGNATURE_FILE,
  decodeSignature,
  generateKeyPair,
  loadPrivateKey,
  loadPublicKey,
} from '../../src/verify/signing.js';
import { signPack, signSnapshot, verifyPath, type VerifyReport } from '../../src/verify/verify.js';
import { PACK_MANIFEST_FILE, PACK_SIGNATURE_FILE } from '../../src/verify/pack-manifest.js';
import { ResultsSchema } from '../../src/results/schema.js';
import { renderPack } from '../../src/render/index.js';
import { buildPack } from './helpers.js';

let root: string;
let pack: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eaa-verify-'));
  pack = join(root, 'pack');
  await buildPack(pack, { seed: 11, users: 250 });
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

let copies = 0;
async function copyPack(): Promise<string> {
  const dir = join(root, `copy-${++copies}`);
  await cp(pack, dir, { recursive: true });
  return dir;
}

const failed = (r: VerifyReport) => r.checks.filter((c) => c.status === 'fail');
const failedFiles = (r: VerifyReport) => failed(r).map((c) => c.file);

async function flipByte(path: string, at = 10): Promise<void> {
  const bytes = await readFile(path);
  bytes[at] = bytes[at]! ^ 0x01;
  await writeFile(path, bytes);
}

describe('verify a snapshot', () => {
  it('passes an untouched snapshot, one line per source file', async () => {
    const report = await verifyPath({ path: join(pack, 'snapshot') });
    expect(report.kind).toBe('snapshot');
    expect(failed(report)).toEqual([]);
    const manifest = JSON.parse(await readFile(join(pack, 'snapshot', 'manifest.json'), 'utf8')) as { sources: { file: string }[] };
    for (const s of manifest.sources) {
      expect(report.checks).toContainEqual(expect.objectContaining({ status: 'ok', file: join(pack, 'snapshot', s.file) }));
    }
  });

  it('fails a source changed by one byte, naming the file', async () => {
    const dir = await copyPack();
    const file = join(dir, 'snapshot', 'userRegistrationDetails.ndjson');
    await flipByte(file, 100);
    const report = await verifyPath({ path: join(dir, 'snapshot') });
    expect(report.ok).toBe(false);
    expect(failedFiles(report)).toEqual([file]);
    expect(failed(report)[0]!.detail).toMatch(/does not match the manifest/);
  });

  it('fails a truncated, an extended and a missing source file', async () => {
    const dir = await copyPack();
    const snap = join(dir, 'snapshot');
    await appendFile(join(snap, 'roleDefinitions.ndjson'), '\n');
    const urd = await readFile(join(snap, 'userRegistrationDetails.ndjson'));
    await writeFile(join(snap, 'userRegistrationDetails.ndjson'), urd.subarray(0, urd.length - 1));
    await rm(join(snap, 'roleAssignments.ndjson'));
    const report = await verifyPath({ path: snap });
    expect(failedFiles(report).sort()).toEqual(
      ['roleAssignments.ndjson', 'roleDefinitions.ndjson', 'userRegistrationDetails.ndjson'].map((f) => join(snap, f)),
    );
  });

  it('fails an invalid manifest and lists unlisted files as not checked', async () => {
    const dir = await copyPack();
    const snap = join(dir, 'snapshot');
    await writeFile(join(snap, 'stray.txt'), 'not evidence');
    const ok = await verifyPath({ path: snap });
    expect(ok.ok).toBe(true);
    expect(ok.checks).toContainEqual({ status: 'skip', file: join(snap, 'stray.txt'), detail: expect.stringContaining('not listed') });

    const manifest = JSON.parse(await readFile(join(snap, 'manifest.json'), 'utf8'));
    manifest.sources[0].file = '../results.json';
    await writeFile(join(snap, 'manifest.json'), JSON.stringify(manifest));
    const bad = await verifyPath({ path: snap });
    expect(failedFiles(bad)).toEqual([join(snap, 'manifest.json')]);
    expect(failed(bad)[0]!.detail).toMatch(/outside the snapshot folder/);
  });
});

describe('verify a pack', () => {
  it('passes an untouched pack: snapshot, results binding, sidecars, worklists, html and markdown', async () => {
    const report = await verifyPath({ path: pack });
    expect(report.kind).toBe('pack');
    expect(failed(report)).toEqual([]);
    const okFiles = report.checks.filter((c) => c.status === 'ok').map((c) => c.file);
    expect(okFiles).toContain(join(pack, 'results.json'));
    expect(okFiles).toContain(join(pack, 'audit.html'));
    expect(okFiles).toContain(join(pack, 'summary.md'));
    expect(okFiles.some((f) => f.startsWith(join(pack, 'affected')))).toBe(true);
    expect(okFiles.some((f) => f.startsWith(join(pack, 'worklists')))).toBe(true);
    // the pack prints the hash of the manifest it was produced from
    const html = await readFile(join(pack, 'audit.html'), 'utf8');
    expect(html).toContain(report.manifestSha256);
  });

  it('accepts the results.json file itself and --snapshot elsewhere', async () => {
    const dir = await copyPack();
    const elsewhere = join(root, `snap-elsewhere-${copies}`);
    await cp(join(dir, 'snapshot'), elsewhere, { recursive: true });
    await rm(join(dir, 'snapshot'), { recursive: true });
    await expect(verifyPath({ path: dir })).rejects.toThrow(UsageError);
    const report = await verifyPath({ path: join(dir, 'results.json'), snapshotDir: elsewhere });
    expect(failed(report)).toEqual([]);
  });

  it('fails results.json that names another snapshot', async () => {
    const dir = await copyPack();
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
    results.snapshot.manifestSha256 = 'f'.repeat(64);
    await writeFile(join(dir, 'results.json'), JSON.stringify(results, null, 2));
    const report = await verifyPath({ path: dir });
    expect(failedFiles(report)).toContain(join(dir, 'results.json'));
    // and the rendered pages now print a hash the results do not claim: still bound to the real snapshot
    expect(failed(report).find((c) => c.file.endsWith('results.json'))!.detail).toMatch(/is not the SHA-256/);
  });

  it('fails a pack whose snapshot was re-collected (a different manifest)', async () => {
    const dir = await copyPack();
    const path = join(dir, 'snapshot', 'manifest.json');
    await writeFile(path, (await readFile(path, 'utf8')).replace(/\n$/, '\n\n'));
    const report = await verifyPath({ path: dir });
    expect(failedFiles(report)).toEqual(expect.arrayContaining([join(dir, 'results.json'), join(dir, 'audit.html'), join(dir, 'summary.md')]));
  });

  it('fails results.json whose sources disagree with the manifest', async () => {
    const dir = await copyPack();
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
    results.sources[0].records += 1;
    await writeFile(join(dir, 'results.json'), JSON.stringify(results, null, 2));
    const report = await verifyPath({ path: dir });
    expect(failed(report).map((c) => c.detail).join('\n')).toMatch(/records differ/);
  });

  it('fails an edited affected-user sidecar and its worklist, naming each file', async () => {
    const dir = await copyPack();
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as {
      findings: { checkId: string; status: string; affected: { file: string; count: number } | null }[];
    };
    const f = results.findings.find((x) => x.status === 'fail' && x.affected && x.affected.count > 1)!;
    const sidecar = join(dir, f.affected!.file);
    const lines = (await readFile(sidecar, 'utf8')).trimEnd().split('\n');
    await writeFile(sidecar, lines.slice(1).join('\n') + '\n');
    const report = await verifyPath({ path: dir });
    expect(failedFiles(report)).toContain(sidecar);
    expect(failed(report).find((c) => c.file === sidecar)!.detail).toMatch(/SHA-256 .* ≠ .*rows ≠ count/);
    // the untouched worklist no longer matches the (edited) sidecar it would be rebuilt from
    expect(failedFiles(report)).toContain(join(dir, 'worklists', `${f.checkId}.csv`));
  });

  it('fails an edited CSV worklist and an edited sample in results.json', async () => {
    const dir = await copyPack();
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
    const f = results.findings.find((x: { status: string; affected: unknown }) => x.status === 'fail' && x.affected);
    const csv = join(dir, 'worklists', `${f.checkId}.csv`);
    await writeFile(csv, (await readFile(csv, 'utf8')).replace(/\r\n[^\r\n]+\r\n$/, '\r\n'));
    f.affected.sample[0].userDisplayName = 'Someone Else';
    await writeFile(join(dir, 'results.json'), JSON.stringify(results, null, 2));
    const report = await verifyPath({ path: dir });
    expect(failedFiles(report)).toEqual(expect.arrayContaining([csv, join(dir, f.affected.file)]));
    expect(failed(report).find((c) => c.file === join(dir, f.affected.file))!.detail).toMatch(/sample/);
  });

  it('refuses a sidecar path that leaves the pack', async () => {
    const dir = await copyPack();
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
    results.findings.find((x: { affected: unknown }) => x.affected).affected.file = '../../../../etc/passwd';
    await writeFile(join(dir, 'results.json'), JSON.stringify(results, null, 2));
    const report = await verifyPath({ path: dir });
    expect(failed(report).map((c) => c.detail).join('\n')).toMatch(/outside the pack/);
  });

  it('fails an audit.html or summary.md that prints another manifest hash', async () => {
    const dir = await copyPack();
    const report0 = await verifyPath({ path: dir });
    const hash = report0.manifestSha256!;
    for (const file of ['audit.html', 'summary.md']) {
      const path = join(dir, file);
      await writeFile(path, (await readFile(path, 'utf8')).replaceAll(hash, '0'.repeat(64)));
    }
    const report = await verifyPath({ path: dir });
    expect(failedFiles(report).sort()).toEqual([join(dir, 'audit.html'), join(dir, 'summary.md')]);
  });

  it('fails results.json that is not valid results', async () => {
    const dir = await copyPack();
    await writeFile(join(dir, 'results.json'), '{"schemaVersion": 1}');
    const report = await verifyPath({ path: dir });
    expect(failedFiles(report)).toEqual([join(dir, 'results.json')]);
  });
});

describe('bad arguments are usage errors (exit 2), not failed checks', () => {
  it('names the path or option', async () => {
    await expect(verifyPath({ path: join(root, 'nope') })).rejects.toThrow(/no such file or folder/);
    const empty = await mkdtemp(join(root, 'empty-'));
    await expect(verifyPath({ path: empty })).rejects.toThrow(/neither manifest\.json .* nor results\.json/);
    await expect(verifyPath({ path: join(pack, 'snapshot'), snapshotDir: pack })).rejects.toThrow(/--snapshot applies to a pack/);
    await expect(verifyPath({ path: pack, snapshotDir: join(root, 'nope') })).rejects.toThrow(/--snapshot .*no such folder/);
    await expect(verifyPath({ path: pack, publicKeyPath: join(root, 'nope.pem') })).rejects.toThrow(UsageError);
  });
});

describe('Ed25519 signatures', () => {
  it('keygen writes a 0600 private key, refuses to overwrite, and sign/verify round-trips', async () => {
    const dir = await copyPack();
    // the keys live outside the pack: a file added to a pack (a private key least of all) is not part of it
    const keyDir = join(root, `keys-${copies}`);
    const keys = await generateKeyPair(keyDir, {});
    expect((await stat(keys.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect(keys.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    await expect(generateKeyPair(keyDir, {})).rejects.toThrow(/already exists/);

    const snap = join(dir, 'snapshot');
    const signed = await signSnapshot({ snapshotDir: snap, privateKeyPath: keys.privateKeyPath, env: {} });
    expect(signed.signaturePath).toBe(join(snap, SIGNATURE_FILE));
    expect(decodeSignature(await readFile(join(snap, SIGNATURE_FILE), 'utf8'))).toHaveLength(64);
    await expect(signSnapshot({ snapshotDir: snap, privateKeyPath: keys.privateKeyPath, env: {} })).rejects.toThrow(/--force/);

    const good = await verifyPath({ path: dir, publicKeyPath: keys.publicKeyPath });
    expect(failed(good)).toEqual([]);
    expect(good.checks).toContainEqual(expect.objectContaining({ status: 'ok', file: join(snap, SIGNATURE_FILE) }));
    // without --key the signature is reported, not silently trusted
    const unkeyed = await verifyPath({ path: dir });
    expect(unkeyed.checks).toContainEqual(expect.objectContaining({ status: 'skip', file: join(snap, SIGNATURE_FILE) }));

    const other = await generateKeyPair(join(root, `other-keys-${copies}`), {});
    const wrong = await verifyPath({ path: dir, publicKeyPath: other.publicKeyPath });
    expect(failedFiles(wrong)).toEqual([join(snap, SIGNATURE_FILE)]);

    await writeFile(join(snap, SIGNATURE_FILE), 'not a signature\n');
    expect(failedFiles(await verifyPath({ path: snap, publicKeyPath: keys.publicKeyPath }))).toEqual([join(snap, SIGNATURE_FILE)]);
    await rm(join(snap, SIGNATURE_FILE));
    const missing = await verifyPath({ path: snap, publicKeyPath: keys.publicKeyPath });
    expect(failed(missing)[0]).toMatchObject({ file: join(snap, SIGNATURE_FILE), detail: expect.stringMatching(/no signature/) });
  });

  it('never signs a snapshot that fails verification', async () => {
    const dir = await copyPack();
    const keys = await generateKeyPair(join(dir, 'keys'), {});
    await flipByte(join(dir, 'snapshot', 'roleDefinitions.ndjson'));
    const outcome = await signSnapshot({ snapshotDir: join(dir, 'snapshot'), privateKeyPath: keys.privateKeyPath, env: {} });
    expect(outcome.signaturePath).toBeNull();
    expect(outcome.report.ok).toBe(false);
    await expect(stat(join(dir, 'snapshot', SIGNATURE_FILE))).rejects.toThrow();
    await expect(signSnapshot({ snapshotDir: dir, privateKeyPath: keys.privateKeyPath, env: {} })).rejects.toThrow(/not a pack/);
  });

  it('encrypts the private key with the passphrase variable, and names the variable when it is missing', async () => {
    const dir = await mkdtemp(join(root, 'enc-'));
    const env = { [PASSPHRASE_ENV]: 'correct horse battery staple' };
    const keys = await generateKeyPair(dir, env);
    expect(keys.encrypted).toBe(true);
    expect(await readFile(keys.privateKeyPath, 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    await expect(loadPrivateKey(keys.privateKeyPath, env)).resolves.toBeDefined();
    await expect(loadPrivateKey(keys.privateKeyPath, {})).rejects.toThrow(new RegExp(`${PASSPHRASE_ENV} is not set`));
    const wrong = await loadPrivateKey(keys.privateKeyPath, { [PASSPHRASE_ENV]: 'WrongPass-7731' }).catch((e: unknown) => e as Error);
    expect(wrong).toBeInstanceOf(UsageError);
    expect((wrong as Error).message).toMatch(new RegExp(`${PASSPHRASE_ENV} is wrong`));
    expect((wrong as Error).message).not.toMatch(/WrongPass-7731|correct horse/);
  });

  it('refuses keys that are not Ed25519', async () => {
    const dir = await mkdtemp(join(root, 'rsa-'));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await writeFile(join(dir, 'rsa.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(dir, 'rsa.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    await writeFile(join(dir, 'junk.pem'), 'hello');
    await expect(loadPrivateKey(join(dir, 'rsa.pem'), {})).rejects.toThrow(/rsa, not Ed25519/);
    await expect(loadPublicKey(join(dir, 'rsa.pub.pem'))).rejects.toThrow(/rsa, not Ed25519/);
    await expect(loadPublicKey(join(dir, 'junk.pem'))).rejects.toThrow(/not a PEM public key/);
  });

  it('rejects signature files that are not 64 base64 bytes', () => {
    expect(decodeSignature('')).toBeNull();
    expect(decodeSignature('abc')).toBeNull();
    expect(decodeSignature(Buffer.alloc(63).toString('base64'))).toBeNull();
    expect(decodeSignature(`${Buffer.alloc(64).toString('base64')}\n`)).toHaveLength(64);
    expect(decodeSignature('<script>')).toBeNull();
  });
});

describe('pack-manifest.json (issue #13)', () => {
  it('reports each changed, missing, extra and renamed file once, naming it', async () => {
    const dir = await copyPack();
    await appendFile(join(dir, 'summary.md'), '\n');
    await rm(join(dir, 'worklists', 'index.csv'));
    await writeFile(join(dir, 'worklists', 'notes.txt'), 'added');
    const csv = join(dir, 'affected', 'users.phone_only.csv');
    await rename(csv, join(dir, 'affected', 'phone-only.csv'));
    const report = await verifyPath({ path: dir });
    const fails = failed(report).filter((c) => !c.file.includes('phone'));
    expect(fails.map((c) => [c.file, c.detail.split(':')[0]])).toEqual([
      [join(dir, 'summary.md'), 'changed'],
      [join(dir, 'worklists', 'notes.txt'), 'extra'],
      [join(dir, 'worklists', 'index.csv'), 'missing'],
    ]);
    expect(failed(report).map((c) => c.detail).join('\n')).toContain('renamed affected/users.phone_only.csv -> affected/phone-only.csv');
  });

  it('reports a private key left in the pack folder, and symbolic links in place of a file or beside them', async () => {
    const dir = await copyPack();
    const keys = await generateKeyPair(join(dir, 'keys'), {});
    await rm(join(dir, 'summary.md'));
    await symlink('/etc/hostname', join(dir, 'summary.md'));
    await symlink('/etc', join(dir, 'etc'));
    await writeFile(join(dir, 'worklists', '.DS_Store'), 'Finder was here');
    const report = await verifyPath({ path: dir });
    // what a file manager writes into a folder it shows is reported, not failed
    expect(report.checks).toContainEqual({ status: 'skip', file: join(dir, 'worklists', '.DS_Store'), detail: expect.stringMatching(/file manager/) });
    const byFile = new Map(failed(report).map((c) => [c.file, c.detail]));
    expect(byFile.get(keys.privateKeyPath)).toMatch(/^extra: not in pack-manifest\.json/);
    expect(byFile.get(join(dir, 'etc'))).toMatch(/^extra: a symbolic link/);
    expect(failed(report).filter((c) => c.file === join(dir, 'summary.md')).map((c) => c.detail).join('\n')).toMatch(/symbolic link/);
  });

  it('checks a redacted copy inside the pack against its own manifest, and alone (with and without its snapshot)', async () => {
    const dir = await copyPack();
    const results = ResultsSchema.parse(JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')));
    const redacted = join(dir, 'redacted');
    const rendered = await renderPack(results, {
      resultsDir: dir,
      outDir: redacted,
      branding: { organisation: 'Contoso', primaryColor: '#0b5cad' },
      pdf: false,
      redact: { mode: 'pseudonymise', key: 'a key of at least sixteen bytes' },
    });
    expect(rendered.files).toContain(join(redacted, PACK_MANIFEST_FILE));
    const outer = await verifyPath({ path: dir });
    expect(failed(outer)).toEqual([]);
    expect(outer.checks).toContainEqual(expect.objectContaining({ status: 'ok', file: join(redacted, PACK_MANIFEST_FILE) }));
    expect(outer.checks).toContainEqual(expect.objectContaining({ status: 'ok', file: join(redacted, 'audit.html'), detail: expect.stringMatching(/match pack-manifest/) }));

    const alone = await verifyPath({ path: redacted });
    expect(failed(alone)).toEqual([]);
    expect(alone.snapshotDir).toBeNull();
    expect(alone.checks).toContainEqual(expect.objectContaining({ status: 'skip', detail: expect.stringMatching(/give --snapshot DIR/) }));
    const withSnapshot = await verifyPath({ path: redacted, snapshotDir: join(dir, 'snapshot') });
    expect(failed(withSnapshot)).toEqual([]);
    expect(withSnapshot.manifestSha256).toBe(results.snapshot.manifestSha256);

    await writeFile(join(redacted, 'audit.html'), (await readFile(join(redacted, 'audit.html'), 'utf8')).replace('<body', '<body data-x'));
    expect(failedFiles(await verifyPath({ path: dir }))).toEqual([join(redacted, 'audit.html')]);
  });

  it('signPack signs pack-manifest.json (and the unsigned snapshot); verify --key without a pack signature says so', async () => {
    const dir = await copyPack();
    const keys = await generateKeyPair(join(root, `pack-keys-${copies}`), {});
    const unsigned = await verifyPath({ path: dir, publicKeyPath: keys.publicKeyPath });
    // the snapshot is not signed yet: that fails as before; the pack signature is reported missing, not failed
    expect(failedFiles(unsigned)).toEqual([join(dir, 'snapshot', SIGNATURE_FILE)]);
    expect(unsigned.checks).toContainEqual(
      expect.objectContaining({ status: 'skip', file: join(dir, PACK_SIGNATURE_FILE), detail: expect.stringMatching(/^no signature: .*sign PACK/) }),
    );
    const outcome = await signPack({ packDir: dir, privateKeyPath: keys.privateKeyPath, env: {} });
    expect(outcome.signaturePath).toBe(join(dir, PACK_SIGNATURE_FILE));
    expect(outcome.snapshotSignaturePath).toBe(join(dir, 'snapshot', SIGNATURE_FILE));
    const signed = await verifyPath({ path: dir, publicKeyPath: keys.publicKeyPath });
    expect(failed(signed)).toEqual([]);
    expect(signed.skipped).toBe(0);
    expect(signed.packManifestSha256).toMatch(/^[0-9a-f]{64}$/);
    // another key's existing snapshot signature is not silently replaced
    const other = await generateKeyPair(join(root, `pack-other-keys-${copies}`), {});
    await expect(signPack({ packDir: dir, privateKeyPath: other.privateKeyPath, env: {}, force: false })).rejects.toThrow(/already exists; pass --force/);
    await rm(join(dir, PACK_SIGNATURE_FILE));
    await expect(signPack({ packDir: dir, privateKeyPath: other.privateKeyPath, env: {} })).rejects.toThrow(/is not a valid signature of manifest\.json with this key/);
    // a pack rendered before pack manifests cannot be signed as a pack
    await rm(join(dir, PACK_MANIFEST_FILE));
    await expect(signPack({ packDir: dir, privateKeyPath: keys.privateKeyPath, env: {} })).rejects.toThrow(/no pack-manifest\.json/);
  });
});

describe('output', () => {
  it('shows control and bidi characters from file names as markers, so they cannot drive the terminal', () => {
    expect(printable('a\u001b[2Jb\rc\u202Ed')).toBe('a[U+001B][2Jb[U+000D]c[U+202E]d');
    expect(formatCheck({ status: 'fail', file: 'x\u001b]0;pwned\u0007', detail: 'd' })).toBe('FAIL  x[U+001B]]0;pwned[U+0007]  d');
  });
});
