// No input makes the API fail (issue 7): property-based requests against the real service (API,
// worker, Temporal, sandbox) with random path ids, headers, query strings and bodies. Whatever
// comes in, the answer is never a 5xx, every error has the contract's shape, a request without a
// valid key is 401, and nothing changes: rejected creates leave no payment and no gateway order,
// refused refunds and forged notifications leave the payment as it was.
// Framework-level errors (bad escapes, huge headers, unsupported media, slow bodies) are checked
// one by one at the end.
import fc from 'fast-check';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_PATH } from '../api/notifications-routes.js';
import { startApi, type RunningApi } from '../api/server.js';
import { sign } from '../gateway/signing.js';
import { TEST_API_KEY, TEST_GATEWAY } from './support/constants.js';
import { cashierBody, http, startService, testApiOptions, uniqueId, type TestService } from './support/service.js';

let svc: TestService;
/** A PENDING payment: the target of refund and notification fuzzing, which must leave it unchanged. */
let pending: { paymentId: string; merchantTransId: string; view: any };

beforeAll(async () => {
  // Its own Temporal server: the list routes it fuzzes then read only this file's payments, whose worker is up.
  svc = await startService({ ownTemporal: true });
  const merchantTransId = uniqueId('fuzz-pending');
  const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(merchantTransId));
  expect(created.status).toBe(201);
  pending = { paymentId: created.body.paymentId, merchantTransId, view: created.body };
});
afterAll(async () => svc?.stop());

const BEARER = `Bearer ${TEST_API_KEY.secret}`;

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * One request exactly as given (path unnormalised, any header), on a fresh connection. A body is
 * framed by its Content-Length: Node's client sends DELETE and OPTIONS bodies unframed (no chunked
 * encoding by default), so the server would read them as a second, malformed request and answer
 * that one 400, which is not what a property about the first request means to test.
 */
function raw(base: string, opts: { method: string; path: string; headers?: Record<string, string>; body?: string | Uint8Array }): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  const framed = opts.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(opts.body)) };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method: opts.method, path: opts.path, headers: { ...framed, ...opts.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer to ${opts.method} ${opts.path.slice(0, 80)} within 20 s`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Never a 5xx; an error answer is exactly {"error":{"code","message","details":[{path,message}]}}. */
function expectWellFormed(res: RawResponse, what: string, method = 'GET') {
  expect(res.status, `${what} answered ${res.status}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status < 400 || method === 'HEAD') return;
  expect(res.headers['content-type'], what).toMatch(/^application\/json/);
  const body = JSON.parse(res.text);
  expect(Object.keys(body), what).toEqual(['error']);
  expect(body.error, what).toEqual({ code: expect.stringMatching(/^[A-Z][A-Z0-9_]*$/), message: expect.any(String), details: expect.any(Array) });
  for (const d of body.error.details) expect(d, what).toEqual({ path: expect.any(String), message: expect.any(String) });
}

const errorCode = (res: RawResponse) => (res.text.startsWith('{') ? JSON.parse(res.text)?.error?.code : undefined);

// ---------------------------------------------------------------------------------------------
// Generators

const hex = (b: number) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
/** Keeps printable ASCII (what an HTTP client may send in a path) and escapes the rest. */
const escapeUnsendable = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (b > 0x20 && b < 0x7f ? String.fromCharCode(b) : hex(b))).join('');

