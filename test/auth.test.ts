// Merchant authentication (DESIGN.md section 8): every /v1/payments… request needs a configured
// key as a Bearer token; without one the answer is 401 and nothing is started or changed. Each key
// has its own rate limit. The webhook keeps its signature check; health, readiness and metrics
// stay open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_PATH } from '../api/notifications-routes.js';
import { startApi, type RunningApi } from '../api/server.js';
import { sign } from '../gateway/signing.js';
import { NOTIFICATION_ACK } from '../gateway/wire.js';
import { TEST_API_KEY, TEST_GATEWAY } from './support/constants.js';
import { cashierBody, http, startService, testApiOptions, uniqueId, type TestService } from './support/service.js';

const OTHER_KEY = { name: 'other-merchant', secret: 'another-api-key-with-enough-characters-0001' };

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ apiKeys: [TEST_API_KEY, OTHER_KEY] });
});
afterAll(async () => svc?.stop());

/** Header sets that must not authenticate: each with its name for the failure message. */
const BAD_AUTHORIZATION: [string, Record<string, string>][] = [
  ['no header', {}],
  ['empty header', { authorization: '' }],
  ['another scheme', { authorization: `Basic ${Buffer.from(`test:${TEST_API_KEY.secret}`).toString('base64')}` }],
  ['Bearer without a token', { authorization: 'Bearer ' }],
  ['the secret without a scheme', { authorization: TEST_API_KEY.secret }],
  ['a wrong secret', { authorization: 'Bearer not-the-secret-of-any-key-0123456789abcdef' }],
  ['a prefix of the real secret', { authorization: `Bearer ${TEST_API_KEY.secret.slice(0, -1)}` }],
  ['the real secret plus a character', { authorization: `Bearer ${TEST_API_KEY.secret}x` }],
  ['the key name instead of the secret', { authorization: `Bearer ${TEST_API_KEY.name}` }],
];

function expectUnauthenticated(res: { status: number; body: any; headers: Headers }, what: string) {
  expect(res.status, what).toBe(401);
  expect(res.body, what).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String), details: [] } });
  expect(res.headers.get('www-authenticate'), what).toMatch(/^Bearer/);
}

