/**
 * Evidence integrity: re-derives every hash an audit pack rests on and reports each comparison.
 *
 * A snapshot folder: manifest.json is valid; every source file has the SHA-256 and size the manifest records; with a
 * public key, manifest.json.sig is a valid Ed25519 signature of the manifest's exact bytes.
 * A pack folder (results.json, affected/, and when rendered audit.html, summary.md, worklists/): its snapshot passes
 * the checks above; results.json names that snapshot (snapshot.manifestSha256 = SHA-256 of manifest.json) and agrees
 * with it source by source; every finding's affected-user sidecar has the recorded hash, count and sample; each CSV
 * worklist is byte-for-byte what render makes from its sidecar; audit.html and summary.md print the manifest hash;
 * and pack-manifest.json (written by render) lists every file of the pack folder: each listed file has its
 * recorded size and SHA-256, nothing is missing, renamed or added, it names this snapshot, and with a public key a
 * pack-manifest.json.sig present must be valid. A pack without pack-manifest.json (an earlier version) still
 * verifies as before, with one skipped check saying that its files are not covered.
 * A rendered-only pack (pack-manifest.json, no results.json: the redacted copy of `--redact`) is checked against its
 * pack manifest, and against a snapshot given with --snapshot.
 *
 * Returns the checks as data (only src/cli prints); never throws for a failed check, only for bad arguments.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import { AffectedUserSchema, ResultsSchema, type AuditResult, type Finding } from '../results/schema.js';
import { UsageError } from '../errors.js';
import { writeWorklistCsv } from '../render/csv.js';
import { worklistName } from '../render/view-model.js';
import { loadSnapshot } from '../snapshot/reader.js';
import { MANIFEST_FILE, type Manifest } from '../snapshot/schema.js';
import { writeFileAtomic } from '../snapshot/writer.js';
import {
  SIGNATURE_FILE,
  decodeSignature,
  keyFingerprint,
  loadPrivateKey,
  loadPublicKey,
  signBytes,
  verifyBytes,
} from './signing.js';
import { isInside, realPathOf } from '../paths.js';
import {
  PACK_MANIFEST_FILE,
  PACK_SIGNATURE_FILE,
  PACK_SNAPSHOT_FOLDER,
  PackManifestSchema,
  comparePaths,
  hashFile,
  sha256Of,
  type PackFile,
  type PackManifest,
} from './pack-manifest.js';

export { hashFile, sha256Of } from './pack-manifest.js';

export const RESULTS_FILE = 'results.json';
export const HTML_FILE = 'audit.html';
export const SUMMARY_FILE = 'summary.md';
export const PDF_FILE = 'audit.pdf';

export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface VerifyCheck {
  status: CheckStatus;
  /** the file the check is about, as a path the user can open (PATH joined with the file's name) */
  file: string;
  /** what was compared, or why it failed / was skipped */
  detail: string;
}

export interface VerifyOptions {
  /** a snapshot folder (manifest.json), a pack folder (results.json), or either file */
  path: string;
  /** the pack's snapshot folder; default PATH/snapshot */
  snapshotDir?: string;
  /** Ed25519 public key (PEM): manifest.json.sig must exist and be valid */
  publicKeyPath?: string;
  /** called as each check completes, for streaming output */
  onCheck?: (check: VerifyCheck) => void;
}

export interface VerifyReport {
  kind: 'snapshot' | 'pack';
  /** null: a rendered-only pack (no results.json) verified without --snapshot */
  snapshotDir: string | null;
  packDir: string | null;
  /** SHA-256 of manifest.json's bytes, or null when it could not be read (or no snapshot was checked) */
  manifestSha256: string | null;
  /** SHA-256 of pack-manifest.json's bytes, or null when the pack has none */
  packManifestSha256: string | null;
  /** fingerprint of the key that checked the signature */
  keyFingerprint: string | null;
  checks: VerifyCheck[];
  ok: boolean;
  failed: number;
  skipped: number;
}

