// The two things the bench drives, behind one shape: create a CASHIER_PAYMENT over HTTP, let the
// shopper pay it in the sandbox, and learn when its `payment.succeeded` is on the stream. The
// service is reached as a merchant reaches it: through the typed client (client/, MerchantClient
// with the merchant key) and its events on ALIPAY_CN_PAYMENTS validated with the exported schema;
// the bare reference through its own route and stream. One consumer per stream for the whole run
// files each outcome by payment id.
import type { ConsumerMessages, NatsConnection } from 'nats';
import { performance } from 'node:perf_hooks';
import { request } from '../chaos/http.js';
import { MerchantClient, PaymentApiError, type CreatePaymentRequest } from '../client/index.js';
import { cashierBody } from '../domain/example-requests.js';
import { PaymentEvent, STREAM_NAME, SUBJECT_PREFIX } from '../events/schema.js';
import { BARE_STREAM, BARE_SUBJECT_PREFIX } from './bare/activities.js';
import type { Stack } from './stack.js';

export type Outcome = { ok: true; at: number } | { ok: false; at: number; type: string };
export type Created = { ok: true; paymentId: string; ms: number } | { ok: false; detail: string };

export interface Target {
  name: 'service' | 'bare';
  create(merchantTransId: string): Promise<Created>;
  /** The shopper pays in the sandbox (control API); the answer's status. */
  pay(merchantTransId: string): Promise<number>;
  /** The final outcome, or `timeout` once `deadline` (performance.now()) passes. */
  outcome(paymentId: string, deadline: number): Promise<Outcome>;
  /** When the event of `type` arrived for the payment (performance.now()), or null by `deadline`. */
  arrival(paymentId: string, type: string, deadline: number): Promise<number | null>;
  invalidEvents(): number;
  stop(): Promise<void>;
}

/** Reads a stream from now on and files, per payment, when each event type first arrived. */
class Arrivals {
  private seen = new Map<string, number>();
  private waiters = new Map<string, (at: number) => void>();
  invalid = 0;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;

  async start(nc: NatsConnection, stream: string, subjects: string, read: (msg: { subject: string; json(): unknown }) => { paymentId: string; type: string } | null) {
    const consumer = await nc.jetstream().consumers.get(stream, { filterSubjects: [subjects], deliver_policy: 'new' } as never);
    const messages = (this.messages = await consumer.consume());
    this.loop = (async () => {
      for await (const msg of messages) {
        const at = performance.now();
        const event = read(msg);
        if (!event) {
          this.invalid++;
          continue;
        }
        const key = `${event.paymentId}|${event.type}`;
        if (this.seen.has(key)) continue;
        this.seen.set(key, at);
        this.waiters.get(key)?.(at);
        this.waiters.delete(key);
      }
    })();
  }

  /** When the first of `types` arrived for the payment, or null once `deadline` (performance.now()) passes. */
  first(paymentId: string, types: readonly string[], deadline: number): Promise<{ type: string; at: number } | null> {
    for (const type of types) {
      const at = this.seen.get(`${paymentId}|${type}`);
      if (at !== undefined) return Promise.resolve({ type, at });
    }
    return new Promise((resolve) => {
      const keys = types.map((type) => `${paymentId}|${type}`);
      const done = (value: { type: string; at: number } | null) => {
        clearTimeout(timer);
        for (const key of keys) this.waiters.delete(key);
        resolve(value);
      };
      const timer = setTimeout(() => done(null), Math.max(0, deadline - performance.now()));
      types.forEach((type, i) => this.waiters.set(keys[i], (at) => done({ type, at })));
    });
  }

  async stop() {
    this.messages?.stop();
    await this.loop?.catch(() => undefined);
  }
}

const FINAL_TYPES = ['payment.succeeded', 'payment.failed', 'payment.expired', 'payment.cancelled'] as const;

/** Creates the payment: its id, or why it was not created. */
type Post = (merchantTransId: string) => Promise<{ paymentId: string } | { detail: string }>;

/** How long the bench waits for any one answer of the API. */
const ANSWER_TIMEOUT_MS = 30_000;

/**
 * The merchant client the bench uses for the service: the stack's API and key; every request
 * bounded by ANSWER_TIMEOUT_MS. No retries: a payment whose call failed is counted as a failure
 * (as each answer was before the client), not hidden in its latency, so each payment costs the
 * same round trips as any merchant's first attempt.
 */
