import type { CommandModule } from 'yargs';
import { CHECKS } from '../../checks/index.js';
import { createLog } from '../output.js';
import type { GlobalArgs } from './common.js';

export const checksCommand: CommandModule<GlobalArgs, any> = {
  command: 'checks',
  describe: 'List the checks with their severity, required sources and controls',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'Print the check catalogue as JSON' }),
  handler: (argv) => {
    const log = createLog(argv);
    if (argv.json) {
      log.out(JSON.stringify(CHECKS.map((c) => c.meta), null, 2));
      return;
    }
    const w = Math.max(...CHECKS.map((c) => c.meta.id.length));
    for (const c of CHECKS) {
      log.out(`${c.meta.id.padEnd(w)}  ${c.meta.severity.padEnd(8)}  ${c.meta.title}`);
      log.out(`${' '.repeat(w)}  ${''.padEnd(8)}  needs ${[...c.meta.requires, ...(c.meta.requiresOneOf ? [`one of ${c.meta.requiresOneOf.join('/')}`] : [])].join(', ') || 'source statuses only'}; ${c.meta.controls.join(' ')}`);
    }
  },
};