class Checks {
  readonly list: VerifyCheck[] = [];
  private readonly failedFiles = new Set<string>();
  /** SHA-256 and size of the files hashed so far (by resolved path): a sidecar is read once, not once per check */
  readonly hashes = new Map<string, { sha256: string; bytes: number }>();
  constructor(private readonly onCheck?: (c: VerifyCheck) => void) {}
  add(status: CheckStatus, file: string, detail: string): boolean {
    const check = { status, file, detail };
    this.list.push(check);
    if (status === 'fail') this.failedFiles.add(resolve(file));
    this.onCheck?.(check);
    return status !== 'fail';
  }
  hasFailed(file: string): boolean {
    return this.failedFiles.has(resolve(file));
  }
  async hash(path: string): Promise<{ sha256: string; bytes: number }> {
    const key = resolve(path);
    const known = this.hashes.get(key);
    if (known) return known;
    const got = await hashFile(path);
    this.hashes.set(key, got);
    return got;
  }
  report(target: Target, manifestSha256: string | null, packManifestSha256: string | null, fingerprint: string | null): VerifyReport {
    const failed = this.list.filter((c) => c.status === 'fail').length;
    return {
      kind: target.kind,
      snapshotDir: target.snapshotDir,
      packDir: target.packDir,
      manifestSha256,
      packManifestSha256,
      keyFingerprint: fingerprint,
      checks: this.list,
      ok: failed === 0,
      failed,
      skipped: this.list.filter((c) => c.status === 'skip').length,
    };
  }
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

interface Target {
  kind: 'snapshot' | 'pack';
  /** null: a rendered-only pack without a snapshot */
  snapshotDir: string | null;
  packDir: string | null;
}

/** PATH → what to verify. Bad arguments are UsageErrors (exit 2); everything after is a check. */
export async function resolveTarget(path: string, snapshotOpt?: string): Promise<Target> {
  const info = await statOrNull(path);
  if (!info) throw new UsageError(`verify ${path}: no such file or folder.`);
  let dir = path;
  if (info.isFile()) {
    const name = basename(path);
    if (name !== MANIFEST_FILE && name !== RESULTS_FILE && name !== PACK_MANIFEST_FILE) {
      throw new UsageError(`verify ${path}: give a snapshot folder (with ${MANIFEST_FILE}) or a pack folder (with ${RESULTS_FILE}).`);
    }
    dir = dirname(path);
  }
  const hasManifest = Boolean(await statOrNull(join(dir, MANIFEST_FILE)));
  const hasResults = Boolean(await statOrNull(join(dir, RESULTS_FILE)));
  const hasPackManifest = Boolean(await statOrNull(join(dir, PACK_MANIFEST_FILE)));
  const isPack = info.isFile() ? basename(path) !== MANIFEST_FILE : (hasResults || hasPackManifest) && !hasManifest;
  if (!isPack) {
    if (!hasManifest) {
      throw new UsageError(
        `verify ${path}: neither ${MANIFEST_FILE} (a snapshot) nor ${RESULTS_FILE} (a pack) is there. ` +
          'A folder without manifest.json is an interrupted collection, not a snapshot.',
      );
    }
    if (snapshotOpt) throw new UsageError(`--snapshot applies to a pack; ${path} is a snapshot folder.`);
    return { kind: 'snapshot', snapshotDir: dir, packDir: null };
  }
  const snapshotDir = snapshotOpt ?? join(dir, PACK_SNAPSHOT_FOLDER);
  const snapInfo = await statOrNull(snapshotDir);
  // a rendered-only pack (the redacted copy) travels without its snapshot: checked against one only when given
  if (!snapInfo && !snapshotOpt && !hasResults) return { kind: 'pack', snapshotDir: null, packDir: dir };
  if (!snapInfo?.isDirectory()) {
    throw new UsageError(
      snapshotOpt
        ? `--snapshot ${snapshotOpt}: no such folder.`
        : `verify ${path}: the pack has no snapshot/ folder; give the snapshot it was analysed from with --snapshot DIR.`,
    );
  }
  return { kind: 'pack', snapshotDir, packDir: dir };
}

export async function verifyPath(opts: VerifyOptions): Promise<VerifyReport> {
  const target = await resolveTarget(opts.path, opts.snapshotDir);
  const publicKey = opts.publicKeyPath ? await loadPublicKey(opts.publicKeyPath) : null;
  const checks = new Checks(opts.onCheck);
  const { snap, packManifestSha256 } = await runChecks(target, publicKey, checks);
  return checks.report(target, snap?.manifestSha256 ?? null, packManifestSha256, publicKey ? keyFingerprint(publicKey) : null);
}

async function runChecks(
  target: Target,
  publicKey: KeyObject | null,
  checks: Checks,
): Promise<{ snap: SnapshotState | null; packManifestSha256: string | null; packManifestBytes: Buffer | null }> {
  const snap = target.snapshotDir ? await checkSnapshot(target.snapshotDir, publicKey, checks) : null;
  if (!target.packDir) return { snap, packManifestSha256: null, packManifestBytes: null };
  const pm = await checkPack(target.packDir, target.snapshotDir, snap, publicKey, checks);
  return { snap, packManifestSha256: pm.sha256, packManifestBytes: pm.bytes };
}

interface SnapshotState {
  dir: string;
  manifestSha256: string | null;
  manifest: Manifest | null;
  manifestBytes: Buffer | null;
}

async function checkSnapshot(dir: string, publicKey: KeyObject | null, checks: Checks): Promise<SnapshotState> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const state: SnapshotState = { dir, manifestSha256: null, manifest: null, manifestBytes: null };
  try {
    state.manifestBytes = await readFile(manifestPath);
  } catch (e) {
    checks.add('fail', manifestPath, `cannot read the manifest (${errCode(e)})`);
    return state;
  }
  state.manifestSha256 = sha256Of(state.manifestBytes);
  try {
    // the reader's own validation (schema version, zod schema, file names inside the folder)
    state.manifest = (await loadSnapshot(dir)).manifest;
  } catch (e) {
    checks.add('fail', manifestPath, (e as Error).message.replace(`${manifestPath}: `, ''));
    return state;
  }
  const m = state.manifest;
  checks.add('ok', manifestPath, `valid manifest, schema ${m.schemaVersion}, ${m.sources.length} sources, SHA-256 ${state.manifestSha256}`);

