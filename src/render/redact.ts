/**
 * Pseudonymised copies of the pack (`--redact`, `--redact=aggregate`), for tickets and for sharing with people
 * who must not see who is affected.
 *
 * A pseudonym is HMAC-SHA256(key, kind ‖ value), truncated to 48 bits (12 hex digits: with a million users the
 * chance that two share a pseudonym is about 1 in 500). Keyed, so nobody without the key can confirm a guess
 * ("is user-3f9a… alice@contoso.com?") by hashing candidate names; deterministic, so the same key gives the
 * same pseudonym for the same user in every quarter and trends still line up. A user's UPN, display name and
 * object id all derive from the UPN (lower-cased), so one person reads as one pseudonym throughout.
 *
 * The redaction is applied to results before the view model is built, so every output (HTML, PDF, CSV,
 * summary.md) is made from redacted data only. The mapping back to the originals is written only when asked,
 * to a file outside the pack folder.
 */
import { createHmac } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { AffectedUser, AuditResult } from '../results/schema.js';
import { UsageError } from '../errors.js';
import { csvCell } from './csv.js';
import { isInside } from '../paths.js';

export type RedactMode = 'pseudonymise' | 'aggregate';

export interface RedactOptions {
  /** pseudonymise: names replaced, rows kept; aggregate: per-user rows left out entirely (and names replaced) */
  mode: RedactMode;
  /** the key itself; otherwise `keyFile`, otherwise the ENTRA_AUTH_AUDIT_REDACT_KEY environment variable */
  key?: string | Uint8Array;
  /** a file holding the key (its bytes; a trailing line break is ignored) */
  keyFile?: string;
  /** write the mapping pseudonym → original to this CSV file (mode 0600); never inside the pack folder */
  mappingFile?: string;
}

export const REDACT_KEY_ENV = 'ENTRA_AUTH_AUDIT_REDACT_KEY';
/** 128 bits: shorter keys could be searched together with a list of likely UPNs. */
export const MIN_KEY_BYTES = 16;
const HEX_DIGITS = 12;

const KEY_HELP = `Create one with: openssl rand -base64 32 > redact.key (keep it with the audit records; the same key gives the same pseudonyms next quarter), then pass it as a key file or in ${REDACT_KEY_ENV}.`;

function checkKey(bytes: Buffer, where: string): Buffer {
  if (bytes.length < MIN_KEY_BYTES) {
    throw new UsageError(`The redaction key from ${where} is ${bytes.length} bytes; at least ${MIN_KEY_BYTES} are needed. ${KEY_HELP}`);
  }
  return bytes;
}

/**
 * The key: given bytes, else the key file, else the environment variable. Aggregate-only copies may go without
 * a key: the few names they still contain (exception owners and patterns) are then replaced by fixed text.
 */
export async function loadRedactKey(opts: RedactOptions, env: NodeJS.ProcessEnv = process.env): Promise<Buffer | null> {
  if (opts.key !== undefined) {
    return checkKey(typeof opts.key === 'string' ? Buffer.from(opts.key, 'utf8') : Buffer.from(opts.key), 'the render options');
  }
  if (opts.keyFile) {
    let raw: Buffer;
    try {
      raw = await readFile(opts.keyFile);
    } catch (err) {
      throw new UsageError(`Cannot read the redaction key file ${opts.keyFile}: ${(err as Error).message}`);
    }
    // a key written by `echo` or an editor ends with a line break that is not part of the key
    let end = raw.length;
    while (end > 0 && (raw[end - 1] === 0x0a || raw[end - 1] === 0x0d)) end--;
    return checkKey(raw.subarray(0, end), opts.keyFile);
  }
  const fromEnv = env[REDACT_KEY_ENV];
  if (fromEnv) return checkKey(Buffer.from(fromEnv, 'utf8'), REDACT_KEY_ENV);
  if (opts.mode === 'aggregate') return null;
  throw new UsageError(`--redact needs a key and none was given. ${KEY_HELP}`);
}

