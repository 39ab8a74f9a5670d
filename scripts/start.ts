// `npm start`: the whole service on its embedded defaults. Starts what is not configured to be
// elsewhere (Temporal dev server with the Web UI, nats-server with JetStream, the gateway
// sandbox), then the worker and the API; prints the URLs; Ctrl-C stops everything in order.
import { join, resolve } from 'node:path';
import { ConfigError, endpoints, loadConfig, type Config } from '../config/config.js';
import { ROOT, startNats, startTemporalDev } from '../devservers/servers.js';
import { sandboxOptions } from '../sandbox/from-config.js';
import { startSandbox } from '../sandbox/server.js';
import { apiFromConfig } from '../api/from-config.js';
import { workerFromConfig } from '../worker/from-config.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

const stops: { name: string; stop: () => Promise<void> }[] = [];
const dataDir = resolve(ROOT, config.DATA_DIR);
const e = endpoints(config);
const say = (line: string) => console.log(`[start] ${line}`);

async function main() {
  let temporalUi = '(external Temporal: its own UI)';
  if (!config.TEMPORAL_ADDRESS) {
    say(`starting Temporal dev server on ${e.temporalAddress} (SQLite ${join(config.DATA_DIR, 'temporal.db')})`);
    const temporal = await startTemporalDev({
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile: join(dataDir, 'temporal.db'),
      namespace: config.TEMPORAL_NAMESPACE,
    });
    stops.unshift({ name: 'temporal', stop: temporal.stop });
    temporalUi = temporal.uiUrl ?? temporalUi;
  }
  if (!config.NATS_URL) {
    say(`starting nats-server with JetStream on ${e.natsUrl} (store ${join(config.DATA_DIR, 'jetstream')})`);
    const nats = await startNats({ port: config.NATS_PORT, storeDir: join(dataDir, 'jetstream') });
    stops.unshift({ name: 'nats', stop: nats.stop });
  }
  if (!config.UPSTREAM_BASE_URL) {
    const sandbox = await startSandbox(sandboxOptions(config));
    stops.unshift({ name: 'sandbox', stop: sandbox.close });
  }
  const worker = await workerFromConfig(config);
  stops.unshift({ name: 'worker', stop: worker.stop });
  const api = await apiFromConfig(config);
  stops.unshift({ name: 'api', stop: api.close });

  console.log(`
  ALIPAY_CN payments is running
    API                http://${config.API_HOST}:${config.API_PORT}   (POST /v1/payments, GET /v1/payments/{id})
    Temporal Web UI    ${temporalUi}
    Temporal gRPC      ${e.temporalAddress}   (namespace ${config.TEMPORAL_NAMESPACE})
    NATS JetStream     ${e.natsUrl}   (stream ALIPAY_CN_PAYMENTS, subjects payments.alipay_cn.>)
    Gateway            ${e.upstreamBaseUrl}${config.UPSTREAM_BASE_URL ? '' : `   (sandbox; cashier pages at ${e.sandboxPublicUrl}/sandbox/cashier/{token})`}
  Ctrl-C stops everything.
`);
}

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  for (const { name, stop } of stops) {
    try {
      await stop();
      say(`${name} stopped`);
    } catch (err) {
      console.error(`[start] ${name} failed to stop: ${(err as Error).message}`);
    }
  }
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

main().catch(async (err) => {
  console.error(`[start] failed: ${(err as Error).message}`);
  await shutdown(1);
});
