/**
 * Paces requests to a budget of `requests` per `seconds` (sliding window), so the Graph throttle
 * (identity and access reports: 5 requests / 10 s per app per tenant, graph-api.md §C.2) is met instead of hit.
 *
 * A slot is held from acquire() until the response arrives and then for one window after it. The server counts
 * a request when it arrives, which is before its response, so the next request it sees from us in that slot is
 * always a full window later, whatever each request's network delay. (A limiter that timed departures met 429s
 * whenever an early request travelled slower than a later one — measured against the simulator.)
 */
export interface RateBudget {
  requests: number;
  seconds: number;
}

export function parseRate(spec: string): RateBudget {
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(spec.trim());
  if (!m) throw new Error(`rate '${spec}' is not of the form N/SECONDS, e.g. 5/10`);
  const requests = Number(m[1]);
  const seconds = Number(m[2]);
  if (requests < 1 || seconds <= 0) throw new Error(`rate '${spec}' needs at least 1 request per a positive number of seconds`);
  return { requests, seconds };
}

/** Call once the response (its status line) has arrived, or the request failed. */
export type Release = () => void;

interface Slot {
  /** when the slot frees: response time + window; Infinity while in flight */
  until: number;
}

interface Waiter {
  priority: number;
  seq: number;
  resolve: (release: Release) => void;
}

export class RateLimiter {
  private readonly slots = new Set<Slot>();
  private readonly waiters: Waiter[] = [];
  private seq = 0;
  private sleeping = false;

  constructor(
    readonly budget: RateBudget,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /**
   * Resolves when one more request fits. Higher priority first, then first come first served: the collector gives
   * the next page of a paged report priority, so the longest chain of dependent requests is never kept waiting
   * behind independent ones (it is the critical path of a collection).
   */
  acquire(priority = 0): Promise<Release> {
    return new Promise<Release>((resolve) => {
      this.waiters.push({ priority, seq: this.seq++, resolve });
      this.waiters.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
      this.pump();
    });
  }

  private pump(): void {
    const t = this.now();
    for (const s of this.slots) if (s.until <= t) this.slots.delete(s);
    while (this.waiters.length > 0 && this.slots.size < this.budget.requests) {
      const slot: Slot = { until: Number.POSITIVE_INFINITY };
      this.slots.add(slot);
      this.waiters.shift()!.resolve(() => {
        if (slot.until !== Number.POSITIVE_INFINITY) return;
        slot.until = this.now() + this.budget.seconds * 1000;
        this.pump();
      });
    }
    if (this.waiters.length === 0 || this.sleeping) return;
    const next = Math.min(...[...this.slots].map((s) => s.until));
    if (!Number.isFinite(next)) return; // every slot in flight: a response will pump again
    this.sleeping = true;
    void this.sleep(Math.max(0, next - t)).then(() => {
      this.sleeping = false;
      this.pump();
    });
  }
}