/** Streams the mapping as CSV (kind,pseudonym,original), each pseudonym once, through a temporary file. */
class MappingFile {
  private readonly fd: number;
  private readonly tmp: string;
  private readonly seen = new Set<string>();
  private buffer: string[] = [];
  private buffered = 0;

  constructor(private readonly path: string) {
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    this.fd = openSync(this.tmp, 'w', 0o600);
    this.buffer.push('\uFEFFkind,pseudonym,original\r\n');
  }

  add(kind: 'upn' | 'name' | 'id' | 'pattern', pseudonym: string, original: string): void {
    const key = `${kind}\u0000${pseudonym}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const line = `${kind},${csvCell(pseudonym)},${csvCell(original)}\r\n`;
    this.buffer.push(line);
    this.buffered += line.length;
    if (this.buffered > 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.buffered = 0;
  }

  commit(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.tmp, { force: true });
  }
}

const EMAIL_LIKE = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[A-Za-z]{2,}/g;

export class Pseudonymiser {
  private constructor(
    private readonly key: Buffer | null,
    readonly mode: RedactMode,
    private readonly mapping: MappingFile | null,
  ) {}

  /** A pseudonymiser whose mapping (if any) is streamed to `mappingFile`; call commit() or abort() at the end. */
  static create(key: Buffer | null, mode: RedactMode, mappingFile?: string): Pseudonymiser {
    return new Pseudonymiser(key, mode, mappingFile ? new MappingFile(mappingFile) : null);
  }

  private digest(kind: string, value: string): string | null {
    if (this.key === null) return null;
    return createHmac('sha256', this.key).update(`${kind}\u0000${value}`, 'utf8').digest('hex').slice(0, HEX_DIGITS);
  }

  private upnDigest(upn: string): string | null {
    return this.digest('upn', upn.trim().toLowerCase());
  }

  /** "user-3f9a2c1d4b5e@redacted.invalid" (RFC 2606: .invalid can never be a real address). */
  upn(upn: string): string {
    if (upn === '') return '';
    const h = this.upnDigest(upn);
    const p = h === null ? 'redacted@redacted.invalid' : `user-${h}@redacted.invalid`;
    this.mapping?.add('upn', p, upn);
    return p;
  }

  /** The display name of the user with this UPN: "User 3f9a2c1d4b5e" (same digits as the UPN's pseudonym). */
  displayNameOf(upn: string, displayName: string): string {
    const h = upn === '' ? this.digest('name', displayName) : this.upnDigest(upn);
    const p = h === null ? 'Redacted' : `User ${h}`;
    this.mapping?.add('name', p, displayName);
    return p;
  }

  /** A name without a UPN (an application, an exception owner written as a name). */
  name(name: string, label = 'Name'): string {
    if (name === '') return '';
    const h = this.digest('name', name);
    const p = h === null ? 'Redacted' : `${label} ${h}`;
    this.mapping?.add('name', p, name);
    return p;
  }

  /** Object ids identify a person to anyone who can read the directory, so they are replaced too. */
  id(id: string): string {
    if (id === '') return '';
    const h = this.digest('id', id.trim().toLowerCase());
    const p = h === null ? 'redacted' : `id-${h}`;
    this.mapping?.add('id', p, id);
    return p;
  }

  /**
   * A UPN or UPN pattern from the config. A pattern that names nobody ("*@rooms.contoso.com": only wildcards
   * before the @) stays readable because it documents the scope; every other entry is replaced.
   */
  pattern(p: string): string {
    const at = p.lastIndexOf('@');
    if (at > 0 && /^\*+$/.test(p.slice(0, at))) return p;
    if (!p.includes('*')) return this.upn(p);
    const h = this.digest('pattern', p.toLowerCase());
    const out = h === null ? 'pattern-redacted' : `pattern-${h}`;
    this.mapping?.add('pattern', out, p);
    return out;
  }

  /** A person given as an e-mail address or as a name (exception owners). */
  person(s: string): string {
    return /^[^\s@]+@[^\s@]+$/.test(s.trim()) ? this.upn(s.trim()) : this.name(s, 'Person');
  }

  /** Free text: every address-like token (a UPN in a message) is replaced. */
  text(s: string): string {
    return s.replace(EMAIL_LIKE, (m) => this.upn(m));
  }

  user(u: AffectedUser): AffectedUser {
    return {
      ...u,
      id: this.id(u.id),
      userPrincipalName: this.upn(u.userPrincipalName),
      userDisplayName: this.displayNameOf(u.userPrincipalName, u.userDisplayName),
    };
  }

  commit(): void {
    this.mapping?.commit();
  }

  abort(): void {
    this.mapping?.abort();
  }
}

/** Refuses a mapping file inside the pack folder, and a pack folder that holds the original results. */
export function checkRedactionPaths(opts: RedactOptions, outDir: string, resultsDir: string): void {
  const out = resolve(outDir);
  if (out === resolve(resultsDir)) {
    throw new UsageError(
      `A redacted pack must go to its own folder: ${out} also holds results.json and the affected-user files with the original names.`,
    );
  }
  if (opts.mappingFile) {
    const mapping = resolve(opts.mappingFile);
    if (mapping === out || isInside(out, mapping)) {
      throw new UsageError(`The redaction mapping ${opts.mappingFile} must be outside the pack folder ${out}: the pack is what gets shared.`);
    }
  }
}

/**
 * A copy of `results` with every UPN, display name and object id replaced. Aggregate mode also empties the
 * samples; the lists whose length the report prints as a count (principals) keep their entries, pseudonymised,
 * and the view model leaves their rows out.
 */
export function redactResults(results: AuditResult, p: Pseudonymiser): AuditResult {
  const r = structuredClone(results);
  const aggregate = p.mode === 'aggregate';
  for (const f of r.findings) {
    f.message = p.text(f.message);
    if (f.errorReason !== null) f.errorReason = p.text(f.errorReason);
    if (f.affected) f.affected.sample = aggregate ? [] : f.affected.sample.map((u) => p.user(u));
  }
  r.exceptions = r.exceptions.map((e) => ({
    ...e,
    users: e.users === null ? null : e.users.map((u) => p.pattern(u)),
    owner: p.person(e.owner),
    reason: p.text(e.reason),
  }));
  r.definitions.breakGlassAccounts = r.definitions.breakGlassAccounts.map((u) => p.pattern(u));
  r.definitions.excludeUpnPatterns = r.definitions.excludeUpnPatterns.map((u) => p.pattern(u));
  r.definitions.population = p.text(r.definitions.population);
  r.definitions.admins = p.text(r.definitions.admins);
  r.privileged.servicePrincipals = r.privileged.servicePrincipals.map((sp) => ({ ...sp, id: p.id(sp.id), displayName: p.name(sp.displayName, 'Application') }));
  r.privileged.notAssessable = r.privileged.notAssessable.map((u) => ({
    ...u,
    id: p.id(u.id),
    userPrincipalName: p.upn(u.userPrincipalName),
    displayName: p.displayNameOf(u.userPrincipalName, u.displayName),
  }));
  if (r.privileged.note !== null) r.privileged.note = p.text(r.privileged.note);
  for (const s of r.sources) if (s.errorMessage !== null) s.errorMessage = p.text(s.errorMessage);
  // policy names and notes are tenant free text: a policy may be named after the account it exempts
  r.enforcement.basis = p.text(r.enforcement.basis);
  r.enforcement.notes = r.enforcement.notes.map((n) => p.text(n));
  for (const pol of r.enforcement.policies) pol.displayName = p.text(pol.displayName);
  if (r.trends) {
    for (const t of Object.values(r.trends.findings)) {
      const swap = (x: { id: string; userPrincipalName: string }) => ({ id: p.id(x.id), userPrincipalName: p.upn(x.userPrincipalName) });
      t.appearedSample = aggregate ? [] : t.appearedSample.map(swap);
      t.leftSample = aggregate ? [] : t.leftSample.map(swap);
    }
  }
  return r;
}
