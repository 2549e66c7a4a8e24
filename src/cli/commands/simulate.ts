import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { writeFile } from 'node:fs/promises';
import { parseFault, parseThrottle, SIMULATOR_MODES, startSimulator, tenantUrl } from '../../simulator/server.js';
import { createTenant } from '../../simulator/tenant.js';
import { cliClock } from '../clock.js';
import { createLog } from '../output.js';
import { checkSimTenant, withSimTenant, type GlobalArgs } from './common.js';

export const simulateCommand: CommandModule<GlobalArgs, any> = {
  command: 'simulate',
  describe: 'Serve a synthetic tenant on loopback with the Graph report routes, paging, throttling and errors',
  builder: (y) =>
    withSimTenant(y)
      .option('port', { type: 'number', default: 8080, describe: 'Port on 127.0.0.1 (0 = any free port)' })
      .option('token', { type: 'string', describe: 'Require exactly this bearer token (default: any non-empty token)' })
      .option('fault', {
        type: 'string',
        array: true,
        describe:
          'Inject a fault: status=429,path=userRegistrationDetails,nth=2,retryAfter=1 · action=drop|cut,path=… · ' +
          'action=slow,delayMs=1500[,status=504] · action=loop|dup,path=userRegistrationDetails,nth=2 · times=N',
      })
      .option('retired', { choices: ['empty', 'gone', 'legacy'] as const, default: 'empty' as const, describe: 'How retired reports answer' })
      .option('mode', { choices: SIMULATOR_MODES, describe: 'Tenant or app limitation: no P1 licence, no P2, missing permission, app-only token' })
      .option('throttle', { type: 'string', describe: 'Enforce a request budget N/SECONDS on the report routes with 429 + Retry-After, e.g. 5/10 (Graph) or 5/0.1' })
      .option('directory-throttle', { type: 'string', describe: 'Enforce a budget N/SECONDS on the role and group routes, e.g. 50/10 (default: none)' })
      .option('page-size', { type: 'number', default: 100, describe: 'Rows per page when the client sends no $top' })
      .option('tenant-count', {
        type: 'number',
        default: 1,
        describe: 'Serve this many tenants (seeds SEED, SEED+1, …), each under /tenants/{tenantId} with its own --throttle budgets',
      })
      .option('app-throttle', {
        type: 'string',
        describe: "Enforce the per-app budget N/SECONDS on the report routes across all tenants, e.g. 122/10 (Graph) or 122/0.1",
      })
      .option('write-tenants', { type: 'string', describe: 'Write a tenants file for run --tenants (one entry per served tenant, auth token)' })
      .example('$0 simulate --users 5000 --port 8080', 'then: ENTRA_AUTH_AUDIT_TOKEN=x $0 run --tenant sim --auth token --graph-url http://127.0.0.1:8080 --out output/sim'),
  handler: async (argv) => {
    const log = createLog(argv);
    checkSimTenant(argv);
    if (!Number.isInteger(argv.port) || argv.port < 0 || argv.port > 65535) throw new UsageError('--port must be 0 to 65535.');
    let faults;
    try {
      faults = (argv.fault ?? []).map((f: string) => parseFault(f));
    } catch (e) {
      throw new UsageError(`--fault: ${(e as Error).message}`);
    }
    let rateLimit;
    let directoryRateLimit;
    try {
      rateLimit = argv.throttle ? parseThrottle(argv.throttle) : undefined;
    } catch (e) {
      throw new UsageError(`--throttle: ${(e as Error).message}`);
    }
    try {
      directoryRateLimit = argv.directoryThrottle ? parseThrottle(argv.directoryThrottle) : undefined;
    } catch (e) {
      throw new UsageError(`--directory-throttle: ${(e as Error).message}`);
    }
    let appRateLimit;
    try {
      appRateLimit = argv.appThrottle ? parseThrottle(argv.appThrottle) : undefined;
    } catch (e) {
      throw new UsageError(`--app-throttle: ${(e as Error).message}`);
    }
    if (!Number.isInteger(argv.pageSize) || argv.pageSize < 1 || argv.pageSize > 1000) throw new UsageError('--page-size must be 1 to 1000.');
    const count = argv.tenantCount;
    if (!Number.isInteger(count) || count < 1 || count > 1000) throw new UsageError('--tenant-count must be 1 to 1000.');
    if (argv.seed + count - 1 > 0xffffffff) throw new UsageError('--seed plus --tenant-count runs past the largest seed (4294967295).');
    // Observed now, as demo does: its rows are as fresh as a real tenant's whenever it is collected.
    const asOf = cliClock()().toISOString();
    const tenants = Array.from({ length: count }, (_, i) =>
      createTenant({ seed: argv.seed + i, users: argv.users, profile: argv.profile, quarter: argv.quarter, asOf }),
    );
    for (const tenant of tenants) {
      // Graph serves the summary reports from precomputed data; the simulator builds its own (one pass over the users
      // each) before it listens, so that no request waits seconds for a first computation on a large tenant.
      tenant.featureSummary('all', 'all');
      tenant.credentialUserRegistrationCount();
      tenant.registrationActivity('d30');
      tenant.roleAssignments();
      tenant.roleEligibilities();
    }
    const tenant = tenants[0]!;
    const sim = await startSimulator({
      tenant,
      tenants: count > 1 ? tenants : undefined,
      appRateLimit,
      port: argv.port,
      token: argv.token,
      faults,
      retired: argv.retired,
      mode: argv.mode,
      rateLimit,
      directoryRateLimit,
      defaultPageSize: argv.pageSize,
    });
    if (argv.writeTenants) {
      // graphUrl per tenant: the multi-tenant simulator tells tenants apart by path (the root serves the first one)
      const lines = tenants.map((t, i) => `  - { id: ${t.tenantId}, name: sim-${String(i + 1).padStart(String(count).length, '0')}, auth: token, graphUrl: "${count > 1 ? tenantUrl(sim.url, t.tenantId) : sim.url}" }`);
      try {
        await writeFile(argv.writeTenants, `# ${count} simulated tenants served by ${sim.url} (seeds ${argv.seed}–${argv.seed + count - 1}, ${tenant.userCount} users each)\ntenants:\n${lines.join('\n')}\n`);
      } catch (e) {
        await sim.close();
        throw new UsageError(`--write-tenants ${argv.writeTenants}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
      }
      log.info(`tenants file: ${argv.writeTenants}`);
    }
    if (count > 1) {
      log.out(`simulator: ${count} tenants (${tenants.map((t) => t.tenantId).slice(0, 2).join(', ')}, …), ${tenant.userCount} users each, listening on ${sim.url} (each tenant under ${sim.url}/tenants/{tenantId}; Ctrl-C to stop)`);
    } else {
      log.out(`simulator: tenant ${tenant.tenantId}, ${tenant.userCount} users, listening on ${sim.url} (Ctrl-C to stop)`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        void sim.close().then(resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};
