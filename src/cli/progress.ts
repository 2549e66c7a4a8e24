/**
 * The collection progress line, for a terminal only: one line on stderr, redrawn in place (carriage return, erase
 * to end of line), at most a few times a second:
 *
 *   collecting · userRegistrationDetails page 212/1,002 · 211,788 rows · 4/14 sources done · 218 requests, 0.5/s · ETA 26m20s
 *
 * The ETA is the pages still expected of the longest report (known once a summary report has stated the tenant's
 * user count) at that report's own pace in this run, never faster than the request budget.
 * Logs, files and non-terminals never see it. Its carriage return and erase-to-end-of-line are the only control
 * characters it writes: anything else in the line (a source name is data as far as this module knows) is shown as a
 * "[U+XXXX]" marker, line breaks included, so the line can always be redrawn in place (issue #13).
 */
import type { ProgressEvent } from '../collector/collect.js';
import type { RateBudget } from '../graph/rate-limiter.js';
import { markAll } from '../text/visible.js';

export interface ProgressOptions {
  /** writes to the terminal (stderr) */
  write: (text: string) => void;
  /** sources in this collection */
  sources: number;
  /** the tenant's request budget, if any */
  budget: RateBudget | null;
  now?: () => number;
  /** least time between two redraws */
  minIntervalMs?: number;
  /** terminal width: the line is cut to fit so it never wraps (a wrapped line cannot be redrawn in place) */
  columns?: number;
}

interface SourceState {
  pages: number;
  records: number;
  expectedPages: number | null;
  done: boolean;
  /** pages committed by an interrupted run this one resumes */
  basePages: number;
}

export class CollectProgress {
  private readonly sources = new Map<string, SourceState>();
  private readonly started: number;
  private current: string | null = null;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private readonly now: () => number;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.started = this.now();
  }

  update(ev: ProgressEvent): void {
    const s = this.sources.get(ev.source) ?? {
      pages: 0,
      records: 0,
      expectedPages: null,
      done: false,
      basePages: ev.pagesBefore ?? 0,
    };
    s.pages = ev.pages;
    s.records = ev.records;
    if (ev.expectedPages !== undefined) s.expectedPages = ev.expectedPages;
    if (ev.status) s.done = true;
    this.sources.set(ev.source, s);
    if (!s.done) this.current = ev.source;
    const t = this.now();
    if (t - this.lastDraw < (this.opts.minIntervalMs ?? 200)) return;
    this.lastDraw = t;
    this.draw();
  }

  /** Erases the line (before another line is logged, and at the end). */
  clear(): void {
    if (!this.drawn) return;
    this.opts.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Draws the line again after clear(). */
  redraw(): void {
    if (this.sources.size > 0) this.draw();
  }

  /** The line as it would be drawn now. */
  line(): string {
    const elapsedS = Math.max(0.001, (this.now() - this.started) / 1000);
    // requests of this run: pages committed by an earlier run (--resume) are not counted
    const requests = [...this.sources.values()].reduce((n, s) => n + s.pages - s.basePages, 0);
    const done = [...this.sources.values()].filter((s) => s.done).length;
    const parts = ['collecting'];
    // the source shown: the longest still running (the one the ETA is about)
    const running = [...this.sources.entries()].filter(([, s]) => !s.done).sort((a, b) => b[1].pages - a[1].pages);
    const [name, shown] = running[0] ?? (this.current ? [this.current, this.sources.get(this.current)!] : [null, null]);
    if (name && shown) {
      const of = shown.expectedPages !== null ? `/${fmt(shown.expectedPages)}` : '';
      parts.push(`${name} page ${fmt(shown.pages)}${of}`, `${fmt(shown.records)} rows`);
    }
    parts.push(`${done}/${this.opts.sources} sources done`);
    parts.push(`${fmt(requests)} request${requests === 1 ? '' : 's'}, ${(requests / elapsedS).toFixed(1)}/s`);
    const eta = this.etaSeconds(running.map(([, s]) => s));
    if (eta !== null) parts.push(`ETA ${duration(eta)}`);
    const text = markAll(parts.join(' · '));
    const width = Math.max(20, (this.opts.columns || 120) - 1); // 0 when the terminal does not say
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  }

  /**
   * The longest wait among the running sources whose page count is known: each one's pages left at its own pace
   * since this run started, never faster than the request budget.
   */
  private etaSeconds(running: SourceState[]): number | null {
    const budgetRate = this.opts.budget ? this.opts.budget.requests / this.opts.budget.seconds : Number.POSITIVE_INFINITY;
    let eta: number | null = null;
    for (const s of running) {
      if (s.expectedPages === null) continue;
      const done = s.pages - s.basePages;
      const elapsed = (this.now() - this.started) / 1000;
      const own = done > 0 && elapsed > 0 ? done / elapsed : budgetRate;
      const rate = Math.min(budgetRate, own);
      if (!Number.isFinite(rate) || rate <= 0) continue;
      eta = Math.max(eta ?? 0, Math.max(0, s.expectedPages - s.pages) / rate);
    }
    return eta;
  }

  private draw(): void {
    this.opts.write(`\r${this.line()}\x1b[K`);
    this.drawn = true;
  }
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** 95 → "1m35s", 3725 → "1h02m" */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
