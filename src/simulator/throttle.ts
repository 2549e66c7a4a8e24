/**
 * The simulator's request-rate limit (graph-api.md §C.2, §E.4): a sliding window over accepted requests. Over the
 * limit, the answer is a 429 whose Retry-After is the exact wait until the oldest accepted request leaves the
 * window, in seconds with up to millisecond precision (Graph itself sends values such as 2.128).
 */

export interface RateLimit {
  requests: number;
  windowMs: number;
}

const SPEC = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d*)?|\.\d+)\s*$/;

/**
 * The CLI form `N/S`: N requests per S seconds, e.g. `5/10` (Graph's reports limit) or `5/0.1`.
 * Throws an Error naming the bad value.
 */
export function parseThrottle(spec: string): RateLimit {
  const m = SPEC.exec(spec);
  const hint = "expected N/S (N requests per S seconds), e.g. '5/10' or '5/0.1'";
  if (!m) throw new Error(`throttle: '${spec}' is not valid: ${hint}`);
  const requests = Number(m[1]);
  const seconds = Number(m[2]);
  if (!Number.isSafeInteger(requests) || requests < 1) {
    throw new Error(`throttle: '${spec}' needs at least 1 request per window: ${hint}`);
  }
  // Microsecond rounding keeps 2.3 s at 2300 ms instead of 2299.9999999999995.
  const windowMs = Math.round(seconds * 1_000_000) / 1000;
  if (!(windowMs >= 1) || !Number.isFinite(windowMs)) {
    throw new Error(`throttle: '${spec}' needs a window of at least 0.001 s: ${hint}`);
  }
  return { requests, windowMs };
}

export function validateRateLimit(limit: RateLimit): RateLimit {
  if (!Number.isSafeInteger(limit.requests) || limit.requests < 1 || !(limit.windowMs > 0) || !Number.isFinite(limit.windowMs)) {
    throw new RangeError('rateLimit needs requests >= 1 (an integer) and windowMs > 0');
  }
  return limit;
}

/** Seconds for Retry-After: integer when whole, else up to 3 decimals, never rounded down. */
export function retryAfterSeconds(waitMs: number): string {
  const ms = Math.max(1, Math.ceil(waitMs));
  return String(ms / 1000);
}

export class SlidingWindow {
  private readonly accepted: number[] = [];

  constructor(private readonly limit: RateLimit) {}

  /** Takes a slot and returns 0, or returns the wait in ms until one frees (the request is then not counted). */
  take(now: number): number {
    const { requests, windowMs } = this.limit;
    while (this.accepted.length > 0 && (this.accepted[0] ?? 0) <= now - windowMs) this.accepted.shift();
    if (this.accepted.length >= requests) return (this.accepted[0] ?? now) + windowMs - now;
    this.accepted.push(now);
    return 0;
  }

  /** Undoes the take() at `now` that just succeeded (another limit refused the same request). */
  giveBack(now: number): void {
    if (this.accepted[this.accepted.length - 1] === now) this.accepted.pop();
  }
}
