/** Issue #3: each credential mode is built with the right @azure/identity class and options (no network). */
import {
  AzureCliCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  DeviceCodeCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
} from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { createCredential, credentialPlan, DEFAULT_PUBLIC_CLIENT_ID, type AuthOptions } from '../../src/graph/credentials.js';

const T = '11111111-2222-3333-4444-555555555555';
const opts = (over: Partial<AuthOptions>): AuthOptions => ({ mode: 'default', cloud: 'global', tenantId: T, env: {}, ...over });

describe('credentialPlan', () => {
  it('default: DefaultAzureCredential with tenant and the cloud authority', () => {
    expect(credentialPlan(opts({ cloud: 'usgov' }))).toEqual({
      kind: 'DefaultAzureCredential',
      options: { tenantId: T, authorityHost: 'https://login.microsoftonline.us' },
    });
  });
  it('secret: needs a client id and AZURE_CLIENT_SECRET, names what is missing', () => {
    expect(() => credentialPlan(opts({ mode: 'secret', env: { AZURE_CLIENT_ID: 'c' } }))).toThrow(/AZURE_CLIENT_SECRET/);
    expect(() => credentialPlan(opts({ mode: 'secret', env: { AZURE_CLIENT_SECRET: 's' } }))).toThrow(/--client-id or AZURE_CLIENT_ID/);
    expect(credentialPlan(opts({ mode: 'secret', clientId: 'c', env: { AZURE_CLIENT_SECRET: 's' }, cloud: 'china' }))).toEqual({
      kind: 'ClientSecretCredential', tenantId: T, clientId: 'c', options: { authorityHost: 'https://login.chinacloudapi.cn' },
    });
  });
  it('certificate: PEM path from option or env; password only from env', () => {
    expect(() => credentialPlan(opts({ mode: 'certificate', clientId: 'c' }))).toThrow(/--certificate-path or AZURE_CLIENT_CERTIFICATE_PATH/);
    expect(credentialPlan(opts({ mode: 'certificate', clientId: 'c', env: { AZURE_CLIENT_CERTIFICATE_PATH: '/k.pem', AZURE_CLIENT_CERTIFICATE_PASSWORD: 'p' } })))
      .toMatchObject({ kind: 'ClientCertificateCredential', certificatePath: '/k.pem', hasPassword: true });
  });
  it('device-code: defaults to the Microsoft Graph Command Line Tools public client', () => {
    expect(credentialPlan(opts({ mode: 'device-code' }))).toMatchObject({ kind: 'DeviceCodeCredential', options: { clientId: DEFAULT_PUBLIC_CLIENT_ID } });
  });
  it('managed-identity: system-assigned, or user-assigned by client id', () => {
    expect(credentialPlan(opts({ mode: 'managed-identity' }))).toEqual({ kind: 'ManagedIdentityCredential', clientId: null });
    expect(credentialPlan(opts({ mode: 'managed-identity', clientId: 'ua' }))).toEqual({ kind: 'ManagedIdentityCredential', clientId: 'ua' });
  });
  it('workload-identity: client id and federated token file', () => {
    expect(() => credentialPlan(opts({ mode: 'workload-identity', clientId: 'c' }))).toThrow(/AZURE_FEDERATED_TOKEN_FILE/);
    expect(credentialPlan(opts({ mode: 'workload-identity', env: { AZURE_CLIENT_ID: 'c', AZURE_FEDERATED_TOKEN_FILE: '/t' } }))).toEqual({
      kind: 'WorkloadIdentityCredential',
      options: { tenantId: T, clientId: 'c', tokenFilePath: '/t', authorityHost: 'https://login.microsoftonline.com' },
    });
  });
  it('token: needs ENTRA_AUTH_AUDIT_TOKEN', () => {
    expect(() => credentialPlan(opts({ mode: 'token' }))).toThrow(/ENTRA_AUTH_AUDIT_TOKEN/);
    expect(credentialPlan(opts({ mode: 'token', env: { ENTRA_AUTH_AUDIT_TOKEN: 'x' } }))).toEqual({ kind: 'StaticToken' });
  });
  it('missing settings are usage errors (exit 2)', () => {
    const e = (() => { try { credentialPlan(opts({ mode: 'secret' })); } catch (err) { return err as { exitCode: number }; } })();
    expect(e?.exitCode).toBe(2);
  });
});

describe('createCredential builds the matching class', () => {
  const cases: [AuthOptions, unknown][] = [
    [opts({}), DefaultAzureCredential],
    [opts({ mode: 'secret', clientId: 'c', env: { AZURE_CLIENT_SECRET: 's' } }), ClientSecretCredential],
    [opts({ mode: 'certificate', clientId: 'c', certificatePath: '/nonexistent.pem' }), ClientCertificateCredential],
    [opts({ mode: 'device-code' }), DeviceCodeCredential],
    [opts({ mode: 'managed-identity', clientId: 'ua' }), ManagedIdentityCredential],
    [opts({ mode: 'azure-cli' }), AzureCliCredential],
    [opts({ mode: 'workload-identity', clientId: 'c', federatedTokenFile: '/t' }), WorkloadIdentityCredential],
  ];
  for (const [o, cls] of cases) {
    it(o.mode, () => {
      const plan = credentialPlan(o);
      if (plan.kind === 'StaticToken') throw new Error('unexpected');
      expect(createCredential(plan, o)).toBeInstanceOf(cls as new (...a: never[]) => unknown);
    });
  }
});
