/**
 * Injected failures (graph-api.md §E.3): throttling with Retry-After (§C.2), transient 503/504, the 403 licence
 * gate and missing-permission answers (§0), dropped and truncated connections, slow answers, and paging faults
 * (nextLink loops, rows duplicated across pages), so the collector's retry, error and paging-integrity paths run
 * against real HTTP.
 */

/**
 * What a fault does:
 * - error (default): answer `status` (400–599) in the Graph error shape.
 * - drop: destroy the connection without any response (also `status: 0`).
 * - cut: send the status line, headers and half the body, then destroy the connection: a truncated JSON body.
 *   Single-object answers carry the full Content-Length; paged collections are streamed (chunked, no
 *   Content-Length), so the client sees a chunked body that ends without its last chunk.
 * - slow: wait `delayMs`, then answer normally, or with `status` when one is given.
 * - loop: a page answers with a nextLink equal to its own URL, which is the nextLink of the previous page: a
 *   collector that follows it blindly fetches the same page forever (times=inf) or reads it twice. For the
 *   collector's nextLink-loop detection.
 * - dup: the page starts with the last row of the previous page (that page's last row moves to the next page, so
 *   no row is lost). For the collector's duplicate-id detection. The first page has no previous row: no effect.
 * loop and dup change paged collections only (a body with `value`); elsewhere they answer normally.
 */
export type FaultAction = 'error' | 'drop' | 'cut' | 'slow' | 'loop' | 'dup';
export const FAULT_ACTIONS: readonly FaultAction[] = ['error', 'drop', 'cut', 'slow', 'loop', 'dup'];

export interface FaultRule {
  /** Case-insensitive substring of the decoded path; absent = every path. */
  path?: string;
  /** Fire from the nth matching request on (1-based), default 1. */
  nth?: number;
  /** How many times, default 1; Infinity = always. */
  times?: number;
  /** Default 'error', or 'drop' when status is 0. */
  action?: FaultAction;
  /** HTTP error status: required for 'error'; 0 = drop; optional for 'slow' (answered after the delay). */
  status?: number;
  /** 'slow' only: milliseconds before answering (0–600000). */
  delayMs?: number;
  /** Retry-After header value, e.g. '1' or '0.2' (Graph sends fractional values too, §C.2). */
  retryAfter?: string;
  code?: string;
  message?: string;
}

const KEYS = ['status', 'action', 'path', 'nth', 'times', 'delayMs', 'retryAfter', 'code', 'message'] as const;
type Key = (typeof KEYS)[number];

const RETRY_AFTER = /^\d+(\.\d+)?$/;
const CODE = /^[A-Za-z_][\w.]*$/;
const MAX_DELAY_MS = 600_000;

function positiveInteger(key: string, value: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new Error(`fault: ${key}='${value}' must be a positive integer`);
  return Number(value);
}

/** The action a rule performs, resolving the `status: 0` alias. */
export function faultAction(rule: FaultRule): FaultAction {
  return rule.action ?? (rule.status === 0 ? 'drop' : 'error');
}

const isErrorStatus = (status: unknown): boolean =>
  typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599;

/** Checks a rule built in code the same way parseFault checks the CLI form. */
export function validateFault(rule: FaultRule): FaultRule {
  const { status, nth = 1, times = 1, retryAfter, code, delayMs } = rule;
  if (rule.action !== undefined && !FAULT_ACTIONS.includes(rule.action)) {
    throw new Error(`fault: action='${String(rule.action)}' must be one of ${FAULT_ACTIONS.join(', ')}`);
  }
  const action = faultAction(rule);
  switch (action) {
    case 'error':
      if (!isErrorStatus(status)) {
        throw new Error(`fault: status=${String(status)} must be an HTTP error status (400–599), or 0 to drop the connection`);
      }
      break;
    case 'drop':
      if (status !== undefined && status !== 0) throw new Error(`fault: action=drop takes no status (got status=${status})`);
      break;
    case 'slow':
      if (status !== undefined && !isErrorStatus(status)) {
        throw new Error(`fault: status=${String(status)} must be an HTTP error status (400–599) with action=slow`);
      }
      break;
    default:
      if (status !== undefined) throw new Error(`fault: action=${action} takes no status (got status=${status})`);
  }
  if (action === 'slow') {
    if (delayMs === undefined) throw new Error('fault: action=slow needs delayMs, e.g. delayMs=2000');
    if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
      throw new Error(`fault: delayMs=${String(delayMs)} must be an integer in [0, ${MAX_DELAY_MS}]`);
    }
  } else if (delayMs !== undefined) {
    throw new Error(`fault: delayMs is only for action=slow (got action=${action})`);
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
 * `status=429,path=userRegistrationDetails,nth=2,retryAfter=0.2,times=1` (times=inf for always),
 * `action=drop,path=userRegistrationDetails,nth=3`, `action=cut,path=roleAssignments`,
 * `action=slow,delayMs=1500,path=usersRegisteredByMethod`, `action=slow,delayMs=500,status=504`,
 * `action=loop,path=userRegistrationDetails,nth=2`, `action=dup,path=userRegistrationDetails,nth=3`.
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
  const action = seen.get('action');
  if (status === undefined && action === undefined) {
    throw new Error(`fault: status is required in '${spec}', e.g. status=429 (or action=${FAULT_ACTIONS.slice(1).join('|')})`);
  }
  const rule: FaultRule = {};
  if (action !== undefined) {
    if (!(FAULT_ACTIONS as readonly string[]).includes(action)) {
      throw new Error(`fault: action='${action}' in '${spec}' must be one of ${FAULT_ACTIONS.join(', ')}`);
    }
    rule.action = action as FaultAction;
  }
  if (status !== undefined) {
    if (!/^(0|\d{3})$/.test(status)) throw new Error(`fault: status='${status}' must be a 3-digit HTTP status (or 0 to drop)`);
    rule.status = Number(status);
  }
  const path = seen.get('path');
  if (path !== undefined) rule.path = path;
  const nth = seen.get('nth');
  if (nth !== undefined) rule.nth = positiveInteger('nth', nth);
  const times = seen.get('times');
  if (times !== undefined) {
    rule.times = /^(inf|infinity|always)$/i.test(times) ? Infinity : positiveInteger('times', times);
  }
  const delayMs = seen.get('delayMs');
  if (delayMs !== undefined) {
    if (!/^\d{1,6}$/.test(delayMs)) throw new Error(`fault: delayMs='${delayMs}' must be a whole number of milliseconds`);
    rule.delayMs = Number(delayMs);
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
