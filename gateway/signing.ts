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

/**
 * True when the headers carry a valid signature of this exact body by this secret. With
 * `freshness`, the signed request-time must also be a valid time within maxAgeMs of now, either
 * way: a captured notification cannot be replayed later, whatever it says.
 */
export function verify(opts: {
  secret: string;
  method: string;
  path: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  freshness?: { now: number; maxAgeMs: number };
  /** When set, the signer must be this client id. */
  clientId?: string;
}): boolean {
  const h = (k: string) => {
    const v = opts.headers[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const clientId = h(HEADERS.clientId);
  const time = h(HEADERS.time);
  const header = h(HEADERS.signature);
  if (!clientId || !time || !header) return false;
  if (opts.clientId !== undefined && clientId !== opts.clientId) return false;
  if (opts.freshness && !isFresh(time, opts.freshness.now, opts.freshness.maxAgeMs)) return false;
  const given = /(?:^|,)signature=([A-Za-z0-9_-]+)/.exec(header)?.[1];
  if (!given) return false;
  const expected = digest(opts.secret, opts.method, opts.path, clientId, time, opts.body);
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** request-time is epoch milliseconds as decimal digits (what sign() writes), within maxAgeMs of now. */
export function isFresh(time: string, now: number, maxAgeMs: number): boolean {
  if (!/^[1-9]\d{0,15}$/.test(time)) return false;
  return Math.abs(Number(time) - now) <= maxAgeMs;
}
