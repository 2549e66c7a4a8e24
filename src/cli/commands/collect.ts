import type { CommandModule } from 'yargs';
import { loadConfig } from '../../config/load.js';
import { createLog } from '../output.js';
import { runCollect } from '../pipeline.js';
import { withCollect, type GlobalArgs } from './common.js';

export const collectCommand: CommandModule<GlobalArgs, any> = {
  command: 'collect',
  describe: 'Collect every authentication-methods report into a hashed snapshot folder',
  builder: (y) =>
    withCollect(y)
      .option('out', { type: 'string', demandOption: true, describe: 'Snapshot folder to write' })
      .example('$0 collect --tenant contoso.onmicrosoft.com --out snapshots/2026-q4', 'collect with DefaultAzureCredential'),
  handler: async (argv) => {
    const log = createLog(argv.quiet);
    await loadConfig(argv.config);
    const manifest = await runCollect(
      { tenant: argv.tenant, out: argv.out, auth: argv.auth, cloud: argv.cloud, graphUrl: argv.graphUrl, rate: argv.rate, env: process.env },
      log,
    );
    const ok = manifest.sources.filter((s) => s.status === 'ok').length;
    log.out(`snapshot ${argv.out}: ${ok}/${manifest.sources.length} sources ok${manifest.partial ? ' (partial)' : ''}`);
  },
};
