/**
 * Worklists: a sidecar NDJSON of affected users → CSV for the people who fix them (usually in Excel).
 * Streams line by line: the sidecar may list every user of a large tenant.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { AffectedUserSchema, type AffectedUser } from '../results/schema.js';
import { BOM, csvCell, csvRow, EOL, WORKLIST_HEAD } from '../results/worklist-csv.js';

export { csvCell, csvRow, WORKLIST_COLUMNS } from '../results/worklist-csv.js';

export interface WorklistResult {
  /** data rows written (header excluded) */
  rows: number;
  /** the first `headLimit` users, for the capped table in the report */
  head: AffectedUser[];
  /** SHA-256 (hex) of the sidecar's bytes as read */
  sha256: string;
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/**
 * Reads `ndjsonPath` (one AffectedUser per line; blank lines ignored) and writes the CSV to `csvPath`.
 * Throws on a line that is not a valid AffectedUser, naming the line. `transform` rewrites each row before it
 * is written or kept in `head` (pseudonymised packs, redact.ts); the hash is always of the sidecar as read.
 */
export async function writeWorklistCsv(
  ndjsonPath: string,
  csvPath: string,
  headLimit: number,
  transform?: (user: AffectedUser) => AffectedUser,
): Promise<WorklistResult> {
  const hash = createHash('sha256');
  const input = createReadStream(ndjsonPath);
  input.on('data', (chunk) => hash.update(chunk));
  const out = createWriteStream(csvPath, { encoding: 'utf8' });
  const closed = once(out, 'close');
  const head: AffectedUser[] = [];
  let rows = 0;
  let lineNo = 0;
  // the reader must be attached before the first await, or chunks flow past it
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    await write(out, WORKLIST_HEAD);
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(`${ndjsonPath}: line ${lineNo} is not JSON`);
      }
      const user = AffectedUserSchema.safeParse(parsed);
      if (!user.success) throw new Error(`${ndjsonPath}: line ${lineNo} is not an affected-user row (${user.error.issues[0]?.message ?? 'invalid'})`);
      const row = transform ? transform(user.data) : user.data;
      if (head.length < headLimit) head.push(row);
      await write(out, csvRow(row));
      rows++;
    }
    out.end();
    await closed;
  } catch (err) {
    input.destroy();
    out.destroy();
    await closed.catch(() => undefined);
    throw err;
  }
  return { rows, head, sha256: hash.digest('hex') };
}

export interface WorklistIndexRow {
  severity: string;
  checkId: string;
  title: string;
  users: number;
  /** the remediation summary: what to do for every user of the file */
  action: string;
  steps: readonly string[];
  file: string;
}

/**
 * worklists/index.csv: one row per worklist, most severe first, so the people who fix things see each action,
 * its size and its file at a glance.
 */
export function worklistIndexCsv(rows: readonly WorklistIndexRow[]): string {
  const head = ['severity', 'checkId', 'title', 'users', 'action', 'steps', 'file'];
  const lines = rows.map((r) =>
    [r.severity, r.checkId, r.title, String(r.users), r.action, r.steps.map((s, i) => `${i + 1}. ${s}`).join(' '), r.file].map(csvCell).join(','),
  );
  return BOM + [head.join(','), ...lines].join(EOL) + EOL;
}
