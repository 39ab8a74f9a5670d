// The HTTP API process on its own (docker-compose): `tsx api/main.ts`.
import { loadConfig } from '../config/config.js';
import { apiFromConfig } from './from-config.js';

const api = await apiFromConfig(loadConfig());
api.app.log.info({ url: api.url }, 'api listening');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void api.close().then(() => process.exit(0)));
