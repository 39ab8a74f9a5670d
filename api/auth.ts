// Merchant authentication (DESIGN.md section 8): every /v1/payments… request carries
// `Authorization: Bearer <secret>` of a configured key, checked before anything else happens
// (onRequest: no body read, nothing started), then the key's rate limit. The key's name is
// attached to the request for the routes that record who asked (refunds, cancellations).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKey } from '../config/config.js';
import { ApiError, sendError } from './errors.js';
import type { Metrics } from './metrics.js';
import { RateLimiter, type RateLimit } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the API key the request authenticated with; null on routes without keys. */
    merchantKey: string | null;
  }
}

/** The name of the merchant key that authenticated this request (null where no key is needed). */
export const merchantKeyOf = (req: FastifyRequest): string | null => req.merchantKey ?? null;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The configured keys, kept as digests: equal-length values for a constant-time comparison. */
export class MerchantKeys {
  private readonly keys: { name: string; digest: Buffer }[];

  constructor(keys: readonly ApiKey[]) {
    if (keys.length === 0) {
      throw new Error('no merchant API keys: every /v1/payments request needs one (set API_KEYS=name:secret,...; npm start generates one)');
    }
    this.keys = keys.map((k) => ({ name: k.name, digest: sha256(k.secret) }));
  }

  /** The name of the key with this secret, or null. Compares against every key, no early exit. */
  nameOf(secret: string): string | null {
    const presented = sha256(secret);
    let found: string | null = null;
    for (const key of this.keys) {
      if (timingSafeEqual(presented, key.digest) && found === null) found = key.name;
    }
    return found;
  }
}

/**
 * Routes under /v1/payments need a key; an unknown path that looks like one does too. Everything
 * else is open: /healthz, /readyz, /metrics, the API documents (/openapi.json, /asyncapi.json,
 * /docs and its assets) and the webhook, which checks the gateway's signature instead.
 */
export function needsMerchantKey(req: FastifyRequest): boolean {
  const route = req.is404 ? undefined : req.routeOptions.url;
  if (route !== undefined) return route === '/v1/payments' || route.startsWith('/v1/payments/');
  return looksLikePaymentsPath(req.url);
}

/** The raw URL's path is /v1/payments or below it (decoded, any case, repeated slashes). */
export function looksLikePaymentsPath(url: string): boolean {
  const path = url.split(/[?#]/, 1)[0];
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    /* a malformed escape: judge the raw path */
  }
  return /^\/+v1\/+payments(?:\/|$)/i.test(decoded);
}

const unauthenticated = (message: string) => new ApiError(401, 'UNAUTHENTICATED', message, [], { 'www-authenticate': 'Bearer' });

export class MerchantGate {
  private readonly keys: MerchantKeys;
  private readonly limiter: RateLimiter;

  constructor(keys: readonly ApiKey[], rateLimit: RateLimit, private readonly metrics?: Metrics) {
    this.keys = new MerchantKeys(keys);
    this.limiter = new RateLimiter(rateLimit);
  }

  /** Authenticates and rate-limits the request; sets req.merchantKey; the refusal, or null to go on. */
  admit(req: FastifyRequest): ApiError | null {
    const header = req.headers.authorization;
    if (header === undefined || header === '') return this.refuse('missing', 'the request needs an Authorization: Bearer <API key> header');
    const bearer = /^Bearer +(.*)$/is.exec(header);
    const secret = bearer?.[1].trim() ?? '';
    if (!secret) return this.refuse('malformed', 'the Authorization header must be "Bearer <API key>"');
    const name = this.keys.nameOf(secret);
    if (name === null) return this.refuse('unknown_key', 'the API key is not valid');
    const admission = this.limiter.take(name);
    if (!admission.ok) {
      this.metrics?.inc('alipay_cn_rate_limited_total', { key: name });
      return new ApiError(429, 'RATE_LIMITED', `API key ${name} sent more requests than its rate limit allows; retry after ${admission.retryAfterSeconds} s`, [], {
        'retry-after': String(admission.retryAfterSeconds),
      });
    }
    req.merchantKey = name;
    return null;
  }

  private refuse(reason: string, message: string): ApiError {
    this.metrics?.inc('alipay_cn_auth_failures_total', { reason });
    return unauthenticated(message);
  }
}

/** Registers the check for every request (routes and the not-found handler alike). */
export function merchantAuth(app: FastifyInstance, gate: MerchantGate): void {
  app.decorateRequest('merchantKey', null);
  app.addHook('onRequest', async (req, reply) => {
    if (!needsMerchantKey(req)) return;
    const refusal = gate.admit(req);
    if (refusal) return sendError(reply, refusal);
  });
}
