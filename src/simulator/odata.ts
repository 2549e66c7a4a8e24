/**
 * The small OData surface the report endpoints accept (graph-api.md §2–§4, §7, §E.2): function-call arguments,
 * simple `$filter` clauses and opaque `$skiptoken`s. Anything outside it is rejected with a BadRequest, so the
 * collector is never tested against a server more lenient than Graph.
 */
import { hashString, mix32 } from './prng.js';

/** A request the simulator refuses: the server turns it into a Graph error body. */
export class ODataError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string): ODataError => new ODataError(400, 'BadRequest', message);

/** `'text'` ('' escapes a quote), optionally typed as an enum literal: microsoft.graph.usageAuthMethod'email'. */
const LITERAL = /^(?:[A-Za-z][\w.]*)?'((?:[^']|'')*)'$/;

function parseLiteral(text: string): string | undefined {
  const m = LITERAL.exec(text.trim());
  return m ? (m[1] ?? '').replace(/''/g, "'") : undefined;
}

/**
 * Splits at top-level commas or ` and ` (outside quotes and parentheses). Quotes toggle on every `'`, which
 * handles the doubled '' escape too.
 */
function splitTopLevel(text: string, separator: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    else if (!quoted && depth === 0) {
      separator.lastIndex = k;
      const m = separator.exec(text);
      if (m) {
        parts.push(text.slice(start, k));
        start = k + m[0].length;
        k = start - 1;
      }
    }
  }
  if (quoted) throw badRequest(`Unterminated string literal in '${text}'`);
  parts.push(text.slice(start));
  return parts;
}

/**
 * Arguments of a function call such as `usersRegisteredByFeature(includedUserTypes='all',includedUserRoles='all')`.
 * Names are matched case-insensitively (Graph is case-insensitive on segments, §E.1); values must be quoted
 * literals, as the docs show them (an unquoted `all` is not a valid OData literal).
 */
export function parseFunctionArgs(text: string, allowed: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  if (text.trim() === '') return args;
  for (const part of splitTopLevel(text, /,/y)) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    const canonical = allowed.find((a) => a.toLowerCase() === name.toLowerCase());
    if (!canonical) throw badRequest(`Unknown function parameter '${name}' (expected ${allowed.join(', ')})`);
    if (args.has(canonical)) throw badRequest(`Duplicate function parameter '${canonical}'`);
    const value = eq < 0 ? undefined : parseLiteral(part.slice(eq + 1));
    if (value === undefined) throw badRequest(`Parameter '${canonical}' needs a quoted value, e.g. ${canonical}='…'`);
    args.set(canonical, value);
  }
  return args;
}

export type FieldKind = 'boolean' | 'string' | 'collection';
/** Filterable properties of one resource, by canonical name. */
export type FilterSchema = Readonly<Record<string, FieldKind>>;
export type RowPredicate = (row: Readonly<Record<string, unknown>>) => boolean;

const EQ = /^([A-Za-z]\w*)\s+eq\s+(.+)$/s;
const STARTSWITH = /^startswith\(\s*([A-Za-z]\w*)\s*,\s*(.+?)\s*\)$/is;
const ANY = /^([A-Za-z]\w*)\/any\(\s*([A-Za-z]\w*)\s*:\s*([A-Za-z]\w*)\s+eq\s+(.+?)\s*\)$/s;

/**
 * Compiles the documented `$filter` forms: `p eq true|false`, `p eq 'v'`, `startswith(p,'v')`,
 * `c/any(x:x eq 'v')`, joined by `and`. String comparisons are case-insensitive as documented (§2, §4, §7).
 */
export function compileFilter(text: string, schema: FilterSchema): RowPredicate {
  if (text.trim() === '') throw badRequest('Empty $filter');
  const field = (name: string, kind: FieldKind, clause: string): string => {
    const canonical = Object.keys(schema).find((k) => k.toLowerCase() === name.toLowerCase());
    if (!canonical) throw badRequest(`Property '${name}' is not filterable here (in '${clause}')`);
    if (schema[canonical] !== kind) throw badRequest(`Unsupported filter on '${canonical}': '${clause}'`);
    return canonical;
  };
  const literal = (text: string, clause: string): string => {
    const value = parseLiteral(text);
    if (value === undefined) throw badRequest(`Expected a quoted string in '${clause}'`);
    return value.toLowerCase();
  };
  const lower = (v: unknown): string | undefined => (typeof v === 'string' ? v.toLowerCase() : undefined);

  const predicates = splitTopLevel(text.trim(), /\s+and\s+/iy).map((raw): RowPredicate => {
    const clause = raw.trim();
    let m = ANY.exec(clause);
    if (m && m[2] === m[3]) {
      const name = field(m[1] ?? '', 'collection', clause);
      const want = literal(m[4] ?? '', clause);
      return (row) => {
        const v = row[name];
        return Array.isArray(v) && v.some((x) => lower(x) === want);
      };
    }
    m = STARTSWITH.exec(clause);
    if (m) {
      const name = field(m[1] ?? '', 'string', clause);
      const prefix = literal(m[2] ?? '', clause);
      return (row) => lower(row[name])?.startsWith(prefix) ?? false;
    }
    m = EQ.exec(clause);
    if (m) {
      const value = (m[2] ?? '').trim();
      if (value === 'true' || value === 'false') {
        const name = field(m[1] ?? '', 'boolean', clause);
        const want = value === 'true';
        return (row) => row[name] === want;
      }
      const name = field(m[1] ?? '', 'string', clause);
      const want = literal(value, clause);
      return (row) => lower(row[name]) === want;
    }
    throw badRequest(`Unsupported $filter clause '${clause}'`);
  });
  return (row) => predicates.every((p) => p(row));
}

/**
 * `$skiptoken` is opaque to clients (§C.3: "never extract or reuse the token"): base64url of the scan offset and
 * a check value bound to the route and filter, so a forged, truncated or transplanted token is a 400.
 */
export function encodeSkipToken(offset: number, binding: string): string {
  return Buffer.from(`${offset}:${skipTokenCheck(offset, binding)}`).toString('base64url');
}

export function decodeSkipToken(token: string, binding: string, limit: number): number {
  const invalid = badRequest('Invalid $skiptoken.');
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid;
  const m = /^(\d{1,10}):([0-9a-f]{8})$/.exec(Buffer.from(token, 'base64url').toString('latin1'));
  if (!m) throw invalid;
  const offset = Number(m[1]);
  if (m[2] !== skipTokenCheck(offset, binding) || offset > limit) throw invalid;
  return offset;
}

function skipTokenCheck(offset: number, binding: string): string {
  return mix32(hashString(binding) ^ mix32(offset)).toString(16).padStart(8, '0');
}
