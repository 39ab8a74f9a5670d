// GET /v1/payments (issue 10, part 4; DESIGN.md section 8) on the real stack: payments of two
// products in every kind of status, listed from Temporal visibility by each filter, newest first,
// page by page; every value outside the closed lists and formats (injection attempts included) is
// a 400 naming the parameter with nothing listed; a payment that continued as new is listed once.
// Visibility is eventually consistent: lists are polled (bounded) until they settle.
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePageToken, pageTokenKey, visibilityLiteral, visibilityQuery } from '../api/payment-list-routes.js';
import { startApi } from '../api/server.js';
import { MerchantClient } from '../client/index.js';
import { PaymentView } from '../domain/payment-view.js';
import { WORKFLOW_TYPE, searchAttributes } from '../workflows/messages.js';
import { TEST_API_KEY, TEST_GATEWAY } from './support/constants.js';
import { cashierBody, eventsUntil, http, paymentRequest, testApiOptions, uniqueId, useService } from './support/service.js';

// Its own Temporal server: other test files' payments never show up in these lists.
const { svc, shopper, paymentUrl } = useService({ pollInitialMs: 300, pollMaxMs: 1000, ownTemporal: true });

type Query = Record<string, string>;
const list = (query: Query | string, opts: { apiKey?: string | null } = {}) =>
  http('GET', `${svc.apiUrl}/v1/payments?${typeof query === 'string' ? query : new URLSearchParams(query)}`, undefined, opts);

/** The ids the list answers (one page), asserting the page's shape on the way. */
async function idsOf(query: Query): Promise<string[]> {
  const res = await list(query);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(Object.keys(res.body).sort()).toEqual(['items', 'nextPageToken', 'unavailable']);
  expect(res.body.unavailable).toEqual([]);
  return res.body.items.map((v: { paymentId: string }) => v.paymentId);
}

/** Polls the list until it answers exactly `expected` (visibility lags the workflows a moment). */
const expectListed = (query: Query, expected: string[]) => expect.poll(() => idsOf(query), { timeout: 20_000, interval: 200 }).toEqual(expected);

/** A UTC instant as the same instant written with a +08:00 offset. */
const plus8 = (ms: number) => `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 23)}+08:00`;

/** A run's exact start (visibility's StartTime, to the nanosecond), RFC 3339 in UTC. */
async function exactStart(paymentId: string): Promise<string> {
  const ts = (await svc.api.client.workflow.getHandle(paymentId).describe()).raw.workflowExecutionInfo!.startTime!;
  const iso = new Date(Number(ts.seconds!.toString()) * 1000).toISOString().slice(0, 19);
  return `${iso}.${String(ts.nanos ?? 0).padStart(9, '0')}Z`;
}

async function create(product: 'CASHIER_PAYMENT' | 'ORDER_CODE') {
  const merchantTransId = uniqueId(`pl-${product === 'ORDER_CODE' ? 'oc' : 'cp'}`);
  const res = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(merchantTransId, { product }));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { merchantTransId, paymentId: res.body.paymentId as string };
}

// The fixture, oldest first: failed, cancelled, orderA (pending), cashB (paid), | middle |, orderC
// (pending), cashD (pending). The window [since, until) holds exactly these six.
const p = {} as Record<'failed' | 'cancelled' | 'orderA' | 'cashB' | 'orderC' | 'cashD', { merchantTransId: string; paymentId: string }>;
let since: string;
let middle: string;
let until: string;
let newestFirst: string[];
const window = (): Query => ({ createdFrom: since, createdTo: until });

beforeAll(async () => {
  since = new Date().toISOString();
  p.failed = await create('CASHIER_PAYMENT');
  await shopper.act('decline', p.failed.merchantTransId);
  await eventsUntil(svc.nats, p.failed.paymentId, 'payment.failed');
  p.cancelled = await create('CASHIER_PAYMENT');
  expect((await svc.client.cancel(p.cancelled.paymentId)).status).toBe('CANCELLED');
  p.orderA = await create('ORDER_CODE');
  p.cashB = await create('CASHIER_PAYMENT');
  await shopper.act('pay', p.cashB.merchantTransId);
  await eventsUntil(svc.nats, p.cashB.paymentId, 'payment.succeeded');
  middle = plus8(Date.now());
  p.orderC = await create('ORDER_CODE');
  p.cashD = await create('CASHIER_PAYMENT');
  until = new Date().toISOString();
  newestFirst = [p.cashD, p.orderC, p.cashB, p.orderA, p.cancelled, p.failed].map((x) => x.paymentId);
});