/** A long run of one character that prints as its recipe, so a failure report stays readable. */
class Long {
  constructor(
    readonly char: string,
    readonly n: number,
    readonly prefix = '',
  ) {}
  toString() {
    return this.prefix + this.char.repeat(this.n);
  }
  [fc.toStringMethod]() {
    return `${JSON.stringify(this.prefix)} + ${JSON.stringify(this.char)}.repeat(${this.n})`;
  }
}
const long = (char: string, min: number, max: number, prefix = '') => fc.integer({ min, max }).map((n) => new Long(char, n, prefix));
/** Pieces of a path id: tricky escapes, dot segments, separators, unicode, raw bytes, long runs. */
const idPiece = fc.oneof(
  fc.constantFrom('', '.', '..', '/', '//', '%', '%%', '%zz', '%2', '%2F', '%2f', '%00', '%FF', '%C0%AF', '%ED%A0%80', '%E2%80%AE', ';', '?', '?x=1', '#', '\\', '~', '*', '+', "'", '"', '<script>'),
  fc.constantFrom('alipay-cn:', 'alipay-cn:entry:', 'alipay-cn%3A', 'ALIPAY-CN:', 'alipay-cn:entry'),
  fc.string({ unit: 'binary', maxLength: 12 }).map((s) => encodeURIComponent(s)),
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map(escapeUnsendable),
  fc.uint8Array({ maxLength: 12 }).map((bytes) => [...bytes].map(hex).join('')),
  long('a', 60, 8_000),
);
/** The pieces of an id (joined in the property, so a failure prints long runs as recipes). */
const pathId = fc.array(idPiece, { maxLength: 5 });

/** Header values Node lets a client send: visible ASCII, space, tab and latin-1 bytes. */
const headerValue = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 64 }),
  fc.string({ unit: fc.constantFrom(' ', '\t', 'a', '=', ',', ';', '\u00e9', '\u00ff', 'Bearer', ':'), maxLength: 20 }),
  long('x', 1_000, 12_000),
);
const authorization = fc.oneof(
  // The valid key, as HTTP allows it to be written: then the other headers and the body are tested.
  { arbitrary: fc.constantFrom(BEARER, `bearer ${TEST_API_KEY.secret}`, `Bearer   ${TEST_API_KEY.secret} `, `BEARER ${TEST_API_KEY.secret}`), weight: 4 },
  headerValue,
  fc.string({ unit: 'grapheme-ascii', maxLength: 64 }).map((v) => `Bearer ${v}`),
  long('x', 1_000, 12_000, 'Bearer '),
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'bearer',
    `Basic ${TEST_API_KEY.secret}`,
    `Token ${TEST_API_KEY.secret}`,
    TEST_API_KEY.secret,
    `Bearer ${TEST_API_KEY.secret.slice(0, -1)}`,
    `Bearer ${TEST_API_KEY.secret}0`,
    `Bearer ${TEST_API_KEY.secret.toUpperCase()}`,
    `Bearer ${TEST_API_KEY.name}`,
    `Bearer ${TEST_API_KEY.secret},Bearer ${TEST_API_KEY.secret}`,
  ),
);
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/json;charset=latin1',
    'application/problem+json',
    'text/plain',
    'text/html',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/xml',
    '*/*',
    '',
    ';',
    'application/',
  ),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
);
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((n) => !['host', 'content-length', 'transfer-encoding', 'connection', 'authorization', 'content-type', 'expect', 'upgrade'].includes(n));
const extraHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 3 });

/** Bodies: JSON values, JSON-ish text, and bytes that are not text at all. */
const anyBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom('', '{', '}', '[', '{"merchantTransId":', 'null', '"x"', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', '\ufeff{}'),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);

/** A POST /v1/payments body one to three fields away from a valid one, with a fresh merchantTransId. */
const nearValidCreate = fc
  .record({
    id: fc.stringMatching(/^[A-Za-z0-9]{6}$/),
    changes: fc.dictionary(
      fc.constantFrom('paymentMethod', 'product', 'amount', 'expireAt', 'payCodeValue', 'goods', 'riskData', 'returnUrl', 'terminalType', 'extra'),
      fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom('javascript:alert(1)', 'ftp://x.example/', 'data:text/html,x', '//no-scheme.example', 'https://ok.example/done', 'CNY', 'XYZ', 'cny', 'ENTRY_CODE', 'PAYMENT_CODE'),
        fc.record({ currency: fc.string({ maxLength: 4 }), value: fc.oneof(fc.integer(), fc.double(), fc.string()) }),
      ),
      { minKeys: 1, maxKeys: 3 },
    ),
  })
  .map(({ id, changes }) => {
    const merchantTransId = uniqueId(`fz-${id}`);
    return { merchantTransId, body: { ...cashierBody(merchantTransId), ...changes } };
  });

