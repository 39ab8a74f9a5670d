// Publishing to JetStream. The message id is the event id, so a retried activity is
// de-duplicated by the stream (within DUPLICATE_WINDOW_MS) and never publishes twice.
import type { JetStreamClient } from 'nats';
import { headers as natsHeaders, JSONCodec } from 'nats';
import type { PaymentEvent } from '../events/schema.js';

const codec = JSONCodec<PaymentEvent>();

/** How long one attempt of the durable activity waits for the stream's acknowledgement. */
const PUBLISH_ACK_TIMEOUT_MS = 5_000;
/** The local first try waits less: after it, the durable activity takes over. */
const QUICK_ACK_TIMEOUT_MS = 2_000;

/**
 * While NATS is away an attempt fails after the ack timeout (a closed connection fails at once), and
 * Temporal retries it; the connection itself reconnects without limit (config/connections.ts).
 * `natsUp` says whether the connection is up now (worker/worker.ts follows its status).
 */
export function publishActivities(js: JetStreamClient, natsUp: () => boolean = () => true) {
  const send = async (subject: string, event: PaymentEvent, timeout: number) => {
    const h = natsHeaders();
    h.set('Content-Type', 'application/cloudevents+json');
    h.set('ce-type', event.type);
    const ack = await js.publish(subject, codec.encode(event), { msgID: event.id, headers: h, timeout });
    return { duplicate: ack.duplicate, seq: ack.seq };
  };
  return {
    /** The durable publish: an activity retried until the stream has the event. */
    publishEvent: (subject: string, event: PaymentEvent) => send(subject, event, PUBLISH_ACK_TIMEOUT_MS),
    /** The local first try (workflows/payment.ts): now, or at once not at all while NATS is away. */
    async publishEventNow(subject: string, event: PaymentEvent) {
      if (!natsUp()) throw new Error('NATS is not connected: the durable publish takes the event');
      return send(subject, event, QUICK_ACK_TIMEOUT_MS);
    },
  };
}
