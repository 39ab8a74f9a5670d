// For every product, the gateway's faults on the way (lost, duplicated and reordered
// notifications; 5xx, timeouts and U results on PAY and DETAIL) change nothing the merchant can
// see: the payment ends in the state it reaches without faults, with the same events, once each.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PAY_CODE, cashierBody, eventsUntil, http, shopperOf, startService, uniqueId, type TestService } from './support/service.js';

let svc: TestService;
let shopper: ReturnType<typeof shopperOf>;
beforeAll(async () => {
  svc = await startService({ pollInitialMs: 500, pollMaxMs: 1000, paymentCode: { pollMs: 500, maxPolls: 30, confirmMs: 30_000 } });
  shopper = shopperOf(svc);
});
afterAll(async () => svc?.stop());
afterEach(async () => shopper.reset());

type Product = 'CASHIER_PAYMENT' | 'ORDER_CODE' | 'PAYMENT_CODE' | 'ENTRY_CODE';

/** Starts a payment the way its product starts, lets the shopper pay; returns its paymentId. */
async function payOnce(product: Product): Promise<string> {
  if (product === 'ENTRY_CODE') return (await shopper.payEntryCode(1000)).paymentId;
  if (product === 'PAYMENT_CODE') await shopper.paymentCodeAnswers({ answer: 'PENDING' });
  const id = uniqueId(`fm-${product.toLowerCase()}`);
  const overrides = product === 'PAYMENT_CODE' ? { product, payCodeValue: PAY_CODE } : { product };
  const res = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id, overrides));
  expect(res.status).toBe(201);
  // The shopper acts on what the payment shows (the QR code, the app's prompt): after PAY has
  // landed and payment.pending says so, even when PAY's answer was lost on the way back.
  await eventsUntil(svc.nats, res.body.paymentId, 'payment.pending');
  expect((await shopper.act('pay', id)).status).toBe(200);
  return res.body.paymentId;
}

const NOTIFICATION_FAULTS: Record<string, object> = {
  'lost notifications (first attempts dropped, retries arrive)': { dropNextNotifications: 2 },
  'duplicated notifications': { duplicateNotifications: 1 },
  'reordered notifications': { reorderNotifications: true },
};
const GATEWAY_FAULTS: Record<string, object> = {
  'PAY answered 5xx': { failNext: { pay: 1, mode: 'error' } },
  'PAY timed out': { failNext: { pay: 1, mode: 'timeout' } },
  'PAY answered U': { failNext: { pay: 1, mode: 'unknown' } },
  'DETAIL answered 5xx while notifications are lost': { dropNotifications: 1, failNext: { detail: 2, mode: 'error' } },
  'DETAIL timed out while notifications are lost': { dropNotifications: 1, failNext: { detail: 1, mode: 'timeout' } },
  'DETAIL answered U while notifications are lost': { dropNotifications: 1, failNext: { detail: 2, mode: 'unknown' } },
};

const PRODUCTS: Product[] = ['CASHIER_PAYMENT', 'ORDER_CODE', 'PAYMENT_CODE', 'ENTRY_CODE'];
const EXPECTED: Record<Product, string[]> = {
  CASHIER_PAYMENT: ['payment.pending', 'payment.succeeded'],
  ORDER_CODE: ['payment.pending', 'payment.succeeded'],
  PAYMENT_CODE: ['payment.pending', 'payment.succeeded'],
  ENTRY_CODE: ['payment.succeeded'],
};

async function finalEvents(paymentId: string) {
  const events = await eventsUntil(svc.nats, paymentId, 'payment.succeeded', 45_000);
  return { types: events.map((e) => e.type.replace('alipay_cn.', '')), sequences: events.map((e) => e.sequence) };
}

describe.each(PRODUCTS)('%s under faults', (product) => {
  it('without faults: the baseline', async () => {
    const { types, sequences } = await finalEvents(await payOnce(product));
    expect(types).toEqual(EXPECTED[product]);
    expect(sequences).toEqual(EXPECTED[product].map((_, i) => i + 1));
  });

  const faults = product === 'ENTRY_CODE' ? NOTIFICATION_FAULTS : { ...NOTIFICATION_FAULTS, ...GATEWAY_FAULTS };
  it.each(Object.entries(faults))('%s: same final state and events, no duplicates', async (_name, fault) => {
    await shopper.faults(fault);
    const paymentId = await payOnce(product);
    const { types, sequences } = await finalEvents(paymentId);
    expect(types).toEqual(EXPECTED[product]);
    expect(sequences).toEqual(EXPECTED[product].map((_, i) => i + 1));
    const view = await svc.client.getPayment(paymentId);
    expect(view).toMatchObject({ status: 'SUCCEEDED', amount: { currency: 'CNY', value: 1000 } });
  });
});
