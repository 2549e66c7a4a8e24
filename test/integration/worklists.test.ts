/**
 * Issue #7: analyze writes each cohort's CSV worklist as it streams, byte for byte what render/csv.ts makes from
 * the NDJSON sidecar, so render only links it into the pack (its cost no longer grows with the tenant). Tampering
 * is refused by render's cheap checks and found by verify.
 */
import { appendFile, chmod, cp, mkdtemp, readFile, readdir, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/results/schema.js';
import { writeWorklistCsv } from '../../src/render/csv.js';
import { renderPack } from '../../src/render/index.js';
import { worklistName } from '../../src/render/view-model.js';
import { verifyPath } from '../../src/verify/verify.js';
import { analyzeExample } from '../../scripts/make-examples.js';
import { ROOT } from '../helpers/cli.js';

const BRANDING = { organisation: 'Contoso', primaryColor: '#0b5cad', classification: 'Internal' };
let dir: string;
let results: AuditResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-worklists-'));
  // the poor example tenant: many failing checks, hostile and multi-script names in its snapshot
  ({ results } = await analyzeExample('poor', dir));
  await cp(join(ROOT, 'examples', 'tenants', 'poor', 'snapshot'), join(dir, 'snapshot'), { recursive: true });
});

describe('worklists written by analyze', () => {
  it('are, for every cohort, exactly the CSV render makes from the sidecar, with the recorded hash and size', async () => {
    const withList = results.findings.filter((f) => f.affected?.worklist);
    expect(withList.length).toBeGreaterThan(8);
    let rows = 0;
    for (const f of withList) {
      const { affected } = f;
      const worklist = affected!.worklist!;
      const rebuilt = join(dir, `rebuilt-${f.checkId}.csv`);
      const result = await writeWorklistCsv(join(dir, affected!.file), rebuilt, 0);
      const written = await readFile(join(dir, worklist.file));
      expect(written.equals(await readFile(rebuilt)), f.checkId).toBe(true);
      expect(written.length).toBe(worklist.bytes);
      expect(result.rows).toBe(affected!.count);
      rows += result.rows;
    }
    expect(rows).toBeGreaterThan(100);
  });

  it('are linked (or copied) into the pack unchanged; the tables show the same first users', async () => {
    const out = join(dir, 'pack');
    await renderPack(results, { resultsDir: dir, outDir: out, branding: BRANDING, pdf: false });
    const failing = results.findings.filter((f) => f.status === 'fail' && f.affected);
    expect(failing.length).toBeGreaterThan(3);
    for (const f of failing) {
      const inPack = join(out, 'worklists', worklistName(f.checkId));
      const source = join(dir, f.affected!.worklist!.file);
      expect((await readFile(inPack)).equals(await readFile(source)), f.checkId).toBe(true);
      // same file system here: a hard link, no copy
      expect((await stat(inPack)).ino).toBe((await stat(source)).ino);
    }
    const html = await readFile(join(out, 'audit.html'), 'utf8');
    // a name without characters the HTML escapes or breaks
    const plain = failing.flatMap((f) => f.affected!.sample.slice(0, 3)).find((u) => /^[A-Za-z]+ [A-Za-z]+$/.test(u.userDisplayName))!;
    expect(html).toContain(plain.userDisplayName);
  });

  it('a changed worklist is refused by render and reported by verify', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'eaa-worklists-tampered-'));
    await cp(dir, copy, { recursive: true, filter: (src) => !src.startsWith(join(dir, 'pack')) });
    const victim = results.findings.find((f) => f.status === 'fail' && (f.affected?.count ?? 0) > 0)!;
    const victimCsv = join(copy, victim.affected!.worklist!.file);
    expect((await stat(victimCsv)).mode & 0o222).toBe(0); // written read-only
    await chmod(victimCsv, 0o644);
    await appendFile(victimCsv, 'x,=1+1\r\n');
    await expect(renderPack(results, { resultsDir: copy, outDir: join(copy, 'pack'), branding: BRANDING, pdf: false })).rejects.toThrow(
      /does not match results\.json \(\d+ bytes, expected \d+ bytes\)/,
    );
    const report = await verifyPath({ path: copy });
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.detail).join('\n')).toContain(`worklist of ${victim.checkId}: SHA-256`);
  });

  it('links nothing but a regular file inside the results folder, and leaves no temporary file when rendered again', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'eaa-worklists-link-'));
    await cp(dir, copy, { recursive: true, filter: (src) => !src.startsWith(join(dir, 'pack')) });
    const out = join(copy, 'pack');
    await renderPack(results, { resultsDir: copy, outDir: out, branding: BRANDING, pdf: false });
    await renderPack(results, { resultsDir: copy, outDir: out, branding: BRANDING, pdf: false });
    expect((await readdir(join(out, 'worklists'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // a worklist replaced by a symbolic link to a file outside, of the recorded size
    const victim = results.findings.find((f) => f.status === 'fail' && (f.affected?.count ?? 0) > 0)!;
    const csv = join(copy, victim.affected!.worklist!.file);
    const outside = join(await mkdtemp(join(tmpdir(), 'eaa-secret-')), 'secret');
    await writeFile(outside, 'S'.repeat(victim.affected!.worklist!.bytes));
    await unlink(csv);
    await symlink(outside, csv);
    await expect(renderPack(results, { resultsDir: copy, outDir: join(copy, 'pack2'), branding: BRANDING, pdf: false })).rejects.toThrow(
      /not a regular file inside the results folder/,
    );
    // a results.json that names another file as the worklist
    const other = structuredClone(results);
    other.findings.find((f) => f.checkId === victim.checkId)!.affected!.worklist!.file = 'results.json';
    await expect(renderPack(other, { resultsDir: copy, outDir: join(copy, 'pack3'), branding: BRANDING, pdf: false })).rejects.toThrow(
      /names worklist "results\.json"/,
    );
  });

  it('results.json without worklists (written by 0.1.0) still renders, converting the sidecars', async () => {
    const old = structuredClone(results);
    for (const f of old.findings) if (f.affected) delete f.affected.worklist;
    const out = join(dir, 'pack-old');
    await renderPack(old, { resultsDir: dir, outDir: out, branding: BRANDING, pdf: false });
    const names = await readdir(join(out, 'worklists'));
    expect(names.length).toBeGreaterThan(3);
    for (const f of old.findings.filter((x) => x.status === 'fail' && x.affected)) {
      const inPack = join(out, 'worklists', worklistName(f.checkId));
      expect((await stat(inPack)).ino).not.toBe((await stat(join(dir, results.findings.find((x) => x.checkId === f.checkId)!.affected!.worklist!.file))).ino);
      expect((await readFile(inPack)).equals(await readFile(join(dir, `rebuilt-${f.checkId}.csv`)))).toBe(true);
    }
  });
});
