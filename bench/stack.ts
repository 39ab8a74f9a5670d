// What the bench runs against: everything `npm start` runs, the way it runs it, plus the bare
// reference beside it on the same servers. Fresh servers on free ports with one temp data folder:
// the Temporal dev server on a SQLite file (the same pragmas as `npm start`), nats-server with the
// two identities; then one process per role, each measured apart: the gateway sandbox, the service's
// API and worker (its real entry points, product defaults of config/config.ts, LOG_LEVEL info as
// `npm start`), and the bare API and worker (bench/bare/). The processes die with the bench
// (parent-death signal), even on kill -9.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataFiles } from '../devservers/data-files.js';
import { configEnv, startNodeProcess } from '../devservers/node-process.js';
import { NATS_SERVICE_USER } from '../devservers/nats-auth.js';
import { freePort, startNats, startTemporalDev, type RunningServer } from '../devservers/servers.js';
import { WORKER_READY_LINE } from '../worker/worker.js';

export interface Stack {
  temporalAddress: string;
  temporalPid: number;
  natsUrl: string;
  nats: { user: string; pass: string };
  sandboxUrl: string;
  apiUrl: string;
  apiKey: string;
  bareUrl: string;
  pids: { sandbox: number; api: number; bareApi: number };
  bareWorker: RunningServer;
  /** Stops the bare worker and starts a fresh one (an empty workflow cache). */
  restartBareWorker(): Promise<RunningServer>;
  /** The service's worker processes, first started first. */
  workers: RunningServer[];
  /** One more service worker process on the same task queue. */
  addWorker(): Promise<RunningServer>;
  /** Stops (SIGTERM) or kills (SIGKILL) a worker and forgets it. */
  removeWorker(worker: RunningServer, how: 'stop' | 'kill'): Promise<void>;
  stop(): Promise<void>;
}

/** BENCH_PROFILE_DIR=<dir>: both workers write V8 CPU profiles there when they stop (main thread and workflow thread). */
const profiling = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];

export async function startStack(say: (line: string) => void): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'alipay-cn-bench-'));
  const files = dataFiles(dir);
  const stops: (() => Promise<void>)[] = [() => Promise.resolve(rmSync(dir, { recursive: true, force: true }))];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((err: Error) => console.error(`[bench] stopping: ${err.message}`));
  };
  try {
    const natsAuth = { servicePassword: randomBytes(24).toString('base64url'), consumerPassword: randomBytes(24).toString('base64url') };
    say(`starting Temporal dev server (SQLite file ${files.temporalDb}) and nats-server (JetStream ${files.jetstream})`);
    const temporal = await startTemporalDev({ uiPort: null, dbFile: files.temporalDb });
    stops.push(temporal.stop);
    const nats = await startNats({ storeDir: files.jetstream, auth: natsAuth, configFile: files.natsConfig });
    stops.push(nats.stop);

    const [apiPort, sandboxPort, barePort] = [await freePort(), await freePort(), await freePort()];
    const apiKey = randomBytes(32).toString('base64url');
    // The service's config: npm start's defaults, its servers, the generated key, the `service` identity.
    const config = {
      API_PORT: apiPort,
      SANDBOX_PORT: sandboxPort,
      TEMPORAL_ADDRESS: temporal.address,
      NATS_URL: nats.url,
      NATS_USER: NATS_SERVICE_USER,
      NATS_PASSWORD: natsAuth.servicePassword,
      API_KEYS: `bench:${apiKey}`,
      DATA_DIR: dir,
      LOG_LEVEL: 'info',
      // The one departure from the defaults: the bench is one merchant key doing the work of many,
      // and a wait for the token bucket (429, Retry-After) is policy, not what a payment costs.
      RATE_LIMIT_PER_SECOND: 100_000,
      RATE_LIMIT_BURST: 100_000,
      // Several workers on this one host: none binds the default metrics port.
      WORKER_METRICS_PORT: 0,
    };
    const env = configEnv(config);
    const role = async (name: string, entry: string, readyLine: RegExp, extra: NodeJS.ProcessEnv = {}) => {
      const proc = await startNodeProcess({ name, entry, env: { ...env, ...extra }, readyLine, output: 'ignore' });
      stops.push(proc.stop);
      return proc;
    };
    say('starting the gateway sandbox, the service (API, worker) and the bare reference (API, worker), one process each');
    const sandbox = await role('sandbox', 'sandbox/main', /gateway sandbox listening/);
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    const bareEnv = {
      BARE_TEMPORAL_ADDRESS: temporal.address,
      BARE_NATS_URL: nats.url,
      BARE_NATS_USER: NATS_SERVICE_USER,
      BARE_NATS_PASSWORD: natsAuth.servicePassword,
      BARE_GATEWAY_URL: sandboxUrl,
      BARE_GATEWAY_CLIENT_ID: 'merchant-sandbox',
      BARE_GATEWAY_SECRET: 'sandbox-shared-secret-change-me',
      BARE_NOTIFY_URL: `http://127.0.0.1:${barePort}/bare/notify`,
      BARE_API_PORT: String(barePort),
    };
    const [api, bareApi] = await Promise.all([role('api', 'api/main', /api listening/), role('bare api', 'bench/bare/api', /bare API listening/, bareEnv)]);
    const startBareWorker = () =>
      startNodeProcess({ name: 'bare worker', entry: 'bench/bare/worker', env: { ...env, ...bareEnv }, readyLine: /bare worker running/, output: 'ignore', nodeArgs: profiling });
    let bareWorker = await startBareWorker();
    stops.push(() => bareWorker.stop());
    const workers: RunningServer[] = [];
    const addWorker = async () => {
      const worker = await startNodeProcess({ name: 'worker', entry: 'worker/main', env, readyLine: new RegExp(WORKER_READY_LINE), output: 'ignore', nodeArgs: profiling });
      workers.push(worker);
      return worker;
    };
    await addWorker();
    stops.push(() => Promise.all(workers.map((w) => w.stop())).then(() => undefined));
    return {
      temporalAddress: temporal.address,
      temporalPid: temporal.pid,
      natsUrl: nats.url,
      nats: { user: NATS_SERVICE_USER, pass: natsAuth.servicePassword },
      sandboxUrl,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      apiKey,
      bareUrl: `http://127.0.0.1:${barePort}`,
      pids: { sandbox: sandbox.pid, api: api.pid, bareApi: bareApi.pid },
      get bareWorker() {
        return bareWorker;
      },
      async restartBareWorker() {
        await bareWorker.stop();
        bareWorker = await startBareWorker();
        return bareWorker;
      },
      workers,
      addWorker,
      async removeWorker(worker, how) {
        workers.splice(workers.indexOf(worker), 1);
        if (how === 'stop') return worker.stop();
        try {
          process.kill(worker.pid, 'SIGKILL');
        } catch {
          /* gone already */
        }
        await worker.exited;
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
