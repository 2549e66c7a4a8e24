/**
 * docs/troubleshooting.md must explain every exit code and every error message the tool can end with. This test
 * finds each `new UsageError(…)`, `new CollectionError(…)`, `new SnapshotError(…)` and `new InternalError(…)` in
 * src/, plus the yargs validation errors thrown in src/cli, takes the longest fixed part of each message (the text
 * between the interpolated values) and requires it, verbatim, in the troubleshooting guide.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { ROOT } from '../helpers/cli.js';

const DOC = readFileSync(join(ROOT, 'docs', 'troubleshooting.md'), 'utf8');
/** The guide's text with Markdown code-span backticks and line breaks out of the way. */
const DOC_TEXT = DOC.replace(/`/g, '').replace(/\s+/g, ' ');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The source text of the call's arguments, from just after "(" to the matching ")", skipping strings. */
function argumentsText(src: string, open: number): string {
  let depth = 0;
  const stack: string[] = []; // open quotes and template `${` braces
  for (let i = open; i < src.length; i++) {
    const ch = src[i]!;
    const top = stack[stack.length - 1];
    if (top === "'" || top === '"') {
      if (ch === '\\') i++;
      else if (ch === top) stack.pop();
      continue;
    }
    if (top === '`') {
      if (ch === '\\') i++;
      else if (ch === '`') stack.pop();
      else if (ch === '$' && src[i + 1] === '{') {
        stack.push('${');
        i++;
      }
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') stack.push(ch);
    else if (ch === '{' && top === '${') stack.push('{');
    else if (ch === '}' && (top === '${' || top === '{')) stack.pop();
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) return src.slice(open + 1, i);
    }
  }
  throw new Error('unbalanced call');
}

/** Skips a `${…}` interpolation starting at `i` (just after "${"); returns the index after its "}". */
function skipInterpolation(src: string, i: number): number {
  let depth = 1;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === "'" || ch === '"' || ch === '`') i = readLiteral(src, i).end;
    else {
      if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) return i + 1;
      i++;
    }
  }
  return i;
}

/** Reads the string or template literal opening at `i`: its fixed pieces and the index after it. */
function readLiteral(src: string, i: number): { pieces: string[]; end: number } {
  const quote = src[i]!;
  const pieces: string[] = [];
  let current = '';
  i++;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === '\\') {
      current += src[i + 1] === 'n' ? '\n' : (src[i + 1] ?? '');
      i += 2;
    } else if (ch === quote) {
      pieces.push(current);
      return { pieces, end: i + 1 };
    } else if (quote === '`' && ch === '$' && src[i + 1] === '{') {
      pieces.push(current);
      current = '';
      i = skipInterpolation(src, i + 2);
    } else {
      current += ch;
      i++;
    }
  }
  pieces.push(current);
  return { pieces, end: i };
}

/** The fixed pieces of the string and template literals of an expression (interpolated values left out). */
function literalPieces(expr: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < expr.length; ) {
    const ch = expr[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      const lit = readLiteral(expr, i);
      pieces.push(...lit.pieces);
      i = lit.end;
    } else i++;
  }
  return pieces;
}

interface Message {
  where: string;
  fragment: string;
}

function messages(): Message[] {
  const out: Message[] = [];
  for (const file of tsFiles(join(ROOT, 'src'))) {
    const src = readFileSync(file, 'utf8');
    const rel = relative(ROOT, file);
    const pattern = rel.startsWith(join('src', 'cli'))
      ? /new (UsageError|CollectionError|SnapshotError|InternalError|Error)\(/g
      : /new (UsageError|CollectionError|SnapshotError|InternalError)\(/g;
    for (const m of src.matchAll(pattern)) {
      const open = m.index + m[0].length - 1;
      let args = argumentsText(src, open);
      const ident = /^\s*([A-Z_][A-Z0-9_]*)\s*$/.exec(args)?.[1];
      if (ident) args = new RegExp(`const ${ident}\\s*=\\s*([\\s\\S]*?);\\n`).exec(src)?.[1] ?? '';
      const fragment = literalPieces(args)
        .map((p) => p.replace(/\s+/g, ' ').trim().replace(/^[\s:;,.()'"]+|[\s:;,(]+$/g, ''))
        .sort((a, b) => b.length - a.length)[0];
      const line = src.slice(0, m.index).split('\n').length;
      if (fragment && fragment.length >= 8) out.push({ where: `${rel}:${line}`, fragment });
    }
  }
  return out;
}

describe('docs/troubleshooting.md', () => {
  it('documents every exit code', () => {
    for (const [name, code] of Object.entries(EXIT)) {
      expect(DOC, `exit code ${code} (${name})`).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    }
  });

  it('explains every error message the tool can end with', () => {
    const found = messages();
    expect(found.length).toBeGreaterThan(40);
    const missing = found.filter((m) => !DOC_TEXT.includes(m.fragment));
    expect(missing.map((m) => `${m.where}: "${m.fragment}"`), 'add these messages to docs/troubleshooting.md').toEqual([]);
  });

  it('explains the Graph error codes the collector handles', () => {
    const codes = new Set<string>();
    // the codes the collector reacts to are named in src/collector and src/graph/errors.ts
    for (const file of [...tsFiles(join(ROOT, 'src', 'collector')), ...tsFiles(join(ROOT, 'src', 'graph'))]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/'(Authentication_[A-Za-z0-9]+)'/g)) codes.add(m[1]!);
    }
    expect(codes.size).toBeGreaterThan(0);
    for (const code of [...codes, 'Authentication_MSGraphPermissionMissing', 'TooManyRequests']) expect(DOC).toContain(code);
  });
});
