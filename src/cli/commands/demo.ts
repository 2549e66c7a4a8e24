import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { cliClock, NOW_ENV } from '../clock.js';
import { createLog } from '../output.js';
import { checkSimTenant, withConfig, withRender, withSimTenant, type GlobalArgs } from './common.js';

export const demoCommand: CommandModule<GlobalArgs, any> = {
  command: 'demo',
  describe: 'Start the simulator in-process and run collect → analyze → render against it (no Microsoft account needed)',
  builder: (y) =>
    withSimTenant(withRender(withConfig(y)))
      .option('out', { type: 'string', default: join('output', 'demo'), describe: 'Folder for the snapshot and the pack' }),
  handler: async (argv) => {
    // Loaded on demand so that --help starts without the Graph client, MSAL and the engine.
    const { loadConfig } = await import('../../config/load.js');
    const { startSimulator } = await import('../../simulator/server.js');
    const { createTenant } = await import('../../simulator/tenant.js');
    const { runAnalyze, runCollect, runRender, renderArgs } = await import('../pipeline.js');
    const log = createLog(argv);
    checkSimTenant(argv);
    const clock = cliClock();
    const cfg = await loadConfig(argv.config, clock().toISOString());
    if (!argv.config) cfg.config.organisation.name = 'Contoso Simulated Ltd';
    // The tenant is observed now, as the collection is: its report rows are as fresh as a real tenant's.
    const tenant = createTenant({ seed: argv.seed, users: argv.users, profile: argv.profile, quarter: argv.quarter, asOf: clock().toISOString() });
    // A throwaway token: the simulator checks that one is sent, like Graph.
    const token = randomBytes(24).toString('base64url');
    const sim = await startSimulator({ tenant, token });
    try {
      const snapshotDir = join(argv.out, 'snapshot');
      await rm(snapshotDir, { recursive: true, force: true });
      await runCollect(
        { tenant: tenant.tenantId, out: snapshotDir, auth: 'token', cloud: 'global', graphUrl: sim.url, rate: 'off', clock, env: { ENTRA_AUTH_AUDIT_TOKEN: token, [NOW_ENV]: process.env[NOW_ENV] } },
        log,
      );
      const results = await runAnalyze(snapshotDir, argv.out, cfg, log);
      await runRender(results, argv.out, argv.out, cfg, renderArgs(argv), log);
      log.out(`demo audit pack: ${join(argv.out, 'audit.html')}${argv.pdf ? ` and ${join(argv.out, 'audit.pdf')}` : ''}`);
    } finally {
      await sim.close();
    }
  },
};
