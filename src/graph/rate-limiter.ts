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
  lane: number;
  priority: number;
  seq: number;
  resolve: (release: Release) => void;
}

/** What every view (lane) of one budget shares. */
interface Pool {
  readonly slots: Set<Slot>;
  readonly waiters: Waiter[];
  seq: number;
  sleeping: boolean;
}

export class RateLimiter {
  private pool: Pool = { slots: new Set(), waiters: [], seq: 0, sleeping: false };
  private laneNumber = 0;

  constructor(
    readonly budget: RateBudget,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /**
   * A view of this same budget (same slots, same queue) whose waiters go after those of every lower lane and before
   * those of every higher one; within a lane, by priority, then first come first served. run --tenants gives each
   * group of tenants a lane of the per-app budget (multi-tenant.ts), so that groups finish one after another.
   */
  lane(n: number): RateLimiter {
    const view = new RateLimiter(this.budget, this.now, this.sleep);
    view.pool = this.pool;
    view.laneNumber = n;
    return view;
  }

  /**
   * Resolves when one more request fits. Lower lane first, then higher priority, then first come first served: the
   * collector gives the next page of a paged report priority, so the longest chain of dependent requests is never
   * kept waiting behind independent ones (it is the critical path of a collection).
   */
  acquire(priority = 0): Promise<Release> {
    return new Promise<Release>((resolve) => {
      const { waiters } = this.pool;
      waiters.push({ lane: this.laneNumber, priority, seq: this.pool.seq++, resolve });
      waiters.sort((a, b) => a.lane - b.lane || b.priority - a.priority || a.seq - b.seq);
      this.pump();
    });
  }

  private pump(): void {
    const pool = this.pool;
    const t = this.now();
    for (const s of pool.slots) if (s.until <= t) pool.slots.delete(s);
    while (pool.waiters.length > 0 && pool.slots.size < this.budget.requests) {
      const slot: Slot = { until: Number.POSITIVE_INFINITY };
      pool.slots.add(slot);
      pool.waiters.shift()!.resolve(() => {
        if (slot.until !== Number.POSITIVE_INFINITY) return;
        slot.until = this.now() + this.budget.seconds * 1000;
        this.pump();
      });
    }
    if (pool.waiters.length === 0 || pool.sleeping) return;
    const next = Math.min(...[...pool.slots].map((s) => s.until));
    if (!Number.isFinite(next)) return; // every slot in flight: a response will pump again
    pool.sleeping = true;
    void this.sleep(Math.max(0, next - t)).then(() => {
      pool.sleeping = false;
      this.pump();
    });
  }
}
