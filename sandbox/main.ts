// Runs the gateway sandbox standalone from the environment: `tsx sandbox/main.ts`.
import { loadConfig } from '../config/config.js';
import { loggerOptions, SERVICE_NAMES } from '../telemetry/logger.js';
import { sandboxOptions } from './from-config.js';
import { startSandbox } from './server.js';

const config = loadConfig();
if (config.UPSTREAM_BASE_URL) {
  // With a real gateway configured, nobody may pay or decline orders through a control API.
  console.error('UPSTREAM_BASE_URL is set: the gateway sandbox (and its control API) does not start next to a real gateway');
  process.exit(2);
}
const sandbox = await startSandbox({ ...sandboxOptions(config), logger: loggerOptions(SERVICE_NAMES.sandbox, config.LOG_LEVEL) });
sandbox.app.log.info({ url: sandbox.url }, 'gateway sandbox listening');

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  sandbox.app.log.info({ signal }, 'gateway sandbox stopping');
  sandbox.close().then(
    () => process.exit(0),
    (err: unknown) => {
      sandbox.app.log.error({ err }, 'gateway sandbox failed to stop cleanly');
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
