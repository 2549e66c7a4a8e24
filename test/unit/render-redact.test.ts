/**
 * Pseudonymised packs (--redact) and aggregate-only packs (--redact=aggregate): no original UPN or name in any
 * file of the pack, the same key gives the same pseudonyms across quarters, another key gives others.
 */
import { execFileSync } from 'node:child_process';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AffectedUserSchema, type AuditResult } from '../../src/results/schema.js';
import { findBrowser, renderPack, type RedactOptions } from '../../src/render/index.js';
import { Pseudonymiser, REDACT_KEY_ENV, loadRedactKey, redactResults } from '../../src/render/redact.js';
import { visibleText } from '../../src/render/view-model.js';
import { BRANDING, SAMPLE_DIR, loadSample, scratch } from '../fixtures/results-sample/load.js';

const KEY = 'q4-audit-key-0123456789abcdef';
const OTHER_KEY = 'another-key-fedcba9876543210';

function hasPdfTools(): boolean {
  try {
    findBrowser();
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every identity in the sample: sidecar rows (all of them, not only the samples), principals, config lists. */
async function originals(results: AuditResult): Promise<string[]> {
  const out = new Set<string>();
  for (const f of results.findings) {
    if (!f.affected) continue;
    const text = await readFile(join(SAMPLE_DIR, f.affected.file), 'utf8');
    for (const line of text.split('\n').filter((l) => l.trim())) {
      const u = AffectedUserSchema.parse(JSON.parse(line));
      out.add(u.userPrincipalName);
      out.add(u.userDisplayName);
      out.add(u.id);
    }
  }
  for (const p of results.privileged.notAssessable) [p.userPrincipalName, p.displayName, p.id].forEach((x) => out.add(x));
  for (const sp of results.privileged.servicePrincipals) [sp.displayName, sp.id].forEach((x) => out.add(x));
  for (const e of results.exceptions) {
    out.add(e.owner);
    for (const u of e.users ?? []) out.add(u);
  }
  for (const u of [...results.definitions.breakGlassAccounts, ...results.definitions.excludeUpnPatterns]) out.add(u);
  for (const t of Object.values(results.trends?.findings ?? {})) {
    for (const u of [...t.appearedSample, ...t.leftSample]) [u.userPrincipalName, u.id].forEach((x) => out.add(x));
  }
  return [...out].filter((s) => s.length >= 3);
}

/** The forms a value can take in our outputs: as is, with control characters made visible, HTML-escaped. */
function forms(s: string): string[] {
  const v = visibleText(s);
  const html = v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
  // a name is also searched without its control characters, the way a PDF text layer may drop them
  return [...new Set([s, v, html, s.replace(/[\u0000-\u001f\u202a-\u202e\u2066-\u2069]/g, '')])].filter((x) => x.trim().length >= 3);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out.sort();
}

/**
 * A file's text as a reader would search it: the PDF's text layer, the HTML without the <wbr> break hints we put
 * inside UPNs, and each once more with line breaks removed, so a UPN wrapped over two lines is still found.
 */
async function textOf(file: string): Promise<string> {
  const raw = file.endsWith('.pdf')
    ? execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' })
    : (await readFile(file, 'utf8')).replace(/<wbr>/g, '');
  return `${raw}\n${raw.replace(/\r?\n/g, '')}`;
}

async function leaks(dir: string, secrets: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of await filesUnder(dir)) {
    const text = await textOf(file);
    for (const s of secrets) for (const f of forms(s)) if (text.includes(f)) found.push(`${file.slice(dir.length + 1)}: ${JSON.stringify(f)}`);
  }
  return found;
}

/** pseudonym → original, from a mapping file */
async function mapping(path: string): Promise<Map<string, string>> {
  const lines = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '').trim().split('\r\n');
  expect(lines[0]).toBe('kind,pseudonym,original');
  const out = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const [, pseudonym, ...rest] = line.split(',');
    out.set(pseudonym!, rest.join(','));
  }
  return out;
}

const render = async (results: AuditResult, redact: RedactOptions, extra: { pdf?: boolean; outDir?: string } = {}) => {
  const outDir = extra.outDir ?? (await scratch('redact'));
  const out = await renderPack(results, { resultsDir: SAMPLE_DIR, outDir, branding: BRANDING, pdf: extra.pdf ?? false, redact, env: {} });
  return { outDir, out };
};