const queryString = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map(escapeUnsendable),
  fc.constantFrom('', '?', '&&&', '=', 'a=1&a=2&a=3', '__proto__=1', 'constructor[prototype][x]=1', '%', '%zz', 'x=%E0%A4%A', `x=${'y'.repeat(5000)}`, 'pageSize=-1', 'status=PENDING'),
  fc.uint8Array({ maxLength: 30 }).map((bytes) => [...bytes].map(hex).join('')),
);

const RUNS = { pathIds: 80, headers: 250, accept: 100, queries: 120, creates: 150, nearValid: 120, refunds: 120, cancels: 80, webhook: 150 };
const params = (numRuns: number) => ({ numRuns, endOnFailure: true });

// ---------------------------------------------------------------------------------------------

describe('property: random path ids', () => {
  it('GET, QR, refunds, cancel and unknown subpaths of any id: never 5xx, contract errors', async () => {
    await fc.assert(
      fc.asyncProperty(pathId, anyBody, async (pieces, body) => {
        const id = pieces.join('');
        const json = { authorization: BEARER, 'content-type': 'application/json' };
        const answers = await Promise.all([
          raw(svc.apiUrl, { method: 'GET', path: `/v1/payments/${id}`, headers: { authorization: BEARER } }),
          raw(svc.apiUrl, { method: 'POST', path: `/v1/payments/${id}/refunds`, headers: json, body: JSON.stringify({ refundId: 'r-1', amount: { currency: 'CNY', value: 1 } }) }),
          raw(svc.apiUrl, { method: 'POST', path: `/v1/payments/${id}/cancel`, headers: json, body }),
          raw(svc.apiUrl, { method: 'GET', path: `/v1/payments/${id}/anything`, headers: { authorization: BEARER } }),
          raw(svc.apiUrl, { method: 'GET', path: `/v1/payments/${id}` }),
          raw(svc.apiUrl, { method: 'GET', path: `/v1/payments/${id}/qr`, headers: { authorization: BEARER, accept: 'image/png' } }),
        ]);
        answers.forEach((res, i) => expectWellFormed(res, `request ${i} for id ${JSON.stringify(id.slice(0, 120))}`));
        // The last one had no key: whatever the path, no key means 401 (or 431 for huge headers).
        expect([401, 431], `no key, id ${JSON.stringify(id.slice(0, 120))}`).toContain(answers[4].status);
      }),
      params(RUNS.pathIds),
    );
  });
});

describe('property: random headers and methods', () => {
  const paths = fc.constantFrom(
    '/v1/payments',
    '/v1/payments/alipay-cn:fuzz-nobody',
    '/v1/payments/alipay-cn:fuzz-nobody/refunds',
    '/v1/payments/alipay-cn:fuzz-nobody/cancel',
    '/v1/payments/alipay-cn:fuzz-nobody/qr',
    '/v1/payments/alipay-cn:entry:0000',
    '/v1/notifications/alipay-cn',
    '/healthz',
    '/readyz',
    '/metrics',
    '/openapi.json',
    '/asyncapi.json',
    '/docs',
    '/docs/static/swagger-ui-bundle.js',
    '/docs/static/no-such-asset.js',
    '/nowhere',
  );
  it('any authorization, content type and extra headers: never 5xx; no valid key on /v1/payments… is 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
        paths,
        fc.option(authorization, { nil: undefined }),
        fc.option(contentType, { nil: undefined }),
        extraHeaders,
        fc.option(anyBody, { nil: undefined }),
        async (method, path, authValue, type, extra, body) => {
          const headers: Record<string, string> = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)]));
          const auth = authValue === undefined ? undefined : String(authValue);
          if (auth !== undefined) headers.authorization = auth;
          if (type !== undefined) headers['content-type'] = type;
          // A valid body for a create would start a payment: this property is about headers.
          const sent = path === '/v1/payments' && method === 'POST' && body !== undefined ? `${body}}` : body;
          const res = await raw(svc.apiUrl, { method, path, headers, ...(sent !== undefined && method !== 'GET' && method !== 'HEAD' && { body: sent }) });
          const what = `${method} ${path} ${JSON.stringify(headers).slice(0, 300)}`;
          expectWellFormed(res, what, method);
          // What the server sees once HTTP has trimmed the value's surrounding spaces and tabs.
          const presented = auth?.replace(/^[ \t]+|[ \t]+$/g, '');
          const validKey = /^bearer +(.*)$/is.exec(presented ?? '')?.[1].trim() === TEST_API_KEY.secret;
          if (path.startsWith('/v1/payments') && !validKey) expect([401, 431], what).toContain(res.status);
        },
      ),
      params(RUNS.headers),
    );
  });
});

