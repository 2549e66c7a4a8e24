import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { createLog } from '../output.js';
import { withCiOutputs, withConfig, withFailOn, type GlobalArgs } from './common.js';

export const analyzeCommand: CommandModule<GlobalArgs, any> = {
  command: 'analyze <snapshot>',
  describe: 'Compute metrics and findings from a snapshot into results.json',
  builder: (y) =>
    withCiOutputs(withFailOn(withConfig(y)))
      .positional('snapshot', { type: 'string', demandOption: true, describe: 'Snapshot folder (from collect)' })
      .option('out', { type: 'string', demandOption: true, describe: 'Folder for results.json and affected-user lists' })
      .option('baseline', {
        type: 'string',
        array: true,
        describe: 'Earlier results.json, pack folders or snapshot folders: adds metric series, deltas and new/resolved findings',
      }),
  handler: async (argv) => {
    // Loaded on demand so that --help starts without the Graph client, MSAL and the engine.
    const { loadConfig } = await import('../../config/load.js');
    const { loadSnapshot } = await import('../../snapshot/reader.js');
    const { exitCodeFor, loadBaselines, runAnalyze, writeCiOutputs, jsonSummary } = await import('../pipeline.js');
    const log = createLog(argv);
    // Exceptions must be live at the snapshot's collection time, not at the time of analysis.
    const { manifest } = await loadSnapshot(argv.snapshot);
    const cfg = await loadConfig(argv.config, manifest.finishedAt);
    const baselines = await loadBaselines(argv.baseline ?? [], cfg);
    const results = await runAnalyze(argv.snapshot, argv.out, cfg, log, baselines);
    await writeCiOutputs(results, { junit: argv.junit, stepSummary: true }, log);
    log.out(argv.json ? jsonSummary(results, { results: join(argv.out, 'results.json') }, argv.failOn) : join(argv.out, 'results.json'));
    process.exitCode = exitCodeFor(results, argv.failOn);
  },
};
