/**
 * The one marker convention for characters from tenant or endpoint data that would act instead of show: a
 * control, bidi or invisible character becomes the text "[U+XXXX]". The HTML, PDF and Markdown use it through
 * render/format.ts (visibleText, which also clips), the CSV worklists through engine/worklist-csv.ts, the terminal
 * through cli/output.ts and cli/progress.ts. Pure and dependency-free, so every layer may import it;
 * test/security/terminal-escapes.test.ts holds it to visibleText for every character of the BMP's first 12,288.
 */

/**
 * Bidi embedding/override/isolate controls (U+202A–U+202E, U+2066–U+2069) make a name read differently from what
 * it is ("Invoice\u202Egpj.exe" shows as "Invoiceexe.jpg").
 */
const BIDI_CONTROLS = '\\u202A-\\u202E\\u2066-\\u2069';

/**
 * Invisible characters that change how a name reads or compares without showing: bidi marks (ALM, LRM, RLM),
 * zero-width space, word joiner and invisible operators, and the BOM ("ad\u200Bmin" looks like "admin"). ZWNJ and
 * ZWJ (U+200C, U+200D) stay: Persian and Indic scripts and emoji sequences need them.
 */
const INVISIBLE = '\\u061C\\u200B\\u200E\\u200F\\u2060-\\u2064\\uFEFF';

/**
 * The bidi and invisible characters as the body of a regular-expression character class, for a caller that matches
 * them among others (the CSV's test for a cell that needs work).
 */
export const BIDI_OR_INVISIBLE_CLASS = BIDI_CONTROLS + INVISIBLE;

/** Every C0 and C1 control, DEL, bidi control and invisible character. */
const ALL = new RegExp(`[\\u0000-\\u001F\\u007F-\\u009F${BIDI_OR_INVISIBLE_CLASS}]`, 'g');
/** The same but tab and line feed, which move the cursor only forward and down on a terminal. */
const ALL_BUT_TAB_LF = new RegExp(`[\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F${BIDI_OR_INVISIBLE_CLASS}]`, 'g');
/** Bidi and invisible only: the CSV shows C0 controls as control pictures of its own. */
const BIDI_OR_INVISIBLE = new RegExp(`[${BIDI_OR_INVISIBLE_CLASS}]`, 'g');

/** "[U+202E]" for U+202E. */
export function marker(ch: string): string {
  return `[U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`;
}

/** Every control, bidi and invisible character as a marker: visibleText without the clip (one-line output). */
export function markAll(s: string): string {
  return s.replace(ALL, marker);
}

/** Bidi controls and invisible characters as markers; everything else unchanged. */
export function markBidiAndInvisible(s: string): string {
  return s.replace(BIDI_OR_INVISIBLE, marker);
}

/**
 * Text for a terminal: every character that could move the cursor back, start an escape or control sequence
 * (ESC, CR, backspace, the 8-bit CSI U+009B and the rest of C0 and C1), reorder the line or hide in it becomes a
 * marker. Tab and line feed stay: multi-line messages are ours too (output.ts indents their continuation lines).
 */
export function terminalText(s: string): string {
  return s.replace(ALL_BUT_TAB_LF, marker);
}
