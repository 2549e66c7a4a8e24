/**
 * Writes each cohort of affected users to `affected/<cohort>.ndjson` as the fold streams, keeping only the count,
 * a short sample and a running hash in memory.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NdjsonWriter } from '../snapshot/writer.js';
import type { AffectedUser } from './results.js';

export const SAMPLE_SIZE = 25;
const FLUSH_AT = 256;

export interface CohortSummary {
  /** affected users not covered by an exception (written to the file) */
  count: number;
  /** users covered by a live exception (not written), and which exceptions covered them */
  excepted: number;
  exceptions: number[];
  sample: AffectedUser[];
  file: string;
  sha256: string;
}

export class CohortFiles {
  private readonly writers = new Map<string, NdjsonWriter>();
  private readonly pending = new Map<string, string[]>();
  /** one row is often in several cohorts: serialise it once (the sink is called with the same object in a row) */
  private lastUser: AffectedUser | null = null;
  private lastLine = '';
  private readonly samples = new Map<string, AffectedUser[]>();
  private readonly counts = new Map<string, number>();
  private readonly excepted = new Map<string, Set<number>>();
  private readonly exceptedCounts = new Map<string, number>();
  private buffered = 0;

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
      files.writers.set(cohort, await NdjsonWriter.create(outDir, relativeFile(cohort)));
      files.pending.set(cohort, []);
      files.samples.set(cohort, []);
    }
    return files;
  }

  /** Synchronous sink for the folds; call flushIfNeeded() between rows. */
  readonly sink = (cohort: string, user: AffectedUser): void => {
    const pending = this.pending.get(cohort);
    if (!pending) return; // a cohort no check lists
    const exception = this.exempt(cohort, user);
    if (exception >= 0) {
      this.exceptedCounts.set(cohort, (this.exceptedCounts.get(cohort) ?? 0) + 1);
      this.excepted.set(cohort, (this.excepted.get(cohort) ?? new Set()).add(exception));
      return;
    }
    if (user !== this.lastUser) {
      this.lastUser = user;
      this.lastLine = JSON.stringify(user);
    }
    pending.push(this.lastLine);
    this.buffered++;
    this.counts.set(cohort, (this.counts.get(cohort) ?? 0) + 1);
    const sample = this.samples.get(cohort)!;
    if (sample.length < SAMPLE_SIZE) sample.push(user);
  };

  async flushIfNeeded(): Promise<void> {
    if (this.buffered >= FLUSH_AT) await this.flush();
  }

  private async flush(): Promise<void> {
    for (const [cohort, rows] of this.pending) {
      if (rows.length === 0) continue;
      await this.writers.get(cohort)!.writeLines(rows);
      this.pending.set(cohort, []);
    }
    this.buffered = 0;
  }

  async commit(): Promise<Map<string, CohortSummary>> {
    await this.flush();
    const out = new Map<string, CohortSummary>();
    for (const [cohort, writer] of this.writers) {
      const { sha256 } = await writer.commit();
      out.set(cohort, {
        count: this.counts.get(cohort) ?? 0,
        excepted: this.exceptedCounts.get(cohort) ?? 0,
        exceptions: [...(this.excepted.get(cohort) ?? [])].sort((a, b) => a - b),
        sample: this.samples.get(cohort)!,
        file: relativeFile(cohort),
        sha256,
      });
    }
    return out;
  }
}

function relativeFile(cohort: string): string {
  return join('affected', `${cohort}.ndjson`);
}
