import { readFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { createLog } from '../output.js';
import type { GlobalArgs } from './common.js';

export const portfolioCommand: CommandModule<GlobalArgs, any> = {
  command: 'portfolio <results..>',
  describe: 'One summary pack for many tenants: a row per tenant, linking to each tenant’s pack',
  builder: (y) =>
    y
      .positional('results', { type: 'string', array: true, demandOption: true, describe: 'results.json files (one per tenant)' })
      .option('out', { type: 'string', demandOption: true, describe: 'Folder for index.html and portfolio.md' }),
  handler: async (argv) => {
    const { ResultsSchema, upgradeResults } = await import('../../results/schema.js');
    const { UsageError } = await import('../../errors.js');
    const { renderPortfolio } = await import('../../render/portfolio.js');
    const log = createLog(argv);
    const entries = [];
    for (const path of argv.results as string[]) {
      let parsed;
      try {
        parsed = ResultsSchema.safeParse(upgradeResults(JSON.parse(await readFile(path, 'utf8'))));
      } catch (e) {
        throw new UsageError(`${path}: cannot read results (${(e as Error).message}).`);
      }
      if (!parsed.success) throw new UsageError(`${path}: not a results.json of this version (${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}).`);
      entries.push({ name: parsed.data.tenant.id, tenantId: parsed.data.tenant.id, resultsPath: path, results: parsed.data, error: null });
    }
    const files = await renderPortfolio(entries, argv.out);
    log.out(files[0]!);
  },
};
