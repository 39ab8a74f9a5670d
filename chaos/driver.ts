// One payment, the way the merchant, the shopper and the gateway's control API play it. Every
// request is retried while it gets no definitive answer (the servers may be down), up to a
// deadline; what each got is recorded for the report.
import { setTimeout as sleep } from 'node:timers/promises';
import { formatGatewayTime } from '../domain/gateway-time.js';
import { entryPaymentIdFor, paymentIdFor } from '../workflows/messages.js';
import { persist, request, undecided, type Answer } from './http.js';
import type { PaymentPlan } from './plan.js';

export const PAY_CODE = '281234567890123456';

export interface RequestRecord {
  what: string;
  status: number;
  code?: string;
  attempts: number;
}

export interface Tracked {
  plan: PaymentPlan;
  paymentId?: string;
  merchantTransId?: string;
  /** The API answered 2xx to POST /v1/payments, or (ENTRY_CODE) the gateway took the shopper's payment. */
  accepted: boolean;
  /** POST /v1/payments never got a definitive answer within the deadline. */
  unanswered: boolean;
  requests: RequestRecord[];
  notes: string[];
  /** Every status a view of this payment showed the harness (POST answers, GETs). */
  seenStatuses: Set<string>;
}

export interface DriverContext {
  apiUrl: string;
  sandboxUrl: string;
  webhookUrl: string;
  apiKey: string;
  expirySeconds: number;
  requestDeadlineMs: number;
  timezone: string;
  /** PUT /sandbox/payment-code is global: a PAYMENT_CODE start holds this while its PAY lands. */
  paymentCodeLock: Mutex;
}

export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async hold<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise((r) => (release = r));
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

const errorCode = (a: Answer): string | undefined => (a.status === 0 ? a.error : (a.body?.error?.code ?? a.body?.code));

function record(t: Tracked, what: string, a: Answer & { attempts?: number }): Answer {
  t.requests.push({ what, status: a.status, ...(errorCode(a) && { code: errorCode(a) }), attempts: a.attempts ?? 1 });
  return a;
}

function paymentBody(plan: PaymentPlan, ctx: DriverContext) {
  const expireAt = formatGatewayTime(Date.now() + ctx.expirySeconds * 1000, ctx.timezone);
  return {
    merchantTransId: plan.merchantTransId,
    paymentMethod: 'ALIPAY_CN',
    product: plan.product,
    amount: { currency: 'CNY', value: plan.amount },
    goods: { description: `Chaos order ${plan.index}` },
    riskData: { device: { os: plan.index % 2 ? 'iOS' : 'Android' } },
    ...(plan.explicitExpiry && { expireAt }),
    ...(plan.product === 'PAYMENT_CODE' && { payCodeValue: PAY_CODE }),
  };
}

/** What PUT /sandbox/payment-code answers the next PAYMENT_CODE PAY with, for this plan. */
function paymentCodeAnswer(plan: PaymentPlan) {
  switch (plan.shopper) {
    case 'code-fail':
      return { answer: 'FAIL' };
    case 'code-pending-auto':
      return { answer: 'PENDING', pendingForMs: 1_000 + plan.thinkMs * 2, thenStatus: 'SUCCESS' };
    case 'code-pending-confirm':
    case 'code-pending-never':
      return { answer: 'PENDING' };
    default:
      return { answer: 'SUCCESS' };
  }
}

