import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

async function cfg(text: string) {
  const dir = await mkdtemp(join(tmpdir(), 'eaa-cfg-'));
  const p = join(dir, 'c.json');
  await writeFile(p, text);
  return p;
}

describe('config', () => {
  it('fills defaults', async () => {
    const { config } = await loadConfig(await cfg('{}'));
    expect(config.thresholds).toMatchObject({ mfaCapableMin: 0.95, passwordlessCapableMin: 0.25, staleRowDays: 30 });
    expect(config.privilegedRoles).toBe('entra-privileged');
    expect(config.frameworks).toContain('cis-m365');
    expect(config.organisation.primaryColor).toBe('#0b5cad');
  });
  it('names the path of every bad value and unknown key (exit 2)', async () => {
    const p = await cfg(JSON.stringify({ thresholds: { mfaCapableMin: 1.5, typo: 1 }, organisation: { primaryColor: 'red' } }));
    const err = await loadConfig(p).catch((e) => e);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(p);
    expect(err.message).toContain('thresholds.mfaCapableMin');
    expect(err.message).toContain('typo');
    expect(err.message).toContain('organisation.primaryColor');
  });
  it('reports unreadable and non-JSON files', async () => {
    await expect(loadConfig('/nonexistent/c.json')).rejects.toThrow(/--config \/nonexistent\/c.json: cannot read/);
    await expect(loadConfig(await cfg('{oops'))).rejects.toThrow(/not valid JSON/);
  });
});
