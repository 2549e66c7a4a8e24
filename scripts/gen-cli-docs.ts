/**
 * docs/cli.md from the real yargs definitions: the top-level help, then the help of every command and subcommand,
 * exactly as `entra-auth-audit <command> --help` prints it (100 columns), so the reference cannot drift from the code.
 *
 *   npm run docs                 regenerate docs/cli.md
 *   npm run docs -- --check      exit 1 when docs/cli.md is out of date (test/unit/cli-docs.test.ts does the same)
 *
 * Help comes from the TypeScript sources, never from a dist/ build that may be stale: in-process through
 * src/cli/cli.ts `buildCli()` when that module exists (fast), otherwise by running src/cli/main.ts under tsx once
 * per command with stdout on a pipe (yargs then wraps at 100 columns).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_DOCS = join(ROOT, 'docs', 'cli.md');
const SCRIPT = 'entra-auth-audit';
const COLUMNS = 100;

type HelpSource = (args: string[]) => Promise<string>;

/** The optional in-process builder: `buildCli(args, { columns })` returns the configured yargs instance. */
interface CliModule {
  buildCli?: (
    args: string[],
    opts: { columns?: number },
  ) => {
    parseAsync(args: string[], context: object, cb: (err: Error | undefined, argv: unknown, output: string) => void): Promise<unknown>;
  };
}

async function inProcessSource(): Promise<HelpSource | null> {
  const path = join(ROOT, 'src', 'cli', 'cli.ts');
  if (!existsSync(path)) return null;
  const mod = (await import(pathToFileURL(path).href)) as CliModule;
  const build = mod.buildCli;
  if (typeof build !== 'function') return null;
  return async (args) => {
    let text = '';
    // with a callback yargs hands the help text over instead of printing it and exiting
    await build([], { columns: COLUMNS }).parseAsync([...args, '--help'], {}, (err, _argv, output) => {
      if (err) throw err;
      text = output;
    });
    return text;
  };
}

function childSource(): HelpSource {
  const main = join(ROOT, 'src', 'cli', 'main.ts');
  return (args) =>
    new Promise((resolve, reject) => {
      const env = { ...process.env, NO_COLOR: '1', COLUMNS: String(COLUMNS) };
      execFile(process.execPath, ['--import', 'tsx', main, ...args, '--help'], { cwd: ROOT, env }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${SCRIPT} ${args.join(' ')} --help failed: ${stderr || err.message}`));
        else resolve(stdout);
      });
    });
}

/** The command paths listed in a help text's "Commands:" section that extend `parent` by one word. */
export function subcommands(help: string, parent: string[]): string[][] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'Commands:');
  if (start < 0) return [];
  const out: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const m = new RegExp(`^ {2}${SCRIPT} (.*)$`).exec(line);
    if (!m) continue; // a wrapped description line
    const usage = m[1]!.split(/\s{2,}/)[0]!;
    const words: string[] = [];
    for (const w of usage.split(' ')) {
      if (!/^[a-z][\w-]*$/i.test(w)) break;
      words.push(w);
    }
    const isChild = words.length === parent.length + 1 && parent.every((p, i) => words[i] === p);
    if (isChild) out.push(words);
  }
  return out;
}

/** Runs tasks with at most `limit` in flight, keeping the input order in the output. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}text\n${text.replace(/\s+$/, '')}\n${f}`;
}

/** GitHub's heading anchor for "## entra-auth-audit <path…>". */
function anchor(path: string[]): string {
  return [SCRIPT, ...path].join('-').toLowerCase();
}

export async function generateCliDocs(): Promise<string> {
  const help = (await inProcessSource()) ?? childSource();
  const top = await help([]);
  // in the order yargs lists them (registration order), each command's subcommands right after it
  const walk = async (path: string[], text: string): Promise<{ path: string[]; text: string }[]> => {
    const children = subcommands(text, path);
    const texts = await mapLimit(children, availableParallelism(), (child) => help(child));
    const pages: { path: string[]; text: string }[] = [];
    for (const [i, child] of children.entries()) pages.push({ path: child, text: texts[i]! }, ...(await walk(child, texts[i]!)));
    return pages;
  };
  const pages = await walk([], top);

  const out: string[] = [
    '# CLI reference',
    '',
    '<!-- Generated by scripts/gen-cli-docs.ts from the yargs definitions in src/cli: do not edit by hand.',
    '     Regenerate with `npm run docs`; test/unit/cli-docs.test.ts fails when this file is out of date. -->',
    '',
    `Every command of \`${SCRIPT}\` with its options, as \`${SCRIPT} <command> --help\` prints them. Exit codes and`,
    'every error message are explained in [troubleshooting.md](troubleshooting.md); sign-in and permissions in',
    '[setup.md](setup.md).',
    '',
    '## Commands',
    '',
    ...pages.map((p) => `- [\`${[SCRIPT, ...p.path].join(' ')}\`](#${anchor(p.path)})`),
    '',
    `## ${SCRIPT}`,
    '',
    fence(top),
    '',
  ];
  for (const p of pages) {
    out.push(`## ${[SCRIPT, ...p.path].join(' ')}`, '', fence(p.text), '');
  }
  return out.join('\n');
}

async function cli(): Promise<void> {
  const check = process.argv.includes('--check');
  const text = await generateCliDocs();
  if (check) {
    const current = await readFile(CLI_DOCS, 'utf8').catch(() => '');
    if (current !== text) {
      process.stderr.write('docs/cli.md is out of date: run `npm run docs` and commit the result.\n');
      process.exitCode = 1;
    }
    return;
  }
  await writeFile(CLI_DOCS, text, 'utf8');
  process.stdout.write(`wrote ${CLI_DOCS}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  cli().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
