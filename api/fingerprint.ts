import { createHash } from 'node:crypto';
import { canonical } from '../domain/canonical-json.js';

/** sha256 of JSON with sorted keys: two bodies that mean the same have the same fingerprint. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}