  await checkSignature(join(dir, SIGNATURE_FILE), state.manifestBytes, publicKey, checks, {
    signed: MANIFEST_FILE,
    what: 'the manifest',
    unsigned: (e) => ['fail', `no signature (${errCode(e)}); --key asks for a signed snapshot`],
  });

  const listed = new Set<string>([MANIFEST_FILE, SIGNATURE_FILE]);
  for (const s of m.sources) {
    listed.add(s.file);
    const path = join(dir, s.file);
    let got: { sha256: string; bytes: number };
    try {
      got = await hashFile(path);
    } catch (e) {
      checks.add('fail', path, `missing or unreadable (${errCode(e)}); the manifest lists it for source ${s.id}`);
      continue;
    }
    if (got.sha256 === s.sha256 && got.bytes === s.bytes) {
      checks.add('ok', path, `SHA-256 and size match the manifest (${s.bytes} bytes, ${s.records} rows, ${s.status})`);
    } else {
      checks.add(
        'fail',
        path,
        `SHA-256 ${got.sha256} (${got.bytes} bytes) does not match the manifest (${s.sha256}, ${s.bytes} bytes): changed after collection`,
      );
    }
  }
  let entries: string[] = [];
  try {
    entries = (await readdir(dir)).sort();
  } catch {
    // the manifest was readable, so the folder is; nothing to add
  }
  for (const name of entries) {
    if (!listed.has(name)) checks.add('skip', join(dir, name), 'not listed in the manifest: not part of the evidence, not checked');
  }
  return state;
}

/**
 * A detached signature beside the file it signs (manifest.json.sig, pack-manifest.json.sig). With a key it must be
 * valid; `unsigned` says what a missing one is. Without a key one that is there is reported, never trusted.
 */
async function checkSignature(
  sigPath: string,
  signedBytes: Buffer,
  publicKey: KeyObject | null,
  checks: Checks,
  how: { signed: string; what: string; unsigned: (e: unknown) => [CheckStatus, string] },
): Promise<void> {
  if (!publicKey) {
    if (await statOrNull(sigPath)) checks.add('skip', sigPath, 'signature present but not checked; give --key PUBLIC.pem to check it');
    return;
  }
  let text: string;
  try {
    text = await readFile(sigPath, 'utf8');
  } catch (e) {
    const [status, detail] = how.unsigned(e);
    checks.add(status, sigPath, detail);
    return;
  }
  const sig = decodeSignature(text);
  const fp = keyFingerprint(publicKey);
  if (!sig) checks.add('fail', sigPath, 'not a base64 Ed25519 signature (64 bytes)');
  else if (verifyBytes(signedBytes, sig, publicKey)) checks.add('ok', sigPath, `Ed25519 signature valid for key ${fp}`);
  else checks.add('fail', sigPath, `signature does not match ${how.signed} with key ${fp} (wrong key, or ${how.what} changed after signing)`);
}

interface PackManifestRead {
  path: string;
  /** the file is not there (a pack rendered before pack manifests) */
  missing: boolean;
  bytes: Buffer | null;
  sha256: string | null;
  manifest: PackManifest | null;
  /** why it is not a valid pack manifest */
  error: string | null;
}

async function readPackManifest(packDir: string): Promise<PackManifestRead> {
  const path = join(packDir, PACK_MANIFEST_FILE);
  const out: PackManifestRead = { path, missing: false, bytes: null, sha256: null, manifest: null, error: null };
  try {
    out.bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') out.missing = true;
    else out.error = `cannot read the pack manifest (${errCode(e)})`;
    return out;
  }
  out.sha256 = sha256Of(out.bytes);
  let raw: unknown;
  try {
    raw = JSON.parse(out.bytes.toString('utf8'));
  } catch {
    out.error = 'not valid JSON';
    return out;
  }
  const parsed = PackManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.join('.');
    const value = issue.path.reduce<unknown>((v, k) => (typeof k === 'symbol' ? undefined : (v as Record<string | number, unknown> | undefined)?.[k]), raw);
    out.error = `not a valid pack manifest at '${at}': ${issue.message}${typeof value === 'string' ? ` (${JSON.stringify(value.slice(0, 200))})` : ''}`;
    return out;
  }
  const seen = new Set<string>();
  for (const f of parsed.data.files) {
    if (seen.has(f.path)) {
      out.error = `lists ${JSON.stringify(f.path)} twice`;
      return out;
    }
    seen.add(f.path);
  }
  out.manifest = parsed.data;
  return out;
}

