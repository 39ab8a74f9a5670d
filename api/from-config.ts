// The API as the config describes it: shared by api/main.ts and `npm start`.
import { endpoints, parseApiKeys, paymentCodeSettings, type Config } from '../config/config.js';
import { natsOptions, temporalOptions } from '../config/connections.js';
import { createLogger, SERVICE_NAMES } from '../telemetry/logger.js';
import { tracingFromConfig } from '../telemetry/tracing.js';
import { startApi, type RunningApi } from './server.js';

export function apiFromConfig(config: Config): Promise<RunningApi> {
  const e = endpoints(config);
  return startApi({
    temporalAddress: e.temporalAddress,
    temporalConnection: temporalOptions(config),
    temporalUnavailableAfterMs: config.TEMPORAL_UNAVAILABLE_AFTER_MS,
    namespace: config.TEMPORAL_NAMESPACE,
    nats: { url: e.natsUrl, options: natsOptions(config) },
    secret: config.GATEWAY_SECRET,
    clientId: config.GATEWAY_CLIENT_ID,
    notificationMaxAgeMs: config.NOTIFICATION_MAX_AGE_SECONDS * 1000,
    apiKeys: parseApiKeys(config.API_KEYS),
    rateLimit: { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    host: config.API_HOST,
    port: config.API_PORT,
    timeZone: config.GATEWAY_TIMEZONE,
    defaultExpiryMs: config.DEFAULT_EXPIRY_SECONDS * 1000,
    pollInitialMs: config.DETAIL_POLL_INITIAL_SECONDS * 1000,
    pollMaxMs: config.DETAIL_POLL_MAX_SECONDS * 1000,
    graceMs: config.FINAL_GRACE_SECONDS * 1000,
    paymentCode: paymentCodeSettings(config),
    refundWindowMs: config.REFUND_WINDOW_DAYS * 24 * 3600 * 1000,
    logger: createLogger(SERVICE_NAMES.api, config.LOG_LEVEL),
    tracing: tracingFromConfig(config, SERVICE_NAMES.api),
  });
}
