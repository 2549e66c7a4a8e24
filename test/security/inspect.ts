/**
 * Small, strict readers of the pack's formats for the security tests: HTML tags and attributes (enough to find any
 * element or attribute that data could have created), text with entities decoded, RFC 4180 CSV, and GFM table rows.
 */

export interface Tag {
  name: string;
  closing: boolean;
  attrs: { name: string; value: string }[];
  raw: string;
}

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[^\s"'>\/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/g;
const ATTR = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** Every start and end tag of an HTML document (comments and the doctype are skipped). */
export function htmlTags(html: string): Tag[] {
  const out: Tag[] = [];
  for (const m of html.matchAll(TAG)) {
    const attrs: Tag['attrs'] = [];
    for (const a of (m[3] ?? '').matchAll(ATTR)) attrs.push({ name: a[1]!.toLowerCase(), value: decodeEntities(a[2] ?? a[3] ?? a[4] ?? '') });
    out.push({ name: m[2]!.toLowerCase(), closing: m[1] === '/', attrs, raw: m[0] });
  }
  return out;
}

/** `<` that does not start a tag, comment or doctype the reader understood: a sign of markup data got through. */
export function strayAngleBrackets(html: string): string[] {
  const rest = html.replace(TAG, '').replace(/<!--[\s\S]*?-->/g, '').replace(/<!DOCTYPE[^>]*>/i, '');
  return [...rest.matchAll(/<[^<]{0,40}/g)].map((m) => m[0]);
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00A0' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (all, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return Object.hasOwn(NAMED, body) ? NAMED[body]! : all;
  });
}

/** The text a reader sees: the body without tags (<wbr> joins), style and title removed, entities decoded. */
export function htmlText(html: string): string {
  const body = html.replace(/<head>[\s\S]*?<\/head>/i, '').replace(/<style[\s\S]*?<\/style>/gi, '');
  return decodeEntities(body.replace(TAG, ''));
}

/** RFC 4180 (CRLF records, "" escapes) after an optional BOM; throws on a malformed file. */
export function parseCsv(text: string): string[][] {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < s.length) {
    let cell = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new Error('unterminated quoted field');
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += s[i++];
      }
    } else {
      while (i < s.length && s[i] !== ',' && s[i] !== '\r' && s[i] !== '\n') {
        if (s[i] === '"') throw new Error(`quote inside an unquoted field at ${i}`);
        cell += s[i++];
      }
    }
    row.push(cell);
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] === '\r' && s[i + 1] === '\n') i += 2;
    else if (i < s.length) throw new Error(`expected CRLF at ${i}, got ${JSON.stringify(s[i])}`);
    rows.push(row);
    row = [];
  }
  return rows;
}

/** Characters a spreadsheet reads as the start of a formula (OWASP CSV injection). */
export const FORMULA_START = /^[=+\-@\t\r]/;

/** The cells of a GFM table row: split on pipes not escaped by a backslash, outer pipes dropped. */
export function markdownCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      cell += c + line[i + 1];
      i++;
    } else if (c === '|') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells.slice(1, -1).map((x) => x.trim());
}

