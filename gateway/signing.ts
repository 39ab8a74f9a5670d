// Message signing between merchant and gateway: HMAC-SHA256 over method, path, client id, time and
// the exact body bytes, carried in headers the way acquiring gateways do. Requests, responses and
// notifications are all signed; anything that fails verification is treated as not received.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const HEADERS = { clientId: 'client-id', time: 'request-time', signature: 'signature' } as const;

export interface SignedHeaders {
  'client-id': string;
  'request-time': string;
  signature: string;
}

function digest(secret: string, method: string, path: string, clientId: string, time: string, body: string): string {
  return createHmac('sha256', secret).update(`${method.toUpperCase()} ${path}\n${clientId}.${time}.${body}`).digest('base64url');
}

/** `time` defaults to now; tests pass odd values (a string) to prove they are refused. */
export function sign(opts: { secret: string; clientId: string; method: string; path: string; body: string; time?: number | string }): SignedHeaders {
  const time = String(opts.time ?? Date.now());
  const sig = digest(opts.secret, opts.method, opts.path, opts.clientId, time, opts.body);
  return { 'client-id': opts.clientId, 'request-time': time, signature: `algorithm=HMAC-SHA256,keyVersion=1,signature=${sig}` };
}

export interface VerifyOptions {
  secret: string;
  method: string;
  path: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  /** The signed request-time must be a valid time within maxAgeMs of now, either way. */
  freshness?: { now: number; maxAgeMs: number };
  /** When set, the signer must be this client id. */
  clientId?: string;
}

/**
 * Why the headers do not carry a valid signature of this exact body by this secret, or null when
 * they do. With `freshness` a captured message cannot be replayed later, whatever it says.
 */
export function verificationFailure(opts: VerifyOptions): string | null {
  const h = (k: string) => {
    const v = opts.headers[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const clientId = h(HEADERS.clientId);
  const time = h(HEADERS.time);
  const header = h(HEADERS.signature);
  if (!clientId || !time || !header) return 'the signature headers are missing';
  if (opts.clientId !== undefined && clientId !== opts.clientId) return 'it is signed for another client-id';
  if (opts.freshness && !isFresh(time, opts.freshness.now, opts.freshness.maxAgeMs)) {
    return `its request-time is not a time within ${Math.round(opts.freshness.maxAgeMs / 1000)} s of now`;
  }
  const given = /(?:^|,)signature=([A-Za-z0-9_-]+)/.exec(header)?.[1];
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(digest(opts.secret, opts.method, opts.path, clientId, time, opts.body));
  return a.length === b.length && timingSafeEqual(a, b) ? null : 'the signature does not verify';
}

/** True when the headers carry a valid signature (see verificationFailure). */
export const verify = (opts: VerifyOptions): boolean => verificationFailure(opts) === null;

/** request-time is epoch milliseconds as decimal digits (what sign() writes), within maxAgeMs of now. */
export function isFresh(time: string, now: number, maxAgeMs: number): boolean {
  if (!/^[1-9]\d{0,15}$/.test(time)) return false;
  return Math.abs(Number(time) - now) <= maxAgeMs;
}
