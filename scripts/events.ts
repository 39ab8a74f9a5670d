// `npm run events [-- <paymentId>] [-- --follow]`: prints the payment events in the stream
// (validated against the exported schema), for people without the nats CLI.
import { connect } from 'nats';
import { endpoints, loadConfig } from '../config/config.js';
import { PaymentEvent, STREAM_NAME } from '../events/schema.js';

const args = process.argv.slice(2);
const follow = args.includes('--follow');
const paymentId = args.find((a) => !a.startsWith('--'));
const nc = await connect({ servers: endpoints(loadConfig()).natsUrl });
const consumer = await nc.jetstream().consumers.get(STREAM_NAME, { filterSubjects: ['payments.alipay_cn.>'] });
const pending = (await consumer.info(true)).num_pending;
let seen = 0;
if (pending > 0 || follow) {
  const messages = await consumer.consume();
  for await (const m of messages) {
    seen += 1;
    const event = PaymentEvent.parse(m.json());
    if (!paymentId || event.subject === paymentId) {
      console.log(`${m.subject}  #${event.sequence}  ${event.data.status}`);
      console.log(JSON.stringify(event, null, 2));
    }
    if (!follow && seen >= pending) break;
  }
}
await nc.drain();
