/**
 * The compiled build the benchmarks run (tsconfig.bench.json → .bench-build/), as the installed package runs: no
 * TypeScript loader in the processes whose time and memory are measured. Shared by bench.ts and bench-tenants.ts,
 * with the helpers the benchmark scripts have in common (load average, the CPU of a process tree).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/** Clock ticks per second of /proc's CPU times. */
const TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/**
 * CPU ms (user + system, from /proc; Linux only, NaN elsewhere) of the processes under `root` (Chromium's, the
 * CLI's), alive ones with the children each has waited for, and of `root`: all of its time with `withRoot`, else only
 * that of the children it waited for (a closed browser). Sampled during a run: Chromium's processes may end without
 * being waited for, and then their time reaches no count, so a caller keeps the highest sample or samples at the end
 * of each step.
 */
export function processTreeCpuMs(root: number, withRoot: boolean): number {
  const procs = new Map<number, { ppid: number; own: number; reaped: number }>();
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
        // fields 4, 14–17 of proc(5): ppid, utime, stime, cutime, cstime
        procs.set(Number(name), { ppid: f[1]!, own: f[11]! + f[12]!, reaped: f[13]! + f[14]! });
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    return NaN;
  }
  const top = procs.get(root);
  let ticks = top ? top.reaped + (withRoot ? top.own : 0) : 0;
  for (const [pid, p] of procs) {
    if (pid === root) continue;
    for (let up = p.ppid, depth = 0; up > 1 && depth < 16; up = procs.get(up)?.ppid ?? 0, depth++) {
      if (up === root) {
        ticks += p.own + p.reaped;
        break;
      }
    }
  }
  return (ticks * 1000) / TICKS_PER_S;
}
