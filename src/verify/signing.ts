/**
 * Detached Ed25519 signatures of a snapshot's manifest.json (node:crypto only).
 *
 * Why the manifest: it lists the SHA-256 and size of every source file, so one signature over its exact bytes
 * covers the whole snapshot; results.json names the manifest by its SHA-256, which extends the chain to the pack.
 * The signature is `manifest.json.sig` beside the manifest: the 64-byte signature, base64, one line. Nothing else
 * goes in it (no key id, no timestamp), so a verifier needs only node:crypto or `openssl pkeyutl -verify -rawin`.
 */
import { existsSync } from 'node:fs';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

export const SIGNATURE_FILE = 'manifest.json.sig';
export const PRIVATE_KEY_FILE = 'signing-key.pem';
export const PUBLIC_KEY_FILE = 'signing-key.pub.pem';
/** When set, keygen encrypts the private key with it (PKCS#8, AES-256-CBC) and sign uses it to decrypt. */
export const PASSPHRASE_ENV = 'ENTRA_AUTH_AUDIT_KEY_PASSPHRASE';

async function readKeyFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new UsageError(`--key ${path}: cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
}

function requireEd25519(key: KeyObject, path: string, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new UsageError(
      `--key ${path}: the ${what} is ${key.asymmetricKeyType ?? 'not an asymmetric key'}, not Ed25519; create one with 'entra-auth-audit keygen --out DIR'.`,
    );
  }
  return key;
}

/** An Ed25519 private key from a PEM file, decrypted with the passphrase in ENTRA_AUTH_AUDIT_KEY_PASSPHRASE when set. */
export async function loadPrivateKey(path: string, env: NodeJS.ProcessEnv = process.env): Promise<KeyObject> {
  const pem = await readKeyFile(path, 'private key');
  const passphrase = env[PASSPHRASE_ENV];
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' });
  } catch {
    // never echo the passphrase or the key bytes: only say which input is wrong
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem.toString('latin1'));
    const hint = encrypted ? `the key is encrypted and ${PASSPHRASE_ENV} is ${passphrase ? 'wrong' : 'not set'}` : 'not a PEM private key';
    throw new UsageError(`--key ${path}: cannot load the private key (${hint}).`);
  }
  return requireEd25519(key, path, 'private key');
}

/** An Ed25519 public key from a PEM file (a private key file is accepted too: its public half is used). */
export async function loadPublicKey(path: string): Promise<KeyObject> {
  const pem = await readKeyFile(path, 'public key');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new UsageError(`--key ${path}: not a PEM public key.`);
  }
  return requireEd25519(key, path, 'public key');
}

/** SHA-256 of the public key's SPKI DER, hex: printed by keygen, sign and verify so people can compare keys. */
export function keyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function signBytes(data: Buffer, privateKey: KeyObject): string {
  return sign(null, data, privateKey).toString('base64');
}

/** Base64 text of a signature file → bytes, or null when it is not a 64-byte base64 Ed25519 signature. */
export function decodeSignature(text: string): Buffer | null {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return null;
  const sig = Buffer.from(trimmed, 'base64');
  return sig.length === 64 ? sig : null;
}

export function verifyBytes(data: Buffer, signature: Buffer, publicKey: KeyObject): boolean {
  try {
    return verify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}

export interface GeneratedKeys {
  privateKeyPath: string;
  publicKeyPath: string;
  fingerprint: string;
  encrypted: boolean;
}

/**
 * Writes a new Ed25519 key pair to DIR/signing-key.pem (mode 0600, created exclusively: an existing key is never
 * overwritten) and DIR/signing-key.pub.pem. *.pem is git-ignored; keep the private key out of the repository.
 */
export async function generateKeyPair(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<GeneratedKeys> {
  const passphrase = env[PASSPHRASE_ENV];
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = passphrase
    ? privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
    : privateKey.export({ type: 'pkcs8', format: 'pem' });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' });
  const privateKeyPath = join(dir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(dir, PUBLIC_KEY_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [path, name] of [[privateKeyPath, PRIVATE_KEY_FILE], [publicKeyPath, PUBLIC_KEY_FILE]] as const) {
    if (existsSync(path)) {
      throw new UsageError(`--out ${dir}: ${name} already exists; keys are never overwritten. Choose another folder.`);
    }
  }
  try {
    // 'wx': fail if it exists; the mode applies at creation, before any byte is written
    await writeFile(privateKeyPath, privatePem, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(`--out ${dir}: ${PRIVATE_KEY_FILE} already exists; keys are never overwritten. Choose another folder.`);
    }
    throw new UsageError(`--out ${dir}: cannot write ${PRIVATE_KEY_FILE} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  try {
    await writeFile(publicKeyPath, publicPem, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    throw new UsageError(`--out ${dir}: cannot write ${PUBLIC_KEY_FILE} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  return { privateKeyPath, publicKeyPath, fingerprint: keyFingerprint(publicKey), encrypted: Boolean(passphrase) };
}