async function checkPack(
  packDir: string,
  snapshotDir: string | null,
  snap: SnapshotState | null,
  publicKey: KeyObject | null,
  checks: Checks,
): Promise<PackManifestRead> {
  const pm = await readPackManifest(packDir);
  const listed = new Set(pm.manifest?.files.map((f) => f.path) ?? []);
  if (snap && (pm.missing || (await statOrNull(join(packDir, RESULTS_FILE))))) {
    await checkResults(packDir, snap, checks, listed);
  } else {
    // rendered only (the redacted copy): no results.json; its pages must print the snapshot its manifest names
    const named = pm.manifest?.snapshotManifestSha256;
    if (!snap) {
      checks.add(
        'skip',
        join(packDir, PACK_SNAPSHOT_FOLDER),
        `no snapshot and no results.json here (a rendered-only copy)${named ? `; rendered from snapshot manifest ${named}` : ''}: give --snapshot DIR to check that snapshot too`,
      );
    }
    const hash = snap?.manifestSha256 ?? named;
    if (hash) await checkPagesPrint(packDir, hash, checks, listed);
  }
  await checkPackFiles(packDir, snapshotDir, pm, snap, publicKey, checks, 0);
  return pm;
}

/** `listed`: the paths pack-manifest.json lists (empty without one): a listed file that is missing is reported there. */
async function checkResults(packDir: string, snap: SnapshotState, checks: Checks, listed: ReadonlySet<string>): Promise<void> {
  const resultsPath = join(packDir, RESULTS_FILE);
  let results: AuditResult;
  try {
    const raw: unknown = JSON.parse(await readFile(resultsPath, 'utf8'));
    const parsed = ResultsSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      checks.add('fail', resultsPath, `not a valid results file at '${issue.path.join('.')}': ${issue.message}`);
      return;
    }
    results = parsed.data;
  } catch (e) {
    checks.add('fail', resultsPath, `cannot read results (${e instanceof SyntaxError ? 'not valid JSON' : errCode(e)})`);
    return;
  }

  const claimed = results.snapshot.manifestSha256;
  if (snap.manifestSha256 === null) {
    checks.add('fail', resultsPath, `names snapshot manifest ${claimed}, but ${join(snap.dir, MANIFEST_FILE)} cannot be read`);
  } else if (claimed === snap.manifestSha256) {
    checks.add('ok', resultsPath, `produced from this snapshot (snapshot.manifestSha256 = ${claimed})`);
  } else {
    checks.add('fail', resultsPath, `snapshot.manifestSha256 ${claimed} is not the SHA-256 of ${join(snap.dir, MANIFEST_FILE)} (${snap.manifestSha256})`);
  }
  if (snap.manifest) checks.add(...agreement(results, snap.manifest, resultsPath));

  await checkFindings(packDir, results.findings, checks);

  const hash = snap.manifestSha256 ?? claimed;
  const rendered = listed.has(HTML_FILE) || Boolean(await statOrNull(join(packDir, HTML_FILE)));
  await checkPagesPrint(packDir, hash, checks, listed);
  if (rendered) await checkWorklists(packDir, results.findings, checks);
  const pdfPath = join(packDir, PDF_FILE);
  if (!listed.has(PDF_FILE) && (await statOrNull(pdfPath))) {
    checks.add('skip', pdfPath, 'printed from audit.html; its content is not compared (binary)');
  }
}

/** audit.html and summary.md print the SHA-256 of the snapshot manifest they were rendered from. */
async function checkPagesPrint(packDir: string, hash: string, checks: Checks, listed: ReadonlySet<string>): Promise<void> {
  for (const [file, what] of [
    [HTML_FILE, 'audit.html'],
    [SUMMARY_FILE, 'summary.md'],
  ] as const) {
    const path = join(packDir, file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      // listed in the pack manifest: reported missing there
      if (!listed.has(file)) checks.add('skip', path, `no ${what}: the pack was not rendered into this folder`);
      continue;
    }
    if (text.includes(hash)) checks.add('ok', path, `prints the snapshot manifest SHA-256 ${hash}`);
    else {
      const other = /\b[0-9a-f]{64}\b/.exec(text)?.[0];
      checks.add('fail', path, `does not print the snapshot manifest SHA-256 ${hash}${other ? ` (first hash found: ${other})` : ''}: rendered from other results`);
    }
  }
}

/** What is in a pack folder: its files by pack path (the pack manifest's excluded folders left out). */
type Found = { kind: 'file'; bytes: number } | { kind: 'link' } | { kind: 'other' };

/** nested packs (a redacted copy inside a pack inside …) are followed this deep */
const MAX_NESTED_PACKS = 4;
/** files a file manager adds to any folder it shows (macOS Finder, Windows Explorer): reported, not failed */
const FILE_MANAGER_FILES = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

