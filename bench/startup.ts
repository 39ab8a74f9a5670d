// `npm run bench:startup`: how long a worker process takes from spawn to polling, from source
// (tsx, the workflows bundled at start) and from `npm run build`'s dist/ (plain node, the prebuilt
// bundle), three times each, against fresh servers. Run `npm run build` first.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PROJECT_ROOT } from '../config/project-root.js';
import { startNodeProcess } from '../devservers/node-process.js';
import { startNats, startTemporalDev } from '../devservers/servers.js';
import { WORKER_READY_LINE } from '../worker/worker.js';
import { median } from './stats.js';

if (!existsSync(join(PROJECT_ROOT, 'dist', 'worker', 'main.js'))) {
  console.error('[startup] dist/worker/main.js is missing: run `npm run build` first');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'startup-'));
const temporal = await startTemporalDev({ uiPort: null, dbFile: join(dir, 'temporal.db') });
const nats = await startNats({ storeDir: join(dir, 'jetstream') });
const env = { ...process.env, TEMPORAL_ADDRESS: temporal.address, NATS_URL: nats.url, LOG_LEVEL: 'warn', WORKER_METRICS_PORT: '0' };

async function once(compiled: boolean): Promise<number> {
  const started = performance.now();
  const worker = await startNodeProcess({ name: 'worker', entry: 'worker/main', env, readyLine: new RegExp(WORKER_READY_LINE), output: 'ignore', compiled });
  const ms = performance.now() - started;
  await worker.stop();
  return ms;
}

const results: Record<string, number[]> = { 'from source (tsx, bundled at start)': [], 'from dist/ (node, prebuilt bundle)': [] };
for (let i = 0; i < 3; i++) {
  results['from source (tsx, bundled at start)'].push(await once(false));
  results['from dist/ (node, prebuilt bundle)'].push(await once(true));
}
for (const [name, ms] of Object.entries(results)) console.log(`  ${name.padEnd(38)} median ${Math.round(median(ms))} ms  (${ms.map((x) => Math.round(x)).join(', ')})`);
await Promise.all([temporal.stop(), nats.stop()]);
rmSync(dir, { recursive: true, force: true });