export async function drive(plan: PaymentPlan, ctx: DriverContext): Promise<Tracked> {
  const t: Tracked = { plan, accepted: false, unanswered: false, requests: [], notes: [], seenStatuses: new Set() };
  const saw = (a: Answer) => {
    if ((a.status === 200 || a.status === 201) && typeof a.body?.status === 'string') t.seenStatuses.add(a.body.status);
    return a;
  };
  const deadline = () => Date.now() + ctx.requestDeadlineMs;
  const auth = { authorization: `Bearer ${ctx.apiKey}` };
  const api = (method: string, path: string, body?: unknown) => request(method, `${ctx.apiUrl}${path}`, { body, headers: auth, timeoutMs: 20_000 });
  const sandbox = (method: string, path: string, body?: unknown) => request(method, `${ctx.sandboxUrl}${path}`, { body, timeoutMs: 10_000 });

  try {
    if (plan.product === 'ENTRY_CODE') {
      await sleep(plan.thinkMs);
      const a = record(
        t,
        'entry-code pay',
        await persist(
          () =>
            sandbox('POST', '/sandbox/entry-code/pay', {
              amount: { currency: 'CNY', value: plan.amount },
              codeId: `chaos-counter-${plan.index % 5}`,
              status: plan.shopper === 'entry-fail' ? 'FAIL' : 'SUCCESS',
              notifyUrl: ctx.webhookUrl,
            }),
          deadline(),
        ),
      );
      if (a.status !== 200) return (t.notes.push(`entry-code pay answered ${a.status}`), t);
      t.accepted = true;
      t.merchantTransId = a.body.merchantTransId;
      t.paymentId = entryPaymentIdFor(a.body.gatewayTransId);
    } else {
      t.merchantTransId = plan.merchantTransId!;
      t.paymentId = paymentIdFor(t.merchantTransId);
      const body = paymentBody(plan, ctx);
      const post = () => api('POST', '/v1/payments', body).then(saw);
      const retryPost = (a: Answer) => undecided(a) && !(a.status === 502 && a.body?.error?.code === 'UPSTREAM_UNAVAILABLE');
      let first: Answer;
      if (plan.product === 'PAYMENT_CODE') {
        first = await ctx.paymentCodeLock.hold(async () => {
          record(t, 'payment-code answer', await sandbox('PUT', '/sandbox/payment-code', paymentCodeAnswer(plan)));
          return post();
        });
      } else {
        first = await post();
      }
      let a: Answer & { attempts: number } = { ...first, attempts: 1 };
      if (retryPost(first)) {
        const rest = await persist(post, deadline(), retryPost);
        a = { ...rest, attempts: rest.attempts + 1 };
      }
      record(t, 'POST /v1/payments', a);
      t.accepted = a.status === 200 || a.status === 201;
      t.unanswered = retryPost(a);
      if (!t.accepted) return t;

      const shopperActs = plan.shopper === 'pay' || plan.shopper === 'decline' || plan.shopper === 'code-pending-confirm';
      if (shopperActs) {
        // The shopper acts on what the payment shows: once the gateway has the order.
        const order = await persist(() => sandbox('GET', `/sandbox/payments/${t.merchantTransId}`), Date.now() + 30_000, (x) => x.status !== 200);
        if (order.status !== 200) t.notes.push('the gateway never had the order: the shopper could not pay');
        else {
          await sleep(plan.thinkMs);
          const action = plan.shopper === 'decline' ? 'decline' : 'pay';
          record(t, `shopper ${action}`, await persist(() => sandbox('POST', `/sandbox/payments/${t.merchantTransId}/${action}`), deadline()));
        }
      }
      if (plan.merchant === 'cancel-pending') {
        await sleep(plan.thinkMs);
        record(t, 'cancel (pending)', await persist(() => api('POST', `/v1/payments/${t.paymentId}/cancel`).then(saw), deadline()));
        return t;
      }
    }

    if (plan.merchant === 'none') return t;
    // Refunds and cancellations of a paid payment: once the view says SUCCEEDED.
    const view = await persist(
      () => api('GET', `/v1/payments/${encodeURIComponent(t.paymentId!)}`).then(saw),
      deadline(),
      (x) => undecided(x) || x.status === 404 || (x.status === 200 && (x.body.status === 'PENDING' || x.body.status === 'CREATED')),
    );
    if (view.status !== 200 || view.body.status !== 'SUCCEEDED') {
      t.notes.push(`${plan.merchant} skipped: the payment is ${view.status === 200 ? view.body.status : `unreadable (${view.status})`}`);
      return t;
    }
    const refund = (k: number, share: number) =>
      persist(() => api('POST', `/v1/payments/${encodeURIComponent(t.paymentId!)}/refunds`, {
        refundId: `r${plan.index}-${k}`,
        amount: { currency: 'CNY', value: Math.max(1, Math.floor(plan.amount * share)) },
        reason: 'chaos',
      }), deadline());
    const cancel = () => persist(() => api('POST', `/v1/payments/${encodeURIComponent(t.paymentId!)}/cancel`).then(saw), deadline());
    switch (plan.merchant) {
      case 'refund':
        record(t, 'refund r1 30%', await refund(1, 0.3));
        break;
      case 'refund-duplicate': {
        const [x, y] = await Promise.all([refund(1, 0.4), refund(1, 0.4)]);
        record(t, 'refund r1 40%', x);
        record(t, 'refund r1 40% (duplicate)', y);
        record(t, 'refund r2 20%', await refund(2, 0.2));
        break;
      }
      case 'refund-overrace': {
        const answers = await Promise.all([refund(1, 0.4), refund(2, 0.4), refund(3, 0.4)]);
        answers.forEach((x, i) => record(t, `refund r${i + 1} 40% (racing)`, x));
        break;
      }
      case 'cancel':
        record(t, 'cancel', await cancel());
        break;
      case 'cancel-refund-race': {
        const [c, r] = await Promise.all([cancel(), refund(1, 0.5)]);
        record(t, 'cancel (racing a refund)', c);
        record(t, 'refund r1 50% (racing a cancel)', r);
        break;
      }
    }
  } catch (err) {
    t.notes.push(`driver error: ${(err as Error).stack ?? err}`);
  }
  return t;
}
