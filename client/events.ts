// The event consumer helper: a durable JetStream pull consumer on ALIPAY_CN_PAYMENTS that yields
// the payment events (CloudEvents, events/schema.ts PaymentEvent) validated, and acknowledges each
// one only after it was handled.
//
// - Filter subjects are products × types (`payments.alipay_cn.{product}.{type}`); either left out
//   means all of them.
// - The durable consumer is created when missing, bound when it exists (its filter updated to the
//   one asked for), so a restarted consumer goes on where it stopped.
// - A message that is not a valid PaymentEvent is terminated (`term`, never redelivered) and
//   reported to `onInvalid`; it is never handed to the handler.
// - With a handler: the message is acked (double-ack, confirmed by the server) after the handler
//   resolved, and nak'ed when it threw or rejected, so it is redelivered (after `nakDelayMs`).
//   As an async iterator: an event is acked when the loop asks for the next one, i.e. after the
//   loop body finished; leaving the loop (break, throw) naks the event in hand.
// - `maxAckPending` is 1 by default: one event in flight, so events arrive in stream order, a
//   redelivered event included. Raise it for throughput when order does not matter.
import { AckPolicy, DeliverPolicy, nanos, type ConsumerConfig, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { EVENT_TYPES, PaymentEvent, STREAM_NAME, SUBJECT_PREFIX, subjectFor, type EventType } from '../events/schema.js';
import { PRODUCTS, type Product } from '../gateway/wire.js';

export { EVENT_TYPES, PRODUCTS, STREAM_NAME, PaymentEvent };
export type { EventType, Product };

/** Where the stream stands for this message: what a handler may log or use for deduplication. */
export interface EventDelivery {
  /** The NATS subject it was published on. */
  subject: string;
  /** The stream sequence of the message. */
  streamSequence: number;
  /** 1 on the first delivery, more on a redelivery. */
  deliveryCount: number;
}

export interface InvalidEvent {
  subject: string;
  streamSequence: number;
  error: Error;
}

export interface SubscribeOptions {
  /** The durable consumer's name (created when missing, bound when it exists). */
  durable: string;
  /** Event types to receive, e.g. ['payment.succeeded'] (default: all). */
  types?: readonly EventType[];
  /** Products to receive, e.g. ['CASHIER_PAYMENT'] (default: all). */
  products?: readonly Product[];
  /** Called for each event; the message is acked once it resolves and nak'ed when it throws. Without one, iterate the subscription. */
  handler?: (event: PaymentEvent, delivery: EventDelivery) => unknown;
  /** A message that is no valid PaymentEvent (it was terminated). Default: console.error. */
  onInvalid?: (invalid: InvalidEvent) => void;
  /** The handler threw: the message was nak'ed for redelivery. Default: console.error. */
  onHandlerError?: (error: unknown, event: PaymentEvent, delivery: EventDelivery) => void;
  /** Where a new durable consumer starts: 'all' (the default: everything the stream keeps), 'new', or an instant. */
  from?: 'all' | 'new' | Date;
  /** Events in flight at once (default 1: strict stream order). */
  maxAckPending?: number;
  /** How long the server waits for an ack before redelivering (default 30 000 ms). */
  ackWaitMs?: number;
  /** The delay before a nak'ed event is redelivered (default 1 000 ms). */
  nakDelayMs?: number;
}

export interface PaymentEventSubscription extends AsyncIterable<PaymentEvent> {
  /** The durable consumer's name. */
  readonly durable: string;
  /** The consumer's filter subjects. */
  readonly filterSubjects: string[];
  /** With a handler: settles when the subscription ended (stop(), or the connection closed). */
  readonly done: Promise<void>;
  /** Stops pulling: waits for an event being handled to be acked or nak'ed. The durable consumer stays on the server. */
  stop(): Promise<void>;
}

/** The filter subjects for products × types (one wildcard subject when either is "all"). */
export function filterSubjectsFor(products?: readonly Product[], types?: readonly EventType[]): string[] {
  const ps = products && products.length > 0 ? [...new Set(products)] : null;
  const ts = types && types.length > 0 ? [...new Set(types)] : null;
  if (!ps && !ts) return [`${SUBJECT_PREFIX}.>`];
  if (ps && !ts) return ps.map((p) => `${SUBJECT_PREFIX}.${p}.>`);
  if (!ps && ts) return ts.map((t) => `${SUBJECT_PREFIX}.*.${t}`);
  return ps!.flatMap((p) => ts!.map((t) => subjectFor(p, t)));
}

function deliverPolicy(from: SubscribeOptions['from']): Partial<ConsumerConfig> {
  if (from instanceof Date) return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: from.toISOString() };
  return { deliver_policy: from === 'new' ? DeliverPolicy.New : DeliverPolicy.All };
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((s) => b.includes(s));

/** Creates or binds the durable consumer and starts receiving (with a handler) or waits to be iterated. */
export async function subscribePaymentEvents(nc: NatsConnection, opts: SubscribeOptions): Promise<PaymentEventSubscription> {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(opts.durable)) throw new Error(`durable must be 1 to 200 characters of A-Z, a-z, 0-9, _ or - (got ${JSON.stringify(opts.durable)})`);
  for (const p of opts.products ?? []) if (!PRODUCTS.includes(p)) throw new Error(`unknown product ${p}: one of ${PRODUCTS.join(', ')}`);
  for (const t of opts.types ?? []) if (!EVENT_TYPES.includes(t)) throw new Error(`unknown event type ${t}: one of ${EVENT_TYPES.join(', ')}`);
  const filterSubjects = filterSubjectsFor(opts.products, opts.types);
  const onInvalid = opts.onInvalid ?? ((i) => console.error(`payment event #${i.streamSequence} on ${i.subject} is invalid and was terminated: ${i.error.message}`));
  const onHandlerError =
    opts.onHandlerError ?? ((err, e) => console.error(`payment event ${e.id} (${e.type}) failed in the handler and will be redelivered:`, err));
  const nakDelayMs = opts.nakDelayMs ?? 1_000;

  const jsm = await nc.jetstreamManager();
  let existing;
  try {
    existing = await jsm.consumers.info(STREAM_NAME, opts.durable);
  } catch (err) {
    if (!/consumer not found/i.test((err as Error).message)) throw err;
  }
  /** Events in flight at once: as asked, else as the durable has it, else 1 (stream order). */
  const maxAckPending = opts.maxAckPending ?? existing?.config.max_ack_pending ?? 1;
  if (!existing) {
    await jsm.consumers.add(STREAM_NAME, {
      durable_name: opts.durable,
      ack_policy: AckPolicy.Explicit,
      filter_subjects: filterSubjects,
      max_ack_pending: maxAckPending,
      ack_wait: nanos(opts.ackWaitMs ?? 30_000),
      ...deliverPolicy(opts.from),
    });
  } else {
    const current = existing.config.filter_subjects ?? (existing.config.filter_subject ? [existing.config.filter_subject] : []);
    if (!sameSet(current, filterSubjects) || maxAckPending !== existing.config.max_ack_pending) {
      await jsm.consumers.update(STREAM_NAME, opts.durable, { filter_subjects: filterSubjects, max_ack_pending: maxAckPending });
    }
  }

  const consumer = await nc.jetstream().consumers.get(STREAM_NAME, opts.durable);
  let messages: ConsumerMessages | null = null;
  let stopped = false;
  let iterated = false;

  /** The validated event of a message, or null once it was terminated and reported. */
  const eventOf = (m: JsMsg): { event: PaymentEvent; delivery: EventDelivery } | null => {
    const delivery = { subject: m.subject, streamSequence: m.seq, deliveryCount: m.info.redeliveryCount };
    let error: Error;
    try {
      const parsed = PaymentEvent.safeParse(m.json());
      if (parsed.success) return { event: parsed.data, delivery };
      error = new Error(parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; '));
    } catch (err) {
      error = new Error(`not JSON: ${(err as Error).message}`);
    }
    m.term(`invalid payment event: ${error.message}`.slice(0, 200));
    onInvalid({ subject: m.subject, streamSequence: m.seq, error });
    return null;
  };

  const ack = async (m: JsMsg) => {
    try {
      await m.ackAck();
    } catch {
      // The ack was not confirmed: the server redelivers after ack_wait (at-least-once).
    }
  };

  /** Each message with its validated event, until stop() (invalid ones are terminated on the way). */
  async function* readings(msgs: ConsumerMessages): AsyncGenerator<{ m: JsMsg; event: PaymentEvent; delivery: EventDelivery }> {
    for await (const m of msgs) {
      if (stopped) {
        m.nak();
        break;
      }
      const read = eventOf(m);
      if (read) yield { m, ...read };
    }
  }

  async function* iterate(): AsyncGenerator<PaymentEvent> {
    messages = await consumer.consume({ max_messages: Math.max(1, maxAckPending) });
    for await (const { m, event } of readings(messages)) {
      let handled = false;
      try {
        yield event;
        handled = true;
      } finally {
        if (handled) await ack(m);
        else m.nak(nakDelayMs);
      }
    }
  }

  let loop: Promise<void> = Promise.resolve();
  if (opts.handler) {
    const handler = opts.handler;
    messages = await consumer.consume({ max_messages: Math.max(1, maxAckPending) });
    const msgs = messages;
    loop = (async () => {
      for await (const { m, event, delivery } of readings(msgs)) {
        try {
          await handler(event, delivery);
        } catch (err) {
          m.nak(nakDelayMs);
          onHandlerError(err, event, delivery);
          continue;
        }
        await ack(m);
      }
    })();
  }

  return {
    durable: opts.durable,
    filterSubjects,
    done: loop,
    [Symbol.asyncIterator]() {
      if (opts.handler) throw new Error('this subscription has a handler: it is not iterated');
      if (iterated) throw new Error('a subscription is iterated once');
      iterated = true;
      return iterate();
    },
    async stop() {
      if (stopped) return loop;
      stopped = true;
      (messages as ConsumerMessages | null)?.stop();
      await loop;
    },
  };
}
