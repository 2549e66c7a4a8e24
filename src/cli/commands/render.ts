import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CommandModule } from 'yargs';
import { ResultsSchema, RESULTS_SCHEMA_VERSION } from '../../results/schema.js';
import { UsageError } from '../../errors.js';
import { cliClock } from '../clock.js';
import { createLog } from '../output.js';
import { withCiOutputs, withConfig, withFailOn, withRender, type GlobalArgs } from './common.js';

export const renderCommand: CommandModule<GlobalArgs, any> = {
  command: 'render <results>',
  describe: 'Render results.json into the audit pack: audit.html, audit.pdf, CSV worklists, summary.md',
  builder: (y) =>
    withCiOutputs(withFailOn(withRender(withConfig(y))))
      .positional('results', { type: 'string', demandOption: true, describe: 'results.json (from analyze)' })
      .option('out', { type: 'string', demandOption: true, describe: 'Folder for the pack' }),
  handler: async (argv) => {
    // Loaded on demand so that --help starts without the Graph client, MSAL and the engine.
    const { loadConfig } = await import('../../config/load.js');
    const { exitCodeFor, runRender, writeCiOutputs, renderArgs, jsonSummary } = await import('../pipeline.js');
    const log = createLog(argv);
    const cfg = await loadConfig(argv.config, cliClock()().toISOString());
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(argv.results, 'utf8'));
    } catch (e) {
      throw new UsageError(`${argv.results}: cannot read results (${(e as Error).message}).`);
    }
    const v = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (v !== RESULTS_SCHEMA_VERSION) {
      throw new UsageError(`${argv.results}: results schemaVersion ${JSON.stringify(v)} is not ${RESULTS_SCHEMA_VERSION}; analyze the snapshot again with this version.`);
    }
    const parsed = ResultsSchema.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new UsageError(`${argv.results}: not a valid results file at '${i.path.join('.')}': ${i.message}.`);
    }
    // CI outputs first: a JUnit file inside the pack folder is then listed in its pack-manifest.json
    await writeCiOutputs(parsed.data, { junit: argv.junit, stepSummary: false }, log);
    await runRender(parsed.data, dirname(argv.results), argv.out, cfg, { ...renderArgs(argv), alsoInPack: argv.junit ? [argv.junit] : [] }, log);
    if (argv.json) log.out(jsonSummary(parsed.data, { results: argv.results, html: join(argv.out, 'audit.html'), pdf: argv.pdf ? join(argv.out, 'audit.pdf') : undefined }, argv.failOn));
    process.exitCode = exitCodeFor(parsed.data, argv.failOn);
  },
};
