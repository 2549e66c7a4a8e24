/**
 * Issue #13 §2: "a named file must stay inside its folder" compares real paths. A symbolic link inside the folder
 * (a templates asset, brand.css, a partial, an affected-user sidecar, a redaction mapping through a linked folder)
 * must not bring a file from outside into the pack, or put one inside it.
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInside } from '../../src/paths.js';
import { renderPack } from '../../src/render/index.js';
import { verifyPath } from '../../src/verify/verify.js';
import { BRANDING, SAMPLE_DIR, loadSample } from '../fixtures/results-sample/load.js';
import { runCli } from '../helpers/cli.js';

let root: string;
let secretDir: string;
const SECRET = 'root:x:0:0:SECRET-FROM-OUTSIDE-THE-TEMPLATES-FOLDER:/root:/bin/bash\n';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eaa-asset-symlink-'));
  secretDir = join(root, 'outside');
  await mkdir(secretDir);
  await writeFile(join(secretDir, 'passwd'), SECRET);
  await writeFile(join(secretDir, 'secret.png'), SECRET);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

let n = 0;
async function templates(files: Record<string, string>, links: Record<string, string>): Promise<string> {
  const dir = join(root, `templates-${++n}`);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  for (const [name, target] of Object.entries(links)) await symlink(target, join(dir, name));
  return dir;
}

async function render(templatesDir: string) {
  const out = join(root, `out-${n}`);
  const res = await runCli(['render', join(SAMPLE_DIR, 'results.json'), '--out', out, '--no-pdf', '--templates', templatesDir, '--quiet']);
  let html = '';
  try {
    html = await readFile(join(out, 'audit.html'), 'utf8');
  } catch {
    // nothing rendered: what a refusal should leave
  }
  return { ...res, html };
}

const secretBase64 = Buffer.from(SECRET).toString('base64');

describe('templates folder: symbolic links out of it are refused (exit 2, naming the file and the folder)', () => {
  it('brand.css url(logo.png) where logo.png -> a file outside', async () => {
    const dir = await templates({ 'brand.css': '.cover { background: url(logo.png) }\n' }, { 'logo.png': join(secretDir, 'secret.png') });
    const res = await render(dir);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain(join(dir, 'logo.png'));
    expect(res.stderr).toContain(`outside the templates folder ${dir}`);
    expect(res.html).not.toContain(secretBase64);
  });

  it('brand.css url(img/secret.png) where img/ -> a folder outside', async () => {
    const dir = await templates({ 'brand.css': '.cover { background: url("img/secret.png") }\n' }, { img: secretDir });
    const res = await render(dir);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain(join(dir, 'img', 'secret.png'));
    expect(res.stderr).toContain(`outside the templates folder ${dir}`);
    expect(res.html).not.toContain(secretBase64);
  });

  it('brand.css itself, or a partial, linked to a file outside', async () => {
    const css = await templates({}, { 'brand.css': join(secretDir, 'passwd') });
    const partial = await templates({}, { 'cover.hbs': join(secretDir, 'passwd') });
    for (const [dir, file] of [
      [css, 'brand.css'],
      [partial, 'cover.hbs'],
    ] as const) {
      const res = await render(dir);
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toContain(join(dir, file));
      expect(res.stderr).toContain(`outside the templates folder ${dir}`);
      expect(res.html).not.toContain('SECRET-FROM-OUTSIDE');
    }
  });

  it('still embeds an asset linked to another file inside the folder, and accepts a linked templates folder', async () => {
    const dir = await templates(
      { 'real-logo.png': 'PNG-ISH', 'brand.css': '.cover { background: url(logo.png) }\n' },
      { 'logo.png': 'real-logo.png' },
    );
    const linkedDir = join(root, `linked-templates-${n}`);
    await symlink(dir, linkedDir);
    for (const d of [dir, linkedDir]) {
      const res = await render(d);
      expect(res.code, res.stderr).toBe(0);
      expect(res.html).toContain(`url("data:image/png;base64,${Buffer.from('PNG-ISH').toString('base64')}")`);
    }
  });
});

describe('isInside compares real paths', () => {
  it('a path through a link that leaves the folder is outside; a file not created yet is judged by its folder', async () => {
    const dir = join(root, 'inside-check');
    await mkdir(join(dir, 'sub'), { recursive: true });
    await symlink(secretDir, join(dir, 'out'));
    await symlink(join(dir, 'sub'), join(root, 'link-to-sub'));
    expect(isInside(dir, join(dir, 'sub', 'x.csv'))).toBe(true);
    expect(isInside(dir, join(dir, 'out', 'passwd'))).toBe(false);
    expect(isInside(dir, join(dir, 'out', 'not-yet', 'file'))).toBe(false);
    expect(isInside(dir, join(root, 'link-to-sub', 'new-file'))).toBe(true);
    expect(isInside(join(root, 'link-to-sub'), join(dir, 'sub', 'a'))).toBe(true);
    expect(isInside(dir, dir)).toBe(false);
    expect(isInside(dir, join(dir, '..', 'outside', 'passwd'))).toBe(false);
  });
});

describe('sidecars and the redaction mapping', () => {
  it('render and verify refuse an affected-user sidecar linked to a copy outside the results folder', async () => {
    const dir = join(root, 'results-linked-sidecar');
    await cp(SAMPLE_DIR, dir, { recursive: true });
    const results = await loadSample();
    const f = results.findings.find((x) => x.status === 'fail' && x.affected && x.affected.count > 0)!;
    const sidecar = join(dir, f.affected!.file);
    const copy = join(secretDir, 'sidecar-copy.ndjson');
    await cp(sidecar, copy);
    await rm(sidecar);
    await symlink(copy, sidecar);
    await expect(renderPack(results, { resultsDir: dir, outDir: join(root, 'linked-sidecar-out'), branding: BRANDING, pdf: false })).rejects.toThrow(
      /outside the results folder/,
    );
    const linkedPack = join(root, 'linked-sidecar-pack');
    await cp(dir, linkedPack, { recursive: true, verbatimSymlinks: true });
    await mkdir(join(linkedPack, 'snapshot'));
    await writeFile(join(linkedPack, 'snapshot', 'manifest.json'), '{}');
    const report = await verifyPath({ path: linkedPack });
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.detail).join('\n')).toMatch(
      new RegExp(`names affected-user file "${f.affected!.file.replace(/[.]/g, '\\.')}" outside the pack`),
    );
  });

  it('refuses a redaction mapping that would land inside the pack through a linked folder', async () => {
    const out = join(root, 'redact-pack');
    await mkdir(out);
    await symlink(out, join(root, 'redact-pack-link'));
    const keyFile = join(root, 'redact.key');
    await writeFile(keyFile, 'a redaction key of at least sixteen bytes');
    await expect(
      renderPack(await loadSample(), {
        resultsDir: SAMPLE_DIR,
        outDir: out,
        branding: BRANDING,
        pdf: false,
        redact: { mode: 'pseudonymise', keyFile, mappingFile: join(root, 'redact-pack-link', 'mapping.csv') },
      }),
    ).rejects.toThrow(/must be outside the pack folder/);
    expect(await readdir(out)).toEqual([]);
  });
});