export function benchMerchant(stack: Pick<Stack, 'apiUrl' | 'apiKey'>): MerchantClient {
  return new MerchantClient({
    baseUrl: stack.apiUrl,
    apiKey: stack.apiKey,
    retries: 0,
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) }),
  });
}

/** A failed client call, for a Failure's detail. */
export const failureDetail = (err: unknown) =>
  err instanceof PaymentApiError ? `${err.status} ${err.code}: ${err.message}`.slice(0, 240) : String((err as Error)?.message ?? err).slice(0, 240);

async function target(
  name: Target['name'],
  stack: Stack,
  nc: NatsConnection,
  post: Post,
  stream: { name: string; subjects: string; read: (msg: { subject: string; json(): unknown }) => { paymentId: string; type: string } | null },
): Promise<Target> {
  const arrivals = new Arrivals();
  await arrivals.start(nc, stream.name, stream.subjects, stream.read);
  return {
    name,
    async create(merchantTransId) {
      const started = performance.now();
      const res = await post(merchantTransId);
      if ('detail' in res) return { ok: false, detail: res.detail };
      return { ok: true, paymentId: res.paymentId, ms: performance.now() - started };
    },
    pay: async (merchantTransId) => (await request('POST', `${stack.sandboxUrl}/sandbox/payments/${merchantTransId}/pay`)).status,
    async outcome(paymentId, deadline) {
      const final = await arrivals.first(paymentId, FINAL_TYPES, deadline);
      if (!final) return { ok: false, at: performance.now(), type: 'timeout' };
      return final.type === 'payment.succeeded' ? { ok: true, at: final.at } : { ok: false, at: final.at, type: final.type };
    },
    arrival: async (paymentId, type, deadline) => (await arrivals.first(paymentId, [type], deadline))?.at ?? null,
    invalidEvents: () => arrivals.invalid,
    stop: () => arrivals.stop(),
  };
}

/** The service, created through `merchant` (benchMerchant): one POST /v1/payments per payment. */
export function serviceTarget(stack: Stack, nc: NatsConnection, merchant: MerchantClient): Promise<Target> {
  return target(
    'service',
    stack,
    nc,
    async (id) => {
      try {
        // Each merchantTransId is new and nothing is retried: the answer is this payment, PENDING
        // with the cashier's redirect URL (the PAY update of the create answered).
        const view = await merchant.createPayment(cashierBody(id) as CreatePaymentRequest);
        const payAction = view.payAction;
        if (view.merchantTransId === id && view.status === 'PENDING' && payAction && 'redirectUrl' in payAction && payAction.redirectUrl) return { paymentId: view.paymentId };
        return { detail: `answered ${view.merchantTransId} ${view.status}, payAction ${JSON.stringify(view.payAction)}`.slice(0, 240) };
      } catch (err) {
        return { detail: failureDetail(err) };
      }
    },
    {
      name: STREAM_NAME,
      subjects: `${SUBJECT_PREFIX}.>`,
      read(msg) {
        const parsed = PaymentEvent.safeParse(msg.json());
        return parsed.success ? { paymentId: parsed.data.subject, type: parsed.data.type.replace(/^alipay_cn\./, '') } : null;
      },
    },
  );
}

export function bareTarget(stack: Stack, nc: NatsConnection): Promise<Target> {
  return target(
    'bare',
    stack,
    nc,
    async (id) => {
      const res = await request('POST', `${stack.bareUrl}/bare/payments`, { body: cashierBody(id), timeoutMs: ANSWER_TIMEOUT_MS });
      return res.status === 201 && res.body?.payAction ? { paymentId: res.body.paymentId as string } : { detail: `${res.status} ${res.error ?? JSON.stringify(res.body).slice(0, 200)}` };
    },
    {
      name: BARE_STREAM,
      subjects: `${BARE_SUBJECT_PREFIX}.>`,
      read(msg) {
        const event = msg.json() as { paymentId?: unknown; type?: unknown };
        return typeof event.paymentId === 'string' && typeof event.type === 'string' ? { paymentId: event.paymentId, type: event.type } : null;
      },
    },
  );
}
