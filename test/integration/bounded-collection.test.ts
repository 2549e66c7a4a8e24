/**
 * Issue #13 §2 "bounded collection" and §3 fidelity, against a small Graph-compatible server on 127.0.0.1 that
 * misbehaves as a real endpoint could: a report that pages for ever (a fresh $skiptoken on every page, with new
 * rows or with empty pages), a long cycle of nextLinks, and a first page that refuses `$top`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyFailure, collect, type CollectOptions } from '../../src/collector/collect.js';
import { userRegistrationDetails } from '../../src/collector/sources/user-registration-details.js';
import { usersRegisteredByFeature } from '../../src/collector/sources/users-registered-by-feature.js';
import { credentialUsageSummary } from '../../src/collector/sources/credential-usage-summary.js';
import { roleEligibilities } from '../../src/collector/sources/role-eligibilities.js';
import { roleAssignments } from '../../src/collector/sources/role-assignments.js';
import { roleGroupMembers } from '../../src/collector/sources/role-group-members.js';
import { readNdjson } from '../../src/snapshot/reader.js';
import { GraphTransport } from '../../src/graph/client.js';
import { CHECKPOINT_FILE, type SourceRecord } from '../../src/snapshot/schema.js';

const URD = '/v1.0/reports/authenticationMethods/userRegistrationDetails';
type Handler = (url: URL, req: IncomingMessage, res: ServerResponse) => void;

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function serve(handler: Handler): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push(decodeURIComponent(url.pathname + url.search));
    handler(url, req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${addr.port}`;
  close = () => new Promise<void>((r) => server.close(() => r()));
  return { url: base, requests };
}

/** A report that never ends: every page gives `rows` new rows and a fresh $skiptoken. */
function endless(base: () => string, rows: number): Handler {
  return (url, _req, res) => {
    if (url.pathname !== URD) return json(res, 404, { error: { code: 'NotFound', message: 'no such route' } });
    const n = Number(url.searchParams.get('$skiptoken') ?? '0');
    const value = Array.from({ length: rows }, (_, i) => ({ id: `u-${n}-${i}`, userPrincipalName: `u${n}.${i}@x.example` }));
    json(res, 200, { value, '@odata.nextLink': `${base()}${URD}?$skiptoken=${n + 1}` });
  };
}

async function run(endpoint: string, sources: CollectOptions['sources'], extra: Partial<CollectOptions> = {}): Promise<{ records: SourceRecord[]; dir: string }> {
  const transport = new GraphTransport({ authProvider: { getAccessToken: async () => 't' }, graphRoot: 'https://graph.microsoft.com', endpoint });
  const dir = join(await mkdtemp(join(tmpdir(), 'eaa-bounded-')), 'snap');
  const { manifest } = await collect({ transport, tenantId: 'bounded.example', cloud: 'global', outDir: dir, sources, concurrency: 1, ...extra });
  return { records: manifest.sources, dir };
}

