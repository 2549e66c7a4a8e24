/**
 * The page budget found from a hint (run --tenants starts each pack's search at the budget the previous pack
 * needed, SharedPdfBrowser.budgetHint) is the budget the plain search finds, and the PDF is the same file: tenants of
 * several sizes, rendered alone (a browser of their own, no hint) and then one after another through one shared
 * browser, so that the hint is right, too lenient and too aggressive in turn.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AffectedUser, AuditResult, Finding, Severity } from '../../src/results/schema.js';
import { ResultsSchema, SEVERITIES } from '../../src/results/schema.js';
import { MAX_PDF_PAGES, renderPack } from '../../src/render/index.js';
import { SharedPdfBrowser } from '../../src/render/pdf.js';
import { BRANDING, SAMPLE_DIR, loadSample, scratch } from '../fixtures/results-sample/load.js';
import { hasBrowser } from '../helpers/browser.js';

/** The PDF without the times Chromium stamps into it (/CreationDate, /ModDate). */
function timeless(pdf: Buffer): string {
  const text = pdf.toString('latin1').replace(/\/(CreationDate|ModDate) \(D:[^)]*\)/g, '');
  return createHash('sha256').update(text, 'latin1').digest('hex');
}

function user(c: number, i: number): AffectedUser {
  return {
    id: `00000000-0000-4000-a000-${String(c * 100_000 + i).padStart(12, '0')}`,
    userPrincipalName: `user.${i}.check.${c}@subsidiary-${i % 7}.contoso.onmicrosoft.com`,
    userDisplayName: `Display Name ${i} ${i % 3 === 0 ? '王小明' : 'Müller'}`,
    userType: i % 5 === 0 ? 'guest' : 'member',
    isAdmin: i % 11 === 0,
    methodsRegistered: ['email', 'mobilePhone', 'microsoftAuthenticatorPush'],
  };
}

/** The sample with `checks` more failing checks of `users` affected users each, and `extra` of every list. */
async function tenant(dir: string, checks: number, users: number, extra: number): Promise<{ dir: string; results: AuditResult }> {
  const r = await loadSample();
  const template = r.findings.find((f) => f.checkId === 'mfa-capable-below-target')!;
  await mkdir(join(dir, 'affected'), { recursive: true });
  // the sample's own sidecars stay where results.json says they are
  for (const f of r.findings) {
    if (f.affected) await writeFile(join(dir, f.affected.file), await readFile(join(SAMPLE_DIR, f.affected.file)));
  }
  for (let c = 0; c < checks; c++) {
    const text = Array.from({ length: users }, (_, i) => JSON.stringify(user(c, i)) + '\n').join('');
    const file = `affected/extra-${c}.ndjson`;
    await writeFile(join(dir, file), text);
    const severity: Severity = SEVERITIES[c % SEVERITIES.length]!;
    r.findings.push({
      ...template,
      checkId: `extra-check-${String(c).padStart(2, '0')}`,
      title: `Extra check ${c}: every user has a phishing-resistant method`,
      severity,
      affected: { count: users, sample: [], file, sha256: createHash('sha256').update(text).digest('hex') },
    } satisfies Finding);
  }
  r.exceptions = [
    ...r.exceptions,
    ...Array.from({ length: extra }, (_, i) => ({
      check: 'mfa-capable-below-target',
      users: [`exception.user.${i}@contoso.com`],
      reason: `Exception ${i}: a documented reason of a typical length`,
      owner: `owner.${i}@contoso.com`,
      expires: '2027-06-30',
      matched: 1,
    })),
  ];
  r.definitions.excludeUpnPatterns = [...r.definitions.excludeUpnPatterns, ...Array.from({ length: extra }, (_, i) => `room-${i}-*@contoso.com`)];
  return { dir, results: ResultsSchema.parse(r) };
}

describe.skipIf(!hasBrowser())('the page budget from a hint', () => {
  const sizes: Record<string, [number, number, number]> = { small: [0, 0, 0], medium: [8, 400, 40], large: [18, 2_000, 300] };
  const alone = new Map<string, { hash: string; pages: number | null; rows: number | null }>();
  const input = new Map<string, { dir: string; results: AuditResult }>();

  beforeAll(async () => {
    for (const [name, [checks, users, extra]] of Object.entries(sizes)) {
      const t = await tenant(await scratch(`hint-${name}`), checks, users, extra);
      input.set(name, t);
      const out = join(t.dir, 'alone');
      const r = await renderPack(t.results, { resultsDir: t.dir, outDir: out, branding: BRANDING });
      alone.set(name, { hash: timeless(await readFile(join(out, 'audit.pdf'))), pages: r.pdfPages, rows: r.pdfAffectedRows });
    }
  }, 240_000);

  it('finds the budget of the plain search and prints the same PDF, whatever the previous pack needed', async () => {
    const shared = new SharedPdfBrowser();
    const found: number[] = [];
    try {
      // hint 0, then right (large after large), too aggressive (medium, small after large), too lenient (large after small)
      for (const [k, name] of ['large', 'large', 'medium', 'small', 'large', 'small', 'medium', 'medium'].entries()) {
        const t = input.get(name)!;
        const out = join(t.dir, `shared-${k}`);
        const r = await renderPack(t.results, { resultsDir: t.dir, outDir: out, branding: BRANDING, pdfBrowser: shared });
        found.push(shared.budgetHint);
        const want = alone.get(name)!;
        expect({ name, hash: timeless(await readFile(join(out, 'audit.pdf'))), pages: r.pdfPages, rows: r.pdfAffectedRows }).toEqual({ name, ...want });
        expect(r.pdfPages!).toBeLessThanOrEqual(MAX_PDF_PAGES);
      }
    } finally {
      await shared.close();
    }
    // the three sizes need three different budgets, so every kind of hint was exercised
    expect(new Set(found).size).toBe(3);
    expect(found[0]).toBeGreaterThan(found[2]!);
    expect(found[2]).toBeGreaterThan(found[3]!);
  }, 240_000);
});
