/**
 * Regenerates the example tenants in examples/tenants/<name>/ (snapshot + config) from the simulator, through the
 * real collector, and their golden results in test/golden/<name>.results.json. Run on purpose only:
 *   npx tsx scripts/make-examples.ts
 * The snapshots are committed: the golden test re-analyses them and compares byte for byte.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect } from '../src/collector/collect.js';
import { parseConfigText } from '../src/config/load.js';
import { analyze } from '../src/engine/analyze.js';
import { GraphTransport } from '../src/graph/client.js';
import { startSimulator } from '../src/simulator/server.js';
import { createTenant } from '../src/simulator/tenant.js';
import { PROJECT_ROOT } from '../src/version.js';

export const EXAMPLES = [
  { name: 'clean', profile: 'clean', seed: 101, users: 400 },
  { name: 'poor', profile: 'poor', seed: 202, users: 400 },
] as const;

/** The examples' collection time, fixed so that re-collecting changes only what the collector and simulator change. */
const EXAMPLES_NOW = Date.parse('2026-11-27T22:40:21.000Z');

export function exampleConfig(name: string): string {
  return readFileSync(join(PROJECT_ROOT, 'examples', 'tenants', name, 'config.yaml'), 'utf8');
}

/** Analyses an example's committed snapshot into outDir with its committed config. */
export async function analyzeExample(name: string, outDir: string) {
  const dir = join(PROJECT_ROOT, 'examples', 'tenants', name);
  // exceptions are judged at the snapshot's time, as the CLI does
  const manifest = JSON.parse(readFileSync(join(dir, 'snapshot', 'manifest.json'), 'utf8')) as { finishedAt: string };
  const config = parseConfigText(exampleConfig(name), join(dir, 'config.yaml'), manifest.finishedAt);
  return analyze({ snapshotDir: join(dir, 'snapshot'), outDir, config });
}

if (process.argv[1]?.endsWith('make-examples.ts')) {
  for (const ex of EXAMPLES) {
    const tenant = createTenant({ seed: ex.seed, users: ex.users, profile: ex.profile });
    const sim = await startSimulator({ tenant, token: 'examples' });
    const tmp = join(tmpdir(), `eaa-example-${ex.name}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    const transport = new GraphTransport({
      authProvider: { getAccessToken: async () => 'examples' },
      graphRoot: 'https://graph.microsoft.com',
      endpoint: sim.url,
    });
    let tick = 0;
    await collect({ transport, tenantId: tenant.tenantId, cloud: 'global', outDir: tmp, clock: () => new Date(EXAMPLES_NOW + tick++) });
    await sim.close();
    const dest = join(PROJECT_ROOT, 'examples', 'tenants', ex.name, 'snapshot');
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    cpSync(tmp, dest, { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
    const out = join(tmpdir(), `eaa-example-${ex.name}-out-${process.pid}`);
    const { results } = await analyzeExample(ex.name, out);
    writeFileSync(join(PROJECT_ROOT, 'test', 'golden', `${ex.name}.results.json`), readFileSync(join(out, 'results.json')));
    rmSync(out, { recursive: true, force: true });
    process.stdout.write(`${ex.name}: ${results.findings.map((f) => `${f.checkId}=${f.status}`).join(' ')}\n`);
  }
}