describe('GET /v1/payments', () => {
  it('lists the payments of a created range newest first, each as the view GET /v1/payments/{id} answers', async () => {
    await expectListed(window(), newestFirst);
    const page = (await list(window())).body;
    expect(page.nextPageToken).toBeNull();
    const expected = { [p.failed.paymentId]: 'FAILED', [p.cancelled.paymentId]: 'CANCELLED', [p.cashB.paymentId]: 'SUCCEEDED' };
    for (const item of page.items) {
      const view = await svc.client.getPayment(item.paymentId);
      expect(item).toMatchObject({ paymentId: view.paymentId, merchantTransId: view.merchantTransId, product: view.product, status: view.status, amount: view.amount, payAction: view.payAction });
      expect(item.status).toBe(expected[item.paymentId] ?? 'PENDING');
      expect(Object.keys(item).sort()).toEqual(Object.keys(view).sort());
    }
    // Without any filter: a page of the default size, this file's newest payment first (the file has
    // a Temporal server of its own).
    await expect.poll(async () => (await list({})).body.items?.[0]?.paymentId, { timeout: 20_000, interval: 200 }).toBe(p.cashD.paymentId);
    const all = await list({});
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThan(0);
    expect(all.body.items.length + all.body.unavailable.length).toBeLessThanOrEqual(20);
    for (const item of all.body.items) expect(PaymentView.safeParse(item).success, JSON.stringify(item)).toBe(true);
  });

  it('filters by status, product and merchantTransId, alone and together', async () => {
    await expectListed({ ...window(), status: 'PENDING' }, [p.cashD, p.orderC, p.orderA].map((x) => x.paymentId));
    await expectListed({ ...window(), status: 'SUCCEEDED' }, [p.cashB.paymentId]);
    await expectListed({ ...window(), status: 'FAILED' }, [p.failed.paymentId]);
    await expectListed({ ...window(), status: 'CANCELLED' }, [p.cancelled.paymentId]);
    await expectListed({ ...window(), status: 'EXPIRED' }, []);
    await expectListed({ ...window(), product: 'ORDER_CODE' }, [p.orderC, p.orderA].map((x) => x.paymentId));
    await expectListed({ ...window(), product: 'CASHIER_PAYMENT' }, [p.cashD, p.cashB, p.cancelled, p.failed].map((x) => x.paymentId));
    await expectListed({ ...window(), product: 'PAYMENT_CODE' }, []);
    await expectListed({ ...window(), product: 'CASHIER_PAYMENT', status: 'PENDING' }, [p.cashD.paymentId]);
    // merchantTransId alone (no range): exactly that payment, whenever it was made.
    await expectListed({ merchantTransId: p.orderA.merchantTransId }, [p.orderA.paymentId]);
    await expectListed({ merchantTransId: p.cashB.merchantTransId, status: 'SUCCEEDED', product: 'CASHIER_PAYMENT' }, [p.cashB.paymentId]);
    await expectListed({ merchantTransId: p.cashB.merchantTransId, status: 'PENDING' }, []);
    await expectListed({ merchantTransId: uniqueId('pl-nobody') }, []);
  });

  it('createdFrom is inclusive and createdTo exclusive, to the nanosecond, with any offset', async () => {
    await expectListed({ createdFrom: middle, createdTo: until }, [p.cashD, p.orderC].map((x) => x.paymentId));
    await expectListed({ createdFrom: since, createdTo: middle }, [p.cashB, p.orderA, p.cancelled, p.failed].map((x) => x.paymentId));
    // orderC's own start instant: in a range that starts there, out of one that ends there.
    const startOfC = await exactStart(p.orderC.paymentId);
    await expectListed({ createdFrom: startOfC, createdTo: until }, [p.cashD, p.orderC].map((x) => x.paymentId));
    await expectListed({ createdFrom: since, createdTo: startOfC }, [p.cashB, p.orderA, p.cancelled, p.failed].map((x) => x.paymentId));
    await expectListed({ createdFrom: until }, []);
  });

  it('pages of 2 walk the range without duplicates or gaps and end with nextPageToken null', async () => {
    await expectListed(window(), newestFirst);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const res = await list({ ...window(), pageSize: '2', ...(token && { pageToken: token }) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((v: { paymentId: string }) => v.paymentId));
      token = res.body.nextPageToken;
      if (token !== null) expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      pages += 1;
    } while (token !== null && pages < 10);
    expect(token).toBeNull();
    expect(seen).toEqual(newestFirst);
    expect(pages).toBeGreaterThanOrEqual(3);

    // A token only goes with the filters it was issued for, and only as it was given.
    const first = (await list({ ...window(), pageSize: '2' })).body;
    const other = await list({ ...window(), status: 'PENDING', pageToken: first.nextPageToken });
    expect(other.status).toBe(400);
    expect(other.body.error.details.map((d: { path: string }) => d.path)).toEqual(['pageToken']);
    // Another page size with the same filters is fine: the next page starts after the first two.
    const next = await list({ ...window(), pageSize: '10', pageToken: first.nextPageToken });
    expect(next.body.items.map((v: { paymentId: string }) => v.paymentId)).toEqual(newestFirst.slice(2));
  });

  it('refuses every value outside the closed lists and formats: 400 naming each parameter, nothing listed', async () => {
    const cases: [string, string[]][] = [
      ['status=PAID', ['status']],
      ['status=pending', ['status']],
      ['status=', ['status']],
      ['status=PENDING&status=FAILED', ['status']],
      ["status=SUCCEEDED' OR '1'='1", ['status']],
      ["status=SUCCEEDED' OR WorkflowType != '", ['status']],
      ['product=X', ['product']],
      ['product=ORDER_CODE) OR (1=1', ['product']],
      ["merchantTransId=a'b", ['merchantTransId']],
      ['merchantTransId=a b', ['merchantTransId']],
      ['merchantTransId=a" OR WorkflowId != "', ['merchantTransId']],
      ["merchantTransId=x' OR MerchantTransId != 'x", ['merchantTransId']],
      ['merchantTransId=%00', ['merchantTransId']],
      [`merchantTransId=${'a'.repeat(65)}`, ['merchantTransId']],
      ['createdFrom=yesterday', ['createdFrom']],
      ['createdFrom=2026-11-27', ['createdFrom']],
      ['createdFrom=2026-11-27T09:30:00', ['createdFrom']],
      ['createdFrom=2026-02-30T00:00:00Z', ['createdFrom']],
      ['createdFrom=2026-11-27T24:00:00Z', ['createdFrom']],
      ["createdFrom=2026-11-27T00:00:00Z' OR '1'='1", ['createdFrom']],
      ['createdTo=1969-12-31T23:59:59Z', ['createdTo']],
      ['createdFrom=2026-11-27T10:00:00Z&createdTo=2026-11-27T18:00:00+08:00', ['createdTo']],
      ['pageSize=0', ['pageSize']],
      ['pageSize=101', ['pageSize']],
      ['pageSize=abc', ['pageSize']],
      ['pageSize=1.5', ['pageSize']],
      ['pageSize=-1', ['pageSize']],
      ['pageToken=!!!', ['pageToken']],
      ['pageToken=abc', ['pageToken']],
      [`pageToken=${'A'.repeat(3000)}`, ['pageToken']],
      ['query=WorkflowType%3D%27x%27', ['query']],
      ['foo=1&bar=2', ['bar', 'foo']],
      ['__proto__=1', ['__proto__']],
      ['status=PAID&product=X&pageSize=0&extra=1', ['extra', 'pageSize', 'product', 'status']],
    ];
    for (const [query, paths] of cases) {
      const encoded = query
        .split('&')
        .map((pair) => pair.split('=').map(encodeURIComponent).join('='))
        .join('&');
      const res = await list(encoded);
      expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(Object.keys(res.body), query).toEqual(['error']);
      expect(res.body.error.code, query).toBe('VALIDATION_ERROR');
      expect(res.body.error.details.map((d: { path: string }) => d.path).sort(), query).toEqual(paths);
      for (const d of res.body.error.details) expect(d.message, query).toMatch(/\S/);
    }
  });

  it('a page token this service did not issue is a 400 naming pageToken, never a 500', async () => {
    const filters = { status: 'PENDING' as const };
    // Well-formed and bound to the right filters, but signed with another key: refused at once.
    const unsigned = encodePageToken(pageTokenKey('another-secret'), filters, { ordered: false, temporal: Buffer.from('{"CloseTime":"9999-12-31T23:59:59Z"}') });
    const refused = await list({ status: 'PENDING', pageToken: unsigned });
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect(refused.body.error.details.map((d: { path: string }) => d.path)).toEqual(['pageToken']);
    // Signed with the service's own key, but Temporal refuses the call it makes (here: a token
    // of a store that orders, sent to one that cannot): a 400 naming pageToken, not a 500. (A
    // cursor Temporal cannot parse takes the same path, after the SDK's retries of UNKNOWN.)
    const forged = encodePageToken(pageTokenKey(TEST_GATEWAY.secret), filters, { ordered: true, temporal: Buffer.from('garbage that is not a cursor') });
    const res = await list({ status: 'PENDING', pageToken: forged });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['pageToken']);
    // A real token with a character changed, cut short or lengthened: its signature no longer holds.
    const first = (await list({ ...window(), pageSize: '1' })).body;
    expect(first.nextPageToken).toEqual(expect.any(String));
    const real: string = first.nextPageToken;
    for (const garbled of [`${real.slice(0, 5)}${real[5] === 'A' ? 'B' : 'A'}${real.slice(6)}`, real.slice(0, 8), real.slice(0, -3), `${real}=`, `${real}A`]) {
      const res = await list({ ...window(), pageSize: '1', pageToken: garbled });
      expect(res.status, `${garbled}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['pageToken']);
    }
  });

  it('needs the API key: none or a wrong one is 401 with nothing listed', async () => {
    for (const apiKey of [null, 'not-the-key-0123456789-0123456789-01', `${TEST_API_KEY.secret}x`]) {
      const res = await list(window(), { apiKey });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
      expect(res.body.items).toBeUndefined();
    }
  });

  it('builds the visibility query from checked values only, each quoted', () => {
    expect(visibilityQuery({})).toBe("WorkflowType = 'alipayCnPayment' AND ExecutionStatus != 'ContinuedAsNew'");
    expect(
      visibilityQuery({ status: 'PENDING', product: 'ORDER_CODE', merchantTransId: 'm-1_A', createdFrom: '2026-11-27T01:30:00.000000000Z', createdTo: '2026-11-28T00:00:00.000000000Z' }),
    ).toBe(
      "WorkflowType = 'alipayCnPayment' AND ExecutionStatus != 'ContinuedAsNew' AND PaymentStatus = 'PENDING' AND PaymentProduct = 'ORDER_CODE'" +
        " AND MerchantTransId = 'm-1_A' AND StartTime >= '2026-11-27T01:30:00.000000000Z' AND StartTime < '2026-11-28T00:00:00.000000000Z'",
    );
    for (const bad of ["a'b", 'a"b', 'a b', 'a\\b', "x' OR '1'='1", 'a\nb']) expect(() => visibilityLiteral(bad)).toThrow(/refusing/);
    expect(visibilityLiteral('SUCCEEDED')).toBe("'SUCCEEDED'");
  });

  it('a payment whose state query fails is listed under unavailable, from its search attributes, and the page still answers', async () => {
    // A payment workflow no worker ever ran (another task queue), then terminated: Temporal
    // refuses to query it at once (no workflow task ever completed).
    const merchantTransId = uniqueId('pl-broken');
    const handle = await svc.api.client.workflow.start(WORKFLOW_TYPE, {
      workflowId: `alipay-cn:${merchantTransId}`,
      taskQueue: uniqueId('pl-nowhere'),
      args: [],
      typedSearchAttributes: [
        { key: searchAttributes.product, value: 'ORDER_CODE' },
        { key: searchAttributes.status, value: 'CREATED' },
        { key: searchAttributes.merchantTransId, value: merchantTransId },
      ],
    });
    await handle.terminate('a payment that cannot be read');
    const entry = {
      paymentId: handle.workflowId,
      merchantTransId,
      product: 'ORDER_CODE',
      status: 'CREATED',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      reason: { code: 'QUERY_FAILED', message: expect.stringMatching(/\S/) },
    };
    await expect.poll(async () => (await list({ merchantTransId })).body, { timeout: 20_000, interval: 200 }).toEqual({ items: [], unavailable: [entry], nextPageToken: null });
    // Among others, it does not fail the page: the readable ones are items as usual.
    const page = (await list({ product: 'ORDER_CODE', createdFrom: since })).body;
    expect(page.items.map((v: { paymentId: string }) => v.paymentId)).toEqual([p.orderC.paymentId, p.orderA.paymentId]);
    expect(page.unavailable).toEqual([entry]);
  });

  it('lists a payment whose worker is not running under unavailable (QUERY_TIMED_OUT) after its 2 s query deadline, and the page still answers', async () => {
    // A second API and worker on a queue of their own (the file's worker keeps running for the
    // others). The payment is made there, so its workflow has run; then its worker stops: its
    // state query waits for a worker that never comes, and only the route's deadline ends it.
    const queue = uniqueId('pl-stopped');
    const worker = await svc.startWorkerOn(queue);
    let workerStopped = false;
    const api = await startApi(testApiOptions({ rateLimit: { perSecond: 100_000, burst: 100_000 }, taskQueue: queue, temporalAddress: svc.temporalAddress }));
    try {
      const merchantTransId = uniqueId('pl-stuck');
      const created = await new MerchantClient({ baseUrl: api.url, apiKey: TEST_API_KEY.secret, retries: 0 }).createPayment(paymentRequest(merchantTransId));
      expect(created.status).toBe('PENDING');
      // Listed with its view while its worker runs (and indexed as PENDING).
      await expectListed({ merchantTransId, status: 'PENDING' }, [created.paymentId]);
      await worker.stop();
      workerStopped = true;

      const started = Date.now();
      const res = await list({ product: 'CASHIER_PAYMENT', createdFrom: since });
      const tookMs = Date.now() - started;
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      // ITEM_QUERY_TIMEOUT_MS (api/payment-list-routes.ts) is 2 s: the page waited for that
      // payment's deadline (less the route's 250 ms margin), and not longer than a few seconds.
      expect(tookMs).toBeGreaterThanOrEqual(1_750);
      expect(tookMs).toBeLessThan(5_000);
      expect(res.body.unavailable).toEqual([
        {
          paymentId: created.paymentId,
          merchantTransId,
          product: 'CASHIER_PAYMENT',
          status: 'PENDING',
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          reason: { code: 'QUERY_TIMED_OUT', message: expect.stringMatching(/within 2000 ms/) },
        },
      ]);
      // The payments whose worker runs are listed with their views, as ever.
      expect(res.body.items.map((v: { paymentId: string }) => v.paymentId)).toEqual([p.cashD, p.cashB, p.cancelled, p.failed].map((x) => x.paymentId));
      for (const item of res.body.items) expect(PaymentView.safeParse(item).success, JSON.stringify(item)).toBe(true);
      expect(res.body.nextPageToken).toBeNull();
    } finally {
      if (!workerStopped) await worker.stop();
      await api.close();
    }
  });

  it('lists a payment that continued as new once, as its current run', async () => {
    // An API whose payments continue as new after a short history; the file's worker runs them.
    const api = await startApi(testApiOptions({ historyLimit: 40, rateLimit: { perSecond: 100_000, burst: 100_000 }, taskQueue: svc.taskQueue, temporalAddress: svc.temporalAddress }));
    try {
      const merchantTransId = uniqueId('pl-can');
      const created = await new MerchantClient({ baseUrl: api.url, apiKey: TEST_API_KEY.secret, retries: 0 }).createPayment(paymentRequest(merchantTransId, { amount: { currency: 'CNY', value: 2000 } }));
      const paymentId = created.paymentId;
      await shopper.act('pay', merchantTransId);
      await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
      const handle = svc.api.client.workflow.getHandle(paymentId);
      const firstRun = (await handle.describe()).runId;
      let refunds = 0;
      while ((await handle.describe()).runId === firstRun && refunds < 15) {
        refunds += 1;
        expect((await http('POST', paymentUrl(paymentId, '/refunds'), { refundId: `r-${refunds}`, amount: { currency: 'CNY', value: 100 } })).status).toBe(202);
        await expect.poll(async () => (await svc.client.getPayment(paymentId)).refunds.every((r) => r.status !== 'PENDING'), { timeout: 20_000 }).toBe(true);
      }
      await expect.poll(async () => (await handle.describe()).runId, { timeout: 20_000 }).not.toBe(firstRun);
      // Visibility holds two runs or more of it; the list holds the payment once, with every refund.
      await expect
        .poll(async () => {
          let runs = 0;
          for await (const _ of svc.api.client.workflow.list({ query: `WorkflowId = ${visibilityLiteral(paymentId)}` })) runs += 1;
          return runs;
        }, { timeout: 20_000 })
        .toBeGreaterThanOrEqual(2);
      await expectListed({ merchantTransId }, [paymentId]);
      const item = (await list({ merchantTransId })).body.items[0];
      expect(item).toMatchObject({ status: 'SUCCEEDED', refundedAmount: { value: refunds * 100 } });
      expect(item.refunds).toHaveLength(refunds);
    } finally {
      await api.close();
    }
  });
});
