/**
 * Evidence integrity: re-derives every hash an audit pack rests on and reports each comparison.
 *
 * A snapshot folder: manifest.json is valid; every source file has the SHA-256 and size the manifest records; with a
 * public key, manifest.json.sig is a valid Ed25519 signature of the manifest's exact bytes.
 * A pack folder (results.json, affected/, and when rendered audit.html, summary.md, worklists/): its snapshot passes
 * the checks above; results.json names that snapshot (snapshot.manifestSha256 = SHA-256 of manifest.json) and agrees
 * with it source by source; every finding's affected-user sidecar has the recorded hash, count and sample; each CSV
 * worklist is byte-for-byte what render makes from its sidecar; audit.html and summary.md print the manifest hash.
 *
 * Returns the checks as data (only src/cli prints); never throws for a failed check, only for bad arguments.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import { AffectedUserSchema, ResultsSchema, type AuditResult, type Finding } from '../engine/results.js';
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
import { isInside } from '../paths.js';

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
  snapshotDir: string;
  packDir: string | null;
  /** SHA-256 of manifest.json's bytes, or null when it could not be read */
  manifestSha256: string | null;
  /** fingerprint of the key that checked the signature */
  keyFingerprint: string | null;
  checks: VerifyCheck[];
  ok: boolean;
  failed: number;
}

class Checks {
  readonly list: VerifyCheck[] = [];
  constructor(private readonly onCheck?: (c: VerifyCheck) => void) {}
  add(status: CheckStatus, file: string, detail: string): boolean {
    const check = { status, file, detail };
    this.list.push(check);
    this.onCheck?.(check);
    return status !== 'fail';
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

/** SHA-256 and size of a file, streamed (a source may be gigabytes). */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export function sha256Of(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

interface Target {
  kind: 'snapshot' | 'pack';
  snapshotDir: string;
  packDir: string | null;
}

/** PATH → what to verify. Bad arguments are UsageErrors (exit 2); everything after is a check. */
export async function resolveTarget(path: string, snapshotOpt?: string): Promise<Target> {
  const info = await statOrNull(path);
  if (!info) throw new UsageError(`verify ${path}: no such file or folder.`);
  let dir = path;
  if (info.isFile()) {
    const name = basename(path);
    if (name !== MANIFEST_FILE && name !== RESULTS_FILE) {
      throw new UsageError(`verify ${path}: give a snapshot folder (with ${MANIFEST_FILE}) or a pack folder (with ${RESULTS_FILE}).`);
    }
    dir = dirname(path);
  }
  const hasManifest = Boolean(await statOrNull(join(dir, MANIFEST_FILE)));
  const hasResults = Boolean(await statOrNull(join(dir, RESULTS_FILE)));
  const isPack = info.isFile() ? basename(path) === RESULTS_FILE : hasResults && !hasManifest;
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
  const snapshotDir = snapshotOpt ?? join(dir, 'snapshot');
  const snapInfo = await statOrNull(snapshotDir);
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
  const snap = await checkSnapshot(target.snapshotDir, publicKey, checks);
  if (target.packDir) await checkPack(target.packDir, snap, checks);
  const failed = checks.list.filter((c) => c.status === 'fail').length;
  return {
    kind: target.kind,
    snapshotDir: target.snapshotDir,
    packDir: target.packDir,
    manifestSha256: snap.manifestSha256,
    keyFingerprint: publicKey ? keyFingerprint(publicKey) : null,
    checks: checks.list,
    ok: failed === 0,
    failed,
  };
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

  const sigPath = join(dir, SIGNATURE_FILE);
  if (publicKey) {
    let text: string | null = null;
    try {
      text = await readFile(sigPath, 'utf8');
    } catch (e) {
      checks.add('fail', sigPath, `no signature (${errCode(e)}); --key asks for a signed snapshot`);
    }
    if (text !== null) {
      const sig = decodeSignature(text);
      const fp = keyFingerprint(publicKey);
      if (!sig) checks.add('fail', sigPath, 'not a base64 Ed25519 signature (64 bytes)');
      else if (verifyBytes(state.manifestBytes, sig, publicKey)) checks.add('ok', sigPath, `Ed25519 signature valid for key ${fp}`);
      else checks.add('fail', sigPath, `signature does not match manifest.json with key ${fp} (wrong key, or the manifest changed after signing)`);
    }
  } else if (await statOrNull(sigPath)) {
    checks.add('skip', sigPath, 'signature present but not checked; give --key PUBLIC.pem to check it');
  }

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

async function checkPack(packDir: string, snap: SnapshotState, checks: Checks): Promise<void> {
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
  const htmlPath = join(packDir, HTML_FILE);
  const rendered = Boolean(await statOrNull(htmlPath));
  for (const [file, what] of [
    [HTML_FILE, 'audit.html'],
    [SUMMARY_FILE, 'summary.md'],
  ] as const) {
    const path = join(packDir, file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      checks.add('skip', path, `no ${what}: the pack was not rendered into this folder`);
      continue;
    }
    if (text.includes(hash)) checks.add('ok', path, `prints the snapshot manifest SHA-256 ${hash}`);
    else {
      const other = /\b[0-9a-f]{64}\b/.exec(text)?.[0];
      checks.add('fail', path, `does not print the snapshot manifest SHA-256 ${hash}${other ? ` (first hash found: ${other})` : ''}: rendered from other results`);
    }
  }
  if (rendered) await checkWorklists(packDir, results.findings, checks);
  const pdfPath = join(packDir, PDF_FILE);
  if (await statOrNull(pdfPath)) {
    checks.add('skip', pdfPath, 'printed from audit.html; its content is not compared (binary)');
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
    actual = await hashFile(path);
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
  rows: number;
  head: unknown[];
  invalidLine: number | null;
}

async function scanSidecar(path: string, headSize: number): Promise<SidecarScan> {
  await stat(path); // a missing file is reported by the caller
  const hash = createHash('sha256');
  const input = createReadStream(path);
  input.on('data', (chunk) => hash.update(chunk));
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
  return { sha256: hash.digest('hex'), rows, head, invalidLine };
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
        actual = await hashFile(join(packDir, rel));
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
  if (target.kind !== 'snapshot') throw new UsageError(`sign ${opts.snapshotDir}: give the snapshot folder (with ${MANIFEST_FILE}), not a pack.`);
  const signaturePath = join(target.snapshotDir, SIGNATURE_FILE);
  if (!opts.force && (await statOrNull(signaturePath))) {
    throw new UsageError(`${signaturePath} already exists; pass --force to replace it.`);
  }
  const checks = new Checks(opts.onCheck);
  const snap = await checkSnapshot(target.snapshotDir, null, checks);
  const failed = checks.list.filter((c) => c.status === 'fail').length;
  const report: VerifyReport = {
    kind: 'snapshot',
    snapshotDir: target.snapshotDir,
    packDir: null,
    manifestSha256: snap.manifestSha256,
    keyFingerprint: null,
    checks: checks.list,
    ok: failed === 0,
    failed,
  };
  if (failed > 0 || !snap.manifestBytes) return { report, signaturePath: null, fingerprint: null };
  await writeFileAtomic(signaturePath, `${signBytes(snap.manifestBytes, privateKey)}\n`);
  return { signaturePath, fingerprint: keyFingerprint(privateKey), report };
}