describe('property: random Accept headers on a payment that has a QR code', () => {
  const accept = fc.oneof(
    fc.constantFrom('image/png', 'image/svg+xml', 'image/*', '*/*', 'text/html', '', ',', ';q=', 'image/png;q=0', 'image/png;q=1.5', 'image/png;q=-1', 'image/png;q=0.5, image/svg+xml;q=0.4', 'image/png;;;q=', '*/png', 'image'),
    fc
      .array(fc.record({ type: fc.constantFrom('image/png', 'image/svg+xml', 'image/*', '*/*', 'text/plain', 'x/y'), q: fc.option(fc.oneof(fc.double({ noNaN: false }).map(String), fc.constantFrom('0', '1', '0.001', '1.000', '.5', 'x'))) }), { maxLength: 6 })
      .map((ranges) => ranges.map((r) => (r.q === null ? r.type : `${r.type};q=${r.q}`)).join(', ')),
    headerValue,
  );
  it('GET /v1/payments/{id}/qr with any Accept: never 5xx, always a PNG or an SVG', async () => {
    await fc.assert(
      fc.asyncProperty(accept, async (value) => {
        const res = await raw(svc.apiUrl, { method: 'GET', path: `/v1/payments/${pending.paymentId}/qr`, headers: { authorization: BEARER, accept: String(value) } });
        const what = `Accept ${JSON.stringify(String(value).slice(0, 200))}`;
        expectWellFormed(res, what);
        if (res.status === 431) return;
        expect(res.status, what).toBe(200);
        expect(res.headers['content-type'], what).toMatch(/^image\/(png|svg\+xml)/);
      }),
      params(RUNS.accept),
    );
  });
});

describe('property: random query strings', () => {
  it('on payments, health, readiness, metrics and the API documents: never 5xx', async () => {
    const paths = fc.constantFrom('/v1/payments', '/v1/payments/alipay-cn:fuzz-nobody', `/v1/payments/${'alipay-cn:fuzz-q'}/cancel`, '/v1/payments/alipay-cn:fuzz-nobody/qr', '/healthz', '/readyz', '/metrics', '/openapi.json', '/asyncapi.json', '/docs', '/docs/static/swagger-ui.css');
    await fc.assert(
      fc.asyncProperty(paths, queryString, fc.constantFrom('GET', 'POST'), async (path, query, method) => {
        const res = await raw(svc.apiUrl, { method, path: `${path}?${query}`, headers: { authorization: BEARER } });
        expectWellFormed(res, `${method} ${path}?${query.slice(0, 200)}`, method);
      }),
      params(RUNS.queries),
    );
  });

  it('GET /v1/payments (the list) with odd values of its own parameters: 200 page or 400, never 5xx', async () => {
    const listQuery = fc
      .dictionary(
        fc.constantFrom('status', 'product', 'merchantTransId', 'createdFrom', 'createdTo', 'pageSize', 'pageToken', 'x'),
        fc.oneof(
          fc.constantFrom('PENDING', 'SUCCEEDED', 'PAID', 'ORDER_CODE', 'CASHIER_PAYMENT', "SUCCEEDED' OR '1'='1", 'a" OR WorkflowId != "', '\\', '', '0', '1', '100', '101', '-1', '1e2'),
          fc.constantFrom('2026-11-27T09:30:00+08:00', '2026-02-30T00:00:00Z', '9999-12-31T23:59:59.999999999Z', '1970-01-01T00:00:00Z', '2026-11-27T09:30:00+24:00', '2026-11-27'),
          fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
          fc.uint8Array({ minLength: 1, maxLength: 120 }).map((b) => Buffer.from(b).toString('base64url')),
        ),
        { maxKeys: 4 },
      )
      .map((q) => new URLSearchParams(q).toString());
    await fc.assert(
      fc.asyncProperty(listQuery, async (query) => {
        const res = await raw(svc.apiUrl, { method: 'GET', path: `/v1/payments?${query}`, headers: { authorization: BEARER } });
        expectWellFormed(res, `GET /v1/payments?${query.slice(0, 200)}`);
        expect([200, 400], `GET /v1/payments?${query.slice(0, 200)}: ${res.text.slice(0, 300)}`).toContain(res.status);
        if (res.status === 200) expect(JSON.parse(res.text)).toEqual({ items: expect.any(Array), unavailable: expect.any(Array), nextPageToken: expect.toBeOneOf([null, expect.any(String)]) });
        else expect(errorCode(res)).toBe('VALIDATION_ERROR');
      }),
      params(60),
    );
  });
});

