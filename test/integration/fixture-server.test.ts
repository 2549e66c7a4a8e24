/**
 * Issue #2 acceptance: `collect --graph-url http://127.0.0.1:PORT --auth token` works against any small server that
 * speaks the report routes — here a hand-written fixture server, not the simulator.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'fixture-token-9f8e7d';
const user = (id: string, upn: string, over: Record<string, unknown>) => ({
  id, userPrincipalName: upn, userDisplayName: upn.split('@')[0], userType: 'member', isAdmin: false,
  isMfaCapable: true, isMfaRegistered: true, isPasswordlessCapable: false, isSsprCapable: false, isSsprEnabled: false,
  isSsprRegistered: false, isSystemPreferredAuthenticationMethodEnabled: true, lastUpdatedDateTime: '2026-11-01T00:00:00Z',
  methodsRegistered: ['microsoftAuthenticatorPush'], systemPreferredAuthenticationMethods: ['push'],
  userPreferredMethodForSecondaryAuthentication: 'push', ...over,
});
const USERS = [
  user('u1', 'ann@fixture.example', { isAdmin: true, methodsRegistered: ['fido2SecurityKey', 'microsoftAuthenticatorPush'] }),
  user('u2', 'bob@fixture.example', { methodsRegistered: ['mobilePhone'] }),
  user('u3', 'cy@fixture.example', { isMfaCapable: false, isMfaRegistered: false, methodsRegistered: [], userPreferredMethodForSecondaryAuthentication: '' }),
  user('g1', 'guest_ext#EXT#@fixture.example', { userType: 'guest', isMfaCapable: false }),
];

let server: Server;
let base = '';
const authHeaders: string[] = [];
const paths: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    authHeaders.push(req.headers.authorization ?? '');
    const url = new URL(req.url ?? '/', base);
    const path = decodeURIComponent(url.pathname);
    paths.push(path);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: { code: 'InvalidAuthenticationToken', message: 'bad token' } });
    if (path === '/v1.0/reports/authenticationMethods/userRegistrationDetails') {
      const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
      const page = USERS.slice(skip, skip + 2);
      const next = skip + 2 < USERS.length ? `${base}${path}?$skiptoken=${skip + 2}` : undefined;
      return send(200, { value: page, ...(next ? { '@odata.nextLink': next } : {}) });
    }
    if (path.includes('usersRegisteredByFeature(')) return send(200, { totalUserCount: 4, userRegistrationFeatureCounts: [], userTypes: 'all', userRoles: 'all' });
    if (path.includes('usersRegisteredByMethod(')) return send(200, { totalUserCount: 4, userRegistrationMethodCounts: [], userTypes: 'all', userRoles: 'all' });
    if (path === '/v1.0/roleManagement/directory/roleAssignments') {
      return send(200, { value: [{ id: 'ra1', principalId: 'u1', roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10', directoryScopeId: '/',
        principal: { '@odata.type': '#microsoft.graph.user', id: 'u1', userPrincipalName: 'ann@fixture.example', displayName: 'ann' } }] });
    }
    if (path.includes('userRegistrationActivity(')) {
      return send(200, { value: [
        { id: 'a', feature: 'reset', authMethod: 'email', successfulActivityCount: 9, failureActivityCount: 1 },
        { id: 'b', feature: 'registration', authMethod: 'mobileSMS', successfulActivityCount: 3, failureActivityCount: 1 },
      ] });
    }
    return send(200, { value: [] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${addr.port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('collects and analyzes from a hand-written Graph-compatible server', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eaa-fixture-'));
  const res = await runCli(
    ['collect', '--tenant', 'fixture', '--auth', 'token', '--graph-url', base, '--out', join(dir, 'snap')],
    { ENTRA_AUTH_AUDIT_TOKEN: TOKEN },
  );
  expect(res.code, res.stderr).toBe(0);
  expect(authHeaders.every((h) => h === `Bearer ${TOKEN}`)).toBe(true);
  expect(paths).toContain("/v1.0/reports/authenticationMethods/usersRegisteredByFeature(includedUserTypes='guest',includedUserRoles='privilegedAdmin')");
  const manifest = JSON.parse(await readFile(join(dir, 'snap', 'manifest.json'), 'utf8'));
  expect(manifest.endpoint).toBe(base);
  expect(manifest.sources.find((s: { id: string }) => s.id === 'userRegistrationDetails')).toMatchObject({ status: 'ok', pages: 2, records: 4 });

  const an = await runCli(['analyze', join(dir, 'snap'), '--out', join(dir, 'out')]);
  expect(an.code, an.stderr).toBe(0);
  const { metrics } = JSON.parse(await readFile(join(dir, 'out', 'results.json'), 'utf8'));
  expect(metrics['users.in_scope']).toEqual({ value: 3 });
  expect(metrics['users.guests']).toEqual({ value: 1 });
  expect(metrics['mfa.capable']).toEqual({ value: 0.6667, numerator: 2, denominator: 3 });
  expect(metrics['mfa.phone_only']).toEqual({ value: 0.3333, numerator: 1, denominator: 3 });
  expect(metrics['phishing_resistant.registered']).toEqual({ value: 0.3333, numerator: 1, denominator: 3 });
  expect(metrics['admins.phishing_resistant']).toEqual({ value: 1, numerator: 1, denominator: 1 });
  expect(metrics['guests.mfa_capable']).toEqual({ value: 0, numerator: 0, denominator: 1 });
  expect(metrics['sspr.reset.failure_rate']).toEqual({ value: 0.1, numerator: 1, denominator: 10 });
  expect(metrics['registration.failure_rate']).toEqual({ value: 0.25, numerator: 1, denominator: 4 });
  expect(metrics['methods.registered.mobilePhone']).toEqual({ value: 1 });
  expect(metrics['admins.total']).toEqual({ value: 1 });
  expect(metrics['data.admin_flag_mismatch']).toEqual({ value: 0 });
});

it('refuses plain http to a non-loopback host (the token would travel in clear)', async () => {
  const res = await runCli(
    ['collect', '--tenant', 'x', '--auth', 'token', '--graph-url', 'http://graph.example.com', '--out', join(tmpdir(), 'never')],
    { ENTRA_AUTH_AUDIT_TOKEN: TOKEN },
  );
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('--graph-url');
});

it('names the missing token variable', async () => {
  const res = await runCli(['collect', '--tenant', 'x', '--auth', 'token', '--graph-url', base, '--out', join(tmpdir(), 'never')], {
    ENTRA_AUTH_AUDIT_TOKEN: '',
  });
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('ENTRA_AUTH_AUDIT_TOKEN');
});
