// `npm run events [-- <paymentId>] [-- --follow]`: prints the payment events in the stream
// (validated against the exported schema), for people without the nats CLI. It reads through an
// ordered consumer, so the read-only `consumer` identity is enough: against `npm start`'s embedded
// nats-server (NATS_URL unset) it connects as `consumer` with the password in
// <DATA_DIR>/nats-consumer-password; otherwise with NATS_CREDS or NATS_USER + NATS_PASSWORD (and
// NATS_TLS_CA), as the service would.
import { existsSync, readFileSync } from 'node:fs';
import { connect, type ConnectionOptions } from 'nats';
import { endpoints, loadConfig, type Config } from '../config/config.js';
import { natsOptions } from '../config/connections.js';
import { dataFiles, resolveDataDir } from '../devservers/data-files.js';
import { NATS_CONSUMER_USER } from '../devservers/nats-auth.js';
import { PaymentEvent, STREAM_NAME } from '../events/schema.js';

function identity(config: Config): Partial<ConnectionOptions> {
  if (config.NATS_URL || config.NATS_USER || config.NATS_CREDS) {
    // Reconnect while following, but fail at once when the server is not there at all.
    return { ...natsOptions(config), waitOnFirstConnect: false };
  }
  const file = dataFiles(resolveDataDir(config.DATA_DIR)).natsConsumerPassword;
  if (!existsSync(file)) {
    console.error(`${file} is missing: \`npm start\` writes it when it first starts the embedded nats-server (or set NATS_URL and an identity)`);
    process.exit(2);
  }
  return { user: NATS_CONSUMER_USER, pass: readFileSync(file, 'utf8').trim() };
}

const args = process.argv.slice(2);
const follow = args.includes('--follow');
const paymentId = args.find((a) => !a.startsWith('--'));
const config = loadConfig();
const nc = await connect({ servers: endpoints(config).natsUrl, name: 'alipay-cn-events', ...identity(config) });
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
