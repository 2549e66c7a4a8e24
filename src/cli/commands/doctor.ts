import type { CommandModule } from 'yargs';
import { CollectionError } from '../../errors.js';
import { createLog } from '../output.js';
import { withCollect, type GlobalArgs } from './common.js';

export const doctorCommand: CommandModule<GlobalArgs, any> = {
  command: 'doctor',
  describe: 'Check access to every source (permissions, roles, licence, retirement) with the smallest request each',
  builder: (y) => withCollect(y),
  handler: async (argv) => {
    // Loaded on demand so that --help starts without the Graph client, MSAL and the engine.
    const { doctor } = await import('../../collector/doctor.js');
    const { collectArgs, makeTransport } = await import('../pipeline.js');
    const log = createLog(argv);
    const args = collectArgs(argv, '');
    const { transport, authProvider } = makeTransport(args, log);
    let token: string | null = null;
    try {
      token = await authProvider.getAccessToken();
    } catch (e) {
      throw new CollectionError(`--auth ${args.auth}: could not get a token: ${(e as Error).message.split('\n')[0]}`);
    }
    const { claims, rows } = await doctor(transport, token);
    if (claims) {
      log.out(`token: ${claims.kind} (${claims.kind === 'application' ? `roles: ${claims.roles.join(', ') || 'none'}` : `scopes: ${claims.scopes.join(', ') || 'none'}`})`);
    } else {
      log.out('token: not a JWT; permissions are judged from the answers only');
    }
    const w = Math.max(...rows.map((r) => r.source.length));
    for (const r of rows) {
      log.out(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.source.padEnd(w)}  ${r.problem}${r.fix ? `\n      ${' '.repeat(w)}  → ${r.fix}` : ''}`);
    }
    const failed = rows.filter((r) => !r.ok).length;
    log.out(`${rows.length - failed} of ${rows.length} sources usable`);
    if (failed === rows.length) process.exitCode = 4;
  },
};
