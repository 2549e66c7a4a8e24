/** Options shared by several commands, declared once so their names and help stay identical. */
import type { Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { SEVERITIES, type Severity } from '../../results/schema.js';
import { CLOUD_NAMES, type CloudName } from '../../graph/clouds.js';
import { AUTH_MODES, TOKEN_ENV, type AuthMode } from '../../graph/auth-modes.js';

export interface GlobalArgs {
  quiet: boolean;
  'log-format': 'text' | 'json';
}

export function withConfig<T>(y: Argv<T>) {
  return y.option('config', { type: 'string', describe: 'Config file (JSON): organisation branding and thresholds' });
}

export function withFailOn<T>(y: Argv<T>) {
  return y.option('fail-on', {
    choices: SEVERITIES.filter((s) => s !== 'info') as Severity[],
    describe: 'Exit 3 when a check of this severity or higher fails',
  });
}

export function withRender<T>(y: Argv<T>) {
  return y
    .option('pdf', { type: 'boolean', default: true, describe: 'Print audit.pdf with Chromium (--no-pdf to skip)' })
    .option('browser', { type: 'string', describe: 'Chromium executable for the PDF (default: PUPPETEER_EXECUTABLE_PATH, /usr/bin/chromium)' })
    .option('pdf-tagged', { type: 'boolean', default: false, describe: 'Tagged (accessible) PDF with its own outline; larger and slower' })
    .option('templates', { type: 'string', describe: 'Folder of *.hbs partials (and brand.css) replacing the built-in ones; default report.templatesDir' })
    .option('redact', {
      type: 'string',
      describe:
        'Pseudonymised copy: UPNs and names replaced by keyed HMAC pseudonyms (key: ENTRA_AUTH_AUDIT_REDACT_KEY or --redact-key-file); --redact=aggregate omits per-user rows',
      coerce: (v: string | undefined) => {
        if (v === undefined) return undefined;
        if (v === '' || v === 'pseudonymise' || v === 'pseudonymize') return 'pseudonymise';
        if (v === 'aggregate') return 'aggregate';
        throw new Error(`--redact takes no value, or 'aggregate'; got '${v}'`);
      },
    })
    .option('redact-key-file', { type: 'string', describe: 'File holding the redaction key (at least 16 bytes)' })
    .option('redact-mapping', { type: 'string', describe: 'Also write the pseudonym → original mapping (CSV, mode 0600) to this file, outside the pack' });
}

export function withCollect<T>(y: Argv<T>, tenantRequired = true) {
  return y
    .option('tenant', { type: 'string', demandOption: tenantRequired, describe: 'Tenant id (GUID) or primary domain' })
    .option('auth', {
      choices: AUTH_MODES as unknown as AuthMode[],
      default: 'default' as AuthMode,
      describe:
        'Credential: default (DefaultAzureCredential chain), secret (AZURE_CLIENT_SECRET), certificate (PEM; password in ' +
        'AZURE_CLIENT_CERTIFICATE_PASSWORD), device-code, managed-identity, azure-cli, workload-identity (federated token file), ' +
        `token (bearer token from ${TOKEN_ENV})`,
    })
    .option('client-id', { type: 'string', describe: 'Application (client) id; default AZURE_CLIENT_ID' })
    .option('certificate-path', { type: 'string', describe: 'PEM certificate for --auth certificate; default AZURE_CLIENT_CERTIFICATE_PATH' })
    .option('federated-token-file', { type: 'string', describe: 'Token file for --auth workload-identity; default AZURE_FEDERATED_TOKEN_FILE' })
    .option('cloud', { choices: CLOUD_NAMES, default: 'global' as CloudName, describe: 'National cloud' })
    .option('graph-url', {
      type: 'string',
      describe: 'Send every request to another Graph-compatible endpoint (http only on loopback, e.g. the simulator)',
    })
    .option('allow-partial', {
      type: 'boolean',
      default: false,
      describe: 'Exit 0 even when some sources could not be collected (otherwise exit 6; the pack says which)',
    })
    .option('request-timeout', { type: 'number', default: 120, describe: 'Seconds one request may take before it is abandoned and retried' })
    .option('concurrency', { type: 'number', default: 3, describe: 'Sources fetched at once (they share the request budget)' })
    .option('max-pages', {
      type: 'number',
      describe: 'Most pages one source may take before it is stopped as an error (default 100000, and fewer once a report states the user count)',
    })
    .option('max-rows', {
      type: 'number',
      describe: 'Most rows one source may write before it is stopped as an error (default twice the user count plus 10000 once known, else 50000000)',
    })
    .option('rate', {
      type: 'string',
      describe: "Request budget N/SECONDS per tenant for the reports (default 5/10 on Microsoft Graph, none with --graph-url), or 'off'",
    })
    .option('directory-rate', {
      type: 'string',
      describe: "Request budget N/SECONDS per tenant for role and group sources (default 50/10 on Microsoft Graph, none with --graph-url), or 'off'",
    });
}

/** CI outputs beside the pack (the Markdown job summary needs no option: it follows $GITHUB_STEP_SUMMARY). */
export function withCiOutputs<T>(y: Argv<T>) {
  return y
    .option('junit', { type: 'string', describe: 'Also write JUnit XML to this file: one test case per check, for CI test tabs' })
    .option('json', { type: 'boolean', default: false, describe: 'Print a one-object JSON summary on stdout (instead of the file path)' });
}

/** The synthetic tenant's shape, shared by demo and simulate. */
export function withSimTenant<T>(y: Argv<T>) {
  return y
    .option('users', { type: 'number', default: 2000, describe: 'Number of users in the synthetic tenant' })
    .option('seed', { type: 'number', default: 1, describe: 'Seed: the same seed and user count give the same tenant' })
    .option('profile', { choices: ['typical', 'clean', 'poor'] as const, default: 'typical' as const, describe: 'How well the synthetic tenant is run' })
    .option('quarter', { type: 'number', default: 0, describe: 'Quarters of improvement after the baseline (same users, later asOf)' });
}

/** Validates the options of withSimTenant, naming the bad one (exit 2). */
export function checkSimTenant(argv: Record<string, any>): void {
  if (!Number.isInteger(argv.users) || argv.users < 1) throw new UsageError('--users must be a whole number of at least 1.');
  if (!Number.isInteger(argv.quarter) || argv.quarter < 0 || argv.quarter > 40) throw new UsageError('--quarter must be a whole number from 0 to 40.');
}