describe('property: random bodies', () => {
  const json = (body: string, type = 'application/json') => ({ headers: { authorization: BEARER, 'content-type': type }, body });

  it('POST /v1/payments with any body under any content type: never 5xx, and nothing is created', async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, contentType, async (body, type) => {
        const res = await raw(svc.apiUrl, { method: 'POST', path: '/v1/payments', ...json(body, type) });
        expectWellFormed(res, `create with ${type}: ${body.slice(0, 200)}`, 'POST');
        expect(res.status).toBeGreaterThanOrEqual(400);
      }),
      params(RUNS.creates),
    );
  });

  it('POST /v1/payments one to three fields from valid: never 5xx; a refused one leaves no payment and no gateway order', async () => {
    await fc.assert(
      fc.asyncProperty(nearValidCreate, async ({ merchantTransId, body }) => {
        const res = await raw(svc.apiUrl, { method: 'POST', path: '/v1/payments', ...json(JSON.stringify(body)) });
        expectWellFormed(res, `create ${JSON.stringify(body).slice(0, 300)}`, 'POST');
        if (res.status < 400) return;
        const [view, order] = await Promise.all([
          http('GET', `${svc.apiUrl}/v1/payments/alipay-cn:${merchantTransId}`),
          http('GET', `${svc.sandboxUrl}/sandbox/payments/${merchantTransId}`),
        ]);
        expect(view.status, `payment of refused ${merchantTransId}`).toBe(404);
        expect(order.status, `gateway order of refused ${merchantTransId}`).toBe(404);
      }),
      params(RUNS.nearValid),
    );
  });

  it('refunds of a pending payment with any body: never 5xx, and the payment is unchanged', async () => {
    const refundBody = fc.oneof(
      anyBody,
      fc.record({ refundId: fc.oneof(fc.string(), fc.jsonValue()), amount: fc.oneof(fc.jsonValue(), fc.record({ currency: fc.constantFrom('CNY', 'USD', 'XYZ', 'cny'), value: fc.oneof(fc.integer(), fc.double()) })), reason: fc.jsonValue() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(refundBody, contentType, async (body, type) => {
        const res = await raw(svc.apiUrl, { method: 'POST', path: `/v1/payments/${pending.paymentId}/refunds`, ...json(body, type) });
        expectWellFormed(res, `refund with ${type}: ${body.slice(0, 200)}`, 'POST');
        expect(res.status).toBeGreaterThanOrEqual(400);
      }),
      params(RUNS.refunds),
    );
    await expectPendingUnchanged();
  });

  it('cancel of a payment that does not exist, with any body: never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, contentType, async (body, type) => {
        const res = await raw(svc.apiUrl, { method: 'POST', path: `/v1/payments/alipay-cn:${uniqueId('fz-none')}/cancel`, ...json(body, type) });
        expectWellFormed(res, `cancel with ${type}: ${body.slice(0, 200)}`, 'POST');
        expect(res.status).toBeGreaterThanOrEqual(400);
      }),
      params(RUNS.cancels),
    );
  });

  it('the webhook with unsigned or badly signed bodies: never 5xx, never acknowledged, the payment unchanged', async () => {
    const signing = fc.constantFrom('none', 'wrong-secret', 'tampered', 'stale', 'other-client', 'garbage');
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyBody, notificationFor(pending)), signing, contentType, async (body, how, type) => {
        const headers: Record<string, string> = { 'content-type': type };
        const signFor = (secret: string, text: string, extra: { time?: number; clientId?: string } = {}) =>
          sign({ secret, clientId: extra.clientId ?? TEST_GATEWAY.clientId, method: 'POST', path: NOTIFICATION_PATH, body: text, ...(extra.time !== undefined && { time: extra.time }) });
        if (how === 'wrong-secret') Object.assign(headers, signFor('an-attackers-secret-0123456789', body));
        if (how === 'tampered') Object.assign(headers, signFor(TEST_GATEWAY.secret, `${body} `));
        if (how === 'stale') Object.assign(headers, signFor(TEST_GATEWAY.secret, body, { time: Date.now() - 3_600_000 }));
        if (how === 'other-client') Object.assign(headers, signFor(TEST_GATEWAY.secret, body, { clientId: 'another-merchant' }));
        if (how === 'garbage') Object.assign(headers, { 'client-id': TEST_GATEWAY.clientId, 'request-time': String(Date.now()), signature: 'algorithm=HMAC-SHA256,signature=AAAA' });
        const res = await raw(svc.apiUrl, { method: 'POST', path: NOTIFICATION_PATH, headers, body });
        expectWellFormed(res, `notification (${how}, ${type}): ${body.slice(0, 200)}`, 'POST');
        expect(res.status, `notification (${how}) must not be acknowledged`).toBeGreaterThanOrEqual(400);
      }),
      params(RUNS.webhook),
    );
    await expectPendingUnchanged();
  });
});

