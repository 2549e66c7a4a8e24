/**
 * The CSV worklist format (RFC 4180, UTF-8 with a byte-order mark for Excel), shared by analyze, which writes each
 * cohort's worklist as it streams, and render, which rewrites it for pseudonymised packs. Cells are made safe for
 * spreadsheets: control characters shown, bidi and invisible characters marked as in the HTML, formulas neutralised.
 */
import { BIDI_OR_INVISIBLE_CLASS, markBidiAndInvisible } from '../text/visible.js';
import type { AffectedUser } from './schema.js';

export const WORKLIST_COLUMNS = ['id', 'userPrincipalName', 'userDisplayName', 'userType', 'isAdmin', 'methodsRegistered'] as const;

/** Excel needs the byte-order mark to read the file as UTF-8 rather than the ANSI code page. */
export const BOM = '\uFEFF';
/** RFC 4180 line break. */
export const EOL = '\r\n';

/**
 * Characters a spreadsheet reads as the start of a formula (OWASP "CSV injection"): = + - @, and tab and CR,
 * which some importers strip before evaluating the rest.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Control characters except tab, LF and CR (which RFC 4180 allows inside a quoted field). */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Shows a control character as its Unicode "control picture" (U+2400 block), so nothing is silently lost. */
function controlPicture(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\uFFFD';
}

/** The characters csvCell changes or quotes for, but the comma (control characters, quotes, bidi and invisible). */
const CHANGED = `\\u0000-\\u001F\\u007F-\\u009F"${BIDI_OR_INVISIBLE_CLASS}`;
/** Anything csvCell has to change or quote: most cells (ids, plain names) have none of it. */
const NEEDS_WORK = new RegExp(`^[=+\\-@]|[${CHANGED},]`);

/**
 * One CSV field: control characters made visible; bidi controls and invisible characters shown as "[U+202E]"
 * markers as visibleText() does in the HTML ("Invoice\u202Egpj.exe" must not read as "Invoiceexe.jpg" in a
 * spreadsheet); formulas neutralised with a leading ', quoted if needed.
 */
export function csvCell(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  let s = markBidiAndInvisible(value.replace(CONTROL, controlPicture));
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** NEEDS_WORK's characters but the comma, for a whole row (its commas are counted instead). */
const NEEDS_WORK_IN_ROW = new RegExp(`[${CHANGED}]`);

/** Not a formula start (= + - @; tab and CR are NEEDS_WORK_IN_ROW's); true for ''. */
function plainStart(s: string): boolean {
  const c = s.charCodeAt(0);
  return c !== 61 && c !== 43 && c !== 45 && c !== 64;
}

export function csvRow(user: AffectedUser): string {
  // analyze runs this for every affected user of the tenant (millions of rows): the usual row has nothing to change,
  // which one test of the joined row tells (no field starts a formula, no character to change, and no comma but the
  // five separators); otherwise each cell on its own
  const methods = user.methodsRegistered.join(';');
  const admin = user.isAdmin === null ? '' : String(user.isAdmin);
  const row = user.id + ',' + user.userPrincipalName + ',' + user.userDisplayName + ',' + user.userType + ',' + admin + ',' + methods;
  if (
    plainStart(user.id) &&
    plainStart(user.userPrincipalName) &&
    plainStart(user.userDisplayName) &&
    plainStart(user.userType) &&
    plainStart(methods) &&
    !NEEDS_WORK_IN_ROW.test(row)
  ) {
    let commas = 0;
    for (let i = row.indexOf(','); i >= 0 && commas <= 5; i = row.indexOf(',', i + 1)) commas++;
    if (commas === 5) return row + EOL;
  }
  return (
    csvCell(user.id) +
    ',' +
    csvCell(user.userPrincipalName) +
    ',' +
    csvCell(user.userDisplayName) +
    ',' +
    csvCell(user.userType) +
    ',' +
    admin +
    ',' +
    csvCell(methods) +
    EOL
  );
}

/** The first bytes of every worklist: the byte-order mark and the header row. */
export const WORKLIST_HEAD = BOM + WORKLIST_COLUMNS.join(',') + EOL;
