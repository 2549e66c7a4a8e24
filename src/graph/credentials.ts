/**
 * Builds the token source for the Graph client. Only src/graph imports @azure/identity.
 *
 * Two steps so each mode is testable without a network: credentialPlan() decides the @azure/identity class and its
 * options from the CLI options and the standard AZURE_* variables (and names exactly what is missing), and
 * createCredential() constructs it. Secrets are read only from the environment, never from the command line
 * (visible in `ps` and CI logs), and never leave this module except inside a Graph Authorization header.
 */
import {
  AzureCliCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  DeviceCodeCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { UsageError } from '../errors.js';
import { AUTH_MODES, TOKEN_ENV, type AuthMode } from './auth-modes.js';
import { CLOUDS, type CloudName } from './clouds.js';

export { AUTH_MODES, TOKEN_ENV, type AuthMode };

export interface AuthOptions {
  mode: AuthMode;
  cloud: CloudName;
  tenantId: string;
  /** app (client) id; falls back to AZURE_CLIENT_ID */
  clientId?: string;
  /** PEM file with the private key and certificate; falls back to AZURE_CLIENT_CERTIFICATE_PATH */
  certificatePath?: string;
  /** federated token file (GitHub Actions, Kubernetes); falls back to AZURE_FEDERATED_TOKEN_FILE */
  federatedTokenFile?: string;
  env: NodeJS.ProcessEnv;
  /** where device-code prompts go (stderr in the CLI) */
  prompt?: (message: string) => void;
}

export type CredentialPlan =
  | { kind: 'DefaultAzureCredential'; options: { tenantId: string; authorityHost: string; managedIdentityClientId?: string } }
  | { kind: 'ClientSecretCredential'; tenantId: string; clientId: string; options: { authorityHost: string } }
  | { kind: 'ClientCertificateCredential'; tenantId: string; clientId: string; certificatePath: string; hasPassword: boolean; options: { authorityHost: string } }
  | { kind: 'DeviceCodeCredential'; options: { tenantId: string; clientId: string; authorityHost: string } }
  | { kind: 'ManagedIdentityCredential'; clientId: string | null }
  | { kind: 'AzureCliCredential'; options: { tenantId: string } }
  | { kind: 'WorkloadIdentityCredential'; options: { tenantId: string; clientId: string; tokenFilePath: string; authorityHost: string } }
  | { kind: 'StaticToken' };

/** Microsoft Graph Command Line Tools, the public client Microsoft documents for device-code sign-in to Graph. */
export const DEFAULT_PUBLIC_CLIENT_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';

function need(value: string | undefined, what: string): string {
  const v = value?.trim();
  if (!v) throw new UsageError(`${what} is missing.`);
  return v;
}

export function credentialPlan(opts: AuthOptions): CredentialPlan {
  const env = opts.env;
  const authorityHost = CLOUDS[opts.cloud].authorityHost;
  const tenantId = opts.tenantId;
  const clientId = opts.clientId ?? env.AZURE_CLIENT_ID;
  const mode = `--auth ${opts.mode}`;
  switch (opts.mode) {
    case 'default':
      return {
        kind: 'DefaultAzureCredential',
        options: { tenantId, authorityHost, ...(clientId ? { managedIdentityClientId: clientId } : {}) },
      };
    case 'secret':
      need(env.AZURE_CLIENT_SECRET, `${mode}: the client secret (environment variable AZURE_CLIENT_SECRET; it is never taken from the command line)`);
      return {
        kind: 'ClientSecretCredential',
        tenantId,
        clientId: need(clientId, `${mode}: the application (client) id (--client-id or AZURE_CLIENT_ID)`),
        options: { authorityHost },
      };
    case 'certificate':
      return {
        kind: 'ClientCertificateCredential',
        tenantId,
        clientId: need(clientId, `${mode}: the application (client) id (--client-id or AZURE_CLIENT_ID)`),
        certificatePath: need(
          opts.certificatePath ?? env.AZURE_CLIENT_CERTIFICATE_PATH,
          `${mode}: the PEM certificate file (--certificate-path or AZURE_CLIENT_CERTIFICATE_PATH)`,
        ),
        hasPassword: Boolean(env.AZURE_CLIENT_CERTIFICATE_PASSWORD),
        options: { authorityHost },
      };
    case 'device-code':
      return { kind: 'DeviceCodeCredential', options: { tenantId, clientId: clientId ?? DEFAULT_PUBLIC_CLIENT_ID, authorityHost } };
    case 'managed-identity':
      return { kind: 'ManagedIdentityCredential', clientId: clientId ?? null };
    case 'azure-cli':
      return { kind: 'AzureCliCredential', options: { tenantId } };
    case 'workload-identity':
      return {
        kind: 'WorkloadIdentityCredential',
        options: {
          tenantId,
          clientId: need(clientId, `${mode}: the application (client) id (--client-id or AZURE_CLIENT_ID)`),
          tokenFilePath: need(
            opts.federatedTokenFile ?? env.AZURE_FEDERATED_TOKEN_FILE,
            `${mode}: the federated token file (--federated-token-file or AZURE_FEDERATED_TOKEN_FILE)`,
          ),
          authorityHost,
        },
      };
    case 'token':
      need(
        env[TOKEN_ENV],
        `--auth token: a bearer token in the environment variable ${TOKEN_ENV} (for example from ` +
          `'az account get-access-token --resource-type ms-graph --query accessToken -o tsv'); choose another --auth mode otherwise`,
      );
      return { kind: 'StaticToken' };
  }
}

export function createCredential(plan: Exclude<CredentialPlan, { kind: 'StaticToken' }>, opts: AuthOptions): TokenCredential {
  const env = opts.env;
  switch (plan.kind) {
    case 'DefaultAzureCredential':
      return new DefaultAzureCredential(plan.options);
    case 'ClientSecretCredential':
      return new ClientSecretCredential(plan.tenantId, plan.clientId, env.AZURE_CLIENT_SECRET!.trim(), plan.options);
    case 'ClientCertificateCredential':
      return new ClientCertificateCredential(
        plan.tenantId,
        plan.clientId,
        { certificatePath: plan.certificatePath, ...(plan.hasPassword ? { certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD! } : {}) },
        plan.options,
      );
    case 'DeviceCodeCredential':
      return new DeviceCodeCredential({
        ...plan.options,
        userPromptCallback: (info) => (opts.prompt ?? ((m: string) => process.stderr.write(`${m}\n`)))(info.message),
      });
    case 'ManagedIdentityCredential':
      return plan.clientId ? new ManagedIdentityCredential({ clientId: plan.clientId }) : new ManagedIdentityCredential();
    case 'AzureCliCredential':
      return new AzureCliCredential(plan.options);
    case 'WorkloadIdentityCredential':
      return new WorkloadIdentityCredential(plan.options);
  }
}

/** A static bearer token (from ENTRA_AUTH_AUDIT_TOKEN), for CI jobs that obtain a token elsewhere, and the simulator. */
class StaticTokenProvider implements AuthenticationProvider {
  constructor(private readonly token: string) {}
  getAccessToken(): Promise<string> {
    return Promise.resolve(this.token);
  }
}

export function createAuthProvider(opts: AuthOptions): AuthenticationProvider {
  const plan = credentialPlan(opts);
  if (plan.kind === 'StaticToken') return new StaticTokenProvider(opts.env[TOKEN_ENV]!.trim());
  return new TokenCredentialAuthenticationProvider(createCredential(plan, opts), { scopes: [CLOUDS[opts.cloud].scope] });
}
