import type { CommandModule } from 'yargs';
import { CHECKS } from '../../checks/index.js';
import { createLog } from '../output.js';
import type { GlobalArgs } from './common.js';

export const checksCommand: CommandModule<GlobalArgs, any> = {
  command: 'checks',
  describe: 'List the checks with their severity, sources, the controls they test and those they only support',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'Print the check catalogue as JSON' }),
  handler: (argv) => {
    const log = createLog(argv);
    if (argv.json) {
      log.out(JSON.stringify(CHECKS.map((c) => c.meta), null, 2));
      return;
    }
    const w = Math.max(...CHECKS.map((c) => c.meta.id.length));
    const pad = `${' '.repeat(w)}  ${''.padEnd(8)}  `;
    for (const c of CHECKS) {
      const m = c.meta;
      log.out(`${m.id.padEnd(w)}  ${m.severity.padEnd(8)}  ${m.title}`);
      const needs = [...m.requires, ...(m.requiresOneOf ? [`one of ${m.requiresOneOf.join('/')}`] : [])].join(', ') || 'source statuses only';
      log.out(`${pad}needs ${needs}${m.uses?.length ? `; also reads ${m.uses.join(', ')}` : ''}`);
      log.out(`${pad}tests ${m.controls.join(' ') || '(no control)'}`);
      if (m.supports?.length) log.out(`${pad}supports ${m.supports.join(' ')}`);
    }
  },
};
