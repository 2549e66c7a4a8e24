/**
 * verify, sign, keygen: evidence integrity for snapshots and packs (src/verify). Exit 0 when every check passes,
 * 5 (SnapshotError) when any fails, 2 (UsageError) for a bad path, key or option. The last line counts the checks:
 * "verified: N checks ok, 0 failed, K skipped; …" or "verification failed: F of N checks failed, K skipped (…)".
 */
import type { CommandModule } from 'yargs';
import { SnapshotError } from '../../errors.js';
import { markAll } from '../../text/visible.js';
import { generateKeyPair, PASSPHRASE_ENV } from '../../verify/signing.js';
import { signPath, verifyPath, type VerifyCheck, type VerifyReport } from '../../verify/verify.js';
import { createLog, type Log } from '../output.js';
import type { GlobalArgs } from './common.js';

const LABEL: Record<VerifyCheck['status'], string> = { ok: 'ok  ', fail: 'FAIL', skip: 'skip' };

/**
 * Paths and details can carry text from the files checked (a hostile manifest's file names): control characters
 * become visible markers so they cannot drive the terminal (ANSI escapes, carriage returns hiding a FAIL).
 */
export function printable(s: string): string {
  return markAll(s);
}

export function formatCheck(c: VerifyCheck): string {
  return `${LABEL[c.status]}  ${printable(c.file)}  ${printable(c.detail)}`;
}

function finish(report: VerifyReport, log: Log, json: boolean): void {
  if (json) log.out(JSON.stringify(report, null, 2));
  const ok = report.checks.filter((c) => c.status === 'ok').length;
  const { skipped } = report;
  if (!report.ok) {
    const files = [...new Set(report.checks.filter((c) => c.status === 'fail').map((c) => printable(c.file)))];
    throw new SnapshotError(
      `verification failed: ${report.failed} of ${report.checks.length} checks failed, ${skipped} skipped (${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}). ` +
        'Restore the evidence from its archive, or collect and analyze again.',
    );
  }
  if (json) return;
  const snapshot = report.manifestSha256 ? `snapshot manifest SHA-256 ${report.manifestSha256}` : 'no snapshot checked';
  const pack = report.packManifestSha256 ? `; pack manifest SHA-256 ${report.packManifestSha256}` : '';
  log.out(`verified: ${ok} checks ok, 0 failed, ${skipped} skipped; ${snapshot}${pack}`);
}

export const verifyCommand: CommandModule<GlobalArgs, any> = {
  command: 'verify <path>',
  describe: 'Check every hash of a snapshot or an audit pack, every file of the pack (and the signatures with --key)',
  builder: (y) =>
    y
      .positional('path', {
        type: 'string',
        demandOption: true,
        describe: 'Snapshot folder (manifest.json) or pack folder (results.json, pack-manifest.json)',
      })
      .option('snapshot', { type: 'string', describe: "The pack's snapshot folder (default PATH/snapshot)" })
      .option('key', {
        type: 'string',
        describe: 'Ed25519 public key (PEM): manifest.json.sig must be a valid signature, and pack-manifest.json.sig when present',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print the checks as JSON instead of lines' })
      .example('$0 verify output/2026-q4 --key keys/signing-key.pub.pem', 'verify a pack, its snapshot and the signature'),
  handler: async (argv) => {
    const log = createLog(argv);
    const json = Boolean(argv.json);
    const report = await verifyPath({
      path: argv.path,
      snapshotDir: argv.snapshot,
      publicKeyPath: argv.key,
      onCheck: json ? undefined : (c) => log.out(formatCheck(c)),
    });
    finish(report, log, json);
  },
};

export const signCommand: CommandModule<GlobalArgs, any> = {
  command: 'sign <path>',
  describe:
    'Verify a snapshot or a pack, then sign it: manifest.json.sig for a snapshot, pack-manifest.json.sig for a pack (detached Ed25519 signatures)',
  builder: (y) =>
    y
      .positional('path', {
        type: 'string',
        demandOption: true,
        describe: 'Snapshot folder (from collect) or pack folder (from render: pack-manifest.json; its snapshot is signed too if it is not yet)',
      })
      .option('snapshot', { type: 'string', describe: "The pack's snapshot folder (default PATH/snapshot)" })
      .option('key', {
        type: 'string',
        demandOption: true,
        describe: `Ed25519 private key (PEM, from keygen); passphrase in ${PASSPHRASE_ENV} if it is encrypted`,
      })
      .option('force', { type: 'boolean', default: false, describe: 'Replace an existing signature' }),
  handler: async (argv) => {
    const log = createLog(argv);
    const outcome = await signPath({
      path: argv.path,
      snapshotDir: argv.snapshot,
      privateKeyPath: argv.key,
      force: argv.force,
      onCheck: (c) => {
        if (c.status === 'fail') log.out(formatCheck(c));
      },
    });
    if (!outcome.signaturePath) return finish(outcome.report, log, false); // throws: never sign tampered evidence
    const { fingerprint, report } = outcome;
    if (outcome.snapshotSignaturePath) {
      log.out(`signed: ${printable(outcome.snapshotSignaturePath)} (key ${fingerprint}, manifest SHA-256 ${report.manifestSha256})`);
    }
    if (outcome.kind === 'snapshot') log.out(`signed: ${printable(outcome.signaturePath)} (key ${fingerprint}, manifest SHA-256 ${report.manifestSha256})`);
    else log.out(`signed: ${printable(outcome.signaturePath)} (key ${fingerprint}, pack manifest SHA-256 ${report.packManifestSha256})`);
  },
};

export const keygenCommand: CommandModule<GlobalArgs, any> = {
  command: 'keygen',
  describe: 'Create an Ed25519 key pair for sign/verify (private key file mode 0600)',
  builder: (y) =>
    y.option('out', { type: 'string', demandOption: true, describe: 'Folder for signing-key.pem and signing-key.pub.pem (kept out of git)' }),
  handler: async (argv) => {
    const log = createLog(argv);
    const keys = await generateKeyPair(argv.out);
    log.out(`private key: ${printable(keys.privateKeyPath)} (mode 0600${keys.encrypted ? `, encrypted with ${PASSPHRASE_ENV}` : ''})`);
    log.out(`public key:  ${printable(keys.publicKeyPath)}`);
    log.out(`fingerprint: ${keys.fingerprint}`);
    log.info('Keep the private key secret and out of version control; give auditors the public key and its fingerprint.');
  },
};
