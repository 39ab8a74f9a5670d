// Secrets `npm start` generates once and keeps in the data folder (the dev API key, the embedded
// NATS passwords): random bytes as base64url, in files only the owner may read (mode 0600).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const SECRET_FILE_MODE = 0o600;

/** The secret in `path`, or a new one (`bytes` random bytes, base64url) written there first. */
export function readOrCreateSecret(path: string, bytes = 32): { secret: string; created: boolean } {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let created = false;
  try {
    // 'wx': never overwrite a secret another start wrote in the meantime.
    writeFileSync(path, `${randomBytes(bytes).toString('base64url')}\n`, { flag: 'wx', mode: SECRET_FILE_MODE });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // A copied or hand-made file may be readable by others: tighten it.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, SECRET_FILE_MODE);
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 32 || /\s/.test(secret)) {
    throw new Error(`${path} must hold one secret of at least 32 characters without spaces; delete the file to have a new one generated`);
  }
  return { secret, created };
}