describe('merchant API keys', () => {
  it('refuses create, get, QR, refund and cancel without a valid key, and nothing is started', async () => {
    const merchantTransId = uniqueId('auth');
    const paymentId = `alipay-cn:${merchantTransId}`;
    for (const [what, headers] of BAD_AUTHORIZATION) {
      const calls = [
        http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(merchantTransId), { apiKey: null, headers }),
        http('GET', `${svc.apiUrl}/v1/payments/${paymentId}`, undefined, { apiKey: null, headers }),
        http('POST', `${svc.apiUrl}/v1/payments/${paymentId}/refunds`, { refundId: 'r-1', amount: { currency: 'CNY', value: 100 } }, { apiKey: null, headers }),
        http('POST', `${svc.apiUrl}/v1/payments/${paymentId}/cancel`, undefined, { apiKey: null, headers }),
        http('GET', `${svc.apiUrl}/v1/payments/${paymentId}/qr`, undefined, { apiKey: null, headers: { accept: 'image/png', ...headers } }),
        http('GET', `${svc.apiUrl}/v1/payments/${paymentId}/no-such-subpath`, undefined, { apiKey: null, headers }),
        http('DELETE', `${svc.apiUrl}/v1/payments`, undefined, { apiKey: null, headers }),
      ];
      for (const res of await Promise.all(calls)) expectUnauthenticated(res, what);
    }
    // With the right key afterwards: no such payment, and the gateway never saw an order.
    const get = await http('GET', `${svc.apiUrl}/v1/payments/${paymentId}`);
    expect(get.status).toBe(404);
    expect(get.body.error.code).toBe('PAYMENT_NOT_FOUND');
    expect((await http('GET', `${svc.sandboxUrl}/sandbox/payments/${merchantTransId}`)).status).toBe(404);
  });

  it('refuses before reading the body: an unauthenticated malformed body is 401, not 400', async () => {
    const res = await http('POST', `${svc.apiUrl}/v1/payments`, '{"merchantTransId":', { apiKey: null });
    expectUnauthenticated(res, 'malformed body');
  });

  it('accepts every configured key, and the scheme in any case', async () => {
    const merchantTransId = uniqueId('auth-ok');
    const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(merchantTransId), { apiKey: OTHER_KEY.secret });
    expect(created.status).toBe(201);
    const byFirstKey = await http('GET', `${svc.apiUrl}/v1/payments/${created.body.paymentId}`);
    expect(byFirstKey.status).toBe(200);
    expect(byFirstKey.body.merchantTransId).toBe(merchantTransId);
    const lowerCase = await http('GET', `${svc.apiUrl}/v1/payments/${created.body.paymentId}`, undefined, {
      apiKey: null,
      headers: { authorization: `bearer ${OTHER_KEY.secret}` },
    });
    expect(lowerCase.status).toBe(200);
  });

  it('leaves /healthz, /readyz and /metrics open', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await http('GET', `${svc.apiUrl}${path}`, undefined, { apiKey: null });
      expect(res.status, path).toBe(200);
    }
    const ready = await http('GET', `${svc.apiUrl}/readyz`);
    expect(ready.body).toEqual({ ready: true, dependencies: { temporal: 'up', nats: 'up' } });
  });

  it('the webhook needs no bearer token, but a bad signature is 401', async () => {
    const body = JSON.stringify({
      notifyId: uniqueId('n'),
      notifyType: 'PAYMENT_RESULT',
      merchantTransId: uniqueId('no-such-payment'),
      gatewayTransId: '2026112600009999',
      product: 'CASHIER_PAYMENT',
      status: 'SUCCESS',
      amount: { currency: 'CNY', value: 1000 },
    });
    const post = (headers: object) =>
      fetch(`${svc.apiUrl}${NOTIFICATION_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      }));
    const signed = sign({ secret: TEST_GATEWAY.secret, clientId: TEST_GATEWAY.clientId, method: 'POST', path: NOTIFICATION_PATH, body });
    expect(await post(signed)).toEqual({ status: 200, body: NOTIFICATION_ACK });
    const forged = sign({ secret: 'an-attackers-secret-0123456789', clientId: TEST_GATEWAY.clientId, method: 'POST', path: NOTIFICATION_PATH, body });
    // A merchant key does not replace the gateway's signature.
    const res = await post({ ...forged, authorization: `Bearer ${TEST_API_KEY.secret}` });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_SIGNATURE');
  });
});

describe('rate limit per key', () => {
  let limited: RunningApi;
  beforeAll(async () => {
    limited = await startApi({
      ...testApiOptions(),
      apiKeys: [TEST_API_KEY, OTHER_KEY],
      rateLimit: { perSecond: 1, burst: 3 },
    });
  });
  afterAll(async () => limited?.close());

  it('answers the request after the burst 429 RATE_LIMITED with Retry-After; another key is not limited', async () => {
    const get = (secret: string) => http('GET', `${limited.url}/v1/payments/alipay-cn:${uniqueId('rl')}`, undefined, { apiKey: secret });
    const first = [await get(TEST_API_KEY.secret), await get(TEST_API_KEY.secret), await get(TEST_API_KEY.secret)];
    expect(first.map((r) => r.status)).toEqual([404, 404, 404]);
    const fourth = await get(TEST_API_KEY.secret);
    expect(fourth.status).toBe(429);
    expect(fourth.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String), details: [] } });
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(Number(fourth.headers.get('retry-after')))).toBe(true);
    const other = await get(OTHER_KEY.secret);
    expect(other.status).toBe(404);
    // Refused keys are not counted against anyone: a bad key is still 401, not 429.
    expect((await http('GET', `${limited.url}/v1/payments/x`, undefined, { apiKey: 'wrong-key-wrong-key-wrong-key-wrong' })).status).toBe(401);
  });

  it('refuses to start without keys', async () => {
    await expect(startApi({ ...testApiOptions(), apiKeys: [] })).rejects.toThrow(/API key/);
  });
});
