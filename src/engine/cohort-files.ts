/**
 * Writes each cohort of affected users as the fold streams: `affected/<cohort>.ndjson` (the complete list, one
 * AffectedUser per line, for machines: trends, verify, pseudonymised packs) and `affected/<cohort>.csv` (the same
 * list as the CSV worklist render puts in the pack, byte for byte what render/csv.ts makes from the NDJSON), so
 * that render's cost does not grow with the tenant. Only counts, a short sample and running hashes stay in memory.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NdjsonWriter } from '../snapshot/writer.js';
import type { AffectedUser } from '../results/schema.js';
import { BufferPool, ByteBuffer } from './byte-buffer.js';
import { csvRow, WORKLIST_HEAD } from '../results/worklist-csv.js';

export const SAMPLE_SIZE = 25;
/** bytes buffered (all files together) before they are handed to the files */
const FLUSH_AT = 4 << 20;

export interface CohortSummary {
  /** affected users not covered by an exception (written to the files) */
  count: number;
  /** users covered by a live exception (not written), and which exceptions covered them */
  excepted: number;
  exceptions: number[];
  sample: AffectedUser[];
  file: string;
  sha256: string;
  /** the CSV worklist of the same users */
  worklist: { file: string; sha256: string; bytes: number };
}

interface Cohort {
  ndjson: NdjsonWriter;
  csv: NdjsonWriter;
  pendingJson: ByteBuffer;
  pendingCsv: ByteBuffer;
  count: number;
  sample: AffectedUser[];
  excepted: number;
  exceptions: Set<number>;
}

export class CohortFiles {
  private readonly cohorts = new Map<string, Cohort>();
  /**
   * One row is often in several cohorts (the sink is called with the same object in a row): its NDJSON line and
   * CSV row are encoded once, into the first cohort's buffers, and copied from there into the others.
   */
  private lastUser: AffectedUser | null = null;
  private last = { cohort: null as Cohort | null, json: [0, 0], csv: [0, 0] };
  private buffered = 0;
  /** the writes of the previous flush: the next batch is built while they run, then awaited before it is handed on */
  private inflight: Promise<unknown> = Promise.resolve();
  /** the buffers of a flush go back here once written, for the cohorts to fill again */
  private readonly pool = new BufferPool();

  /** `exempt(cohort, user)` returns the index of the exception covering the user, or -1. */
  private constructor(private readonly exempt: (cohort: string, user: AffectedUser) => number) {}

  static async create(
    outDir: string,
    cohorts: Iterable<string>,
    exempt: (cohort: string, user: AffectedUser) => number = () => -1,
  ): Promise<CohortFiles> {
    const files = new CohortFiles(exempt);
    await mkdir(join(outDir, 'affected'), { recursive: true });
    for (const cohort of cohorts) {
      const csv = await NdjsonWriter.create(outDir, csvFile(cohort));
      await csv.writeText(WORKLIST_HEAD);
      files.cohorts.set(cohort, {
        ndjson: await NdjsonWriter.create(outDir, ndjsonFile(cohort)),
        csv,
        pendingJson: new ByteBuffer(undefined, files.pool),
        pendingCsv: new ByteBuffer(undefined, files.pool),
        count: 0,
        sample: [],
        excepted: 0,
        exceptions: new Set(),
      });
    }
    return files;
  }

  /** Synchronous sink for the folds; call flushIfNeeded() between batches of rows. */
  readonly sink = (name: string, user: AffectedUser): void => {
    const cohort = this.cohorts.get(name);
    if (!cohort) return; // a cohort no check lists
    const exception = this.exempt(name, user);
    if (exception >= 0) {
      cohort.excepted++;
      cohort.exceptions.add(exception);
      return;
    }
    const last = this.last;
    if (user !== this.lastUser || !last.cohort) {
      this.lastUser = user;
      const { pendingJson: json, pendingCsv: csv } = cohort;
      const [j0, c0] = [json.length, csv.length];
      json.append(`${JSON.stringify(user)}\n`);
      csv.append(csvRow(user));
      this.last = { cohort, json: [j0, json.length], csv: [c0, csv.length] };
      this.buffered += json.length - j0 + csv.length - c0;
    } else {
      cohort.pendingJson.appendFrom(last.cohort.pendingJson, last.json[0]!, last.json[1]!);
      cohort.pendingCsv.appendFrom(last.cohort.pendingCsv, last.csv[0]!, last.csv[1]!);
      this.buffered += last.json[1]! - last.json[0]! + last.csv[1]! - last.csv[0]!;
    }
    cohort.count++;
    if (cohort.sample.length < SAMPLE_SIZE) cohort.sample.push(user);
  };

  async flushIfNeeded(): Promise<void> {
    if (this.buffered >= FLUSH_AT) await this.flush();
  }

  private async flush(): Promise<void> {
    await this.inflight;
    const writes: Promise<void>[] = [];
    const taken: Buffer[] = [];
    for (const cohort of this.cohorts.values()) {
      if (cohort.pendingJson.length === 0) continue;
      const json = cohort.pendingJson.take();
      const csv = cohort.pendingCsv.take();
      taken.push(json, csv);
      writes.push(cohort.ndjson.writeBytes(json), cohort.csv.writeBytes(csv));
    }
    this.buffered = 0;
    this.last = { cohort: null, json: [0, 0], csv: [0, 0] }; // the encoded row left with the buffers
    const inflight = Promise.all(writes).then(() => {
      for (const b of taken) this.pool.put(b);
    });
    inflight.catch(() => undefined); // the failure is raised where it is awaited: the next flush or commit
    this.inflight = inflight;
  }

  async commit(): Promise<Map<string, CohortSummary>> {
    await this.flush();
    await this.inflight;
    const out = new Map<string, CohortSummary>();
    for (const [name, cohort] of this.cohorts) {
      const { sha256 } = await cohort.ndjson.commit();
      const csv = await cohort.csv.commit();
      // read-only: render links this file into the pack's worklists/, so an edit there must not reach the evidence
      await chmod(cohort.csv.path, 0o444);
      out.set(name, {
        count: cohort.count,
        excepted: cohort.excepted,
        exceptions: [...cohort.exceptions].sort((a, b) => a - b),
        sample: cohort.sample,
        file: ndjsonFile(name),
        sha256,
        worklist: { file: csvFile(name), sha256: csv.sha256, bytes: csv.bytes },
      });
    }
    return out;
  }
}

function ndjsonFile(cohort: string): string {
  return join('affected', `${cohort}.ndjson`);
}

function csvFile(cohort: string): string {
  return join('affected', `${cohort}.csv`);
}