/** A genuine-looking notification that would settle the pending payment if it were believed. */
function notificationFor(p: { merchantTransId: string; view: any }) {
  return fc.constantFrom('SUCCESS', 'FAIL').map((status) =>
    JSON.stringify({
      notifyId: uniqueId('fz-n'),
      notifyType: 'PAYMENT_RESULT',
      merchantTransId: p.merchantTransId,
      gatewayTransId: p.view.gatewayTransId,
      product: 'CASHIER_PAYMENT',
      status,
      amount: { currency: 'CNY', value: 1000 },
    }),
  );
}

async function expectPendingUnchanged() {
  const now = await http('GET', `${svc.apiUrl}/v1/payments/${pending.paymentId}`);
  expect(now.status).toBe(200);
  expect(now.body.status).toBe('PENDING');
  expect(now.body.refunds).toEqual([]);
  expect(now.body.refundedAmount).toEqual(pending.view.refundedAmount);
}

// ---------------------------------------------------------------------------------------------

describe('framework-level errors in the contract shape', () => {
  const get = (path: string, headers: Record<string, string> = { authorization: BEARER }) => raw(svc.apiUrl, { method: 'GET', path, headers });

  it('a malformed %-escape in the path: 401 without a key, 400 BAD_REQUEST with one', async () => {
    for (const path of ['/v1/payments/%zz', '/v1/payments/%E0%A4%A', '/v1/payments/%ED%A0%80/refunds']) {
      const anonymous = await get(path, {});
      expectWellFormed(anonymous, path);
      expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
      const res = await get(path);
      expectWellFormed(res, path);
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('BAD_REQUEST');
    }
  });

  it('ids Temporal would refuse (empty, control characters, very long) are 404 PAYMENT_NOT_FOUND', async () => {
    for (const id of ['', '%00', '%0A', '%20', 'alipay-cn:', 'alipay-cn:entry:', 'alipay-cn:..', 'a'.repeat(2_000), `alipay-cn:${'a'.repeat(65)}`]) {
      for (const suffix of ['', '/refunds', '/cancel', '/qr']) {
        const res = await raw(svc.apiUrl, { method: suffix && suffix !== '/qr' ? 'POST' : 'GET', path: `/v1/payments/${id}${suffix}`, headers: { authorization: BEARER } });
        expectWellFormed(res, `${id.slice(0, 40)}${suffix}`);
        if (suffix === '/refunds') expect([400, 404]).toContain(res.status);
        else expect(errorCode(res), `${id.slice(0, 40)}${suffix}`).toBe('PAYMENT_NOT_FOUND');
      }
    }
  });

  it('headers too large: 431 HEADERS_TOO_LARGE', async () => {
    const res = await get('/v1/payments/alipay-cn:x', { authorization: BEARER, 'x-big': 'x'.repeat(20_000) });
    expect(res.status).toBe(431);
    expect(errorCode(res)).toBe('HEADERS_TOO_LARGE');
    // HEAD gets the status line and headers, never a body.
    const head = await rawSocket(svc.apiUrl, `HEAD /v1/payments/alipay-cn:x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 5_000);
    expect(head.text).toMatch(/^HTTP\/1\.1 431 /);
    expect(head.text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('unsupported media type 415, body too large 413, bad JSON 400', async () => {
    const post = (type: string, body: string) => raw(svc.apiUrl, { method: 'POST', path: '/v1/payments', headers: { authorization: BEARER, 'content-type': type }, body });
    const unsupported = await post('application/xml', '<payment/>');
    expect([unsupported.status, errorCode(unsupported)]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const large = await post('application/json', JSON.stringify({ goods: { description: 'x'.repeat(70_000) } }));
    expect([large.status, errorCode(large)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const badJson = await post('application/json', '{"merchantTransId":');
    expect([badJson.status, errorCode(badJson)]).toEqual([400, 'VALIDATION_ERROR']);
    for (const res of [unsupported, large, badJson]) expectWellFormed(res, 'framework error', 'POST');
  });

  it('a request that is not HTTP: 400 BAD_REQUEST in the contract shape', async () => {
    const answer = await rawSocket(svc.apiUrl, 'NOT HTTP AT ALL\r\n\r\n', 5_000);
    expect(answer.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4)).error.code).toBe('BAD_REQUEST');
  });
});

describe('slow clients are cut off by the request timeout', () => {
  const TIMEOUT_MS = 500;
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi(testApiOptions({ requestTimeoutMs: TIMEOUT_MS }));
  });
  afterAll(async () => api?.close());

  it('a body that trickles in: answered 408 REQUEST_TIMEOUT and closed within the timeout', async () => {
    const head = `POST /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${BEARER}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
    const answer = await rawSocket(api.url, `${head}{"merchantTransId":"slow-`, 10_000);
    expect(answer.closed).toBe(true);
    expect(answer.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4)).error.code).toBe('REQUEST_TIMEOUT');
    // The timeout plus Node's check interval and scheduling; far below the 10 s a stuck client would hold.
    expect(answer.ms).toBeLessThan(TIMEOUT_MS + 2_500);
  });

  it('headers that never end: answered 408 and closed', async () => {
    const answer = await rawSocket(api.url, `GET /v1/payments/alipay-cn:x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${BEARER}\r\n`, 10_000);
    expect(answer.closed).toBe(true);
    expect(answer.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer.ms).toBeLessThan(TIMEOUT_MS + 2_500);
  });
});

/** Writes `data` on a new connection and reads until the server closes it (or `waitMs` passes). */
function rawSocket(base: string, data: string, waitMs: number): Promise<{ text: string; closed: boolean; ms: number }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = tcpConnect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closed: false, ms: performance.now() - started });
    }, waitMs);
    socket.on('connect', () => socket.write(data));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err) => (clearTimeout(timer), reject(err)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closed: true, ms: performance.now() - started });
    });
  });
}
