// The HTTP API process on its own (docker-compose): `tsx api/main.ts`.
import { loadConfig } from '../config/config.js';
import { apiFromConfig } from './from-config.js';
import type { RunningApi } from './server.js';

let api: RunningApi;
try {
  api = await apiFromConfig(loadConfig());
} catch (err) {
  // A configuration problem (no API_KEYS, a bad value) is a message, not a stack trace.
  console.error(`api: ${(err as Error).message}`);
  process.exit(1);
}
api.app.log.info({ url: api.url }, 'api listening');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void api.close().then(() => process.exit(0)));