describe('Pseudonymiser', () => {
  it('makes keyed, stable pseudonyms shaped like the originals', () => {
    const a = Pseudonymiser.create(Buffer.from(KEY), 'pseudonymise');
    const b = Pseudonymiser.create(Buffer.from(KEY), 'pseudonymise');
    const c = Pseudonymiser.create(Buffer.from(OTHER_KEY), 'pseudonymise');
    const upn = a.upn('Alice.Smith@Contoso.com');
    expect(upn).toMatch(/^user-[0-9a-f]{12}@redacted\.invalid$/);
    expect(b.upn('alice.smith@contoso.com')).toBe(upn); // case does not make another person
    expect(c.upn('alice.smith@contoso.com')).not.toBe(upn);
    expect(a.displayNameOf('alice.smith@contoso.com', 'Alice Smith')).toBe(`User ${upn.slice(5, 17)}`);
    expect(a.id('6b2b0f0e-0000-4000-a000-000000000001')).toMatch(/^id-[0-9a-f]{12}$/);
    expect(a.pattern('*@rooms.contoso.com')).toBe('*@rooms.contoso.com'); // names nobody: kept, it documents the scope
    expect(a.pattern('room-*@contoso.com')).toMatch(/^pattern-[0-9a-f]{12}$/);
    expect(a.person('Priya Raman')).toMatch(/^Person [0-9a-f]{12}$/);
    expect(a.text('owner bob@contoso.com asked')).toMatch(/^owner user-[0-9a-f]{12}@redacted\.invalid asked$/);
  });

  it('takes the key from the options, a key file (without its line break) or the environment, and refuses short keys', async () => {
    const dir = await scratch('keys');
    await writeFile(join(dir, 'redact.key'), `${KEY}\n`);
    const fromFile = await loadRedactKey({ mode: 'pseudonymise', keyFile: join(dir, 'redact.key') }, {});
    const fromEnv = await loadRedactKey({ mode: 'pseudonymise' }, { [REDACT_KEY_ENV]: KEY });
    expect(fromFile?.toString()).toBe(KEY);
    expect(fromEnv?.toString()).toBe(KEY);
    await expect(loadRedactKey({ mode: 'pseudonymise' }, {})).rejects.toThrow(/--redact needs a key .* openssl rand -base64 32/);
    await expect(loadRedactKey({ mode: 'pseudonymise', key: 'short' }, {})).rejects.toThrow(/at least 16 are needed/);
    await expect(loadRedactKey({ mode: 'pseudonymise', keyFile: join(dir, 'missing.key') }, {})).rejects.toThrow(/Cannot read the redaction key file/);
    expect(await loadRedactKey({ mode: 'aggregate' }, {})).toBeNull();
  });

  it('redacts a copy and leaves the input untouched', async () => {
    const results = await loadSample();
    const before = JSON.stringify(results);
    const r = redactResults(results, Pseudonymiser.create(Buffer.from(KEY), 'pseudonymise'));
    expect(JSON.stringify(results)).toBe(before);
    expect(r.findings[0]?.affected?.sample[0]?.userPrincipalName).toMatch(/@redacted\.invalid$/);
    expect(r.exceptions[2]?.owner).toMatch(/^user-[0-9a-f]{12}@redacted\.invalid$/);
    expect(r.privileged.servicePrincipals[0]?.displayName).toMatch(/^Application [0-9a-f]{12}$/);
    expect(r.trends?.findings['admins-without-phishing-resistant-method']?.leftSample[0]?.userPrincipalName).toMatch(/@redacted\.invalid$/);
    // the sidecar reference stays: the worklists are rewritten from it
    expect(r.findings[0]?.affected?.sha256).toBe(results.findings[0]?.affected?.sha256);
  });

  it('replaces an address in a Conditional Access policy name or an enforcement note, and leaves the rest as it is', async () => {
    const results = await loadSample();
    results.enforcement.policies[0]!.displayName = 'CA900: exclude alice.admin@contoso.com from MFA';
    results.enforcement.notes.push('alice.admin@contoso.com is excluded by CA900');
    const r = redactResults(results, Pseudonymiser.create(Buffer.from(KEY), 'pseudonymise'));
    expect(r.enforcement.policies[0]?.displayName).toMatch(/^CA900: exclude user-[0-9a-f]{12}@redacted\.invalid from MFA$/);
    expect(r.enforcement.notes.at(-1)).toMatch(/^user-[0-9a-f]{12}@redacted\.invalid is excluded by CA900$/);
    expect(r.enforcement.policies[1]?.displayName).toBe(results.enforcement.policies[1]?.displayName);
    expect(JSON.stringify(r)).not.toContain('alice.admin@contoso.com');
  });
});

