import type { CommandModule } from 'yargs';
import { createLog } from '../output.js';
import { withCollect, type GlobalArgs } from './common.js';

export const collectCommand: CommandModule<GlobalArgs, any> = {
  command: 'collect',
  describe: 'Collect every authentication-methods report into a hashed snapshot folder',
  builder: (y) =>
    withCollect(y)
      .option('out', { type: 'string', describe: 'Snapshot folder to write (new, or empty)' })
      .option('resume', { type: 'string', describe: 'Continue the interrupted collection in this folder (from its checkpoint.json)' })
      .check((a) => {
        if (!a.out && !a.resume) throw new Error('collect needs --out DIR (or --resume DIR to continue an interrupted run).');
        if (a.out && a.resume && a.out !== a.resume) throw new Error('--out and --resume name different folders; give one.');
        return true;
      })
      .example('$0 collect --tenant contoso.onmicrosoft.com --out snapshots/2026-q4', 'collect with DefaultAzureCredential'),
  handler: async (argv) => {
    // Loaded on demand so that --help starts without the Graph client, MSAL and the engine.
    const { collectArgs, partialExit, runCollect } = await import('../pipeline.js');
    const log = createLog(argv);
    const out: string = argv.resume ?? argv.out;
    const manifest = await runCollect({ ...collectArgs(argv, out), resume: Boolean(argv.resume) }, log);
    const ok = manifest.sources.filter((s) => s.status === 'ok').length;
    log.out(`snapshot ${out}: ${ok}/${manifest.sources.length} sources ok${manifest.partial ? ' (partial)' : ''}`);
    partialExit(manifest, argv.allowPartial);
  },
};
