/**
 * The userMfaSignInSummary source (issue #15; graph-api.md §S, §F): beta, one request without query options (the
 * docs list none, so no $top), AuditLog.Read.All (application and delegated), licence and permission statuses as
 * for the other reports, and rows stored as Graph sends them, the docs' inconsistent sample (multi > total)
 * included: analysis validates the days, the collector does not.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFailure, collect } from '../../src/collector/collect.js';
import { probeRequest } from '../../src/collector/doctor.js';
import { SOURCES } from '../../src/collector/sources/index.js';
import { GraphTransport } from '../../src/graph/client.js';

const def = SOURCES.find((s) => s.id === 'userMfaSignInSummary')!;
const PATH = '/beta/reports/authenticationMethods/userMfaSignInSummary';

/** The docs' sample row (authenticationmethodsroot-list-usermfasigninsummary, beta): 100 + 9900 ≠ 1000. */
const DOC_SAMPLE = {
  '@odata.type': '#microsoft.graph.userMfaSignInSummary',
  id: '77ff7728-fa29-e570-c035-4e77f4ac00c5',
  createdDateTime: '2025-07-16T16:19:18Z',
  totalSignIns: 1000,
  singleFactorSignIns: 100,
  multiFactorSignIns: 9900,
};
const GOOD_DAY = { id: 'day-2', createdDateTime: '2025-07-17T00:00:00Z', totalSignIns: 50, singleFactorSignIns: 5, multiFactorSignIns: 45 };

let server: Server;
let url: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const body = req.url === PATH ? { '@odata.context': 'x', value: [DOC_SAMPLE, GOOD_DAY] } : { error: { code: 'Request_ResourceNotFound', message: 'not here' } };
    res.writeHead(req.url === PATH ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('source userMfaSignInSummary', () => {
  it('is registered once, beta, one request without query options, AuditLog.Read.All for apps too', () => {
    expect(def).toMatchObject({
      apiVersion: 'beta',
      requests: ['/reports/authenticationMethods/userMfaSignInSummary'],
      permission: 'AuditLog.Read.All',
    });
    expect(def.delegatedOnly).toBeUndefined();
    expect(def.retired).toBeUndefined();
    expect(def.requests[0]).not.toContain('?');
    expect(probeRequest(def)).toBe(def.requests[0]);
    expect(SOURCES.filter((s) => s.id === def.id)).toHaveLength(1);
  });

  it('is unavailable without Entra ID P1/P2 and forbidden, naming AuditLog.Read.All, without the permission', () => {
    const now = new Date('2026-11-01T00:00:00Z');
    const licence = classifyFailure(def, { status: 403, body: { error: { code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', message: "Neither tenant is B2C or tenant doesn't have premium license" } } }, now);
    expect(licence).toMatchObject({ status: 'unavailable', errorMessage: "Neither tenant is B2C or tenant doesn't have premium license (needs Microsoft Entra ID P1 or P2)" });
    const denied = classifyFailure(def, { status: 403, body: { error: { code: 'Authentication_MSGraphPermissionMissing', message: 'Calling principal does not have required MSGraph permissions AuditLog.Read.All' } } }, now);
    expect(denied).toMatchObject({ status: 'forbidden', errorMessage: 'Calling principal does not have required MSGraph permissions AuditLog.Read.All (needs AuditLog.Read.All)' });
  });

  it('stores the rows verbatim, the docs’ inconsistent sample included', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'eaa-mfa-signin-')), 'snap');
    const transport = new GraphTransport({
      authProvider: { getAccessToken: async () => 'token' },
      graphRoot: 'https://graph.microsoft.com',
      endpoint: url,
    });
    await collect({ transport, tenantId: '00000000-0000-0000-0000-000000000001', cloud: 'global', outDir: out, sources: [def] });
    expect(seen).toEqual([PATH]);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { sources: { id: string; status: string; records: number; file: string }[] };
    const source = manifest.sources.find((s) => s.id === def.id)!;
    expect(source).toMatchObject({ status: 'ok', records: 2 });
    const rows = (await readFile(join(out, source.file), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
    expect(rows).toEqual([DOC_SAMPLE, GOOD_DAY]);
  });
});