describe('a source that pages for ever ends as error, with a clear message', () => {
  it('new rows on every page: stopped at twice the user count a summary report stated (plus 10,000)', async () => {
    let base = '';
    const urd = endless(() => base, 100);
    const sim = await serve((url, req, res) => {
      if (url.pathname.startsWith('/v1.0/reports/authenticationMethods/usersRegisteredByFeature')) {
        return json(res, 200, { id: 'x', totalUserCount: 40, userTypes: 'all', userRoles: 'all', userRegistrationFeatureCounts: [] });
      }
      urd(url, req, res);
    });
    base = sim.url;
    // the summary first (concurrency 1), so the user count is known while the paged report runs
    const { records } = await run(sim.url, [usersRegisteredByFeature, userRegistrationDetails]);
    const r = records.find((x) => x.id === 'userRegistrationDetails')!;
    expect(r.status).toBe('error');
    expect(r.errorMessage).toMatch(/more than 10,080 rows for a tenant of 40 users/);
    expect(r.records).toBeLessThanOrEqual(10_080);
    expect(sim.requests.filter((q) => q.startsWith(URD)).length).toBeLessThanOrEqual(103);
  });

  it('empty pages: stopped by --max-pages', async () => {
    let base = '';
    const sim = await serve(endless(() => base, 0));
    base = sim.url;
    const { records } = await run(sim.url, [userRegistrationDetails], { maxPages: 40 });
    expect(records[0]!.status).toBe('error');
    expect(records[0]!.errorMessage).toMatch(/still paging after 40 pages \(--max-pages\)/);
    expect(sim.requests.length).toBeLessThanOrEqual(42);
  });

  it('new rows without a known user count: stopped by --max-rows', async () => {
    let base = '';
    const sim = await serve(endless(() => base, 100));
    base = sim.url;
    const { records } = await run(sim.url, [userRegistrationDetails], { maxRows: 1_000 });
    expect(records[0]!.status).toBe('error');
    expect(records[0]!.errorMessage).toMatch(/more than 1,000 rows \(--max-rows\)/);
    expect(records[0]!.records).toBe(1_000);
  });

  it('a cycle of nextLinks longer than the remembered recent links is still caught', async () => {
    let base = '';
    const period = 700; // > the 256 recent links kept exactly: caught by the cycle detector
    const sim = await serve((url, _req, res) => {
      const n = Number(url.searchParams.get('$skiptoken') ?? '0');
      json(res, 200, { value: [], '@odata.nextLink': `${base}${URD}?$skiptoken=${(n + 1) % period}` });
    });
    base = sim.url;
    const { records } = await run(sim.url, [userRegistrationDetails]);
    expect(records[0]!.status).toBe('error');
    expect(records[0]!.errorMessage).toMatch(/nextLink repeats/);
    expect(sim.requests.length).toBeLessThanOrEqual(3 * period);
  });

  it('the checkpoint keeps a constant size however long the chain (it grew by a link key per page)', async () => {
    let base = '';
    // a page every millisecond or more: 1,600 pages take seconds, several checkpoints (one at least every 250 ms)
    // are written past the 256 links kept exactly, however fast the machine
    const page = endless(() => base, 0);
    const sim = await serve((url, req, res) => void setTimeout(() => page(url, req, res), 1));
    base = sim.url;
    // the checkpoint as written, by the pages it records: commits come at least every 250 ms, so a file read at some
    // page was written some pages before it (on a fast machine, hundreds), and is measured by what it says it holds
    const sizeAt = new Map<number, number>();
    let dir = '';
    const transport = new GraphTransport({ authProvider: { getAccessToken: async () => 't' }, graphRoot: 'https://graph.microsoft.com', endpoint: sim.url });
    dir = join(await mkdtemp(join(tmpdir(), 'eaa-bounded-')), 'snap');
    const pending: Promise<void>[] = [];
    await collect({
      transport,
      tenantId: 'bounded.example',
      cloud: 'global',
      outDir: dir,
      sources: [userRegistrationDetails],
      maxPages: 1_600,
      onProgress: (e) => {
        if (e.pages % 25 !== 0) return;
        pending.push(
          readFile(join(dir, CHECKPOINT_FILE), 'utf8').then(
            (text) => {
              // while the source runs (its final record, error or done, keeps no links)
              const pages = Number(/"pages":\s*(\d+)/.exec(text)?.[1] ?? NaN);
              if (Number.isFinite(pages) && /"state":\s*"running"/.test(text)) sizeAt.set(pages, Buffer.byteLength(text));
            },
            () => undefined,
          ),
        );
      },
    });
    await Promise.all(pending);
    // 256 recent link keys at most, then a fixed-size cycle detector: the same size from page 300 to the end
    const late = [...sizeAt].filter(([pages]) => pages >= 300).sort((a, b) => a[0] - b[0]);
    expect(late.length).toBeGreaterThanOrEqual(2);
    expect(late.at(-1)![0] - late[0]![0]).toBeGreaterThanOrEqual(500);
    const sizes = late.map(([, size]) => size);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(64);
    expect(Math.max(...sizes)).toBeLessThan(16 * 1024);
    // and it did hold more while the links were kept exactly (the size is not constant for want of links)
    const early = [...sizeAt].filter(([pages]) => pages > 0 && pages < 200).map(([, size]) => size);
    if (early.length > 0) expect(Math.min(...early)).toBeLessThan(Math.min(...sizes));
  });
});

describe('userRegistrationDetails whose first page refuses $top', () => {
  it('asks once more without $top and collects every page', async () => {
    let base = '';
    const sim = await serve((url, _req, res) => {
      if (url.pathname !== URD) return json(res, 404, { error: { code: 'NotFound', message: 'x' } });
      if (url.searchParams.has('$top')) return json(res, 400, { error: { code: 'BadRequest', message: "Invalid value for '$top'." } });
      const n = Number(url.searchParams.get('$skiptoken') ?? '0');
      const value = Array.from({ length: 5 }, (_, i) => ({ id: `u-${n}-${i}` }));
      json(res, 200, { value, ...(n < 2 ? { '@odata.nextLink': `${base}${URD}?$skiptoken=${n + 1}` } : {}) });
    });
    base = sim.url;
    const { records } = await run(sim.url, [userRegistrationDetails]);
    expect(records[0]!).toMatchObject({ status: 'ok', pages: 3, records: 15 });
    expect(sim.requests).toEqual([`${URD}?$top=999`, URD, `${URD}?$skiptoken=1`, `${URD}?$skiptoken=2`]);
  });

  it('a second 400 without $top is recorded as the error it is (asked only once more)', async () => {
    const sim = await serve((_url, _req, res) => json(res, 400, { error: { code: 'BadRequest', message: 'nope' } }));
    const { records } = await run(sim.url, [userRegistrationDetails]);
    expect(records[0]!).toMatchObject({ status: 'error', httpStatus: 400, errorCode: 'BadRequest' });
    expect(sim.requests).toEqual([`${URD}?$top=999`, URD]);
  });
});

