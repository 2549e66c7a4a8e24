/**
 * Builds the token source for the Graph client. Only src/graph imports @azure/identity.
 * Tokens never leave this module except inside the Authorization header of a Graph request.
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { UsageError } from '../errors.js';
import { CLOUDS, type CloudName } from './clouds.js';

export const AUTH_MODES = ['default', 'token'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const TOKEN_ENV = 'ENTRA_AUTH_AUDIT_TOKEN';

export interface AuthOptions {
  mode: AuthMode;
  cloud: CloudName;
  tenantId: string;
  env: NodeJS.ProcessEnv;
}

/** A static bearer token (from ENTRA_AUTH_AUDIT_TOKEN), for CI jobs that obtain a token elsewhere, and the simulator. */
class StaticTokenProvider implements AuthenticationProvider {
  constructor(private readonly token: string) {}
  getAccessToken(): Promise<string> {
    return Promise.resolve(this.token);
  }
}

export function createAuthProvider(opts: AuthOptions): AuthenticationProvider {
  if (opts.mode === 'token') {
    const token = opts.env[TOKEN_ENV]?.trim();
    if (!token) {
      throw new UsageError(
        `--auth token needs a bearer token in the environment variable ${TOKEN_ENV}; it is empty or not set. ` +
          `Set it (for example from 'az account get-access-token --resource-type ms-graph --query accessToken -o tsv') or choose another --auth mode.`,
      );
    }
    return new StaticTokenProvider(token);
  }
  const cloud = CLOUDS[opts.cloud];
  const credential: TokenCredential = new DefaultAzureCredential({
    tenantId: opts.tenantId,
    authorityHost: cloud.authorityHost,
  });
  return new TokenCredentialAuthenticationProvider(credential, { scopes: [cloud.scope] });
}
