import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { createLog } from '../output.js';
import { withCiOutputs, withCollect, withConfig, withFailOn, withRender, type GlobalArgs } from './common.js';

export const runCommand: CommandModule<GlobalArgs, any> = {
  command: 'run',
  describe: 'collect → analyze → render in one go (snapshot in OUT/snapshot)',
  builder: (y) =>
    withCiOutputs(withFailOn(withRender(withConfig(withCollect(y))))).option('out', {
      type: 'string',
      demandOption: true,
      describe: 'Folder for the snapshot, results.json and the pack',
    }),
  handler: async (argv) => {
    // Loaded on demand so that --help starts without the Graph client, MSAL and the engine.
    const { loadConfig } = await import('../../config/load.js');
    const { collectArgs, exitCodeFor, runAnalyze, runCollect, runRender, writeCiOutputs } = await import('../pipeline.js');
    const log = createLog(argv.quiet);
    const cfg = await loadConfig(argv.config);
    const snapshotDir = join(argv.out, 'snapshot');
    await runCollect(collectArgs(argv, snapshotDir), log);
    const results = await runAnalyze(snapshotDir, argv.out, cfg, log);
    await runRender(results, argv.out, argv.out, cfg, { pdf: argv.pdf, browser: argv.browser }, log);
    await writeCiOutputs(results, { junit: argv.junit, stepSummary: true }, log);
    log.out(join(argv.out, 'audit.html'));
    process.exitCode = exitCodeFor(results, argv.failOn);
  },
};
