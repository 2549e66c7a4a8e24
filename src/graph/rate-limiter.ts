/**
 * Paces requests to a budget of `requests` per `seconds` (sliding window), so the Graph throttle
 * (identity and access reports: 5 requests / 10 s per app per tenant, graph-api.md §C.2) is met instead of hit.
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

export class RateLimiter {
  private readonly sent: number[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly budget: RateBudget,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Resolves when one more request fits in the window; callers are served in order. */
  acquire(): Promise<void> {
    const next = this.chain.then(() => this.waitForSlot());
    this.chain = next;
    return next;
  }

  private async waitForSlot(): Promise<void> {
    const windowMs = this.budget.seconds * 1000;
    for (;;) {
      const t = this.now();
      while (this.sent.length > 0 && t - this.sent[0]! >= windowMs) this.sent.shift();
      if (this.sent.length < this.budget.requests) {
        this.sent.push(t);
        return;
      }
      await this.sleep(windowMs - (t - this.sent[0]!) + 1);
    }
  }
}
