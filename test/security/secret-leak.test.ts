/**
 * Issue #8 §4: a recognisable fake bearer token, client secret and certificate password never appear — verbatim,
 * base64, URL-encoded, JSON-escaped or hex — in any output file, stdout or stderr, with the Azure SDK's verbose
 * logging on. Every mode runs through the real CLI:
 * - --auth token against the simulator on 127.0.0.1: collect → analyze → render, PDF included (`run`);
 * - --auth secret and --auth certificate: the token request to login.microsoftonline.com cannot succeed here (no
 *   network), so collect ends with exit 4 — within 30 s — and the failed snapshot is analysed and rendered too;
 * - --auth token against an endpoint that echoes the Authorization header in its error message, as a hostile or
 *   misconfigured proxy could: the recorded error messages must not carry the token into the evidence;
 * - --auth token against an endpoint whose @odata.nextLink and 302 redirects point at another host: the token never
 *   reaches it.
 * Every run has all three secrets in its environment, so a leak of any of them from any mode is caught; some runs log
 * as JSON lines (--log-format json), the others as text.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { exists, findSecrets, findSecretsInFiles, runCliWithin, secretForms, type TimedCliResult } from './helpers.js';

// Recognisable, and shaped like the real thing: Entra client secrets contain ~ . _ - and base64 characters.
const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eaaFakeBearerToken5d41402a.c2lnbmF0dXJlLWZha2U';
const CLIENT_SECRET = 'eaaFakeClientSecret~Q7f3a.9c1e_b2+d4/8Zx';
const CERT_PASSWORD = 'eaaFakeCertPassword!2b8e6d04 with space';
const SECRETS = [TOKEN, CLIENT_SECRET, CERT_PASSWORD];
const TENANT = '0f4a8b52-6c1d-4e7a-9b3e-2d5c7f901a44';
const CLIENT_ID = '5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
/** The CLI must give up on an unreachable token endpoint well before this (issue #8: no hang > 30 s). */
const DEADLINE_MS = 30_000;

/** Every run gets every secret, plus the Azure SDK's most verbose logging (the debug logging users turn on). */
const ENV = {
  ENTRA_AUTH_AUDIT_TOKEN: TOKEN,
  AZURE_CLIENT_SECRET: CLIENT_SECRET,
  AZURE_CLIENT_CERTIFICATE_PASSWORD: CERT_PASSWORD,
  AZURE_CLIENT_ID: CLIENT_ID,
  AZURE_TENANT_ID: TENANT,
  AZURE_LOG_LEVEL: 'verbose',
  // never append test output to a real CI job's summary
  GITHUB_STEP_SUMMARY: '',
};

