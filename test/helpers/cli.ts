import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'entra-auth-audit.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI in a child process (async, so an in-process simulator keeps serving). `launcher` runs it
 * through another command, e.g. ['faketime', '-f', '+730d'] to move the system clock.
 */
export function runCli(args: string[], env: Record<string, string> = {}, launcher: string[] = []): Promise<CliResult> {
  const [cmd, ...argv] = [...launcher, process.execPath, BIN, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, argv, {
      cwd: ROOT,
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