async function walkPack(
  packDir: string,
  snapshotDir: string | null,
  onNestedPack: (dir: string) => Promise<void>,
  checks: Checks,
): Promise<Map<string, Found>> {
  const found = new Map<string, Found>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      checks.add('fail', dir, `cannot list the folder (${errCode(e)})`);
      return;
    }
    for (const e of entries.sort((a, b) => comparePaths(a.name, b.name))) {
      const path = join(dir, e.name);
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (!prefix && (e.name === PACK_MANIFEST_FILE || e.name === PACK_SIGNATURE_FILE)) continue;
      if (e.isDirectory()) {
        if (!prefix && e.name === PACK_SNAPSHOT_FOLDER) {
          // the snapshot has its own manifest, checked above when it is the pack's snapshot
          if (!snapshotDir || resolve(snapshotDir) !== resolve(path)) {
            checks.add('skip', path, `not the snapshot verified here${snapshotDir ? ` (${snapshotDir})` : ''}: not checked`);
          }
          continue;
        }
        if (await statOrNull(join(path, PACK_MANIFEST_FILE))) {
          await onNestedPack(path); // another pack (the redacted copy of --redact): checked against its own manifest
          continue;
        }
        await walk(path, rel);
      } else if (e.isFile() && FILE_MANAGER_FILES.has(e.name)) {
        checks.add('skip', path, 'folder metadata a file manager writes, not part of the pack: not checked');
      } else if (e.isFile()) {
        const info = await lstat(path).catch(() => null);
        found.set(rel, info ? { kind: 'file', bytes: info.size } : { kind: 'other' });
      } else {
        found.set(rel, e.isSymbolicLink() ? { kind: 'link' } : { kind: 'other' });
      }
    }
  };
  await walk(packDir, '');
  return found;
}

/**
 * pack-manifest.json against the pack folder: the manifest is valid and names this snapshot, its signature (with a
 * key) is valid, every listed file has its size and SHA-256, and every file of the folder is listed. A missing file
 * whose content is now under another name is reported as renamed. A file an earlier check already failed (an edited
 * results.json, a page printing another hash) is not failed a second time for the same change.
 */
async function checkPackFiles(
  packDir: string,
  snapshotDir: string | null,
  pm: PackManifestRead,
  snap: SnapshotState | null,
  publicKey: KeyObject | null,
  checks: Checks,
  depth: number,
): Promise<void> {
  if (pm.missing) {
    checks.add('skip', pm.path, 'no pack-manifest.json: pack files not verified; render again to add one');
    return;
  }
  if (!pm.manifest || !pm.bytes) {
    checks.add('fail', pm.path, pm.error ?? 'not a valid pack manifest');
    return;
  }
  const m = pm.manifest;
  const snapHash = snap?.manifestSha256 ?? null;
  if (snapHash !== null && m.snapshotManifestSha256 !== snapHash) {
    checks.add(
      'fail',
      pm.path,
      `names snapshot manifest ${m.snapshotManifestSha256}, but ${join(snap!.dir, MANIFEST_FILE)} has SHA-256 ${snapHash}: the pack was rendered from another snapshot`,
    );
  } else {
    checks.add(
      'ok',
      pm.path,
      `valid pack manifest, schema ${m.schemaVersion}, ${m.files.length} files, SHA-256 ${pm.sha256}; rendered by ${m.tool.name} ${m.tool.version} from snapshot manifest ${m.snapshotManifestSha256}${m.redaction ? ` (${m.redaction} copy)` : ''}`,
    );
  }
  await checkSignature(join(packDir, PACK_SIGNATURE_FILE), pm.bytes, publicKey, checks, {
    signed: PACK_MANIFEST_FILE,
    what: 'the pack manifest',
    unsigned: () => ['skip', `no signature: the pack files are checked against ${PACK_MANIFEST_FILE}, but nothing vouches for it; sign the pack with 'entra-auth-audit sign PACK --key KEY'`],
  });

  const found = await walkPack(
    packDir,
    snapshotDir,
    async (dir) => {
      if (depth >= MAX_NESTED_PACKS) {
        checks.add('skip', dir, `a pack nested more than ${MAX_NESTED_PACKS} deep: not checked`);
        return;
      }
      await checkPackFiles(dir, null, await readPackManifest(dir), snap, publicKey, checks, depth + 1);
    },
    checks,
  );
  const missing: PackFile[] = [];
  const listed = new Set<string>();
  for (const f of m.files) {
    listed.add(f.path);
    const path = join(packDir, ...f.path.split('/'));
    if (!isInside(packDir, path)) {
      checks.add('fail', path, `listed in ${PACK_MANIFEST_FILE}, but it resolves to ${realPathOf(path)} through a symbolic link, outside the pack`);
      continue;
    }
    const info = await lstat(path).catch(() => null);
    if (!info) {
      missing.push(f);
      continue;
    }
    if (!info.isFile()) {
      checks.add('fail', path, `${info.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; ${PACK_MANIFEST_FILE} lists a regular file of ${f.bytes} bytes`);
      continue;
    }
    let got: { sha256: string; bytes: number };
    try {
      got = await checks.hash(path);
    } catch (e) {
      checks.add('fail', path, `unreadable (${errCode(e)}); ${PACK_MANIFEST_FILE} lists it`);
      continue;
    }
    if (got.sha256 === f.sha256 && got.bytes === f.bytes) checks.add('ok', path, `SHA-256 and size match ${PACK_MANIFEST_FILE} (${f.bytes} bytes)`);
    else if (!checks.hasFailed(path)) {
      checks.add('fail', path, `changed: SHA-256 ${got.sha256} (${got.bytes} bytes) does not match ${PACK_MANIFEST_FILE} (${f.sha256}, ${f.bytes} bytes)`);
    }
  }

  const extras = [...found].filter(([rel]) => !listed.has(rel));
  for (const [rel, what] of extras) {
    const path = join(packDir, ...rel.split('/'));
    if (what.kind !== 'file') {
      checks.add('fail', path, `extra: ${what.kind === 'link' ? 'a symbolic link' : 'not a regular file'}, not in ${PACK_MANIFEST_FILE}`);
      continue;
    }
    const sameSize = missing.filter((f) => f.bytes === what.bytes);
    const got = sameSize.length > 0 ? await checks.hash(path).catch(() => null) : null;
    const was = got ? sameSize.find((f) => f.sha256 === got.sha256) : undefined;
    if (was) {
      missing.splice(missing.indexOf(was), 1);
      checks.add('fail', path, `renamed ${was.path} -> ${rel}: ${rel} has the size and SHA-256 ${PACK_MANIFEST_FILE} records for ${was.path}`);
    } else {
      checks.add('fail', path, `extra: not in ${PACK_MANIFEST_FILE} (${what.bytes} bytes): added after render`);
    }
  }
  for (const f of missing) {
    const path = join(packDir, ...f.path.split('/'));
    if (!checks.hasFailed(path)) checks.add('fail', path, `missing: ${PACK_MANIFEST_FILE} lists it (${f.bytes} bytes, SHA-256 ${f.sha256})`);
  }
}