let dir: string;
let sim: RunningSimulator;
let echo: Server;
let echoUrl = '';
/** An endpoint that sends the client elsewhere (nextLink and 302) to a "thief" that records what arrives. */
let diverting: Server;
let divertingUrl = '';
let thief: Server;
const thiefSaw: { url: string; authorization: string }[] = [];
let certPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-secrets-'));
  sim = await startSimulator({ tenant: createTenant({ seed: 8, users: 200 }), token: TOKEN });
  // A throwaway certificate file: an encrypted PKCS#8 key (the password is CERT_PASSWORD) and a certificate block.
  // @azure/identity only hashes the certificate's bytes (thumbprint) and decrypts the key before it calls the
  // network, so random bytes stand in for a real certificate.
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: CERT_PASSWORD },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const fakeCert = randomBytes(768).toString('base64').match(/.{1,64}/g)!.join('\n');
  certPath = join(await mkdtemp(join(tmpdir(), 'eaa-secrets-input-')), 'throwaway.pem');
  await writeFile(certPath, `${privateKey}-----BEGIN CERTIFICATE-----\n${fakeCert}\n-----END CERTIFICATE-----\n`, { mode: 0o600 });

  thief = createServer((req, res) => {
    thiefSaw.push({ url: req.url ?? '', authorization: req.headers.authorization ?? '' });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"value":[]}');
  });
  const thiefUrl = await listen(thief);
  diverting = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.endsWith('/userRegistrationDetails')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ value: [{ id: 'u1', userPrincipalName: 'a@x.example' }], '@odata.nextLink': `${thiefUrl}${path}?$skiptoken=2` }));
      return;
    }
    res.writeHead(302, { location: `${thiefUrl}${req.url ?? '/'}` });
    res.end();
  });
  divertingUrl = await listen(diverting);

  echo = createServer((req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: `Access token has expired: ${req.headers.authorization ?? ''}` } }));
  });
  echoUrl = await listen(echo);
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return `http://127.0.0.1:${addr.port}`;
}
afterAll(async () => {
  await sim?.close();
  for (const server of [echo, diverting, thief]) await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  name: string;
  results: TimedCliResult[];
  outputs: string[];
}

const collectArgs = (out: string, auth: string, url: string, extra: string[] = []) => [
  'collect', '--tenant', TENANT, '--auth', auth, '--graph-url', url, '--out', out, '--concurrency', '16', ...extra,
];
/** Diagnostics as JSON lines: the structured log must be as clean as the text one. */
const JSON_LOGS = ['--log-format', 'json'];

/** collect (expected to fail with exit 4), then analyze and render what it recorded. */
async function failingCollectThenPack(name: string, auth: string, url: string, extra: string[] = []): Promise<Run> {
  const base = join(dir, name);
  const collect = await runCliWithin(collectArgs(join(base, 'snap'), auth, url, extra), ENV, DEADLINE_MS);
  const results = [collect];
  // collect records the failed attempt in a manifest when it reached the sources; then the pack is made from it
  if (!collect.timedOut && (await exists(join(base, 'snap', 'manifest.json')))) {
    const analyze = await runCliWithin(['analyze', join(base, 'snap'), '--out', join(base, 'out')], ENV, DEADLINE_MS);
    results.push(analyze);
    if (analyze.code === 0) {
      results.push(await runCliWithin(['render', join(base, 'out', 'results.json'), '--out', join(base, 'out'), '--no-pdf'], ENV, DEADLINE_MS));
    }
  }
  return { name, results, outputs: [base] };
}

let runs: Run[];

describe('secrets never leak', () => {
  beforeAll(async () => {
    // independent: run them side by side (the failing modes spend their time waiting on retries)
    runs = await Promise.all([
      (async (): Promise<Run> => {
        const out = join(dir, 'token');
        // with the CI outputs too (JUnit XML, GitHub step summary), so they are searched as well
        const run = await runCliWithin(
          ['run', '--tenant', TENANT, '--auth', 'token', '--graph-url', sim.url, '--out', out, '--junit', join(out, 'junit.xml'), ...JSON_LOGS],
          { ...ENV, GITHUB_STEP_SUMMARY: join(dir, 'token-step-summary.md') },
          DEADLINE_MS * 2,
        );
        return { name: 'token', results: [run], outputs: [out, join(dir, 'token-step-summary.md')] };
      })(),
      failingCollectThenPack('secret', 'secret', sim.url, ['--client-id', CLIENT_ID, ...JSON_LOGS]),
      failingCollectThenPack('certificate', 'certificate', sim.url, ['--client-id', CLIENT_ID, '--certificate-path', certPath]),
      failingCollectThenPack('echoing-endpoint', 'token', echoUrl, JSON_LOGS),
      (async (): Promise<Run> => {
        const out = join(dir, 'diverting-endpoint');
        const run = await runCliWithin(collectArgs(out, 'token', divertingUrl), ENV, DEADLINE_MS);
        return { name: 'diverting-endpoint', results: [run], outputs: [out] };
      })(),
    ]);
  }, 120_000);

  it('the token run succeeds end to end (collect → analyze → render with PDF, JUnit, step summary)', async () => {
    const [run] = runs[0]!.results;
    expect(run!.code, run!.stderr).toBe(0);
    expect(sim.stats.requests).toBeGreaterThan(10);
    expect(await exists(join(dir, 'token', 'audit.pdf'))).toBe(true);
    expect(await exists(join(dir, 'token', 'junit.xml'))).toBe(true);
    expect(await exists(join(dir, 'token-step-summary.md'))).toBe(true);
  });

  it.each(['secret', 'certificate', 'echoing-endpoint'])('--auth %s fails fast with exit 4 and a clear message', (name) => {
    const run = runs.find((r) => r.name === name)!;
    const [collect, analyze, render] = run.results;
    expect(collect!.timedOut, `collect hung for ${collect!.ms} ms:\n${collect!.stderr.slice(-2000)}`).toBe(false);
    expect(collect!.ms).toBeLessThan(DEADLINE_MS);
    expect(collect!.code, collect!.stderr.slice(-2000)).toBe(4);
    // every source failed (exit 4 "nothing could be collected … Check the credentials"), or the sign-in itself did
    // (exit 4 "--auth <mode>: could not get a token: …") when collect asks for a token before the sources
    expect(collect!.stderr).toMatch(/(^error: |"msg":")(nothing could be collected .*Check the credentials|--auth [a-z-]+: could not get a token: )/m);
    if (analyze) {
      expect(analyze.code, analyze.stderr).toBe(0);
      expect(render?.code, render?.stderr).toBe(0);
    }
  });

  it('an endpoint that redirects or pages to another host never gets the token there', async () => {
    const [collect] = runs.find((r) => r.name === 'diverting-endpoint')!.results;
    expect(collect!.timedOut).toBe(false);
    expect(thiefSaw).toEqual([]);
    // the refusal is recorded, not silent: the paged source is an error naming the other host, not a short "ok"
    const manifest = JSON.parse(await readFile(join(dir, 'diverting-endpoint', 'manifest.json'), 'utf8')) as {
      sources: { id: string; status: string; errorMessage: string | null }[];
    };
    const urd = manifest.sources.find((s) => s.id === 'userRegistrationDetails')!;
    expect(urd.status).toBe('error');
    expect(urd.errorMessage).toMatch(/another host/);
  });

  it.each(['token', 'secret', 'certificate', 'echoing-endpoint', 'diverting-endpoint'])('--auth %s: no secret in stdout, stderr or any output file', async (name) => {
    const run = runs.find((r) => r.name === name)!;
    const hits: string[] = [];
    run.results.forEach((r, i) => {
      hits.push(...findSecrets(`${name} step ${i + 1} stdout`, r.stdout, SECRETS), ...findSecrets(`${name} step ${i + 1} stderr`, r.stderr, SECRETS));
    });
    const files = await findSecretsInFiles(run.outputs, SECRETS);
    hits.push(...files.hits);
    if (name === 'token') expect(files.files).toBeGreaterThan(10); // the search looked at a real pack, not an empty folder
    expect(hits).toEqual([]);
  });

  it('searches for the encoded forms too (self-test of the search)', () => {
    const text = `x=${encodeURIComponent(CLIENT_SECRET)}&y=${Buffer.from(`ab${CERT_PASSWORD}`).toString('base64')}`;
    const hits = findSecrets('probe', text, SECRETS);
    expect(hits.some((h) => h.includes(JSON.stringify(encodeURIComponent(CLIENT_SECRET))))).toBe(true);
    expect(hits.length).toBeGreaterThanOrEqual(2);
    expect(secretForms(TOKEN)).toContain(TOKEN);
    expect(findSecrets('clean', 'nothing here', SECRETS)).toEqual([]);
  });
});