describe.skipIf(!hasPdfTools())('a pseudonymised pack', () => {
  let results: AuditResult;
  let secrets: string[];
  let outDir: string;
  let mapFile: string;

  beforeAll(async () => {
    results = await loadSample();
    secrets = await originals(results);
    mapFile = join(await scratch('redact-map'), 'mapping.csv');
    ({ outDir } = await render(results, { mode: 'pseudonymise', key: KEY, mappingFile: mapFile }, { pdf: true }));
  });

  it('contains none of the original UPNs, names or object ids in any file: HTML, PDF, CSV, summary.md', async () => {
    const files = (await filesUnder(outDir)).map((f) => f.slice(outDir.length + 1));
    expect(files).toEqual([
      'audit.html',
      'audit.pdf',
      'pack-manifest.json',
      'summary.md',
      'worklists/admins-without-phishing-resistant-method.csv',
      'worklists/index.csv',
      'worklists/mfa-capable-below-target.csv',
    ]);
    expect(secrets.length).toBeGreaterThan(380);
    expect(await leaks(outDir, secrets)).toEqual([]);
    const html = await readFile(join(outDir, 'audit.html'), 'utf8');
    expect(html).toContain('@redacted.invalid');
    expect(html).toContain('Pseudonymised copy');
  });

  it('keeps every worklist row, pseudonymised, and writes the mapping back to the originals only where asked', async () => {
    const csv = await readFile(join(outDir, 'worklists', 'mfa-capable-below-target.csv'), 'utf8');
    const rows = csv.trim().split('\r\n').slice(1);
    expect(rows).toHaveLength(186);
    expect(rows.every((r) => /^id-[0-9a-f]{12},user-[0-9a-f]{12}@redacted\.invalid,User [0-9a-f]{12},member,/.test(r))).toBe(true);
    const map = await mapping(mapFile);
    const firstUpn = /user-[0-9a-f]{12}@redacted\.invalid/.exec(rows[0]!)![0];
    expect(map.get(firstUpn)).toBe('xss.test@emea.contoso.onmicrosoft.com');
    expect((await stat(mapFile)).mode & 0o077).toBe(0); // readable by its owner only
  });

  it('gives the same pseudonyms next quarter with the same key, and other pseudonyms with another key', async () => {
    // next quarter: different results (another snapshot, fewer users affected, one more exception)
    const q1 = await loadSample();
    q1.snapshot.manifestSha256 = 'f'.repeat(64);
    q1.exceptions.push({ check: 'phone-only-mfa-users', users: ['former.admin@contoso.com'], reason: 'leaver', owner: 'Priya Raman', expires: '2027-06-30', matched: 0 });
    const sameKeyMap = join(await scratch('redact-map2'), 'mapping.csv');
    await render(q1, { mode: 'pseudonymise', key: KEY, mappingFile: sameKeyMap });
    const otherKeyMap = join(await scratch('redact-map3'), 'mapping.csv');
    await render(q1, { mode: 'pseudonymise', key: OTHER_KEY, mappingFile: otherKeyMap });
    const byOriginal = (m: Map<string, string>) => new Map([...m].map(([p, o]) => [o, p]));
    const first = byOriginal(await mapping(mapFile));
    const same = byOriginal(await mapping(sameKeyMap));
    const other = byOriginal(await mapping(otherKeyMap));
    let compared = 0;
    for (const [original, pseudonym] of first) {
      if (!same.has(original)) continue;
      expect(same.get(original), original).toBe(pseudonym);
      expect(other.get(original), original).not.toBe(pseudonym);
      compared++;
    }
    expect(compared).toBeGreaterThan(380);
  });
});

describe('an aggregate-only pack', () => {
  it('has no per-user rows at all and no original names, with or without a key', async () => {
    const results = await loadSample();
    const secrets = await originals(results);
    for (const key of [KEY, undefined]) {
      const { outDir } = await render(results, { mode: 'aggregate', ...(key ? { key } : {}) });
      expect((await readdir(outDir)).sort()).toEqual(['audit.html', 'pack-manifest.json', 'summary.md']); // no worklists
      const html = await readFile(join(outDir, 'audit.html'), 'utf8');
      expect(html).not.toContain('class="data affected"');
      expect(html).not.toContain('class="data compact principals"');
      expect(html).toContain('186 affected users; per-user rows are left out of this aggregate-only copy.');
      expect(html).toContain('Aggregate-only copy');
      expect(await leaks(outDir, secrets)).toEqual([]);
    }
  });
});

describe('redaction safeguards', () => {
  it('refuses to write the redacted pack into the results folder, or the mapping into the pack', async () => {
    const results = await loadSample();
    await expect(render(results, { mode: 'pseudonymise', key: KEY }, { outDir: SAMPLE_DIR })).rejects.toThrow(/must go to its own folder/);
    const outDir = await scratch('redact-inside');
    await expect(render(results, { mode: 'pseudonymise', key: KEY, mappingFile: join(outDir, 'map.csv') }, { outDir })).rejects.toThrow(
      /must be outside the pack folder/,
    );
    expect(await readdir(outDir)).toEqual([]);
  });

  it('writes no mapping unless asked, and no mapping when the render fails', async () => {
    const results = await loadSample();
    const { outDir } = await render(results, { mode: 'pseudonymise', key: KEY });
    expect((await filesUnder(outDir)).some((f) => /map/i.test(f))).toBe(false);
    const mapDir = await scratch('redact-fail');
    const broken = structuredClone(results);
    broken.findings[0]!.affected!.sha256 = '0'.repeat(64);
    await expect(render(broken, { mode: 'pseudonymise', key: KEY, mappingFile: join(mapDir, 'map.csv') })).rejects.toThrow(/does not match/);
    expect(await readdir(mapDir)).toEqual([]);
  });
});
