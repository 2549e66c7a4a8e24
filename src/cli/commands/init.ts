import { writeFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { starterConfig } from '../../config/starter.js';
import { UsageError } from '../../errors.js';
import { createLog } from '../output.js';
import type { GlobalArgs } from './common.js';

export const initCommand: CommandModule<GlobalArgs, any> = {
  command: 'init [file]',
  describe: 'Write a commented starter config file (YAML)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', default: 'entra-auth-audit.yaml', describe: 'File to write' })
      .option('organisation', { type: 'string', default: 'Contoso Ltd', describe: 'Organisation name for the pack' })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite an existing file' }),
  handler: async (argv) => {
    const log = createLog(argv);
    try {
      await writeFile(argv.file, starterConfig(argv.organisation), { flag: argv.force ? 'w' : 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${argv.file} exists; pass --force to overwrite it.`);
      throw new UsageError(`${argv.file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
    log.out(`wrote ${argv.file}; use it with --config ${argv.file}`);
  },
};
