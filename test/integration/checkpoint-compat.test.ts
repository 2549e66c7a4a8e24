/**
 * checkpoint.json keeps followed nextLinks as 64-bit hashes (it is rewritten after every commit and grew with
 * full URLs). A checkpoint written by 0.1.0 holds full URLs: --resume must still continue it, and still detect a
 * nextLink that repeats one of them.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../src/collector/collect.js';
import { userRegistrationDetails } from '../../src/collector/sources/user-registration-details.js';
import { GraphTransport } from '../../src/graph/client.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';

const tenant = createTenant({ seed: 7, users: 3000 });
let sim: RunningSimulator;
let transport: GraphTransport;
const pages: { rows: unknown[]; next: string }[] = [];

beforeAll(async () => {
  sim = await startSimulator({ tenant, token: 't' });
  transport = new GraphTransport({ authProvider: { getAccessToken: async () => 't' }, graphRoot: 'https://graph.microsoft.com', endpoint: sim.url });
  // the first three pages as the collector saw them: rows, and the canonical nextLink each one gave
  let url = `${sim.url}/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=999`;
  for (let i = 0; i < 3; i++) {
    const body = (await (await fetch(url, { headers: { authorization: 'Bearer t' } })).json()) as { value: unknown[]; '@odata.nextLink': string };
    pages.push({ rows: body.value, next: transport.canonicalLink(body['@odata.nextLink']) });
    url = body['@odata.nextLink'];
  }
});
afterAll(async () => sim?.close());

/** A folder as 0.1.0 left it after committing two pages: the .partial file and a checkpoint with full URLs. */
async function interrupted(seenLinks: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eaa-ckpt-'));
  const text = pages
    .slice(0, 2)
    .flatMap((p) => p.rows.map((r) => JSON.stringify(r) + '\n'))
    .join('');
  await writeFile(join(dir, 'userRegistrationDetails.ndjson.partial'), text);
  const now = new Date().toISOString();
  const checkpoint = {
    schemaVersion: 1,
    tenantId: tenant.tenantId,
    cloud: 'global',
    endpoint: transport.endpoint,
    startedAt: now,
    sources: {
      userRegistrationDetails: {
        state: 'running',
        requestIndex: 0,
        next: pages[1]!.next,
        seenLinks,
        pages: 2,
        records: 1998,
        duplicatesDropped: 0,
        bytes: Buffer.byteLength(text),
        prefixSha256: createHash('sha256').update(text).digest('hex'),
        deprecation: null,
        sunset: null,
        startedAt: now,
      },
    },
  };
  await writeFile(join(dir, 'checkpoint.json'), JSON.stringify(checkpoint, null, 2));
  return dir;
}

const resume = (dir: string) =>
  collect({ transport, tenantId: tenant.tenantId, cloud: 'global', outDir: dir, resume: true, sources: [userRegistrationDetails] });

describe('resuming a checkpoint written by 0.1.0 (full nextLink URLs)', () => {
  it('continues it to the same rows as an uninterrupted run', async () => {
    const dir = await interrupted([pages[0]!.next, pages[1]!.next]);
    const { manifest } = await resume(dir);
    expect(manifest.sources[0]).toMatchObject({ status: 'ok', records: 3000 });
    const full = await mkdtemp(join(tmpdir(), 'eaa-ckpt-full-'));
    await collect({ transport, tenantId: tenant.tenantId, cloud: 'global', outDir: full, sources: [userRegistrationDetails] });
    expect(await readFile(join(dir, 'userRegistrationDetails.ndjson'))).toEqual(await readFile(join(full, 'userRegistrationDetails.ndjson')));
  });

  it('still stops at a nextLink that repeats one recorded as a full URL', async () => {
    // page 3 answers with the link recorded here: a loop for the collector
    const dir = await interrupted([pages[0]!.next, pages[1]!.next, pages[2]!.next]);
    const { manifest } = await resume(dir);
    expect(manifest.sources[0]!.status).toBe('error');
    expect(manifest.sources[0]!.errorMessage).toMatch(/nextLink repeats/);
  });
});