describe('failure classification (pure)', () => {
  const body = (code: string, message: string) => ({ error: { code, message } });
  const after = new Date('2026-01-01T00:00:00Z');
  const before = new Date('2025-07-01T00:00:00Z');

  it('a retired report answering another 4xx after its retirement date is retired, code and message kept', () => {
    for (const status of [400, 403, 405]) {
      const f = classifyFailure(credentialUsageSummary, { status, body: body('BadRequest', 'Resource not found for the segment') }, after);
      expect(f).toMatchObject({ status: 'retired', httpStatus: status, errorCode: 'BadRequest' });
      expect(f.errorMessage).toMatch(/^retired by Microsoft on 2025-08-01: Resource not found for the segment/);
    }
  });

  it('before its retirement date, or for 401, a retired report keeps the ordinary classification', () => {
    expect(classifyFailure(credentialUsageSummary, { status: 400, body: body('BadRequest', 'x') }, before).status).toBe('error');
    expect(classifyFailure(credentialUsageSummary, { status: 403, body: body('Authorization_RequestDenied', 'x') }, before).status).toBe('forbidden');
    expect(classifyFailure(credentialUsageSummary, { status: 401, body: body('InvalidAuthenticationToken', 'x') }, after).status).toBe('forbidden');
    expect(classifyFailure(credentialUsageSummary, { status: 500, body: body('InternalServerError', 'x') }, after).status).toBe('error');
  });

  it('PIM without Entra ID P2 (400 AadPremiumLicenseRequired) is a licence gap: unavailable, with the licence named', () => {
    const f = classifyFailure(roleEligibilities, { status: 400, body: body('AadPremiumLicenseRequired', 'The tenant needs an AAD Premium 2 license.') }, after);
    expect(f.status).toBe('unavailable');
    expect(f.errorCode).toBe('AadPremiumLicenseRequired');
    expect(f.errorMessage).toMatch(/needs Microsoft Entra ID P2 or Microsoft Entra ID Governance/);
    // an ordinary 400 on the same source stays an error
    expect(classifyFailure(roleEligibilities, { status: 400, body: body('BadRequest', 'x') }, after).status).toBe('error');
  });
});

describe('resume after the change keeps reading old checkpoints', () => {
  it('a checkpoint without loopGuard (0.1.x) still parses', async () => {
    const { CheckpointSchema } = await import('../../src/snapshot/schema.js');
    const raw = JSON.parse(
      JSON.stringify({
        schemaVersion: 1,
        tenantId: 't',
        cloud: 'global',
        endpoint: 'x',
        startedAt: '2026-11-01T00:00:00Z',
        sources: {
          userRegistrationDetails: {
            state: 'running', requestIndex: 0, next: null, seenLinks: ['0123456789abcdef'], pages: 1, records: 1, duplicatesDropped: 0,
            bytes: 1, prefixSha256: 'x', deprecation: null, sunset: null, startedAt: '2026-11-01T00:00:00Z',
          },
        },
      }),
    );
    expect(CheckpointSchema.safeParse(raw).success).toBe(true);
  });
});

describe('a group named by a role but deleted since (404 on its members)', () => {
  const groupServer = (missing: { status: number; code: string }) =>
    serve((url, _req, res) => {
      if (url.pathname === '/v1.0/roleManagement/directory/roleAssignments') {
        const value = ['g-live', 'g-gone'].map((g, i) => ({
          id: `a${i}`,
          principalId: g,
          roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
          directoryScopeId: '/',
          principal: { '@odata.type': '#microsoft.graph.group', id: g, displayName: g },
        }));
        return json(res, 200, { value });
      }
      if (url.pathname === '/v1.0/groups/g-live/transitiveMembers/microsoft.graph.user') {
        return json(res, 200, { value: [{ id: 'u1', userPrincipalName: 'u1@x.example', displayName: 'U One' }] });
      }
      if (url.pathname === '/v1.0/groups/g-gone/transitiveMembers/microsoft.graph.user') {
        return json(res, missing.status, { error: { code: missing.code, message: "Resource 'g-gone' does not exist." } });
      }
      json(res, 404, { error: { code: 'NotFound', message: 'no such route' } });
    });

  it('records the group as gone and keeps the source ok, with the members of the other group', async () => {
    const sim = await groupServer({ status: 404, code: 'Request_ResourceNotFound' });
    const { records, dir } = await run(sim.url, [roleAssignments, roleGroupMembers]);
    const r = records.find((x) => x.id === 'roleGroupMembers')!;
    expect(r.status).toBe('ok');
    const rows: unknown[] = [];
    for await (const row of readNdjson(join(dir, r.file))) rows.push(row);
    expect(rows).toEqual([
      { groupId: 'g-gone', userId: null, gone: 'Request_ResourceNotFound' },
      { groupId: 'g-live', userId: 'u1', userPrincipalName: 'u1@x.example', displayName: 'U One' },
    ]);
  });

  it('any other failure of one group still fails the source', async () => {
    const sim = await groupServer({ status: 403, code: 'Authorization_RequestDenied' });
    const { records } = await run(sim.url, [roleAssignments, roleGroupMembers]);
    expect(records.find((x) => x.id === 'roleGroupMembers')).toMatchObject({ status: 'forbidden', httpStatus: 403 });
  });
});
