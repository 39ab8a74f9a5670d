// The two things the bench drives, behind one shape: create a CASHIER_PAYMENT over HTTP, let the
// shopper pay it in the sandbox, and learn when its `payment.succeeded` is on the stream. The
// service is reached through its contract (POST /v1/payments with the merchant key, events on
// ALIPAY_CN_PAYMENTS validated with the exported schema); the bare reference through its own route
// and stream. One consumer per stream for the whole run files each outcome by payment id.
import type { ConsumerMessages, NatsConnection } from 'nats';
import { performance } from 'node:perf_hooks';
import { request, type Answer } from '../chaos/http.js';
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

async function target(
  name: Target['name'],
  stack: Stack,
  nc: NatsConnection,
  post: (merchantTransId: string) => Promise<Answer>,
  created: (res: Answer) => string | null,
  stream: { name: string; subjects: string; read: (msg: { subject: string; json(): unknown }) => { paymentId: string; type: string } | null },
): Promise<Target> {
  const arrivals = new Arrivals();
  await arrivals.start(nc, stream.name, stream.subjects, stream.read);
  return {
    name,
    async create(merchantTransId) {
      const started = performance.now();
      const res = await post(merchantTransId);
      const paymentId = created(res);
      if (paymentId === null) return { ok: false, detail: `${res.status} ${res.error ?? JSON.stringify(res.body).slice(0, 200)}` };
      return { ok: true, paymentId, ms: performance.now() - started };
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

export function serviceTarget(stack: Stack, nc: NatsConnection): Promise<Target> {
  return target(
    'service',
    stack,
    nc,
    (id) => request('POST', `${stack.apiUrl}/v1/payments`, { body: cashierBody(id), headers: { authorization: `Bearer ${stack.apiKey}` }, timeoutMs: 30_000 }),
    (res) => (res.status === 201 && res.body?.status === 'PENDING' && res.body?.payAction?.redirectUrl ? res.body.paymentId : null),
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
    (id) => request('POST', `${stack.bareUrl}/bare/payments`, { body: cashierBody(id), timeoutMs: 30_000 }),
    (res) => (res.status === 201 && res.body?.payAction ? res.body.paymentId : null),
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
