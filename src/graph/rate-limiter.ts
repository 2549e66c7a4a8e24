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

/** The last milliseconds of a sleep are waited in event-loop turns instead of by the timer (preciseSleep). */
const SPIN_MS = 2;

/**
 * Resolves `ms` from now, to a fraction of a millisecond. A timer alone fires up to a millisecond or two late (its
 * clock has whole milliseconds, the loop's time is cached): the limiter sleeps until a slot frees, every window, so
 * at the benchmark's 0.1 s windows that lateness alone was 1.5–3 % of a paced collection's time. The timer wakes it
 * SPIN_MS early; it then waits in setImmediate turns (which still serve I/O) until the time has come.
 */
export function preciseSleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const at = performance.now() + ms;
    const turn = () => {
      if (performance.now() >= at) resolve();
      else setImmediate(turn);
    };
    if (ms > SPIN_MS) setTimeout(turn, ms - SPIN_MS);
    else turn();
  });
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
  view: RateLimiter;
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
  /** ms to wait after a slot frees before granting it (settle()) */
  settleMs: number;
}

export class RateLimiter {
  private pool: Pool = { slots: new Set(), waiters: [], seq: 0, sleeping: false, settleMs: 0 };
  private laneNumber = 0;
  /** staggered views: how far behind the others this view's requests go (in requests), and what it was granted */
  private lag: number | null = null;
  private granted = 0;
  /** staggered views: the requests its client said it will send in all (expect()), null until it says; the block */
  private expected: number | null = null;
  private block = 1;

  constructor(
    readonly budget: RateBudget,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = preciseSleep,
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
   * A view of this same budget (same slots, same queue, lane 0) for one of several clients that share it staggered,
   * each `lag` requests behind the one before (run --tenants gives tenant i the lag i × d, multi-tenant.ts), so that
   * they finish one after another rather than all at once and the packs of the tenants that finished are rendered
   * while the others still collect; no client waits while the budget has room. Which waiting request goes first:
   * - a client that said how many requests it will send (expect()): the one with the most work left, counted in
   *   `block`s (the client's own budget per window: 5 for a tenant on Graph), minus its lag. A client that has two
   *   windows of work left goes before one that has one, whatever it was granted; clients with as many windows left
   *   go in lag order, so a client is served a whole block in one window, not a request in each of the next five.
   *   A client whose own budget caps it needs its last windows at full pace, and this gives them to it: the work
   *   left, not the work done, is what can still make the collection longer.
   * - otherwise: the one with the least requests granted so far plus its lag.
   * Every view of one budget should be of one kind (all told expect(), or none).
   */
  staggered(lag: number, block = 1): RateLimiter {
    const view = this.lane(0);
    view.lag = lag;
    view.block = Math.max(1, block);
    return view;
  }

  /**
   * Tells a staggered view that its client will send `n` more requests, in all, than it said before (the collector
   * tells each slice at the start, each page of a per-user report once the tenant's user count is known, and any
   * other request when it is sent). The view's place in the queue is then set by the requests left (staggered()).
   */
  expect(n: number): void {
    if (n > 0) this.expected = (this.expected ?? 0) + n;
  }

  /**
   * Grants a freed slot `ms` after it frees rather than at once (for every view of this budget). For a budget shared
   * by clients that each pass their own limiter first (run --tenants: the tenant's, then the app's): a client's own
   * slots free at the same instant as the app slots its requests held (both a window after the same answer), so
   * without this the app slot went to whoever was already queued, before that client's next request had arrived,
   * and the order of the views (lanes, staggered) was not kept. A few ms per window: 5 ms of 10 s is 0.05 %.
   */
  settle(ms: number): this {
    this.pool.settleMs = Math.max(0, ms);
    return this;
  }

  /** Requests this view was granted so far. */
  get grantedCount(): number {
    return this.granted;
  }

  /**
   * Resolves when one more request fits. Lower lane first, then (staggered views) the order staggered() says, then
   * higher priority, then first come first served: the collector gives the next page of a paged report priority, so
   * the longest chain of dependent requests is never kept waiting behind independent ones (it is the critical path of
   * a collection).
   */
  acquire(priority = 0): Promise<Release> {
    return new Promise<Release>((resolve) => {
      this.pool.waiters.push({ view: this, priority, seq: this.pool.seq++, resolve });
      this.pump();
    });
  }

  /** The next waiter to serve (the order acquire() documents; a staggered view's place changes as it is granted). */
  private static next(waiters: Waiter[]): number {
    let best = 0;
    for (let i = 1; i < waiters.length; i++) if (RateLimiter.before(waiters[i]!, waiters[best]!)) best = i;
    return best;
  }

  private static before(a: Waiter, b: Waiter): boolean {
    if (a.view.laneNumber !== b.view.laneNumber) return a.view.laneNumber < b.view.laneNumber;
    const la = a.view.place();
    const lb = b.view.place();
    if (la !== lb) return la < lb;
    if (a.priority !== b.priority) return a.priority > b.priority;
    return a.seq < b.seq;
  }

  /** A staggered view's place in the queue (lower first; staggered()); 0 for any other view. */
  private place(): number {
    if (this.lag === null) return 0;
    if (this.expected === null) return this.granted + this.lag;
    const left = Math.max(0, this.expected - this.granted);
    return this.lag - this.block * Math.ceil(left / this.block);
  }

  private pump(): void {
    const pool = this.pool;
    const t = this.now();
    for (const s of pool.slots) if (s.until + pool.settleMs <= t) pool.slots.delete(s);
    while (pool.waiters.length > 0 && pool.slots.size < this.budget.requests) {
      const slot: Slot = { until: Number.POSITIVE_INFINITY };
      pool.slots.add(slot);
      const [waiter] = pool.waiters.splice(RateLimiter.next(pool.waiters), 1);
      waiter!.view.granted++;
      waiter!.resolve(() => {
        if (slot.until !== Number.POSITIVE_INFINITY) return;
        slot.until = this.now() + this.budget.seconds * 1000;
        this.pump();
      });
    }
    if (pool.waiters.length === 0 || pool.sleeping) return;
    const next = Math.min(...[...pool.slots].map((s) => s.until));
    if (!Number.isFinite(next)) return; // every slot in flight: a response will pump again
    pool.sleeping = true;
    void this.sleep(Math.max(0, next + pool.settleMs - t)).then(() => {
      pool.sleeping = false;
      this.pump();
    });
  }
}
