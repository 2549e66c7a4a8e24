/**
 * The compiled build the benchmarks run (tsconfig.bench.json → .bench-build/), as the installed package runs: no
 * TypeScript loader in the processes whose time and memory are measured. Shared by bench.ts and bench-tenants.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/version.js';

export const BENCH_BUILD = join(PROJECT_ROOT, '.bench-build');

/**
 * Compiles into BENCH_BUILD and checks that `entry` (a path inside it) was built. tsc emits despite type errors
 * (code being edited elsewhere): what it built is measured anyway, and the returned note says so ('' when clean).
 */
export function buildForBench(entry: string): string {
  process.stderr.write('compiling (tsconfig.bench.json → .bench-build/)\n');
  const tsc = spawnSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', join(PROJECT_ROOT, 'tsconfig.bench.json')], {
    stdio: 'inherit',
  });
  if (!existsSync(entry)) throw new Error(`${entry} was not built`);
  if (tsc.status === 0) return '';
  const note = `tsc exited ${tsc.status} (type errors): the benchmark ran what it emitted anyway.`;
  process.stderr.write(`${note}\n`);
  return note;
}

/** The load average over 1, 5 and 15 minutes, as printed beside each measurement. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}
