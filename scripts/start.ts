// `npm start`: the whole service on its embedded defaults. Starts what is not configured to be
// elsewhere (Temporal dev server with the Web UI, nats-server with JetStream, the gateway
// sandbox), then the worker in a process of its own (so the workflows and the API each get a
// core; supervised like the servers) and the API in this one; prints the URLs and the keys; Ctrl-C stops everything in
// order. The embedded servers are supervised: one that exits on its own is started again on the
// same port with the same data, and all of them die with this process, even on `kill -9`
// (devservers/servers.ts); and this process stops when the npm or tsx process that launched it is
// killed (devservers/lifeline.ts). Without API_KEYS a dev key is generated once into DATA_DIR; the
// embedded nats-server admits only the `service` and `consumer` identities (DESIGN.md section 8).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { ConfigError, endpoints, loadConfig, parseApiKeys, type Config } from '../config/config.js';
import { dataFiles, resolveDataDir } from '../devservers/data-files.js';
import { launchers, watchLaunchers } from '../devservers/lifeline.js';
import { configEnv, startNodeProcess } from '../devservers/node-process.js';
import { NATS_CONSUMER_USER, NATS_SERVICE_USER } from '../devservers/nats-auth.js';
import { readOrCreateSecret } from '../devservers/secrets.js';
import { startNats, startTemporalDev, type RunningServer } from '../devservers/servers.js';
import { supervise } from '../devservers/supervise.js';
import { STREAM_NAME, SUBJECT_PREFIX } from '../events/schema.js';
import { sandboxOptions } from '../sandbox/from-config.js';
import { startSandbox } from '../sandbox/server.js';
import { apiFromConfig } from '../api/from-config.js';
import { workerMetricsAddress } from '../worker/from-config.js';
import { WORKER_READY_LINE } from '../worker/worker.js';

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
/** Absolute paths for the work, paths as configured (`.data/api-key`) for what people read. */
const files = dataFiles(resolveDataDir(config.DATA_DIR));
const shown = dataFiles(config.DATA_DIR);
const e = endpoints(config);
const say = (line: string) => console.log(`[start] ${line}`);
/** Aborted when shutdown begins: from then on a server that exits is not restarted. */
const shuttingDown = new AbortController();

const pids: Record<string, number> = { start: process.pid };
const recordPid = (name: string, pid: number) => {
  pids[name] = pid;
  writeFileSync(files.pids, `${JSON.stringify(pids)}\n`);
};

/** An embedded server, supervised: restarted on the same port and data if it exits on its own. */
const embedded = <T extends RunningServer>(name: string, start: () => Promise<T>) =>
  supervise({ name, start, log: say, signal: shuttingDown.signal, onStart: (server) => recordPid(name, server.pid) });

