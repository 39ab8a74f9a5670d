// Publishing to JetStream. The message id is the event id, so a retried activity is
// de-duplicated by the stream (within DUPLICATE_WINDOW_MS) and never publishes twice.
import type { JetStreamClient } from 'nats';
import { headers as natsHeaders, JSONCodec } from 'nats';
import type { PaymentEvent } from '../events/schema.js';

const codec = JSONCodec<PaymentEvent>();

/** How long one attempt waits for the stream's acknowledgement. */
const PUBLISH_ACK_TIMEOUT_MS = 5_000;

/**
 * While NATS is away the attempt fails after this (a closed connection fails at once), and
 * Temporal retries it; the connection itself reconnects without limit (config/connections.ts).
 */
export function publishActivities(js: JetStreamClient) {
  return {
    async publishEvent(subject: string, event: PaymentEvent): Promise<{ duplicate: boolean; seq: number }> {
      const h = natsHeaders();
      h.set('Content-Type', 'application/cloudevents+json');
      h.set('ce-type', event.type);
      const ack = await js.publish(subject, codec.encode(event), { msgID: event.id, headers: h, timeout: PUBLISH_ACK_TIMEOUT_MS });
      return { duplicate: ack.duplicate, seq: ack.seq };
    },
  };
}
