// The worker process on its own (docker-compose): `tsx worker/main.ts`.
import { loadConfig } from '../config/config.js';
import { workerFromConfig } from './from-config.js';

const worker = await workerFromConfig(loadConfig());
console.error('worker running on task queue alipay-cn-payments');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.stop().then(() => process.exit(0)));
await worker.run;