/** results.json's tenant, snapshot times and per-source records against the manifest it names. */
function agreement(results: AuditResult, m: Manifest, resultsPath: string): [CheckStatus, string, string] {
  const problems: string[] = [];
  if (results.tenant.id !== m.tenantId) problems.push(`tenant ${results.tenant.id} ≠ ${m.tenantId}`);
  if (results.snapshot.finishedAt !== m.finishedAt) problems.push(`snapshot.finishedAt ${results.snapshot.finishedAt} ≠ ${m.finishedAt}`);
  const byId = new Map(m.sources.map((s) => [s.id, s]));
  const seen = new Set<string>();
  for (const r of results.sources) {
    seen.add(r.id);
    const s = byId.get(r.id);
    if (!s) {
      problems.push(`source ${r.id} is not in the manifest`);
      continue;
    }
    const diff = (['status', 'records', 'bytes', 'sha256'] as const).filter((k) => r[k] !== s[k]);
    if (diff.length > 0) problems.push(`source ${r.id}: ${diff.join(', ')} differ`);
  }
  for (const id of byId.keys()) if (!seen.has(id)) problems.push(`source ${id} is missing from results.json`);
  return problems.length === 0
    ? ['ok', resultsPath, `tenant, snapshot time and all ${m.sources.length} sources agree with the manifest`]
    : ['fail', resultsPath, `disagrees with the manifest: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; +${problems.length - 5} more` : ''}`];
}

/** A path from results.json, refused when it leaves the pack folder (same rule as render). */
function insidePack(packDir: string, file: string): string | null {
  const root = resolve(packDir);
  const path = resolve(root, file);
  return isInside(root, path) ? path : null;
}

async function checkFindings(packDir: string, findings: readonly Finding[], checks: Checks): Promise<void> {
  for (const f of findings) {
    if (!f.affected) continue;
    const a = f.affected;
    const path = insidePack(packDir, a.file);
    if (!path) {
      checks.add('fail', join(packDir, RESULTS_FILE), `finding ${f.checkId} names affected-user file ${JSON.stringify(a.file)} outside the pack`);
      continue;
    }
    const shown = join(packDir, a.file);
    let scan: SidecarScan;
    try {
      scan = await scanSidecar(path, a.sample.length);
      checks.hashes.set(resolve(path), { sha256: scan.sha256, bytes: scan.bytes });
    } catch (e) {
      checks.add('fail', shown, `affected users of ${f.checkId}: missing or unreadable (${errCode(e)})`);
      continue;
    }
    const problems: string[] = [];
    if (scan.sha256 !== a.sha256.toLowerCase()) problems.push(`SHA-256 ${scan.sha256} ≠ results.json ${a.sha256}`);
    if (scan.rows !== a.count) problems.push(`${scan.rows} rows ≠ count ${a.count}`);
    if (scan.invalidLine !== null) problems.push(`line ${scan.invalidLine} is not an affected-user row`);
    else if (!isDeepStrictEqual(scan.head, a.sample)) problems.push('the sample in results.json is not the first rows of the file');
    if (problems.length === 0) checks.add('ok', shown, `affected users of ${f.checkId}: SHA-256, count (${a.count}) and sample match results.json`);
    else checks.add('fail', shown, `affected users of ${f.checkId}: ${problems.join('; ')}`);
    if (a.worklist) await checkAnalysisWorklist(packDir, f.checkId, a.worklist, checks);
  }
}

/** The CSV worklist analyze wrote next to the sidecar (results.json 0.2+): its recorded hash and size. */
async function checkAnalysisWorklist(
  packDir: string,
  checkId: string,
  worklist: { file: string; sha256: string; bytes: number },
  checks: Checks,
): Promise<void> {
  const path = insidePack(packDir, worklist.file);
  const shown = join(packDir, worklist.file);
  if (!path) {
    checks.add('fail', join(packDir, RESULTS_FILE), `finding ${checkId} names worklist ${JSON.stringify(worklist.file)} outside the pack`);
    return;
  }
  let actual: { sha256: string; bytes: number };
  try {
    actual = await checks.hash(path);
  } catch (e) {
    checks.add('fail', shown, `worklist of ${checkId}: missing or unreadable (${errCode(e)})`);
    return;
  }
  if (actual.sha256 === worklist.sha256.toLowerCase() && actual.bytes === worklist.bytes) {
    checks.add('ok', shown, `worklist of ${checkId}: SHA-256 and size match results.json`);
  } else {
    checks.add('fail', shown, `worklist of ${checkId}: SHA-256 ${actual.sha256} (${actual.bytes} bytes) ≠ results.json ${worklist.sha256} (${worklist.bytes} bytes)`);
  }
}

interface SidecarScan {
  sha256: string;
  bytes: number;
  rows: number;
  head: unknown[];
  invalidLine: number | null;
}

async function scanSidecar(path: string, headSize: number): Promise<SidecarScan> {
  await stat(path); // a missing file is reported by the caller
  const hash = createHash('sha256');
  let bytes = 0;
  const input = createReadStream(path);
  input.on('data', (chunk) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  // attached before any await, or lines flow past the reader
  const lines = createInterface({ input, crlfDelay: Infinity });
  let rows = 0;
  let lineNo = 0;
  const head: unknown[] = [];
  let invalidLine: number | null = null;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    rows++;
    if (head.length < headSize && invalidLine === null) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        invalidLine = lineNo;
        continue;
      }
      const user = AffectedUserSchema.safeParse(parsed);
      if (user.success) head.push(user.data);
      else invalidLine = lineNo;
    }
  }
  return { sha256: hash.digest('hex'), bytes, rows, head, invalidLine };
}

/** Each failing finding's CSV worklist must be exactly what render writes from its sidecar. */
async function checkWorklists(packDir: string, findings: readonly Finding[], checks: Checks): Promise<void> {
  const withWorklist = findings.filter((f) => f.status === 'fail' && f.affected !== null);
  if (withWorklist.length === 0) return;
  const scratch = await mkdtemp(join(tmpdir(), 'entra-auth-audit-verify-'));
  try {
    for (const f of withWorklist) {
      const rel = join('worklists', worklistName(f.checkId));
      const shown = join(packDir, rel);
      const source = insidePack(packDir, f.affected!.file);
      if (!source) continue; // already failed in checkFindings
      let actual: { sha256: string; bytes: number };
      try {
        actual = await checks.hash(join(packDir, rel));
      } catch (e) {
        checks.add('fail', shown, `worklist of failing finding ${f.checkId} is missing (${errCode(e)})`);
        continue;
      }
      const expectedPath = join(scratch, worklistName(f.checkId));
      try {
        await writeWorklistCsv(source, expectedPath, 0);
      } catch (e) {
        checks.add('fail', shown, `cannot rebuild it from ${f.affected!.file}: ${(e as Error).message}`);
        continue;
      }
      const expected = await hashFile(expectedPath);
      if (expected.sha256 === actual.sha256) checks.add('ok', shown, `identical to the worklist rebuilt from ${f.affected!.file}`);
      else checks.add('fail', shown, `differs from the worklist rebuilt from ${f.affected!.file} (SHA-256 ${actual.sha256}, expected ${expected.sha256})`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export interface SignOutcome {
  signaturePath: string;
  fingerprint: string;
  report: VerifyReport;
}

/**
 * Verifies the snapshot, then writes manifest.json.sig. A snapshot that fails verification is never signed
 * (a signature would vouch for tampered evidence); an existing signature is replaced only with `force`.
 */
export async function signSnapshot(opts: {
  snapshotDir: string;
  privateKeyPath: string;
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  onCheck?: (c: VerifyCheck) => void;
}): Promise<SignOutcome | { report: VerifyReport; signaturePath: null; fingerprint: null }> {
  const privateKey = await loadPrivateKey(opts.privateKeyPath, opts.env);
  const target = await resolveTarget(opts.snapshotDir);
  if (target.kind !== 'snapshot' || !target.snapshotDir) {
    throw new UsageError(`sign ${opts.snapshotDir}: give the snapshot folder (with ${MANIFEST_FILE}), not a pack.`);
  }
  const signaturePath = join(target.snapshotDir, SIGNATURE_FILE);
  if (!opts.force && (await statOrNull(signaturePath))) {
    throw new UsageError(`${signaturePath} already exists; pass --force to replace it.`);
  }
  const checks = new Checks(opts.onCheck);
  const snap = await checkSnapshot(target.snapshotDir, null, checks);
  const report = checks.report(target, snap.manifestSha256, null, null);
  if (!report.ok || !snap.manifestBytes) return { report, signaturePath: null, fingerprint: null };
  await writeFileAtomic(signaturePath, `${signBytes(snap.manifestBytes, privateKey)}\n`);
  return { signaturePath, fingerprint: keyFingerprint(privateKey), report };
}

export interface PackSignOutcome extends SignOutcome {
  /** manifest.json.sig written beside the pack's snapshot manifest (it had none, or --force), or null */
  snapshotSignaturePath: string | null;
}

/**
 * Verifies the whole pack (its snapshot, results.json, sidecars, worklists, pages and every file against
 * pack-manifest.json), then writes pack-manifest.json.sig: one signature over the manifest that lists every file of
 * the pack and names the snapshot manifest. The pack's snapshot is signed too when it is not yet (so `verify --key`,
 * which asks for a signed snapshot, passes); a snapshot signature that is there must be valid for this key.
 * Nothing is signed when any check fails; an existing pack signature is replaced only with `force`.
 */
export async function signPack(opts: {
  packDir: string;
  snapshotDir?: string;
  privateKeyPath: string;
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  onCheck?: (c: VerifyCheck) => void;
}): Promise<PackSignOutcome | { report: VerifyReport; signaturePath: null; fingerprint: null; snapshotSignaturePath: null }> {
  const privateKey = await loadPrivateKey(opts.privateKeyPath, opts.env);
  const publicKey = createPublicKey(privateKey);
  const target = await resolveTarget(opts.packDir, opts.snapshotDir);
  if (target.kind !== 'pack' || !target.packDir) throw new UsageError(`sign ${opts.packDir}: not a pack folder.`);
  const manifestPath = join(target.packDir, PACK_MANIFEST_FILE);
  if (!(await statOrNull(manifestPath))) {
    throw new UsageError(
      `sign ${opts.packDir}: no ${PACK_MANIFEST_FILE} (the pack was rendered by an earlier version); render it again, or sign its snapshot folder instead.`,
    );
  }
  const signaturePath = join(target.packDir, PACK_SIGNATURE_FILE);
  if (!opts.force && (await statOrNull(signaturePath))) {
    throw new UsageError(`${signaturePath} already exists; pass --force to replace it.`);
  }
  const checks = new Checks(opts.onCheck);
  const { snap, packManifestSha256, packManifestBytes } = await runChecks(target, null, checks);
  const report = checks.report(target, snap?.manifestSha256 ?? null, packManifestSha256, null);
  const none = { report, signaturePath: null, fingerprint: null, snapshotSignaturePath: null } as const;
  if (!report.ok || !packManifestBytes) return none;

  let snapshotSignaturePath: string | null = null;
  if (snap?.manifestBytes) {
    const snapSig = join(snap.dir, SIGNATURE_FILE);
    const existing = await readFile(snapSig, 'utf8').catch(() => null);
    const sig = existing === null ? null : decodeSignature(existing);
    if (existing === null || opts.force) snapshotSignaturePath = snapSig;
    else if (!sig || !verifyBytes(snap.manifestBytes, sig, publicKey)) {
      throw new UsageError(
        `${snapSig} is not a valid signature of ${MANIFEST_FILE} with this key (${keyFingerprint(publicKey)}); pass --force to replace it, or sign with the key that made it.`,
      );
    }
    if (snapshotSignaturePath) await writeFileAtomic(snapshotSignaturePath, `${signBytes(snap.manifestBytes, privateKey)}\n`);
  }
  await writeFileAtomic(signaturePath, `${signBytes(packManifestBytes, privateKey)}\n`);
  return { signaturePath, fingerprint: keyFingerprint(privateKey), report, snapshotSignaturePath };
}

/** `sign PATH`: a snapshot folder gets manifest.json.sig, a pack folder pack-manifest.json.sig. */
export async function signPath(opts: {
  path: string;
  snapshotDir?: string;
  privateKeyPath: string;
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  onCheck?: (c: VerifyCheck) => void;
}): Promise<(SignOutcome & { kind: 'snapshot' | 'pack'; snapshotSignaturePath: string | null }) | { kind: 'snapshot' | 'pack'; report: VerifyReport; signaturePath: null }> {
  const target = await resolveTarget(opts.path, opts.snapshotDir);
  if (target.kind === 'snapshot') {
    const out = await signSnapshot({ ...opts, snapshotDir: opts.path });
    return out.signaturePath ? { ...out, kind: 'snapshot', snapshotSignaturePath: null } : { kind: 'snapshot', report: out.report, signaturePath: null };
  }
  const out = await signPack({ ...opts, packDir: opts.path });
  return out.signaturePath ? { ...out, kind: 'pack' } : { kind: 'pack', report: out.report, signaturePath: null };
}
