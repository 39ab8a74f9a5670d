// The sandbox as the config describes it: shared by sandbox/main.ts and `npm start`.
import { endpoints, type Config } from '../config/config.js';
import type { SandboxOptions } from './server.js';

export function sandboxOptions(config: Config): SandboxOptions {
  const e = endpoints(config);
  return {
    port: config.SANDBOX_PORT,
    clientId: config.GATEWAY_CLIENT_ID,
    secret: config.GATEWAY_SECRET,
    notifyRetryMs: config.SANDBOX_NOTIFY_RETRY_MS.split(',').map(Number),
    timezone: config.GATEWAY_TIMEZONE,
    publicUrl: e.sandboxPublicUrl,
    // Entry-code payments made without a notifyUrl notify the service's webhook.
    entryCodeNotifyUrl: e.notifyUrl,
    refundWindowMs: config.REFUND_WINDOW_DAYS * 24 * 3600_000,
  };
}
