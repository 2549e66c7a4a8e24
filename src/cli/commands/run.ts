import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { cliClock } from '../clock.js';
import { createLog } from '../output.js';
import { withCiOutputs, withCollect, withConfig, withFailOn, withRender, type GlobalArgs } from './common.js';

export const runCommand: CommandModule<GlobalArgs, any> = {
  command: 'run',
  describe: 'collect → analyze → render in one go (snapshot in OUT/snapshot); --tenants for many tenants and a portfolio',
  builder: (y) =>
    withCiOutputs(withFailOn(withRender(withConfig(withCollect(y, false)))))
      .option('out', { type: 'string', demandOption: true, describe: 'Folder for the snapshot, results.json and the pack' })
      .option('tenants', {
        type: 'string',
        describe: 'YAML file listing tenants (id, name, auth, tokenEnv, clientId, cloud, graphUrl, config): one pack each in OUT/<name>/ and OUT/portfolio/',
      })
      .option('parallel', { type: 'number', default: 2, describe: 'With --tenants: tenants analysed at the same time, and tenants rendered at the same time (each as soon as its collection ends)' })
      .option('collect-parallel', {
        type: 'number',
        describe: 'With --tenants: tenants collected at the same time (default: enough to fill the per-app budget, 50 at Graph\'s budgets; --parallel when it is off)',
      })
      .option('app-rate', {
        type: 'string',
        describe: "With --tenants: report requests per app across all tenants, N/SECONDS, or 'off' (default 122/10, Graph's limit; none with --graph-url unless given)",
      })
      .check((a) => {
        if (!a.tenant === !a.tenants) throw new UsageError('run needs --tenant ID, or --tenants FILE for many tenants (not both).');
        if (a.tenants && a.junit) throw new UsageError('--junit goes with a single --tenant; each tenant of --tenants has its own results.json.');
        if (!a.tenants && (a.appRate !== undefined || a.collectParallel !== undefined)) throw new UsageError('--app-rate and --collect-parallel go with --tenants.');
        return true;
      })
      .example('$0 run --tenants tenants.yaml --out output/2026-q4', 'audit every tenant in the file, then a portfolio pack')
      .example(
        '$0 simulate --tenant-count 50 --users 1000 --throttle 5/1 --app-throttle 122/1 --write-tenants sim-tenants.yaml',
        'then: ENTRA_AUTH_AUDIT_TOKEN=x $0 run --tenants sim-tenants.yaml --auth token --rate 5/1 --app-rate 122/1 --out output/sim50',
      ),
  handler: async (argv) => {
    // Loaded on demand so that --help starts without the Graph client, MSAL and the engine.
    const { loadConfig } = await import('../../config/load.js');
    const { collectArgs, exitCodeFor, partialExit, runAnalyze, runCollect, runRender, writeCiOutputs, renderArgs, jsonSummary } = await import('../pipeline.js');
    const log = createLog(argv);
    if (argv.tenants) {
      const { runTenants } = await import('../multi-tenant.js');
      if (!Number.isInteger(argv.parallel) || argv.parallel < 1) throw new UsageError('--parallel must be a whole number of at least 1');
      process.exitCode = await runTenants(
        {
          tenantsFile: argv.tenants,
          out: argv.out,
          parallel: argv.parallel,
          collectParallel: argv.collectParallel,
          appRate: argv.appRate,
          base: collectArgs(argv, ''),
          configPath: argv.config,
          render: renderArgs(argv),
          failOn: argv.failOn,
          allowPartial: argv.allowPartial,
        },
        log,
      );
      return;
    }
    const cfg = await loadConfig(argv.config, cliClock()().toISOString());
    const snapshotDir = join(argv.out, 'snapshot');
    const manifest = await runCollect(collectArgs(argv, snapshotDir), log);
    const results = await runAnalyze(snapshotDir, argv.out, cfg, log);
    // CI outputs first: a JUnit file inside the pack folder is then listed in its pack-manifest.json
    await writeCiOutputs(results, { junit: argv.junit, stepSummary: true }, log);
    await runRender(results, argv.out, argv.out, cfg, { ...renderArgs(argv), alsoInPack: argv.junit ? [argv.junit] : [] }, log);
    const files = { results: join(argv.out, 'results.json'), html: join(argv.out, 'audit.html'), pdf: argv.pdf ? join(argv.out, 'audit.pdf') : undefined };
    log.out(argv.json ? jsonSummary(results, files, argv.failOn) : files.html);
    process.exitCode = exitCodeFor(results, argv.failOn);
    partialExit(manifest, argv.allowPartial);
  },
};