async function main() {
  mkdirSync(resolveDataDir(config.DATA_DIR), { recursive: true });
  recordPid('start', process.pid);
  /** The config the worker and the API run with: the generated key and the service's NATS identity. */
  let service: Config = config;
  const banner: string[] = [];

  if (config.API_KEYS) {
    banner.push(`    API keys           from API_KEYS (${parseApiKeys(config.API_KEYS).map((k) => k.name).join(', ')})`);
  } else {
    const { secret, created } = readOrCreateSecret(files.apiKey);
    if (created) say(`generated an API key into ${shown.apiKey}`);
    service = { ...service, API_KEYS: `dev:${secret}` };
    banner.push(`    API key (dev)      ${secret}   (Authorization: Bearer ${secret}; stored in ${shown.apiKey})`);
  }

  // Temporal and NATS start side by side; whichever started is stopped again if the other failed.
  const starting: Promise<void>[] = [];
  const servers: { nats?: () => Promise<void>; temporal?: () => Promise<void> } = {};
  let temporalUi = '(external Temporal: its own UI)';
  if (!config.TEMPORAL_ADDRESS) {
    say(`starting Temporal dev server on ${e.temporalAddress} (SQLite ${shown.temporalDb})`);
    starting.push(
      embedded('temporal', () =>
        startTemporalDev({ port: config.TEMPORAL_PORT, uiPort: config.TEMPORAL_UI_PORT, dbFile: files.temporalDb, namespace: config.TEMPORAL_NAMESPACE }),
      ).then((temporal) => {
        servers.temporal = temporal.stop;
        temporalUi = temporal.current.uiUrl ?? temporalUi;
      }),
    );
  }
  let natsConsumer = '';
  if (!config.NATS_URL) {
    const servicePassword = readOrCreateSecret(files.natsServicePassword).secret;
    const consumerPassword = readOrCreateSecret(files.natsConsumerPassword).secret;
    service = { ...service, NATS_USER: NATS_SERVICE_USER, NATS_PASSWORD: servicePassword, NATS_CREDS: undefined };
    natsConsumer = `    NATS consumer      user ${NATS_CONSUMER_USER}, password ${consumerPassword}   (read-only; stored in ${shown.natsConsumerPassword})`;
    say(`starting nats-server with JetStream on ${e.natsUrl} (store ${shown.jetstream}, users ${NATS_SERVICE_USER} and ${NATS_CONSUMER_USER})`);
    starting.push(
      embedded('nats', () =>
        startNats({ port: config.NATS_PORT, storeDir: files.jetstream, auth: { servicePassword, consumerPassword }, configFile: files.natsConfig }),
      ).then((nats) => {
        servers.nats = nats.stop;
      }),
    );
  }
  const started = await Promise.allSettled(starting);
  // Stopped in reverse order of starting: api, worker, sandbox, then nats, then Temporal.
  if (servers.temporal) stops.unshift({ name: 'temporal', stop: servers.temporal });
  if (servers.nats) stops.unshift({ name: 'nats', stop: servers.nats });
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;

  if (!config.UPSTREAM_BASE_URL) {
    const sandbox = await startSandbox(sandboxOptions(config));
    stops.unshift({ name: 'sandbox', stop: sandbox.close });
  }
  say('starting the worker (worker/main, its own process)');
  const worker = await embedded('worker', () =>
    startNodeProcess({ name: 'worker', entry: 'worker/main', env: configEnv(service), readyLine: new RegExp(WORKER_READY_LINE) }),
  );
  stops.unshift({ name: 'worker', stop: worker.stop });
  const api = await apiFromConfig(service);
  stops.unshift({ name: 'api', stop: api.close });
  const workerAddress = workerMetricsAddress(config);
  const workerMetrics = workerAddress ? `http://${workerAddress}/metrics (worker: Temporal SDK and business histograms)` : 'worker: none (WORKER_METRICS_PORT=0)';

  console.log(
    [
      '',
      '  ALIPAY_CN payments is running',
      `    API                http://${config.API_HOST}:${config.API_PORT}   (POST /v1/payments, GET /v1/payments/{id})`,
      `    Metrics            http://${config.API_HOST}:${config.API_PORT}/metrics (API); ${workerMetrics}`,
      ...banner,
      `    Temporal Web UI    ${temporalUi}`,
      `    Temporal gRPC      ${e.temporalAddress}   (namespace ${config.TEMPORAL_NAMESPACE})`,
      `    NATS JetStream     ${e.natsUrl}   (stream ${STREAM_NAME}, subjects ${SUBJECT_PREFIX}.>)`,
      ...(natsConsumer ? [natsConsumer] : []),
      `    Gateway            ${e.upstreamBaseUrl}${config.UPSTREAM_BASE_URL ? '' : `   (sandbox; cashier pages at ${e.sandboxPublicUrl}/sandbox/cashier/{token})`}`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  shuttingDown.abort();
  for (const { name, stop } of stops) {
    try {
      await stop();
      say(`${name} stopped`);
    } catch (err) {
      console.error(`[start] ${name} failed to stop: ${(err as Error).message}`);
    }
  }
  rmSync(files.pids, { force: true });
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));
// `kill -9` of npm (or of tsx's relay) would leave this process and its servers running alone.
watchLaunchers(launchers(), (gone) => {
  say(`${gone.name} (pid ${gone.pid}), which launched this, is gone; stopping`);
  void shutdown(1);
});

main().catch(async (err) => {
  console.error(`[start] failed: ${(err as Error).message}`);
  await shutdown(1);
});
