// The worker process on its own: `npm run worker` (tsx worker/main.ts), `node dist/worker/main.js`
// after `npm run build` (the prebuilt workflow bundle, no bundling at start), the worker that
// `npm start` runs beside its API, and docker-compose's worker. Any number of them may poll the one
// task queue; each payment is on one of them at a time and moves to another if that one dies.
import { ConfigError, loadConfig } from '../config/config.js';
import { boundWorkflowHeap, workerFromConfig, workerMetricsAddress } from './from-config.js';
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
boundWorkflowHeap(config);
const worker = await workerFromConfig(config);
const metricsAddress = workerMetricsAddress(config);
const metrics = metricsAddress ? `metrics at http://${metricsAddress}/metrics` : 'no metrics endpoint';
console.error(`${WORKER_READY_LINE} ${worker.worker.options.taskQueue} (pid ${process.pid}, ready in ${Date.now() - started} ms, ${worker.bundle}, ${metrics})`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.stop().then(() => process.exit(0)));
await worker.run;
