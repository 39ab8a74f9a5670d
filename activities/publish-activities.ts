// Publishing to JetStream. The message id is the event id, so a retried activity is
// de-duplicated by the stream (within DUPLICATE_WINDOW_MS) and never publishes twice.
import type { JetStreamClient, NatsConnection } from 'nats';
import { headers as natsHeaders, JSONCodec } from 'nats';
import type { PaymentEvent } from '../events/schema.js';

const codec = JSONCodec<PaymentEvent>();

/** How long one attempt waits for the stream's acknowledgement; the activity then fails and retries. */
const PUBLISH_ACK_TIMEOUT_MS = 5_000;

export function publishActivities(js: JetStreamClient, nc?: NatsConnection) {
  return {
    async publishEvent(subject: string, event: PaymentEvent): Promise<{ duplicate: boolean; seq: number }> {
      // A closed connection never publishes again; fail at once so Temporal's retry (and the
      // connection's own reconnection, without limit) take over rather than a hang.
      if (nc?.isClosed()) throw new Error('the NATS connection is closed');
      const h = natsHeaders();
      h.set('Content-Type', 'application/cloudevents+json');
      h.set('ce-type', event.type);
      const ack = await js.publish(subject, codec.encode(event), { msgID: event.id, headers: h, timeout: PUBLISH_ACK_TIMEOUT_MS });
      return { duplicate: ack.duplicate, seq: ack.seq };
    },
  };
}
