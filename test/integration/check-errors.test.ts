/**
 * Issue #4 acceptance (error case): every check whose sources are not usable is `error`, never pass or fail, and
 * says which source and why. Built from the committed clean example snapshot, one check at a time.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/index.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { analyze } from '../../src/engine/analyze.js';
import { ROOT } from '../helpers/cli.js';

const needing = CHECKS.filter((c) => c.meta.requires.length + (c.meta.requiresOneOf?.length ?? 0) > 0);

describe.each(needing.map((c) => [c.meta.id, c] as const))('%s', (id, check) => {
  it('is error when its sources are forbidden', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eaa-check-error-'));
    const snap = join(dir, 'snapshot');
    await cp(join(ROOT, 'examples', 'tenants', 'poor', 'snapshot'), snap, { recursive: true });
    const manifestPath = join(snap, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    const broken = new Set([...check.meta.requires, ...(check.meta.requiresOneOf ?? [])]);
    for (const s of manifest.sources) {
      if (broken.has(s.id)) Object.assign(s, { status: 'forbidden', httpStatus: 403, errorCode: 'Authorization_RequestDenied', errorMessage: 'denied' });
    }
    await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    const { results } = await analyze({ snapshotDir: snap, outDir: join(dir, 'out'), config: ConfigSchema.parse({}) });
    const f = results.findings.find((x) => x.checkId === id)!;
    expect(f.status).toBe('error');
    expect(f.errorReason).toMatch(/forbidden .*Authorization_RequestDenied/);
    for (const source of broken) expect(f.errorReason).toContain(source);
  });
});
