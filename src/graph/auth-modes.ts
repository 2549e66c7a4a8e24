/** The --auth modes, apart from credentials.ts so the CLI can list them without loading @azure/identity. */
export const AUTH_MODES = [
  'default',
  'secret',
  'certificate',
  'device-code',
  'managed-identity',
  'azure-cli',
  'workload-identity',
  'token',
] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const TOKEN_ENV = 'ENTRA_AUTH_AUDIT_TOKEN';
