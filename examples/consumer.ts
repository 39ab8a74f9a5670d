// An event consumer, written only against client/: a durable JetStream consumer that prints every
// CASHIER_PAYMENT event, validated; each is acked once the handler returned. Ctrl-C stops it, and
// the next run goes on where it stopped (same durable name). With `npm start` running:
//   NATS_PASSWORD="$(cat .data/nats-consumer-password)" npx tsx examples/consumer.ts
// NATS_URL (default nats://127.0.0.1:4223), NATS_USER (default consumer), NATS_PASSWORD,
// DURABLE (default example-consumer), PRODUCTS and TYPES (comma-separated; default all).
import { connect } from 'nats';
import { subscribePaymentEvents, type EventType, type Product } from '../client/index.js';

const list = <T extends string>(value: string | undefined) => (value ? (value.split(',').map((s) => s.trim()) as T[]) : undefined);

const nc = await connect({
  servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4223',
  user: process.env.NATS_USER ?? 'consumer',
  pass: process.env.NATS_PASSWORD,
});
const subscription = await subscribePaymentEvents(nc, {
  durable: process.env.DURABLE ?? 'example-consumer',
  products: list<Product>(process.env.PRODUCTS),
  types: list<EventType>(process.env.TYPES),
  handler: async (event, delivery) => {
    const { data } = event;
    console.log(`#${delivery.streamSequence} ${event.type} ${event.subject} seq ${event.sequence}: ${data.status}, refunded ${data.refundedAmount.value} ${data.refundedAmount.currency}`);
  },
});
console.log(`consuming ${subscription.filterSubjects.join(', ')} as durable ${subscription.durable}; Ctrl-C to stop`);

process.once('SIGINT', async () => {
  await subscription.stop();
  await nc.drain();
});
await subscription.done;
