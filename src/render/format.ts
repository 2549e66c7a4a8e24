/**
 * Text hygiene and formatting shared by the view model and the chart data: no Intl or locale dependence, so the
 * output is the same on every machine.
 */
import { markAll, terminalText } from '../text/visible.js';
import { FRAMEWORK_SHORT, METHOD_LABEL } from './view-text.js';

// ---------------------------------------------------------------------------------------------------------------
// Text hygiene: the marker convention (control, bidi and invisible characters shown as "[U+XXXX]") is
// src/text/visible.ts, shared with the CSV worklists and the terminal.

/**
 * Longest tenant value (name, UPN, method token) and longest prose shown in the HTML and PDF. Graph caps a display
 * name at 256 characters; anything longer is hostile or corrupt, and one 100 kB name repeated in every capped
 * sample made a 1,166-page PDF. The full value stays in results.json, the sidecars and the CSV worklists.
 */
export const MAX_SHOWN_CHARS = 512;
export const MAX_PROSE_CHARS = 4000;

/** `s` cut to `max` UTF-16 units (never inside a surrogate pair), saying how much was left out. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max;
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--; // never split a surrogate pair
  return `${s.slice(0, cut)}… [${formatInt(s.length - cut)} more characters]`;
}

/** For identifiers and names from the tenant: clipped, and every control, bidi and invisible character becomes a visible marker. */
export function visibleText(s: string): string {
  return markAll(clip(s, MAX_SHOWN_CHARS));
}

/** For prose (messages, rationale, reasons): clipped; keeps tabs and line breaks, marks every other control, bidi and invisible character. */
export function cleanProse(s: string): string {
  return terminalText(clip(s, MAX_PROSE_CHARS));
}

// ---------------------------------------------------------------------------------------------------------------
// Number and date formatting (no Intl/locale dependence, so output is the same on every machine)

export function formatInt(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = Math.round(Math.abs(n)).toString();
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return formatInt(n);
  const [int = '0', frac = ''] = Math.abs(n).toString().split('.');
  return (n < 0 ? '-' : '') + formatInt(Number(int)) + (frac ? `.${frac}` : '');
}

export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'n/a';
  return `${(Math.round(ratio * 1000) / 10).toFixed(1)}%`;
}

/** A change of a share in percentage points, signed: "+2.1 pts", "−0.4 pts", "±0.0 pts". */
export function formatPoints(delta: number): string {
  const pts = Math.round(delta * 1000) / 10;
  if (pts === 0) return '±0.0 pts';
  return `${pts > 0 ? '+' : '\u2212'}${Math.abs(pts).toFixed(1)} pts`;
}

export function formatSignedInt(delta: number): string {
  if (delta === 0) return '±0';
  return `${delta > 0 ? '+' : '\u2212'}${formatInt(Math.abs(delta))}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "27 Nov 2026, 09:14 UTC" from an ISO timestamp; the input string itself when it does not parse. */
export function formatDateTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  const pad = (n: number) => n.toString().padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** "27 Nov 2026" from an ISO timestamp or date; the input itself when it does not parse. */
export function formatDate(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "2 min 37 s" between two ISO timestamps; '' when either does not parse. */
export function formatDuration(fromIso: string, toIso: string): string {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/**
 * A long identifier split after ".", "@", "_" and "/", so the template can offer a line break there (<wbr>)
 * instead of the browser cutting "onmicrosoft.com" into "onmicrosoft.co" + "m". Joined, the parts are the input.
 */
export function breakParts(s: string): string[] {
  return s.split(/(?<=[.@_/])/);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A check id as a file name: anything but [A-Za-z0-9._-] becomes "_" and no leading dot, so it stays in worklists/. */
export function worklistName(checkId: string): string {
  const safe = checkId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return `${safe || '_'}.csv`;
}

/**
 * A value from a fixed table by a key that comes from the data. Own properties only: a method token named
 * "constructor" or "__proto__" must read as itself, not as Object.prototype's member.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export function methodLabel(token: string): string {
  return lookup(METHOD_LABEL, token) ?? token;
}

export function frameworkShort(id: string): string {
  return lookup(FRAMEWORK_SHORT, id) ?? id;
}

export function anchorFor(checkId: string): string {
  return `finding-${worklistName(checkId).slice(0, -4)}`;
}
