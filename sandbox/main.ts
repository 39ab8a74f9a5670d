// Runs the gateway sandbox standalone from the environment: `tsx sandbox/main.ts`.
import { endpoints, loadConfig } from '../config/config.js';
import { startSandbox } from './server.js';

const config = loadConfig();
const sandbox = await startSandbox({
  port: config.SANDBOX_PORT,
  clientId: config.GATEWAY_CLIENT_ID,
  secret: config.GATEWAY_SECRET,
  notifyRetryMs: config.SANDBOX_NOTIFY_RETRY_MS.split(',').map(Number),
  timezone: config.GATEWAY_TIMEZONE,
  ...(config.PUBLIC_SANDBOX_URL && { publicUrl: config.PUBLIC_SANDBOX_URL }),
  // Entry-code payments made without a notifyUrl notify the service's webhook (NOTIFY_URL, else the local API).
  entryCodeNotifyUrl: endpoints(config).notifyUrl,
  refundWindowMs: config.REFUND_WINDOW_DAYS * 24 * 3600_000,
  logger: { level: config.LOG_LEVEL },
});
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