/** Inverse of render/markdown.ts md() (line breaks excepted): backslash escapes, then the three entities. */
export function unescapeMarkdown(s: string): string {
  return s.replace(/\\([\s\S])/g, '$1').replace(/&(lt|gt|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&' })[e]!);
}

/** Bidi embedding, override and isolate controls. */
export const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
/** C0/C1 controls other than tab, LF and CR. */
export const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** Invisible characters that change how a name reads (see the visibleText patch): LRM, RLM, ALM, ZWSP, WJ, BOM. */
export const INVISIBLE = /[\u061C\u200B\u200E\u200F\u2060-\u2064\uFEFF]/;

/** Attributes that load or navigate to a URL. */
export const URL_ATTRS = new Set(['href', 'src', 'xlink:href', 'action', 'formaction', 'data', 'poster', 'background', 'srcset', 'ping', 'cite', 'longdesc']);

/**
 * The problems an HTML document produced from hostile data must not have: script, event handlers, javascript:
 * URLs, elements that load or navigate (iframe, object, embed, base, link, form, meta refresh), URL attributes that
 * leave the document, a style element other than the one in the head, stray '<', and bidi or control characters.
 */
export function htmlProblems(html: string, opts: { allowedLinks?: ReadonlySet<string> } = {}): string[] {
  const problems: string[] = [];
  if (/<script/i.test(html)) problems.push('contains "<script"');
  const tags = htmlTags(html);
  let styles = 0;
  for (const t of tags) {
    if (t.closing) continue;
    if (['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'link', 'form', 'input', 'button', 'textarea', 'select', 'foreignobject', 'audio', 'video', 'source', 'portal'].includes(t.name)) {
      problems.push(`element <${t.name}>: ${t.raw.slice(0, 120)}`);
    }
    if (t.name === 'style') styles++;
    if (t.name === 'meta' && t.attrs.some((a) => a.name === 'http-equiv' && a.value.toLowerCase() === 'refresh')) problems.push('meta refresh');
    for (const a of t.attrs) {
      if (/^on/i.test(a.name)) problems.push(`event handler attribute ${a.name} on <${t.name}>: ${t.raw.slice(0, 120)}`);
      if (/^\s*(javascript|vbscript):/i.test(a.value.replace(/[\u0000-\u0020]/g, ''))) problems.push(`javascript: URL in ${a.name}: ${t.raw.slice(0, 120)}`);
      if (URL_ATTRS.has(a.name)) {
        const v = a.value.trim();
        const ok = v.startsWith('#') || /^data:image\/(png|svg\+xml);base64,/.test(v) || (opts.allowedLinks?.has(v) ?? false);
        if (!ok) problems.push(`${a.name}="${v.slice(0, 80)}" on <${t.name}> leaves the document`);
      }
      if (a.name === 'style' && /url\s*\(|expression\s*\(|@import/i.test(a.value)) problems.push(`style attribute loads something: ${a.value.slice(0, 80)}`);
    }
  }
  if (styles > 1) problems.push(`${styles} <style> elements (only the head's is ours)`);
  const stray = strayAngleBrackets(html);
  if (stray.length > 0) problems.push(`stray '<' outside tags: ${JSON.stringify(stray.slice(0, 3))}`);
  if (BIDI_CONTROL.test(html)) problems.push('raw bidi control character');
  if (CONTROL.test(html)) problems.push('raw control character');
  return problems;
}

/** The CSP the HTML must carry: nothing runs and nothing loads from outside the document. */
export function cspProblems(html: string): string[] {
  const metas = htmlTags(html).filter((t) => t.name === 'meta' && t.attrs.some((a) => a.name === 'http-equiv' && a.value.toLowerCase() === 'content-security-policy'));
  if (metas.length !== 1) return [`${metas.length} CSP meta elements`];
  const head = /<head>([\s\S]*?)<\/head>/i.exec(html)?.[1] ?? '';
  if (!head.includes(metas[0]!.raw)) return ['the CSP meta is not in <head>'];
  const firstChild = htmlTags(head).find((t) => !t.closing);
  const problems: string[] = [];
  // before anything that could load: only <meta charset> may precede it
  if (firstChild && firstChild !== undefined && !(firstChild.name === 'meta' && firstChild.attrs.some((a) => a.name === 'charset')) && firstChild.raw !== metas[0]!.raw) {
    problems.push(`the first element in <head> is ${firstChild.raw}, not the CSP or the charset`);
  }
  const policy = metas[0]!.attrs.find((a) => a.name === 'content')?.value ?? '';
  const directives = new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map((d) => [d[0]!.toLowerCase(), d.slice(1)]));
  if (directives.get('default-src')?.join(' ') !== "'none'") problems.push(`default-src is not 'none': ${policy}`);
  const script = directives.get('script-src') ?? directives.get('default-src') ?? [];
  if (!(script.length === 1 && script[0] === "'none'")) problems.push(`scripts are not forbidden: ${policy}`);
  for (const [name, sources] of directives) {
    for (const src of sources) {
      if (/^(https?:|\*|'unsafe-eval'|'strict-dynamic'|blob:|filesystem:)/i.test(src) || (src === "'unsafe-inline'" && name !== 'style-src')) {
        problems.push(`${name} allows ${src}`);
      }
      if (src === 'data:' && !['img-src', 'font-src'].includes(name)) problems.push(`${name} allows data:`);
    }
  }
  return problems;
}
