/**
 * Injected failures (graph-api.md §E.3): throttling with Retry-After (§C.2), transient 503/504, the 403 licence
 * gate and missing-permission answers (§0), so the collector's retry and error paths run against real HTTP.
 */

export interface FaultRule {
  /** Case-insensitive substring of the decoded path; absent = every path. */
  path?: string;
  /** Fire from the nth matching request on (1-based), default 1. */
  nth?: number;
  /** How many times, default 1; Infinity = always. */
  times?: number;
  status: number;
  /** Retry-After header value, e.g. '1' or '0.2' (Graph sends fractional values too, §C.2). */
  retryAfter?: string;
  code?: string;
  message?: string;
}

const KEYS = ['status', 'path', 'nth', 'times', 'retryAfter', 'code', 'message'] as const;
type Key = (typeof KEYS)[number];

const RETRY_AFTER = /^\d+(\.\d+)?$/;
const CODE = /^[A-Za-z_][\w.]*$/;

function positiveInteger(key: string, value: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new Error(`fault: ${key}='${value}' must be a positive integer`);
  return Number(value);
}

/** Checks a rule built in code the same way parseFault checks the CLI form. */
export function validateFault(rule: FaultRule): FaultRule {
  const { status, nth = 1, times = 1, retryAfter, code } = rule;
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new Error(`fault: status=${String(status)} must be an HTTP error status (400–599)`);
  }
  if (!Number.isInteger(nth) || nth < 1) throw new Error(`fault: nth=${String(nth)} must be a positive integer`);
  if (times !== Infinity && (!Number.isInteger(times) || times < 1)) {
    throw new Error(`fault: times=${String(times)} must be a positive integer or Infinity`);
  }
  if (retryAfter !== undefined && !RETRY_AFTER.test(retryAfter)) {
    throw new Error(`fault: retryAfter='${retryAfter}' must be a number of seconds, e.g. 1 or 0.2`);
  }
  if (code !== undefined && !CODE.test(code)) throw new Error(`fault: code='${code}' is not an error-code identifier`);
  return rule;
}

/**
 * The CLI form: comma-separated key=value items, e.g.
 * `status=429,path=userRegistrationDetails,nth=2,retryAfter=0.2,times=1` (times=inf for always).
 */
export function parseFault(spec: string): FaultRule {
  const seen = new Map<Key, string>();
  for (const item of spec.split(',')) {
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim();
    const value = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new Error(`fault: unknown key '${key}' in '${spec}' (expected ${KEYS.join(', ')})`);
    }
    if (value === '') throw new Error(`fault: ${key} needs a value (${key}=…) in '${spec}'`);
    if (seen.has(key as Key)) throw new Error(`fault: ${key} is given twice in '${spec}'`);
    seen.set(key as Key, value);
  }
  const status = seen.get('status');
  if (status === undefined) throw new Error(`fault: status is required in '${spec}', e.g. status=429`);
  if (!/^\d{3}$/.test(status)) throw new Error(`fault: status='${status}' must be a 3-digit HTTP status`);
  const rule: FaultRule = { status: Number(status) };
  const path = seen.get('path');
  if (path !== undefined) rule.path = path;
  const nth = seen.get('nth');
  if (nth !== undefined) rule.nth = positiveInteger('nth', nth);
  const times = seen.get('times');
  if (times !== undefined) {
    rule.times = /^(inf|infinity|always)$/i.test(times) ? Infinity : positiveInteger('times', times);
  }
  const retryAfter = seen.get('retryAfter');
  if (retryAfter !== undefined) rule.retryAfter = retryAfter;
  const code = seen.get('code');
  if (code !== undefined) rule.code = code;
  const message = seen.get('message');
  if (message !== undefined) rule.message = message;
  return validateFault(rule);
}

/** Counts matching requests per rule and says which rule, if any, answers the current one. */
export class FaultBook {
  private readonly state: { rule: FaultRule; seen: number; fired: number }[];

  constructor(rules: readonly FaultRule[]) {
    this.state = rules.map((rule) => ({ rule: validateFault(rule), seen: 0, fired: 0 }));
  }

  /** Every rule whose path matches counts the request; the first one due fires. */
  next(decodedPath: string): FaultRule | undefined {
    const path = decodedPath.toLowerCase();
    let firing: FaultRule | undefined;
    for (const s of this.state) {
      if (s.rule.path !== undefined && !path.includes(s.rule.path.toLowerCase())) continue;
      s.seen++;
      if (!firing && s.seen >= (s.rule.nth ?? 1) && s.fired < (s.rule.times ?? 1)) {
        s.fired++;
        firing = s.rule;
      }
    }
    return firing;
  }
}
