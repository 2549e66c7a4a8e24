import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadConfig } from '../../config/load.js';
import { createLog } from '../output.js';
import { exitCodeFor, runAnalyze } from '../pipeline.js';
import { withConfig, withFailOn, type GlobalArgs } from './common.js';

export const analyzeCommand: CommandModule<GlobalArgs, any> = {
  command: 'analyze <snapshot>',
  describe: 'Compute metrics and findings from a snapshot into results.json',
  builder: (y) =>
    withFailOn(withConfig(y))
      .positional('snapshot', { type: 'string', demandOption: true, describe: 'Snapshot folder (from collect)' })
      .option('out', { type: 'string', demandOption: true, describe: 'Folder for results.json and affected-user lists' }),
  handler: async (argv) => {
    const log = createLog(argv.quiet);
    const cfg = await loadConfig(argv.config);
    const results = await runAnalyze(argv.snapshot, argv.out, cfg, log);
    log.out(join(argv.out, 'results.json'));
    process.exitCode = exitCodeFor(results, argv.failOn);
  },
};
