/**
 * vitest globalSetup: every temporary file of a test run (mkdtemp under os.tmpdir(), in the tests, in the CLI they
 * spawn and in Chromium's profiles) goes into one folder made for the run, removed when the run ends, so that a run
 * leaves nothing behind in /tmp, whether or not each test cleans up after itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'eaa-test-run-'));
  // os.tmpdir() reads TMPDIR on every call; the test processes, and what they spawn, inherit it
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
