/** Shared by the security tests: a real pack made by the CLI from the simulator, and byte-level search helpers. */
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { BIN, ROOT, runCli, type CliResult } from '../helpers/cli.js';

/**
 * `run --no-pdf` against an in-process simulator: OUT holds results.json, affected/, audit.html, summary.md,
 * worklists/ and the snapshot in OUT/snapshot. Throws with the CLI's stderr when it fails.
 */
export async function buildPack(out: string, opts: { seed?: number; users?: number } = {}): Promise<CliResult> {
  const token = `pack-token-${opts.seed ?? 5}`;
  const tenant = createTenant({ seed: opts.seed ?? 5, users: opts.users ?? 300 });
  const sim = await startSimulator({ tenant, token });
  try {
    const res = await runCli(['run', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', sim.url, '--out', out, '--no-pdf'], {
      ENTRA_AUTH_AUDIT_TOKEN: token,
      GITHUB_STEP_SUMMARY: '', // never append test output to a real CI job's summary
    });
    if (res.code !== 0) throw new Error(`run failed (${res.code}): ${res.stderr}`);
    return res;
  } finally {
    await sim.close();
  }
}

/** Every file under `dir`, recursively. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The forms a secret could take in output: verbatim, base64 (and base64url, with each of the three alignments a
 * secret embedded in a longer base64 string can have), URL-encoded (encodeURIComponent and form encoding),
 * JSON-escaped, and hex.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+'), JSON.stringify(secret).slice(1, -1)]);
  forms.add(Buffer.from(secret).toString('hex'));
  for (let shift = 0; shift < 3; shift++) {
    // base64 of the secret preceded by `shift` bytes: drop the output characters that depend on those bytes
    const b64 = Buffer.concat([Buffer.alloc(shift), Buffer.from(secret)]).toString('base64');
    const start = shift === 0 ? 0 : Math.ceil((shift * 8) / 6);
    const end = Math.floor(((shift + Buffer.byteLength(secret)) * 8) / 6);
    const core = b64.slice(start, end);
    if (core.length >= 8) {
      forms.add(core);
      forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms];
}

/** Where any form of any secret occurs in `text`: [] when nothing leaked. */
export function findSecrets(label: string, text: string, secrets: readonly string[]): string[] {
  const hits: string[] = [];
  for (const secret of secrets) {
    for (const form of secretForms(secret)) {
      if (text.includes(form)) hits.push(`${label}: contains ${JSON.stringify(form)} (a form of a secret)`);
    }
  }
  return hits;
}

/** Searches every file under `dirs` (folders or single files) as latin1 text (byte for byte, so binary files and UTF-8 are searched alike). */
export async function findSecretsInFiles(dirs: readonly string[], secrets: readonly string[]): Promise<{ files: number; hits: string[] }> {
  let files = 0;
  const hits: string[] = [];
  for (const dir of dirs) {
    if (!(await exists(dir))) continue;
    const paths = (await stat(dir)).isDirectory() ? await listFiles(dir) : [dir];
    for (const file of paths) {
      files++;
      const bytes = await readFile(file);
      hits.push(...findSecrets(file, bytes.toString('latin1'), secrets));
    }
  }
  return { files, hits: [...new Set(hits)] };
}

export interface TimedCliResult extends CliResult {
  ms: number;
  /** true when the deadline passed and the child was killed */
  timedOut: boolean;
}

/**
 * Like runCli, but kills the child (by its own pid) when it runs past `deadlineMs`, so a hang is reported as a
 * failure with its output instead of stalling the suite.
 */
export function runCliWithin(args: string[], env: Record<string, string>, deadlineMs: number): Promise<TimedCliResult> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}
