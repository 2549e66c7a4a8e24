/**
 * Finds a page's `@odata.nextLink` in the first bytes of its body, before the rows have arrived or been parsed.
 *
 * Graph writes the OData control information before `value` (graph-api.md §1 example: context, nextLink, value),
 * so the link of the next page is in the first few hundred bytes of a body that is ~1 MB for 1,000 rows. Knowing
 * it then lets the collector ask for the next page while this one is still arriving and being parsed: a paged
 * report is one chain of dependent requests, and without this each link waits for its whole page (on Graph,
 * seconds per 1,000-row page) before the next request may go.
 *
 * Only the object's top-level members before `value` are read; a body that puts the link after the rows (OData
 * 4.01 allows it) gives `null` here and the caller falls back to the link of the fully parsed body, which is
 * always the one followed: an early link is a hint that the caller checks against it.
 */

/** the link; `null`: none before the rows (or not a JSON object); `undefined`: the prefix is too short to tell */
export type ScanResult = string | null | undefined;

/** Stop looking past this many characters: the control information is short, a body without a link is long. */
export const SCAN_LIMIT = 64 * 1024;

export function scanNextLink(text: string): ScanResult {
  let i = skipWs(text, 0);
  if (i >= text.length) return undefined;
  if (text.charCodeAt(i) === 0xfeff) i = skipWs(text, i + 1); // a BOM (Response.text() drops it too)
  if (i >= text.length) return undefined;
  if (text[i] !== '{') return null;
  i++;
  for (;;) {
    i = skipWs(text, i);
    if (i >= text.length) return undefined;
    if (text[i] !== '"') return null; // '}' (no rows) or not JSON: nothing early to follow
    const keyEnd = endOfString(text, i);
    if (keyEnd < 0) return undefined;
    const key = parseOr(text.slice(i, keyEnd), null);
    if (typeof key !== 'string') return null;
    i = skipWs(text, keyEnd);
    if (i >= text.length) return undefined;
    if (text[i] !== ':') return null;
    i = skipWs(text, i + 1);
    if (i >= text.length) return undefined;
    if (key === 'value') return null; // the rows start: no link before them
    const valueEnd = endOfValue(text, i);
    if (valueEnd < 0) return undefined;
    if (key === '@odata.nextLink') {
      const link = parseOr(text.slice(i, valueEnd), null);
      return typeof link === 'string' && link.length > 0 ? link : null;
    }
    i = skipWs(text, valueEnd);
    if (i >= text.length) return undefined;
    if (text[i] !== ',') return null;
    i++;
  }
}

function parseOr(json: string, fallback: unknown): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return fallback;
  }
}

function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** index just past the string starting at s[i] (a '"'), or -1 when it does not end within s */
function endOfString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++; // backslash: the next character is escaped
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

/** index just past the JSON value starting at s[i], or -1 when it does not end within s */
function endOfValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return endOfString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s[j];
      if (d === '"') {
        const end = endOfString(s, j);
        if (end < 0) return -1;
        j = end - 1;
      } else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // a number, true, false or null: it ends at a delimiter, which must have arrived (a number may go on)
  for (let j = i; j < s.length; j++) if (/[,}\]\s]/.test(s[j]!)) return j;
  return -1;
}
