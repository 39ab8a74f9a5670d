// The one config loader: environment variables validated with zod at start. A bad value stops
// start-up with a message naming the variable and the rule.
import { z } from 'zod';
import { isTimezone } from '../domain/gateway-time.js';

const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().int().positive();
const positiveInt = seconds;
const url = z.url();
const timezone = z.string().refine(isTimezone, 'must be an IANA time zone such as Asia/Shanghai');

export const ConfigSchema = z.object({
  API_PORT: port.default(8080),
  API_HOST: z.string().default('127.0.0.1'),
  SANDBOX_PORT: port.default(8090),
  TEMPORAL_ADDRESS: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_PORT: port.default(7233),
  NATS_URL: z.string().regex(/^nats:\/\/[^:]+:\d+$/, 'must be nats://host:port').optional(),
  NATS_PORT: port.default(4223),
  UPSTREAM_BASE_URL: url.optional(),
  GATEWAY_CLIENT_ID: z.string().min(1).default('merchant-sandbox'),
  GATEWAY_SECRET: z.string().min(16, 'must be at least 16 characters').default('sandbox-shared-secret-change-me'),
  GATEWAY_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  GATEWAY_TIMEZONE: timezone.default('Asia/Shanghai'),
  NOTIFY_URL: url.optional(),
  PUBLIC_SANDBOX_URL: url.optional(),
  DEFAULT_EXPIRY_SECONDS: seconds.max(72 * 3600 - 1, 'must be under 72 hours').default(1800),
  DETAIL_POLL_INITIAL_SECONDS: seconds.default(10),
  DETAIL_POLL_MAX_SECONDS: seconds.default(300),
  PAYMENT_CODE_POLL_SECONDS: seconds.default(3),
  PAYMENT_CODE_MAX_POLLS: positiveInt.default(20),
  PAYMENT_CODE_CONFIRM_SECONDS: seconds.default(60),
  FINAL_GRACE_SECONDS: seconds.default(3 * 24 * 3600),
  REFUND_WINDOW_DAYS: positiveInt.default(365),
  SANDBOX_NOTIFY_RETRY_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be comma-separated milliseconds, e.g. 0,1000,5000')
    .default('0,2000,10000,60000,600000,3600000'),
  DATA_DIR: z.string().default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked = Object.fromEntries(
    Object.keys(ConfigSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = ConfigSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${String(i.path[0])}=${JSON.stringify(picked[String(i.path[0])])}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Where each component is reached: the configured address, else the embedded default. */
export function endpoints(config: Config) {
  return {
    temporalAddress: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`,
    natsUrl: config.NATS_URL ?? `nats://127.0.0.1:${config.NATS_PORT}`,
    upstreamBaseUrl: config.UPSTREAM_BASE_URL ?? `http://127.0.0.1:${config.SANDBOX_PORT}`,
    notifyUrl: config.NOTIFY_URL ?? `http://127.0.0.1:${config.API_PORT}/v1/notifications/alipay-cn`,
    sandboxPublicUrl: config.PUBLIC_SANDBOX_URL ?? `http://127.0.0.1:${config.SANDBOX_PORT}`,
  };
}
