// The worker process on its own: `npm run worker` (tsx worker/main.ts), `node dist/worker/main.js`
// after `npm run build` (the prebuilt workflow bundle, no bundling at start), the worker that
// `npm start` runs beside its API, and docker-compose's worker. Any number of them may poll the one
// task queue; each payment is on one of them at a time and moves to another if that one dies.
import { ConfigError, loadConfig } from '../config/config.js';
import { alwaysWritten } from '../telemetry/logger.js';
import { boundWorkflowHeap, workerFromConfig, workerLogger, workerMetricsAddress } from './from-config.js';
import { WORKER_READY_LINE } from './worker.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`worker: ${err.message}`);
  process.exit(2);
}
const started = Date.now();
const logger = workerLogger(config);
boundWorkflowHeap(config);
const worker = await workerFromConfig(config, logger);
const metricsAddress = workerMetricsAddress(config);
// Written whatever LOG_LEVEL says: `npm start`, the bench and the chaos run wait for this line.
alwaysWritten(logger).info(
  { taskQueue: worker.worker.options.taskQueue, readyMs: Date.now() - started, bundle: worker.bundle, metrics: metricsAddress ? `http://${metricsAddress}/metrics` : null },
  `${WORKER_READY_LINE} ${worker.worker.options.taskQueue}`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.stop().then(() => process.exit(0)));
await worker.run;
