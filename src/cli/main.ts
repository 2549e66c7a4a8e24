/**
 * CLI entry: the only module that prints errors and sets the exit code.
 * Exit codes: 0 ok, 1 internal error, 2 usage or config error, 3 a finding at or above --fail-on,
 * 4 nothing could be collected, 5 invalid snapshot or failed verification, 6 partial collection.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { AppError, EXIT } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { analyzeCommand } from './commands/analyze.js';
import { collectCommand } from './commands/collect.js';
import { demoCommand } from './commands/demo.js';
import { checksCommand } from './commands/checks.js';
import { doctorCommand } from './commands/doctor.js';
import { initCommand } from './commands/init.js';
import { portfolioCommand } from './commands/portfolio.js';
import { renderCommand } from './commands/render.js';
import { runCommand } from './commands/run.js';
import { simulateCommand } from './commands/simulate.js';
import { keygenCommand, signCommand, verifyCommand } from './commands/verify.js';
import { formatLogLine, terminalLine } from './output.js';

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('entra-auth-audit')
    .usage('$0 <command> [options]\n\nAudit a Microsoft Entra tenant’s authentication methods from Graph reports into an audit pack.')
    .option('quiet', { type: 'boolean', default: false, describe: 'Only print results and errors' })
    .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Diagnostics on stderr as plain lines or JSON lines' })
    .command(demoCommand)
    .command(collectCommand)
    .command(analyzeCommand)
    .command(renderCommand)
    .command(runCommand)
    .command(simulateCommand)
    .command(doctorCommand)
    .command(initCommand)
    .command(checksCommand)
    .command(portfolioCommand)
    .command(verifyCommand)
    .command(signCommand)
    .command(keygenCommand)
    .demandCommand(1, 'Name a command: demo, collect, analyze, render, run, simulate, doctor, init, checks, portfolio, verify, sign or keygen (see --help).')
    .strict()
    .version(TOOL_VERSION)
    .epilog('Exit codes: 0 ok · 1 internal error · 2 usage/config error · 3 finding at or above --fail-on · 4 nothing collected · 5 invalid snapshot or failed verification · 6 partial collection (see --allow-partial)')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err, y) => {
      if (err) throw err;
      // the message can quote an argument: it is marked like every other line (output.ts)
      process.stderr.write(`${y.help() && ''}${formatLogLine('text', 'error', msg)}Run with --help for usage.\n`);
      process.exit(EXIT.usage);
    })
    .parseAsync();
}

const jsonLogs = process.argv.some((a, i) => a === '--log-format=json' || (a === '--log-format' && process.argv[i + 1] === 'json'));

main().catch((e: unknown) => {
  if (e instanceof AppError) {
    // the message often quotes the endpoint (error codes and messages): marked at the output boundary (output.ts)
    process.stderr.write(formatLogLine(jsonLogs ? 'json' : 'text', 'error', e.message, { exitCode: e.exitCode }));
    process.exitCode = e.exitCode;
    return;
  }
  process.stderr.write(`${terminalLine(`internal error: ${(e as Error)?.stack ?? String(e)}`)}\nPlease report it with the command you ran.\n`);
  process.exitCode = EXIT.failure;
});
