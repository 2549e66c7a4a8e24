import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CLI_DOCS, generateCliDocs, subcommands } from '../../scripts/gen-cli-docs.js';

describe('docs/cli.md', () => {
  it('is what scripts/gen-cli-docs.ts generates from the current yargs definitions', async () => {
    const expected = await generateCliDocs();
    const current = await readFile(CLI_DOCS, 'utf8').catch(() => '(missing)');
    // one readable line for the usual case, then the full diff from toBe
    if (current !== expected) console.error('docs/cli.md is out of date: run `npm run docs` and commit docs/cli.md.');
    expect(current).toBe(expected);
    for (const cmd of ['demo', 'collect', 'analyze', 'render', 'run', 'simulate', 'doctor']) {
      expect(expected).toContain(`## entra-auth-audit ${cmd}\n`);
    }
  }, 120_000);
});

describe('subcommands()', () => {
  const help = [
    'entra-auth-audit <command> [options]',
    '',
    'Commands:',
    '  entra-auth-audit demo                Start the simulator in-process and run collect → analyze →',
    '                                       render against it (no Microsoft account needed)',
    '  entra-auth-audit analyze <snapshot>  Compute metrics',
    '  entra-auth-audit init [file]         Write a starter config',
    '  entra-auth-audit verify sign <dir>   Sign a snapshot',
    '',
    'Options:',
    '  --help     Show help                                                                     [boolean]',
  ].join('\n');

  it('reads the command words of each entry, skipping wrapped description lines and arguments', () => {
    expect(subcommands(help, [])).toEqual([['demo'], ['analyze'], ['init']]);
    expect(subcommands(help, ['verify'])).toEqual([['verify', 'sign']]);
    expect(subcommands('Options:\n  --help', [])).toEqual([]);
  });
});
