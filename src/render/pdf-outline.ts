/**
 * The PDF's bookmarks (document outline), written by us: the same entries as the contents page (sections, and the
 * findings under "Findings"), each pointing at the named destination Chromium wrote for that section's id.
 *
 * Why not Chromium's own `outline: true`: it needs the structure tree of a tagged PDF, which makes the file
 * about three times larger (design.md §6: tagged is opt-in with --pdf-tagged), and it lists every heading down to
 * chart titles. The outline is added as an incremental update (ISO 32000-1 §7.5.6): the original bytes stay as
 * they are; new objects, a new catalogue and a new cross-reference section are appended.
 */

export interface OutlineEntry {
  title: string;
  /** named destination (element id) */
  dest: string;
  /** 1 = top level, 2 = under the previous top-level entry */
  level: 1 | 2;
}

/** A PDF text string in UTF-16BE with a byte-order mark, as hex: no escaping questions, any script. */
function textString(s: string): string {
  let hex = 'FEFF';
  for (let i = 0; i < s.length; i++) hex += s.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return `<${hex}>`;
}

/** A PDF name: every byte outside the regular printable ASCII characters written as #xx. */
function pdfName(s: string): string {
  let out = '/';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte > 0x20 && byte < 0x7f && !'#%()/<>[]{}'.includes(ch) ? ch : `#${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

interface Node {
  entry: OutlineEntry;
  id: number;
  children: Node[];
}

/**
 * `pdf` with an outline of `entries` whose destination exists in `known` (others are left out rather than
 * pointing nowhere). Returns `pdf` unchanged when there is nothing to add or the file is not one we can update
 * (no classic cross-reference table, or it already has an outline).
 */
export function addOutline(pdf: Uint8Array, entries: readonly OutlineEntry[], known: ReadonlySet<string>): Uint8Array {
  const bytes = Buffer.from(pdf);
  const tail = bytes.subarray(Math.max(0, bytes.length - 2048)).toString('latin1');
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  const trailer = tail.lastIndexOf('trailer');
  if (!startxref || trailer < 0) return pdf;
  const trailerText = tail.slice(trailer);
  const size = Number(/\/Size\s+(\d+)/.exec(trailerText)?.[1]);
  const root = Number(/\/Root\s+(\d+)\s+0\s+R/.exec(trailerText)?.[1]);
  const info = /\/Info\s+(\d+\s+0\s+R)/.exec(trailerText)?.[1];
  if (!Number.isInteger(size) || !Number.isInteger(root)) return pdf;

  const text = bytes.toString('latin1');
  // the last definition of the catalogue object wins (an earlier incremental update may have replaced it)
  const defs = [...text.matchAll(new RegExp(`(?:^|\\s)${root} 0 obj\\s*<<([\\s\\S]*?)>>\\s*endobj`, 'g'))];
  const catalogue = defs.at(-1)?.[1];
  if (catalogue === undefined || /\/Outlines\b/.test(catalogue)) return pdf;

  // the tree: top-level entries, each finding under the section before it
  let next = size;
  const top: Node[] = [];
  for (const entry of entries) {
    if (!known.has(entry.dest)) continue;
    const node: Node = { entry, id: 0, children: [] };
    const parent = top.at(-1);
    if (entry.level === 2 && parent) parent.children.push(node);
    else top.push(node);
  }
  if (top.length === 0) return pdf;
  const outlinesId = next++;
  for (const n of top) {
    n.id = next++;
    for (const c of n.children) c.id = next++;
  }

  const objects: Array<[number, string]> = [];
  const visible = top.reduce((sum, n) => sum + 1 + n.children.length, 0);
  objects.push([outlinesId, `<</Type /Outlines /First ${top[0]!.id} 0 R /Last ${top.at(-1)!.id} 0 R /Count ${visible}>>`]);
  const item = (n: Node, parent: number, prev: Node | undefined, nextNode: Node | undefined): string => {
    const kids = n.children.length
      ? ` /First ${n.children[0]!.id} 0 R /Last ${n.children.at(-1)!.id} 0 R /Count ${n.children.length}`
      : '';
    return (
      `<</Title ${textString(n.entry.title)} /Parent ${parent} 0 R` +
      (prev ? ` /Prev ${prev.id} 0 R` : '') +
      (nextNode ? ` /Next ${nextNode.id} 0 R` : '') +
      `${kids} /Dest ${pdfName(n.entry.dest)}>>`
    );
  };
  top.forEach((n, i) => {
    objects.push([n.id, item(n, outlinesId, top[i - 1], top[i + 1])]);
    n.children.forEach((c, j) => objects.push([c.id, item(c, n.id, n.children[j - 1], n.children[j + 1])]));
  });
  // the catalogue again, now with the outline, shown when the file is opened
  const newCatalogue = `<<${catalogue.replace(/\/PageMode\s*\/\w+/, '')}\n/Outlines ${outlinesId} 0 R\n/PageMode /UseOutlines>>`;

  const parts: string[] = [];
  let offset = bytes.length;
  const offsets = new Map<number, number>();
  const add = (s: string) => {
    parts.push(s);
    offset += Buffer.byteLength(s, 'latin1');
  };
  add('\n');
  for (const [id, body] of [[root, newCatalogue] as [number, string], ...objects]) {
    offsets.set(id, offset);
    add(`${id} 0 obj\n${body}\nendobj\n`);
  }
  const xrefAt = offset;
  const entry = (id: number) => `${String(offsets.get(id)).padStart(10, '0')} 00000 n \n`;
  const newSize = next;
  add(`xref\n0 1\n0000000000 65535 f \n${root} 1\n${entry(root)}${size} ${newSize - size}\n`);
  for (let id = size; id < newSize; id++) add(entry(id));
  add(`trailer\n<</Size ${newSize}\n/Root ${root} 0 R${info ? `\n/Info ${info}` : ''}\n/Prev ${startxref[1]}>>\nstartxref\n${xrefAt}\n%%EOF\n`);
  return Buffer.concat([bytes, Buffer.from(parts.join(''), 'latin1')]);
}
