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

describe('init and the published schema', () => {
  it('the starter config validates against the schema and equals the defaults', async () => {
    const { starterConfig } = await import('../../src/config/starter.js');
    const { parseConfigText } = await import('../../src/config/load.js');
    const { ConfigSchema } = await import('../../src/config/schema.js');
    const parsed = parseConfigText(starterConfig('Fabrikam'), 'starter.yaml', '2026-11-27T00:00:00Z');
    expect(parsed.organisation.name).toBe('Fabrikam');
    const { organisation: _o, ...rest } = parsed;
    const { organisation: _d, ...defaults } = ConfigSchema.parse({});
    expect(rest).toEqual(defaults);
  });
  it('schemas/*.json are up to date with the zod schemas', async () => {
    const { readFile } = await import('node:fs/promises');
    const { schemaTexts } = await import('../../scripts/gen-schemas.js');
    for (const [name, text] of Object.entries(schemaTexts())) {
      expect(await readFile(join(__dirname, '..', '..', 'schemas', name), 'utf8'), `${name}: run npx tsx scripts/gen-schemas.ts`).toBe(text);
    }
  });
  it('an unknown key, a bad threshold and an expired exception: three messages with their paths', async () => {
    const p = await cfg(
      [
        'organisation:',
        '  name: Contoso',
        '  colour: "#fff"',
        'thresholds:',
        '  mfaCapableMin: 95',
        'exceptions:',
        '  - check: admins-without-mfa',
        '    reason: Waiting for keys',
        '    owner: ciso@contoso.example',
        '    expires: "2026-01-31"',
      ].join('\n').replace('c.json', 'c.yaml'),
    );
    const yamlPath = p.replace(/\.json$/, '.yaml');
    const { rename } = await import('node:fs/promises');
    await rename(p, yamlPath);
    const err = await loadConfig(yamlPath, '2026-11-27T00:00:00Z').catch((e) => e);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('3 problems');
    expect(err.message).toMatch(/organisation: .*colour/);
    expect(err.message).toMatch(/thresholds\.mfaCapableMin: must be a share between 0 and 1/);
    expect(err.message).toMatch(/exceptions\.0\.expires: .*expired on 2026-01-31/);
  });
  it('reports YAML syntax errors with the line', async () => {
    const p = (await cfg('')).replace(/\.json$/, '.yaml');
    const { writeFile: w } = await import('node:fs/promises');
    await w(p, 'thresholds:\n  mfaCapableMin: [\n');
    await expect(loadConfig(p)).rejects.toThrow(/not valid YAML at line/);
  });
});
